"""plan(): supplement decision, dose, UL, renal rules, interactions, schedule, JSON.

Golden numbers: supplemental ULs from IOM 1997 (reference-facts C.1: 65 mg 1-3 y, 110 mg 4-8 y,
350 mg from 9 y); eGFR thresholds from the Magnaspartate SmPC (GFR < 30 contraindicated);
timing rules from reference-facts E.2 (dolutegravir 2 h before / 6 h after magnesium).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from mgir._errors import InvalidInputError
from mgir.planning import Plan, parse_time
from mgir.reference import source

MakePlan = Callable[..., Plan]


def codes(items: Any) -> set[str]:
    return {item.code for item in items}


def in_window(minute: int, start: int, end: int) -> bool:
    """Inclusive window on a 24-h clock that may wrap past midnight."""
    return start <= minute <= end if start <= end else minute >= start or minute <= end


def test_deficient_adult_gets_citrate_within_ul(make_plan: MakePlan) -> None:
    result = make_plan()
    assert result.supplement is not None
    assert result.supplement.salt_id == "citrate_trimagnesium_anhydrous"
    assert result.supplement.elemental_mg_per_day == 300
    # 300 mg / 16.16 % (24.305 * 3 / 451.11) = 1856 mg trimagnesium dicitrate.
    assert result.supplement.salt_mg_per_day == pytest.approx(300 / (3 * 24.305 / 451.11), abs=1)
    assert result.supplement.doses_per_day == 2
    assert sum(d.elemental_mg for d in result.supplement.schedule) == pytest.approx(300)


@pytest.mark.parametrize("drug_time", ["08:00", "12:00", "20:00", "23:30"])
def test_dolutegravir_schedule(make_plan: MakePlan, drug_time: str) -> None:
    result = make_plan(medications=("dolutegravir",), times={"dolutegravir": [drug_time]})
    assert result.supplement is not None
    drug = parse_time(drug_time)
    for dose in result.supplement.schedule:
        m = parse_time(dose.time)
        assert (m - drug) % 1440 >= 120  # >= 2 h after one dolutegravir dose
        assert (drug - m) % 1440 >= 360  # >= 6 h before the next
    assert "interaction_timing" in codes(result.cautions)


def test_dolutegravir_at_8_gives_10_to_2(make_plan: MakePlan) -> None:
    result = make_plan(medications=("dolutegravir",), times={"dolutegravir": ["08:00"]})
    assert result.supplement is not None
    assert result.supplement.allowed_windows == (("10:00", "02:00"),)
    for dose in result.supplement.schedule:
        assert in_window(parse_time(dose.time), 10 * 60, 2 * 60)


def test_levothyroxine_and_ciprofloxacin_together(make_plan: MakePlan) -> None:
    result = make_plan(
        medications=("levothyroxine", "ciprofloxacin"),
        times={"levothyroxine": ["07:00"], "ciprofloxacin": ["08:00", "20:00"]},
    )
    assert result.supplement is not None
    for dose in result.supplement.schedule:
        m = parse_time(dose.time)
        assert (m - 7 * 60) % 1440 >= 240
        assert (7 * 60 - m) % 1440 >= 240
        for cipro in (8 * 60, 20 * 60):
            assert (m - cipro) % 1440 >= 120
            assert (cipro - m) % 1440 >= 360


def test_timing_rule_without_a_time_is_reported(make_plan: MakePlan) -> None:
    result = make_plan(medications=("levothyroxine",))
    timing = [c for c in result.cautions if c.code == "interaction_timing"]
    assert timing
    assert "medication_times" in timing[0].message


def test_impossible_schedule_blocks(make_plan: MakePlan) -> None:
    # Ciprofloxacin every 6 h leaves no slot 2 h after and 6 h before the next dose.
    result = make_plan(
        medications=("ciprofloxacin",),
        times={"ciprofloxacin": ["00:00", "06:00", "12:00", "18:00"]},
    )
    assert result.supplement is None
    assert "interaction_timing_conflict" in codes(result.blocks)


@pytest.mark.parametrize("requested", [351, 600, 2000])
def test_adult_never_above_ul_without_override(make_plan: MakePlan, requested: float) -> None:
    # A dose above the UL is not silently capped: it is an input error naming the UL (iom1997).
    with pytest.raises(InvalidInputError) as info:
        make_plan(requested=requested)
    assert info.value.field == "requested_elemental_mg_per_day"
    assert "350 mg/day" in info.value.allowed


def test_override_is_recorded(make_plan: MakePlan) -> None:
    result = make_plan(requested=500, override_ul_reason="refractory hypomagnesaemia, monitored")
    assert result.supplement is not None
    assert result.supplement.elemental_mg_per_day == 500
    doc = result.to_dict()
    (override,) = doc["overrides"]
    assert override["kind"] == "upper_limit"
    assert override["reason"].startswith("refractory")
    assert override["by"] == "Dr A. Test"
    assert override["at"].startswith("2026-11-01T09:30")
    assert "ul_override" in codes(result.cautions)


def test_empty_override_reason_is_rejected(make_plan: MakePlan) -> None:
    with pytest.raises(ValueError, match="non-empty"):
        make_plan(requested=500, override_ul_reason="  ")


def test_egfr_25_blocks(make_plan: MakePlan) -> None:
    # 60-y woman, creatinine 2.2 mg/dL: CKD-EPI 2021 eGFR about 25 mL/min/1.73 m2.
    result = make_plan(age=60, creatinine_mg_dl=2.2)
    assert result.supplement is None
    assert "renal_contraindication" in codes(result.blocks)
    assert any(m.lab == "creatinine" for m in result.monitoring)


def test_egfr_25_with_renal_override_halves(make_plan: MakePlan) -> None:
    result = make_plan(age=60, creatinine_mg_dl=2.2, override_renal_reason="nephrologist agrees")
    assert result.supplement is not None
    assert result.supplement.elemental_mg_per_day == 150
    assert "renal_override" in codes(result.cautions)


def test_egfr_45_halves_and_monitors(make_plan: MakePlan) -> None:
    result = make_plan(age=60, creatinine_mg_dl=1.3)  # eGFR about 47
    assert result.supplement is not None
    assert result.supplement.elemental_mg_per_day == 150
    assert "renal_caution" in codes(result.cautions)
    assert any(m.lab == "serum_magnesium" and "3-6 months" in m.when for m in result.monitoring)


def test_unknown_egfr_is_a_caution(make_plan: MakePlan) -> None:
    result = make_plan(creatinine_mg_dl=None)
    assert "renal_function_unknown" in codes(result.cautions)
    assert result.monitoring[0].lab == "creatinine"


def test_ckd_without_egfr_blocks(make_plan: MakePlan) -> None:
    result = make_plan(creatinine_mg_dl=None, conditions=("ckd",))
    assert result.supplement is None
    assert "renal_contraindication" in codes(result.blocks)


@pytest.mark.parametrize(("age", "ul"), [(2, 65), (6, 110), (11, 350), (15, 350)])
def test_children_and_adolescents_have_their_own_ul(
    make_plan: MakePlan, age: float, ul: float
) -> None:
    result = make_plan(age=age, creatinine_mg_dl=None)
    assert result.supplement is not None
    assert result.supplement.ul_mg_per_day == ul
    assert result.supplement.elemental_mg_per_day <= ul
    if age < 12:
        assert "child_formulation" in codes(result.cautions)
    with pytest.raises(InvalidInputError, match=f"{ul:g} mg/day"):
        make_plan(age=age, creatinine_mg_dl=None, requested=ul + 1)


def test_infant_gets_no_supplement(make_plan: MakePlan) -> None:
    result = make_plan(age=0.5, creatinine_mg_dl=None)
    assert result.supplement is None
    assert codes(result.blocks) & {"no_ul", "no_ul_infant"}


def test_unknown_drug_is_not_checked(make_plan: MakePlan) -> None:
    result = make_plan(medications=("atorvastatin", "zorblaxin"))
    assert result.medications_not_checked == ("atorvastatin", "zorblaxin")
    notes = [c for c in result.cautions if c.code == "medication_not_checked"]
    assert len(notes) == 2
    assert all("not checked" in n.message for n in notes)
    assert result.to_dict()["medications_not_checked"] == ["atorvastatin", "zorblaxin"]


def test_raltegravir_blocks(make_plan: MakePlan) -> None:
    result = make_plan(medications=("raltegravir",))
    assert result.supplement is None
    assert "interaction_avoid" in codes(result.blocks)


@pytest.mark.parametrize("condition", ["heart_block", "myasthenia_gravis", "bowel_obstruction"])
def test_condition_blocks(make_plan: MakePlan, condition: str) -> None:
    result = make_plan(conditions=(condition,))
    assert result.supplement is None
    assert condition in codes(result.blocks)


def test_chronic_diarrhoea_picks_the_least_laxative_form(make_plan: MakePlan) -> None:
    result = make_plan(conditions=("chronic_diarrhoea",))
    assert result.supplement is not None
    assert result.supplement.salt_id == "bisglycinate"
    assert "chronic_diarrhoea" in codes(result.cautions)


def test_pregnancy_caution(make_plan: MakePlan) -> None:
    result = make_plan(pregnant=True, age=30)
    assert "pregnancy" in codes(result.cautions)


def test_monitor_interactions_add_labs(make_plan: MakePlan) -> None:
    result = make_plan(medications=("omeprazole", "hydrochlorothiazide"))
    assert "interaction_monitor" in codes(result.cautions)
    labs = {m.lab for m in result.monitoring}
    assert {"serum_magnesium", "potassium"} <= labs


def test_existing_supplement_is_subtracted(make_plan: MakePlan) -> None:
    result = make_plan(
        supplements=[
            {"salt": "magnesium bisglycinate", "elemental": {"value": 100, "unit": "mg/day"}}
        ]
    )
    assert result.supplement is not None
    assert result.supplement.existing_mg_per_day == 100
    assert result.supplement.elemental_mg_per_day == 200


def test_existing_supplement_by_salt_mass_and_assumed_form(make_plan: MakePlan) -> None:
    # 1000 mg "magnesium citrate", read as anhydrous trimagnesium dicitrate (16.16 %) = 162 mg.
    result = make_plan(
        supplements=[{"salt": "magnesium citrate", "salt_mass": {"value": 1000, "unit": "mg/day"}}]
    )
    assert result.supplement is not None
    assert result.supplement.existing_mg_per_day == pytest.approx(161.6, abs=0.1)
    assert result.supplement.elemental_mg_per_day == 138  # floor(300 - 161.6)
    assert "salt_form_assumed" in codes(result.cautions)


def test_existing_well_absorbed_supplement_at_the_target(make_plan: MakePlan) -> None:
    result = make_plan(
        supplements=[{"salt": "magnesium glycinate", "elemental": {"value": 300, "unit": "mg/day"}}]
    )
    assert result.supplement is None
    assert "existing_supplement_sufficient" in codes(result.cautions)


def test_adequate_status_gets_no_supplement(make_plan: MakePlan) -> None:
    result = make_plan(serum_mg_mmol_l=0.9)
    assert result.supplement is None
    assert "adequate" in result.supplement_decision


def test_high_serum_blocks(make_plan: MakePlan) -> None:
    result = make_plan(serum_mg_mmol_l=1.2)
    assert result.supplement is None
    assert "hypermagnesaemia" in codes(result.blocks)


ALMOND_DAY = [
    {"day": "2026-10-01", "food": "12061", "amount": {"value": 1, "unit": "oz"}},
    {"day": "2026-10-02", "food": "09040", "amount": {"value": 100, "unit": "g"}},
]


def test_insulin_resistance_with_low_intake(make_plan: MakePlan) -> None:
    # Diary: day 1 almonds 1 oz (28.35 g x 2.70 = 76.5 mg), day 2 banana 100 g (27 mg):
    # mean 51.8 mg/day, far below the EAR (255 mg/day, women 19-30 y).
    result = make_plan(
        age=25, serum_mg_mmol_l=None, conditions=("insulin_resistance",), diet=ALMOND_DAY
    )
    current = result.diet.current_mg_per_day
    assert current == pytest.approx((28.349523125 * 2.70 + 27) / 2, abs=0.01)
    assert result.diet.gap_mg_per_day == pytest.approx(310 - current)
    assert result.supplement is not None
    assert any(e.outcome == "HOMA-IR" for e in result.expected_effects)
    assert all("not a prediction" in e.label for e in result.expected_effects)


def test_no_insulin_resistance_and_unknown_status_gets_diet_only(make_plan: MakePlan) -> None:
    result = make_plan(age=25, serum_mg_mmol_l=None, diet=ALMOND_DAY)
    assert result.supplement is None
    assert result.diet.suggestions


def test_suggestions_close_the_gap(make_plan: MakePlan) -> None:
    result = make_plan(age=25, serum_mg_mmol_l=0.9, diet=ALMOND_DAY)
    gap = result.diet.gap_mg_per_day
    assert gap is not None
    assert gap > 0
    assert sum(s.magnesium_mg for s in result.diet.suggestions) >= gap
    # Pumpkin seed kernels 1 oz: 28.35 g x 592 mg/100 g = 167.8 mg (SR28 12014).
    pumpkin = next(s for s in result.diet.suggestions if s.ndb_id == "12014")
    assert pumpkin.magnesium_mg == pytest.approx(167.8, abs=0.1)


def test_ambiguous_diary_food_raises(make_plan: MakePlan) -> None:
    diet = [{"day": "2026-10-01", "food": "almonds", "amount": {"value": 1, "unit": "oz"}}]
    with pytest.raises(InvalidInputError) as info:
        make_plan(diet=diet)
    assert "12061" in str(info.value)


def test_json_document(make_plan: MakePlan) -> None:
    result = make_plan(
        medications=("dolutegravir", "metformin"),
        times={"dolutegravir": ["08:00"]},
        diet=ALMOND_DAY,
    )
    doc = json.loads(json.dumps(result.to_dict()))
    for key in ("supplement", "blocks", "cautions", "diet", "monitoring", "references"):
        assert key in doc
    assert set(doc["supplement"]) >= {
        "salt",
        "elemental_mg_per_day",
        "salt_mg_per_day",
        "doses_per_day",
        "schedule",
    }
    assert set(doc["diet"]) >= {
        "target_mg_per_day",
        "current_mg_per_day",
        "gap_mg_per_day",
        "suggestions",
    }
    for item in doc["blocks"] + doc["cautions"]:
        assert set(item) == {"code", "message", "source", "severity"}
        for key in item["source"].split(";"):
            assert source(key)
    assert {r["key"] for r in doc["references"]} >= {"usda_sr28", "iom1997"}


def test_plan_is_frozen(make_plan: MakePlan) -> None:
    result = make_plan()
    with pytest.raises(ValueError, match="frozen"):
        result.supplement = None  # type: ignore[misc]


def test_eu_ul_basis_caps_at_250(make_plan: MakePlan) -> None:
    # SCF 2001: EU UL 250 mg/day supplemental Mg for adults.
    result = make_plan(ul_basis="eu")
    assert result.supplement is not None
    assert result.supplement.elemental_mg_per_day == 250
    assert result.supplement.ul_mg_per_day == 250
    assert "eu_ul_applied" in codes(result.cautions)


def test_eu_ul_basis_never_raises_a_child_cap(make_plan: MakePlan) -> None:
    # Child 6 y: IOM UL 110 mg; the EU value (250, unverified for children) must not raise it.
    result = make_plan(age=6, creatinine_mg_dl=None, ul_basis="eu")
    assert result.supplement is not None
    assert result.supplement.ul_mg_per_day == 110


def test_bad_ul_basis(make_plan: MakePlan) -> None:
    with pytest.raises(ValueError, match="iom"):
        make_plan(ul_basis="mars")


def test_unknown_status_asks_for_serum_magnesium(make_plan: MakePlan) -> None:
    result = make_plan(serum_mg_mmol_l=None)
    assert result.supplement is None
    assert any(
        m.lab == "serum_magnesium" and "before deciding" in m.when for m in result.monitoring
    )


def test_grey_zone_without_diary_asks_for_urinary_magnesium(make_plan: MakePlan) -> None:
    # Costello & Nielsen 2017: in the grey zone, intake and urinary Mg decide.
    result = make_plan(serum_mg_mmol_l=0.80)
    assert result.supplement is None
    assert any(m.lab == "urine_magnesium" for m in result.monitoring)


def test_narrow_window_gives_a_single_dose(make_plan: MakePlan) -> None:
    # Ciprofloxacin 07:00, 13:00, 19:30 (>= 2 h before or >= 6 h after Mg): the only allowed
    # window is 21:30-01:00 (2 h after 19:30, 6 h before 07:00), 3.5 h wide -> one dose.
    result = make_plan(
        medications=("ciprofloxacin",), times={"ciprofloxacin": ["07:00", "13:00", "19:30"]}
    )
    assert result.supplement is not None
    assert result.supplement.allowed_windows == (("21:30", "01:00"),)
    assert result.supplement.doses_per_day == 1
    assert "single_dose" in codes(result.cautions)
    (dose,) = result.supplement.schedule
    assert in_window(parse_time(dose.time), 21 * 60 + 30, 60)


def test_existing_oxide_is_replaced_not_counted(make_plan: MakePlan) -> None:
    # Safety gap 7: 400 mg MgO x 60.30 % = 241.2 mg elemental (D.1), about 4 % absorbed
    # (Firoz 2001). Counting it in full planned only 58 mg of citrate; now the plan replaces it.
    result = make_plan(
        supplements=[{"salt": "magnesium oxide", "salt_mass": {"value": 400, "unit": "mg/day"}}]
    )
    assert result.supplement is not None
    assert result.supplement.existing_mg_per_day == 0
    assert result.supplement.elemental_mg_per_day == 300
    assert result.supplement.replaces == ("magnesium oxide",)
    (oxide,) = result.existing_supplements
    assert oxide.action == "replace"
    assert oxide.elemental_mg_per_day == pytest.approx(241.2, abs=0.1)
    assert oxide.counted_mg_per_day == 0
    assert "existing_supplement_replaced" in codes(result.cautions)


def test_expected_effects_come_from_trials_in_people_like_this_one(make_plan: MakePlan) -> None:
    """A person with type 2 diabetes is shown diabetic trials, not a non-diabetic one."""
    with_t2d = {e.source for e in make_plan(conditions=("t2d",)).expected_effects}
    assert "rodriguez_moran2003_trial" in with_t2d
    assert "guerrero_romero2004" not in with_t2d
    without = {e.source for e in make_plan(conditions=("insulin_resistance",)).expected_effects}
    assert "guerrero_romero2004" in without
    assert "rodriguez_moran2003_trial" not in without


def test_a_requested_dose_without_an_indication_is_not_silently_dropped(
    make_plan: MakePlan,
) -> None:
    result = make_plan(serum_mg_mmol_l=0.90, requested=200.0)
    assert result.supplement is None
    notice = next(c for c in result.cautions if c.code == "requested_dose_not_planned")
    assert "200 mg/day" in notice.message
    assert notice.severity == "info"
