"""Physiological behaviour the model must show (issue acceptance criteria)."""

from __future__ import annotations

import numpy as np
import pytest

from mgir.model import (
    Output,
    QuasiSteadyState,
    Regimen,
    State,
    default_parameters,
    fit_person,
    simulate,
    steady_state,
)

RDA_MG_PER_DAY = 400.0  # IOM 1997 RDA, men 31+ (420) / women (310-320): 400 is between


def _end(result, output):  # type: ignore[no-untyped-def]
    return result.output(output)[:, -1]


def test_healthy_adult_on_rda_intake_sits_in_normal_ranges() -> None:
    p = default_parameters().replace(dietary_intake_mg_per_day=RDA_MG_PER_DAY)
    r = simulate(p, days=365, save_every_days=None)
    serum = _end(r, Output.SERUM_MG)[0]
    glucose = _end(r, Output.FASTING_GLUCOSE)[0]
    insulin = _end(r, Output.FASTING_INSULIN)[0]
    homa = _end(r, Output.HOMA_IR)[0]
    assert 0.75 <= serum <= 0.95  # reference interval 0.70-0.95 mmol/L, well inside
    assert 3.9 <= glucose < 5.6  # normal fasting glucose (ADA)
    assert 2.0 <= insulin <= 15.0
    assert homa < 2.0
    # It is a steady state: one year changes nothing.
    assert np.allclose(r.states[0, -1, :7], r.states[0, 0, :7], rtol=1e-6)


def test_fractional_absorption_follows_fine_1991_shape() -> None:
    from mgir.model._equations import absorption_mmol_per_day

    intakes_mg = np.array([50.0, 150.0, 300.0, 600.0, 1000.0])
    p = default_parameters(intakes_mg.size).replace(dietary_intake_mg_per_day=intakes_mg)
    food, absorbed = absorption_mmol_per_day(p.values, np.zeros(intakes_mg.size))
    fraction = absorbed / food
    assert np.all(np.diff(fraction) < 0)  # saturable: fraction falls with intake
    assert np.all(np.diff(absorbed) > 0)  # but the amount keeps rising (linear part)
    assert 0.6 <= fraction[0] <= 0.8  # 65-75 % at low intake
    assert 0.35 <= fraction[2] <= 0.55  # 40-50 % at usual intake (Sabatier 0.48)
    assert fraction[-1] < 0.3
    assert np.all(fraction < 1.0)


@pytest.mark.slow
def test_low_intake_over_months_lowers_mg_and_raises_homa() -> None:
    normal = default_parameters()
    y0 = steady_state(normal)
    # 50 mg/day: a depletion diet (the RDA is 310-420 mg/day).
    low = normal.replace(dietary_intake_mg_per_day=50.0)
    r = simulate(low, days=180, initial_state=y0, save_every_days=30.0)
    serum = r.output(Output.SERUM_MG)[0]
    icf = r.output(Output.INTRACELLULAR_MG_RELATIVE)[0]
    homa = r.output(Output.HOMA_IR)[0]
    assert serum[-1] < serum[0] - 0.05
    assert icf[-1] < icf[0] - 0.05
    assert homa[-1] > homa[0] * 1.05
    assert np.all(np.diff(serum) <= 1e-12)
    assert np.all(np.diff(icf) <= 1e-12)
    assert np.all(np.diff(homa) >= -1e-12)


def test_supplement_helps_a_deficient_person_more_than_a_replete_one() -> None:
    deficient = fit_person(
        fasting_glucose_mmol_per_l=5.6, fasting_insulin_uiu_per_ml=15.0, serum_mg_mmol_per_l=0.62
    )
    replete = fit_person(
        fasting_glucose_mmol_per_l=5.6, fasting_insulin_uiu_per_ml=15.0, serum_mg_mmol_per_l=0.88
    )
    reg = Regimen.constant("magnesium citrate", 300.0)
    out = {}
    for name, fit in (("deficient", deficient), ("replete", replete)):
        r = simulate(
            fit.parameters,
            initial_state=fit.initial_state,
            days=112,
            regimen=reg,
            save_every_days=None,
        )
        homa = r.output(Output.HOMA_IR)[0]
        out[name] = homa[-1] - homa[0]
    assert out["deficient"] < 0
    assert out["deficient"] < 3 * out["replete"] - 0.1  # much larger fall when deficient
    assert abs(out["replete"]) < abs(out["deficient"])


def test_oxide_raises_serum_mg_less_than_citrate_or_chloride() -> None:
    # A replete adult after 8 weeks, and a deficient one after 2 weeks (before both reach the
    # renal threshold plateau, where any sufficient dose ends at the same serum Mg).
    for serum_start, days in ((None, 56), (0.68, 14)):
        fit = fit_person(
            serum_mg_mmol_per_l=serum_start,
            fasting_glucose_mmol_per_l=5.2,
            fasting_insulin_uiu_per_ml=9.0,
        )
        rise = {}
        for salt in ("magnesium oxide", "magnesium citrate", "magnesium chloride"):
            r = simulate(
                fit.parameters,
                initial_state=fit.initial_state,
                days=days,
                regimen=Regimen.constant(salt, 300.0),
                save_every_days=None,
            )
            serum = r.output(Output.SERUM_MG)[0]
            rise[salt] = serum[-1] - serum[0]
        assert rise["magnesium citrate"] == pytest.approx(rise["magnesium chloride"], rel=1e-12)
        assert rise["magnesium oxide"] < 0.8 * rise["magnesium citrate"]
        assert rise["magnesium oxide"] > 0


def test_reduced_kidney_function_amplifies_the_serum_rise() -> None:
    rises = {}
    for egfr in (100.0, 20.0):
        fit = fit_person(egfr_ml_per_min_1_73m2=egfr, dietary_intake_mg_per_day=300.0)
        r = simulate(
            fit.parameters,
            initial_state=fit.initial_state,
            days=112,
            regimen=Regimen.constant("magnesium citrate", 400.0),
            save_every_days=None,
        )
        serum = r.output(Output.SERUM_MG)[0]
        rises[egfr] = serum[-1] - serum[0]
    assert rises[20.0] > 2.5 * rises[100.0]


def test_sustained_hyperglycaemia_increases_urinary_mg_loss() -> None:
    base = default_parameters(2)
    y0 = steady_state(base)
    # Subject 1 loses most insulin sensitivity and cannot compensate: glucose rises and stays.
    hyper = base.replace(insulin_sensitivity_scale=[1.0, 0.15], beta_plasticity=[1.0, 0.0])
    r = simulate(hyper, days=60, initial_state=y0, save_every_days=1.0)
    glucose = r.output(Output.FASTING_GLUCOSE)
    assert glucose[1, 5:].min() > 9.0
    assert abs(glucose[0, -1] - glucose[0, 0]) < 1e-6
    urinary = r.state(State.CUMULATIVE_URINARY)[:, -1]
    assert urinary[1] > 1.1 * urinary[0]
    assert r.output(Output.SERUM_MG)[1, -1] < r.output(Output.SERUM_MG)[0, -1]


def test_mass_balance_holds_to_round_off() -> None:
    fit = fit_person(
        serum_mg_mmol_per_l=0.66,
        fasting_glucose_mmol_per_l=8.0,
        fasting_insulin_uiu_per_ml=12.0,
        egfr_ml_per_min_1_73m2=45.0,
    )
    reg = Regimen(
        (
            *Regimen.constant("magnesium oxide", 400.0, 0.0, 30.0).segments,
            *Regimen.constant("magnesium citrate", 250.0, 20.0, 90.0).segments,
        )
    )
    for solver in (QuasiSteadyState(0.25), QuasiSteadyState(1.0)):
        r = simulate(
            fit.parameters, initial_state=fit.initial_state, days=120, regimen=reg, solver=solver
        )
        intake = r.state(State.CUMULATIVE_INTAKE)[0]
        absorbed = r.state(State.CUMULATIVE_ABSORBED)[0]
        faecal = r.state(State.CUMULATIVE_FAECAL)[0]
        urinary = r.state(State.CUMULATIVE_URINARY)[0]
        body = r.output(Output.BODY_MG)[0]
        scale = body[0]
        np.testing.assert_allclose(intake, absorbed + faecal, rtol=0, atol=1e-12 * scale)
        np.testing.assert_allclose(body - body[0], absorbed - urinary, rtol=0, atol=1e-11 * scale)
        assert np.all(r.states >= 0)


def test_cohort_equals_subjects_one_by_one() -> None:
    labs = [(5.0, 6.0, 0.85, 100.0), (6.1, 14.0, 0.70, 60.0), (9.5, 11.0, 0.64, 30.0)]
    fits = [
        fit_person(
            fasting_glucose_mmol_per_l=g,
            fasting_insulin_uiu_per_ml=i,
            serum_mg_mmol_per_l=m,
            egfr_ml_per_min_1_73m2=e,
        )
        for g, i, m, e in labs
    ]
    from mgir.model import ParameterSet

    params = ParameterSet(np.vstack([f.parameters.values for f in fits]))
    y0 = np.vstack([f.initial_state for f in fits])
    doses = np.array([0.0, 300.0, 500.0])
    solver = QuasiSteadyState(dt_days=0.5, chunk_size=2)  # chunking must not matter either
    cohort = simulate(
        params,
        initial_state=y0,
        days=90,
        regimen=Regimen.constant("magnesium citrate", doses),
        solver=solver,
    )
    for k, fit in enumerate(fits):
        alone = simulate(
            fit.parameters,
            initial_state=fit.initial_state,
            days=90,
            regimen=Regimen.constant("magnesium citrate", float(doses[k])),
            solver=solver,
        )
        np.testing.assert_allclose(cohort.states[k], alone.states[0], rtol=1e-13, atol=1e-13)
