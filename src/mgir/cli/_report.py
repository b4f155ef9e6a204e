"""``mgir report``: one self-contained HTML page for a person, and the pipeline the demo runs."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from mgir.assessment import Assessment, Person, assess
from mgir.cli._common import console, handle_errors, read_person
from mgir.cli._intake import dietary_intake_mg_per_day
from mgir.planning import Plan, plan
from mgir.report import render_report

__all__ = ["build_report", "register"]


def build_report(person: Person) -> tuple[Assessment, Plan, str]:
    """Assess, plan and render the report for one person; returns the pieces and the HTML."""
    assessment = assess(person, dietary_intake_mg_per_day=dietary_intake_mg_per_day(person))
    person_plan = plan(person, assessment)
    html = render_report(assessment, plan=person_plan.to_dict())
    return assessment, person_plan, html


def register(app: typer.Typer) -> None:
    """Add ``mgir report`` to the app."""

    @app.command("report")
    @handle_errors
    def report_command(
        person_file: Annotated[Path, typer.Argument(metavar="PERSON", help="Person file.")],
        output: Annotated[Path, typer.Option("-o", "--output", help="HTML file to write.")] = Path(
            "mgir-report.html"
        ),
    ) -> None:
        """Write one self-contained HTML page: assessment, plan and references."""
        _, _, html = build_report(read_person(person_file))
        output.write_text(html, encoding="utf-8")
        console.print(f"Report written to {output}")
