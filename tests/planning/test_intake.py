"""Diary intake: per entry, per day, mean over days, top foods; CSV diaries.

Golden arithmetic from SR28 values: almonds 270 mg/100 g (12061), spinach raw 79 (11457),
bananas raw 27 (09040), with 1 oz = 28.349523125 g and the SR28 portion weights named below.
"""

from __future__ import annotations

from datetime import date

import pytest

from mgir._errors import InvalidInputError
from mgir.planning import DiaryEntry, diary_intake, parse_diary_csv

D1, D2 = date(2026, 10, 1), date(2026, 10, 2)


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
    "text",
    [
        "food,amount\n12061,1\n",
        "day,food,amount,unit\n2026-13-01,12061,1,oz\n",
        "day,food,amount,unit\n2026-10-01,12061,one,oz\n",
    ],
)
def test_bad_csv(text: str) -> None:
    with pytest.raises(InvalidInputError):
        parse_diary_csv(text)
