"""Virtual trials: a spec's arms on a matched virtual population, replicate trials, power.

How a trial is simulated (``docs/trials.md``):

1. Virtual subjects are real NHANES adults matched to the spec's baseline table
   (:func:`mgir.trials.sample_population`): ``subjects_per_arm`` people, each simulated in
   every arm, so that the expected between-arm difference carries no chance imbalance.
2. The survey's labs are single measurements: a subject's true (long-run) glucose, insulin,
   HbA1c and serum Mg are drawn from their distribution given that measurement (on the log
   scale, shrunk towards the population mean by the intraclass correlation that the within-
   person variation implies). Selecting people by a measured lab thus yields the regression to
   the mean that a placebo arm shows.
3. Each subject is fitted to their true labs and their recorded or imputed dietary Mg
   (:func:`mgir.model.fit_person`, vectorised over the cohort) and simulated with their arm's
   salt and dose times adherence. Where the recorded (or imputed) intake cannot sustain the
   subject's serum Mg at steady state, the subject is fitted without it, as a person without a
   diary; subjects whose labs the model still cannot reproduce are left out. Both are counted.
4. Recorded labs: the baseline is the survey's measurement; the end is the model's value times
   log-normal within-person and assay noise (``lab_variability.csv``,
   ``trial_measurement.csv``). Indices (HOMA-IR, QUICKI, HOMA-%B) come from recorded glucose
   and insulin.
5. Replicate trials of the spec's size (its ``n`` split by allocation) draw each arm's
   participants independently from the virtual cohort, with fresh end noise; the 2.5th and
   97.5th percentiles of the between-arm difference give the prediction interval, and the
   share of replicates in which
   Welch's two-sided t-test of the change is significant at 5 % gives the power.

Every random number is drawn here, from one :class:`numpy.random.SeedSequence`, before the
deterministic fit-and-simulate step is split into chunks: the result is identical whatever the
backend, the chunk size or the number of workers.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any, Final, Protocol

import numpy as np
import pydantic
import scipy.stats
from numpy.typing import NDArray

from mgir._errors import InvalidInputError
from mgir._records import Record
from mgir.assessment import formulas
from mgir.model import (
    LAB_BOUNDS,
    MODEL_VERSION,
    Output,
    ParameterSet,
    PersonFit,
    QuasiSteadyState,
    Regimen,
    calibration_id,
    default_parameters,
    fit_person,
    model_salt_name,
    package_version,
    simulate,
)
from mgir.model import (
    parameter_draws as mgir_parameter_draws,
)
from mgir.model._inputs import DoseSegment
from mgir.reference import lab_variability, load_table
from mgir.trials._population import (
    PopulationMatch,
    VirtualPopulation,
    nhanes_pool,
    sample_population,
)
from mgir.trials._spec import TrialSpec, endpoint_units

__all__ = [
    "DEFAULT_REPLICATES",
    "DEFAULT_SUBJECTS_PER_ARM",
    "ArmResult",
    "Backend",
    "Contrast",
    "LocalBackend",
    "PowerPoint",
    "TrialResult",
    "VirtualTrial",
    "power_curve",
    "prepare_trial",
    "run_trial",
]

FloatArray = NDArray[np.float64]

DEFAULT_SUBJECTS_PER_ARM: Final[int] = 2000
"""Virtual subjects per arm (the spec format asks for at least 2,000)."""

DEFAULT_REPLICATES: Final[int] = 1000
"""Replicate trials of the spec's size behind each interval and power."""

DEFAULT_SEED: Final[int] = 0
"""Seed used when neither the command nor the spec gives one (recorded in the result)."""

DEFAULT_CHUNK_SUBJECTS: Final[int] = 4096
"""Subjects per fit-and-simulate task."""

SOLVER_DT_DAYS: Final[float] = 0.5
"""Step of the quasi-steady-state solver for trials (days)."""

SIGNIFICANCE_LEVEL: Final[float] = 0.05
"""Two-sided level of the replicate trials' tests."""

ENDPOINT_OUTPUT: Final[dict[str, Output]] = {
    "serum_magnesium": Output.SERUM_MG,
    "fasting_glucose": Output.FASTING_GLUCOSE,
    "fasting_insulin": Output.FASTING_INSULIN,
    "homa_ir": Output.HOMA_IR,
    "quicki": Output.QUICKI,
    "homa_beta": Output.HOMA_B,
    "hba1c": Output.HBA1C,
    "urinary_magnesium": Output.URINARY_MG,
}
"""The model output behind each endpoint of the spec format."""

CONTRAST_NOTES: Final[dict[str, str]] = {
    "urinary_magnesium": "no measurement noise is modelled for urinary Mg (no sourced "
    "within-person CV): its interval is too narrow and its power too high",
    "homa_beta": "HOMA1-%B = 20 x insulin / (glucose - 3.5) is unstable for fasting glucose "
    "near 3.5 mmol/L: a few such subjects dominate its means and SDs",
}
"""Caveats printed with the contrasts of some endpoints."""

_LABS: Final[tuple[str, ...]] = (
    "fasting_glucose",
    "fasting_insulin",
    "serum_magnesium",
    "hba1c",
    "urinary_magnesium",
)
"""Model outputs a trial records; indices are computed from the first two."""


_BOUND_OF_LAB: Final[dict[str, str]] = {
    "fasting_glucose": "fasting_glucose_mmol_per_l",
    "fasting_insulin": "fasting_insulin_uiu_per_ml",
    "serum_magnesium": "serum_mg_mmol_per_l",
    "hba1c": "hba1c_percent",
}


@dataclass(frozen=True, slots=True)
class Noise:
    """Log-SD of one recorded result around the true value, with its source."""

    lab: str
    log_sd: float
    source_keys: tuple[str, ...]
    evidence: str


@cache
def measurement_noise() -> dict[str, Noise]:
    """Within-person and assay noise of each recorded lab (none for urinary Mg: not sourced)."""
    out: dict[str, Noise] = {}
    for lab in ("fasting_glucose", "fasting_insulin", "hba1c"):
        variability = lab_variability(lab)
        assert variability is not None
        out[lab] = Noise(
            lab, variability.measurement_log_sd, variability.source_keys, variability.evidence
        )
    for row in load_table("trial_measurement", package="mgir.trials").rows:
        cv = float(row["within_person_cv_percent"]) / 100.0
        out[str(row["lab"])] = Noise(
            str(row["lab"]),
            math.sqrt(math.log1p(cv * cv)),
            tuple(k.strip() for k in str(row["source_key"]).split(";")),
            str(row["evidence"]),
        )
    return out


@cache
def _population_log_moments() -> dict[str, tuple[float, float]]:
    """Survey-weighted mean and SD of ln(lab) over all the pool's adults (true plus noise)."""
    pool = nhanes_pool()
    out: dict[str, tuple[float, float]] = {}
    for lab, values in (
        ("fasting_glucose", pool.fasting_glucose),
        ("fasting_insulin", pool.fasting_insulin),
        ("hba1c", pool.hba1c),
    ):
        keep = np.isfinite(values) & (values > 0)
        w = pool.weight[keep] / pool.weight[keep].sum()
        x = np.log(values[keep])
        mean = float(np.sum(w * x))
        out[lab] = (mean, float(np.sqrt(np.sum(w * (x - mean) ** 2))))
    return out


def _true_given_measured(
    lab: str,
    measured: FloatArray,
    rng: np.random.Generator,
    *,
    log_mean: FloatArray | None = None,
    log_sd_total: FloatArray | None = None,
) -> FloatArray:
    """A true (long-run) value for each single measurement, from its conditional distribution.

    On the log scale, with population mean ``μ``, total SD ``σ_T`` and within-person SD ``σ_W``,
    the intraclass correlation is ``ρ = 1 - σ_W²/σ_T²`` and the true value given a measurement
    ``x`` is normal with mean ``μ + ρ (x - μ)`` and variance ``ρ σ_W²`` (a bivariate normal).
    Draws outside the fit's accepted range are redrawn. ``log_mean`` and ``log_sd_total``
    (per subject) replace the survey's adults as the population the measurement came from.
    """
    if log_mean is None or log_sd_total is None:
        mu_all, sd_all = _population_log_moments()[lab]
        log_mean = np.full(measured.shape, mu_all)
        log_sd_total = np.full(measured.shape, sd_all)
    mu, sd_total = log_mean, log_sd_total
    sd_within = measurement_noise()[lab].log_sd
    rho = np.maximum(0.0, 1.0 - (sd_within / sd_total) ** 2)
    centre = mu + rho * (np.log(measured) - mu)
    spread = np.sqrt(rho) * sd_within
    low, high, _ = LAB_BOUNDS[_BOUND_OF_LAB[lab]]
    values = np.exp(centre + spread * rng.standard_normal(measured.shape))
    outside = (values < low) | (values > high)
    while bool(np.any(outside)):
        values[outside] = np.exp(
            centre[outside] + spread[outside] * rng.standard_normal(outside.sum())
        )
        outside = (values < low) | (values > high)
    return values


def _simulate_chunk(
    inputs: dict[str, FloatArray], salts: tuple[str | None, ...], days: float
) -> dict[str, FloatArray]:
    """Fit and simulate one chunk of subjects (deterministic; row by row independent).

    Returns each lab's true value at day 0 and at the end (``<lab>_start``, ``<lab>_end``)
    and ``feasible`` (1.0 where the fit reproduces the subject's labs).
    """
    n = inputs["fasting_glucose"].shape[0]

    def fit(rows: NDArray[np.intp], with_intake: bool) -> PersonFit:
        egfr = inputs.get("egfr")
        return fit_person(
            fasting_glucose_mmol_per_l=inputs["fasting_glucose"][rows],
            fasting_insulin_uiu_per_ml=inputs["fasting_insulin"][rows],
            serum_mg_mmol_per_l=inputs["serum_magnesium"][rows],
            egfr_ml_per_min_1_73m2=None if egfr is None else egfr[rows],
            hba1c_percent=inputs["hba1c"][rows],
            dietary_intake_mg_per_day=inputs["dietary_magnesium"][rows] if with_intake else None,
            base=ParameterSet(
                np.repeat(default_parameters().values, rows.size, axis=0)
                if "base_parameters" not in inputs
                else inputs["base_parameters"][rows]
            ),
        )

    first = fit(np.arange(n), with_intake=True)
    feasible = first.feasible if first.feasible is not None else np.ones(n, dtype=bool)
    parameters, initial_state = first.parameters.values.copy(), first.initial_state.copy()
    # A 1-2-day recall (or a donor's, where imputed) is a noisy estimate of usual intake: where
    # it cannot sustain the subject's serum Mg at steady state, the subject is fitted as a
    # person without a diary (the effective intake and absorption share the adjustment).
    intake_used = feasible.copy()
    if not bool(feasible.all()):
        rows = np.flatnonzero(~feasible)
        again = fit(rows, with_intake=False)
        parameters[rows] = again.parameters.values
        initial_state[rows] = again.initial_state
        feasible = feasible.copy()
        feasible[rows] = True if again.feasible is None else again.feasible
    arm = inputs["arm"].astype(int)
    dose = inputs["dose_mg_per_day"]
    segments = tuple(
        DoseSegment(model_salt_name(salt), np.where(arm == i, dose, 0.0), 0.0, math.inf)
        for i, salt in enumerate(salts)
        if salt is not None
    )
    result = simulate(
        ParameterSet(parameters),
        days=days,
        initial_state=initial_state,
        regimen=Regimen(segments),
        solver=QuasiSteadyState(dt_days=SOLVER_DT_DAYS),
        save_every_days=None,
    )
    out: dict[str, FloatArray] = {}
    for lab in _LABS:
        series = result.output(ENDPOINT_OUTPUT[lab])
        out[f"{lab}_start"] = series[:, 0]
        out[f"{lab}_end"] = series[:, -1]
    out["feasible"] = feasible.astype(float)
    out["intake_used"] = intake_used.astype(float)
    return out


ChunkTask = tuple[dict[str, FloatArray], tuple[str | None, ...], float]


class Backend(Protocol):
    """Runs the fit-and-simulate tasks and returns their results in order."""

    def map_chunks(
        self,
        tasks: Sequence[ChunkTask],
        progress: Callable[[int], None] | None = None,
    ) -> list[dict[str, FloatArray]]:
        """Run ``_simulate_chunk`` on each task; call ``progress(k)`` as each task ends."""
        ...


class LocalBackend:
    """Runs every chunk in this process, one after another."""

    def map_chunks(
        self,
        tasks: Sequence[ChunkTask],
        progress: Callable[[int], None] | None = None,
    ) -> list[dict[str, FloatArray]]:
        """Run each task in turn."""
        out = []
        for task in tasks:
            out.append(_simulate_chunk(*task))
            if progress is not None:
                progress(int(task[0]["fasting_glucose"].shape[0]))
        return out


class Summary(Record):
    """Mean and SD (n - 1) over an arm's virtual subjects."""

    mean: float
    sd: float


class EndpointResult(Record):
    """One endpoint of one arm: baseline, end and change over the virtual cohort."""

    unit: str
    baseline: Summary
    end: Summary
    change: Summary
    subjects_undefined: int = 0
    """Subjects whose index is undefined at baseline or end (HOMA-%B needs glucose above
    3.5 mmol/L) and so are not in the summaries."""


class ArmResult(Record):
    """One arm of the virtual trial."""

    n: int
    """Participants of this arm in a trial of the spec's size (its n split by allocation)."""
    n_analysed: int
    """Of them, the completers each replicate trial analyses (all without dropout)."""
    virtual_subjects: int
    """Virtual subjects summarised (those whose labs the model reproduces)."""
    excluded_not_reproducible: int
    """Virtual subjects left out: the model cannot reproduce their labs at steady state."""
    fitted_without_intake: int
    """Virtual subjects whose recorded or imputed dietary Mg cannot sustain their serum Mg at
    steady state, fitted as people without a diary instead."""
    elemental_mg_per_day: float
    adherence: float
    salt: str | None
    endpoints: dict[str, EndpointResult]


class Difference(Record):
    """Expected between-arm difference and its 95 % prediction interval for the spec's size."""

    estimate: float
    ci95: tuple[float, float]


class Contrast(Record):
    """Arm minus reference for one endpoint."""

    arm: str
    reference: str
    endpoint: str
    unit: str
    difference_in_change: Difference
    difference_at_end: Difference
    power: float
    """Share of replicate trials with Welch's two-sided t-test of the change significant at 5 %."""
    note: str | None = None
    """What to keep in mind when reading this contrast (e.g. no measurement noise modelled)."""


class TrialProvenance(Record):
    """What produced the result (no clock time: same inputs, same document)."""

    mgir_version: str
    model_version: str
    calibration_id: str | None
    seed: int
    virtual_subjects_per_arm: int
    replicates: int
    parameter_draws: int
    """0: the calibrated parameters for everyone; K: K posterior draws (see assumptions)."""
    dropout: float
    """Share of randomised participants who do not complete (at random)."""
    solver: dict[str, str | float]
    test: str


class TrialResult(Record):
    """The result document of ``mgir trial run`` (``specs/trial-spec.md``)."""

    spec_version: int
    name: str
    duration_weeks: float
    arms: dict[str, ArmResult]
    contrasts: tuple[Contrast, ...]
    population: PopulationMatch
    assumptions: tuple[str, ...]
    provenance: TrialProvenance


class PowerPoint(Record):
    """Power of one total trial size for one endpoint and contrast."""

    n_total: int
    n_per_arm: dict[str, int]
    n_analysed_per_arm: dict[str, int]
    arm: str
    reference: str
    endpoint: str
    power: float
    ci95_difference_in_change: tuple[float, float]


def schemas() -> dict[str, dict[str, Any]]:
    """JSON Schemas of the trial documents: ``trial-result`` and ``power-points``."""
    return {
        "trial-result": TrialResult.model_json_schema(mode="serialization"),
        "power-points": pydantic.TypeAdapter(list[PowerPoint]).json_schema(mode="serialization"),
    }


def split_by_allocation(n: int, allocations: Sequence[float]) -> list[int]:
    """Split ``n`` participants by relative allocation (largest remainder, at least 1 each)."""
    weights = np.asarray(allocations, dtype=float)
    exact = n * weights / weights.sum()
    counts = np.floor(exact).astype(int)
    remainder = n - int(counts.sum())
    order = np.argsort(-(exact - counts), kind="stable")
    counts[order[:remainder]] += 1
    return [max(int(c), 1) for c in counts]


@dataclass(frozen=True, slots=True)
class VirtualTrial:
    """A spec's virtual cohort after fitting and simulation, ready for replicate trials.

    ``recorded_start`` and ``true_end`` hold, per lab, one value per kept subject; ``arm`` the
    arm index of each kept subject.
    """

    spec: TrialSpec
    seed: int
    subjects_per_arm: int
    population: VirtualPopulation
    arm: NDArray[np.int64]
    recorded_start: dict[str, FloatArray]
    true_end: dict[str, FloatArray]
    recorded_end: dict[str, FloatArray]
    excluded: dict[str, int]
    fitted_without_intake: dict[str, int]
    replicate_seed: np.random.SeedSequence
    block: NDArray[np.int64]
    """Parameter draw of each kept subject (all 0 without parameter draws)."""
    parameter_draws: int


def endpoint_values(lab_values: dict[str, FloatArray], endpoint: str) -> FloatArray:
    g, i = lab_values["fasting_glucose"], lab_values["fasting_insulin"]
    if endpoint == "homa_ir":
        return formulas.homa_ir(g, i)
    if endpoint == "quicki":
        return formulas.quicki(g, i)
    if endpoint == "homa_beta":
        return formulas.homa_beta_percent(g, i)
    return lab_values[endpoint]


def _with_noise(lab: str, true: FloatArray, rng: np.random.Generator) -> FloatArray:
    noise = measurement_noise().get(lab)
    if noise is None:
        return true.copy()
    result: FloatArray = true * np.exp(noise.log_sd * rng.standard_normal(true.shape))
    return result


def prepare_trial(
    spec: TrialSpec,
    *,
    subjects_per_arm: int = DEFAULT_SUBJECTS_PER_ARM,
    seed: int | None = None,
    backend: Backend | None = None,
    chunk_subjects: int = DEFAULT_CHUNK_SUBJECTS,
    progress: Callable[[int], None] | None = None,
    parameter_draws: int = 0,
) -> VirtualTrial:
    """Draw, fit and simulate a spec's virtual cohort (steps 1–4 of the module's method).

    Parameters
    ----------
    spec : TrialSpec
        A validated spec.
    subjects_per_arm : int
        Virtual subjects per arm (>= 2).
    seed : int, optional
        Overrides the spec's seed (default :data:`DEFAULT_SEED` when neither gives one).
    backend : Backend, optional
        Where the fit-and-simulate tasks run (default :class:`LocalBackend`).
    chunk_subjects : int
        Subjects per task; does not change the result.
    progress : callable, optional
        Called with the number of subjects each finished task held.
    parameter_draws : int
        0 (default): every subject has the calibrated parameters. K > 0: K draws of the
        calibration's posterior (:func:`mgir.model.parameter_draws`); a cohort of
        ``subjects_per_arm`` per arm is simulated with each, and each replicate trial uses one
        draw for all its participants, so the interval includes parameter uncertainty (K times
        the cost).
    """
    if not (isinstance(parameter_draws, int) and 0 <= parameter_draws <= 1000):
        raise InvalidInputError(
            field="parameter_draws", value=parameter_draws, allowed="an integer in [0, 1000]"
        )
    if not (isinstance(subjects_per_arm, int) and subjects_per_arm >= 2):
        raise InvalidInputError(
            field="subjects_per_arm", value=subjects_per_arm, allowed="an integer >= 2"
        )
    if not (isinstance(chunk_subjects, int) and chunk_subjects >= 1):
        raise InvalidInputError(
            field="chunk_subjects", value=chunk_subjects, allowed="an integer >= 1"
        )
    used_seed = seed if seed is not None else spec.seed if spec.seed is not None else DEFAULT_SEED
    if not (isinstance(used_seed, int) and used_seed >= 0):
        raise InvalidInputError(field="seed", value=used_seed, allowed="an integer >= 0")
    population_seed, truth_seed, noise_seed, replicate_seed, draw_seed = np.random.SeedSequence(
        used_seed
    ).spawn(5)
    n_arms = len(spec.arms)
    blocks = max(parameter_draws, 1)
    # The same virtual people in every arm (each simulated under each arm's regimen): the
    # expected difference between arms is then free of the chance imbalance of two draws.
    people = subjects_per_arm * blocks
    population = sample_population(
        spec.condition, people, np.random.default_rng(population_seed), spec=spec
    )
    person_block = np.repeat(np.arange(blocks), subjects_per_arm)
    truth_rng = np.random.default_rng(truth_seed)
    hba1c_true = np.full(people, np.nan)
    has_hba1c = ~np.isnan(population.hba1c_measured)
    if bool(has_hba1c.any()):
        hba1c_true[has_hba1c] = _true_given_measured(
            "hba1c", population.hba1c_measured[has_hba1c], truth_rng
        )
    person: dict[str, FloatArray] = {
        "fasting_glucose": _true_given_measured(
            "fasting_glucose", population.fasting_glucose_measured, truth_rng
        ),
        "fasting_insulin": _true_given_measured(
            "fasting_insulin", population.fasting_insulin_measured, truth_rng
        ),
        # Serum Mg regresses to the mean of the subject's own population (the distribution it
        # was drawn from), not to that of all adults.
        "serum_magnesium": _true_given_measured(
            "serum_magnesium",
            population.serum_magnesium_measured,
            truth_rng,
            log_mean=np.log(population.serum_magnesium_population_mean),
            log_sd_total=population.serum_magnesium_population_sd
            / population.serum_magnesium_population_mean,
        ),
        "hba1c": hba1c_true,
        "dietary_magnesium": population.dietary_magnesium,
    }
    if not bool(np.all(np.isnan(population.egfr))):
        person["egfr"] = population.egfr
    if parameter_draws > 0:
        draws = mgir_parameter_draws(
            default_parameters(), parameter_draws, seed=int(draw_seed.generate_state(1)[0])
        )
        person["base_parameters"] = draws.values[person_block]
    arm = np.repeat(np.arange(n_arms), people)
    block = np.tile(person_block, n_arms)
    total = people * n_arms
    inputs = {k: np.concatenate([v] * n_arms) for k, v in person.items()}
    inputs["arm"] = arm.astype(float)
    inputs["dose_mg_per_day"] = np.array([a.elemental_mg_per_day * a.adherence for a in spec.arms])[
        arm
    ]
    salts = tuple(a.salt for a in spec.arms)
    days = spec.duration_weeks * 7.0
    tasks: list[ChunkTask] = [
        ({k: v[start : start + chunk_subjects] for k, v in inputs.items()}, salts, days)
        for start in range(0, total, chunk_subjects)
    ]
    chunks = (backend or LocalBackend()).map_chunks(tasks, progress)
    simulated = {k: np.concatenate([c[k] for c in chunks]) for k in chunks[0]}
    keep = simulated["feasible"] > 0.5
    noise_rng = np.random.default_rng(noise_seed)
    # Without an HbA1c in the survey (2015-2016), the baseline record is the model's value
    # with noise, like any later record (one record per person, the same in every arm).
    start_hba1c = population.hba1c_measured.copy()
    missing = np.isnan(start_hba1c)
    start_hba1c[missing] = _with_noise("hba1c", simulated["hba1c_start"][:people], noise_rng)[
        missing
    ]
    recorded_start: dict[str, FloatArray] = {
        "fasting_glucose": np.tile(population.fasting_glucose_measured, n_arms),
        "fasting_insulin": np.tile(population.fasting_insulin_measured, n_arms),
        "serum_magnesium": np.tile(population.serum_magnesium_measured, n_arms),
        "hba1c": np.tile(start_hba1c, n_arms),
        "urinary_magnesium": simulated["urinary_magnesium_start"],
    }
    true_end = {lab: simulated[f"{lab}_end"] for lab in _LABS}
    # One noise draw per person and lab, the same in every arm (common random numbers): the
    # arms' difference then carries no noise of its own, while each arm's spread is intact.
    recorded_end = {
        lab: np.tile(_with_noise(lab, np.ones(people), noise_rng), n_arms) * true_end[lab]
        for lab in _LABS
    }
    excluded = {a.name: int(np.sum(~keep & (arm == i))) for i, a in enumerate(spec.arms)}
    without_intake = simulated["intake_used"] < 0.5
    fitted_without_intake = {
        a.name: int(np.sum(keep & without_intake & (arm == i))) for i, a in enumerate(spec.arms)
    }
    return VirtualTrial(
        spec=spec,
        seed=used_seed,
        subjects_per_arm=subjects_per_arm,
        population=population,
        arm=arm[keep],
        recorded_start={k: v[keep] for k, v in recorded_start.items()},
        true_end={k: v[keep] for k, v in true_end.items()},
        recorded_end={k: v[keep] for k, v in recorded_end.items()},
        excluded=excluded,
        fitted_without_intake=fitted_without_intake,
        replicate_seed=replicate_seed,
        block=block[keep],
        parameter_draws=parameter_draws,
    )


def _summary(values: FloatArray) -> Summary:
    v = values[np.isfinite(values)]  # undefined indices are counted in subjects_undefined
    return Summary(mean=float(v.mean()), sd=float(v.std(ddof=1)) if v.size > 1 else 0.0)


@dataclass(frozen=True, slots=True)
class _Replicates:
    """Per arm: recorded start and end of each lab for R replicate trials x n_arm people."""

    start: dict[str, FloatArray]
    end: dict[str, FloatArray]


def _replicate_arm(
    trial: VirtualTrial, arm_index: int, n_arm: int, replicates: int, rng: np.random.Generator
) -> _Replicates:
    # Replicate r draws its participants from the cohort of parameter draw r mod K.
    blocks = max(trial.parameter_draws, 1)
    pick = np.empty((replicates, n_arm), dtype=np.intp)
    for b in range(blocks):
        members = np.flatnonzero((trial.arm == arm_index) & (trial.block == b))
        if members.size == 0:
            raise InvalidInputError(
                field=f"arms[{arm_index}]",
                value=trial.spec.arms[arm_index].name,
                allowed="an arm with virtual subjects the model can reproduce for every "
                "parameter draw",
            )
        rows = np.arange(b, replicates, blocks)
        pick[rows] = members[rng.integers(0, members.size, size=(rows.size, n_arm))]
    start = {lab: values[pick] for lab, values in trial.recorded_start.items()}
    end = {lab: _with_noise(lab, values[pick], rng) for lab, values in trial.true_end.items()}
    return _Replicates(start=start, end=end)


def _replicate_contrast(
    arm: _Replicates, reference: _Replicates, endpoint: str
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Per replicate: difference in mean change, difference in mean end, Welch p value."""
    a_start, a_end = endpoint_values(arm.start, endpoint), endpoint_values(arm.end, endpoint)
    r_start = endpoint_values(reference.start, endpoint)
    r_end = endpoint_values(reference.end, endpoint)
    a_change, r_change = a_end - a_start, r_end - r_start
    in_change = np.nanmean(a_change, axis=1) - np.nanmean(r_change, axis=1)
    at_end = np.nanmean(a_end, axis=1) - np.nanmean(r_end, axis=1)
    # Two arms without any spread (urinary Mg has no noise) give no p value: not significant.
    with np.errstate(divide="ignore", invalid="ignore"):
        test = scipy.stats.ttest_ind(a_change, r_change, axis=1, equal_var=False, nan_policy="omit")
    p = np.nan_to_num(np.asarray(test.pvalue, dtype=float), nan=1.0)
    return in_change, at_end, p


def _assumptions(trial: VirtualTrial, dropout: float = 0.0) -> tuple[str, ...]:
    noise = measurement_noise()
    described = ", ".join(
        f"{lab} {100 * math.sqrt(math.expm1(n.log_sd**2)):.1f} %"
        + (" (unverified)" if n.evidence == "unverified" else "")
        for lab, n in noise.items()
    )
    return (
        "Virtual subjects are NHANES adults re-weighted to the spec's baseline table "
        "(entropy balancing) and drawn with replacement; see population.",
        "The survey's single measurements are the recorded baselines; each subject's true "
        "labs are drawn given them, so selection on a measured lab regresses to the mean.",
        f"Within-person and assay noise of each later record (CV): {described}; urinary Mg "
        "without noise (no sourced value).",
        "No placebo effect and no change of diet, weight or medicines beyond the model's own "
        "drift (progression); the control arm changes only by regression to the mean, noise "
        "and progression.",
        "Adherence scales the daily dose. "
        + (
            f"Dropout {dropout:.0%} of randomised participants, at random and alike in every "
            "arm: replicate trials analyse the completers."
            if dropout
            else "No dropout: replicate trials analyse every randomised participant."
        ),
        (
            f"Parameter uncertainty: {trial.parameter_draws} draws of the calibration's "
            "posterior, a virtual cohort per draw; each replicate trial uses one draw for all "
            "its participants, so the interval includes it."
            if trial.parameter_draws
            else "The calibrated parameter set for every subject: parameter uncertainty is not "
            "part of the prediction interval, which is the sampling interval of a trial of "
            "this size (parameter_draws adds it)."
        ),
    )


def _arm_result(trial: VirtualTrial, index: int, n_arm: int, n_analysed: int) -> ArmResult:
    spec = trial.spec
    members = trial.arm == index
    start = {lab: v[members] for lab, v in trial.recorded_start.items()}
    end = {lab: v[members] for lab, v in trial.recorded_end.items()}
    endpoints = {}
    for endpoint in spec.endpoints:
        s, e = endpoint_values(start, endpoint), endpoint_values(end, endpoint)
        endpoints[endpoint] = EndpointResult(
            unit=endpoint_units()[endpoint],
            baseline=_summary(s),
            end=_summary(e),
            change=_summary(e - s),
            subjects_undefined=int(np.sum(~(np.isfinite(s) & np.isfinite(e)))),
        )
    arm = spec.arms[index]
    return ArmResult(
        n=n_arm,
        n_analysed=n_analysed,
        virtual_subjects=int(members.sum()),
        excluded_not_reproducible=trial.excluded[arm.name],
        fitted_without_intake=trial.fitted_without_intake[arm.name],
        elemental_mg_per_day=arm.elemental_mg_per_day,
        adherence=arm.adherence,
        salt=arm.salt,
        endpoints=endpoints,
    )


def _check_dropout(dropout: float) -> None:
    if not (isinstance(dropout, int | float) and 0.0 <= dropout <= 0.9):
        raise InvalidInputError(
            field="dropout", value=dropout, allowed="a fraction of randomised people in [0, 0.9]"
        )


def analysed(randomised: int, dropout: float) -> int:
    """Completers of an arm: ``round(n (1 - dropout))``, at least 2 (dropout at random)."""
    return max(2, round(randomised * (1.0 - dropout)))


def _cohort_per_arm(trial: VirtualTrial) -> int:
    """Fewest kept virtual people of any arm and parameter draw: the most a replicate may draw."""
    blocks = max(trial.parameter_draws, 1)
    return min(
        int(np.sum((trial.arm == i) & (trial.block == b)))
        for i in range(len(trial.spec.arms))
        for b in range(blocks)
    )


def _check_capacity(trial: VirtualTrial, per_arm: Sequence[int], field: str, value: object) -> None:
    """Refuse replicate trials larger per arm than the virtual cohort.

    Replicate trials resample the cohort: more people per arm than it holds would repeat its
    chance features rather than show sampling variation.
    """
    capacity = _cohort_per_arm(trial)
    if max(per_arm) > capacity:
        raise InvalidInputError(
            field=field,
            value=value,
            allowed=f"at most {capacity} participants per arm analysed: the virtual cohort "
            f"holds {capacity} per arm (raise subjects_per_arm, e.g. to {4 * max(per_arm)})",
        )


def _check_replicates(replicates: int) -> None:
    if not (isinstance(replicates, int) and replicates >= 10):
        raise InvalidInputError(field="replicates", value=replicates, allowed="an integer >= 10")


def summarise_trial(
    trial: VirtualTrial, *, replicates: int = DEFAULT_REPLICATES, dropout: float = 0.0
) -> TrialResult:
    """Arm summaries, contrasts with prediction intervals and power (step 5).

    ``dropout`` is the share of randomised participants who do not complete (at random, the
    same in every arm): replicate trials analyse the completers.
    """
    _check_replicates(replicates)
    _check_dropout(dropout)
    spec = trial.spec
    names = [a.name for a in spec.arms]
    if _cohort_per_arm(trial) == 0:
        raise InvalidInputError(
            field="population.baseline",
            value=f"all {trial.subjects_per_arm} virtual subjects of an arm left out",
            allowed="labs the model can reproduce at steady state (check the table's serum Mg, "
            "glucose and insulin against the model's accepted ranges)",
        )
    n_per_arm = split_by_allocation(spec.n, [a.allocation for a in spec.arms])
    completers = [analysed(n, dropout) for n in n_per_arm]
    _check_capacity(trial, completers, "population.n", spec.n)
    rng = np.random.default_rng(trial.replicate_seed)
    reps = [_replicate_arm(trial, i, completers[i], replicates, rng) for i in range(len(names))]
    arms = {
        name: _arm_result(trial, i, n_per_arm[i], completers[i]) for i, name in enumerate(names)
    }
    ref = names.index(spec.reference_arm)
    contrasts = []
    for i, name in enumerate(names):
        if i == ref:
            continue
        for endpoint in spec.endpoints:
            in_change, at_end, p = _replicate_contrast(reps[i], reps[ref], endpoint)
            a, r = arms[name].endpoints[endpoint], arms[spec.reference_arm].endpoints[endpoint]
            contrasts.append(
                Contrast(
                    arm=name,
                    reference=spec.reference_arm,
                    endpoint=endpoint,
                    unit=endpoint_units()[endpoint],
                    difference_in_change=Difference(
                        estimate=a.change.mean - r.change.mean,
                        ci95=_interval(in_change),
                    ),
                    difference_at_end=Difference(
                        estimate=a.end.mean - r.end.mean, ci95=_interval(at_end)
                    ),
                    power=float(np.mean(p < SIGNIFICANCE_LEVEL)),
                    note=CONTRAST_NOTES.get(endpoint),
                )
            )
    return TrialResult(
        spec_version=1,
        name=spec.name,
        duration_weeks=spec.duration_weeks,
        arms=arms,
        contrasts=tuple(contrasts),
        population=trial.population.match,
        assumptions=_assumptions(trial, dropout),
        provenance=TrialProvenance(
            mgir_version=package_version(),
            model_version=MODEL_VERSION,
            calibration_id=calibration_id(),
            seed=trial.seed,
            virtual_subjects_per_arm=trial.subjects_per_arm,
            replicates=replicates,
            parameter_draws=trial.parameter_draws,
            dropout=dropout,
            solver=QuasiSteadyState(dt_days=SOLVER_DT_DAYS).describe(),
            test="Welch two-sided t-test of the change (scipy.stats.ttest_ind, equal_var=False)",
        ),
    )


def _interval(values: FloatArray) -> tuple[float, float]:
    low, high = np.nanpercentile(values, [2.5, 97.5])
    return float(low), float(high)


def run_trial(
    spec: TrialSpec,
    *,
    subjects_per_arm: int = DEFAULT_SUBJECTS_PER_ARM,
    replicates: int = DEFAULT_REPLICATES,
    seed: int | None = None,
    backend: Backend | None = None,
    chunk_subjects: int = DEFAULT_CHUNK_SUBJECTS,
    progress: Callable[[int], None] | None = None,
    parameter_draws: int = 0,
    dropout: float = 0.0,
) -> TrialResult:
    """Run a spec as a virtual trial (see the module's method).

    Parameters
    ----------
    spec : TrialSpec
        A validated spec (:func:`mgir.trials.read_trial_spec`).
    subjects_per_arm : int
        Virtual subjects per arm (default 2,000).
    replicates : int
        Replicate trials of the spec's size behind each interval and power (default 1,000).
    seed : int, optional
        Overrides the spec's seed; same spec and seed give the identical result.
    backend : Backend, optional
        :class:`LocalBackend` (default) or :class:`mgir.trials.DaskBackend`.
    chunk_subjects : int
        Subjects per task (does not change the result).
    progress : callable, optional
        Called with the subjects of each finished task.
    parameter_draws : int
        Posterior draws of the calibrated parameters (see :func:`prepare_trial`; 0: none).
    dropout : float
        Share of randomised participants who do not complete, at random (default 0).

    Returns
    -------
    TrialResult
        The result document (``docs/schemas/trial-result.schema.json``).
    """
    _check_replicates(replicates)
    _check_dropout(dropout)
    trial = prepare_trial(
        spec,
        subjects_per_arm=subjects_per_arm,
        seed=seed,
        backend=backend,
        chunk_subjects=chunk_subjects,
        progress=progress,
        parameter_draws=parameter_draws,
    )
    return summarise_trial(trial, replicates=replicates, dropout=dropout)


def power_curve(
    trial: VirtualTrial,
    totals: Sequence[int],
    *,
    endpoint: str,
    arm: str | None = None,
    replicates: int = DEFAULT_REPLICATES,
    dropout: float = 0.0,
) -> list[PowerPoint]:
    """Power of the contrast of ``arm`` against the reference for several total trial sizes.

    ``totals`` are randomised participants; with ``dropout`` the completers are analysed.
    Every size uses the same replicate draws (common random numbers: the first people of the
    largest trial), so the curve is smooth and rises with n up to replicate noise.
    """
    _check_replicates(replicates)
    _check_dropout(dropout)
    spec = trial.spec
    if endpoint not in spec.endpoints:
        raise InvalidInputError(
            field="endpoint",
            value=endpoint,
            allowed=f"one of the spec's endpoints: {', '.join(spec.endpoints)}",
        )
    names = [a.name for a in spec.arms]
    arm_name = arm or next(n for n in names if n != spec.reference_arm)
    if arm_name not in names or arm_name == spec.reference_arm:
        raise InvalidInputError(
            field="arm", value=arm_name, allowed=f"an arm other than {spec.reference_arm}"
        )
    bad = [t for t in totals if not (isinstance(t, int) and t >= 2 * len(names))]
    if bad or not totals:
        raise InvalidInputError(
            field="n", value=bad or list(totals), allowed=f"integers >= {2 * len(names)}"
        )
    i, ref = names.index(arm_name), names.index(spec.reference_arm)
    allocations = [a.allocation for a in spec.arms]
    largest = [analysed(m, dropout) for m in split_by_allocation(max(totals), allocations)]
    _check_capacity(trial, largest, "n", max(totals))
    rng = np.random.default_rng(trial.replicate_seed)
    reps = {k: _replicate_arm(trial, k, largest[k], replicates, rng) for k in (i, ref)}
    out = []
    for total in totals:
        n = split_by_allocation(total, allocations)
        kept = [analysed(m, dropout) for m in n]
        head = {
            k: _Replicates(
                start={lab: v[:, : kept[k]] for lab, v in reps[k].start.items()},
                end={lab: v[:, : kept[k]] for lab, v in reps[k].end.items()},
            )
            for k in (i, ref)
        }
        in_change, _, p = _replicate_contrast(head[i], head[ref], endpoint)
        out.append(
            PowerPoint(
                n_total=total,
                n_per_arm={names[k]: n[k] for k in range(len(names))},
                n_analysed_per_arm={names[k]: kept[k] for k in range(len(names))},
                arm=arm_name,
                reference=spec.reference_arm,
                endpoint=endpoint,
                power=float(np.mean(p < SIGNIFICANCE_LEVEL)),
                ci95_difference_in_change=_interval(in_change),
            )
        )
    return out


def n_for_power(
    trial: VirtualTrial,
    *,
    endpoint: str,
    target_power: float,
    arm: str | None = None,
    replicates: int = DEFAULT_REPLICATES,
    max_total: int = 20000,
    dropout: float = 0.0,
) -> PowerPoint | None:
    """Smallest total n whose power reaches ``target_power`` (doubling, then bisection).

    Returns None when even ``max_total`` participants do not reach it, or the most the virtual
    cohort can show (no more per arm than it holds).
    """
    if not 0.0 < target_power < 1.0:
        raise InvalidInputError(field="target_power", value=target_power, allowed="in (0, 1)")
    low = 2 * len(trial.spec.arms)
    # No total needing more people per arm than the virtual cohort holds.
    capacity = _cohort_per_arm(trial)
    allocations = [a.allocation for a in trial.spec.arms]
    while (
        max_total > low
        and max(analysed(m, dropout) for m in split_by_allocation(max_total, allocations))
        > capacity
    ):
        max_total -= max(1, max_total // 50)

    def power_at(total: int) -> PowerPoint:
        return power_curve(
            trial, [total], endpoint=endpoint, arm=arm, replicates=replicates, dropout=dropout
        )[0]

    if power_at(low).power >= target_power:
        return power_at(low)
    high = low
    while True:
        high = min(high * 2, max_total)
        if power_at(high).power >= target_power:
            break
        if high >= max_total:
            return None
        low = high
    while high - low > 1:
        middle = (low + high) // 2
        if power_at(middle).power >= target_power:
            high = middle
        else:
            low = middle
    return power_at(high)
