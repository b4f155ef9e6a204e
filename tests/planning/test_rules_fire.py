"""Every interaction row and every contraindication row fires in a plan.

One test per rule: the person takes the drug (at 08:00 when the rule has a timing) or has the
condition, and the plan must carry the rule's notice with the rule's source keys.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from mgir.planning import Plan, parse_time
from mgir.reference import contraindications, interactions

MakePlan = Callable[..., Plan]
CODE = {
    "avoid": "interaction_avoid",
    "separate": "interaction_timing",
    "monitor": "interaction_monitor",
    "caution": "interaction_caution",
}


@pytest.mark.parametrize("rule", interactions(), ids=lambda r: r.interaction_id)
def test_interaction_rule_fires(make_plan: MakePlan, rule: Any) -> None:
    result = make_plan(medications=(rule.drug,), times={rule.drug: ["08:00"]})
    notices = [*result.blocks, *result.cautions]
    assert any(n.code == CODE[rule.severity] and n.source == rule.source_key for n in notices)
    if rule.severity == "avoid":
        assert result.supplement is None
    if rule.severity == "separate" and result.supplement is not None:
        for dose in result.supplement.schedule:
            m = parse_time(dose.time)
            assert (m - 480) % 1440 >= rule.drug_before_mg_h * 60
            assert (480 - m) % 1440 >= rule.drug_after_mg_h * 60
    assert rule.drug not in result.medications_not_checked


PERSON_FOR_RULE: dict[str, dict[str, Any]] = {
    "egfr_below_30": {"age": 60, "creatinine_mg_dl": 2.2},  # eGFR about 25
    "egfr_30_60": {"age": 60, "creatinine_mg_dl": 1.3},  # eGFR about 47
    "egfr_unknown": {"creatinine_mg_dl": None},
    "ckd_without_egfr": {"creatinine_mg_dl": None, "conditions": ("ckd",)},
    "heart_block": {"conditions": ("heart_block",)},
    "myasthenia_gravis": {"conditions": ("myasthenia_gravis",)},
    "bowel_obstruction": {"conditions": ("bowel_obstruction",)},
    "chronic_diarrhoea": {"conditions": ("chronic_diarrhoea",)},
    "pregnancy": {"age": 30, "pregnant": True},
    "child_under_12": {"age": 7, "creatinine_mg_dl": None},
    "infant": {"age": 0.5, "creatinine_mg_dl": None},
    "serum_mg_high": {"serum_mg_mmol_l": 1.2},
    "dose_above_eu_ul": {},  # default 300 mg/day > 250
}


def test_every_contraindication_has_a_case() -> None:
    assert {r.rule_id for r in contraindications()} == set(PERSON_FOR_RULE)


@pytest.mark.parametrize("rule", contraindications(), ids=lambda r: r.rule_id)
def test_contraindication_rule_fires(make_plan: MakePlan, rule: Any) -> None:
    result = make_plan(**PERSON_FOR_RULE[rule.rule_id])
    target = result.blocks if rule.severity == "block" else result.cautions
    assert any(n.code == rule.code and n.source == rule.source_key for n in target)
    if rule.severity == "block":
        assert result.supplement is None
