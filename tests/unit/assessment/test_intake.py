"""Diary intake: per entry, per day, mean over days, top foods; CSV diaries.

Golden arithmetic from SR28 values: almonds 270 mg/100 g (12061), spinach raw 79 (11457),
bananas raw 27 (09040), with 1 oz = 28.349523125 g and the SR28 portion weights named below.
"""

from __future__ import annotations

import math
from datetime import date

import pytest

from mgir._errors import InvalidInputError
from mgir.assessment import (
    DietEntry,
    assess,
    diary_intake,
    intake_below_ear,
    parse_diary_csv,
    parse_person,
)

D1, D2 = date(2026, 10, 1), date(2026, 10, 2)


def DiaryEntry(day: date | None, food: str, amount: float, unit: str) -> DietEntry:  # noqa: N802
    return DietEntry(day=day, food=food, amount_value=amount, amount_unit=unit)


def test_days_mean_and_top_foods() -> None:
    result = diary_intake(
        [
            DiaryEntry(D1, "12061", 1, "oz"),  # 28.35 g -> 76.54 mg
            DiaryEntry(D1, "Spinach, raw", 100, "g"),  # 79 mg
            DiaryEntry(D2, "09040", 1, "medium"),  # SR28: medium banana 118 g -> 31.86 mg
            DiaryEntry(D2, "12061", 10, "almond"),  # 10 x 1.2 g -> 32.4 mg
        ]
    )
    day1 = 28.349523125 * 2.70 + 79
    day2 = 118 * 0.27 + 12 * 2.70
    assert [d.magnesium_mg for d in result.days] == pytest.approx([day1, day2])
    assert result.mean_mg_per_day == pytest.approx((day1 + day2) / 2)
    assert result.top_foods[0].ndb_id == "12061"
    assert result.top_foods[0].magnesium_mg == pytest.approx(28.349523125 * 2.7 + 32.4)
    assert sum(f.share for f in result.top_foods) == pytest.approx(1.0)
    assert result.complete


def test_undated_entries_form_one_day() -> None:
    result = diary_intake([DiaryEntry(None, "12061", 100, "g"), DiaryEntry(None, "09040", 1, "kg")])
    assert len(result.days) == 1
    assert result.mean_mg_per_day == pytest.approx(270 + 270)


def test_food_without_magnesium_is_not_zero() -> None:
    from mgir.reference import foods

    missing = next(f for f in foods().values() if f.mg_per_100g is None)
    result = diary_intake(
        [DiaryEntry(D1, missing.ndb_id, 100, "g"), DiaryEntry(D1, "12061", 100, "g")]
    )
    assert not result.complete
    assert result.foods_without_magnesium == (missing.description,)
    assert result.entries[0].magnesium_mg is None
    assert result.days[0].complete is False


@pytest.mark.parametrize(
    ("food", "amount", "unit"),
    [
        ("almonds", 1, "oz"),
        ("no such food zzz", 1, "g"),
        ("12061", 1, "cup"),
        ("12061", 1, "slice"),
        ("12061", 0, "g"),
        ("99999", 1, "g"),
    ],
)
def test_bad_entries_raise(food: str, amount: float, unit: str) -> None:
    with pytest.raises(InvalidInputError):
        diary_intake([DiaryEntry(D1, food, amount, unit)])


def test_empty_diary() -> None:
    with pytest.raises(InvalidInputError):
        diary_intake([])


def test_csv_diary() -> None:
    text = (
        "day,food,amount,unit\n"
        "2026-10-01,12061,1,oz\n"
        '2026-10-01,"Spinach, raw",1,"cup"\n'
        ",09040,100,g\n"
    )
    entries = parse_diary_csv(text)
    assert entries[0] == DiaryEntry(D1, "12061", 1.0, "oz")
    assert entries[2].day is None
    result = diary_intake(entries)
    # SR28: 1 cup raw spinach = 30 g -> 23.7 mg.
    assert result.entries[1].grams == pytest.approx(30.0)


@pytest.mark.parametrize(
    ("text", "field"),
    [
        ("food,amount\n12061,1\n", "diary.csv header"),
        ("day,food,amount,unit\n2026-13-01,12061,1,oz\n", "diary.csv line 2, column day"),
        ("day,food,amount,unit\n2026-10-01,12061,one,oz\n", "diary.csv line 2, column amount"),
        ("day,food,amount,unit\n", "diary.csv"),  # header only: an empty diary
        ("day,food,amount,unit\n2026-10-01,12061,1\n", "diary.csv line 2"),  # short row
        ("day,food,amount,unit\n2026-10-01,12061,1,oz,extra\n", "diary.csv line 2"),  # extra cell
        ("day,food,amount,amount,unit\n2026-10-01,12061,1,500,oz\n", "diary.csv header"),
        ("day,food,amount,unit\n2026-10-01,12061,inf,oz\n", "diary.csv line 2, column amount"),
        ("day,food,amount,unit\n2026-10-01,12061,-1,oz\n", "diary.csv line 2, column amount"),
    ],
)
def test_bad_csv_names_line_and_column(text: str, field: str) -> None:
    with pytest.raises(InvalidInputError) as info:
        parse_diary_csv(text)
    assert info.value.field == field


def test_a_repeated_amount_column_is_an_error_not_a_second_reading() -> None:
    # Before: the second 'amount' replaced the first and 1 oz became 500 oz.
    with pytest.raises(InvalidInputError, match="each column once"):
        parse_diary_csv("day,food,amount,unit,amount\n2026-10-01,12061,1,oz,500\n")


def test_every_bad_line_is_reported_at_once() -> None:
    text = "day,food,amount,unit\nbad,12061,1,oz\n2026-10-01,12061,x,oz\n"
    with pytest.raises(InvalidInputError) as info:
        parse_diary_csv(text)
    assert [e.field for e in info.value.errors] == [
        "diary.csv line 2, column day",
        "diary.csv line 3, column amount",
    ]


def test_non_utf8_diary_names_the_byte() -> None:
    with pytest.raises(InvalidInputError, match="UTF-8"):
        parse_diary_csv(b"day,food,amount,unit\n2026-10-01,caf\xe9,1,g\n")


# ----------------------------------------------------------------------------- the intake policy


@pytest.mark.parametrize(
    ("intake", "ear", "lower_bound", "expected"),
    [
        (200.0, 255.0, False, 1.0),  # complete and below: low
        (300.0, 255.0, False, 0.0),  # complete and above: not low
        (255.0, 255.0, False, 0.0),  # at the EAR is not below it
        (300.0, 255.0, True, 0.0),  # a lower bound above the EAR: the true intake is higher still
        (200.0, 255.0, True, float("nan")),  # a lower bound below the EAR cannot tell
        (float("nan"), 255.0, False, float("nan")),  # no diary
        (200.0, float("nan"), False, float("nan")),  # no EAR (infants)
    ],
)
def test_the_one_low_intake_rule(intake, ear, lower_bound, expected) -> None:
    got = float(intake_below_ear(intake, ear, lower_bound=lower_bound))
    assert got == expected or (math.isnan(got) and math.isnan(expected))


def _person_with_diet(diet: list[dict], serum: float = 0.80) -> dict:
    return {
        "spec_version": 1,
        "person": {"age_years": 45, "sex": "male"},
        "labs": [
            {"name": "serum_magnesium", "value": serum, "unit": "mmol/L"},
            {"name": "creatinine", "value": 1.0, "unit": "mg/dL"},
        ],
        "diet": diet,
    }


def test_a_lower_bound_below_the_ear_does_not_resolve_the_grey_zone() -> None:
    # The reproduction: serum Mg 0.80 mmol/L and a diary holding SR28 01188, a food
    # without a magnesium value. The intake is a lower bound (~76 mg/day) below the EAR 350.
    doc = _person_with_diet(
        [
            {"food": "01188", "amount": {"value": 100, "unit": "g"}},
            {"food": "12061", "amount": {"value": 28, "unit": "g"}},
        ]
    )
    assessment = assess(parse_person(doc))
    assert assessment.intake.lower_bound is True
    assert assessment.intake.below_ear is None
    assert assessment.magnesium.status == "grey_zone"


def test_a_lower_bound_above_the_ear_decides_not_low() -> None:
    doc = _person_with_diet(
        [
            {"food": "01188", "amount": {"value": 100, "unit": "g"}},
            {"food": "12014", "amount": {"value": 100, "unit": "g"}},  # pumpkin seeds 592 mg
        ]
    )
    assessment = assess(parse_person(doc))
    assert assessment.intake.lower_bound is True
    assert assessment.intake.below_ear is False
    assert assessment.magnesium.status == "grey_zone"
    assert "neither points to deficiency" in " ".join(assessment.magnesium.basis)
