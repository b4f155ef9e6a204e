"""Progression to diabetes: the β-cell set point drifts under glucotoxicity and insulin resistance."""

from __future__ import annotations

import numpy as np
import pytest

from mgir.model import (
    Output,
    Param,
    QuasiSteadyState,
    Regimen,
    ScipyReference,
    State,
    calibration_record,
    default_parameters,
    fit_person,
    simulate,
    steady_state,
)
from mgir.model._progression import (
    ifg_cohort,
    predict_incidence,
    progression_log_sd,
    progression_targets,
)

YEAR = 365.25


def _glucose_path(fit, years: float, regimen: Regimen | None = None):  # type: ignore[no-untyped-def]
    r = simulate(
        fit.parameters,
        initial_state=fit.initial_state,
        days=years * YEAR,
        save_every_days=YEAR,
        regimen=regimen,
    )
    return r.output(Output.FASTING_GLUCOSE)[0]


def test_a_healthy_reference_adult_does_not_progress() -> None:
    """At the reference fasting glucose (the progression threshold) nothing drifts in 20 years."""
    p = default_parameters()
    y0 = steady_state(p)
    r = simulate(p, initial_state=y0, days=20 * YEAR, save_every_days=None)
    assert r.state(State.BETA_SETPOINT)[0, -1] == y0[0, State.BETA_SETPOINT.pos]
    assert r.output(Output.FASTING_GLUCOSE)[0, -1] == pytest.approx(
        r.output(Output.FASTING_GLUCOSE)[0, 0], rel=1e-9
    )


def test_impaired_fasting_glucose_rises_faster_and_faster() -> None:
    """Fasting glucose rises every year and the rise accelerates (Tabák 2009 trajectories)."""
    fit = fit_person(fasting_glucose_mmol_per_l=6.2, fasting_insulin_uiu_per_ml=15.0)
    glucose = _glucose_path(fit, 10.0)
    rises = np.diff(glucose)
    assert np.all(rises > 0)
    assert rises[-1] > 1.5 * rises[0]


def test_the_same_person_made_mg_deficient_progresses_faster() -> None:
    """Replete person vs their twin with the Mg balance of serum 0.65 mmol/L: lower
    intracellular Mg, lower S_I, more insulin, faster drift (the vicious circle's first half)."""
    labs = {"fasting_glucose_mmol_per_l": 6.2, "fasting_insulin_uiu_per_ml": 15.0}
    replete = fit_person(**labs, serum_mg_mmol_per_l=0.9)
    balance = fit_person(**labs, serum_mg_mmol_per_l=0.65).parameters
    p = replete.parameters.replace(
        **{b: balance[b] for b in (Param.DIETARY_INTAKE, Param.ABSORPTION_SCALE)}
    )
    y0 = steady_state(p)
    assert y0[0, State.INSULIN.pos] > 15.0
    deficient = simulate(p, initial_state=y0, days=5 * YEAR, save_every_days=YEAR)
    low = deficient.output(Output.FASTING_GLUCOSE)[0]
    high = _glucose_path(replete, 5.0)
    assert low[0] == pytest.approx(high[0], rel=1e-9)
    assert low[-1] - low[0] > 1.2 * (high[-1] - high[0])


def test_at_the_same_labs_serum_mg_does_not_change_the_drift() -> None:
    """Measured insulin pins the effective S_I: serum Mg then acts only through what follows."""
    from mgir.model._definition import rhs

    labs = {"fasting_glucose_mmol_per_l": 6.2, "fasting_insulin_uiu_per_ml": 15.0}
    low, high = (
        rhs(fit.initial_state, fit.parameters.values, np.zeros(1), np.zeros(1))[
            0, State.BETA_SETPOINT.pos
        ]
        for fit in (fit_person(**labs, serum_mg_mmol_per_l=s) for s in (0.65, 0.85))
    )
    assert low > 0
    assert low == pytest.approx(high, rel=1e-9)


def test_supplement_slows_progression_in_a_deficient_person() -> None:
    fit = fit_person(
        fasting_glucose_mmol_per_l=6.2, fasting_insulin_uiu_per_ml=15.0, serum_mg_mmol_per_l=0.65
    )
    without = _glucose_path(fit, 5.0)
    with_mg = _glucose_path(fit, 5.0, Regimen.constant("magnesium citrate", 300.0))
    assert with_mg[-1] < without[-1]
    assert with_mg[-1] > with_mg[0]  # slowed, not reversed: the drift still runs


def test_switched_off_progression_is_a_steady_state() -> None:
    fit = fit_person(fasting_glucose_mmol_per_l=6.2, fasting_insulin_uiu_per_ml=15.0)
    p = fit.parameters.replace(**{Param.PROGRESSION_RATE: 0.0})
    r = simulate(p, initial_state=fit.initial_state, days=5 * YEAR, save_every_days=None)
    assert r.output(Output.FASTING_GLUCOSE)[0, -1] == pytest.approx(6.2, rel=1e-9)


@pytest.mark.slow
def test_fast_solver_follows_the_reference_over_years() -> None:
    """Three years of drift: the QSS solver's glucose and set point match the stiff ODE."""
    fit = fit_person(
        fasting_glucose_mmol_per_l=6.5, fasting_insulin_uiu_per_ml=18.0, serum_mg_mmol_per_l=0.7
    )
    kwargs = {"initial_state": fit.initial_state, "days": 3 * YEAR, "save_every_days": YEAR}
    fast = simulate(fit.parameters, solver=QuasiSteadyState(dt_days=0.25), **kwargs)
    ref = simulate(fit.parameters, solver=ScipyReference(rtol=1e-8, atol=1e-8), **kwargs)
    for state in (State.BETA_SETPOINT, State.GLUCOSE, State.HBA1C):
        np.testing.assert_allclose(fast.state(state), ref.state(state), rtol=2e-3)


@pytest.mark.slow
def test_shipped_incidence_is_the_current_model_s_and_fits_its_targets() -> None:
    """Fails when equations or data change without rerunning scripts/calibrate_model.py.

    Also: every target lies within two of its standard errors (log scale) of the model.
    """
    record = calibration_record()["progression"]
    rate = float(default_parameters()[Param.PROGRESSION_RATE][0])
    assert rate == calibration_record()["parameters"][Param.PROGRESSION_RATE.value]
    assert progression_log_sd() == record["log_sd"]
    predicted = predict_incidence(ifg_cohort(), rate, progression_log_sd())
    for key, value in record["predictions"].items():
        assert predicted[key] == pytest.approx(value, rel=1e-6), key
    for target in progression_targets():
        residual = np.log(predicted[target.key] / target.incidence_per_1000_person_years)
        assert abs(residual) < 2 * target.log_standard_error, target.key


def test_checks_that_are_not_fitted_point_the_way_the_cohorts_do() -> None:
    """More intake lowers incidence (Dong 2011); lower serum Mg raises it (Kao 1999)."""
    checks = calibration_record()["progression"]["checks"]
    assert checks["rate_ratio_per_100_mg_intake"] < 1.0
    assert checks["rate_ratio_lowest_vs_highest_serum_mg"] > 1.0


def test_uncertainty_draws_spread_the_person_s_progression_rate() -> None:
    from mgir.model import parameter_draws

    base = default_parameters()
    draws = parameter_draws(base, 400, seed=3)[Param.PROGRESSION_RATE]
    log_ratio = np.log(draws / base[Param.PROGRESSION_RATE][0])
    assert np.std(log_ratio) == pytest.approx(progression_log_sd(), rel=0.15)
    assert abs(np.median(log_ratio)) < 0.2
