"""Follow-up: labs due from a plan's monitoring rows, the projection against later results."""

from __future__ import annotations

import tomllib
from datetime import date, timedelta
from functools import cache

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mgir.assessment import parse_person
from mgir.care import (
    CareOptions,
    DatedValue,
    evaluate,
    labs_due,
    panel_flags,
    projection_overlay,
    with_homa_ir,
)
from tests.conftest import EXAMPLES

SIGNED = date(2026, 1, 10)


@cache
def _evaluation(name: str, project: bool):
    document = tomllib.loads((EXAMPLES / name).read_text(encoding="utf-8"))
    person = parse_person(document, assessed_on=SIGNED)
    return evaluate(person, CareOptions(weeks=16, draws=20, project=project))


def test_a_row_is_upcoming_then_due_then_overdue_then_done():
    evaluation = _evaluation("t2d_low_magnesium.toml", False)
    row = next(m for m in evaluation.plan.monitoring if m.lab == "serum_magnesium")
    start = SIGNED + timedelta(days=row.due_min_days)
    end = SIGNED + timedelta(days=row.due_max_days)

    def state(today, results=()):
        items = labs_due(evaluation, SIGNED, list(results), today)
        return next(i for i in items if i.lab == "serum_magnesium" and i.due_from == start).state

    assert state(start - timedelta(days=1)) == "upcoming"
    assert state(start) == "due"
    assert state(end + timedelta(days=1)) == "overdue"
    done = [DatedValue(lab="serum_magnesium", on=start + timedelta(days=3), value=0.8)]
    assert state(end + timedelta(days=30), done) == "done"
    # A result from before the window does not count.
    early = [DatedValue(lab="serum_magnesium", on=start - timedelta(days=3), value=0.8)]
    assert state(end + timedelta(days=1), early) == "overdue"


def test_a_row_naming_two_labs_is_done_when_both_are_measured_on_one_day():
    evaluation = _evaluation("t2d_low_magnesium.toml", False)
    row = next(m for m in evaluation.plan.monitoring if " and " in m.lab)
    day = SIGNED + timedelta(days=row.due_min_days + 1)
    first, second = row.lab.split(" and ")
    one = [DatedValue(lab=first, on=day, value=6.0)]
    both = [*one, DatedValue(lab=second, on=day, value=12.0)]
    found = [i for i in labs_due(evaluation, SIGNED, one, day) if i.lab == row.lab]
    assert found[0].state != "done"
    found = [i for i in labs_due(evaluation, SIGNED, both, day) if i.lab == row.lab]
    assert found[0].state == "done" and found[0].done_on == day


@settings(max_examples=60, deadline=None)
@given(
    offsets=st.lists(st.integers(min_value=-30, max_value=400), max_size=6),
    today_offset=st.integers(min_value=0, max_value=500),
)
def test_every_item_is_done_exactly_when_a_result_falls_in_or_after_its_window(
    offsets, today_offset
):
    evaluation = _evaluation("t2d_low_magnesium.toml", False)
    results = [
        DatedValue(lab="serum_magnesium", on=SIGNED + timedelta(days=d), value=0.8) for d in offsets
    ]
    today = SIGNED + timedelta(days=today_offset)
    for item, row in zip(
        labs_due(evaluation, SIGNED, results, today), evaluation.plan.monitoring, strict=True
    ):
        if row.lab != "serum_magnesium" or row.repeat_days:
            continue
        measured = any(r.on >= item.due_from for r in results)
        assert (item.state == "done") is measured
        if not measured:
            expected = (
                "overdue"
                if today > item.due_by
                else "due"
                if today >= item.due_from
                else "upcoming"
            )
            assert item.state == expected


def test_the_overlay_places_results_below_inside_or_above_the_band():
    evaluation = _evaluation("t2d_low_magnesium.toml", True)
    arm = evaluation.projection.arms[-1]
    glucose = arm.outputs["fasting_glucose"]
    day = 56
    index = evaluation.projection.days.index(day)
    low, high = glucose.low[index], glucose.high[index]
    results = [
        DatedValue(lab="fasting_glucose", on=SIGNED + timedelta(days=day), value=value)
        for value in ((low + high) / 2, low * 0.5, high * 1.5)
    ]
    overlay = next(
        o for o in projection_overlay(evaluation, SIGNED, results) if o.output == "fasting_glucose"
    )
    assert overlay.position == ("inside", "below", "above")
    # Glucose has a sourced variation: the band is widened by 1.96 × √(CVi² + CVa²).
    assert overlay.tolerance_percent == pytest.approx(1.96 * (5.0**2 + 1.78**2) ** 0.5)
    late = [DatedValue(lab="fasting_glucose", on=SIGNED + timedelta(days=400), value=7.0)]
    late_overlay = next(
        o for o in projection_overlay(evaluation, SIGNED, late) if o.output == "fasting_glucose"
    )
    assert late_overlay.position == (None,)


def test_homa_ir_is_derived_only_from_a_glucose_and_insulin_of_the_same_day():
    day = date(2026, 3, 1)
    values = with_homa_ir(
        [
            DatedValue(lab="fasting_glucose", on=day, value=5.0),
            DatedValue(lab="fasting_insulin", on=day, value=9.0),
            DatedValue(lab="fasting_glucose", on=day + timedelta(days=1), value=6.0),
        ]
    )
    homa = [v for v in values if v.lab == "homa_ir"]
    assert len(homa) == 1 and homa[0].value == pytest.approx(5.0 * 9.0 / 22.5)


def test_panel_flags_come_from_the_pipeline():
    codes = {f.code for f in panel_flags(_evaluation("ckd_stage4.toml", False))}
    assert "renal_block" in codes
    healthy = {f.code for f in panel_flags(_evaluation("healthy_adult.toml", False))}
    assert "renal_block" not in healthy and "low_magnesium" not in healthy
