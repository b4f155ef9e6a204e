"""``mgir report``: one self-contained HTML page for a person, and the pipeline the demo runs."""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Annotated, Any

import typer

from mgir.assessment import Assessment, Person, assess
from mgir.cli._common import console, handle_errors, read_person
from mgir.cli._intake import dietary_intake_mg_per_day
from mgir.cli._simulate import model_salt_name, person_labs
from mgir.model import Regimen, UncertainSimulation, simulate_person
from mgir.planning import Plan, plan
from mgir.report import render_report, trajectory_figure_png

__all__ = ["build_report", "register"]


REPORT_WEEKS = 16.0
"""Simulated horizon of the report: the duration of the trials the plan's evidence comes from."""


def _simulation_section(
    person: Person, assessment: Assessment, person_plan: Plan
) -> tuple[dict[str, Any] | None, tuple[str, ...]]:
    labs = person_labs(person, assessment)
    if labs["serum_mg_mmol_per_l"] is None:
        return {
            "caption": "Not simulated: the model starts from the person's serum magnesium, "
            "which was not given.",
            "figures": [],
        }, ()

    def run(regimen: Regimen) -> UncertainSimulation:
        return simulate_person(
            days=REPORT_WEEKS * 7.0,
            regimen=regimen,
            n_draws=100,
            seed=0,
            fasting_glucose_mmol_per_l=labs["fasting_glucose_mmol_per_l"],
            fasting_insulin_uiu_per_ml=labs["fasting_insulin_uiu_per_ml"],
            serum_mg_mmol_per_l=labs["serum_mg_mmol_per_l"],
            egfr_ml_per_min_1_73m2=labs["egfr_ml_per_min_1_73m2"],
            dietary_intake_mg_per_day=labs["dietary_intake_mg_per_day"],
        )

    arms = [("no change", run(Regimen.none()))]
    supplement = person_plan.supplement
    if supplement is not None:
        regimen = Regimen.constant(
            model_salt_name(supplement.salt), supplement.elemental_mg_per_day
        )
        label = f"{supplement.elemental_mg_per_day:g} mg/day {supplement.salt}"
        arms.append((label, run(regimen)))
    png = base64.b64encode(trajectory_figure_png(arms)).decode("ascii")
    first = arms[-1][1]
    caption = (
        f"Mechanistic model over {REPORT_WEEKS:g} weeks, started from this person's labs "
        f"({', '.join(f'{k}: {v}' for k, v in first.fit.labs_used.items())}); shaded: "
        "5-95 % band from the calibration uncertainty. A model of the population evidence, "
        "not a promise for this person."
    )
    figure = {
        "alt": "Simulated serum magnesium, fasting glucose, fasting insulin and HOMA-IR",
        "png_base64": png,
    }
    refs = tuple(str(k) for k in first.central.provenance.get("references", ()))
    return {"caption": caption, "figures": [figure]}, refs


def build_report(person: Person) -> tuple[Assessment, Plan, str]:
    """Assess, plan, simulate and render the report for one person."""
    assessment = assess(person, dietary_intake_mg_per_day=dietary_intake_mg_per_day(person))
    person_plan = plan(person, assessment)
    simulation, refs = _simulation_section(person, assessment, person_plan)
    html = render_report(
        assessment, plan=person_plan.to_dict(), simulation=simulation, extra_references=refs
    )
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
        """Write one self-contained HTML page: assessment, plan, simulation, references."""
        _, _, html = build_report(read_person(person_file))
        output.write_text(html, encoding="utf-8")
        console.print(f"Report written to {output}")
