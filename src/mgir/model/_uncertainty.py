"""Uncertainty bands: simulate with parameter draws from the calibration's uncertainty."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
from numpy.typing import NDArray

from mgir._errors import InvalidInputError
from mgir.model._inputs import Regimen
from mgir.model._parameters import (
    Param,
    ParameterSet,
    calibration_record,
    default_parameters,
    parameter_info,
)
from mgir.model._population import InsulinPrior, SerumMgPrior
from mgir.model._posterior import PosteriorSample
from mgir.model._result import Output, SimulationResult
from mgir.model._simulate import simulate
from mgir.model._solvers import AbstractSolver
from mgir.model._steady_state import PersonFit, fit_person

__all__ = ["OVERSAMPLING", "UncertainSimulation", "parameter_draws", "simulate_person"]

FloatArray = NDArray[np.float64]

OVERSAMPLING = 4
"""Draws tried per draw wanted when conditioning the bands on the person's labs."""


def parameter_draws(base: ParameterSet, n_draws: int, *, seed: int = 0) -> ParameterSet:
    """Return copies of ``base``'s first row with calibrated parameters drawn from the calibration.

    Draws resample the calibration's posterior sample (``data/calibrated.toml`` ``[posterior]``,
    an emcee ensemble over the plausible ranges), or, in a record without one, are multivariate
    normal in log space from its Laplace approximation (``[uncertainty]``) clipped to each
    parameter's plausible range. The person's progression rate is drawn from the population's
    log-normal spread (``[progression]``) around the base value. Without a shipped calibration
    every draw equals the base.
    """
    if n_draws < 1:
        raise InvalidInputError(field="n_draws", value=n_draws, allowed=">= 1")
    out = base.repeat(n_draws)
    record = calibration_record()
    rng = np.random.default_rng(seed)
    info = parameter_info()
    changes: dict[str, FloatArray] = {}
    posterior = record.get("posterior")
    unc = record.get("uncertainty")
    if isinstance(posterior, Mapping):
        sample = PosteriorSample.from_record(posterior)
        rows = sample.log_draws[rng.integers(0, sample.log_draws.shape[0], n_draws)]
        for j, name in enumerate(sample.names):
            changes[Param(name).value] = np.exp(rows[:, j])
    elif isinstance(unc, Mapping):
        mean = np.asarray(unc["log_mean"], dtype=float)
        cov = np.asarray(unc["log_covariance"], dtype=float)
        draws = rng.multivariate_normal(mean, cov, size=n_draws, method="eigh")
        for j, name in enumerate(unc["names"]):
            p = Param(name)
            changes[p.value] = np.clip(np.exp(draws[:, j]), info[p].lower, info[p].upper)
    else:
        return out
    progression = record.get("progression")
    if isinstance(progression, Mapping):
        # A person's own drift rate is unknown: draw it from the population's log-normal
        # spread, widened by the uncertainty of the fitted median.
        rate = Param.PROGRESSION_RATE
        sd = math.sqrt(
            float(progression["log_sd"]) ** 2 + float(progression["log_covariance"][0][0])
        )
        drawn = base.values[0, rate.pos] * np.exp(sd * rng.standard_normal(n_draws))
        changes[rate.value] = np.clip(drawn, info[rate].lower, info[rate].upper)
    return out.replace(**changes)


@dataclass(frozen=True, slots=True)
class UncertainSimulation:
    """A central simulation and quantile bands over parameter draws.

    Attributes
    ----------
    central
        Simulation at the calibrated estimate.
    draws
        Simulation of every draw (one subject per draw).
    quantiles
        The quantile levels of ``bands`` (e.g. 0.05, 0.5, 0.95).
    fit
        The person fit at the calibrated estimate (labs used, fitted values).
    draws_tried, draws_used
        Parameter draws sampled, and those kept because their fit reproduces the person's labs
        at steady state (the bands are conditioned on the labs).
    warnings
        What the caller must show (too few draws reproduce the labs, an infeasible fit).
    """

    central: SimulationResult
    draws: SimulationResult
    quantiles: tuple[float, ...]
    fit: PersonFit
    draws_tried: int = 0
    draws_used: int = 0
    warnings: tuple[str, ...] = ()

    def bands(self, output: Output | str) -> FloatArray:
        """Quantiles of an output over draws, shape ``(len(quantiles), n_t)``."""
        result: FloatArray = np.quantile(self.draws.output(output), self.quantiles, axis=0)
        return result

    def measured_bands(self, output: Output | str, log_sd: float) -> FloatArray:
        """Quantiles of one measurement of ``output``, shape ``(len(quantiles), n_t)``.

        A lab measured on a given day scatters around the person's true value by their
        day-to-day biological variation and the assay's imprecision. With both log-normal
        (``log_sd`` the SD of ln measurement / true value), a measurement is distributed as the
        mixture, over the draws, of log-normals around each draw's value; its quantiles are found
        exactly (bisection on the mixture's distribution function, to 1e-12 in log space). With
        ``log_sd = 0`` these are :meth:`bands`.

        Parameters
        ----------
        output : Output or str
            A positive output.
        log_sd : float
            ``sqrt(ln(1 + CVI²) + ln(1 + CVA²))`` for CVs as fractions (Fraser's components).
        """
        from scipy.special import ndtr  # noqa: PLC0415

        if not log_sd >= 0.0:
            raise InvalidInputError(field="log_sd", value=log_sd, allowed=">= 0")
        if log_sd == 0.0:
            return self.bands(output)
        values = self.draws.output(output)
        if bool(np.any(values <= 0.0)):
            raise InvalidInputError(
                field="output", value=str(output), allowed="an output that stays positive"
            )
        logs = np.log(values)
        rows = []
        for q in self.quantiles:
            low = logs.min(axis=0) - 10.0 * log_sd
            high = logs.max(axis=0) + 10.0 * log_sd
            while float(np.max(high - low)) > 1e-12:
                mid = 0.5 * (low + high)
                below = ndtr((mid[None, :] - logs) / log_sd).mean(axis=0) < q
                low = np.where(below, mid, low)
                high = np.where(below, high, mid)
            rows.append(np.exp(0.5 * (low + high)))
        return np.asarray(rows, dtype=float)

    def summary(self) -> dict[str, dict[str, Any]]:
        """Start and end of the main outputs with bands, canonical units, JSON-ready."""
        units = {
            Output.SERUM_MG: "mmol/L",
            Output.FASTING_GLUCOSE: "mmol/L",
            Output.FASTING_INSULIN: "µIU/mL",
            Output.HOMA_IR: "1",
        }
        names = {
            Output.SERUM_MG: "serum_magnesium",
            Output.FASTING_GLUCOSE: "fasting_glucose",
            Output.FASTING_INSULIN: "fasting_insulin",
            Output.HOMA_IR: "homa_ir",
        }
        out: dict[str, dict[str, Any]] = {}
        for o, unit in units.items():
            central = self.central.output(o)[0]
            band = self.bands(o)
            out[names[o]] = {
                "start": float(central[0]),
                "end": float(central[-1]),
                "end_low": float(band[0, -1]),
                "end_high": float(band[-1, -1]),
                "quantiles": list(self.quantiles),
                "unit": unit,
            }
        return out


def simulate_person(
    *,
    days: float,
    regimen: Regimen | None = None,
    fasting_glucose_mmol_per_l: float | None = None,
    fasting_insulin_uiu_per_ml: float | None = None,
    serum_mg_mmol_per_l: float | None = None,
    egfr_ml_per_min_1_73m2: float | None = None,
    dietary_intake_mg_per_day: float | None = None,
    hba1c_percent: float | None = None,
    serum_mg_prior: SerumMgPrior | None = None,
    insulin_prior: InsulinPrior | None = None,
    medicines: tuple[str, ...] = (),
    mg_balance: Literal["steady_state", "intake"] = "steady_state",
    n_draws: int = 200,
    quantiles: tuple[float, ...] = (0.05, 0.5, 0.95),
    seed: int = 0,
    solver: AbstractSolver | None = None,
    save_every_days: float | None = 1.0,
) -> UncertainSimulation:
    """Fit a person to their labs and simulate them with calibration uncertainty.

    Each parameter draw is refitted to the same labs; a draw is kept only when its fit reproduces
    the labs at steady state (the draws are conditioned on the person's labs). Up to
    ``OVERSAMPLING`` times ``n_draws`` draws are tried, so every kept draw starts at the person's
    measured values and, without a supplement, stays there: the bands are centred on the labs and
    show the uncertainty of the response.

    Parameters
    ----------
    days : float
        Duration (days).
    regimen : Regimen, optional
        Supplement regimen.
    fasting_glucose_mmol_per_l, fasting_insulin_uiu_per_ml, serum_mg_mmol_per_l,
    egfr_ml_per_min_1_73m2, dietary_intake_mg_per_day, hba1c_percent : float, optional
        Labs in canonical units (see :func:`mgir.model.fit_person`).
    serum_mg_prior : SerumMgPrior, optional
        Used when ``serum_mg_mmol_per_l`` is missing: the central run starts at the
        population's mean serum Mg and every parameter draw at its own draw from the
        population (:func:`mgir.model.population_serum_mg`), so the bands carry the spread of
        serum Mg in that population. ``fit.labs_used`` says ``population``. Without it a
        missing serum Mg takes the reference adult's steady state (the old behaviour).
    insulin_prior : InsulinPrior, optional
        Used when ``fasting_insulin_uiu_per_ml`` is missing: the central run starts at the
        prior's geometric mean and every parameter draw at its own draw
        (:func:`mgir.model.population_insulin`), so the bands carry the spread of insulin in
        people like the person. ``fit.labs_used`` says ``population``.
    medicines : tuple of str
        The person's medicine names (see :func:`mgir.model.fit_person`).
    mg_balance : {"steady_state", "intake"}
        How the person's Mg balance starts (see :func:`mgir.model.fit_person`): at steady
        state, or driven by the recorded intake from day 0 (a person who is losing Mg).
    n_draws : int
        Number of parameter draws.
    quantiles : tuple of float
        Band levels.
    seed : int
        Seed of the draws (recorded in provenance).
    solver, save_every_days
        As in :func:`mgir.model.simulate`.
    """
    if not all(0.0 <= q <= 1.0 for q in quantiles) or not quantiles:
        raise InvalidInputError(field="quantiles", value=quantiles, allowed="values in [0, 1]")
    labs: dict[str, float | None] = {
        "fasting_glucose_mmol_per_l": fasting_glucose_mmol_per_l,
        "fasting_insulin_uiu_per_ml": fasting_insulin_uiu_per_ml,
        "serum_mg_mmol_per_l": serum_mg_mmol_per_l,
        "egfr_ml_per_min_1_73m2": egfr_ml_per_min_1_73m2,
        "dietary_intake_mg_per_day": dietary_intake_mg_per_day,
        "hba1c_percent": hba1c_percent,
    }
    from_population = serum_mg_mmol_per_l is None and serum_mg_prior is not None
    source = "population" if from_population else "measured"
    if from_population:
        assert serum_mg_prior is not None
        labs["serum_mg_mmol_per_l"] = serum_mg_prior.mean_mmol_per_l
    insulin_from_population = fasting_insulin_uiu_per_ml is None and insulin_prior is not None
    insulin_source = "population" if insulin_from_population else "measured"
    if insulin_from_population:
        assert insulin_prior is not None
        labs["fasting_insulin_uiu_per_ml"] = insulin_prior.median_uiu_per_ml
    fit = fit_person(
        **labs,  # type: ignore[arg-type]
        serum_mg_source=source,
        insulin_source=insulin_source,
        medicines=medicines,
        mg_balance=mg_balance,
    )
    central = simulate(
        fit.parameters,
        days=days,
        regimen=regimen,
        initial_state=fit.initial_state,
        solver=solver,
        save_every_days=save_every_days,
        seed=seed,
    )
    draws_base = parameter_draws(default_parameters(), n_draws * OVERSAMPLING, seed=seed)
    draw_labs: dict[str, Any] = dict(labs)
    if from_population:
        assert serum_mg_prior is not None
        # Its own stream, so the parameter draws stay those of the same seed.
        rng = np.random.default_rng([seed, 1])
        draw_labs["serum_mg_mmol_per_l"] = serum_mg_prior.draw(draws_base.n_subjects, rng)
    if insulin_from_population:
        assert insulin_prior is not None
        draw_labs["fasting_insulin_uiu_per_ml"] = insulin_prior.draw(
            draws_base.n_subjects, np.random.default_rng([seed, 2])
        )
    fit_draws = fit_person(
        **draw_labs,
        base=draws_base,
        serum_mg_source=source,
        insulin_source=insulin_source,
        medicines=medicines,
        mg_balance=mg_balance,
    )
    feasible = (
        np.ones(draws_base.n_subjects, dtype=bool)
        if fit_draws.feasible is None
        else fit_draws.feasible
    )
    keep = np.flatnonzero(feasible)[:n_draws]
    warnings = list(fit.warnings)
    if keep.size < 2:
        keep = np.arange(n_draws)
        warnings.append(
            f"no parameter draw of {draws_base.n_subjects} reproduces these labs at steady state; "
            "the bands use unconditioned draws and drift from the labs"
        )
    elif keep.size < n_draws:
        warnings.append(
            f"only {keep.size} of {draws_base.n_subjects} parameter draws reproduce these labs "
            f"at steady state; the bands use those {keep.size}"
        )
    kept = ParameterSet(fit_draws.parameters.values[keep], label="person draws")
    draws = simulate(
        kept,
        days=days,
        regimen=regimen,
        initial_state=fit_draws.initial_state[keep],
        solver=solver,
        save_every_days=save_every_days,
        seed=seed,
    )
    return UncertainSimulation(
        central=central,
        draws=draws,
        quantiles=tuple(quantiles),
        fit=fit,
        draws_tried=draws_base.n_subjects,
        draws_used=int(keep.size),
        warnings=tuple(warnings),
    )
