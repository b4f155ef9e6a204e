"""``mgir report``: one self-contained HTML page for a person, from the clinical pipeline."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

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
    console,
    handle_errors,
    read_document,
    read_person,
    write_text,
)

__all__ = ["register"]


def register(app: typer.Typer) -> None:
    """Add ``mgir report`` to the app."""

    @app.command("report")
    @handle_errors
    def report_command(
        person_file: Annotated[Path, typer.Argument(metavar="PERSON", help="Person file.")],
        output: Annotated[Path, typer.Option("-o", "--output", help="HTML file to write.")] = Path(
            "mgir-report.html"
        ),
        pdf: Annotated[
            Path | None,
            typer.Option("--pdf", help="Also write the page as a PDF (needs the 'pdf' extra)."),
        ] = None,
        plan: Annotated[
            Path | None, typer.Option(help="A plan (mgir plan --json) to report; checked first.")
        ] = None,
        weeks: Weeks = 16.0,
        draws: Draws = 100,
        seed: Seed = 0,
        override_ul: OverrideUl = None,
        override_renal: OverrideRenal = None,
        override_by: OverrideBy = None,
        elemental_mg: ElementalMg = None,
        eu_ul: EuUl = False,
        diary: Diary = None,
        insulin_factor: InsulinFactor = 6.0,
        homa_ir_cutoff: HomaCutoff = None,
    ) -> None:
        """Write one self-contained HTML page: assessment, plan, projection, references."""
        from mgir.care import evaluate, read_plan  # noqa: PLC0415  (deferred: start-up time)
        from mgir.cli._simulate import scenario_options  # noqa: PLC0415
        from mgir.report import render_report  # noqa: PLC0415

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
        if plan is not None:
            checked = read_plan(read_document(plan, field="--plan"), person, options)
            options = scenario_options(options, None, None, checked)
        evaluation = evaluate(person, options)
        write_text(output, render_report(evaluation), field="-o")
        console.print(f"Report written to {output}", markup=False)
        if pdf is not None:
            from mgir.cli._common import write_bytes  # noqa: PLC0415
            from mgir.report import render_pdf  # noqa: PLC0415

            try:
                content = render_pdf(evaluation)
            except ImportError:
                raise InvalidInputError(
                    field="--pdf",
                    value=str(pdf),
                    allowed="PDF output with WeasyPrint: pip install 'mgir[pdf]'",
                ) from None
            write_bytes(pdf, content, field="--pdf")
            console.print(f"PDF written to {pdf}", markup=False)
