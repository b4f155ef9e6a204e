"""A person need not be at steady state: the recorded intake drives their Mg balance."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mgir._errors import InvalidInputError
from mgir.model import Output, Regimen, State, fit_person, simulate
from mgir.model._equations import absorption_mmol_per_day, renal_excretion_mmol_per_day
from mgir.model._parameters import Param
from mgir.reference import MG_G_PER_MOL

LABS = {
    "fasting_glucose_mmol_per_l": 6.0,
    "fasting_insulin_uiu_per_ml": 12.0,
    "serum_mg_mmol_per_l": 0.84,
}


def test_a_diary_too_low_for_the_serum_mg_is_flagged_and_can_start_off_steady_state() -> None:
    steady = fit_person(**LABS, dietary_intake_mg_per_day=60.0)
    assert steady.mg_steady_state_possible is not None
    assert not steady.mg_steady_state_possible[0]
    moving = fit_person(**LABS, dietary_intake_mg_per_day=60.0, mg_balance="intake")
    assert moving.mg_balance == "intake"
    # It starts exactly on the labs ...
    for lab, value in moving.model_labs().items():
        if lab in LABS:
            assert value == pytest.approx(LABS[lab], rel=1e-9), lab
    # ... with the day-0 balance the equations give (recomputed here from the fluxes).
    p = moving.parameters.values
    y = moving.initial_state
    _, absorbed = absorption_mmol_per_day(p, np.zeros(1))
    # Insulin action S_I * I at the fitted glucose steady state (dG/dt = 0), as the kidney uses it.
    action = (
        p[:, Param.GLUCOSE_PRODUCTION.pos] / y[:, State.GLUCOSE.pos]
        - p[:, Param.GLUCOSE_EFFECTIVENESS.pos]
    )
    urinary, _ = renal_excretion_mmol_per_day(
        p, y[:, State.MG_EXTRACELLULAR.pos], y[:, State.GLUCOSE.pos], action
    )
    net = float((absorbed[0] - urinary[0]) * MG_G_PER_MOL)
    assert moving.fitted["net_mg_balance_mg_per_day"] == pytest.approx(net, rel=1e-9)
    assert net < 0.0
    # Without a supplement serum Mg falls to the diary's own steady state and stays near it
    # (later, glucose drifting with the β-cells moves the renal threshold by a few 1e-5 mmol/L).
    run = simulate(moving.parameters, initial_state=moving.initial_state, days=3 * 365)
    serum = run.output(Output.SERUM_MG)[0]
    assert np.all(np.diff(serum[:60]) < 0.0)
    assert serum.max() == serum[0]
    target = moving.fitted["serum_mg_at_intake_steady_state_mmol_per_l"]
    assert target < LABS["serum_mg_mmol_per_l"]
    assert serum[-1] == pytest.approx(target, abs=2e-3)
    # Losing Mg lowers insulin sensitivity: HOMA-IR rises.
    homa = run.output(Output.HOMA_IR)[0]
    assert homa[180] > homa[0]


def test_an_absorption_beyond_its_plausible_range_is_not_a_steady_state_either() -> None:
    labs = {
        "fasting_glucose_mmol_per_l": 5.4,
        "fasting_insulin_uiu_per_ml": 9.0,
        "serum_mg_mmol_per_l": 0.90,
    }
    # 250 mg/day: the gut could cover the loss, but only with absorption odds of about 26,
    # above the plausible 20; 300 mg/day needs about 4.9.
    edge = fit_person(**labs, dietary_intake_mg_per_day=250.0)
    assert edge.fitted["absorption_scale"] > 20.0
    assert edge.mg_steady_state_possible is not None
    assert not edge.mg_steady_state_possible[0]
    fine = fit_person(**labs, dietary_intake_mg_per_day=300.0)
    assert fine.mg_steady_state_possible is not None
    assert fine.mg_steady_state_possible[0]


def test_a_diary_that_sustains_the_serum_mg_keeps_the_steady_state() -> None:
    steady = fit_person(**LABS, dietary_intake_mg_per_day=400.0)
    assert steady.mg_steady_state_possible is not None
    assert steady.mg_steady_state_possible[0]
    run = simulate(steady.parameters, initial_state=steady.initial_state, days=112)
    # Only the slow drift towards diabetes moves it (by about 5e-5 mmol/L in 16 weeks).
    assert np.allclose(run.output(Output.SERUM_MG)[0], LABS["serum_mg_mmol_per_l"], rtol=2e-4)


@settings(max_examples=25, deadline=None)
@given(
    serum=st.floats(0.6, 1.0),
    intake=st.floats(20.0, 800.0),
)
def test_the_drift_goes_where_the_day_0_balance_points(serum: float, intake: float) -> None:
    fit = fit_person(
        fasting_glucose_mmol_per_l=5.5,
        fasting_insulin_uiu_per_ml=9.0,
        serum_mg_mmol_per_l=serum,
        dietary_intake_mg_per_day=intake,
        mg_balance="intake",
    )
    run = simulate(fit.parameters, initial_state=fit.initial_state, days=60, regimen=Regimen.none())
    level = run.output(Output.SERUM_MG)[0]
    net = fit.fitted["net_mg_balance_mg_per_day"]
    target = fit.fitted["serum_mg_at_intake_steady_state_mmol_per_l"]
    # The sign of the day-0 balance, the direction of the drift and the side of the target
    # agree; the drift does not overshoot the target (which is computed at day 0's glucose and
    # insulin action; as serum Mg moves, glucose and insulin action move the renal threshold a
    # little: up to 2 % of the move).
    if abs(net) > 1.0:
        assert np.sign(level[-1] - level[0]) == np.sign(net)
        assert np.sign(target - serum) == np.sign(net)
        slack = 0.02 * abs(target - serum) + 1e-4
        assert min(serum, target) - slack <= level[-1] <= max(serum, target) + slack
    # Mass balance still holds off steady state.
    y = run.states
    body = (
        y[0, :, State.MG_EXTRACELLULAR.pos]
        + y[0, :, State.MG_INTRACELLULAR.pos]
        + y[0, :, State.MG_BONE_FAST.pos]
        + y[0, :, State.MG_BONE_SLOW.pos]
    )
    gained = y[0, :, State.CUMULATIVE_ABSORBED.pos] - y[0, :, State.CUMULATIVE_URINARY.pos]
    np.testing.assert_allclose(body - body[0], gained - gained[0], atol=1e-8)


@pytest.mark.parametrize(
    "labs",
    [
        {"serum_mg_mmol_per_l": 0.8},  # no intake
        {"dietary_intake_mg_per_day": 300.0},  # no serum Mg
        {"serum_mg_mmol_per_l": 0.8, "dietary_intake_mg_per_day": 0.0},
    ],
)
def test_intake_mode_needs_a_serum_mg_and_an_intake(labs: dict[str, float]) -> None:
    with pytest.raises(InvalidInputError, match="mg_balance"):
        fit_person(**labs, mg_balance="intake")


def test_an_unknown_mode_names_the_choices() -> None:
    with pytest.raises(InvalidInputError, match="steady_state or intake"):
        fit_person(**LABS, mg_balance="drifting")  # type: ignore[arg-type]
