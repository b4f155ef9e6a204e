"""``mgir demo``: the main job on a shipped example person."""

from __future__ import annotations

import tomllib
from datetime import date
from pathlib import Path
from typing import Annotated

import typer

from mgir.assessment import assess, parse_person
from mgir.cli._assess import print_assessment
from mgir.cli._common import console, example_path, handle_errors
from mgir.cli._intake import dietary_intake_mg_per_day
from mgir.report import render_report

__all__ = ["register"]

DEFAULT_EXAMPLE = "pcos_insulin_resistance.toml"


def register(app: typer.Typer) -> None:
    """Add ``mgir demo`` to the app."""

    @app.command("demo")
    @handle_errors
    def demo_command(
        output: Annotated[
            Path, typer.Option("-o", "--output", help="Where to write the HTML report.")
        ] = Path("mgir-demo-report.html"),
        example: Annotated[
            str, typer.Option("--example", help="Which shipped example person to use.")
        ] = DEFAULT_EXAMPLE,
    ) -> None:
        """Run the demo pipeline on a shipped example person: assess, print, write a report."""
        source = example_path(example)
        data = tomllib.loads(source.read_text(encoding="utf-8"))
        person = parse_person(data, assessed_on=date.today())
        assessment = assess(person, dietary_intake_mg_per_day=dietary_intake_mg_per_day(person))
        console.print(f"Example person: {example}")
        print_assessment(assessment)
        output.write_text(render_report(assessment), encoding="utf-8")
        console.print(f"Report written to {output}")
