"""Posterior of calibrated parameters by an affine-invariant ensemble sampler (emcee).

The calibration's least-squares optimum and its Laplace covariance describe the parameters only
near the optimum and ignore the bounds of the plausible ranges; the posterior sample here does
neither. The log-posterior over log-parameters is flat inside the plausible ranges (the prior the
least-squares fit implies) and ``-χ²/(2 T)`` there, where the temperature ``T`` is the reduced χ²
of the optimum when above 1 (the same overdispersion the Laplace covariance is inflated by), so
a misfit widens the posterior instead of being ignored.

References
----------
Goodman J, Weare J. Ensemble samplers with affine invariance. Commun Appl Math Comput Sci
2010;5(1):65-80. Foreman-Mackey D, Hogg DW, Lang D, Goodman J. emcee: the MCMC hammer. Publ Astron
Soc Pac 2013;125(925):306-12.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from mgir._errors import InvalidInputError

__all__ = ["PosteriorSample", "sample_log_space_posterior"]

FloatArray = NDArray[np.float64]

_START_BALL = 1e-3
"""Walkers start in a ball of this relative size of each range around the optimum."""


@dataclass(frozen=True, slots=True)
class PosteriorSample:
    """Draws from the posterior of parameters over their natural logarithms.

    Attributes
    ----------
    names
        Parameter names, in the column order of ``log_draws``.
    log_draws
        ``(n_draws, n_parameters)`` natural logs of the parameter values, after burn-in and
        thinning, walkers interleaved.
    chi_square
        χ² (untempered) of each draw.
    temperature
        The likelihood's temperature: the log-posterior is ``-χ²/(2 T)`` inside the ranges.
    autocorrelation_steps
        Integrated autocorrelation time of each parameter's chain, in sampler steps.
    """

    names: tuple[str, ...]
    log_draws: FloatArray
    chi_square: FloatArray
    temperature: float
    n_walkers: int
    n_steps: int
    burn_in: int
    thin: int
    seed: int
    acceptance_fraction: float
    autocorrelation_steps: tuple[float, ...]

    @property
    def effective_draws(self) -> float:
        """Independent draws the chains hold: walkers × kept steps / the longest τ."""
        tau = max(self.autocorrelation_steps)
        return self.n_walkers * (self.n_steps - self.burn_in) / tau

    @property
    def chains_long_enough(self) -> bool:
        """Whether each chain is at least 50 autocorrelation times long (emcee's advice)."""
        return self.n_steps - self.burn_in >= 50 * max(self.autocorrelation_steps)

    def quantiles(self, q: Sequence[float] = (0.025, 0.5, 0.975)) -> dict[str, tuple[float, ...]]:
        """Quantiles of each parameter (natural values), by name."""
        values = np.exp(self.log_draws)
        return {
            n: tuple(float(v) for v in np.quantile(values[:, j], q))
            for j, n in enumerate(self.names)
        }

    def to_toml(self) -> str:
        """Serialise as the ``[posterior]`` table of ``calibrated.toml``."""
        lines = [
            "[posterior]",
            'method = "emcee_affine_invariant_ensemble"',
            f"names = {list(self.names)!r}".replace("'", '"'),
            f"temperature = {self.temperature!r}",
            f"n_walkers = {self.n_walkers}",
            f"n_steps = {self.n_steps}",
            f"burn_in = {self.burn_in}",
            f"thin = {self.thin}",
            f"seed = {self.seed}",
            f"acceptance_fraction = {self.acceptance_fraction!r}",
            f"autocorrelation_steps = {[float(t) for t in self.autocorrelation_steps]!r}",
            f"chi_square = {[float(c) for c in self.chi_square]!r}",
            "log_draws = [",
        ]
        lines += [f"  {[float(v) for v in row]!r}," for row in self.log_draws]
        lines.append("]")
        return "\n".join(lines) + "\n"

    @classmethod
    def from_record(cls, record: Mapping[str, Any]) -> PosteriorSample:
        """Read the ``[posterior]`` table written by :meth:`to_toml`."""
        names = tuple(record["names"])
        draws = np.asarray(record["log_draws"], dtype=float)
        if draws.ndim != 2 or draws.shape[0] < 1 or draws.shape[1] != len(names):
            raise InvalidInputError(
                field="posterior.log_draws",
                value=list(draws.shape),
                allowed=f"at least one draw of {len(names)} values (one per name)",
            )
        return cls(
            names=names,
            log_draws=draws,
            chi_square=np.asarray(record["chi_square"], dtype=float),
            temperature=float(record["temperature"]),
            n_walkers=int(record["n_walkers"]),
            n_steps=int(record["n_steps"]),
            burn_in=int(record["burn_in"]),
            thin=int(record["thin"]),
            seed=int(record["seed"]),
            acceptance_fraction=float(record["acceptance_fraction"]),
            autocorrelation_steps=tuple(float(t) for t in record["autocorrelation_steps"]),
        )


class _LogPosterior:
    """Picklable log-posterior: flat inside the bounds, ``-χ²/(2 T)`` there."""

    def __init__(
        self,
        residuals: Callable[[FloatArray], FloatArray],
        lower: FloatArray,
        upper: FloatArray,
        temperature: float,
    ) -> None:
        self.residuals = residuals
        self.lower = lower
        self.upper = upper
        self.temperature = temperature

    def __call__(self, x: FloatArray) -> float:
        if np.any(x < self.lower) or np.any(x > self.upper):
            return -math.inf
        r = self.residuals(x)
        chi2 = float(r @ r)
        return -0.5 * chi2 / self.temperature if math.isfinite(chi2) else -math.inf


def sample_log_space_posterior(
    residuals: Callable[[FloatArray], FloatArray],
    names: Sequence[str],
    start: Sequence[float] | FloatArray,
    lower: Sequence[float] | FloatArray,
    upper: Sequence[float] | FloatArray,
    *,
    temperature: float = 1.0,
    n_walkers: int = 32,
    n_steps: int = 1000,
    burn_in: int = 300,
    thin: int = 10,
    seed: int = 0,
    processes: int = 1,
) -> PosteriorSample:
    """Sample ``exp(-|residuals(x)|² / (2 T))`` over the box ``lower <= x <= upper``.

    Parameters
    ----------
    residuals
        Standardised residuals at log-parameters ``x`` (picklable when ``processes > 1``).
    names
        Parameter names, one per component of ``x``.
    start
        Log-parameters the walkers start around (the least-squares optimum).
    lower, upper
        Bounds of the log-parameters (the plausible ranges).
    temperature
        Likelihood temperature ``T >= 1`` (the reduced χ² for an overdispersed fit).
    n_walkers, n_steps, burn_in, thin
        Ensemble size, steps per walker, steps discarded, and keep-one-in-``thin``.
    seed
        Seed of the sampler's random state and of the walkers' start: same seed, same draws.
    processes
        Worker processes evaluating walkers in parallel (1: in this process).

    Returns
    -------
    PosteriorSample
        ``n_walkers × (n_steps - burn_in) / thin`` draws.
    """
    import emcee  # noqa: PLC0415 - an optional dependency, needed only to recalibrate

    x0 = np.asarray(start, dtype=float)
    lo = np.asarray(lower, dtype=float)
    hi = np.asarray(upper, dtype=float)
    k = x0.size
    if len(names) != k or lo.size != k or hi.size != k:
        raise InvalidInputError(field="names", value=len(names), allowed=f"one per parameter ({k})")
    if n_walkers < 2 * k:
        raise InvalidInputError(field="n_walkers", value=n_walkers, allowed=f">= {2 * k}")
    if not 0 <= burn_in < n_steps:
        raise InvalidInputError(field="burn_in", value=burn_in, allowed=f"0 to {n_steps - 1}")
    if thin < 1 or (n_steps - burn_in) // thin < 1:
        raise InvalidInputError(
            field="n_steps",
            value=n_steps,
            allowed=f"at least burn_in + thin ({burn_in} + {thin}) so that draws are kept",
        )
    if temperature < 1.0:
        raise InvalidInputError(field="temperature", value=temperature, allowed=">= 1")
    rng = np.random.default_rng(seed)
    width = hi - lo
    # Walkers start just inside the box: an optimum on a bound would otherwise start them
    # outside, where the posterior is zero.
    inner_lo, inner_hi = lo + 1e-6 * width, hi - 1e-6 * width
    walkers = np.clip(
        x0 + _START_BALL * width * rng.standard_normal((n_walkers, k)), inner_lo, inner_hi
    )
    log_posterior = _LogPosterior(residuals, lo, hi, temperature)
    pool = None
    if processes > 1:
        from concurrent.futures import ProcessPoolExecutor  # noqa: PLC0415

        pool = ProcessPoolExecutor(max_workers=processes)
    try:
        sampler = emcee.EnsembleSampler(n_walkers, k, log_posterior, pool=pool)
        sampler.random_state = np.random.RandomState(seed).get_state()
        sampler.run_mcmc(walkers, n_steps, progress=False)
    finally:
        if pool is not None:
            pool.shutdown()
    draws = sampler.get_chain(discard=burn_in, thin=thin, flat=True)
    log_prob = sampler.get_log_prob(discard=burn_in, thin=thin, flat=True)
    tau = sampler.get_autocorr_time(discard=burn_in, quiet=True)
    return PosteriorSample(
        names=tuple(names),
        log_draws=np.asarray(draws, dtype=float),
        chi_square=np.asarray(-2.0 * temperature * log_prob, dtype=float),
        temperature=float(temperature),
        n_walkers=n_walkers,
        n_steps=n_steps,
        burn_in=burn_in,
        thin=thin,
        seed=seed,
        acceptance_fraction=float(np.mean(sampler.acceptance_fraction)),
        autocorrelation_steps=tuple(float(t) for t in tau),
    )
