"""The posterior sampler (emcee) and the projections' use of its draws.

The sampler is checked against posteriors known in closed form: a Gaussian likelihood with a
flat prior far from its bounds is the same Gaussian (with its variance multiplied by the
temperature), and a constant likelihood is the flat prior itself (uniform over the box).
"""

from __future__ import annotations

import tomllib

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mgir._errors import InvalidInputError
from mgir.model import Param, calibration_record, default_parameters, parameter_draws
from mgir.model._posterior import PosteriorSample, sample_log_space_posterior


class _Gaussian:
    def __init__(self, mean: np.ndarray, sd: np.ndarray) -> None:
        self.mean = mean
        self.sd = sd

    def __call__(self, x: np.ndarray) -> np.ndarray:
        return (x - self.mean) / self.sd


@settings(max_examples=4, deadline=None)
@given(
    mean=st.tuples(st.floats(-2.0, 2.0), st.floats(-2.0, 2.0)),
    sd=st.tuples(st.floats(0.05, 0.5), st.floats(0.05, 0.5)),
    temperature=st.floats(1.0, 4.0),
)
def test_gaussian_likelihood_gives_the_gaussian_posterior(
    mean: tuple[float, float], sd: tuple[float, float], temperature: float
) -> None:
    mu, sigma = np.array(mean), np.array(sd)
    sample = sample_log_space_posterior(
        _Gaussian(mu, sigma),
        ("a", "b"),
        mu + sigma,  # started one SD away: the burn-in must forget the start
        mu - 12 * sigma * np.sqrt(temperature),
        mu + 12 * sigma * np.sqrt(temperature),
        temperature=temperature,
        n_walkers=16,
        n_steps=1500,
        burn_in=300,
        thin=5,
        seed=1,
    )
    expected_sd = sigma * np.sqrt(temperature)
    draws = sample.log_draws
    assert draws.shape == (16 * 1200 // 5, 2)
    # Monte Carlo error of the mean with ~16 x 1200 / tau (tau ~ 30) independent draws is
    # ~0.04 SD; 0.2 SD is five of those.
    assert np.all(np.abs(draws.mean(axis=0) - mu) < 0.2 * expected_sd)
    assert np.all(np.abs(draws.std(axis=0) / expected_sd - 1.0) < 0.15)
    # The recorded chi-square is the untempered one.
    r = (draws - mu) / sigma
    np.testing.assert_allclose(sample.chi_square, (r * r).sum(axis=1), rtol=1e-9)


def test_flat_likelihood_gives_the_flat_prior_inside_the_bounds() -> None:
    sample = sample_log_space_posterior(
        lambda x: np.zeros(1),
        ("a",),
        [0.0],
        [-1.0],
        [3.0],
        n_walkers=8,
        n_steps=2000,
        burn_in=200,
        thin=5,
        seed=2,
    )
    x = sample.log_draws[:, 0]
    assert x.min() >= -1.0 and x.max() <= 3.0
    # Uniform on [-1, 3]: mean 1, quartiles 0 and 2.
    assert abs(x.mean() - 1.0) < 0.15
    assert np.quantile(x, 0.25) == pytest.approx(0.0, abs=0.25)
    assert np.quantile(x, 0.75) == pytest.approx(2.0, abs=0.25)


def test_same_seed_same_draws_and_the_record_round_trips() -> None:
    def run(seed: int) -> PosteriorSample:
        return sample_log_space_posterior(
            _Gaussian(np.zeros(2), np.ones(2)),
            ("a", "b"),
            [0.1, 0.1],
            [-5.0, -5.0],
            [5.0, 5.0],
            n_walkers=8,
            n_steps=60,
            burn_in=10,
            thin=2,
            seed=seed,
        )

    first, again, other = run(7), run(7), run(8)
    np.testing.assert_array_equal(first.log_draws, again.log_draws)
    assert not np.array_equal(first.log_draws, other.log_draws)
    back = PosteriorSample.from_record(tomllib.loads(first.to_toml())["posterior"])
    np.testing.assert_array_equal(back.log_draws, first.log_draws)
    np.testing.assert_array_equal(back.chi_square, first.chi_square)
    assert back.autocorrelation_steps == first.autocorrelation_steps


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"n_walkers": 3}, "n_walkers"),
        ({"burn_in": 60}, "burn_in"),
        ({"temperature": 0.5}, "temperature"),
    ],
)
def test_bad_sampler_settings_name_the_setting(kwargs: dict[str, float], field: str) -> None:
    settings_ = {"n_walkers": 8, "n_steps": 60, "burn_in": 10, "thin": 2, **kwargs}
    with pytest.raises(InvalidInputError, match=field):
        sample_log_space_posterior(
            _Gaussian(np.zeros(2), np.ones(2)),
            ("a", "b"),
            [0.0, 0.0],
            [-1.0, -1.0],
            [1.0, 1.0],
            **settings_,  # type: ignore[arg-type]
        )


def test_projection_draws_resample_the_shipped_posterior() -> None:
    record = calibration_record()["posterior"]
    sample = PosteriorSample.from_record(record)
    draws = parameter_draws(default_parameters(), 200, seed=4)
    columns = np.column_stack([np.log(draws[Param(n)]) for n in sample.names])
    # Every drawn row is one of the stored posterior draws (all its calibrated values at once).
    distance = np.abs(columns[:, None, :] - sample.log_draws[None, :, :]).max(axis=2)
    assert np.all(distance.min(axis=1) < 1e-12)
    # ... and the resampling spreads over the sample rather than repeating one draw.
    assert len(np.unique(distance.argmin(axis=1))) > 100


def test_shipped_posterior_is_consistent_with_its_fit() -> None:
    record = calibration_record()
    sample = PosteriorSample.from_record(record["posterior"])
    assert sample.names == tuple(record["uncertainty"]["names"])
    kept = sample.n_walkers * ((sample.n_steps - sample.burn_in) // sample.thin)
    assert sample.log_draws.shape == (kept, len(sample.names))
    assert sample.temperature == pytest.approx(
        max(1.0, record["fit"]["chi_square"] / record["fit"]["dof"])
    )
    # The least-squares optimum is not beaten by the sampler by more than its tolerance, and
    # the draws sit inside each plausible range.
    assert sample.chi_square.min() >= record["fit"]["chi_square"] - 0.05
    from mgir.model import parameter_info

    info = parameter_info(calibrated=False)
    for j, name in enumerate(sample.names):
        values = np.exp(sample.log_draws[:, j])
        assert info[Param(name)].lower <= values.min() <= values.max() <= info[Param(name)].upper
    assert 0.15 < sample.acceptance_fraction < 0.7


def test_a_run_too_short_to_keep_a_draw_is_an_error_and_an_empty_record_is_refused() -> None:
    with pytest.raises(InvalidInputError, match="n_steps"):
        sample_log_space_posterior(
            _Gaussian(np.zeros(2), np.ones(2)),
            ("a", "b"),
            [0.0, 0.0],
            [-1.0, -1.0],
            [1.0, 1.0],
            n_walkers=8,
            n_steps=5,
            burn_in=1,
            thin=10,
        )
    record = tomllib.loads(calibration_record_text())["posterior"]
    record["log_draws"] = []
    with pytest.raises(InvalidInputError, match="log_draws"):
        PosteriorSample.from_record(record)


def calibration_record_text() -> str:
    from mgir.model._tables import model_data_text

    return model_data_text("calibrated.toml")


def test_the_record_cache_rereads_after_clearing(monkeypatch: pytest.MonkeyPatch) -> None:
    import mgir.model._parameters as parameters

    calibration_record.cache_clear()
    first = calibration_record()
    assert calibration_record() is first  # read once
    monkeypatch.setattr(parameters, "model_data_text", lambda name: "[parameters]\n")
    calibration_record.cache_clear()
    try:
        assert dict(calibration_record()) == {"parameters": {}}
    finally:
        monkeypatch.undo()
        calibration_record.cache_clear()
    assert "posterior" in calibration_record()
