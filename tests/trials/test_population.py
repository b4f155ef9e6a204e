"""Virtual populations: condition pools, entropy balancing, imputation, reproducibility."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mgir.trials import CONDITIONS, parse_trial_spec, sample_population
from mgir.trials._population import (
    _glycaemic_group,
    _impute_intake,
    entropy_balance,
    nhanes_pool,
)


def _spec(condition: str = "insulin_resistant", **population: object) -> dict:
    return {
        "spec_version": 1,
        "name": "test",
        "duration_weeks": 12,
        "population": {"n": 60, "condition": condition, **population},
        "arms": [
            {
                "name": "magnesium",
                "supplement": {
                    "salt": "magnesium citrate",
                    "elemental": {"value": 300, "unit": "mg/day"},
                },
            },
            {"name": "placebo"},
        ],
        "analysis": {"endpoints": ["homa_ir"]},
    }


def test_the_pool_is_the_derived_nhanes_table():
    pool = nhanes_pool()
    # scripts/derive_nhanes_population.py: 6,155 fasting non-pregnant adults in the two cycles.
    assert pool.size == 6155
    assert set(np.unique(pool.cycle)) == {"2015-2016", "2017-2020"}
    assert np.all(pool.weight > 0)
    assert np.all(np.isnan(pool.hba1c[pool.cycle == "2015-2016"]))
    assert np.all(np.isnan(pool.dietary_magnesium[pool.cycle == "2017-2020"]))


@pytest.mark.parametrize("condition", CONDITIONS)
def test_each_condition_draws_only_adults_who_fit_it(condition):
    pop = sample_population(condition, 3000, np.random.default_rng(1))
    g, a1c = pop.fasting_glucose_measured, pop.hba1c_measured
    # ADA 2021 (ada2021_classification): diabetes range FPG >= 7.0 mmol/L or HbA1c >= 6.5 %;
    # prediabetes 5.6-6.9 mmol/L or 5.7-6.4 %.
    diabetes = (g >= 7.0) | (np.nan_to_num(a1c) >= 6.5)
    prediabetes = ~diabetes & ((g >= 5.6) | (np.nan_to_num(a1c) >= 5.7))
    homa = g * pop.fasting_insulin_measured / 22.5
    if condition == "t2d":
        assert diabetes.all()
    elif condition == "prediabetes":
        assert prediabetes.all()
    elif condition == "healthy":
        assert not (diabetes | prediabetes).any()
        assert (homa < 3.0).all()  # guerrero_romero2004: HOMA-IR >= 3.0 is insulin resistance
    elif condition == "insulin_resistant":
        assert not diabetes.any()
        assert (homa >= 3.0).all()
    elif condition == "pcos":
        assert pop.female.all()
        assert ((pop.age_years >= 18) & (pop.age_years <= 45)).all()
        assert not diabetes.any()
    elif condition == "metabolic_syndrome":
        assert (g >= 5.6).all()
        pool = nhanes_pool()
        waist = dict(zip(zip(pool.cycle, pool.seqn, strict=True), pool.waist_cm, strict=True))
        waists = np.array([waist[c, s] for c, s in zip(pop.cycle, pop.seqn, strict=True)])
        assert (waists >= np.where(pop.female, 88.0, 102.0)).all()
    assert pop.match.pool_adults > 500
    # Serum Mg is drawn from a distribution: no constant.
    assert np.std(pop.serum_magnesium_measured) > 0.02


def test_same_seed_same_population_and_a_new_seed_another():
    a = sample_population("prediabetes", 500, np.random.default_rng(7))
    b = sample_population("prediabetes", 500, np.random.default_rng(7))
    c = sample_population("prediabetes", 500, np.random.default_rng(8))
    assert np.array_equal(a.seqn, b.seqn)
    assert np.array_equal(a.serum_magnesium_measured, b.serum_magnesium_measured)
    assert not np.array_equal(a.seqn, c.seqn)


def test_virtual_subjects_are_real_adults_never_shifted():
    spec = parse_trial_spec(
        _spec(
            age_years={"mean": 43, "sd": 10},
            baseline={"fasting_glucose": {"mean": 5.6, "sd": 0.5, "unit": "mmol/L"}},
        )
    )
    pop = sample_population(spec.condition, 2000, np.random.default_rng(3), spec=spec)
    pool = nhanes_pool()
    rows = {(c, s): i for i, (c, s) in enumerate(zip(pool.cycle, pool.seqn, strict=True))}
    index = np.array([rows[c, s] for c, s in zip(pop.cycle, pop.seqn, strict=True)])
    assert np.array_equal(pop.fasting_glucose_measured, pool.fasting_glucose[index])
    assert np.array_equal(pop.age_years, pool.age_years[index])


def test_the_virtual_baseline_matches_the_spec_table():
    table = {
        "fasting_glucose": {"mean": 5.3, "sd": 0.6, "unit": "mmol/L"},
        "fasting_insulin": {"mean": 19.0, "sd": 8.0, "unit": "uU/mL"},
        "dietary_magnesium": {"mean": 250, "sd": 80, "unit": "mg/day"},
        "serum_magnesium": {"mean": 0.61, "sd": 0.08, "unit": "mmol/L"},
        "homa_ir": {"mean": 4.6, "sd": 2.8},
    }
    spec = parse_trial_spec(
        _spec(
            age_years={"mean": 43, "sd": 10},
            female_fraction=0.6,
            bmi_kg_m2={"mean": 30, "sd": 5},
            baseline=table,
        )
    )
    pop = sample_population(spec.condition, 8000, np.random.default_rng(4), spec=spec)
    rows = {r.quantity: r for r in pop.match.rows}
    targets = {
        "age_years": (43, 10),
        "bmi_kg_m2": (30, 5),
        "fasting_glucose": (5.3, 0.6),
        "fasting_insulin": (19.0, 8.0),
        "dietary_magnesium": (250, 80),
        "serum_magnesium": (0.61, 0.08),
    }
    for name, (mean, sd) in targets.items():
        row = rows[name]
        assert row.how in ("balanced", "drawn")
        # 8,000 draws from the balanced weights (effective size ~100): the drawn cohort's mean
        # is within a tenth of an SD and its SD within 10 % of the table.
        assert abs(row.virtual_mean - mean) < 0.1 * sd, name
        assert abs(row.virtual_sd / sd - 1) < 0.1, name
    assert abs(rows["female"].virtual_mean - 0.6) < 0.03
    # The pool before balancing was different: balancing did the work.
    assert abs(rows["fasting_glucose"].pool_mean - 5.3) > 0.3
    # HOMA-IR is a function of the two balanced labs: reported against the table, not forced.
    assert rows["homa_ir"].how == "derived"
    assert rows["homa_ir"].target_mean == 4.6
    assert pop.match.effective_sample_size > 30


def test_a_table_the_pool_cannot_reach_is_an_error_naming_the_quantity():
    from mgir._errors import InvalidInputError

    spec = parse_trial_spec(
        _spec(
            condition="prediabetes",
            baseline={"hba1c": {"mean": 9.0, "sd": 0.5, "unit": "%"}},
        )
    )
    # Prediabetes is HbA1c below 6.5 % by definition: 9 % is not a re-weighting of that pool.
    with pytest.raises(InvalidInputError, match=r"population\.baseline\.hba1c.*spans"):
        sample_population(spec.condition, 2000, np.random.default_rng(5), spec=spec)
    young = parse_trial_spec(_spec(condition="prediabetes", age_years={"mean": 8, "sd": 2}))
    with pytest.raises(InvalidInputError, match=r"population\.age_years"):
        sample_population(young.condition, 2000, np.random.default_rng(5), spec=young)


def test_a_table_met_only_approximately_is_said_so():
    # A glucose SD of 0.02 mmol/L at the foot of the prediabetes range cannot be met exactly;
    # penalised balancing comes within the tolerance and the result says so.
    spec = parse_trial_spec(
        _spec(
            condition="prediabetes",
            baseline={"fasting_glucose": {"mean": 5.62, "sd": 0.02, "unit": "mmol/L"}},
        )
    )
    pop = sample_population(spec.condition, 2000, np.random.default_rng(5), spec=spec)
    row = next(r for r in pop.match.rows if r.quantity == "fasting_glucose")
    assert row.virtual_mean == pytest.approx(5.62, abs=0.01)
    assert any("approximately" in note for note in pop.match.notes)


@settings(max_examples=40)
@given(
    mean_quantile=st.floats(0.3, 0.7),
    sd_ratio=st.floats(0.6, 1.2),
    seed=st.integers(0, 2**32 - 1),
)
def test_entropy_balance_meets_feasible_targets_exactly(mean_quantile, sd_ratio, seed):
    rng = np.random.default_rng(seed)
    x = rng.lognormal(0.0, 0.5, 3000)
    q = rng.uniform(0.5, 2.0, 3000)
    target_mean = float(np.quantile(x, mean_quantile))
    target_sd = float(np.std(x) * sd_ratio)
    moments = np.column_stack(
        [(x - target_mean) / target_sd, ((x - target_mean) / target_sd) ** 2 - 1]
    )
    w, imbalance = entropy_balance(moments, q)
    assert imbalance < 1e-6
    assert w.sum() == pytest.approx(1.0)
    assert np.sum(w * x) == pytest.approx(target_mean, rel=1e-5)
    assert np.sqrt(np.sum(w * (x - target_mean) ** 2)) == pytest.approx(target_sd, rel=1e-5)


def test_entropy_balance_reports_a_target_beyond_the_pool_instead_of_hiding_it():
    rng = np.random.default_rng(0)
    x = rng.normal(0, 1, 500)
    q = rng.uniform(1, 2, 500)
    # A target mean above the largest value cannot be reached by any weights: the imbalance
    # stays large, exactly or with the penalised (ridge) balance.
    _, small = entropy_balance((x - x.max() - 1.0)[:, None], q)
    assert small > 0.5
    w, ridge_imbalance = entropy_balance((x - x.max() - 1.0)[:, None], q, ridge=0.01)
    assert np.all(np.isfinite(w))
    assert ridge_imbalance > 0.5


def test_missing_intake_comes_from_donors_of_the_same_sex():
    pool = nhanes_pool()
    intake, imputed = _impute_intake(pool, _glycaemic_group(pool), np.random.default_rng(0))
    assert not np.isnan(intake).any()
    assert np.array_equal(imputed, np.isnan(pool.dietary_magnesium))
    for female in (True, False):
        donors = set(pool.dietary_magnesium[~imputed & (pool.female == female)])
        assert set(intake[imputed & (pool.female == female)]) <= donors
    # A hot-deck keeps the donors' spread (a mean imputation would not).
    assert np.std(intake[imputed]) == pytest.approx(np.std(intake[~imputed]), rel=0.25)
