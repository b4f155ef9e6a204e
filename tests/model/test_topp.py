"""The glucose–insulin–β-cell core reproduces Topp et al. 2000.

Golden values: the fixed point is analytic (G solves -d0 + r1 G - r2 G² = 0, so G = 100;
I = (R0/G - EG0)/S_I; β = k I (α + G²)/(σ G²)); the transient values (β ≈ 519 mg at day 112
after halving S_I) are from an independent port of Topp's equations with scipy LSODA recorded
in the project's physiology notes (physiology.md §1.1); every trajectory is also checked
against the stiff reference solver.
"""

from __future__ import annotations

import numpy as np
import pytest

from mgir.model import (
    Output,
    Param,
    QuasiSteadyState,
    ScipyReference,
    State,
    default_parameters,
    simulate,
    steady_state,
)


def topp(n: int = 1):  # type: ignore[no-untyped-def]
    """Topp 2000 parameters, Mg coupling and set-point drift switched off (Topp has neither)."""
    return default_parameters(n).replace(
        **{
            Param.INSULIN_SENSITIVITY: 0.72,
            Param.BETA_SETPOINT_INITIAL: 100.0,
            Param.SI_MG_HILL: 0.0,
            Param.BETA_PLASTICITY: 1.0,
            Param.PROGRESSION_RATE: 0.0,
        }
    )


def test_healthy_fixed_point_is_topps() -> None:
    y = steady_state(topp())[0]
    assert y[State.GLUCOSE.pos] == pytest.approx(100.0, rel=1e-12)
    assert y[State.INSULIN.pos] == pytest.approx((864 / 100 - 1.44) / 0.72, rel=1e-12)
    assert y[State.BETA_CELL_MASS.pos] == pytest.approx(300.0, rel=1e-9)


def test_topp_growth_rate_is_exact_polynomial() -> None:
    from mgir.model._equations import beta_growth_rate_per_day

    g = np.linspace(50, 400, 8)
    p = topp(8).values
    expected = -0.06 + 0.84e-3 * g - 2.4e-6 * g**2
    np.testing.assert_allclose(
        beta_growth_rate_per_day(p, g, np.full_like(g, 100.0)), expected, rtol=1e-12, atol=1e-15
    )


@pytest.mark.slow
def test_compensation_by_beta_cell_mass_after_halving_si() -> None:
    base = topp()
    y0 = steady_state(base)
    halved = base.replace(**{Param.INSULIN_SENSITIVITY_SCALE: 0.5})
    fast = simulate(halved, days=400, initial_state=y0, save_every_days=1.0)
    ref = simulate(halved, days=400, initial_state=y0, solver=ScipyReference(), save_every_days=1.0)
    beta = fast.state(State.BETA_CELL_MASS)[0]
    g = fast.state(State.GLUCOSE)[0]
    assert g[1] == pytest.approx(132.0, abs=3.0)  # early hyperglycaemia
    assert beta[112] == pytest.approx(519.0, rel=0.02)
    assert beta[400] == pytest.approx(600.0, rel=0.02)  # analytic new fixed point
    assert g[400] == pytest.approx(100.0, abs=1.0)
    assert fast.output(Output.FASTING_INSULIN)[0, 400] == pytest.approx(20.0, rel=0.02)
    np.testing.assert_allclose(beta, ref.state(State.BETA_CELL_MASS)[0], rtol=5e-3)
    np.testing.assert_allclose(g[1:], ref.state(State.GLUCOSE)[0, 1:], rtol=5e-3)


def test_progression_to_diabetes_when_compensation_fails() -> None:
    base = topp()
    y0 = steady_state(base)
    severe = base.replace(**{Param.INSULIN_SENSITIVITY_SCALE: 0.07})
    r = simulate(
        severe,
        days=730,
        initial_state=y0,
        save_every_days=1.0,
        solver=QuasiSteadyState(dt_days=0.5),
    )
    g = r.state(State.GLUCOSE)[0]
    beta = r.state(State.BETA_CELL_MASS)[0]
    assert g[1] > 250.0  # beyond Topp's saddle
    assert beta[-1] < 0.2 * beta[0]
    assert g[-1] > 400.0
    # With the same insulin resistance but compensation intact from a mild start, no collapse.
    mild = base.replace(**{Param.INSULIN_SENSITIVITY_SCALE: 0.5})
    r2 = simulate(
        mild, days=730, initial_state=y0, solver=QuasiSteadyState(dt_days=0.5), save_every_days=None
    )
    assert r2.state(State.GLUCOSE)[0, -1] == pytest.approx(100.0, abs=1.0)
