"""``mgir assess``: one person from a file, or a table of people vectorised."""

from __future__ import annotations

import csv
import io
import sys
import time
from pathlib import Path
from typing import Annotated

import typer

from mgir._errors import InvalidInputError, InvalidInputErrors
from mgir._text import decode_utf8
from mgir.cli._common import (
    ClinicalOptions,
    Diary,
    HomaCutoff,
    InsulinFactor,
    error_console,
    handle_errors,
    print_json,
    read_person,
    write_text,
)

__all__ = ["register"]

csv.field_size_limit(1 << 20)  # a cell over 1 MiB is an error of its row, not of the reader


def _read_csv(path: Path) -> tuple[list[str], list[list[str]], list[InvalidInputError]]:
    """Header and rows of a CSV; unreadable lines become errors of their row, not a crash."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise InvalidInputError(
            field="--csv", value=str(path), allowed=f"a readable CSV file ({exc.strerror})"
        ) from None
    text = decode_utf8(raw, field="--csv")
    reader = csv.reader(io.StringIO(text, newline=""))
    rows: list[list[str]] = []
    problems: list[InvalidInputError] = []
    while True:
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            problems.append(
                InvalidInputError(
                    field=f"--csv line {reader.line_num}",
                    value="(unreadable)",
                    allowed=f"a CSV row ({exc})",
                )
            )
            rows.append(["(unreadable line)"])  # kept: rows in = rows out; a row error below
            continue
        if row:  # csv yields [] for a blank line, which is not a row
            rows.append(row)
    if not rows or not any(cell.strip() for cell in rows[0]):
        raise InvalidInputError(
            field="--csv", value=str(path), allowed="a header row naming the columns"
        )
    return rows[0], rows[1:], problems


def _assess_csv(
    path: Path,
    output: Path | None,
    table_format: str,
    factor: float,
    cutoff: str | None,
    *,
    strict: bool,
) -> None:
    from mgir.assessment import TABLE_OUTPUT_COLUMNS, assess_table  # noqa: PLC0415

    started = time.perf_counter()
    header, rows, unreadable = _read_csv(path)
    result = assess_table(
        header, rows, table_format=table_format, insulin_pmol_per_uiu=factor, homa_ir_cutoff=cutoff
    )
    row_errors = [e for errs in result.errors for e in errs]
    if strict and (row_errors or unreadable):
        raise InvalidInputErrors([*unreadable, *row_errors])
    for problem in unreadable:
        error_console.print(f"note: {problem}", markup=False)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(TABLE_OUTPUT_COLUMNS)
    for i in range(result.n_rows):
        writer.writerow(result.row(i))
    if output is None:
        sys.stdout.write(buffer.getvalue())
    else:
        write_text(output, buffer.getvalue(), field="-o")
    elapsed = time.perf_counter() - started
    failed = sum(1 for errs in result.errors if errs)
    error_console.print(
        f"assessed {result.n_rows} rows in {elapsed:.3f} s; {failed} with errors "
        "(see the errors column; --strict makes any error fail the whole table)",
        markup=False,
    )


def register(app: typer.Typer) -> None:
    """Add ``mgir assess`` to the app."""

    @app.command("assess")
    @handle_errors
    def assess_command(
        person_file: Annotated[
            Path | None,
            typer.Argument(metavar="PERSON", help="Person file (TOML or JSON), spec version 1."),
        ] = None,
        as_json: Annotated[bool, typer.Option("--json", help="Print a JSON document.")] = False,
        csv_in: Annotated[
            Path | None,
            typer.Option("--csv", help="Assess a table of people (one row per person)."),
        ] = None,
        output: Annotated[
            Path | None,
            typer.Option("-o", "--output", help="With --csv: where to write the result CSV."),
        ] = None,
        table_format: Annotated[
            str,
            typer.Option("--format", help="With --csv: 'mgir' (<lab>_<unit> columns) or 'nhanes'."),
        ] = "mgir",
        strict: Annotated[
            bool, typer.Option("--strict", help="With --csv: any bad row fails the whole table.")
        ] = False,
        insulin_factor: InsulinFactor = 6.0,
        homa_ir_cutoff: HomaCutoff = None,
        diary: Diary = None,
    ) -> None:
        """Assess a person: indices, kidney function, magnesium status, requirements, sources."""
        options = ClinicalOptions(
            insulin_factor=insulin_factor, homa_ir_cutoff=homa_ir_cutoff, diary=diary
        ).care_options(project=False)
        if csv_in is not None:
            if person_file is not None:
                raise InvalidInputError(
                    field="PERSON",
                    value=str(person_file),
                    allowed="either a PERSON file or --csv, not both",
                )
            _assess_csv(
                csv_in,
                output,
                table_format,
                options.insulin_pmol_per_uiu,
                options.homa_ir_cutoff,
                strict=strict,
            )
            return
        if person_file is None:
            raise InvalidInputError(
                field="PERSON", value=None, allowed="a person file path, or --csv IN.csv"
            )
        from mgir.care import evaluate  # noqa: PLC0415  (deferred: start-up time)

        evaluation = evaluate(read_person(person_file), options, stages="assessment")
        if as_json:
            print_json(evaluation.to_dict())
        else:
            from mgir.cli._print import print_assessment  # noqa: PLC0415

            print_assessment(evaluation.assessment)
