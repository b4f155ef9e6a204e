"""Follow-up: labs due, the projection against later labs, and the panel's flags.

What a signed plan asks to measure next, how the labs that came later compare with the
projection made at signing, and the flags a clinician's panel shows for a patient.

Pure functions of an evaluation and dated lab values; the clinic service stores and shows them.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import date, timedelta
from typing import Literal

from mgir._records import Record
from mgir.care._evaluate import Evaluation
from mgir.reference import lab_variability

__all__ = [
    "DatedValue",
    "Flag",
    "LabDue",
    "ProjectionOverlay",
    "labs_due",
    "panel_flags",
    "projection_overlay",
    "with_homa_ir",
]


class DatedValue(Record):
    """A lab value on a date, in the lab's canonical unit."""

    lab: str
    on: date
    value: float


class LabDue(Record):
    """One monitoring item of a signed plan, placed in time.

    ``state``: ``done`` (a result in or after the window's start), ``overdue`` (the window has
    passed without one), ``due`` (the window is open now) or ``upcoming``.
    """

    lab: str
    when: str
    due_from: date
    due_by: date
    state: Literal["done", "overdue", "due", "upcoming"]
    done_on: date | None
    urgent: bool
    why: str
    source: str


class Flag(Record):
    """A flag the panel shows beside a patient (from the clinical pipeline's own verdicts)."""

    code: Literal["low_magnesium", "insulin_resistance", "renal_block", "interaction"]
    label: str
    source: str


class ProjectionOverlay(Record):
    """One projected output of the plan's arm, on calendar dates, with the labs measured later.

    ``low``/``central``/``high`` are the projection band (canonical ``unit``) on ``dates``: the
    spread of the model's parameters, not of measurement. ``observed`` are the results from the
    signing date on; ``position`` says for each whether it lies ``below``, ``inside`` or
    ``above`` the band of its date widened by the lab's measurement variation
    (``tolerance_percent``: 1.96 × the within-person and analytical CVs combined, from
    ``lab_variability.csv`` with ``tolerance_source``; ``None`` where the table has no row, and
    then the band alone is the test), or ``None`` after the projected period.
    """

    output: str
    unit: str
    arm: str
    dates: tuple[date, ...]
    low: tuple[float, ...]
    central: tuple[float, ...]
    high: tuple[float, ...]
    observed: tuple[DatedValue, ...]
    position: tuple[Literal["below", "inside", "above"] | None, ...]
    tolerance_percent: float | None
    tolerance_source: str | None


def _first_result(results: Sequence[DatedValue], lab: str, start: date) -> date | None:
    # A row may name several labs measured together ("fasting_glucose and fasting_insulin"):
    # it is done on the first day all of them have a result.
    names = lab.split(" and ")
    days = [{r.on for r in results if r.lab == name and r.on >= start} for name in names]
    common = sorted(set.intersection(*days)) if days else []
    return common[0] if common else None


def labs_due(
    evaluation: Evaluation, signed_on: date, results: Sequence[DatedValue], today: date
) -> tuple[LabDue, ...]:
    """The plan's monitoring schedule as dated items, each marked done, due, overdue or upcoming.

    Parameters
    ----------
    evaluation
        The evaluation of the signed plan (its ``plan.monitoring`` rows: due window in days).
    signed_on
        The day the plan starts (day 0 of every window).
    results
        The patient's lab results (any order).
    today
        The date to judge against.

    Notes
    -----
    A repeating item (``repeat_days``) is placed after its last result: the next window opens
    ``repeat_days`` after it. Items that are not labs (an ECG, a height) are listed like labs and
    marked done when a result with that name is recorded.
    """
    if evaluation.plan is None:
        return ()
    items: list[LabDue] = []
    for row in evaluation.plan.monitoring:
        start = signed_on + timedelta(days=row.due_min_days)
        end = signed_on + timedelta(days=row.due_max_days)
        done_on = _first_result(results, row.lab, start)
        if done_on is not None and row.repeat_days:
            last = max(r.on for r in results if r.lab in row.lab.split(" and "))
            start = last + timedelta(days=row.repeat_days)
            end = start + timedelta(days=row.due_max_days - row.due_min_days)
            done_on = None
        if done_on is not None:
            state: Literal["done", "overdue", "due", "upcoming"] = "done"
        elif today > end:
            state = "overdue"
        elif today >= start:
            state = "due"
        else:
            state = "upcoming"
        items.append(
            LabDue(
                lab=row.lab,
                when=row.when,
                due_from=start,
                due_by=end,
                state=state,
                done_on=done_on,
                urgent=row.urgent,
                why=row.why,
                source=row.source,
            )
        )
    return tuple(items)


def projection_overlay(
    evaluation: Evaluation, signed_on: date, results: Sequence[DatedValue]
) -> tuple[ProjectionOverlay, ...]:
    """The projection made at signing on calendar dates, with the results measured since.

    The arm shown is the plan's (the last arm: with the plan's supplement when there is one, else
    the only one). Results are compared with the band of the nearest projected day; a result after
    the projected period is listed with ``inside = None``.
    """
    projection = evaluation.projection
    if projection is None or not projection.arms:
        return ()
    arm = projection.arms[-1]
    days = projection.days
    dates = tuple(signed_on + timedelta(days=float(d)) for d in days)
    overlays = []
    for name, series in arm.outputs.items():
        lab_names = {"homa_ir": "homa_ir"}.get(name, name)
        observed = tuple(
            sorted((r for r in results if r.lab == lab_names and r.on >= signed_on), key=_on)
        )
        variation = lab_variability(name)
        tolerance = (
            None
            if variation is None
            else 1.96 * math.hypot(variation.cvi_percent, variation.cva_percent)
        )
        position: list[Literal["below", "inside", "above"] | None] = []
        for result in observed:
            offset = (result.on - signed_on).days
            if offset > days[-1]:
                position.append(None)
                continue
            index = min(range(len(days)), key=lambda i: abs(days[i] - offset))
            widen = 1.0 + (tolerance or 0.0) / 100.0
            if result.value < series.low[index] / widen:
                position.append("below")
            elif result.value > series.high[index] * widen:
                position.append("above")
            else:
                position.append("inside")
        overlays.append(
            ProjectionOverlay(
                output=name,
                unit=series.unit,
                arm=arm.label,
                dates=dates,
                low=series.low,
                central=series.central,
                high=series.high,
                observed=observed,
                position=tuple(position),
                tolerance_percent=tolerance,
                tolerance_source=";".join(variation.source_keys) if variation else None,
            )
        )
    return tuple(overlays)


def _on(result: DatedValue) -> date:
    return result.on


def panel_flags(evaluation: Evaluation) -> tuple[Flag, ...]:
    """The panel's flags, read from the pipeline's own verdicts (no cut-off is applied here).

    ``low_magnesium``: magnesium status deficient or grey zone; ``insulin_resistance``: HOMA-IR
    above the cut-off the assessment used; ``renal_block``: the renal contraindication (eGFR below
    30 mL/min/1.73 m²) applies; ``interaction``: the plan lists a medicine interaction.
    """
    flags: list[Flag] = []
    assessment = evaluation.assessment
    status = assessment.magnesium.status
    if status in {"deficient", "grey_zone"}:
        label = "low Mg" if status == "deficient" else "Mg grey zone"
        flags.append(
            Flag(
                code="low_magnesium", label=label, source=";".join(assessment.magnesium.references)
            )
        )
    homa = assessment.indices.get("homa_ir")
    if homa is not None and getattr(homa, "insulin_resistant", None):
        flags.append(
            Flag(code="insulin_resistance", label="HOMA-IR high", source=";".join(homa.references))
        )
    notices = list(assessment.notices)
    if evaluation.plan is not None:
        notices += [*evaluation.plan.blocks, *evaluation.plan.cautions, *evaluation.plan.urgent]
    renal = next((n for n in notices if n.code == "renal_contraindication"), None)
    if renal is not None:
        flags.append(Flag(code="renal_block", label="eGFR < 30", source=renal.source))
    interaction = next((n for n in notices if n.code.startswith("interaction")), None)
    if interaction is not None:
        flags.append(Flag(code="interaction", label="interaction", source=interaction.source))
    return tuple(flags)


def with_homa_ir(results: Sequence[DatedValue]) -> tuple[DatedValue, ...]:
    """The results plus HOMA1-IR for every day with both a fasting glucose and a fasting insulin.

    Glucose in mmol/L and insulin in µIU/mL (the canonical units), as HOMA1-IR is defined
    (Matthews 1985: glucose × insulin / 22.5).
    """
    from mgir.assessment.formulas import homa_ir  # noqa: PLC0415

    by_day: dict[date, dict[str, float]] = {}
    for result in results:
        by_day.setdefault(result.on, {})[result.lab] = result.value
    derived = [
        DatedValue(
            lab="homa_ir",
            on=day,
            value=float(homa_ir(labs["fasting_glucose"], labs["fasting_insulin"])),
        )
        for day, labs in sorted(by_day.items())
        if "fasting_glucose" in labs and "fasting_insulin" in labs
    ]
    return (*results, *derived)
