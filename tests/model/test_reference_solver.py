"""The fast QSS solver agrees with the stiff reference (scipy Radau / BDF at tight tolerance).

Stated tolerances (relative, on every saved day of a 16-week supplementation from a deficient,
insulin-resistant, hyperglycaemic start, and on β-cell mass):
dt = 0.25 day: 0.5 %; dt = 1 day: 2 %.
"""

from __future__ import annotations

import numpy as np
import pytest

from mgir.model import (
    Output,
    ParameterSet,
    QuasiSteadyState,
    Regimen,
    ScipyReference,
    State,
    fit_person,
    simulate,
)

OUTPUTS = (
    Output.SERUM_MG,
    Output.FASTING_GLUCOSE,
    Output.FASTING_INSULIN,
    Output.HOMA_IR,
    Output.INTRACELLULAR_MG_RELATIVE,
)


def _cohort() -> tuple[ParameterSet, np.ndarray]:
    fits = [
        fit_person(
            fasting_glucose_mmol_per_l=5.5,
            fasting_insulin_uiu_per_ml=18.8,
            serum_mg_mmol_per_l=0.61,
        ),
        fit_person(
            fasting_glucose_mmol_per_l=10.3,
            fasting_insulin_uiu_per_ml=10.9,
            serum_mg_mmol_per_l=0.65,
            egfr_ml_per_min_1_73m2=40.0,
        ),
    ]
    return (
        ParameterSet(np.vstack([f.parameters.values for f in fits])),
        np.vstack([f.initial_state for f in fits]),
    )


@pytest.mark.slow
@pytest.mark.parametrize(("dt", "tol"), [(0.25, 5e-3), (1.0, 2e-2)])
@pytest.mark.parametrize("method", ["Radau", "BDF"])
def test_qss_solver_matches_stiff_reference(dt: float, tol: float, method: str) -> None:
    params, y0 = _cohort()
    reg = Regimen.constant("magnesium chloride", 450.0, start_day=7.0)
    fast = simulate(
        params, initial_state=y0, days=112, regimen=reg, solver=QuasiSteadyState(dt_days=dt)
    )
    ref = simulate(
        params,
        initial_state=y0,
        days=112,
        regimen=reg,
        solver=ScipyReference(method=method, rtol=1e-9, atol=1e-9),
    )
    for o in OUTPUTS:
        np.testing.assert_allclose(fast.output(o), ref.output(o), rtol=tol, err_msg=o.value)
    np.testing.assert_allclose(
        fast.state(State.BETA_CELL_MASS), ref.state(State.BETA_CELL_MASS), rtol=tol
    )
    np.testing.assert_allclose(
        fast.state(State.CUMULATIVE_URINARY)[:, -1],
        ref.state(State.CUMULATIVE_URINARY)[:, -1],
        rtol=tol,
    )


def test_halving_the_step_reduces_the_error() -> None:
    params, y0 = _cohort()
    reg = Regimen.constant("magnesium chloride", 450.0)
    ref = simulate(
        params,
        initial_state=y0,
        days=28,
        regimen=reg,
        solver=ScipyReference(rtol=1e-10, atol=1e-10),
    )
    errors = []
    for dt in (1.0, 0.5, 0.25):
        fast = simulate(
            params, initial_state=y0, days=28, regimen=reg, solver=QuasiSteadyState(dt_days=dt)
        )
        errors.append(np.max(np.abs(fast.output(Output.SERUM_MG) - ref.output(Output.SERUM_MG))))
    assert errors[0] > errors[1] > errors[2]
    assert errors[0] / errors[2] > 2.5  # first order in dt (ideal ratio 4)
