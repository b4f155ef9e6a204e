"""Indices that combine labs use one sample: the newest values must share a day when dated."""

from __future__ import annotations

from datetime import date

from mgir.assessment import parse_person
from mgir.care import evaluate


def _assess(labs):
    person = parse_person(
        {"spec_version": 1, "person": {"age_years": 50, "sex": "female"}, "labs": labs},
        assessed_on=date(2026, 12, 1),
    )
    return evaluate(person, stages="assessment").assessment


def _lab(name, value, unit, day=None):
    out = {"name": name, "value": value, "unit": unit}
    if day:
        out["date"] = day
    return out


def test_homa_needs_glucose_and_insulin_from_one_day():
    apart = _assess(
        [
            _lab("fasting_glucose", 6.0, "mmol/L", "2026-11-20"),
            _lab("fasting_insulin", 12, "µIU/mL", "2026-05-16"),
        ]
    )
    for name in ("homa_ir", "homa_beta", "quicki"):
        assert apart.indices[name].value is None
        assert "sampled on one day" in apart.indices[name].reason
        assert "fasting_insulin of 2026-05-16" in apart.indices[name].reason
    together = _assess(
        [
            _lab("fasting_glucose", 6.0, "mmol/L", "2026-11-20"),
            _lab("fasting_insulin", 12, "µIU/mL", "2026-11-20"),
        ]
    )
    assert together.indices["homa_ir"].value == 6.0 * 12 / 22.5
    undated = _assess(
        [_lab("fasting_glucose", 6.0, "mmol/L"), _lab("fasting_insulin", 12, "µIU/mL")]
    )
    assert undated.indices["homa_ir"].value == 6.0 * 12 / 22.5


def test_an_older_pair_is_not_mixed_with_a_newer_single_value():
    # The newest glucose (November) has no insulin of its day: HOMA is not computed from
    # November's glucose with May's insulin.
    labs = [
        _lab("fasting_glucose", 5.5, "mmol/L", "2026-05-16"),
        _lab("fasting_insulin", 10, "µIU/mL", "2026-05-16"),
        _lab("fasting_glucose", 6.5, "mmol/L", "2026-11-20"),
    ]
    assert _assess(labs).indices["homa_ir"].value is None


def test_fe_mg_needs_its_four_labs_from_one_day():
    day, other = "2026-11-20", "2026-05-16"
    labs = [
        _lab("serum_magnesium", 0.62, "mmol/L", day),
        _lab("creatinine", 80, "µmol/L", day),
        _lab("urine_magnesium", 2.9, "mmol/L", other),
        _lab("urine_creatinine", 8.0, "mmol/L", other),
    ]
    apart = _assess(labs).kidney.fe_magnesium
    assert apart.value is None and "sampled on one day" in apart.reason
    same = [{**lab, "date": day} for lab in labs]
    assert _assess(same).kidney.fe_magnesium.value is not None
