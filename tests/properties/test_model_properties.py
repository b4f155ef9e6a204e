"""Property tests of the model: mass balance, positivity, monotonicity, cohort equivalence."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mgir.model import (
    Output,
    ParameterSet,
    QuasiSteadyState,
    Regimen,
    State,
    fit_person,
    salt_names,
    simulate,
)

pytestmark = pytest.mark.slow

labs = st.fixed_dictionaries(
    {
        "fasting_glucose_mmol_per_l": st.floats(3.8, 16.0),
        "fasting_insulin_uiu_per_ml": st.floats(2.0, 40.0),
        "serum_mg_mmol_per_l": st.floats(0.45, 1.1),
        "egfr_ml_per_min_1_73m2": st.floats(10.0, 130.0),
    }
)
doses = st.floats(0.0, 1200.0)
salts = st.sampled_from(salt_names())
SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(labs=labs, dose=doses, salt=salts, days=st.integers(1, 200))
def test_mass_balance_and_positivity(
    labs: dict[str, float], dose: float, salt: str, days: int
) -> None:
    fit = fit_person(**labs)
    r = simulate(
        fit.parameters,
        initial_state=fit.initial_state,
        days=days,
        regimen=Regimen.constant(salt, dose),
        solver=QuasiSteadyState(dt_days=0.5),
    )
    assert np.all(np.isfinite(r.states))
    assert np.all(r.states >= 0)
    body = r.output(Output.BODY_MG)[0]
    absorbed = r.state(State.CUMULATIVE_ABSORBED)[0]
    urinary = r.state(State.CUMULATIVE_URINARY)[0]
    intake = r.state(State.CUMULATIVE_INTAKE)[0]
    faecal = r.state(State.CUMULATIVE_FAECAL)[0]
    np.testing.assert_allclose(body - body[0], absorbed - urinary, rtol=0, atol=1e-10 * body[0])
    np.testing.assert_allclose(intake, absorbed + faecal, rtol=0, atol=1e-10 * body[0])
    assert np.all(absorbed <= intake + 1e-12)


@SETTINGS
@given(labs=labs, low=doses, extra=st.floats(10.0, 800.0), salt=salts)
def test_more_magnesium_never_lowers_serum_or_raises_homa(
    labs: dict[str, float], low: float, extra: float, salt: str
) -> None:
    fit = fit_person(**labs)
    params = ParameterSet(np.repeat(fit.parameters.values, 2, axis=0))
    y0 = np.repeat(fit.initial_state, 2, axis=0)
    r = simulate(
        params,
        initial_state=y0,
        days=90,
        save_every_days=None,
        regimen=Regimen.constant(salt, np.array([low, low + extra])),
        solver=QuasiSteadyState(dt_days=0.5),
    )
    serum = r.output(Output.SERUM_MG)[:, -1]
    homa = r.output(Output.HOMA_IR)[:, -1]
    assert serum[1] >= serum[0] - 1e-12
    assert homa[1] <= homa[0] * (1 + 1e-9)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cohort=st.lists(labs, min_size=2, max_size=5), dose=doses)
def test_cohort_equals_one_by_one(cohort: list[dict[str, float]], dose: float) -> None:
    fits = [fit_person(**lab) for lab in cohort]
    params = ParameterSet(np.vstack([f.parameters.values for f in fits]))
    y0 = np.vstack([f.initial_state for f in fits])
    solver = QuasiSteadyState(dt_days=1.0)
    reg = Regimen.constant("magnesium citrate", dose)
    together = simulate(params, initial_state=y0, days=60, regimen=reg, solver=solver)
    for k, f in enumerate(fits):
        alone = simulate(
            f.parameters, initial_state=f.initial_state, days=60, regimen=reg, solver=solver
        )
        np.testing.assert_allclose(together.states[k], alone.states[0], rtol=1e-12, atol=1e-12)


def _fast_path_rhs(y: np.ndarray, p: np.ndarray, supp: np.ndarray, acc: np.ndarray) -> np.ndarray:
    """The right-hand side assembled from the fast solver's hand-vectorised fluxes."""
    from mgir.model._equations import (
        absorption_mmol_per_day,
        beta_growth_rate_per_day,
        effective_insulin_sensitivity,
        effective_secretion_max,
        exchange_rates_per_day,
        hba1c_equilibrium_percent,
        renal_excretion_mmol_per_day,
        setpoint_drift_mg_per_dl_per_day,
    )
    from mgir.model._parameters import Param

    g, ins, beta = (y[:, s.pos] for s in (State.GLUCOSE, State.INSULIN, State.BETA_CELL_MASS))
    e, i, bf, bs = (
        y[:, s.pos]
        for s in (
            State.MG_EXTRACELLULAR,
            State.MG_INTRACELLULAR,
            State.MG_BONE_FAST,
            State.MG_BONE_SLOW,
        )
    )
    si = effective_insulin_sensitivity(p, i)
    sigma = effective_secretion_max(p, i)
    alpha = p[:, Param.SECRETION_HALF_GLUCOSE_SQ.pos]
    food, absorbed = absorption_mmol_per_day(p, acc)
    urine, _ = renal_excretion_mmol_per_day(p, e, g, si * ins)
    k_ei, k_ie, k_eb, k_be, k_fs, k_sf = exchange_rates_per_day(p)
    to_ic, to_bf, to_bs = k_ei * e - k_ie * i, k_eb * e - k_be * bf, k_fs * bf - k_sf * bs
    out = np.empty_like(y)
    out[:, State.GLUCOSE.pos] = (
        p[:, Param.GLUCOSE_PRODUCTION.pos] - (p[:, Param.GLUCOSE_EFFECTIVENESS.pos] + si * ins) * g
    )
    out[:, State.INSULIN.pos] = (
        beta * sigma * g * g / (alpha + g * g) - p[:, Param.INSULIN_CLEARANCE.pos] * ins
    )
    setpoint = y[:, State.BETA_SETPOINT.pos]
    out[:, State.BETA_CELL_MASS.pos] = beta_growth_rate_per_day(p, g, setpoint) * beta
    out[:, State.BETA_SETPOINT.pos] = setpoint_drift_mg_per_dl_per_day(p, g, si)
    out[:, State.MG_EXTRACELLULAR.pos] = absorbed - urine - to_ic - to_bf
    out[:, State.MG_INTRACELLULAR.pos] = to_ic
    out[:, State.MG_BONE_FAST.pos] = to_bf - to_bs
    out[:, State.MG_BONE_SLOW.pos] = to_bs
    out[:, State.CUMULATIVE_INTAKE.pos] = food + supp
    out[:, State.CUMULATIVE_ABSORBED.pos] = absorbed
    out[:, State.CUMULATIVE_FAECAL.pos] = food + supp - absorbed
    out[:, State.CUMULATIVE_URINARY.pos] = urine
    out[:, State.HBA1C.pos] = (
        np.log(2.0)
        / p[:, Param.HBA1C_HALF_TIME.pos]
        * (hba1c_equilibrium_percent(p, g) - y[:, State.HBA1C.pos])
    )
    return out


@SETTINGS
@given(
    labs=labs,
    dose=doses,
    salt=salts,
    scales=st.lists(st.floats(0.3, 2.0), min_size=7, max_size=7),
)
def test_fast_path_fluxes_agree_with_the_one_definition(
    labs: dict[str, float], dose: float, salt: str, scales: list[float]
) -> None:
    """The solver's hand-vectorised fluxes equal the symbolic definition (SBML's source)."""
    from mgir.model._definition import rhs

    fit = fit_person(**labs)
    y = fit.initial_state.copy()
    y[0, :7] *= np.asarray(scales)  # away from steady state: every flux non-trivial
    y[0, State.HBA1C.pos] += scales[0] - 1.0
    supp, acc = Regimen.constant(salt, dose).supplement_mmol_per_day(0.0, 1)
    expected = _fast_path_rhs(y, fit.parameters.values, supp, acc)
    np.testing.assert_allclose(
        rhs(y, fit.parameters.values, supp, acc), expected, rtol=1e-9, atol=1e-9
    )
