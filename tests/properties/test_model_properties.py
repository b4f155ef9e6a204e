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
