"""Trial specs are parsed as specs/trial-spec.md says: strictly, with units."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from mgir._errors import InvalidInputError, InvalidInputErrors
from mgir.trials import parse_trial_spec

SPEC: dict[str, Any] = {
    "spec_version": 1,
    "name": "Guerrero-Romero 2004",
    "duration_weeks": 12,
    "seed": 2004,
    "population": {
        "n": 60,
        "condition": "insulin_resistant",
        "age_years": {"mean": 43, "sd": 10},
        "female_fraction": 0.6,
        "egfr": {"mean": 95, "sd": 15, "unit": "mL/min/1.73m2"},
        "baseline": {
            "fasting_glucose": {"mean": 95.5, "sd": 10.8, "unit": "mg/dL"},
            "homa_ir": {"mean": 4.6, "sd": 2.8},
            "serum_magnesium": {"mean": 0.61, "sd": 0.08, "unit": "mmol/L"},
        },
    },
    "arms": [
        {
            "name": "magnesium",
            "allocation": 1,
            "adherence": 0.9,
            "supplement": {
                "salt": "magnesium chloride hexahydrate",
                "salt_mass": {"value": 2.5, "unit": "g/day"},
            },
        },
        {"name": "placebo", "allocation": 1},
    ],
    "analysis": {"endpoints": ["serum_magnesium", "homa_ir"], "reference_arm": "placebo"},
}


def test_example_of_the_format_parses_into_canonical_units() -> None:
    spec = parse_trial_spec(SPEC)
    assert spec.baseline["fasting_glucose"].mean == pytest.approx(95.5 / 18.0156, rel=1e-4)
    assert spec.baseline["fasting_glucose"].unit == "mmol/L"
    # 2.5 g/day of MgCl2·6H2O is 11.96 % Mg (24.305 / 203.30): 299 mg/day elemental.
    assert spec.arms[0].elemental_mg_per_day == pytest.approx(2500 * 24.305 / 203.30, rel=2e-3)
    assert spec.arms[1].salt is None and spec.arms[1].elemental_mg_per_day == 0.0
    assert spec.reference_arm == "placebo"


def test_unknown_key_is_an_error_naming_it() -> None:
    bad = copy.deepcopy(SPEC)
    bad["population"]["condtion"] = "t2d"
    with pytest.raises((InvalidInputError, InvalidInputErrors), match="condtion"):
        parse_trial_spec(bad)


def test_endpoint_the_model_cannot_predict_is_an_error_naming_it() -> None:
    bad = copy.deepcopy(SPEC)
    bad["analysis"]["endpoints"] = ["homa_ir", "two_hour_glucose"]
    with pytest.raises(InvalidInputError, match="two_hour_glucose"):
        parse_trial_spec(bad)


def test_salt_mass_and_elemental_together_are_an_error() -> None:
    bad = copy.deepcopy(SPEC)
    bad["arms"][0]["supplement"]["elemental"] = {"value": 300, "unit": "mg/day"}
    with pytest.raises(InvalidInputError, match="not both"):
        parse_trial_spec(bad)


def test_a_lab_without_its_unit_is_an_error() -> None:
    bad = copy.deepcopy(SPEC)
    del bad["population"]["baseline"]["serum_magnesium"]["unit"]
    with pytest.raises(InvalidInputError, match=r"serum_magnesium\.unit"):
        parse_trial_spec(bad)


def test_default_reference_is_the_first_control_arm() -> None:
    spec = copy.deepcopy(SPEC)
    del spec["analysis"]["reference_arm"]
    assert parse_trial_spec(spec).reference_arm == "placebo"
    no_control = copy.deepcopy(spec)
    no_control["arms"] = [no_control["arms"][0]]
    with pytest.raises(InvalidInputError, match="reference_arm"):
        parse_trial_spec(no_control)


def test_every_problem_is_reported_at_once() -> None:
    """A value out of range does not hide a wrong salt or an endpoint the model cannot predict."""
    bad = copy.deepcopy(SPEC)
    bad["population"]["female_fraction"] = 1.5
    bad["arms"][0]["supplement"]["salt"] = "magnesium unobtainium"
    bad["analysis"]["endpoints"] = ["homa_ir", "two_hour_glucose"]
    with pytest.raises(InvalidInputErrors) as caught:
        parse_trial_spec(bad)
    fields = {e.field for e in caught.value.errors}
    assert "population.female_fraction" in fields
    assert "arms[0].supplement.salt" in fields
    assert "analysis.endpoints[1]" in fields


def test_an_sd_in_another_unit_scales_by_the_slope_not_the_offset():
    # HbA1c (NGSP %) = 0.09148 x IFCC (mmol/mol) + 2.152 (the NGSP–IFCC master equation): a mean of
    # 40 mmol/mol is 5.81 %, and an SD of 4 mmol/mol is 0.366 % (the slope alone).
    from mgir.trials import parse_trial_spec

    document = {
        "spec_version": 1,
        "name": "units",
        "duration_weeks": 12,
        "population": {
            "n": 40,
            "condition": "prediabetes",
            "baseline": {
                "hba1c": {"mean": 40, "sd": 4, "unit": "mmol/mol"},
                "fasting_glucose": {"mean": 108, "sd": 9, "unit": "mg/dL"},
            },
        },
        "arms": [{"name": "placebo"}],
        "analysis": {"endpoints": ["hba1c"]},
    }
    spec = parse_trial_spec(document)
    assert spec.baseline["hba1c"].mean == pytest.approx(0.09148 * 40 + 2.152, abs=0.01)
    assert spec.baseline["hba1c"].sd == pytest.approx(0.09148 * 4, rel=0.01)
    assert spec.baseline["fasting_glucose"].sd == pytest.approx(9 / 18.016, rel=0.01)
