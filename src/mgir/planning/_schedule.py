"""Daily magnesium dose times that respect every drug timing rule.

Times are minutes after midnight on a 24-h clock that wraps around. A timing rule "drug at least
``before_h`` hours before or ``after_h`` hours after magnesium" allows a magnesium dose at minute
``m`` for a drug dose at minute ``d`` when, going forward in time,

* from the drug dose to the magnesium dose is at least ``before_h`` hours: ``(m - d) mod 1440``;
* from the magnesium dose to the next drug dose is at least ``after_h`` hours: ``(d - m) mod 1440``.

Example: dolutegravir at 08:00 (2 h before / 6 h after) allows magnesium from 10:00 to 02:00.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from mgir._errors import InvalidInputError

__all__ = [
    "DAY_MIN",
    "TimingConstraint",
    "allowed",
    "allowed_windows",
    "choose_times",
    "format_time",
    "parse_time",
]

DAY_MIN = 1440


@dataclass(frozen=True, slots=True)
class TimingConstraint:
    """One drug dose time with its timing rule (drug relative to magnesium), hours."""

    drug: str
    drug_time_min: int
    drug_before_mg_h: float
    drug_after_mg_h: float
    source: str


def parse_time(text: str, *, field: str = "medication_times") -> int:
    """Parse "HH:MM" (24-h clock) to minutes after midnight."""
    match = re.fullmatch(r"\s*(\d{1,2}):(\d{2})\s*", str(text))
    if not match or int(match.group(1)) > 23 or int(match.group(2)) > 59:
        raise InvalidInputError(field=field, value=text, allowed="a 24-h time HH:MM (00:00-23:59)")
    return int(match.group(1)) * 60 + int(match.group(2))


def format_time(minute: int) -> str:
    """Format minutes after midnight as "HH:MM"."""
    minute %= DAY_MIN
    return f"{minute // 60:02d}:{minute % 60:02d}"


def allowed(minute: int, constraints: Sequence[TimingConstraint]) -> bool:
    """Whether a magnesium dose at ``minute`` satisfies every constraint."""
    for c in constraints:
        after_drug = (minute - c.drug_time_min) % DAY_MIN
        before_next = (c.drug_time_min - minute) % DAY_MIN
        if after_drug < c.drug_before_mg_h * 60 or before_next < c.drug_after_mg_h * 60:
            return False
    return True


def allowed_windows(constraints: Sequence[TimingConstraint]) -> tuple[tuple[str, str], ...]:
    """Return the allowed magnesium times as inclusive ("HH:MM", "HH:MM") windows."""
    ok = [allowed(m, constraints) for m in range(DAY_MIN)]
    if all(ok):
        return (("00:00", "23:59"),)
    windows = []
    start = next(i for i in range(DAY_MIN) if not ok[i])  # begin scanning after a gap
    run: int | None = None
    for step in range(1, DAY_MIN + 1):
        m = (start + step) % DAY_MIN
        if ok[m] and run is None:
            run = m
        if not ok[m] and run is not None:
            windows.append((format_time(run), format_time(m - 1)))
            run = None
    if run is not None:
        windows.append((format_time(run), format_time(start - 1)))
    return tuple(windows)


def _distance(a: int, b: int) -> int:
    d = abs(a - b) % DAY_MIN
    return min(d, DAY_MIN - d)


def choose_times(
    n_doses: int,
    constraints: Sequence[TimingConstraint],
    *,
    preferred: Sequence[int],
    min_gap_min: int,
    step_min: int,
) -> tuple[int, ...] | None:
    """Pick ``n_doses`` allowed times close to the preferred ones, at least ``min_gap_min`` apart.

    Candidates are every ``step_min`` minutes (both numbers come from ``plan_policy.csv``).
    Returns None when no such set exists.
    """
    candidates = [m for m in range(0, DAY_MIN, step_min) if allowed(m, constraints)]
    chosen: list[int] = []
    for target in list(preferred)[:n_doses]:
        pool = [m for m in candidates if all(_distance(m, c) >= min_gap_min for c in chosen)]
        if not pool:
            return None
        chosen.append(min(pool, key=lambda m: (_distance(m, target), m)))
    if len(chosen) < n_doses:
        return None
    return tuple(sorted(chosen))
