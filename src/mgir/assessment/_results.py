"""Immutable results of the calculators (typed records; ``to_dict()`` is their JSON)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from mgir._records import Record
from mgir.reference import IndexCutoff

__all__ = ["CalculatorResult", "CutoffUsed", "IndexResult", "Notice"]


class Notice(Record):
    """Something a clinician must see: a code, a sentence for people, and its source keys.

    ``severity``: ``urgent`` (act now), ``block`` (no supplement), ``caution`` or ``info``.
    ``source`` holds ``;``-separated keys of the sources registry.
    """

    code: str
    message: str
    source: str
    severity: Literal["urgent", "block", "caution", "info"] = "caution"


class CalculatorResult(Record):
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
    inputs: dict[str, float] = Field(default_factory=dict)
    details: dict[str, Any] = Field(default_factory=dict)

    @classmethod
    def not_computed(
        cls, name: str, unit: str, reason: str, references: tuple[str, ...] = ()
    ) -> CalculatorResult:
        """A result that says why it has no value."""
        return cls(name=name, value=None, unit=unit, reason=reason, references=references)


class CutoffUsed(Record):
    """The cut-off an index was read against, with its population and evidence."""

    key: str
    value: float
    direction: str
    population: str
    evidence: str
    references: tuple[str, ...]

    @classmethod
    def of(cls, cutoff: IndexCutoff) -> CutoffUsed:
        """The record of a packaged cut-off."""
        return cls(
            key=cutoff.key,
            value=cutoff.cutoff,
            direction=cutoff.direction,
            population=cutoff.population,
            evidence=cutoff.evidence,
            references=cutoff.references,
        )


class IndexResult(CalculatorResult):
    """An insulin-resistance index with the cut-off it was read against.

    ``insulin_resistant`` is None when the index is not interpreted (no applicable cut-off, or
    a caveat such as insulin therapy that makes HOMA invalid).
    """

    cutoff: CutoffUsed | None = None
    insulin_resistant: bool | None = None

    @classmethod
    def not_computed_index(
        cls, name: str, unit: str, reason: str, references: tuple[str, ...] = ()
    ) -> IndexResult:
        """An index result that says why it has no value."""
        return cls(name=name, value=None, unit=unit, reason=reason, references=references)
