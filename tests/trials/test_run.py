"""Virtual trials: reproducibility, the statistics of replicate trials, regression to the mean."""

from __future__ import annotations

import itertools
import json
import math
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from mgir.model import ParameterSet, default_parameters, fit_person
from mgir.trials import (
    ENDPOINTS,
    parse_trial_spec,
    power_curve,
    prepare_trial,
    read_trial_spec,
    run_trial,
    schemas,
    summarise_trial,
)
from mgir.trials._run import (
    _population_log_moments,
    measurement_noise,
    n_for_power,
    split_by_allocation,
)

REPO = Path(__file__).resolve().parents[2]
TRIAL_EXAMPLES = sorted((REPO / "examples" / "trials").glob("*.toml"))


def _document(
    condition: str = "prediabetes",
    *,
    arms: list[dict] | None = None,
    endpoints: tuple[str, ...] = ("serum_magnesium", "fasting_glucose", "homa_ir"),
    n: int = 60,
    baseline: dict | None = None,
) -> dict:
    return {
        "spec_version": 1,
        "name": "test trial",
        "duration_weeks": 12,
        "seed": 11,
        "population": {"n": n, "condition": condition, "baseline": baseline or {}},
        "arms": arms
        or [
            {
                "name": "magnesium",
                "supplement": {
                    "salt": "magnesium citrate",
                    "elemental": {"value": 360, "unit": "mg/day"},
                },
            },
            {"name": "placebo"},
        ],
        "analysis": {"endpoints": list(endpoints)},
    }


def test_same_seed_gives_the_identical_document_whatever_the_chunking():
    spec = parse_trial_spec(_document())
    a = run_trial(spec, subjects_per_arm=300, replicates=100)
    b = run_trial(spec, subjects_per_arm=300, replicates=100, chunk_subjects=77)
    c = run_trial(spec, subjects_per_arm=300, replicates=100, seed=12)
    assert a.model_dump_json() == b.model_dump_json()
    assert a.model_dump_json() != c.model_dump_json()
    assert a.provenance.seed == 11 and c.provenance.seed == 12


def test_the_dask_backend_gives_the_local_result():
    distributed = pytest.importorskip("distributed")
    from mgir.trials import DaskBackend

    spec = parse_trial_spec(_document())
    local = run_trial(spec, subjects_per_arm=300, replicates=100)
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        on_client = run_trial(
            spec,
            subjects_per_arm=300,
            replicates=100,
            backend=DaskBackend(client=client),
            chunk_subjects=64,
        )
        by_address = run_trial(
            spec,
            subjects_per_arm=300,
            replicates=100,
            backend=DaskBackend(cluster.scheduler_address),
            chunk_subjects=150,
        )
    assert local.model_dump_json() == on_client.model_dump_json()
    assert local.model_dump_json() == by_address.model_dump_json()


def test_two_identical_control_arms_give_the_nominal_false_positive_rate():
    # Two placebo arms: every significant replicate is a false positive, so the "power" is the
    # test's size. 2,000 replicates: 5 % +/- 1.96 * sqrt(0.05 * 0.95 / 2000) = +/- 1.0 %.
    spec = parse_trial_spec(
        _document(arms=[{"name": "placebo A"}, {"name": "placebo B"}], endpoints=("homa_ir",))
    )
    result = run_trial(spec, subjects_per_arm=1500, replicates=2000)
    contrast = result.contrasts[0]
    assert 0.035 <= contrast.power <= 0.065
    # The interval is centred on no difference.
    low, high = contrast.difference_in_change.ci95
    assert low < 0 < high
    assert abs(low + high) < 0.3 * (high - low)


def test_power_rises_with_n_and_the_interval_narrows_as_one_over_root_n():
    spec = parse_trial_spec(_document(endpoints=("serum_magnesium",)))
    trial = prepare_trial(spec, subjects_per_arm=1500)
    points = power_curve(trial, [10, 40, 160, 640], endpoint="serum_magnesium", replicates=400)
    powers = [p.power for p in points]
    assert powers == sorted(powers)
    assert powers[-1] > 0.99
    widths = [p.ci95_difference_in_change[1] - p.ci95_difference_in_change[0] for p in points]
    # Quadrupling n halves the interval (sampling theory), up to replicate noise.
    for wide, narrow in itertools.pairwise(widths):
        assert narrow / wide == pytest.approx(0.5, abs=0.12)
    found = n_for_power(trial, endpoint="serum_magnesium", target_power=0.8, replicates=400)
    assert found is not None
    assert found.power >= 0.8
    below = power_curve(trial, [found.n_total - 1], endpoint="serum_magnesium", replicates=400)
    assert below[0].power < 0.8 or found.n_total == 4


def test_a_control_arm_regresses_to_the_mean_as_a_bivariate_normal_predicts():
    # People selected into the type 2 diabetes pool by a high measured glucose: their next
    # measurement is lower on average. On the log scale, E[ln X2 - ln X1] = (rho - 1)(mean ln X1
    # - mu) with rho = 1 - s_W^2 / s_T^2 (the true value's regression on one measurement).
    spec = parse_trial_spec(
        _document("t2d", arms=[{"name": "placebo"}, {"name": "placebo 2"}], endpoints=("hba1c",))
    )
    trial = prepare_trial(spec, subjects_per_arm=3000)
    mu, s_total = _population_log_moments()["fasting_glucose"]
    s_within = measurement_noise()["fasting_glucose"].log_sd
    rho = 1 - (s_within / s_total) ** 2
    start = np.log(trial.recorded_start["fasting_glucose"])
    end = np.log(trial.recorded_end["fasting_glucose"])
    expected = (rho - 1) * (start.mean() - mu)
    observed = float(np.mean(end - start))
    standard_error = float(np.std(end - start) / math.sqrt(start.size))
    assert expected < -0.005  # a visible fall
    # The model's own 12-week drift (progression) is small next to it.
    assert observed == pytest.approx(expected, abs=4 * standard_error + 0.003)


def test_a_supplement_raises_serum_mg_against_placebo_and_the_document_is_complete():
    spec = parse_trial_spec(_document(endpoints=ENDPOINTS))
    result = run_trial(spec, subjects_per_arm=400, replicates=200)
    jsonschema = pytest.importorskip("jsonschema")
    document = json.loads(result.model_dump_json())
    jsonschema.validate(document, schemas()["trial-result"])
    assert set(document["arms"]) == {"magnesium", "placebo"}
    for arm in result.arms.values():
        assert set(arm.endpoints) == set(spec.endpoints)
        assert arm.n == 30
        assert arm.virtual_subjects + arm.excluded_not_reproducible == 400
    by_endpoint = {c.endpoint: c for c in result.contrasts}
    mg = by_endpoint["serum_magnesium"]
    assert mg.difference_in_change.estimate > 0
    assert mg.difference_in_change.ci95[0] <= mg.difference_in_change.estimate
    assert mg.difference_in_change.estimate <= mg.difference_in_change.ci95[1]
    urinary = by_endpoint["urinary_magnesium"]
    assert urinary.difference_in_change.estimate > 0  # absorbed Mg leaves in the urine
    # Urinary Mg has no measurement noise: a placebo arm's change is the model's slow drift only.
    placebo_urinary = result.arms["placebo"].endpoints["urinary_magnesium"]
    assert placebo_urinary.change.sd < 0.01 * placebo_urinary.baseline.sd
    assert min(c.power for c in result.contrasts) >= 0.0
    assert max(c.power for c in result.contrasts) <= 1.0


def test_arms_split_n_by_allocation():
    spec = parse_trial_spec(
        _document(
            n=37,
            arms=[
                {
                    "name": "magnesium",
                    "allocation": 19,
                    "supplement": {
                        "salt": "magnesium citrate",
                        "elemental": {"value": 400, "unit": "mg/day"},
                    },
                },
                {"name": "placebo", "allocation": 18},
            ],
        )
    )
    result = run_trial(spec, subjects_per_arm=100, replicates=20)
    assert result.arms["magnesium"].n == 19
    assert result.arms["placebo"].n == 18


@given(
    n=st.integers(2, 10_000),
    allocations=st.lists(st.floats(0.1, 10.0), min_size=1, max_size=5),
)
def test_split_by_allocation_sums_to_n_and_follows_the_weights(n, allocations):
    counts = split_by_allocation(max(n, len(allocations)), allocations)
    total = max(n, len(allocations))
    assert len(counts) == len(allocations)
    assert all(c >= 1 for c in counts)
    exact = [total * a / sum(allocations) for a in allocations]
    # Largest remainder: each arm within one of its exact share; an arm whose share is below one
    # still gets one person, the only way the total can exceed n.
    assert all(abs(c - e) < 1 or c == 1 for c, e in zip(counts, exact, strict=True))
    assert sum(counts) >= total
    if all(e >= 1 for e in exact):
        assert sum(counts) == total


def test_hba1c_missing_in_part_of_the_pool_is_fitted_row_by_row():
    # Vectorised fit over rows equals one fit per row (NaN HbA1c keeps the population's offset).
    rng = np.random.default_rng(3)
    n = 40
    labs = {
        "fasting_glucose_mmol_per_l": rng.uniform(4.5, 9.0, n),
        "fasting_insulin_uiu_per_ml": rng.uniform(3.0, 30.0, n),
        "serum_mg_mmol_per_l": rng.uniform(0.65, 0.95, n),
        "egfr_ml_per_min_1_73m2": rng.uniform(60.0, 110.0, n),
        "dietary_intake_mg_per_day": rng.uniform(150.0, 450.0, n),
        "hba1c_percent": np.where(np.arange(n) % 3 == 0, np.nan, rng.uniform(5.0, 8.0, n)),
    }
    cohort = fit_person(
        **labs, base=ParameterSet(np.repeat(default_parameters().values, n, axis=0))
    )
    for i in range(n):
        one = {k: float(v[i]) for k, v in labs.items() if not np.isnan(v[i])}
        single = fit_person(**one)
        assert np.array_equal(single.parameters.values[0], cohort.parameters.values[i])
        assert np.array_equal(single.initial_state[0], cohort.initial_state[i])
        assert single.feasible is not None and cohort.feasible is not None
        assert bool(single.feasible[0]) == bool(cohort.feasible[i])


@pytest.mark.parametrize("path", TRIAL_EXAMPLES, ids=lambda p: p.stem)
def test_every_example_trial_runs(path):
    spec = read_trial_spec(path)
    result = run_trial(spec, subjects_per_arm=200, replicates=50)
    assert result.name == spec.name
    assert len(result.contrasts) == len(spec.endpoints) * (len(spec.arms) - 1)
    for arm in result.arms.values():
        # Most virtual subjects are kept: a cohort that loses many would be a biased one.
        assert arm.excluded_not_reproducible < 0.1 * 200


def test_summaries_need_enough_replicates():
    from mgir._errors import InvalidInputError

    trial = prepare_trial(parse_trial_spec(_document()), subjects_per_arm=50)
    with pytest.raises(InvalidInputError, match="replicates"):
        summarise_trial(trial, replicates=3)
    with pytest.raises(InvalidInputError, match="subjects_per_arm"):
        prepare_trial(parse_trial_spec(_document()), subjects_per_arm=1)


def test_parameter_draws_widen_the_interval_and_are_reproducible():
    spec = parse_trial_spec(_document(endpoints=("serum_magnesium",)))
    plain = run_trial(spec, subjects_per_arm=300, replicates=300)
    drawn = run_trial(spec, subjects_per_arm=300, replicates=300, parameter_draws=6)
    again = run_trial(spec, subjects_per_arm=300, replicates=300, parameter_draws=6)
    assert drawn.model_dump_json() == again.model_dump_json()
    assert drawn.provenance.parameter_draws == 6
    assert plain.provenance.parameter_draws == 0
    # Six cohorts, one per posterior draw: the arms summarise all of them.
    assert (
        drawn.arms["placebo"].virtual_subjects + drawn.arms["placebo"].excluded_not_reproducible
        == 6 * 300
    )

    def width(result):
        low, high = result.contrasts[0].difference_in_change.ci95
        return high - low

    # The calibration's posterior spreads the Mg response: the interval of a trial widens.
    assert width(drawn) > 1.2 * width(plain)
    assert any("posterior" in a for a in drawn.assumptions)


def test_dropout_analyses_the_completers():
    spec = parse_trial_spec(_document(endpoints=("serum_magnesium", "homa_ir")))
    trial = prepare_trial(spec, subjects_per_arm=300)
    # 80 randomised with half dropping out are analysed like 40 who all complete: the same
    # replicate draws (common random numbers) give the same power and interval.
    with_dropout = power_curve(trial, [80], endpoint="homa_ir", replicates=200, dropout=0.5)[0]
    smaller = power_curve(trial, [40], endpoint="homa_ir", replicates=200)[0]
    assert with_dropout.n_analysed_per_arm == smaller.n_per_arm == {"magnesium": 20, "placebo": 20}
    assert with_dropout.n_per_arm == {"magnesium": 40, "placebo": 40}
    assert with_dropout.power == smaller.power
    assert with_dropout.ci95_difference_in_change == smaller.ci95_difference_in_change
    result = summarise_trial(trial, replicates=50, dropout=0.2)
    assert result.arms["magnesium"].n == 30
    assert result.arms["magnesium"].n_analysed == 24
    assert result.provenance.dropout == 0.2
    assert any("Dropout 20%" in a for a in result.assumptions)
    from mgir._errors import InvalidInputError

    with pytest.raises(InvalidInputError, match="dropout"):
        summarise_trial(trial, replicates=50, dropout=0.95)


def test_replicate_trials_never_draw_more_people_per_arm_than_the_cohort_holds():
    from mgir._errors import InvalidInputError

    spec = parse_trial_spec(_document(endpoints=("homa_ir",)))
    trial = prepare_trial(spec, subjects_per_arm=100)
    with pytest.raises(InvalidInputError, match="holds"):
        power_curve(trial, [40, 1000], endpoint="homa_ir", replicates=20)
    # A target beyond what the cohort can show is not reached (rather than bootstrapped).
    assert n_for_power(trial, endpoint="homa_ir", target_power=0.99, replicates=20) is None
    big = parse_trial_spec(_document(endpoints=("homa_ir",), n=1000))
    with pytest.raises(InvalidInputError, match=r"population\.n"):
        run_trial(big, subjects_per_arm=100, replicates=20)
