"""The compiled adaptive solver (numba): agreement with the stiff reference, invariants, Jacobian."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

pytest.importorskip("numba")

from mgir.model import (
    DoseSegment,
    Output,
    Param,
    ParameterSet,
    Regimen,
    ScipyReference,
    State,
    default_parameters,
    simulate,
    steady_state,
)
from mgir.model._compiled import Rosenbrock23, _kernels, compiled_source
from mgir.model._definition import rhs
from mgir.model._states import N_STATES

DOSE = Regimen((DoseSegment("magnesium citrate", 400.0, 5.0, 40.0),))


def _cohort(n: int, seed: int = 0) -> ParameterSet:
    rng = np.random.default_rng(seed)
    return default_parameters(n).replace(
        **{
            Param.INSULIN_SENSITIVITY_SCALE: rng.uniform(0.3, 1.5, n),
            Param.BETA_SETPOINT_INITIAL: rng.uniform(80.0, 160.0, n),
            Param.EGFR: rng.uniform(20.0, 120.0, n),
            Param.DIETARY_INTAKE: rng.uniform(150.0, 450.0, n),
        }
    )


@pytest.mark.slow
def test_it_matches_the_stiff_reference_on_every_saved_day_with_a_dose_step():
    params = _cohort(4)
    fast = simulate(params, days=60, regimen=DOSE, solver=Rosenbrock23(rtol=1e-8, atol=1e-11))
    reference = simulate(
        params, days=60, regimen=DOSE, solver=ScipyReference(rtol=1e-10, atol=1e-10)
    )
    for s in State:
        np.testing.assert_allclose(
            fast.state(s), reference.state(s), rtol=2e-6, atol=1e-9, err_msg=s.value
        )
    serum = fast.output(Output.SERUM_MG)
    assert np.all(serum[:, 39] > serum[:, 5])  # the dose acted
    assert np.all(serum[:, 60] < serum[:, 40])  # and stopped


def test_tighter_tolerance_means_smaller_error_and_more_steps():
    params = _cohort(3, seed=2)
    y0 = steady_state(params)
    save = np.array([0.0, 120.0])
    reference = ScipyReference(rtol=1e-10, atol=1e-10).integrate(params.values, y0, save, DOSE)
    errors, steps = [], []
    for rtol in (1e-3, 1e-5, 1e-7):
        out, counts = Rosenbrock23(rtol=rtol, atol=rtol * 1e-3).integrate_with_counts(
            params.values, y0, save, DOSE
        )
        errors.append(float(np.max(np.abs(out[:, -1] - reference[:, -1]) / reference[:, -1])))
        steps.append(float(counts[:, 0].mean()))
    assert errors[0] > errors[1] > errors[2]
    assert steps[0] < steps[1] < steps[2]
    # A second-order method: 100x tighter tolerance costs about 100^(1/3) = 4.6x the steps.
    assert 2.5 < steps[2] / steps[1] < 8


def test_mass_balance_and_no_negative_state():
    params = _cohort(50, seed=3)
    result = simulate(params, days=365, regimen=DOSE, solver=Rosenbrock23(rtol=1e-4))
    pools = sum(
        result.state(s)
        for s in (
            State.MG_EXTRACELLULAR,
            State.MG_INTRACELLULAR,
            State.MG_BONE_FAST,
            State.MG_BONE_SLOW,
        )
    )
    absorbed = result.state(State.CUMULATIVE_ABSORBED)
    urinary = result.state(State.CUMULATIVE_URINARY)
    balance = (pools - pools[:, :1]) - ((absorbed - absorbed[:, :1]) - (urinary - urinary[:, :1]))
    # A Rosenbrock method keeps linear invariants exactly: only rounding remains.
    assert np.max(np.abs(balance)) < 1e-8 * np.max(np.abs(pools))
    assert np.min(result.states) >= 0.0


def test_each_subject_steps_on_its_own_and_a_cohort_is_its_subjects_one_by_one():
    params = _cohort(6, seed=4)
    y0 = steady_state(params)
    save = np.array([0.0, 30.0, 90.0])
    cohort, counts = Rosenbrock23(rtol=1e-5).integrate_with_counts(params.values, y0, save, DOSE)
    for i in range(6):
        one, one_counts = Rosenbrock23(rtol=1e-5).integrate_with_counts(
            params.values[i : i + 1], y0[i : i + 1], save, DOSE
        )
        assert np.array_equal(one[0], cohort[i])
        assert np.array_equal(one_counts[0], counts[i])
    # At steady state without a dose the steps grow at once: a year in a few dozen steps.
    _, idle = Rosenbrock23(rtol=1e-6).integrate_with_counts(
        params.values, y0, np.array([0.0, 365.0]), Regimen.none()
    )
    assert idle[:, 0].max() < 40


def test_the_generated_code_is_the_definition():
    source = compiled_source()
    assert "def rhs(p, y, u, f):" in source and "def jac(p, y, u, J):" in source
    for s in State:
        assert f"f[{s.pos}] = " in source, s.value


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), dose=st.floats(0.0, 30.0))
def test_the_compiled_rhs_and_jacobian_agree_with_the_definition(seed, dose):
    kernels = _kernels()
    rng = np.random.default_rng(seed)
    params = _cohort(1, seed=seed % 1000)
    y = steady_state(params)[0] * rng.uniform(0.7, 1.3, N_STATES)
    u = np.array([dose, 0.8 * dose])
    p = params.values[0]
    f = np.empty(N_STATES)
    kernels.rhs(p, y, u, f)
    expected = rhs(y[None, :], params.values, u[:1], u[1:])[0]
    np.testing.assert_allclose(f, expected, rtol=1e-10, atol=1e-12)
    jac = np.zeros((N_STATES, N_STATES))
    kernels.jac(p, y, u, jac)
    # Central differences of the definition's right-hand side, column by column.
    numeric = np.empty((N_STATES, N_STATES))
    for j in range(N_STATES):
        step = 1e-6 * max(abs(y[j]), 1e-3)
        up, down = y.copy(), y.copy()
        up[j] += step
        down[j] -= step
        numeric[:, j] = (
            rhs(up[None, :], params.values, u[:1], u[1:])[0]
            - rhs(down[None, :], params.values, u[:1], u[1:])[0]
        ) / (2 * step)
    scale = np.maximum(np.abs(numeric).max(axis=1, keepdims=True), 1e-12)
    np.testing.assert_allclose(jac / scale, numeric / scale, atol=1e-5)


def test_bad_settings_name_the_field():
    from mgir._errors import InvalidInputError

    with pytest.raises(InvalidInputError, match="rtol"):
        Rosenbrock23(rtol=0.0)
    with pytest.raises(InvalidInputError, match="max_steps"):
        Rosenbrock23(max_steps=0)
    params = _cohort(1)
    with pytest.raises(RuntimeError, match="did not reach"):
        Rosenbrock23(max_steps=3).integrate(
            params.values, steady_state(params), np.array([0.0, 365.0]), DOSE
        )
