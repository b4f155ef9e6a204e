"""``mgir demo``: the main job on a shipped example person."""

from __future__ import annotations

import tomllib
from datetime import date
from pathlib import Path
from typing import Annotated

import typer

from mgir.assessment import parse_person
from mgir.cli._assess import print_assessment
from mgir.cli._common import console, example_path, handle_errors
from mgir.cli._plan import print_plan
from mgir.cli._report import build_report

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
        """Run the demo pipeline on a shipped example person: assess, plan, write a report."""
        source = example_path(example)
        data = tomllib.loads(source.read_text(encoding="utf-8"))
        person = parse_person(data, assessed_on=date.today())
        console.print(f"Example person: {example}")
        assessment, person_plan, html = build_report(person)
        print_assessment(assessment)
        print_plan(person_plan)
        output.write_text(html, encoding="utf-8")
        console.print(f"Report written to {output}")
