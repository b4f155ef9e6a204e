"""Labs a person does not have, from the population they belong to.

Without a serum Mg lab the model used to start a person from the reference adult's steady state
(about 0.86 mmol/L, above the renal threshold), so that a supplement barely acted. A missing
serum Mg now comes from the distribution of serum Mg in the person's population: type 2
diabetes, prediabetes, PCOS or adults without these, by sex (``data/population_serum_mg.csv``,
every number with its source). :func:`mgir.model.simulate_person` draws each parameter draw's
serum Mg from it, so the band carries that spread.

A missing fasting insulin, for a person whose fasting glucose is measured, comes from the
survey-weighted log-linear model of fasting insulin on fasting glucose, age, sex and BMI in US
adults (NHANES 2017–March 2020, ``data/population_insulin.csv``, derived by
``scripts/derive_nhanes_insulin.py``), separately for people with and without diabetes by their
labs; its residual spread goes into the band the same way.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cache
from typing import Final, Literal

import numpy as np
from numpy.typing import NDArray

from mgir._errors import InvalidInputError
from mgir.model._steady_state import LAB_BOUNDS
from mgir.model._tables import load_model_table
from mgir.reference import glycaemic_categories

__all__ = [
    "INSULIN_MODEL_AGE_CENTRE_YEARS",
    "INSULIN_MODEL_BMI_CENTRE_KG_PER_M2",
    "INSULIN_MODEL_BMI_RANGE_KG_PER_M2",
    "POPULATIONS",
    "InsulinPrior",
    "SerumMgPrior",
    "population_insulin",
    "population_serum_mg",
]

FloatArray = NDArray[np.float64]

INSULIN_MODEL_BMI_RANGE_KG_PER_M2: Final = (15.0, 92.0)
"""BMI the insulin model covers: the survey sample's range (15.4–92.3 kg/m²)."""

INSULIN_MODEL_AGE_CENTRE_YEARS: Final = 50.0
"""Age the insulin model's age term is centred on (its covariate is (age - 50) / 10 years)."""

INSULIN_MODEL_BMI_CENTRE_KG_PER_M2: Final = 27.0
"""BMI the insulin model's BMI term is centred on (its covariate is ln(BMI / 27))."""

NHANES_TOP_AGE_YEARS: Final = 80.0
"""NHANES records every age of 80 or over as 80; the insulin model's age covariate means that."""

POPULATIONS: Final[tuple[str, ...]] = ("t2d", "prediabetes", "pcos", "adult")
"""In order of precedence: a person with several conditions belongs to the first that applies."""


def _draw_inside(
    sample: Callable[[int], FloatArray], n: int, bounds: tuple[float, float, str]
) -> FloatArray:
    """``n`` values of ``sample``, each redrawn until inside the fit's accepted range."""
    low, high, _ = bounds
    values = sample(n)
    outside = (values < low) | (values > high)
    while bool(np.any(outside)):
        values[outside] = sample(int(outside.sum()))
        outside = (values < low) | (values > high)
    return values


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
        return _draw_inside(
            lambda k: rng.normal(self.mean_mmol_per_l, self.sd_mmol_per_l, k),
            n,
            LAB_BOUNDS["serum_mg_mmol_per_l"],
        )

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


@dataclass(frozen=True, slots=True)
class InsulinPrior:
    """Log-normal distribution of fasting insulin (µIU/mL) for people like the person.

    Attributes
    ----------
    group
        ``no_diabetes`` or ``diabetes`` (the regression's sample).
    covariates
        ``glucose_age_sex_bmi`` or ``glucose_age_sex``.
    median_uiu_per_ml
        The model's geometric mean at the person's covariates.
    log_sd
        SD of ln insulin between people with the same covariates.
    n
        Adults in the regression.
    source_keys, evidence
        Where the numbers come from.
    """

    group: str
    covariates: str
    median_uiu_per_ml: float
    log_sd: float
    n: int
    source_keys: tuple[str, ...]
    evidence: str
    age_at_survey_top: bool = False
    """The person is older than 80: the survey's ages of 80 and over are all coded 80."""

    def draw(self, n: int, rng: np.random.Generator) -> FloatArray:
        """``n`` fasting insulin values (µIU/mL), redrawn where outside the fit's range."""
        mu = math.log(self.median_uiu_per_ml)
        return _draw_inside(
            lambda k: np.exp(rng.normal(mu, self.log_sd, k)),
            n,
            LAB_BOUNDS["fasting_insulin_uiu_per_ml"],
        )

    def describe(self) -> str:
        """One line for a notice: who, the geometric mean and the 90 % range."""
        who = "adults with diabetes" if self.group == "diabetes" else "adults without diabetes"
        by = (
            "fasting glucose, age, sex and BMI"
            if "bmi" in self.covariates
            else ("fasting glucose, age and sex")
        )
        spread = math.exp(1.645 * self.log_sd)
        age = " (ages of 80 and over, as the survey codes them)" if self.age_at_survey_top else ""
        return (
            f"fasting insulin of US {who} with the same {by}{age} (NHANES 2017–2020, "
            f"n = {self.n:,}): {self.median_uiu_per_ml:.1f} µIU/mL, 90 % of people between "
            f"{self.median_uiu_per_ml / spread:.1f} and {self.median_uiu_per_ml * spread:.1f}"
        )


_INSULIN_COLUMNS: Final = (
    "intercept",
    "ln_glucose",
    "age_per_10_years",
    "female",
    "ln_bmi",
    "residual_sd",
    "n",
)


@cache
def _insulin_table() -> dict[tuple[str, str], tuple[dict[str, float], str, str]]:
    """(group, covariates) -> (the row's numbers, its source key, its evidence)."""
    return {
        (str(row["group"]), str(row["covariates"])): (
            {column: float(row[column]) for column in _INSULIN_COLUMNS},
            str(row["source_key"]),
            str(row["evidence"]),
        )
        for row in load_model_table("population_insulin").rows
    }


def in_diabetes_range(
    fasting_glucose_mmol_per_l: float | None, hba1c_percent: float | None = None
) -> bool:
    """Whether fasting glucose or HbA1c lies in the ADA diabetes range (``glycaemic_categories``).

    The insulin model's groups are made this way, from the survey's labs.
    """
    labs: tuple[tuple[Literal["fasting_glucose", "hba1c"], float | None], ...] = (
        ("fasting_glucose", fasting_glucose_mmol_per_l),
        ("hba1c", hba1c_percent),
    )
    for analyte, value in labs:
        if value is None:
            continue
        band = next(b for b in glycaemic_categories(analyte) if b.code == "diabetes")
        if bool(band.contains(value)):
            return True
    return False


def population_insulin(
    *,
    fasting_glucose_mmol_per_l: float,
    sex: str,
    age_years: float,
    bmi_kg_per_m2: float | None = None,
    hba1c_percent: float | None = None,
) -> InsulinPrior:
    """Fasting insulin of US adults like the person, for a person without an insulin lab.

    Parameters
    ----------
    fasting_glucose_mmol_per_l : float
        The person's measured fasting glucose (mmol/L).
    sex : {"female", "male"}
    age_years : float
        Age (years, >= 20: the survey's adults). Ages over 80 use 80, as NHANES codes them.
    bmi_kg_per_m2 : float, optional
        BMI (kg/m², within :data:`INSULIN_MODEL_BMI_RANGE_KG_PER_M2`, the survey's range);
        without it the model without BMI is used (wider spread).
    hba1c_percent : float, optional
        HbA1c (%). The model of people with diabetes applies when fasting glucose is
        >= 7.0 mmol/L or HbA1c >= 6.5 %: by the labs, as the survey's groups were made (the
        files hold no diagnosis or treatment, so people treated to normal labs are in the group
        without diabetes there too).

    Raises
    ------
    InvalidInputError
        For a sex other than female or male, an age under 20 years, or a glucose or BMI
        outside the accepted range.
    """
    if sex not in ("female", "male"):
        raise InvalidInputError(field="sex", value=sex, allowed="female or male")
    if not age_years >= 20.0:
        raise InvalidInputError(
            field="age_years", value=age_years, unit="year", allowed=">= 20 (the survey's adults)"
        )
    low, high, unit = LAB_BOUNDS["fasting_glucose_mmol_per_l"]
    if not low <= fasting_glucose_mmol_per_l <= high:
        raise InvalidInputError(
            field="fasting_glucose_mmol_per_l",
            value=fasting_glucose_mmol_per_l,
            unit=unit,
            allowed=f"[{low}, {high}]",
        )
    bmi_low, bmi_high = INSULIN_MODEL_BMI_RANGE_KG_PER_M2
    if bmi_kg_per_m2 is not None and not bmi_low <= bmi_kg_per_m2 <= bmi_high:
        raise InvalidInputError(
            field="bmi_kg_per_m2",
            value=bmi_kg_per_m2,
            unit="kg/m²",
            allowed=f"[{bmi_low:g}, {bmi_high:g}] (the survey's range)",
        )
    diabetes = in_diabetes_range(fasting_glucose_mmol_per_l, hba1c_percent)
    group = "diabetes" if diabetes else "no_diabetes"
    covariates = "glucose_age_sex" if bmi_kg_per_m2 is None else "glucose_age_sex_bmi"
    row, source_key, evidence = _insulin_table()[group, covariates]
    age = min(age_years, NHANES_TOP_AGE_YEARS)
    ln_insulin = (
        row["intercept"]
        + row["ln_glucose"] * math.log(fasting_glucose_mmol_per_l)
        + row["age_per_10_years"] * (age - INSULIN_MODEL_AGE_CENTRE_YEARS) / 10.0
        + row["female"] * (sex == "female")
    )
    if bmi_kg_per_m2 is not None:
        ln_insulin += row["ln_bmi"] * math.log(bmi_kg_per_m2 / INSULIN_MODEL_BMI_CENTRE_KG_PER_M2)
    return InsulinPrior(
        group=group,
        covariates=covariates,
        median_uiu_per_ml=math.exp(ln_insulin),
        log_sd=row["residual_sd"],
        n=int(row["n"]),
        source_keys=(source_key,),
        evidence=evidence,
        age_at_survey_top=age_years > NHANES_TOP_AGE_YEARS,
    )
