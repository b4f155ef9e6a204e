"""``mgir simulate``: simulate one person under a supplement, with uncertainty bands.

The command is a thin shell over :func:`mgir.model.simulate_person`. Wiring: ``register(app)``
adds the command to the main Typer app. The person file is read by :func:`person_labs`, which
uses ``mgir.assessment.parse_person``/``assess`` when that module provides them (eGFR then comes
from the assessment) and otherwise reads the ``[[labs]]`` of the person file directly.
"""

from __future__ import annotations

import json
import math
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from mgir._errors import InvalidInputError, MgirError
from mgir.assessment import Assessment, Person, assess
from mgir.cli._common import read_document, read_person
from mgir.cli._intake import dietary_intake_mg_per_day
from mgir.model import DoseSegment, Regimen, UncertainSimulation, simulate_person
from mgir.reference import resolve_salt
from mgir.report import trajectory_figure_png

__all__ = ["model_salt_name", "person_labs", "regimen_from_options", "register", "simulate_command"]

console = Console()

_LAB_KEYS: dict[str, str] = {
    "fasting_glucose": "fasting_glucose_mmol_per_l",
    "fasting_insulin": "fasting_insulin_uiu_per_ml",
    "serum_magnesium": "serum_mg_mmol_per_l",
}


def person_labs(person: Person, assessment: Assessment | None = None) -> dict[str, float | None]:
    """Model inputs (canonical floats) from a validated person: labs, eGFR and diary intake.

    Returns the keyword arguments of :func:`mgir.model.fit_person`. eGFR comes from the
    assessment (CKD-EPI 2021), dietary intake from the food diary when there is one.
    """
    if assessment is None:
        intake = dietary_intake_mg_per_day(person)
        assessment = assess(person, dietary_intake_mg_per_day=intake)
    labs: dict[str, float | None] = {key: person.lab(name) for name, key in _LAB_KEYS.items()}
    labs["egfr_ml_per_min_1_73m2"] = assessment.kidney.egfr.value
    labs["dietary_intake_mg_per_day"] = assessment.dietary_intake_mg_per_day
    return labs


def model_salt_name(name: str, *, field: str = "salt") -> str:
    """The model's salt for any name the knowledge base resolves.

    "Epsom salt", "trimagnesium dicitrate (anhydrous)", "magnesium glycinate", ... map to the
    model's salt of the same anion, which sets the absorption class.
    """
    match = resolve_salt(name, field=field)
    anion = match.salt.salt_id.split("_")[0]
    return f"magnesium {anion}"


def regimen_from_options(
    supplement: str | None, elemental_mg: float | None, plan: Mapping[str, Any] | None, days: float
) -> Regimen:
    """Build the regimen from ``--supplement/--elemental-mg`` or a plan document.

    A plan is ``{"supplements": [{"salt", "elemental_mg_per_day", "start_day"?, "end_day"?}]}``
    (or a single ``"supplement"`` table); wiring point for the planning module's JSON.
    """
    if plan is not None and (supplement is not None or elemental_mg is not None):
        raise InvalidInputError(
            field="--plan",
            value="given with --supplement",
            allowed="either --plan or --supplement/--elemental-mg",
        )
    if plan is not None:
        items = plan.get("supplements", [plan["supplement"]] if "supplement" in plan else None)
        if not isinstance(items, list) or not items:
            raise InvalidInputError(
                field="plan.supplements",
                value=items,
                allowed="a non-empty list of {salt, elemental_mg_per_day}",
            )
        segments: list[DoseSegment] = []
        for k, item in enumerate(items):
            try:
                segments.extend(
                    Regimen.constant(
                        model_salt_name(str(item["salt"]), field=f"plan.supplements[{k}].salt"),
                        float(item["elemental_mg_per_day"]),
                        float(item.get("start_day", 0.0)),
                        float(item.get("end_day", math.inf)),
                    ).segments
                )
            except (KeyError, TypeError) as exc:
                raise InvalidInputError(
                    field=f"plan.supplements[{k}]",
                    value=item,
                    allowed="{salt, elemental_mg_per_day}",
                ) from exc
        return Regimen(tuple(segments))
    if supplement is None and elemental_mg is None:
        return Regimen.none()
    if supplement is None or elemental_mg is None:
        raise InvalidInputError(
            field="--supplement/--elemental-mg",
            value=supplement or elemental_mg,
            allowed="both a salt and an elemental dose",
        )
    if elemental_mg <= 0:
        raise InvalidInputError(
            field="--elemental-mg", value=elemental_mg, unit="mg/day", allowed="> 0"
        )
    _ = days
    return Regimen.constant(model_salt_name(supplement, field="--supplement"), elemental_mg)


_SUMMARY_ROWS = (
    ("serum_magnesium", "serum Mg"),
    ("fasting_glucose", "fasting glucose"),
    ("fasting_insulin", "fasting insulin"),
    ("homa_ir", "HOMA-IR"),
)


def _print_summary(u: UncertainSimulation, weeks: float) -> None:
    summary = u.summary()
    low, high = u.quantiles[0], u.quantiles[-1]
    table = Table(title=f"mgir simulation over {weeks:g} weeks")
    for col in ("quantity", "start", "end", f"end {low:.0%}–{high:.0%}", "unit"):
        table.add_column(col)
    for key, label in _SUMMARY_ROWS:
        s = summary[key]
        table.add_row(
            label,
            f"{s['start']:.3g}",
            f"{s['end']:.3g}",
            f"{s['end_low']:.3g}–{s['end_high']:.3g}",
            s["unit"],
        )
    console.print(table)
    used = ", ".join(f"{k}: {v}" for k, v in u.fit.labs_used.items())
    console.print(f"labs: {used}", markup=False)
    for warning in u.fit.warnings:
        console.print(f"warning: {warning}", markup=False)


def _plot(u: UncertainSimulation, path: Path) -> None:
    path.write_bytes(trajectory_figure_png([("calibrated model", u)]))


def simulate_command(
    person_file: Annotated[Path, typer.Argument(help="Person file (TOML or JSON).")],
    weeks: Annotated[float, typer.Option(help="Duration in weeks.")] = 16.0,
    supplement: Annotated[str | None, typer.Option(help="Salt, e.g. 'magnesium citrate'.")] = None,
    elemental_mg: Annotated[
        float | None, typer.Option("--elemental-mg", help="Elemental Mg per day (mg).")
    ] = None,
    plan: Annotated[Path | None, typer.Option(help="Plan JSON with supplements.")] = None,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Trajectory file (.csv or .parquet).")
    ] = None,
    plot: Annotated[Path | None, typer.Option(help="PNG figure of the trajectories.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    draws: Annotated[int, typer.Option(help="Parameter draws for the bands.")] = 200,
    seed: Annotated[int, typer.Option(help="Seed of the draws.")] = 0,
) -> None:
    """Simulate serum Mg, fasting glucose, insulin and HOMA-IR under a supplement."""
    try:
        if not (math.isfinite(weeks) and 0 < weeks <= 520):
            raise InvalidInputError(
                field="--weeks", value=weeks, unit="week", allowed="> 0 and <= 520"
            )
        if draws < 2:
            raise InvalidInputError(field="--draws", value=draws, allowed=">= 2")
        if output is not None and output.suffix.lower() not in (".csv", ".parquet"):
            raise InvalidInputError(
                field="--output", value=str(output), allowed="a .csv or .parquet file"
            )
        days = weeks * 7.0
        labs = person_labs(read_person(person_file))
        plan_document = read_document(plan, field="--plan") if plan is not None else None
        if plan_document is not None and plan_document.get("supplement", 0) is None:
            raise InvalidInputError(
                field="--plan",
                value=str(plan),
                allowed="a plan with a supplement (this plan recommends none)",
            )
        regimen = regimen_from_options(supplement, elemental_mg, plan_document, days)
        result = simulate_person(days=days, regimen=regimen, n_draws=draws, seed=seed, **labs)  # type: ignore[arg-type]
    except MgirError as exc:
        if as_json:
            payload = exc.as_dict() if isinstance(exc, InvalidInputError) else {"error": str(exc)}
            sys.stdout.write(json.dumps({"error": payload}, default=str) + "\n")
        else:
            console.print(f"error: {exc}", markup=False)
        raise typer.Exit(code=2) from exc
    if output is not None:
        if output.suffix.lower() == ".csv":
            result.central.to_csv(output)
        else:
            result.central.to_parquet(output)
    if plot is not None:
        _plot(result, plot)
    if as_json:
        payload = {
            "summary": result.summary(),
            "person_fit": {
                "labs_used": result.fit.labs_used,
                "fitted": result.fit.fitted,
                "warnings": list(result.fit.warnings),
            },
            "provenance": dict(result.central.provenance),
        }
        sys.stdout.write(json.dumps(payload, default=str) + "\n")
    else:
        _print_summary(result, weeks)


def register(app: typer.Typer) -> None:
    """Add ``simulate`` to the mgir Typer app."""
    app.command("simulate")(simulate_command)
