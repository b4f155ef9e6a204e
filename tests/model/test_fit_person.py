"""Fitting a person's hidden parameters to labs."""

from __future__ import annotations

import numpy as np
import pytest

from mgir._errors import InvalidInputError
from mgir.model import (
    Output,
    Param,
    ParameterSet,
    default_parameters,
    fit_person,
    parameter_draws,
    simulate,
)


def steady(parameters: ParameterSet) -> ParameterSet:
    """The person with set-point drift (progression) switched off: a true steady state."""
    return parameters.replace(**{Param.PROGRESSION_RATE: 0.0})


@pytest.mark.parametrize(
    ("glucose", "insulin", "serum", "egfr", "intake"),
    [
        (5.0, 7.0, 0.85, 100.0, None),
        (6.2, 18.0, 0.66, 70.0, 250.0),
        (11.0, 9.0, 0.62, 25.0, None),
        (4.4, 3.0, 0.95, 140.0, 500.0),
    ],
)
def test_steady_state_reproduces_the_labs_and_stays(
    glucose: float, insulin: float, serum: float, egfr: float, intake: float | None
) -> None:
    fit = fit_person(
        fasting_glucose_mmol_per_l=glucose,
        fasting_insulin_uiu_per_ml=insulin,
        serum_mg_mmol_per_l=serum,
        egfr_ml_per_min_1_73m2=egfr,
        dietary_intake_mg_per_day=intake,
    )
    labs = fit.model_labs()
    assert labs["fasting_glucose_mmol_per_l"] == pytest.approx(glucose, rel=1e-12)
    assert labs["fasting_insulin_uiu_per_ml"] == pytest.approx(insulin, rel=1e-12)
    assert labs["serum_mg_mmol_per_l"] == pytest.approx(serum, rel=1e-12)
    assert labs["homa_ir"] == pytest.approx(glucose * insulin / 22.5, rel=1e-12)
    assert float(fit.parameters[Param.EGFR][0]) == egfr
    r = simulate(
        steady(fit.parameters), initial_state=fit.initial_state, days=365, save_every_days=None
    )
    for o, v in (
        (Output.SERUM_MG, serum),
        (Output.FASTING_GLUCOSE, glucose),
        (Output.FASTING_INSULIN, insulin),
    ):
        assert r.output(o)[0, -1] == pytest.approx(v, rel=1e-6)
    assert all(
        v == "measured"
        for k, v in fit.labs_used.items()
        if k not in ("dietary_intake_mg_per_day", "hba1c_percent")
    )
    assert fit.labs_used["dietary_intake_mg_per_day"] == (
        "default" if intake is None else "measured"
    )


def test_missing_labs_use_reference_adult_and_are_reported() -> None:
    fit = fit_person(serum_mg_mmol_per_l=0.7)
    assert fit.labs_used["fasting_glucose_mmol_per_l"] == "default"
    assert fit.labs_used["serum_mg_mmol_per_l"] == "measured"
    assert fit.model_labs()["fasting_glucose_mmol_per_l"] == pytest.approx(5.0, rel=1e-3)
    assert set(fit.fitted) == {"absorption_scale", "dietary_intake_mg_per_day"}


def test_implausible_fits_are_flagged() -> None:
    fit = fit_person(serum_mg_mmol_per_l=1.6, dietary_intake_mg_per_day=100.0)
    assert any("absorption_scale" in w for w in fit.warnings)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("fasting_glucose_mmol_per_l", 0.1),
        ("fasting_insulin_uiu_per_ml", -3.0),
        ("serum_mg_mmol_per_l", 9.0),
        ("egfr_ml_per_min_1_73m2", 0.0),
        ("dietary_intake_mg_per_day", -5.0),
        ("serum_mg_mmol_per_l", float("nan")),
    ],
)
def test_bad_labs_raise_with_field_unit_and_allowed(field: str, value: float) -> None:
    with pytest.raises(InvalidInputError) as err:
        fit_person(**{field: value})
    assert err.value.field == field
    assert err.value.unit is not None
    assert err.value.allowed


def test_fit_is_vectorised_over_parameter_draws() -> None:
    draws = parameter_draws(default_parameters(), 16, seed=3)
    fit = fit_person(
        fasting_glucose_mmol_per_l=6.0,
        fasting_insulin_uiu_per_ml=12.0,
        serum_mg_mmol_per_l=0.7,
        base=draws,
    )
    assert fit.initial_state.shape[0] == 16
    serum = fit.initial_state[:, 3] / fit.parameters[Param.ECF_VOLUME]
    np.testing.assert_allclose(serum, 0.7, rtol=1e-12)
    assert np.unique(fit.parameters[Param.SI_MG_HILL]).size > 1


def test_measured_hba1c_sets_the_offset_and_stays() -> None:
    """HbA1c 7.4 % at fasting glucose 7.0 mmol/L: the line gives 6.42 % (Hong 2016)."""
    fit = fit_person(fasting_glucose_mmol_per_l=7.0, hba1c_percent=7.4)
    assert fit.labs_used["hba1c_percent"] == "measured"
    assert fit.fitted["hba1c_offset_percent"] == pytest.approx(7.4 - (3.293 + 0.4467 * 7.0))
    assert fit.model_labs()["hba1c_percent"] == pytest.approx(7.4, rel=1e-12)
    r = simulate(
        steady(fit.parameters), initial_state=fit.initial_state, days=365, save_every_days=None
    )
    assert r.output(Output.HBA1C)[0, -1] == pytest.approx(7.4, rel=1e-9)
    without = fit_person(fasting_glucose_mmol_per_l=7.0)
    assert without.model_labs()["hba1c_percent"] == pytest.approx(3.293 + 0.4467 * 7.0)


@pytest.mark.parametrize("solver", ["fast", "reference"])
def test_hba1c_relaxes_with_its_half_time(solver: str) -> None:
    """Displaced by 1 %-point, HbA1c is 0.5 above its level after one half-time (34.6 d)."""
    from mgir.model import QuasiSteadyState, ScipyReference, State

    fit = fit_person(fasting_glucose_mmol_per_l=6.0, fasting_insulin_uiu_per_ml=10.0)
    y0 = fit.initial_state.copy()
    level = y0[0, State.HBA1C.pos]
    y0[0, State.HBA1C.pos] += 1.0
    r = simulate(
        steady(fit.parameters),
        initial_state=y0,
        days=69.2,
        save_every_days=34.6,
        solver=QuasiSteadyState(dt_days=0.25) if solver == "fast" else ScipyReference(),
    )
    excess = r.output(Output.HBA1C)[0] - level
    np.testing.assert_allclose(excess, [1.0, 0.5, 0.25], rtol=1e-6)


def test_outputs_for_like_with_like_comparisons() -> None:
    """QUICKI, HOMA-%B, urinary Mg and FE_Mg from the model at a fitted steady state.

    Golden values by hand: glucose 6.0 mmol/L (108.09 mg/dL), insulin 12 µIU/mL gives QUICKI
    1/(log10 12 + log10 108.09) = 1/(1.0792 + 2.0338) = 0.3212 (Katz 2000) and HOMA-%B 20·12/(6.0 − 3.5) = 96 %
    (Matthews 1985); at steady state urinary Mg equals absorbed Mg (balance).
    """
    from mgir.model import Output, State

    fit = fit_person(
        fasting_glucose_mmol_per_l=6.0,
        fasting_insulin_uiu_per_ml=12.0,
        serum_mg_mmol_per_l=0.72,
        egfr_ml_per_min_1_73m2=80.0,
        dietary_intake_mg_per_day=250.0,
    )
    r = simulate(
        steady(fit.parameters), initial_state=fit.initial_state, days=30, save_every_days=10.0
    )
    assert r.output(Output.QUICKI)[0, 0] == pytest.approx(0.3212, abs=5e-4)
    assert r.output(Output.HOMA_B)[0, 0] == pytest.approx(96.0, rel=1e-9)
    absorbed = np.diff(r.state(State.CUMULATIVE_ABSORBED)[0]) / 10.0
    urinary = r.output(Output.URINARY_MG)[0]
    np.testing.assert_allclose(urinary[1:], absorbed, rtol=1e-6)
    gfr_l_per_day = 80.0 * 1.44
    filtered = gfr_l_per_day * float(fit.parameters[Param.FILTERABLE_FRACTION][0]) * 0.72
    assert r.output(Output.FE_MG)[0, 0] == pytest.approx(100.0 * urinary[0] / filtered, rel=1e-9)
    assert 0.5 < r.output(Output.FE_MG)[0, 0] < 10.0
