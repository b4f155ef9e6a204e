"""Fitting a person's hidden parameters to labs."""

from __future__ import annotations

import numpy as np
import pytest

from mgir._errors import InvalidInputError
from mgir.model import (
    Output,
    Param,
    default_parameters,
    fit_person,
    parameter_draws,
    simulate,
)


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
    r = simulate(fit.parameters, initial_state=fit.initial_state, days=365, save_every_days=None)
    for o, v in (
        (Output.SERUM_MG, serum),
        (Output.FASTING_GLUCOSE, glucose),
        (Output.FASTING_INSULIN, insulin),
    ):
        assert r.output(o)[0, -1] == pytest.approx(v, rel=1e-6)
    assert all(
        v == "measured" for k, v in fit.labs_used.items() if k != "dietary_intake_mg_per_day"
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
