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
    person: Annotated[
        Path | None,
        typer.Option(
            "--person",
            help="Export this person, fitted to their labs (default: the reference adult).",
        ),
    ] = None,
    with_plan: Annotated[
        bool,
        typer.Option(
            "--with-plan",
            help="Add the person's plan supplement (safety-checked) from day 0.",
        ),
    ] = False,
) -> None:
    """Write the model as SBML Level 3 (species, reactions, units, dosing events)."""
    from mgir.model import Regimen, export_sbml  # noqa: PLC0415 - keep CLI start-up light

    parameters = initial_state = None
    regimen = Regimen.none()
    if with_plan and person is None:
        raise InvalidInputError(
            field="--with-plan", value=True, allowed="--with-plan together with --person"
        )
    if person is not None:
        from mgir.care import CareOptions, evaluate, fit_person_model, plan_regimen  # noqa: PLC0415
        from mgir.cli._common import read_person  # noqa: PLC0415

        evaluation = evaluate(
            read_person(person),
            CareOptions(project=False),
            stages="plan" if with_plan else "assessment",
        )
        fit, prior = fit_person_model(evaluation.assessment)
        if prior is not None:
            console.print(
                f"serum magnesium not measured: starting from the {prior.describe()}",
                markup=False,
            )
        if fit.labs_used.get("fasting_insulin_uiu_per_ml") == "population":
            console.print(
                "fasting insulin not measured: starting from people like this person, "
                f"{fit.model_labs()['fasting_insulin_uiu_per_ml']:.1f} µIU/mL (NHANES)",
                markup=False,
            )
        if fit.mg_balance == "intake":
            console.print(
                "the diary cannot sustain the measured serum magnesium: the exported model "
                f"starts off steady state, losing "
                f"{-fit.fitted['net_mg_balance_mg_per_day']:.0f} mg/day",
                markup=False,
            )
        parameters, initial_state = fit.parameters, fit.initial_state[0]
        if with_plan:
            if evaluation.plan is None or evaluation.plan.supplement is None:
                raise InvalidInputError(
                    field="--with-plan",
                    value=str(person),
                    allowed="a person whose plan has a supplement (this plan has none)",
                )
            regimen = plan_regimen(evaluation.plan)
    try:
        export_sbml(path, parameters=parameters, initial_state=initial_state, regimen=regimen)
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
def export_petab_command(
    directory: Annotated[Path, typer.Argument(help="Folder for the PEtab files (created).")],
) -> None:
    """Write the calibration problem as PEtab v1 files (SBML, conditions, measurements, ...)."""
    try:
        from mgir.model._petab import export_petab  # noqa: PLC0415

        yaml_path = export_petab(directory)
    except ImportError:
        raise InvalidInputError(
            field="DIRECTORY",
            value=str(directory),
            allowed="PEtab export with petab installed (pip install 'mgir[petab]')",
        ) from None
    except OSError as exc:
        raise InvalidInputError(
            field="DIRECTORY",
            value=str(directory),
            allowed=f"a folder that can be created and written ({exc.strerror})",
        ) from None
    console.print(f"wrote {yaml_path}", markup=False)


@handle_errors
def calibrate_command(
    output: Annotated[
        Path, typer.Option("--output", "-o", help="Calibration TOML to write.")
    ] = Path("calibrated.toml"),
    progression: Annotated[
        bool,
        typer.Option(
            "--progression/--no-progression",
            help="Also fit the set-point drift to incident diabetes (a few minutes more); "
            "without it the file has no progression stage and the table's default rate applies.",
        ),
    ] = True,
    posterior_steps: Annotated[
        int,
        typer.Option(
            "--posterior-steps",
            min=0,
            help="Steps of each of 32 emcee walkers for the posterior sample the projections "
            "draw from (0: none; the file's draws then come from the Laplace approximation). "
            "Needs the 'calibrate' extra.",
        ),
    ] = 1200,
    processes: Annotated[
        int, typer.Option("--processes", min=1, help="Processes for the posterior sampler.")
    ] = 2,
) -> None:
    """Refit the calibrated parameters (see scripts/calibrate_model.py for the full report)."""
    from mgir.model import default_parameters  # noqa: PLC0415
    from mgir.model._calibration import calibrate, sample_calibration_posterior  # noqa: PLC0415
    from mgir.model._progression import calibrate_progression  # noqa: PLC0415

    outcome = calibrate()
    posterior = (
        sample_calibration_posterior(outcome, n_steps=posterior_steps, processes=processes)
        if posterior_steps > 0
        else None
    )
    drift = (
        calibrate_progression(default_parameters(calibrated=False).replace(**outcome.estimate))
        if progression
        else None
    )
    write_text(
        output,
        outcome.to_toml(
            {"command": "mgir model calibrate", "solver_dt_days": 0.5},
            progression=drift,
            posterior=posterior,
        ),
        field="-o",
    )
    table = Table(title=f"calibration: χ² = {outcome.chi_square:.2f} on {outcome.dof} dof")
    for col in ("parameter", "estimate", "95 % interval (Laplace)", "95 % posterior"):
        table.add_column(col)
    quantiles = posterior.quantiles() if posterior is not None else {}
    for name, (lo, hi) in outcome.standard_errors().items():
        q = quantiles.get(name)
        table.add_row(
            name,
            f"{outcome.estimate[name]:.4g}",
            f"{lo:.3g}–{hi:.3g}",
            f"{q[0]:.3g}–{q[-1]:.3g}" if q is not None else "not sampled",
        )
    console.print(table)
    console.print(f"wrote {output}", markup=False)


def register(app: typer.Typer) -> None:
    """Add the ``model`` command group to the mgir Typer app."""
    group = typer.Typer(
        help="The mechanistic model: SBML and PEtab export, calibration.", no_args_is_help=True
    )
    group.command("export-sbml")(export_sbml_command)
    group.command("export-petab")(export_petab_command)
    group.command("calibrate")(calibrate_command)
    app.add_typer(group, name="model")
