"""Magnesium intake from a food diary.

Each entry (day, food, amount, unit) is resolved to exactly one SR28 food and a mass in grams
(:func:`mgir.reference.resolve_food`, :func:`mgir.reference.food_grams`); anything ambiguous or
unknown raises :class:`~mgir.InvalidInputError` that lists the candidates. Intake per day is the
sum over its entries; the usual intake is the mean over days (mg/day).
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any, Protocol

from mgir._errors import InvalidInputError
from mgir.reference import Food, food_grams, resolve_food

__all__ = [
    "DayIntake",
    "DiaryEntry",
    "DiaryEntryLike",
    "EntryIntake",
    "FoodContribution",
    "IntakeResult",
    "diary_intake",
    "parse_diary_csv",
]


class DiaryEntryLike(Protocol):
    """What a diary entry must provide (``mgir.assessment.DietEntry`` does)."""

    @property
    def day(self) -> date | None: ...
    @property
    def food(self) -> str: ...
    @property
    def amount_value(self) -> float: ...
    @property
    def amount_unit(self) -> str: ...


@dataclass(frozen=True, slots=True)
class DiaryEntry:
    """One diary line as written (day may be None: all undated entries form one day)."""

    day: date | None
    food: str
    amount_value: float
    amount_unit: str


@dataclass(frozen=True, slots=True)
class EntryIntake:
    """A resolved diary entry: the food, its mass (g) and its magnesium (mg; None if unknown)."""

    day: date | None
    given: str
    food: Food
    grams: float
    magnesium_mg: float | None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready mapping."""
        return {
            "day": None if self.day is None else self.day.isoformat(),
            "food": self.given,
            "ndb_id": self.food.ndb_id,
            "description": self.food.description,
            "grams": round(self.grams, 1),
            "magnesium_mg": None if self.magnesium_mg is None else round(self.magnesium_mg, 1),
        }


@dataclass(frozen=True, slots=True)
class DayIntake:
    """Magnesium eaten on one day, mg (sum of the entries with a known Mg value)."""

    day: date | None
    magnesium_mg: float
    complete: bool

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready mapping."""
        return {
            "day": None if self.day is None else self.day.isoformat(),
            "magnesium_mg": round(self.magnesium_mg, 1),
            "complete": self.complete,
        }


@dataclass(frozen=True, slots=True)
class FoodContribution:
    """A food's share of the diary's magnesium (total over all days, mg)."""

    ndb_id: str
    description: str
    magnesium_mg: float
    share: float

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready mapping."""
        return {
            "ndb_id": self.ndb_id,
            "description": self.description,
            "magnesium_mg": round(self.magnesium_mg, 1),
            "share": round(self.share, 3),
        }


@dataclass(frozen=True, slots=True)
class IntakeResult:
    """Magnesium intake from a diary.

    Attributes
    ----------
    mean_mg_per_day
        Mean over days of the daily totals, mg/day.
    top_foods
        Foods contributing most magnesium over the whole diary, largest first.
    foods_without_magnesium
        Foods eaten that SR28 has no magnesium value for (not counted as zero: the totals are
        then lower bounds and ``complete`` is False).
    """

    entries: tuple[EntryIntake, ...]
    days: tuple[DayIntake, ...]
    mean_mg_per_day: float
    top_foods: tuple[FoodContribution, ...]
    foods_without_magnesium: tuple[str, ...]
    complete: bool
    source_key: str = "usda_sr28"

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready mapping."""
        return {
            "mean_mg_per_day": round(self.mean_mg_per_day, 1),
            "days": [d.to_dict() for d in self.days],
            "entries": [e.to_dict() for e in self.entries],
            "top_foods": [f.to_dict() for f in self.top_foods],
            "foods_without_magnesium": list(self.foods_without_magnesium),
            "complete": self.complete,
            "source": self.source_key,
        }


def diary_intake(entries: Iterable[DiaryEntryLike], *, top: int = 5) -> IntakeResult:
    """Compute magnesium intake from diary entries.

    Parameters
    ----------
    entries
        Diary entries (``day``, ``food``, ``amount_value``, ``amount_unit``). ``food`` is an
        SR28 NDB number or a description that resolves to exactly one food; the amount is a mass
        (g, oz, lb) or one of the food's household portions ("cup, whole", "tbsp").
    top
        How many top-contributing foods to report.

    Returns
    -------
    IntakeResult
        Per entry, per day, the mean over days (mg/day) and the top foods.

    Raises
    ------
    InvalidInputError
        Empty diary; an unknown or ambiguous food (candidates listed); a portion the food does
        not have (its portions listed); a non-positive amount.
    """
    resolved: list[EntryIntake] = []
    for i, entry in enumerate(entries):
        item = resolve_food(entry.food, field=f"diet[{i}].food")
        grams = food_grams(item, entry.amount_value, entry.amount_unit, field=f"diet[{i}].amount")
        resolved.append(
            EntryIntake(
                day=entry.day,
                given=entry.food,
                food=item,
                grams=grams,
                magnesium_mg=item.magnesium_mg(grams),
            )
        )
    if not resolved:
        raise InvalidInputError(field="diet", value=[], allowed="at least one diary entry")
    by_day: dict[date | None, list[EntryIntake]] = {}
    for done in resolved:
        by_day.setdefault(done.day, []).append(done)
    days = tuple(
        DayIntake(
            day=day,
            magnesium_mg=math.fsum(e.magnesium_mg or 0.0 for e in items),
            complete=all(e.magnesium_mg is not None for e in items),
        )
        for day, items in sorted(by_day.items(), key=lambda kv: (kv[0] is None, kv[0] or date.min))
    )
    totals: dict[str, float] = {}
    for done in resolved:
        if done.magnesium_mg is not None:
            totals[done.food.ndb_id] = totals.get(done.food.ndb_id, 0.0) + done.magnesium_mg
    grand = math.fsum(totals.values())
    names = {e.food.ndb_id: e.food.description for e in resolved}
    ranked = sorted(totals.items(), key=lambda kv: (-kv[1], kv[0]))[:top]
    missing = tuple(dict.fromkeys(e.food.description for e in resolved if e.magnesium_mg is None))
    return IntakeResult(
        entries=tuple(resolved),
        days=days,
        mean_mg_per_day=math.fsum(d.magnesium_mg for d in days) / len(days),
        top_foods=tuple(
            FoodContribution(ndb, names[ndb], mg, mg / grand if grand > 0 else 0.0)
            for ndb, mg in ranked
        ),
        foods_without_magnesium=missing,
        complete=not missing,
    )


def parse_diary_csv(text: str) -> tuple[DiaryEntry, ...]:
    """Parse a diary CSV with columns ``day, food, amount, unit`` (day ISO date or empty).

    Raises
    ------
    InvalidInputError
        Missing columns, a bad date or a non-numeric amount (the row is named).
    """
    reader = csv.DictReader(io.StringIO(text))
    needed = ("day", "food", "amount", "unit")
    header = tuple(h.strip().lower() for h in (reader.fieldnames or ()))
    if not set(needed) <= set(header):
        raise InvalidInputError(
            field="diary.csv header", value=list(header), allowed="columns day, food, amount, unit"
        )
    out = []
    for line, raw in enumerate(reader, start=2):
        row = {k.strip().lower(): (v or "").strip() for k, v in raw.items() if k is not None}
        day: date | None = None
        if row["day"]:
            try:
                day = date.fromisoformat(row["day"])
            except ValueError:
                raise InvalidInputError(
                    field=f"diary.csv line {line}: day",
                    value=row["day"],
                    allowed="an ISO date (2026-10-01) or empty",
                ) from None
        try:
            amount = float(row["amount"])
        except ValueError:
            raise InvalidInputError(
                field=f"diary.csv line {line}: amount", value=row["amount"], allowed="a number"
            ) from None
        out.append(
            DiaryEntry(day=day, food=row["food"], amount_value=amount, amount_unit=row["unit"])
        )
    return tuple(out)
