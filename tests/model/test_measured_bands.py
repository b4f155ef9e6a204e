"""Where a follow-up lab is expected: the model's band widened by biological and assay variation."""

from __future__ import annotations

import math

import numpy as np
import pytest

from mgir._errors import InvalidInputError
from mgir.model import Output, Regimen, simulate_person

Z90 = 1.6448536269514722


@pytest.fixture(scope="module")
def projection():  # type: ignore[no-untyped-def]
    return simulate_person(
        days=56,
        regimen=Regimen.constant("magnesium citrate", 300.0),
        fasting_glucose_mmol_per_l=6.1,
        fasting_insulin_uiu_per_ml=15.0,
        serum_mg_mmol_per_l=0.68,
        n_draws=60,
        seed=2,
    )


def test_at_day_0_every_draw_is_on_the_lab_so_the_band_is_the_assay_s(projection) -> None:  # type: ignore[no-untyped-def]
    log_sd = 0.27
    low, _, high = projection.measured_bands(Output.FASTING_INSULIN, log_sd)[:, 0]
    assert low == pytest.approx(15.0 * math.exp(-Z90 * log_sd), rel=1e-9)
    assert high == pytest.approx(15.0 * math.exp(Z90 * log_sd), rel=1e-9)


def test_the_mixture_quantiles_match_a_monte_carlo_of_noisy_draws(projection) -> None:  # type: ignore[no-untyped-def]
    log_sd = 0.1
    exact = projection.measured_bands(Output.HOMA_IR, log_sd)
    values = projection.draws.output(Output.HOMA_IR)[:, -1]
    rng = np.random.default_rng(0)
    noisy = values[None, :] * np.exp(log_sd * rng.standard_normal((4000, values.size)))
    sampled = np.quantile(noisy, projection.quantiles)
    # 240,000 samples: the 5th/95th centiles within about 0.3 %.
    np.testing.assert_allclose(exact[:, -1], sampled, rtol=5e-3)
    # Wider than the band of the true value, and equal to it without noise.
    bands = projection.bands(Output.HOMA_IR)
    assert np.all(exact[0] <= bands[0] + 1e-12) and np.all(exact[-1] >= bands[-1] - 1e-12)
    np.testing.assert_array_equal(projection.measured_bands(Output.HOMA_IR, 0.0), bands)


def test_a_negative_spread_is_an_error(projection) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(InvalidInputError, match="log_sd"):
        projection.measured_bands(Output.HOMA_IR, -0.1)
