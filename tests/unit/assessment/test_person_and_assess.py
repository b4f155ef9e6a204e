"""The person file and assess(): validation, choices that must not be guessed, status rules."""

from __future__ import annotations

import copy
from datetime import date

import pytest

from mgir._errors import InvalidInputError
from mgir.assessment import assess, parse_person

BASE = {
    "spec_version": 1,
    "person": {"age_years": 45, "sex": "female"},
    "labs": [
        {"name": "fasting_glucose", "value": 104, "unit": "mg/dL"},
        {"name": "fasting_insulin", "value": 14, "unit": "uU/mL"},
        {"name": "serum_magnesium", "value": 1.8, "unit": "mg/dL"},
        {"name": "creatinine", "value": 0.8, "unit": "mg/dL"},
    ],
}


def person(**changes):
    doc = copy.deepcopy(BASE)
    for path, value in changes.items():
        target = doc
        keys = path.split("__")
        for key in keys[:-1]:
            target = target[int(key)] if key.isdigit() else target[key]
        last = keys[-1]
        target[int(last) if last.isdigit() else last] = value
    return doc


def test_valid_person_is_converted_to_canonical_units():
    p = parse_person(BASE)
    assert p.lab("fasting_glucose") == pytest.approx(104 / 18.0156)
    assert p.lab("serum_magnesium") == pytest.approx(1.8 / 2.4305)
    assert p.labs["fasting_insulin"].given_unit == "uU/mL"


@pytest.mark.parametrize(
    ("doc", "field"),
    [
        (person(labs__0__value=-5), "labs[0].value"),
        (person(labs__0__value=0), "labs[0].value"),
        (person(labs__2__value=90), "labs[2].value"),  # absurd magnesium
        (person(labs__0__unit="mmol/mol"), "labs[0].unit"),  # wrong unit for the analyte
        (person(labs__0__unit=""), "labs[0].unit"),  # missing unit
        (person(labs__0__name="glucoze"), "labs[0].name"),  # unknown lab
        (person(person__sex="x"), "person.sex"),
        (person(person__age_years=140), "person.age_years"),
        (person(person__favourite_colour="blue"), "person.favourite_colour"),
        (person(spec_version=2), "spec_version"),
        (person(person__conditions=["diabetes"]), "person.conditions[0]"),
        (person(person__pregnant=True, person__sex="male"), "person.pregnant"),
        (
            person(person__medication_times={"dolutegravir": ["08:00"]}),
            "person.medication_times.dolutegravir",
        ),
    ],
)
def test_bad_input_names_the_field(doc, field):
    with pytest.raises(InvalidInputError) as info:
        parse_person(doc)
    assert info.value.field == field, str(info.value)


def test_missing_unit_key_is_an_error():
    doc = person()
    del doc["labs"][0]["unit"]
    with pytest.raises(InvalidInputError, match=r"labs\[0\]\.unit"):
        parse_person(doc)


def test_unknown_key_lists_known_keys():
    with pytest.raises(InvalidInputError) as info:
        parse_person(person(labs__0__units="mg/dL"))
    assert "known keys: name, value, unit, date" in info.value.allowed


def test_newest_lab_is_used_and_history_kept():
    doc = person()
    doc["labs"] += [
        {"name": "serum_magnesium", "value": 0.9, "unit": "mmol/L", "date": "2026-01-01"},
    ]
    doc["labs"][2]["date"] = "2026-06-01"
    p = parse_person(doc)
    assert p.lab("serum_magnesium") == pytest.approx(1.8 / 2.4305)
    assert len(p.lab_history) == 5


def test_two_undated_values_of_one_lab_are_ambiguous():
    doc = person()
    doc["labs"].append({"name": "serum_magnesium", "value": 0.9, "unit": "mmol/L"})
    with pytest.raises(InvalidInputError, match="date"):
        parse_person(doc)


def test_birth_date_gives_age_at_assessment():
    doc = person()
    del doc["person"]["age_years"]
    doc["person"]["birth_date"] = "1980-11-22"
    assert parse_person(doc, assessed_on=date(2026, 11, 21)).age_years == 45
    assert parse_person(doc, assessed_on=date(2026, 11, 22)).age_years == 46


def test_assess_reports_every_result_and_why_missing():
    a = assess(parse_person(BASE))
    assert a.indices["homa_ir"].value == pytest.approx(14 * (104 / 18.0156) / 22.5)
    assert a.magnesium.status == "deficient"  # 0.74 mmol/L
    assert a.requirements.rda_mg_per_day == 320 and a.requirements.supplement_ul_mg_per_day == 350
    assert "triglycerides" in a.not_computed["tyg"]
    assert "matsuda" in a.not_computed and "fe_magnesium" in a.not_computed


@pytest.mark.parametrize(
    ("mg_mmol", "intake", "status"),
    [
        (0.70, None, "deficient"),
        (0.80, None, "grey_zone"),
        (0.80, 200.0, "deficient"),  # grey zone + intake below EAR 265 decides
        (0.80, 400.0, "grey_zone"),
        (0.90, None, "adequate"),
        (1.00, None, "adequate"),
        (1.30, None, "high"),
    ],
)
def test_magnesium_status_rules(mg_mmol, intake, status):
    doc = person(labs__2__value=mg_mmol, labs__2__unit="mmol/L")
    a = assess(parse_person(doc), dietary_intake_mg_per_day=intake)
    assert a.magnesium.status == status
    if status == "high":
        assert any("above the reference range" in w for w in a.warnings)


def test_no_serum_magnesium_means_unknown_not_invented():
    doc = person()
    del doc["labs"][2]
    a = assess(parse_person(doc), dietary_intake_mg_per_day=150)
    assert a.magnesium.status == "unknown" and a.magnesium.serum_mmol_per_l is None


def test_low_egfr_warns():
    a = assess(parse_person(person(labs__3__value=2.6)))
    assert a.kidney.egfr.value < 30
    assert any("contraindicated" in w for w in a.warnings)


def test_adolescent_and_child_get_their_own_limits():
    teen = assess(parse_person(person(person__age_years=15)))
    assert teen.requirements.rda_mg_per_day == 360
    child = assess(parse_person(person(person__age_years=6)))
    assert child.requirements.supplement_ul_mg_per_day == 110
    assert child.kidney.egfr.value is None
