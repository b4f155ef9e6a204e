"""``mgir simulate``: the person's projection with and without a supplement, with bands."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from mgir._errors import InvalidInputError
from mgir.cli._common import (
    ClinicalOptions,
    Diary,
    Draws,
    ElementalMg,
    EuUl,
    HomaCutoff,
    InsulinFactor,
    OverrideBy,
    OverrideRenal,
    OverrideUl,
    Seed,
    Weeks,
    handle_errors,
    print_json,
    read_document,
    read_person,
    write_bytes,
    write_text,
)

if TYPE_CHECKING:
    from mgir.care import CareOptions, Projection
    from mgir.planning import Plan

__all__ = ["register", "scenario_options"]


def scenario_options(
    options: CareOptions, supplement: str | None, elemental_mg: float | None, plan: Plan | None
) -> CareOptions:
    """The options of ``--supplement/--elemental-mg`` or of a checked ``--plan``."""
    if plan is not None:
        return options.with_plan(plan)
    if supplement is None and elemental_mg is None:
        return options
    if supplement is None:
        raise InvalidInputError(
            field="--supplement",
            value=None,
            allowed="a salt with --elemental-mg, e.g. --supplement 'magnesium citrate'",
        )
    return options.with_supplement(supplement, field="--supplement")


_COLUMNS = ("arm", "output", "unit", "anchored", "day", "central", "low", "median", "high")


def _trajectory_csv(projection: Projection) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=_COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(projection.long_rows())
    return buffer.getvalue()


def _trajectory_parquet(projection: Projection, path: Path) -> None:
    try:
        import pyarrow as pa  # noqa: PLC0415
        import pyarrow.parquet as pq  # noqa: PLC0415
    except ImportError:
        raise InvalidInputError(
            field="--output", value=str(path), allowed="a .csv file (Parquet needs mgir[parquet])"
        ) from None
    table = pa.Table.from_pylist(projection.long_rows())
    table = table.replace_schema_metadata({"mgir_projection_model": json.dumps(projection.model)})
    try:
        pq.write_table(table, path)
    except OSError as exc:
        raise InvalidInputError(
            field="--output", value=str(path), allowed=f"a writable file path ({exc.strerror})"
        ) from None


def register(app: typer.Typer) -> None:
    """Add ``simulate`` to the mgir Typer app."""

    @app.command("simulate")
    @handle_errors
    def simulate_command(
        person_file: Annotated[
            Path, typer.Argument(metavar="PERSON", help="Person file (TOML or JSON).")
        ],
        weeks: Weeks = 16.0,
        supplement: Annotated[
            str | None, typer.Option(help="Salt to simulate, e.g. 'magnesium citrate'.")
        ] = None,
        elemental_mg: ElementalMg = None,
        plan: Annotated[
            Path | None, typer.Option(help="A plan (mgir plan --json) to simulate; checked first.")
        ] = None,
        output: Annotated[
            Path | None, typer.Option("--output", "-o", help="Trajectory file (.csv or .parquet).")
        ] = None,
        plot: Annotated[Path | None, typer.Option(help="PNG figure of the trajectories.")] = None,
        as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
        draws: Draws = 100,
        seed: Seed = 0,
        override_ul: OverrideUl = None,
        override_renal: OverrideRenal = None,
        override_by: OverrideBy = None,
        eu_ul: EuUl = False,
        diary: Diary = None,
        insulin_factor: InsulinFactor = 6.0,
        homa_ir_cutoff: HomaCutoff = None,
    ) -> None:
        """Project serum Mg, fasting glucose, insulin and HOMA-IR with and without a supplement.

        The supplement simulated goes through the same safety rules as a plan: a dose above the
        UL needs --override-ul, a blocked person needs the matching override, and a plan read
        with --plan must be what the rules give for this person.
        """
        from mgir.care import evaluate, read_plan  # noqa: PLC0415  (deferred: start-up time)

        if output is not None and output.suffix.lower() not in (".csv", ".parquet"):
            raise InvalidInputError(
                field="--output", value=str(output), allowed="a .csv or .parquet file"
            )
        if plan is not None and (supplement is not None or elemental_mg is not None):
            raise InvalidInputError(
                field="--plan",
                value=str(plan),
                allowed="either --plan or --supplement/--elemental-mg",
            )
        options = ClinicalOptions(
            insulin_factor=insulin_factor,
            homa_ir_cutoff=homa_ir_cutoff,
            override_ul=override_ul,
            override_renal=override_renal,
            override_by=override_by,
            elemental_mg=elemental_mg,
            eu_ul=eu_ul,
            diary=diary,
        ).care_options(weeks=weeks, draws=draws, seed=seed)
        person = read_person(person_file)
        checked = read_plan(read_document(plan, field="--plan"), person, options) if plan else None
        options = scenario_options(options, supplement, elemental_mg, checked)
        evaluation = evaluate(person, options)
        projection = evaluation.projection
        if projection is None:
            raise InvalidInputError(
                field="PERSON",
                value=str(person_file),
                allowed=f"a person the model can start from ({evaluation.projection_note})",
            )
        if plot is not None:
            from mgir.report import projected_outputs  # noqa: PLC0415

            if not projected_outputs(projection):
                raise InvalidInputError(
                    field="--plot",
                    value=str(plot),
                    allowed="a person with a measured serum Mg, fasting glucose, fasting insulin "
                    "or HbA1c (the figure draws only what was measured; see --json)",
                )
        if output is not None:
            if output.suffix.lower() == ".csv":
                write_text(output, _trajectory_csv(projection), field="--output")
            else:
                _trajectory_parquet(projection, output)
            sidecar = output.with_name(output.name + ".provenance.json")
            provenance = {
                "provenance": evaluation.provenance.to_dict(),
                "model": projection.model,
                "labs_used": projection.labs_used,
            }
            write_text(sidecar, json.dumps(provenance, indent=2), field="--output")
        if plot is not None:
            from mgir.report import projection_figure_png  # noqa: PLC0415

            write_bytes(plot, projection_figure_png(projection, evaluation.person), field="--plot")
        if as_json:
            print_json(evaluation.to_dict())
        else:
            from mgir.cli._print import print_plan, print_projection  # noqa: PLC0415

            assert evaluation.plan is not None
            if evaluation.plan.urgent or evaluation.plan.blocks:
                print_plan(evaluation.plan)
            print_projection(projection)
