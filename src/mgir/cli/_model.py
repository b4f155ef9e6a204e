"""``mgir model``: SBML export and calibration of the mechanistic model."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from mgir._errors import InvalidInputError
from mgir.cli._common import console, handle_errors, write_text

__all__ = ["calibrate_command", "export_sbml_command", "register"]


@handle_errors
def export_sbml_command(
    path: Annotated[Path, typer.Argument(help="Output SBML file (e.g. model.xml).")],
) -> None:
    """Write the model (calibrated reference adult) as SBML Level 3."""
    from mgir.model import export_sbml  # noqa: PLC0415 - keep CLI start-up light

    try:
        export_sbml(path)
    except ImportError:
        raise InvalidInputError(
            field="PATH",
            value=str(path),
            allowed="SBML export with python-libsbml (pip install 'mgir[sbml]')",
        ) from None
    except OSError as exc:
        raise InvalidInputError(
            field="PATH", value=str(path), allowed=f"a writable file path ({exc.strerror})"
        ) from None
    console.print(f"wrote {path}", markup=False)


@handle_errors
def calibrate_command(
    output: Annotated[
        Path, typer.Option("--output", "-o", help="Calibration TOML to write.")
    ] = Path("calibrated.toml"),
) -> None:
    """Refit the calibrated parameters (see scripts/calibrate_model.py for the full report)."""
    from mgir.model._calibration import calibrate  # noqa: PLC0415

    outcome = calibrate()
    write_text(
        output,
        outcome.to_toml({"command": "mgir model calibrate", "solver_dt_days": 0.5}),
        field="-o",
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
