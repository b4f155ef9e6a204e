"""``mgir model``: SBML export and calibration of the mechanistic model."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from mgir._errors import MgirError

__all__ = ["calibrate_command", "export_sbml_command", "register"]

console = Console()


def export_sbml_command(
    path: Annotated[Path, typer.Argument(help="Output SBML file (e.g. model.xml).")],
) -> None:
    """Write the model (calibrated reference adult) as SBML Level 3."""
    from mgir.model import export_sbml  # noqa: PLC0415 - keep CLI start-up light

    try:
        export_sbml(path)
    except ImportError as exc:
        console.print("error: SBML export needs python-libsbml (pip install 'mgir[sbml]')")
        raise typer.Exit(code=2) from exc
    except MgirError as exc:
        console.print(f"error: {exc}", markup=False)
        raise typer.Exit(code=2) from exc
    console.print(f"wrote {path}", markup=False)


def calibrate_command(
    output: Annotated[
        Path, typer.Option("--output", "-o", help="Calibration TOML to write.")
    ] = Path("calibrated.toml"),
) -> None:
    """Refit the calibrated parameters (see scripts/calibrate_model.py for the full report)."""
    from mgir.model._calibration import calibrate  # noqa: PLC0415

    outcome = calibrate()
    output.write_text(
        outcome.to_toml({"command": "mgir model calibrate", "solver_dt_days": 0.5}),
        encoding="utf-8",
    )
    table = Table(title=f"calibration: χ² = {outcome.chi_square:.2f} on {outcome.dof} dof")
    for col in ("parameter", "estimate", "95 % interval"):
        table.add_column(col)
    for name, (lo, hi) in outcome.standard_errors().items():
        table.add_row(name, f"{outcome.estimate[name]:.4g}", f"{lo:.3g}–{hi:.3g}")
    console.print(table)
    console.print(f"wrote {output}", markup=False)


def register(app: typer.Typer) -> None:
    """Add the ``model`` command group to the mgir Typer app."""
    group = typer.Typer(
        help="The mechanistic model: SBML export and calibration.", no_args_is_help=True
    )
    group.command("export-sbml")(export_sbml_command)
    group.command("calibrate")(calibrate_command)
    app.add_typer(group, name="model")
