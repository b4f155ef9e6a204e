"""Dietary magnesium intake for the assessment, from the person's food diary."""

from __future__ import annotations

import sys

from mgir.assessment import Person
from mgir.planning import diary_intake

__all__ = ["dietary_intake_mg_per_day"]


def dietary_intake_mg_per_day(person: Person) -> float | None:
    """Mean daily magnesium intake (mg/day) from the person's diary, or None.

    None without a diary, and None (with a note on stderr) when a food in the diary has no
    magnesium value in SR28: the total would then be a lower bound, which cannot decide the
    grey zone.
    """
    if not person.diet:
        return None
    intake = diary_intake(person.diet)
    if not intake.complete:
        missing = ", ".join(intake.foods_without_magnesium)
        print(
            f"note: no magnesium value in SR28 for {missing}; the diary's intake "
            f"({intake.mean_mg_per_day:.0f} mg/day) is a lower bound and is not used to "
            "assess magnesium status",
            file=sys.stderr,
        )
        return None
    return intake.mean_mg_per_day
