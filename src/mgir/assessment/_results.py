"""Immutable results of the calculators."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from mgir.reference import IndexCutoff

__all__ = ["CalculatorResult", "IndexResult"]


@dataclass(frozen=True, slots=True)
class CalculatorResult:
    """A computed value with its unit, interpretation and references.

    Attributes
    ----------
    name
        Machine name (``homa_ir``).
    value
        The result, or None when it could not be computed (then ``reason`` says why).
    unit
        Unit of ``value`` (``"1"`` for dimensionless indices).
    interpretation
        Words for people, or None.
    reason
        Why ``value`` is None.
    references
        Source keys of the formula and of any cut-off used.
    inputs
        The canonical inputs used, name -> value (canonical units).
    details
        Other named figures (e.g. the creatinine-only eGFR beside the combined one).
    """

    name: str
    value: float | None
    unit: str
    interpretation: str | None = None
    reason: str | None = None
    references: tuple[str, ...] = ()
    inputs: Mapping[str, float] = field(default_factory=lambda: MappingProxyType({}))
    details: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))

    @classmethod
    def not_computed(
        cls, name: str, unit: str, reason: str, references: tuple[str, ...] = ()
    ) -> CalculatorResult:
        """A result that says why it has no value."""
        return cls(name=name, value=None, unit=unit, reason=reason, references=references)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready mapping."""
        return {
            "value": self.value,
            "unit": self.unit,
            "interpretation": self.interpretation,
            "reason": self.reason,
            "inputs": dict(self.inputs),
            "details": dict(self.details),
            "references": list(self.references),
        }


@dataclass(frozen=True, slots=True)
class IndexResult(CalculatorResult):
    """An insulin-resistance index with the cut-off it was read against."""

    cutoff: IndexCutoff | None = None
    insulin_resistant: bool | None = None

    @classmethod
    def not_computed_index(
        cls, name: str, unit: str, reason: str, references: tuple[str, ...] = ()
    ) -> IndexResult:
        """An index result that says why it has no value."""
        return cls(name=name, value=None, unit=unit, reason=reason, references=references)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready mapping, with the cut-off and its population."""
        out = CalculatorResult.to_dict(self)
        out["insulin_resistant"] = self.insulin_resistant
        out["cutoff"] = (
            None
            if self.cutoff is None
            else {
                "key": self.cutoff.key,
                "value": self.cutoff.cutoff,
                "direction": self.cutoff.direction,
                "population": self.cutoff.population,
                "evidence": self.cutoff.evidence,
                "references": list(self.cutoff.references),
            }
        )
        return out
