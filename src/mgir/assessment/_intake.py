"""Magnesium intake from a food diary, and the one rule that calls an intake low.

Each entry (day, food, amount, unit) is resolved to exactly one SR28 food and a mass in grams
(:func:`mgir.reference.resolve_food`, :func:`mgir.reference.food_grams`); anything ambiguous or
unknown raises :class:`~mgir.InvalidInputError` that lists the candidates. Intake per day is the
sum over its entries; the usual intake is the mean over days (mg/day).

**The intake policy, decided once here** (:func:`intake_below_ear`, used by the assessment, the
plan and the table assessment alike). A food without an SR28 magnesium value is not counted as
zero: the diary's intake is then a *lower bound*. Low intake means below the EAR of the life stage
(the EAR cut-point method, source ``ear_cut_point``):

* a complete diary is low when its mean is below the EAR;
* a lower bound at or above the EAR is *not low* (the true intake is at least that);
* a lower bound below the EAR cannot decide (``None``);
* without a diary, or for a life stage without an EAR (infants: the AI cannot judge
  inadequacy), it cannot decide either.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Iterable, Sequence
from datetime import date

import numpy as np
import numpy.typing as npt

from mgir._errors import InvalidInputError, InvalidInputErrors
from mgir._records import Record
from mgir._text import decode_utf8
from mgir.assessment._person import DietEntry
from mgir.reference import food_grams, resolve_food

__all__ = [
    "DayIntake",
    "DietaryIntake",
    "EntryIntake",
    "FoodContribution",
    "IntakeResult",
    "diary_intake",
    "dietary_intake",
    "intake_below_ear",
    "parse_diary_csv",
]


class EntryIntake(Record):
    """A resolved diary entry: the SR28 food, its mass (g) and its Mg (mg; None if unknown)."""

    day: date | None
    food: str
    ndb_id: str
    description: str
    grams: float
    magnesium_mg: float | None


class DayIntake(Record):
    """Magnesium eaten on one day, mg (sum of the entries with a known Mg value)."""

    day: date | None
    magnesium_mg: float
    complete: bool


class FoodContribution(Record):
    """A food's share of the diary's magnesium (total over all days, mg)."""

    ndb_id: str
    description: str
    magnesium_mg: float
    share: float


class IntakeResult(Record):
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
    source: str = "usda_sr28"


def diary_intake(entries: Iterable[DietEntry], *, top: int = 5) -> IntakeResult:
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
        not have (its portions listed); a non-positive amount. Every bad entry is reported.
    """
    resolved: list[EntryIntake] = []
    errors: list[InvalidInputError] = []
    for i, entry in enumerate(entries):
        try:
            item = resolve_food(entry.food, field=f"diet[{i}].food")
            grams = food_grams(
                item, entry.amount_value, entry.amount_unit, field=f"diet[{i}].amount"
            )
        except InvalidInputError as exc:
            errors.extend(exc.errors)
            continue
        resolved.append(
            EntryIntake(
                day=entry.day,
                food=entry.food,
                ndb_id=item.ndb_id,
                description=item.description,
                grams=grams,
                magnesium_mg=item.magnesium_mg(grams),
            )
        )
    InvalidInputErrors.raise_if_any(errors)
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
            totals[done.ndb_id] = totals.get(done.ndb_id, 0.0) + done.magnesium_mg
    grand = math.fsum(totals.values())
    names = {e.ndb_id: e.description for e in resolved}
    ranked = sorted(totals.items(), key=lambda kv: (-kv[1], kv[0]))[:top]
    missing = tuple(dict.fromkeys(e.description for e in resolved if e.magnesium_mg is None))
    return IntakeResult(
        entries=tuple(resolved),
        days=days,
        mean_mg_per_day=math.fsum(d.magnesium_mg for d in days) / len(days),
        top_foods=tuple(
            FoodContribution(
                ndb_id=ndb,
                description=names[ndb],
                magnesium_mg=mg,
                share=mg / grand if grand > 0 else 0.0,
            )
            for ndb, mg in ranked
        ),
        foods_without_magnesium=missing,
        complete=not missing,
    )


def intake_below_ear(
    intake_mg_per_day: npt.ArrayLike,
    ear_mg_per_day: npt.ArrayLike,
    *,
    lower_bound: npt.ArrayLike = False,
) -> npt.NDArray[np.float64]:
    """The one low-intake rule, element-wise: 1.0 (below the EAR), 0.0 (not), NaN (cannot tell).

    Parameters
    ----------
    intake_mg_per_day
        Usual dietary magnesium (mg/day); NaN where unknown.
    ear_mg_per_day
        EAR of the life stage (mg/day); NaN where there is none (infants).
    lower_bound
        Whether the intake is only a lower bound (a diary food without an SR28 value).

    Notes
    -----
    EAR cut-point method (source ``ear_cut_point``). A lower bound at or above the EAR is not
    low; a lower bound below it decides nothing.
    """
    intake = np.asarray(intake_mg_per_day, dtype=float)
    ear = np.asarray(ear_mg_per_day, dtype=float)
    bound = np.asarray(lower_bound, dtype=bool)
    known = np.isfinite(intake) & np.isfinite(ear)
    below = known & (intake < ear)
    out = np.where(known, below.astype(float), np.nan)
    out = np.where(known & bound & below, np.nan, out)
    return np.asarray(out, dtype=float)


class DietaryIntake(Record):
    """The person's usual dietary magnesium intake, as every decision in mgir reads it.

    Attributes
    ----------
    mean_mg_per_day
        Mean of the food diary, mg/day (None without a diary).
    lower_bound
        True when a diary food has no SR28 magnesium value (not counted: the mean is a lower
        bound).
    ear_mg_per_day
        EAR of the life stage, mg/day (None for infants).
    below_ear
        The low-intake verdict: True, False, or None when it cannot be decided
        (:func:`intake_below_ear`).
    basis
        One sentence saying how the verdict was reached.
    diary
        The diary computation (entries, days, top foods), when there is a diary.
    """

    mean_mg_per_day: float | None
    lower_bound: bool
    ear_mg_per_day: float | None
    below_ear: bool | None
    basis: str
    diary: IntakeResult | None = None
    references: tuple[str, ...] = ()


def dietary_intake(
    diet: Sequence[DietEntry], *, ear_mg_per_day: float | None, life_stage: str
) -> DietaryIntake:
    """The person's intake from their diary, with the verdict of :func:`intake_below_ear`."""
    if not diet:
        return DietaryIntake(
            mean_mg_per_day=None,
            lower_bound=False,
            ear_mg_per_day=ear_mg_per_day,
            below_ear=None,
            basis="no food diary: intake unknown",
        )
    result = diary_intake(diet)
    mean = result.mean_mg_per_day
    bound = not result.complete
    verdict = intake_below_ear(
        mean, math.nan if ear_mg_per_day is None else ear_mg_per_day, lower_bound=bound
    )
    below = None if math.isnan(float(verdict)) else bool(verdict)
    at_least = "at least " if bound else ""
    if ear_mg_per_day is None:
        basis = (
            f"intake {at_least}{mean:.0f} mg/day; {life_stage} has no EAR (the AI cannot judge "
            "inadequacy)"
        )
    elif below is None:
        basis = (
            f"intake is at least {mean:.0f} mg/day (no SR28 magnesium value for "
            + "; ".join(result.foods_without_magnesium)
            + f"): a lower bound below the EAR {ear_mg_per_day:g} mg/day cannot tell "
            "whether intake is low"
        )
    else:
        side = "below" if below else "at or above"
        basis = (
            f"intake {at_least}{mean:.0f} mg/day is {side} the EAR {ear_mg_per_day:g} mg/day "
            "(EAR cut-point method)"
        )
    return DietaryIntake(
        mean_mg_per_day=mean,
        lower_bound=bound,
        ear_mg_per_day=ear_mg_per_day,
        below_ear=below,
        basis=basis,
        diary=result,
        references=("ear_cut_point", "usda_sr28"),
    )


_DIARY_COLUMNS = ("day", "food", "amount", "unit")


def parse_diary_csv(content: str | bytes, *, name: str = "diary.csv") -> tuple[DietEntry, ...]:
    """Parse a diary CSV with columns ``day, food, amount, unit`` (day an ISO date or empty).

    Every problem is reported at once, by line and column: missing or repeated columns, a row
    with too few or too many cells, a bad date, an amount that is not a positive number, text
    that is not UTF-8. A header without rows is an error (an empty diary).

    Raises
    ------
    InvalidInputError
        Naming the line and the column.
    """
    text = (
        decode_utf8(content, field=name)
        if isinstance(content, bytes)
        else content.removeprefix("\ufeff")
    )
    rows = list(csv.reader(io.StringIO(text)))
    if not rows:
        raise InvalidInputError(
            field=f"{name} header", value="", allowed="columns day, food, amount, unit"
        )
    header = [h.strip().lower() for h in rows[0]]
    errors: list[InvalidInputError] = []
    repeated = sorted({h for h in header if header.count(h) > 1 and h})
    if repeated:
        errors.append(
            InvalidInputError(
                field=f"{name} header",
                value=repeated,
                allowed="each column once (a repeated column would hide the first)",
            )
        )
    unknown = [h for h in header if h not in _DIARY_COLUMNS]
    missing = [c for c in _DIARY_COLUMNS if c not in header]
    if unknown or missing:
        errors.append(
            InvalidInputError(
                field=f"{name} header",
                value=rows[0],
                allowed="exactly the columns day, food, amount, unit"
                + (f" (missing {', '.join(missing)})" if missing else "")
                + (f" (unknown {', '.join(unknown)})" if unknown else ""),
            )
        )
    InvalidInputErrors.raise_if_any(errors)
    index = {h: header.index(h) for h in _DIARY_COLUMNS}
    out: list[DietEntry] = []
    body = [(n, r) for n, r in enumerate(rows[1:], start=2) if any(c.strip() for c in r)]
    if not body:
        raise InvalidInputError(field=name, value="header only", allowed="at least one diary row")
    for line, row in body:
        if len(row) != len(header):
            errors.append(
                InvalidInputError(
                    field=f"{name} line {line}",
                    value=row,
                    allowed=f"{len(header)} cells, one per column (got {len(row)})",
                )
            )
            continue
        cells = {c: row[index[c]].strip() for c in _DIARY_COLUMNS}
        day: date | None = None
        if cells["day"]:
            try:
                day = date.fromisoformat(cells["day"])
            except ValueError:
                errors.append(
                    InvalidInputError(
                        field=f"{name} line {line}, column day",
                        value=cells["day"],
                        allowed="an ISO date (2026-10-01) or empty",
                    )
                )
        try:
            amount = float(cells["amount"])
        except ValueError:
            amount = math.nan
        if not (math.isfinite(amount) and amount > 0):
            errors.append(
                InvalidInputError(
                    field=f"{name} line {line}, column amount",
                    value=cells["amount"],
                    unit=cells["unit"] or None,
                    allowed="a number > 0",
                )
            )
        if not cells["food"]:
            errors.append(
                InvalidInputError(
                    field=f"{name} line {line}, column food",
                    value="",
                    allowed="an NDB number or a food description",
                )
            )
        if not cells["unit"]:
            errors.append(
                InvalidInputError(
                    field=f"{name} line {line}, column unit",
                    value="",
                    allowed="a mass unit (g, oz) or a household portion of the food (cup, tbsp)",
                )
            )
        if len(errors) == 0 or not any(e.field.startswith(f"{name} line {line}") for e in errors):
            out.append(
                DietEntry(
                    day=day, food=cells["food"], amount_value=amount, amount_unit=cells["unit"]
                )
            )
    InvalidInputErrors.raise_if_any(errors)
    return tuple(out)
