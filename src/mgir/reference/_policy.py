"""Clinical policy as data: plan numbers, dose times, the monitoring schedule, index caveats.

Every number a plan rule uses lives in a packaged table row with a source key (``mgir_plan_rules``
where it is an mgir engineering choice): ``plan_policy.csv``, ``dose_times.csv``,
``monitoring.csv`` and ``index_caveats.csv``. Editing a row changes what the plan does; nothing
here restates a number.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Literal

from mgir._errors import ReferenceDataError
from mgir.reference._tables import load_table
from mgir.reference._thresholds import Band, bands_from_table
from mgir.units import ureg

__all__ = [
    "IndexCaveat",
    "MonitoringRule",
    "NamedValue",
    "formula_constant",
    "glycaemic_categories",
    "index_caveats",
    "monitoring_rules",
    "policy",
    "preferred_dose_times",
]


@dataclass(frozen=True, slots=True)
class NamedValue:
    """A named number with its unit and sources (``plan_policy`` or ``formula_constants``)."""

    key: str
    value: float
    unit: str
    description: str
    evidence: str
    source_key: str

    def to(self, unit: str) -> float:
        """The value converted to ``unit`` (pint; no conversion when the unit is already that)."""
        if unit == self.unit:
            return self.value
        return float(ureg.Quantity(self.value, self.unit).to(unit).magnitude)


@cache
def _named_values(table: str) -> dict[str, NamedValue]:
    return {
        row["key"]: NamedValue(
            key=row["key"],
            value=row["value"],
            unit=row["unit"],
            description=row["description"],
            evidence=row["evidence"],
            source_key=row["source_key"],
        )
        for row in load_table(table).rows
    }


def _named(table: str, key: str) -> NamedValue:
    try:
        return _named_values(table)[key]
    except KeyError:
        raise ReferenceDataError(f"{table}.csv has no row {key!r}") from None


def formula_constant(key: str) -> NamedValue:
    """A constant of a published formula (``homa_ir_denominator``, ``bedside_schwartz_k``, …)."""
    return _named("formula_constants", key)


def policy(key: str) -> NamedValue:
    """The policy number ``key`` (``default_elemental_mg_per_day``, ``split_above_mg_per_day``, …).

    Raises
    ------
    ReferenceDataError
        If the table has no such row (a bug in mgir, not the user's input).
    """
    return _named("plan_policy", key)


@cache
def preferred_dose_times(doses_per_day: int) -> tuple[str, ...]:
    """Preferred clock times ("HH:MM") for ``doses_per_day`` doses (``dose_times.csv``)."""
    rows = sorted(
        (r for r in load_table("dose_times").rows if r["doses_per_day"] == doses_per_day),
        key=lambda r: r["dose"],
    )
    if len(rows) != doses_per_day:
        raise ReferenceDataError(f"dose_times.csv has no complete row set for {doses_per_day}")
    return tuple(r["time"] for r in rows)


@dataclass(frozen=True, slots=True)
class MonitoringRule:
    """One row of the monitoring schedule (``monitoring.csv``).

    Attributes
    ----------
    trigger
        When the row applies (closed vocabulary; see the table's description).
    labs
        What to measure (canonical lab names, or ``ecg``/``height``).
    due_min_days, due_max_days, repeat_days
        Due window from the plan's date (days) and repeat interval (None = once).
    """

    rule_id: str
    trigger: str
    labs: tuple[str, ...]
    when: str
    due_min_days: int
    due_max_days: int
    repeat_days: int | None
    urgent: bool
    why: str
    evidence: str
    source_key: str


@cache
def monitoring_rules() -> tuple[MonitoringRule, ...]:
    """Every monitoring row, in table order."""
    out = []
    for row in load_table("monitoring").rows:
        if row["due_max_days"] < row["due_min_days"]:
            raise ReferenceDataError(f"monitoring.csv {row['rule_id']}: due_max < due_min")
        out.append(
            MonitoringRule(
                rule_id=row["rule_id"],
                trigger=row["trigger"],
                labs=tuple(lab.strip() for lab in row["lab"].split(";") if lab.strip()),
                when=row["when"],
                due_min_days=row["due_min_days"],
                due_max_days=row["due_max_days"],
                repeat_days=row["repeat_days"],
                urgent=row["urgent"],
                why=row["why"],
                evidence=row["evidence"],
                source_key=row["source_key"],
            )
        )
    return tuple(out)


@dataclass(frozen=True, slots=True)
class IndexCaveat:
    """When the HOMA family is not interpreted, or is read with a caveat (``index_caveats.csv``)."""

    rule_id: str
    index: str
    kind: Literal["condition", "medicine", "age_below"]
    match: tuple[str, ...]
    effect: Literal["not_interpreted", "caveat"]
    message: str
    evidence: str
    source_key: str


@cache
def index_caveats() -> tuple[IndexCaveat, ...]:
    """Every index caveat row."""
    out = []
    for row in load_table("index_caveats").rows:
        if row["kind"] not in ("condition", "medicine", "age_below"):
            raise ReferenceDataError(f"index_caveats.csv {row['rule_id']}: kind {row['kind']!r}")
        if row["effect"] not in ("not_interpreted", "caveat"):
            raise ReferenceDataError(
                f"index_caveats.csv {row['rule_id']}: effect {row['effect']!r}"
            )
        out.append(
            IndexCaveat(
                rule_id=row["rule_id"],
                index=row["index"],
                kind=row["kind"],
                match=tuple(m.strip().lower() for m in row["match"].split(";") if m.strip()),
                effect=row["effect"],
                message=row["message"],
                evidence=row["evidence"],
                source_key=row["source_key"],
            )
        )
    return tuple(out)


def glycaemic_categories(analyte: Literal["hba1c", "fasting_glucose"]) -> tuple[Band, ...]:
    """ADA glycaemic categories for HbA1c (%) or fasting plasma glucose (mmol/L)."""
    return bands_from_table("glycaemic_categories", "lower", "upper", analyte=analyte)
