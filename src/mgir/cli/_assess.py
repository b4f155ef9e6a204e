"""``mgir assess``: one person from a file, or a table of people vectorised."""

from __future__ import annotations

import csv
import math
import sys
import time
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from mgir._errors import InvalidInputError
from mgir.assessment import NHANES_COLUMNS, TABLE_OUTPUT_COLUMNS, Assessment, assess, assess_table
from mgir.cli._common import console, handle_errors, print_json, read_person
from mgir.cli._intake import dietary_intake_mg_per_day
from mgir.reference import cite
from mgir.units import INSULIN_PMOL_PER_UIU_CONVENTIONAL, INSULIN_PMOL_PER_UIU_WHO

__all__ = ["print_assessment", "register"]


def _fmt(value: float | None, digits: int = 3) -> str:
    return "—" if value is None or not math.isfinite(value) else f"{value:.{digits}g}"


def print_assessment(assessment: Assessment) -> None:
    """Print an assessment as readable tables."""
    person = assessment.person
    console.rule(
        f"mgir assessment — {person.id or 'person'} ({person.sex}, {person.age_years:g} y)"
    )
    labs = Table(title="Labs (canonical units)", show_lines=False)
    for column in ("lab", "value", "unit", "as given"):
        labs.add_column(column)
    for name, lab in person.labs.items():
        labs.add_row(name, _fmt(lab.value, 4), lab.unit, f"{lab.given_value:g} {lab.given_unit}")
    console.print(labs)
    results = Table(title="Indices and kidney function")
    for column in ("result", "value", "unit", "interpretation / reason"):
        results.add_column(column, overflow="fold")
    rows = [*assessment.indices.values(), assessment.kidney.egfr, assessment.kidney.fe_magnesium]
    for result in rows:
        results.add_row(
            result.name,
            _fmt(result.value),
            result.unit,
            result.interpretation or f"not computed: {result.reason}",
        )
    console.print(results)
    mg = assessment.magnesium
    console.print(f"[bold]Magnesium status:[/bold] {mg.status}")
    for line in (*mg.basis, *mg.findings.values()):
        console.print(f"  • {line}", markup=False)
    req = assessment.requirements
    ul = (
        "not established"
        if req.supplement_ul_mg_per_day is None
        else f"{req.supplement_ul_mg_per_day:g} mg/day"
    )
    console.print(
        f"[bold]Requirements ({req.life_stage}):[/bold] {req.rda_kind} "
        f"{req.rda_mg_per_day:g} mg/day, EAR {_fmt(req.ear_mg_per_day)} mg/day, "
        f"supplemental UL {ul} (EU alternative "
        f"{_fmt(req.eu_supplement_ul_mg_per_day)} mg/day)"
    )
    for flag in req.flags:
        console.print(f"  • flagged: {flag}", markup=False)
    if assessment.dietary_intake_mg_per_day is not None:
        console.print(
            f"[bold]Dietary intake:[/bold] {assessment.dietary_intake_mg_per_day:.0f} "
            "mg/day (mean of the food diary)"
        )
    console.print(f"Insulin conversion factor: {person.insulin_pmol_per_uiu:g} pmol/L per µIU/mL")
    if assessment.warnings:
        console.print("[bold yellow]Warnings[/bold yellow]")
        for warning in assessment.warnings:
            console.print(f"  ! {warning}", markup=False)
    console.print(
        "References: " + "; ".join(s.key for s in cite(assessment.references)), markup=False
    )


def _insulin_factor(value: float) -> float:
    if value not in (INSULIN_PMOL_PER_UIU_CONVENTIONAL, INSULIN_PMOL_PER_UIU_WHO):
        raise InvalidInputError(
            field="--insulin-factor",
            value=value,
            unit="pmol/L per µIU/mL",
            allowed=f"{INSULIN_PMOL_PER_UIU_CONVENTIONAL:g} or {INSULIN_PMOL_PER_UIU_WHO:g}",
        )
    return value


def _assess_csv(
    path: Path, output: Path | None, table_format: str, factor: float, cutoff: str | None
) -> None:
    started = time.perf_counter()
    try:
        with path.open(newline="", encoding="utf-8") as handle:
            reader = csv.DictReader(handle)
            header = list(reader.fieldnames or [])
            rows = list(reader)
    except OSError as exc:
        raise InvalidInputError(
            field="--csv", value=str(path), allowed=f"a readable CSV file ({exc.strerror})"
        ) from None
    if table_format == "nhanes":
        missing = [c for c in NHANES_COLUMNS if c not in header and c != "DR12_MAGN_mg"]
        if missing:
            raise InvalidInputError(
                field="--csv",
                value=missing,
                allowed="an NHANES extract with " + ", ".join(NHANES_COLUMNS),
            )
        columns = {
            mgir: [r[nh] for r in rows] for nh, mgir in NHANES_COLUMNS.items() if nh in header
        }
        columns["sex"] = [{"1": "male", "2": "female"}.get(s.strip(), s) for s in columns["sex"]]
        ignored = [c for c in header if c not in NHANES_COLUMNS]
        print(
            f"nhanes format: read {', '.join(c for c in NHANES_COLUMNS if c in header)}; "
            f"not assessed: {', '.join(ignored)}",
            file=sys.stderr,
        )
    else:
        columns = {c: [r[c] for r in rows] for c in header}
    result = assess_table(columns, insulin_pmol_per_uiu=factor, homa_ir_cutoff=cutoff)
    target = sys.stdout if output is None else output.open("w", newline="", encoding="utf-8")
    try:
        writer = csv.writer(target)
        writer.writerow(TABLE_OUTPUT_COLUMNS)
        for i in range(len(result["id"])):
            writer.writerow(
                [
                    "" if isinstance(v, float) and not math.isfinite(v) else v
                    for v in (result[c][i] for c in TABLE_OUTPUT_COLUMNS)
                ]
            )
    finally:
        if output is not None:
            target.close()
    elapsed = time.perf_counter() - started
    print(f"assessed {len(result['id'])} rows in {elapsed:.3f} s", file=sys.stderr)


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
        insulin_factor: Annotated[
            float,
            typer.Option(
                "--insulin-factor", help="pmol/L per µIU/mL for insulin in pmol/L: 6.0 or 6.945."
            ),
        ] = INSULIN_PMOL_PER_UIU_CONVENTIONAL,
        homa_ir_cutoff: Annotated[
            str | None,
            typer.Option(
                "--homa-ir-cutoff", help="Key of the HOMA-IR cut-off (see `mgir cutoffs`)."
            ),
        ] = None,
    ) -> None:
        """Assess a person: indices, kidney function, magnesium status, requirements, sources."""
        factor = _insulin_factor(insulin_factor)
        if csv_in is not None:
            if person_file is not None:
                raise InvalidInputError(
                    field="PERSON",
                    value=str(person_file),
                    allowed="either a PERSON file or --csv, not both",
                )
            if table_format not in ("mgir", "nhanes"):
                raise InvalidInputError(
                    field="--format", value=table_format, allowed="mgir or nhanes"
                )
            _assess_csv(csv_in, output, table_format, factor, homa_ir_cutoff)
            return
        if person_file is None:
            raise InvalidInputError(
                field="PERSON", value=None, allowed="a person file path, or --csv IN.csv"
            )
        person = read_person(person_file, insulin_factor=factor)
        intake = dietary_intake_mg_per_day(person)
        assessment = assess(person, dietary_intake_mg_per_day=intake, homa_ir_cutoff=homa_ir_cutoff)
        if as_json:
            print_json(assessment.to_dict())
        else:
            print_assessment(assessment)
