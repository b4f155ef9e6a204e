"""Readable terminal output of an evaluation (presentation only: no clinical decision here).

Every text that comes from data is printed as plain text, never as Rich markup, so that
``[[diet]]`` or ``[renal]`` reach the screen as written.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from rich.table import Table
from rich.text import Text

from mgir.cli._common import console

if TYPE_CHECKING:
    from mgir.assessment import Assessment, Notice
    from mgir.care import Evaluation, Projection
    from mgir.planning import Plan

__all__ = ["print_assessment", "print_evaluation", "print_plan", "print_projection"]


def _fmt(value: float | None, digits: int = 3) -> str:
    return "—" if value is None or not math.isfinite(value) else f"{value:.{digits}g}"


def _line(text: str, style: str | None = None) -> None:
    console.print(Text(text, style=style or ""))


def _notices(title: str, notices: tuple[Notice, ...], style: str) -> None:
    if not notices:
        return
    _line(title, f"bold {style}")
    for n in notices:
        _line(f"  [{n.code}] {n.message} ({n.source})")


def print_assessment(assessment: Assessment) -> None:
    """Print an assessment as readable tables."""
    person = assessment.person
    console.rule(
        Text(f"mgir assessment — {person.id or 'person'} ({person.sex}, {person.age_years:g} y)")
    )
    _notices("URGENT", assessment.urgent, "red")
    labs = Table(title="Labs (canonical units)")
    for column in ("lab", "value", "unit", "as given", "date"):
        labs.add_column(column)
    for lab in person.lab_history:
        labs.add_row(
            Text(lab.name),
            _fmt(lab.value, 4),
            Text(lab.unit),
            Text(f"{lab.given_value:g} {lab.given_unit}"),
            "—" if lab.date is None else lab.date.isoformat(),
        )
    console.print(labs)
    results = Table(title="Indices and kidney function")
    for column in ("result", "value", "unit", "interpretation / reason"):
        results.add_column(column, overflow="fold")
    for result in (
        *assessment.indices.values(),
        assessment.kidney.egfr,
        assessment.kidney.fe_magnesium,
    ):
        results.add_row(
            Text(result.name),
            _fmt(result.value),
            Text(result.unit),
            Text(result.interpretation or f"not computed: {result.reason}"),
        )
    console.print(results)
    mg = assessment.magnesium
    _line(f"Magnesium status: {mg.status}", "bold")
    for line in (*mg.basis, *mg.findings.values()):
        _line(f"  • {line}")
    glycaemia = assessment.glycaemia
    _line(f"Glycaemic category: {glycaemia.category or 'unknown'}", "bold")
    _line(f"  • {glycaemia.basis}")
    req = assessment.requirements
    ul = (
        "not established"
        if req.supplement_ul_mg_per_day is None
        else f"{req.supplement_ul_mg_per_day:g} mg/day"
    )
    _line(
        f"Requirements ({req.life_stage}): {req.rda_kind} {req.rda_mg_per_day:g} mg/day, EAR "
        f"{_fmt(req.ear_mg_per_day)} mg/day, supplemental UL {ul} (EU alternative "
        f"{_fmt(req.eu_supplement_ul_mg_per_day)} mg/day)",
        "bold",
    )
    for flag in req.flags:
        _line(f"  • flagged: {flag}")
    _line(f"Dietary intake: {assessment.intake.basis}", "bold")
    _line(f"Insulin conversion factor: {person.insulin_pmol_per_uiu:g} pmol/L per µIU/mL")
    _notices("Notices", tuple(n for n in assessment.notices if n.severity != "urgent"), "yellow")
    _line("References: " + "; ".join(assessment.references))


def print_plan(result: Plan) -> None:
    """Print a plan as readable text."""
    console.rule(Text(f"mgir plan ({result.life_stage})"))
    _notices("URGENT", result.urgent, "red")
    diet = result.diet
    at_least = "at least " if diet.current_is_lower_bound else ""
    current = (
        "unknown (no food diary)"
        if diet.current_mg_per_day is None
        else f"{at_least}{diet.current_mg_per_day:.0f} mg/day"
    )
    gap = "—" if diet.gap_mg_per_day is None else f"{diet.gap_mg_per_day:.0f} mg/day"
    _line(
        f"Diet: target {diet.target_kind} {diet.target_mg_per_day:g} mg/day; current {current}; "
        f"gap {gap}",
        "bold",
    )
    _line(f"  {diet.advice}")
    if diet.suggestions:
        foods = Table(title="Foods that help (USDA SR28)")
        for column in ("food", "serving", "Mg mg", "kcal", "Mg per 100 kcal", "potassium"):
            foods.add_column(column, overflow="fold")
        for s in diet.suggestions:
            foods.add_row(
                Text(s.name),
                Text(s.serving),
                f"{s.magnesium_mg:.0f}",
                f"{s.kcal:.0f}",
                f"{s.mg_per_100_kcal:.0f}",
                s.potassium_class,
            )
        console.print(foods)
    sup = result.supplement
    if sup is None:
        _line("Supplement: none.", "bold")
        _line(f"  {result.supplement_decision}")
    else:
        _line(
            f"Supplement: {sup.salt} ({sup.formula}), {sup.elemental_mg_per_day:g} mg/day "
            f"elemental magnesium = {sup.salt_mg_per_day:g} mg/day of the salt, in "
            f"{sup.doses_per_day} dose(s):",
            "bold",
        )
        for dose in sup.schedule:
            _line(f"  {dose.time}: {dose.elemental_mg:g} mg Mg ({dose.salt_mg:g} mg salt)")
        if sup.allowed_windows != (("00:00", "23:59"),):
            windows = ", ".join(f"{a}-{b}" for a, b in sup.allowed_windows)
            _line(f"  Allowed times under the medication timing rules: {windows}")
        _line(f"  Why: {sup.reason}")
        _line(f"  Form: {sup.form_reason}")
        _line(
            f"  Total supplemental magnesium {sup.total_mg_per_day:g} mg/day "
            f"(UL {sup.ul_mg_per_day:g})"
        )
    for existing in result.existing_supplements:
        _line(
            f"  Already taken: {existing.given}, {existing.elemental_mg_per_day:g} mg/day: "
            f"{existing.action} — {existing.note}"
        )
    for override in result.overrides:
        _line(
            f"  Override {override.kind} by {override.by} at "
            f"{override.at.isoformat(timespec='minutes')}: {override.reason}"
        )
    _notices("Blocks", result.blocks, "red")
    _notices("Cautions", result.cautions, "yellow")
    if result.monitoring:
        _line("Monitoring", "bold")
        for m in result.monitoring:
            flag = "URGENT " if m.urgent else ""
            _line(f"  {flag}{m.lab}: {m.when} — {m.why} ({m.source})")
    if result.expected_effects:
        _line("Expected effect (population evidence, not a promise)", "bold")
        for e in result.expected_effects:
            _line(f"  {e.outcome}: {e.effect} [{e.population}] ({e.source})")
    _line("References: " + "; ".join(result.reference_keys))
    _line(result.disclaimer)


_NAMES = {
    "serum_magnesium": "serum Mg",
    "fasting_glucose": "fasting glucose",
    "fasting_insulin": "fasting insulin",
    "homa_ir": "HOMA-IR",
    "hba1c": "HbA1c",
}


def print_projection(projection: Projection) -> None:
    """Print the projection's start and end values with their bands."""
    low, high = projection.quantiles[0], projection.quantiles[-1]
    table = Table(title=f"mgir projection over {projection.weeks:g} weeks")
    for column in ("arm", "quantity", "start", "end", f"end {low:.0%}–{high:.0%}", "unit", "from"):
        table.add_column(column)
    for arm in projection.arms:
        for series in arm.outputs.values():
            table.add_row(
                Text(arm.label),
                _NAMES[series.name],
                f"{series.start:.3g}",
                f"{series.end:.3g}",
                f"{series.low[-1]:.3g}–{series.high[-1]:.3g}",
                series.unit,
                {"measured": "labs", "population": "population"}.get(
                    series.anchored, "reference adult"
                ),
            )
    console.print(table)
    _line("Model inputs: " + ", ".join(f"{k}: {v}" for k, v in projection.labs_used.items()))
    _line(
        f"Parameter draws: {projection.draws_used} kept that reproduce the labs "
        f"({projection.draws_tried} sampled)"
    )
    _notices("Projection notices", projection.notices, "yellow")


def print_evaluation(evaluation: Evaluation) -> None:
    """Print whatever the evaluation holds."""
    print_assessment(evaluation.assessment)
    if evaluation.plan is not None:
        print_plan(evaluation.plan)
    if evaluation.projection is not None:
        print_projection(evaluation.projection)
    elif evaluation.projection_note:
        _line(f"Projection: {evaluation.projection_note}")
