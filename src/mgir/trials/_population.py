"""Virtual trial populations drawn from real NHANES adults and matched to a trial's baseline table.

The pool is the package's NHANES table of fasting adults (``data/nhanes_adults.csv``, 2015–2016
and 2017–March 2020, derived by ``scripts/derive_nhanes_population.py``). A spec's condition
selects the adults whose labs, sex, age and waist fit it (``data/condition_pools.csv``); adults
with a lab outside the model's accepted range are left out and counted. The survey weights are
then re-weighted by entropy balancing (Hainmueller 2012) so that the weighted pool reproduces
the spec's baseline table: the mean and SD of every covariate the spec gives (age, BMI, fasting
glucose, insulin, HOMA-IR, QUICKI, HbA1c, dietary Mg) and its share of women, with the smallest
departure from the survey weights (minimum Kullback–Leibler divergence). Virtual subjects are
real adults drawn with probability proportional to the balanced weights: no subject is shifted
or scaled to the table (the plausible-patient idea of Allen et al. 2016, with weights in place
of acceptance–rejection).

What the survey did not measure comes from a distribution, never a constant: serum Mg (absent
from these cycles) from the spec's baseline if given, else from the published distribution of
the subject's population by sex (:func:`mgir.model.population_serum_mg`); dietary Mg for the
2017–2020 adults (whose dietary files are not in the package) by a survey-weighted hot-deck from
2015–2016 adults of the same sex, glycaemic group and age band; eGFR from the spec's
distribution if given, else the model's reference adult.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Final

import numpy as np
import scipy.optimize
from numpy.typing import NDArray

from mgir._errors import InvalidInputError
from mgir._records import Record
from mgir.assessment import formulas
from mgir.model import LAB_BOUNDS, population_serum_mg
from mgir.model._population import _draw_inside
from mgir.reference import glycaemic_categories, index_cutoff, load_table
from mgir.trials._spec import TrialSpec, endpoint_units
from mgir.trials._typical import POPULATION_OF_CONDITION

__all__ = [
    "BALANCE_COVARIATES",
    "BalanceRow",
    "PopulationMatch",
    "VirtualPopulation",
    "condition_pool_rule",
    "nhanes_pool",
    "sample_population",
]

FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]

AGE_BANDS_YEARS: Final[tuple[float, ...]] = (18.0, 40.0, 60.0, 200.0)
"""Age bands of the dietary-Mg hot-deck (18–39, 40–59, 60+ years)."""

BALANCE_TOLERANCE: Final[float] = 1e-6
"""Largest remaining standardised imbalance accepted from entropy balancing."""

APPROXIMATE_BALANCE_RIDGE: Final[float] = 0.01
"""Penalty of the approximate balance (see :func:`entropy_balance`) used when exact fails."""

DERIVED_INDICES: Final[tuple[str, ...]] = ("homa_ir", "quicki")
"""Indices computed from fasting glucose and insulin: balanced only when one lab is not."""

BALANCE_COVARIATES: Final[tuple[str, ...]] = (
    "age_years",
    "bmi_kg_m2",
    "fasting_glucose",
    "fasting_insulin",
    "homa_ir",
    "quicki",
    "hba1c",
    "dietary_magnesium",
)
"""Baseline quantities that can be matched on the pool (serum Mg and eGFR are drawn instead)."""

_COVARIATE_UNITS: Final[dict[str, str]] = {
    "age_years": "year",
    "bmi_kg_m2": "kg/m2",
    "dietary_magnesium": "mg/day",
    "egfr": "mL/min/1.73m2",
    "female": "1",
}
"""Units of the quantities that are not endpoints (endpoints: :func:`endpoint_units`)."""


def _unit(name: str) -> str:
    return _COVARIATE_UNITS.get(name) or endpoint_units()[name]


@dataclass(frozen=True, slots=True)
class _Pool:
    """The NHANES adults as arrays (one entry per adult)."""

    cycle: NDArray[np.str_]
    seqn: NDArray[np.int64]
    female: BoolArray
    age_years: FloatArray
    bmi_kg_m2: FloatArray
    waist_cm: FloatArray
    fasting_glucose: FloatArray
    fasting_insulin: FloatArray
    hba1c: FloatArray
    dietary_magnesium: FloatArray
    weight: FloatArray

    @property
    def size(self) -> int:
        return int(self.seqn.shape[0])

    def covariate(self, name: str) -> FloatArray:
        """A balancing covariate per adult (NaN where not measured)."""
        if name == "homa_ir":
            return formulas.homa_ir(self.fasting_glucose, self.fasting_insulin)
        if name == "quicki":
            return formulas.quicki(self.fasting_glucose, self.fasting_insulin)
        value: FloatArray = getattr(self, name)
        return value


def _float(value: object) -> float:
    return float("nan") if value is None or value == "" else float(value)  # type: ignore[arg-type]


@cache
def nhanes_pool() -> _Pool:
    """The package's NHANES adults (``nhanes_adults.csv``), loaded once."""
    rows = load_table("nhanes_adults", package="mgir.trials").rows
    return _Pool(
        cycle=np.array([str(r["cycle"]) for r in rows]),
        seqn=np.array([int(r["seqn"]) for r in rows], dtype=np.int64),
        female=np.array([r["sex"] == "female" for r in rows]),
        age_years=np.array([_float(r["age_years"]) for r in rows]),
        bmi_kg_m2=np.array([_float(r["bmi_kg_per_m2"]) for r in rows]),
        waist_cm=np.array([_float(r["waist_cm"]) for r in rows]),
        fasting_glucose=np.array([_float(r["fasting_glucose_mmol_per_l"]) for r in rows]),
        fasting_insulin=np.array([_float(r["fasting_insulin_uiu_per_ml"]) for r in rows]),
        hba1c=np.array([_float(r["hba1c_percent"]) for r in rows]),
        dietary_magnesium=np.array([_float(r["mg_intake_mg_per_day"]) for r in rows]),
        weight=np.array([_float(r["weight"]) for r in rows]),
    )


def _glycaemic_group(pool: _Pool) -> NDArray[np.int64]:
    """0 normal, 1 prediabetes, 2 diabetes: the higher of the two labs' ADA categories."""
    group = np.zeros(pool.size, dtype=np.int64)
    for analyte, values in (("fasting_glucose", pool.fasting_glucose), ("hba1c", pool.hba1c)):
        for band in glycaemic_categories(analyte):  # type: ignore[arg-type]
            level = {"normal": 0, "prediabetes": 1, "diabetes": 2}[band.code]
            inside = np.where(np.isnan(values), False, band.contains(np.nan_to_num(values)))
            group = np.where(inside & (level > group), level, group)
    return group


@dataclass(frozen=True, slots=True)
class PoolRule:
    """Who makes up a condition's pool (a row of ``condition_pools.csv``)."""

    condition: str
    glycaemia: str
    homa_ir: str
    sex: str
    age_min_years: float
    age_max_years: float
    waist_male_min_cm: float | None
    waist_female_min_cm: float | None
    source_keys: tuple[str, ...]
    evidence: str
    note: str


def condition_pool_rule(condition: str) -> PoolRule:
    """The pool rule of a spec's condition."""
    for row in load_table("condition_pools", package="mgir.trials").rows:
        if row["condition"] == condition:
            return PoolRule(
                condition=condition,
                glycaemia=str(row["glycaemia"]),
                homa_ir=str(row["homa_ir"]),
                sex=str(row["sex"]),
                age_min_years=float(row["age_min_years"]),
                age_max_years=float(row["age_max_years"]),
                waist_male_min_cm=None
                if row["waist_male_min_cm"] is None
                else float(row["waist_male_min_cm"]),
                waist_female_min_cm=None
                if row["waist_female_min_cm"] is None
                else float(row["waist_female_min_cm"]),
                source_keys=tuple(k.strip() for k in str(row["source_key"]).split(";")),
                evidence=str(row["evidence"]),
                note=str(row["note"]),
            )
    raise InvalidInputError(field="population.condition", value=condition, allowed="a condition")


def _inside_lab_bounds(pool: _Pool) -> BoolArray:
    """Adults whose labs the person fit accepts (``LAB_BOUNDS``)."""
    ok = np.ones(pool.size, dtype=bool)
    for name, values in (
        ("fasting_glucose_mmol_per_l", pool.fasting_glucose),
        ("fasting_insulin_uiu_per_ml", pool.fasting_insulin),
        ("hba1c_percent", pool.hba1c),
        ("dietary_intake_mg_per_day", pool.dietary_magnesium),
    ):
        low, high, _ = LAB_BOUNDS[name]
        ok &= np.isnan(values) | ((values >= low) & (values <= high))
    ok &= np.isfinite(pool.fasting_glucose) & np.isfinite(pool.fasting_insulin)
    # A subject needs a BMI and an age to be matched on them; every adult has an age.
    return ok


def _rule_mask(pool: _Pool, rule: PoolRule) -> BoolArray:
    group = _glycaemic_group(pool)
    glucose_band = {b.code: b for b in glycaemic_categories("fasting_glucose")}
    mask = {
        "normal": group == 0,
        "prediabetes": group == 1,
        "diabetes": group == 2,
        "below_diabetes": group < 2,
        "fasting_glucose_impaired": pool.fasting_glucose >= glucose_band["prediabetes"].lower,
        "any": np.ones(pool.size, dtype=bool),
    }[rule.glycaemia]
    if rule.homa_ir != "any":
        cutoff = index_cutoff("homa_ir").cutoff
        homa = pool.covariate("homa_ir")
        mask = mask & ((homa >= cutoff) if rule.homa_ir == "at_or_above_cutoff" else homa < cutoff)
    if rule.sex == "female":
        mask = mask & pool.female
    mask = mask & (pool.age_years >= rule.age_min_years) & (pool.age_years <= rule.age_max_years)
    if rule.waist_male_min_cm is not None and rule.waist_female_min_cm is not None:
        waist_min = np.where(pool.female, rule.waist_female_min_cm, rule.waist_male_min_cm)
        mask = mask & np.nan_to_num(pool.waist_cm >= waist_min).astype(bool)
    result: BoolArray = np.asarray(mask, dtype=bool)
    return result


class BalanceRow(Record):
    """How one baseline quantity of the virtual population compares with the spec's table."""

    quantity: str
    unit: str
    target_mean: float | None
    target_sd: float | None
    pool_mean: float | None
    """Survey-weighted mean of the condition pool (None: not in the survey, e.g. serum Mg)."""
    pool_sd: float | None
    virtual_mean: float | None
    virtual_sd: float | None
    how: str
    """``balanced`` (weights match the table), ``derived`` (an index of balanced labs),
    ``drawn`` (from the table's distribution) or ``pool`` (not in the table: the condition
    pool's distribution)."""


class PopulationMatch(Record):
    """How the virtual population was made and how well it matches the spec's baseline table."""

    condition: str
    pool_rule: str
    pool_evidence: str
    pool_source_keys: tuple[str, ...]
    pool_adults: int
    excluded_outside_lab_bounds: int
    excluded_without_needed_lab: int
    effective_sample_size: float
    """Kish effective sample size of the balanced weights (sum w)² / sum w²."""
    rows: tuple[BalanceRow, ...]
    notes: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class VirtualPopulation:
    """Virtual subjects (real NHANES adults, drawn by balanced weight) and their drawn labs.

    Every array has one entry per subject. ``*_measured`` labs are what a trial would record at
    baseline; ``hba1c_measured`` is NaN where the adult had no HbA1c and the spec asks none.
    ``egfr`` is NaN where the model's reference adult is used.
    """

    cycle: NDArray[np.str_]
    seqn: NDArray[np.int64]
    female: BoolArray
    age_years: FloatArray
    bmi_kg_m2: FloatArray
    fasting_glucose_measured: FloatArray
    fasting_insulin_measured: FloatArray
    hba1c_measured: FloatArray
    dietary_magnesium: FloatArray
    dietary_magnesium_imputed: BoolArray
    serum_magnesium_measured: FloatArray
    serum_magnesium_population_mean: FloatArray
    """Mean of the serum Mg distribution of the subject's own population (mmol/L): where the
    measured value regresses to."""
    serum_magnesium_population_sd: FloatArray
    egfr: FloatArray
    glycaemic_group: NDArray[np.int64]
    match: PopulationMatch

    @property
    def size(self) -> int:
        return int(self.seqn.shape[0])

    def columns(self) -> dict[str, NDArray[np.generic]]:
        """The subjects as named columns (units in the names), for a table file."""
        return {
            "cycle": self.cycle,
            "seqn": self.seqn,
            "sex": np.where(self.female, "female", "male"),
            "age_years": self.age_years,
            "bmi_kg_per_m2": self.bmi_kg_m2,
            "fasting_glucose_mmol_per_l": self.fasting_glucose_measured,
            "fasting_insulin_uiu_per_ml": self.fasting_insulin_measured,
            "homa_ir": formulas.homa_ir(
                self.fasting_glucose_measured, self.fasting_insulin_measured
            ),
            "hba1c_percent": self.hba1c_measured,
            "dietary_mg_mg_per_day": self.dietary_magnesium,
            "dietary_mg_imputed": self.dietary_magnesium_imputed,
            "serum_mg_mmol_per_l": self.serum_magnesium_measured,
            "egfr_ml_per_min_1_73m2": self.egfr,
        }


def _impute_intake(
    pool: _Pool, group: NDArray[np.int64], rng: np.random.Generator
) -> tuple[FloatArray, BoolArray]:
    """Dietary Mg for adults without it: a donor of the same sex, glycaemic group and age band.

    Donors are drawn with probability proportional to their survey weight (a weighted hot-deck),
    so the imputed values keep the survey's distribution within each cell.
    """
    intake = pool.dietary_magnesium.copy()
    missing = np.isnan(intake)
    band = np.searchsorted(AGE_BANDS_YEARS, pool.age_years, side="right") - 1
    sex = pool.female.astype(np.int64)
    # Coarser cells only where a cell has no donor (none with the shipped table).
    for keys in (sex * 100 + group * 10 + band, sex * 100 + band, sex):
        for key in np.unique(keys[missing]):
            receivers = missing & (keys == key)
            donors = ~np.isnan(pool.dietary_magnesium) & (keys == key)
            if not bool(donors.any()):
                continue
            donor_index = np.flatnonzero(donors)
            p = pool.weight[donor_index] / pool.weight[donor_index].sum()
            chosen = rng.choice(donor_index, size=int(receivers.sum()), p=p)
            intake[receivers] = pool.dietary_magnesium[chosen]
            missing = missing & ~receivers
        if not bool(missing.any()):
            break
    return intake, np.isnan(pool.dietary_magnesium)


def _weighted_mean_sd(values: FloatArray, weights: FloatArray) -> tuple[float, float]:
    w = weights / weights.sum()
    mean = float(np.sum(w * values))
    return mean, float(np.sqrt(np.sum(w * (values - mean) ** 2)))


def entropy_balance(
    moments: FloatArray, base_weights: FloatArray, *, ridge: float = 0.0
) -> tuple[FloatArray, float]:
    """Weights closest to ``base_weights`` (KL divergence) whose weighted moments are all zero.

    Parameters
    ----------
    moments : ndarray, shape (n, k)
        Each column a moment function centred on its target (e.g. ``(x - m) / s`` and
        ``((x - m) / s)² - 1``), so that balance means a weighted mean of 0.
    base_weights : ndarray, shape (n,)
        Survey weights (> 0).

    Returns
    -------
    weights : ndarray, shape (n,)
        Normalised to sum 1.
    imbalance : float
        Largest absolute weighted moment left (0 when balanced).

    ridge : float
        With ``ridge > 0`` the balance is approximate: the weights minimise
        ``KL(w, q) + |Σ w_i c_i|² / (2 ridge)``, which exists even when a target lies outside
        what the pool spans (the dual gains ``ridge |λ|² / 2``).

    Notes
    -----
    Solves the convex dual of Hainmueller (2012): minimise ``log Σ q_i exp(λ·c_i)`` over λ,
    whose gradient is the weighted moment vector; a target outside the pool's range makes the
    dual unbounded and leaves an imbalance, reported rather than hidden.

    References
    ----------
    Hainmueller J. Political Analysis 2012;20:25-46 (``hainmueller2012_entropy_balancing``).
    """
    q = base_weights / base_weights.sum()
    log_q = np.log(q)

    def weights_for(lam: FloatArray) -> FloatArray:
        z = log_q + moments @ lam
        z -= z.max()
        w: FloatArray = np.exp(z)
        normalised: FloatArray = w / w.sum()
        return normalised

    def objective(lam: FloatArray) -> tuple[float, FloatArray]:
        z = log_q + moments @ lam
        top = z.max()
        w = np.exp(z - top)
        total = w.sum()
        value = float(top + np.log(total) + 0.5 * ridge * lam @ lam)
        return value, moments.T @ (w / total) + ridge * lam

    def hessian(lam: FloatArray) -> FloatArray:
        w = weights_for(lam)
        mean = moments.T @ w
        inner = (moments * w[:, None]).T @ moments - np.outer(mean, mean)
        result: FloatArray = inner + ridge * np.eye(k)
        return result

    k = moments.shape[1]
    solution = scipy.optimize.minimize(
        objective,
        np.zeros(k),
        jac=True,
        hess=hessian,
        method="trust-exact",
        options={"gtol": BALANCE_TOLERANCE * 0.1, "maxiter": 500},
    )
    weights = weights_for(np.asarray(solution.x, dtype=float))
    imbalance = float(np.max(np.abs(moments.T @ weights)))
    return weights, imbalance


MEAN_REACH_SD: Final[float] = 0.25
"""A balanced mean more than this many target SDs from the table's is an error, not a match."""

SD_REACH_RATIO: Final[tuple[float, float]] = (2.0 / 3.0, 1.5)
"""A balanced SD outside this ratio to the table's is an error, not a match."""


def _field_of(name: str) -> str:
    return (
        f"population.{name}"
        if name in ("age_years", "bmi_kg_m2")
        else f"population.baseline.{name}"
    )


def _check_reached(
    targets: dict[str, tuple[float, float]],
    female_fraction: float | None,
    column: Callable[[str], FloatArray],
    female: BoolArray,
    weights: FloatArray,
    base: FloatArray,
    rule: PoolRule,
) -> None:
    """Refuse a table the pool cannot be re-weighted to, naming the quantity and the pool's range.

    Approximate balance is accepted for rounded or skewed tables; a mean off by more than a
    quarter of the table's SD, or an SD off by more than half, is not a match but a population
    the pool does not hold (e.g. an HbA1c of 12 % in prediabetes).
    """
    for name, (mean, sd) in targets.items():
        if name in DERIVED_INDICES and {"fasting_glucose", "fasting_insulin"} <= targets.keys():
            continue  # reported against the table, not balanced (a function of two labs)
        x = column(name)
        keep = ~np.isnan(x)
        reached_mean, reached_sd = _weighted_mean_sd(x[keep], weights[keep])
        tolerance = MEAN_REACH_SD * sd if sd > 0 else 0.02 * max(abs(mean), 1.0)
        ratio = reached_sd / sd if sd > 0 else 1.0
        if (
            abs(reached_mean - mean) <= tolerance
            and SD_REACH_RATIO[0] <= ratio <= SD_REACH_RATIO[1]
        ):
            continue
        low, high = np.percentile(x[keep], [1, 99])
        pool_mean, pool_sd = _weighted_mean_sd(x[keep], base[keep])
        raise InvalidInputError(
            field=_field_of(name),
            value=f"mean {mean:.4g}, SD {sd:.4g}",
            unit=_unit(name),
            allowed=(
                f"a distribution the {rule.condition} pool of NHANES adults can be re-weighted "
                f"to (its {name} spans {low:.3g}-{high:.3g}, 1st-99th percentile; survey mean "
                f"{pool_mean:.3g} ± {pool_sd:.3g}; closest reached {reached_mean:.3g} ± "
                f"{reached_sd:.3g})"
            ),
        )
    if female_fraction is not None and 0.0 < female_fraction < 1.0:
        reached = float(np.sum(weights * female) / np.sum(weights))
        if abs(reached - female_fraction) > 0.05:
            raise InvalidInputError(
                field="population.female_fraction",
                value=female_fraction,
                allowed=f"a share of women the {rule.condition} pool can be re-weighted to "
                f"(closest reached {reached:.2f})",
            )


def _draw_normal_inside(
    mean: float, sd: float, n: int, lab: str, rng: np.random.Generator
) -> FloatArray:
    """``n`` normal draws, each redrawn until inside the fit's accepted range of ``lab``."""
    return _draw_inside(lambda k: rng.normal(mean, sd, k), n, LAB_BOUNDS[lab])


def sample_population(
    condition: str,
    n: int,
    rng: np.random.Generator,
    *,
    spec: TrialSpec | None = None,
) -> VirtualPopulation:
    """Draw ``n`` virtual subjects of a condition, matched to a spec's baseline table if given.

    Parameters
    ----------
    condition : str
        One of :data:`mgir.trials.CONDITIONS` (the spec's ``population.condition``).
    n : int
        Number of subjects (>= 1).
    rng : numpy.random.Generator
        Every random draw comes from it (same seed, same population).
    spec : TrialSpec, optional
        Its age, share of women, BMI, eGFR and baseline table are matched; without one, the
        condition pool is drawn by its survey weights (the US population of that condition).

    Raises
    ------
    InvalidInputError
        If the spec's table cannot be matched on the pool (a target outside what the pool's
        adults span), naming the quantity.
    """
    if not (isinstance(n, int | np.integer) and n >= 1):
        raise InvalidInputError(field="n", value=n, allowed="an integer >= 1")
    if spec is not None and spec.condition != condition:
        raise InvalidInputError(
            field="condition", value=condition, allowed=f"the spec's condition ({spec.condition})"
        )
    pool = nhanes_pool()
    rule = condition_pool_rule(condition)
    group = _glycaemic_group(pool)
    in_rule = _rule_mask(pool, rule)
    valid = _inside_lab_bounds(pool)
    excluded_bounds = int(np.sum(in_rule & ~valid))
    mask = in_rule & valid
    notes: list[str] = [rule.note]
    targets: dict[str, tuple[float, float]] = {}
    female_fraction: float | None = None
    if spec is not None:
        if spec.age_years is not None:
            targets["age_years"] = (spec.age_years.mean, spec.age_years.sd)
        if spec.bmi_kg_m2 is not None:
            targets["bmi_kg_m2"] = (spec.bmi_kg_m2.mean, spec.bmi_kg_m2.sd)
        for name, given in spec.baseline.items():
            if name in BALANCE_COVARIATES:
                targets[name] = (given.mean, given.sd)
        female_fraction = spec.female_fraction
    without_lab = 0
    needs = {"bmi_kg_m2": pool.bmi_kg_m2, "hba1c": pool.hba1c}
    for name, values in needs.items():
        if name in targets:
            lacking = mask & np.isnan(values)
            without_lab += int(lacking.sum())
            mask = mask & ~lacking
    if female_fraction is not None and female_fraction in (0.0, 1.0):
        mask = mask & (pool.female == (female_fraction == 1.0))
    intake, imputed = _impute_intake(pool, group, rng)
    index = np.flatnonzero(mask)
    if index.size < 2:
        raise InvalidInputError(
            field="population.condition",
            value=condition,
            allowed="a condition and sex with adults in the NHANES pool",
        )

    def column(name: str) -> FloatArray:
        if name == "dietary_magnesium":
            return intake[index]
        return pool.covariate(name)[index]

    moment_columns: list[FloatArray] = []
    order: list[str] = []
    for name, (mean, sd) in targets.items():
        if name in DERIVED_INDICES and {"fasting_glucose", "fasting_insulin"} <= targets.keys():
            continue  # a function of the two labs, which are balanced themselves
        x = column(name)
        scale = sd if sd > 0 else max(abs(mean), 1.0)
        moment_columns.append((x - mean) / scale)
        order.append(f"population.baseline.{name}.mean")
        if sd > 0:
            moment_columns.append(((x - mean) / sd) ** 2 - 1.0)
            order.append(f"population.baseline.{name}.sd")
    if female_fraction is not None and 0.0 < female_fraction < 1.0:
        moment_columns.append(pool.female[index].astype(float) - female_fraction)
        order.append("population.female_fraction")
    base = pool.weight[index]
    if moment_columns:
        moments = np.column_stack(moment_columns)
        weights, imbalance = entropy_balance(moments, base)
        if imbalance > BALANCE_TOLERANCE * 1e3:
            # The table cannot be met exactly (its numbers are rounded, skewed labs are
            # summarised by mean and SD, or a target lies at the edge of the pool): the
            # closest weights instead, and the rows below say how far each quantity is.
            weights, imbalance = entropy_balance(moments, base, ridge=APPROXIMATE_BALANCE_RIDGE)
            notes.append(
                "the baseline table cannot be matched exactly on this pool; the weights "
                "balance it approximately (penalised entropy balancing): compare target and "
                "virtual in the rows"
            )
    else:
        weights = base / base.sum()
    _check_reached(targets, female_fraction, column, pool.female[index], weights, base, rule)
    ess = float(weights.sum() ** 2 / np.sum(weights**2))
    chosen = index[rng.choice(index.size, size=n, p=weights)]
    female = pool.female[chosen]
    # Serum Mg: the spec's table, else the published distribution of the subject's population.
    serum = np.empty(n)
    serum_mean = np.empty(n)
    serum_sd = np.empty(n)
    rows: list[BalanceRow] = []
    subject_group = group[chosen]
    populations = POPULATION_OF_CONDITION[condition]
    cells = []  # each subject's own serum Mg population, by sex and glycaemic group
    for is_female in (False, True):
        for glycaemic in (0, 1, 2):
            who = (female == is_female) & (subject_group == glycaemic)
            if not bool(who.any()):
                continue
            conditions = populations or (
                ("t2d",) if glycaemic == 2 else ("prediabetes",) if glycaemic == 1 else ()
            )
            prior = population_serum_mg(
                sex="female" if is_female else "male", conditions=conditions
            )
            serum_mean[who] = prior.mean_mmol_per_l
            serum_sd[who] = prior.sd_mmol_per_l
            cells.append((who, prior))
    if spec is not None and "serum_magnesium" in spec.baseline:
        given = spec.baseline["serum_magnesium"]
        serum[:] = _draw_normal_inside(given.mean, given.sd, n, "serum_mg_mmol_per_l", rng)
        serum_how = "drawn"
        serum_target: tuple[float | None, float | None] = (given.mean, given.sd)
    else:
        for who, prior in cells:
            serum[who] = prior.draw(int(who.sum()), rng)
        serum_how = "pool"
        serum_target = (None, None)
        notes.append(
            "serum Mg (not measured in these survey cycles) drawn from the published "
            "distribution of each subject's population by sex (population_serum_mg.csv)"
        )
    egfr = np.full(n, np.nan)
    if spec is not None and spec.egfr_ml_per_min_1_73m2 is not None:
        given = spec.egfr_ml_per_min_1_73m2
        egfr[:] = _draw_normal_inside(given.mean, given.sd, n, "egfr_ml_per_min_1_73m2", rng)
    else:
        notes.append(
            "eGFR: the model's reference adult (the package's survey files hold no creatinine)"
        )
    hba1c = pool.hba1c[chosen]
    if bool(imputed[chosen].any()):
        notes.append(
            f"dietary Mg imputed for {int(imputed[chosen].sum())} of {n} subjects (2017-2020 "
            "adults) from 2015-2016 adults of the same sex, glycaemic group and age band"
        )
    pool_w = base / base.sum()
    for name in BALANCE_COVARIATES:
        x_pool = column(name)
        keep = ~np.isnan(x_pool)
        if not bool(keep.any()):
            continue
        pool_mean, pool_sd = _weighted_mean_sd(x_pool[keep], pool_w[keep])
        x_virtual = intake[chosen] if name == "dietary_magnesium" else pool.covariate(name)[chosen]
        v = x_virtual[~np.isnan(x_virtual)]
        target = targets.get(name)
        if target is not None and target[1] > 0 and v.size > 1:
            drawn_ratio = float(v.std(ddof=1)) / target[1]
            if abs(drawn_ratio - 1.0) > 0.25 or abs(float(v.mean()) - target[0]) > 0.2 * target[1]:
                notes.append(
                    f"the drawn subjects' {name} ({v.mean():.3g} ± {v.std(ddof=1):.3g}) departs "
                    f"from the table ({target[0]:.3g} ± {target[1]:.3g}) more than the balanced "
                    "weights do: a few extreme adults carry much weight (effective sample size "
                    f"{ess:.0f}); more subjects per arm make the draw steadier"
                )
        rows.append(
            BalanceRow(
                quantity=name,
                unit=_unit(name),
                target_mean=None if target is None else target[0],
                target_sd=None if target is None else target[1],
                pool_mean=pool_mean,
                pool_sd=pool_sd,
                virtual_mean=float(v.mean()) if v.size else None,
                virtual_sd=float(v.std(ddof=1)) if v.size > 1 else None,
                how=(
                    "pool"
                    if target is None
                    else "derived"
                    if name in DERIVED_INDICES
                    and {"fasting_glucose", "fasting_insulin"} <= targets.keys()
                    else "balanced"
                ),
            )
        )
    pool_female = float(np.sum(pool_w * pool.female[index]))
    rows.append(
        BalanceRow(
            quantity="female",
            unit="1",
            target_mean=female_fraction,
            target_sd=None,
            pool_mean=pool_female,
            pool_sd=float(np.sqrt(pool_female * (1 - pool_female))),
            virtual_mean=float(female.mean()),
            virtual_sd=float(female.std(ddof=1)) if n > 1 else 0.0,
            how="balanced" if female_fraction is not None else "pool",
        )
    )
    rows.append(
        BalanceRow(
            quantity="serum_magnesium",
            unit="mmol/L",
            target_mean=serum_target[0],
            target_sd=serum_target[1],
            pool_mean=None,
            pool_sd=None,
            virtual_mean=float(serum.mean()),
            virtual_sd=float(serum.std(ddof=1)) if n > 1 else 0.0,
            how=serum_how,
        )
    )
    if spec is not None and spec.egfr_ml_per_min_1_73m2 is not None:
        rows.append(
            BalanceRow(
                quantity="egfr",
                unit=_unit("egfr"),
                target_mean=spec.egfr_ml_per_min_1_73m2.mean,
                target_sd=spec.egfr_ml_per_min_1_73m2.sd,
                pool_mean=None,
                pool_sd=None,
                virtual_mean=float(egfr.mean()),
                virtual_sd=float(egfr.std(ddof=1)) if n > 1 else 0.0,
                how="drawn",
            )
        )
    match = PopulationMatch(
        condition=condition,
        pool_rule=rule.note,
        pool_evidence=rule.evidence,
        pool_source_keys=rule.source_keys,
        pool_adults=int(index.size),
        excluded_outside_lab_bounds=excluded_bounds,
        excluded_without_needed_lab=without_lab,
        effective_sample_size=ess,
        rows=tuple(rows),
        notes=tuple(notes),
    )
    return VirtualPopulation(
        cycle=pool.cycle[chosen],
        seqn=pool.seqn[chosen],
        female=female,
        age_years=pool.age_years[chosen],
        bmi_kg_m2=pool.bmi_kg_m2[chosen],
        fasting_glucose_measured=pool.fasting_glucose[chosen],
        fasting_insulin_measured=pool.fasting_insulin[chosen],
        hba1c_measured=hba1c,
        dietary_magnesium=intake[chosen],
        dietary_magnesium_imputed=imputed[chosen],
        serum_magnesium_measured=serum,
        serum_magnesium_population_mean=serum_mean,
        serum_magnesium_population_sd=serum_sd,
        egfr=egfr,
        glycaemic_group=group[chosen],
        match=match,
    )
