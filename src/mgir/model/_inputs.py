"""Model inputs: magnesium salts and supplement regimens (piecewise-constant doses)."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from types import MappingProxyType

import numpy as np
from numpy.typing import NDArray

from mgir._errors import InvalidInputError
from mgir.model._tables import load_model_table
from mgir.reference import MG_G_PER_MOL, resolve_salt

__all__ = [
    "DoseSegment",
    "Regimen",
    "SaltInfo",
    "model_salt_name",
    "salt_info",
    "salt_names",
]

FloatArray = NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class SaltInfo:
    """Absorption class of one salt (row of ``data/salts.csv``)."""

    salt: str
    absorption_class: str
    relative_bioaccessibility: float
    lower: float
    upper: float
    source_keys: tuple[str, ...]
    evidence: str


@cache
def _salts() -> Mapping[str, SaltInfo]:
    table = load_model_table("salts")
    return MappingProxyType(
        {
            str(r["salt"]): SaltInfo(
                salt=str(r["salt"]),
                absorption_class=str(r["absorption_class"]),
                relative_bioaccessibility=float(r["relative_bioaccessibility"]),
                lower=float(r["lower"]),
                upper=float(r["upper"]),
                source_keys=tuple(k.strip() for k in str(r["source_key"]).split(";")),
                evidence=str(r["evidence"]),
            )
            for r in table.rows
        }
    )


def salt_names() -> tuple[str, ...]:
    """Salt names the model knows (lower case), ``food`` excluded."""
    return tuple(s for s in _salts() if s != "food")


def salt_info(salt: str) -> SaltInfo:
    """Return the absorption class of ``salt`` (case and surrounding spaces ignored).

    Raises
    ------
    InvalidInputError
        If the salt is unknown.
    """
    key = " ".join(str(salt).strip().lower().split())
    if key in _salts():
        return _salts()[key]
    raise InvalidInputError(field="salt", value=salt, allowed=f"one of {', '.join(salt_names())}")


def model_salt_name(name: str, *, field: str = "salt") -> str:
    """The model's salt for any name the knowledge base resolves.

    "Epsom salt", "trimagnesium dicitrate (anhydrous)", "magnesium glycinate", ... map to the
    model's salt of the same anion, which sets the absorption class.
    """
    match = resolve_salt(name, field=field)
    return "magnesium " + match.salt.salt_id.split("_")[0]


@dataclass(frozen=True, slots=True)
class DoseSegment:
    """A constant daily supplement dose from ``start_day`` (inclusive) to ``end_day`` (exclusive).

    ``elemental_mg_per_day`` is elemental magnesium (not salt mass), a scalar or one value per
    subject.
    """

    salt: str
    elemental_mg_per_day: float | FloatArray
    start_day: float = 0.0
    end_day: float = math.inf

    def __post_init__(self) -> None:
        salt_info(self.salt)
        dose = np.asarray(self.elemental_mg_per_day, dtype=float)
        if (
            dose.ndim > 1
            or not np.all(np.isfinite(dose))
            or np.any(dose < 0)
            or np.any(dose > 5000)
        ):
            raise InvalidInputError(
                field="elemental_mg_per_day",
                value=self.elemental_mg_per_day,
                unit="mg/day",
                allowed=">= 0 and <= 5000 (scalar or 1-D)",
            )
        if not (self.start_day >= 0 and self.end_day > self.start_day):
            raise InvalidInputError(
                field="dose segment",
                value=(self.start_day, self.end_day),
                unit="day",
                allowed="0 <= start_day < end_day",
            )


@dataclass(frozen=True, slots=True)
class Regimen:
    """Supplement regimen: dose segments that may overlap (doses add)."""

    segments: tuple[DoseSegment, ...] = ()

    @classmethod
    def none(cls) -> Regimen:
        """No supplement."""
        return cls(())

    @classmethod
    def constant(
        cls,
        salt: str,
        elemental_mg_per_day: float | FloatArray,
        start_day: float = 0.0,
        end_day: float = math.inf,
    ) -> Regimen:
        """One salt at a constant daily elemental dose."""
        return cls((DoseSegment(salt, elemental_mg_per_day, start_day, end_day),))

    def breakpoints(self) -> tuple[float, ...]:
        """Days at which the dose changes."""
        pts = {s.start_day for s in self.segments} | {
            s.end_day for s in self.segments if math.isfinite(s.end_day)
        }
        return tuple(sorted(pts))

    def supplement_mmol_per_day(
        self, t_day: float, n_subjects: int
    ) -> tuple[FloatArray, FloatArray]:
        """Total and bioaccessible supplement Mg at day ``t_day``, each shape ``(n_subjects,)``.

        The bioaccessible part is the dose times the salt's relative bioaccessibility; it is what
        enters the saturable + linear absorption together with food Mg.
        """
        total = np.zeros(n_subjects)
        accessible = np.zeros(n_subjects)
        for seg in self.segments:
            if seg.start_day <= t_day < seg.end_day:
                dose = (
                    np.broadcast_to(
                        np.asarray(seg.elemental_mg_per_day, dtype=float), (n_subjects,)
                    )
                    / MG_G_PER_MOL
                )
                total = total + dose
                accessible = accessible + dose * salt_info(seg.salt).relative_bioaccessibility
        return total, accessible

    def take(self, subjects: slice) -> Regimen:
        """Return the regimen of a slice of subjects (per-subject dose arrays are sliced)."""
        return Regimen(
            tuple(
                DoseSegment(
                    s.salt,
                    s.elemental_mg_per_day
                    if np.ndim(s.elemental_mg_per_day) == 0
                    else np.asarray(s.elemental_mg_per_day, dtype=float)[subjects],
                    s.start_day,
                    s.end_day,
                )
                for s in self.segments
            )
        )

    def describe(self) -> list[dict[str, object]]:
        """JSON-ready description (for provenance)."""
        return [
            {
                "salt": s.salt,
                "elemental_mg_per_day": np.asarray(s.elemental_mg_per_day).tolist(),
                "start_day": s.start_day,
                "end_day": s.end_day if math.isfinite(s.end_day) else None,
            }
            for s in self.segments
        ]
