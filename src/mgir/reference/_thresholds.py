"""Typed access to clinical thresholds: magnesium bands, index cut-offs, eGFR stages."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, TypeVar

import numpy as np
import numpy.typing as npt

from mgir._errors import InvalidInputError
from mgir.reference._tables import load_table

__all__ = [
    "Band",
    "IndexCutoff",
    "band_for",
    "bands_from_table",
    "egfr_categories",
    "index_cutoff",
    "index_cutoffs",
    "magnesium_marker_bands",
    "serum_magnesium_bands",
]

Value = TypeVar("Value", float, "npt.NDArray[np.float64]")
"""A float, or an array of them (bands apply element-wise)."""
IndexName = Literal["homa_ir", "quicki", "tyg", "matsuda"]


@dataclass(frozen=True, slots=True)
class Band:
    """An interval with its meaning and sources; by default ``[lower, upper)``."""

    code: str
    lower: float
    upper: float
    unit: str
    description: str
    evidence: str
    references: tuple[str, ...]
    lower_inclusive: bool = True
    upper_inclusive: bool = False

    def contains(self, value: Value) -> Value:
        """Whether ``value`` (in ``unit``; a float or a NumPy array) lies in the band."""
        above = value >= self.lower if self.lower_inclusive else value > self.lower
        below = value <= self.upper if self.upper_inclusive else value < self.upper
        return above & below  # type: ignore[return-value]  # bool or bool array by input


@dataclass(frozen=True, slots=True)
class IndexCutoff:
    """An insulin-resistance cut-off tied to its population.

    ``direction``: ``ge`` (resistant if value >= cutoff), ``le`` (<=) or ``lt`` (<).
    """

    index: str
    key: str
    cutoff: float
    direction: str
    population: str
    method: str
    is_default: bool
    applicable: bool
    evidence: str
    references: tuple[str, ...]

    def indicates_resistance(self, value: float) -> bool:
        """Whether ``value`` is on the insulin-resistant side of the cut-off."""
        if self.direction == "ge":
            return value >= self.cutoff
        if self.direction == "le":
            return value <= self.cutoff
        return value < self.cutoff


def bands_from_table(
    table: str, lower: str, upper: str, *, unit: str | None = None, **match: str
) -> tuple[Band, ...]:
    """Bands of the rows of ``table`` whose columns equal ``match``.

    ``unit`` defaults to the row's own ``unit`` column.
    """
    return tuple(
        Band(
            code=row["code"],
            lower=row[lower],
            upper=row[upper],
            unit=unit if unit is not None else row["unit"],
            description=row["description"],
            evidence=row["evidence"],
            references=tuple(row["source_key"].split(";")),
            lower_inclusive=row.get("lower_inclusive", True),
            upper_inclusive=row.get("upper_inclusive", False),
        )
        for row in load_table(table).rows
        if all(row[column] == value for column, value in match.items())
    )


def serum_magnesium_bands(kind: Literal["status", "severity"] = "status") -> tuple[Band, ...]:
    """Serum magnesium bands (mmol/L): ``status`` partitions, ``severity`` adds symptoms."""
    return bands_from_table(
        "serum_magnesium_bands", "lower_mmol_per_l", "upper_mmol_per_l", unit="mmol/L", kind=kind
    )


def magnesium_marker_bands(marker: Literal["rbc_magnesium", "fe_magnesium"]) -> tuple[Band, ...]:
    """Bands for RBC magnesium (mmol/L) or fractional excretion of magnesium (%)."""
    return bands_from_table("magnesium_markers", "lower", "upper", marker=marker)


def egfr_categories() -> tuple[Band, ...]:
    """KDIGO GFR categories G1-G5 in mL/min/1.73 m²."""
    return bands_from_table(
        "egfr_categories", "lower_ml_min_1_73m2", "upper_ml_min_1_73m2", unit="mL/min/1.73 m²"
    )


def band_for(bands: tuple[Band, ...], value: float) -> Band | None:
    """The first band containing ``value``, or None."""
    return next((band for band in bands if bool(band.contains(value))), None)


def index_cutoffs(index: IndexName) -> tuple[IndexCutoff, ...]:
    """Every packaged cut-off for one index, default first."""
    rows = [r for r in load_table("insulin_resistance_cutoffs").rows if r["index"] == index]
    rows.sort(key=lambda r: not r["is_default"])
    return tuple(
        IndexCutoff(
            index=r["index"],
            key=r["key"],
            cutoff=r["cutoff"],
            direction=r["direction"],
            population=r["population"],
            method=r["method"],
            is_default=r["is_default"],
            applicable=r["applicable"],
            evidence=r["evidence"],
            references=tuple(r["source_key"].split(";")),
        )
        for r in rows
    )


def index_cutoff(index: IndexName, key: str | None = None) -> IndexCutoff:
    """The cut-off ``key`` for ``index``, or the default when ``key`` is None.

    Raises
    ------
    InvalidInputError
        If ``key`` is not a packaged cut-off of that index.
    """
    options = index_cutoffs(index)
    if key is None:
        return options[0]
    for option in options:
        if option.key == key:
            return option
    raise InvalidInputError(
        field=f"{index}_cutoff",
        value=key,
        allowed="one of " + ", ".join(option.key for option in options),
    )
