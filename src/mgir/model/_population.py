"""Labs a person does not have, from the population they belong to.

Without a serum Mg lab the model used to start a person from the reference adult's steady state
(about 0.86 mmol/L, above the renal threshold), so that a supplement barely acted. A missing
serum Mg now comes from the distribution of serum Mg in the person's population: type 2
diabetes, prediabetes, PCOS or adults without these, by sex (``data/population_serum_mg.csv``,
every number with its source). :func:`mgir.model.simulate_person` draws each parameter draw's
serum Mg from it, so the band carries that spread.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from typing import Final

import numpy as np
from numpy.typing import NDArray

from mgir._errors import InvalidInputError
from mgir.model._steady_state import LAB_BOUNDS
from mgir.model._tables import load_model_table

__all__ = ["POPULATIONS", "SerumMgPrior", "population_serum_mg"]

FloatArray = NDArray[np.float64]

POPULATIONS: Final[tuple[str, ...]] = ("t2d", "prediabetes", "pcos", "adult")
"""In order of precedence: a person with several conditions belongs to the first that applies."""


@dataclass(frozen=True, slots=True)
class SerumMgPrior:
    """Normal distribution of serum Mg (mmol/L) in a population.

    Attributes
    ----------
    population, sex
        The row of ``population_serum_mg.csv``.
    mean_mmol_per_l, sd_mmol_per_l
        Mean and between-person SD.
    source_keys
        Sources of the numbers.
    evidence
        ``verified``, ``derived`` or ``unverified``.
    """

    population: str
    sex: str
    mean_mmol_per_l: float
    sd_mmol_per_l: float
    source_keys: tuple[str, ...]
    evidence: str

    def draw(self, n: int, rng: np.random.Generator) -> FloatArray:
        """``n`` serum Mg values (mmol/L), redrawn where outside the fit's accepted range."""
        low, high, _ = LAB_BOUNDS["serum_mg_mmol_per_l"]
        values = rng.normal(self.mean_mmol_per_l, self.sd_mmol_per_l, n)
        outside = (values < low) | (values > high)
        while bool(np.any(outside)):
            values[outside] = rng.normal(self.mean_mmol_per_l, self.sd_mmol_per_l, outside.sum())
            outside = (values < low) | (values > high)
        return values

    def describe(self) -> str:
        """One line for a notice: population, mean ± SD, evidence."""
        who = {
            "t2d": "people with type 2 diabetes",
            "prediabetes": "people with prediabetes",
            "pcos": "women with PCOS",
            "adult": f"{'women' if self.sex == 'female' else 'men'} without these conditions",
        }[self.population]
        flag = " (unverified source)" if self.evidence == "unverified" else ""
        return (
            f"serum magnesium of {who}, {self.mean_mmol_per_l:.2f} ± "
            f"{self.sd_mmol_per_l:.2f} mmol/L{flag}"
        )


@cache
def _table() -> dict[tuple[str, str], SerumMgPrior]:
    out = {}
    for row in load_model_table("population_serum_mg").rows:
        prior = SerumMgPrior(
            population=str(row["population"]),
            sex=str(row["sex"]),
            mean_mmol_per_l=float(row["mean_mmol_per_l"]),
            sd_mmol_per_l=float(row["sd_mmol_per_l"]),
            source_keys=tuple(k.strip() for k in str(row["source_key"]).split(";")),
            evidence=str(row["evidence"]),
        )
        out[prior.population, prior.sex] = prior
    return out


def population_serum_mg(*, sex: str, conditions: Iterable[str] = ()) -> SerumMgPrior:
    """The serum Mg distribution of the population a person belongs to.

    Parameters
    ----------
    sex : {"female", "male"}
        The person's sex.
    conditions : iterable of str
        Person-file condition codes; ``t2d``, ``prediabetes`` and ``pcos`` select their
        population (in that order of precedence), anything else the adult population.

    Raises
    ------
    InvalidInputError
        If ``sex`` is not ``female`` or ``male``.
    """
    if sex not in ("female", "male"):
        raise InvalidInputError(field="sex", value=sex, allowed="female or male")
    present = set(conditions)
    population = next((p for p in POPULATIONS if p in present and (p, sex) in _table()), "adult")
    return _table()[population, sex]
