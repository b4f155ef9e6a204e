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
        (person(labs__0__value=-5), "labs[0] fasting_glucose"),
        (person(labs__0__value=0), "labs[0] fasting_glucose"),
        (person(labs__2__value=90), "labs[2] serum_magnesium"),  # absurd magnesium
        (person(labs__0__unit="mmol/mol"), "labs[0] fasting_glucose.unit"),  # foreign unit
        (person(labs__0__unit=""), "labs[0] fasting_glucose.unit"),  # missing unit
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


@pytest.mark.parametrize(
    ("flag", "age", "accepted"),
    [
        # Found by the long fuzz campaign: pregnant at age 0 passed the file and failed later.
        ("pregnant", 0, False),
        ("pregnant", 13.9, False),
        ("pregnant", 14, True),
        ("pregnant", 50.9, True),
        ("pregnant", 51, False),
        ("lactating", 60, False),
        ("lactating", 30, True),
    ],
)
def test_pregnancy_and_lactation_only_where_the_dri_table_has_rows(flag, age, accepted):
    doc = person(person__age_years=age, **{f"person__{flag}": True})
    if accepted:
        assert assess(parse_person(doc)).requirements.life_stage.startswith(flag[:5])
        return
    with pytest.raises(InvalidInputError) as info:
        parse_person(doc)
    assert info.value.field == f"person.{flag}"
    assert "14 to under 51 years" in str(info.value) and f"{age:g} years old" in str(info.value)


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
    if intake is not None:
        doc["diet"] = pumpkin_seeds(intake)
    a = assess(parse_person(doc))
    assert a.magnesium.status == status
    if intake is not None:
        assert a.intake.mean_mg_per_day == pytest.approx(intake)
    if status == "high":
        assert "hypermagnesaemia" in {n.code for n in a.notices}


def pumpkin_seeds(mg_per_day: float) -> list[dict]:
    """A one-day diary of pumpkin seed kernels (SR28 12014: 592 mg Mg / 100 g) giving mg_per_day."""
    grams = mg_per_day / 5.92
    return [{"food": "12014", "amount": {"value": grams, "unit": "g"}}]


def test_no_serum_magnesium_means_unknown_not_invented():
    doc = person()
    del doc["labs"][2]
    doc["diet"] = pumpkin_seeds(150)
    a = assess(parse_person(doc))
    assert a.magnesium.status == "unknown" and a.magnesium.serum_mmol_per_l is None


def test_low_egfr_warns():
    a = assess(parse_person(person(labs__3__value=2.6)))
    assert a.kidney.egfr.value < 30
    (renal,) = [n for n in a.notices if n.code == "renal_contraindication"]
    assert "contraindicated" in renal.message
    assert "smpc_magnaspartate" in renal.source


def test_adolescent_and_child_get_their_own_limits():
    teen = assess(parse_person(person(person__age_years=15)))
    assert teen.requirements.rda_mg_per_day == 360
    child = assess(parse_person(person(person__age_years=6)))
    assert child.requirements.supplement_ul_mg_per_day == 110
    assert child.kidney.egfr.value is None


# ----------------------------------------------------------------------------- inputs people type


def test_every_error_of_a_file_is_reported_at_once_in_file_order():
    doc = person(labs__0__value=-5, labs__2__unit="mg/0", person__conditons=["t2d"])
    doc["labs"][3]["name"] = "creatinin"
    with pytest.raises(InvalidInputError) as info:
        parse_person(doc)
    fields = [e.field for e in info.value.errors]
    assert fields == [
        "person.conditons",
        "labs[0] fasting_glucose",
        "labs[2] serum_magnesium.unit",
        "labs[3].name",
    ]
    assert "did you mean 'conditions'" in info.value.errors[0].allowed
    assert "did you mean 'creatinine'" in info.value.errors[3].allowed
    # The message names the lab, shows the value in the unit typed, never a numpy repr.
    assert str(info.value.errors[1]).startswith("labs[0] fasting_glucose: got -5 mg/dL; allowed")


def test_did_you_mean_for_conditions_and_enum_values():
    with pytest.raises(InvalidInputError) as info:
        parse_person(person(person__conditions=["prediabets"], person__sex="femal"))
    by_field = {e.field: e.allowed for e in info.value.errors}
    assert "did you mean 'female'" in by_field["person.sex"]
    assert "did you mean 'prediabetes'" in by_field["person.conditions[0]"]


def test_case_is_ignored_where_harmless():
    p = parse_person(person(person__sex="Male", person__conditions=["PCOS", "T2D"]))
    assert p.sex == "male"
    assert p.conditions == ("pcos", "t2d")


def test_a_medicine_listed_twice_in_medication_times_is_an_error_not_a_loss():
    # Before: the second spelling replaced the first and a 13:00 doxycycline dose was dropped.
    doc = person(
        person__medications=["doxycycline"],
        person__medication_times={"Doxycycline": ["08:00"], "doxycycline": ["13:00"]},
    )
    with pytest.raises(InvalidInputError) as info:
        parse_person(doc)
    assert info.value.field == "person.medication_times.doxycycline"
    assert "already given as 'Doxycycline'" in info.value.allowed


def test_a_medicine_listed_twice_is_an_error():
    with pytest.raises(InvalidInputError, match="each medicine once"):
        parse_person(person(person__medications=["Metformin", "metformin"]))


@pytest.mark.parametrize("value", [20260101, 1.7e9, True, "01/02/2026", "2026-02-30"])
def test_dates_are_dates_never_numbers(value):
    doc = person()
    doc["labs"][0]["date"] = value
    with pytest.raises(InvalidInputError) as info:
        parse_person(doc)
    assert info.value.field == "labs[0].date"


def test_every_lab_is_still_checked_when_one_item_has_an_unknown_key():
    doc = person(labs__0__units="mg/dL", labs__1__value=-1)
    with pytest.raises(InvalidInputError) as info:
        parse_person(doc)
    assert [e.field for e in info.value.errors] == ["labs[0].units", "labs[1] fasting_insulin"]


# ----------------------------------------------------------------------------- clinical readings


def test_insulin_therapy_gives_no_insulin_resistance_verdict():
    # Safety gap 2: HOMA is not valid on insulin therapy (okita2013); the value is shown only.
    a = assess(parse_person(person(person__medications=["insulin glargine"])))
    homa = a.indices["homa_ir"]
    assert homa.value is not None
    assert homa.insulin_resistant is None
    assert "not interpreted" in homa.interpretation
    assert a.indices["quicki"].insulin_resistant is None
    assert "homa_insulin_therapy" in {n.code for n in a.notices}
    assert not a.insulin_resistant


@pytest.mark.parametrize("brand", ["Lantus", "NovoRapid 10 units", "Humalog"])
def test_insulin_brands_count_as_insulin_therapy(brand):
    a = assess(parse_person(person(person__medications=[brand])))
    assert a.indices["homa_ir"].insulin_resistant is None


def test_adolescent_homa_carries_the_adult_cutoff_caveat():
    doc = person(person__age_years=15, person__height_cm=160)
    a = assess(parse_person(doc))
    assert "Caveat" in a.indices["homa_ir"].interpretation
    assert "kurtoglu2010" in a.indices["homa_ir"].references
    assert "homa_under_18" in {n.code for n in a.notices}


def test_bedside_schwartz_egfr_under_18_when_height_is_given():
    # Schwartz 2009: eGFR = 0.413 x height (cm) / creatinine (mg/dL) = 0.413 x 160 / 0.8 = 82.6.
    a = assess(parse_person(person(person__age_years=15, person__height_cm=160)))
    assert a.kidney.egfr.value == pytest.approx(0.413 * 160 / 0.8)
    assert a.kidney.egfr.details["equation"] == "bedside Schwartz 2009"
    # Without height, eGFR is not computed and the reason asks for height, not creatinine.
    b = assess(parse_person(person(person__age_years=15)))
    assert b.kidney.egfr.value is None
    assert "height_cm" in b.kidney.egfr.reason
    assert "creatinine" not in b.kidney.egfr.reason.split("(")[0]


@pytest.mark.parametrize(
    ("hba1c", "unit", "category"),
    [
        (5.4, "%", "normal"),
        (5.7, "%", "prediabetes"),
        (6.4, "%", "prediabetes"),
        (6.5, "%", "diabetes"),
        (48, "mmol/mol", "diabetes"),
        (38, "mmol/mol", "normal"),
    ],
)
def test_hba1c_glycaemic_category(hba1c, unit, category):
    # ADA: prediabetes 5.7-6.4 % (39-47 mmol/mol), diabetes >= 6.5 % (48 mmol/mol).
    doc = person(labs__0__value=85)  # fasting glucose 4.7 mmol/L: normal
    doc["labs"].append({"name": "hba1c", "value": hba1c, "unit": unit})
    a = assess(parse_person(doc))
    reading = next(r for r in a.glycaemia.readings if r.lab == "hba1c")
    assert reading.category == category
    assert a.glycaemia.category == category
    assert "ada2021_classification" in a.glycaemia.references


def test_overt_hypomagnesaemia_is_urgent_in_the_assessment():
    a = assess(parse_person(person(labs__2__value=0.55, labs__2__unit="mmol/L")))
    (urgent,) = a.urgent
    assert urgent.code == "overt_hypomagnesaemia"
    assert "potassium" in urgent.message and "ECG" in urgent.message
    assert a.notices[0] == urgent


def test_lab_changes_read_against_the_reference_change_value() -> None:
    """RCV = 1.96 x sqrt(2) x sqrt(CVI^2 + CVA^2): glucose (5.0, 1.78) gives 14.71 %."""
    import datetime as dt

    from mgir.assessment import assess, parse_person
    from mgir.reference import lab_variability

    glucose = lab_variability("fasting_glucose")
    assert glucose is not None
    assert glucose.reference_change_percent == pytest.approx(
        1.959964 * 2**0.5 * (5.0**2 + 1.78**2) ** 0.5, rel=1e-6
    )
    assert glucose.reference_change_percent == pytest.approx(14.71, abs=0.01)
    assert lab_variability("serum_magnesium") is None  # no sourced analytical CV: not read
    person = parse_person(
        {
            "spec_version": 1,
            "person": {"sex": "female", "age_years": 50},
            "labs": [
                {
                    "name": "fasting_glucose",
                    "value": 6.0,
                    "unit": "mmol/L",
                    "date": dt.date(2026, 1, 5),
                },
                {
                    "name": "fasting_glucose",
                    "value": 7.0,
                    "unit": "mmol/L",
                    "date": dt.date(2026, 6, 5),
                },
                {"name": "hba1c", "value": 6.0, "unit": "%", "date": dt.date(2026, 1, 5)},
                {"name": "hba1c", "value": 6.3, "unit": "%", "date": dt.date(2026, 6, 5)},
                {
                    "name": "serum_magnesium",
                    "value": 0.70,
                    "unit": "mmol/L",
                    "date": dt.date(2026, 1, 5),
                },
                {
                    "name": "serum_magnesium",
                    "value": 0.80,
                    "unit": "mmol/L",
                    "date": dt.date(2026, 6, 5),
                },
            ],
        },
        assessed_on=dt.date(2026, 6, 10),
    )
    changes = {c.lab: c for c in assess(person).lab_changes}
    assert set(changes) == {"fasting_glucose", "hba1c"}
    assert changes["fasting_glucose"].change_percent == pytest.approx(100 / 6)
    assert changes["fasting_glucose"].beyond_expected_variation  # 16.7 % > 14.7 %
    assert changes["hba1c"].change_percent == pytest.approx(5.0)
    assert not changes["hba1c"].beyond_expected_variation  # 5.0 % < 7.8 %
    assert changes["hba1c"].previous_date == dt.date(2026, 1, 5)
