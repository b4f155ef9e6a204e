"""Within-person and analytical variation of labs, to tell a real change between two results.

The two-point reference change value (95 %, two-sided) is ``1.96 · √2 · √(CVI² + CVA²)``
percent: a change smaller than it is within what the same person and the same assay produce
from week to week (``data/lab_variability.csv``; Fraser's formula).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cache
from typing import Final

from mgir.reference._tables import load_table

__all__ = ["Z_TWO_SIDED_95", "LabVariability", "lab_variability"]

Z_TWO_SIDED_95: Final[float] = 1.959963984540054
"""Standard normal quantile for a two-sided 95 % interval."""


@dataclass(frozen=True, slots=True)
class LabVariability:
    """Biological (CVI) and analytical (CVA) variation of one lab, in percent."""

    lab: str
    cvi_percent: float
    cva_percent: float
    source_keys: tuple[str, ...]
    evidence: str

    @property
    def measurement_log_sd(self) -> float:
        """SD of ln(measured / true value) of one result: ``√(ln(1 + CVI²) + ln(1 + CVA²))``.

        The log-normal SDs of the biological and analytical components, which add in variance.
        """
        return math.sqrt(
            sum(math.log1p((cv / 100.0) ** 2) for cv in (self.cvi_percent, self.cva_percent))
        )

    @property
    def reference_change_percent(self) -> float:
        """Smallest change (percent of the first result) beyond week-to-week variation, 95 %."""
        return Z_TWO_SIDED_95 * math.sqrt(2.0) * math.hypot(self.cvi_percent, self.cva_percent)


@cache
def _table() -> dict[str, LabVariability]:
    return {
        str(row["lab"]): LabVariability(
            lab=str(row["lab"]),
            cvi_percent=float(row["cvi_percent"]),
            cva_percent=float(row["cva_percent"]),
            source_keys=tuple(k.strip() for k in str(row["source_key"]).split(";")),
            evidence=str(row["evidence"]),
        )
        for row in load_table("lab_variability").rows
    }


def lab_variability(lab: str) -> LabVariability | None:
    """The variation of a lab, or None where mgir has no sourced value (e.g. serum Mg)."""
    return _table().get(lab)
