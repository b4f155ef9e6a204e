"""``mgir demo``: the main job on a shipped example person."""

from __future__ import annotations

import tomllib
from datetime import date
from pathlib import Path
from typing import Annotated

import typer

from mgir.cli._common import console, example_path, handle_errors, write_text

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
        """Run the demo pipeline on a shipped example person: assess, plan, project, report."""
        from mgir.assessment import parse_person  # noqa: PLC0415  (deferred: start-up time)
        from mgir.care import evaluate  # noqa: PLC0415
        from mgir.cli._print import print_evaluation  # noqa: PLC0415
        from mgir.report import render_report  # noqa: PLC0415

        source = example_path(example)
        person = parse_person(
            tomllib.loads(source.read_text(encoding="utf-8")), assessed_on=date.today()
        )
        console.print(f"Example person: {example}", markup=False)
        evaluation = evaluate(person)
        print_evaluation(evaluation)
        write_text(output, render_report(evaluation), field="-o")
        console.print(f"Report written to {output}", markup=False)
