"""The Typer application: each command lives in its own module and registers itself here."""

from __future__ import annotations

import typer

from mgir.cli import _assess, _demo, _foods, _model, _plan, _reference, _report, _simulate

__all__ = ["app", "main"]

app = typer.Typer(
    name="mgir",
    help="Magnesium and insulin resistance: assess a person, plan safely, simulate. "
    "Decision support and research software, not a medical device.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

for module in (_assess, _plan, _simulate, _model, _foods, _report, _demo, _reference):
    module.register(app)


def main() -> None:
    """Entry point of the ``mgir`` command."""
    app()
