"""The Typer application: each command lives in its own module and registers itself here."""

from __future__ import annotations

from typing import Annotated

import typer

from mgir.cli import (
    _assess,
    _demo,
    _foods,
    _model,
    _plan,
    _reference,
    _report,
    _schema,
    _serve,
    _simulate,
    _trial,
)

__all__ = ["app", "main"]

app = typer.Typer(
    name="mgir",
    help="Magnesium and insulin resistance: assess a person, plan safely, simulate. "
    "Decision support and research software, not a medical device.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _version(value: bool) -> None:
    if value:
        from importlib import metadata  # noqa: PLC0415

        try:
            version = metadata.version("mgir")
        except metadata.PackageNotFoundError:
            version = "0+unknown"
        typer.echo(f"mgir {version}")
        raise typer.Exit


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_version, is_eager=True, help="Print the version and exit."
        ),
    ] = False,
) -> None:
    """Magnesium and insulin resistance: assess, plan safely, simulate."""


for module in (
    _assess,
    _plan,
    _simulate,
    _model,
    _foods,
    _report,
    _demo,
    _reference,
    _schema,
    _trial,
    _serve,
):
    module.register(app)


def main() -> None:
    """Entry point of the ``mgir`` command."""
    app()
