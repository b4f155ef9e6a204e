"""Solver strategies: small immutable objects that integrate the model on a time grid.

``QuasiSteadyState`` is the production solver: fasting glucose and insulin at their
quasi-steady state (they relax in hours; everything else in days to years), the linear Mg
exchange and the linearised renal flux treated implicitly (backward Euler, exactly
conservative), and β-cell mass advanced by exponential Euler (stays positive). It is vectorised
over subjects and processes them in cache-sized chunks.

``ScipyReference`` integrates the full ODE (glucose and insulin included) with
``scipy.integrate.solve_ivp`` (Radau or BDF) at tight tolerance; it is the accuracy reference.
"""

from __future__ import annotations

import abc
import itertools
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
from numpy.typing import NDArray

from mgir._errors import InvalidInputError
from mgir.model._definition import rhs
from mgir.model._equations import (
    absorption_mmol_per_day,
    beta_growth_rate_per_day,
    effective_insulin_sensitivity,
    effective_secretion_max,
    exchange_rates_per_day,
    hba1c_equilibrium_percent,
    qss_glucose_insulin,
    renal_excretion_mmol_per_day,
    setpoint_drift_mg_per_dl_per_day,
)
from mgir.model._inputs import Regimen
from mgir.model._parameters import Param
from mgir.model._states import N_STATES, State

__all__ = ["AbstractSolver", "QuasiSteadyState", "ScipyReference"]

FloatArray = NDArray[np.float64]


class AbstractSolver(abc.ABC):
    """A way to integrate the model; concrete solvers are frozen dataclasses."""

    @abc.abstractmethod
    def integrate(
        self, p: FloatArray, y0: FloatArray, save_days: FloatArray, regimen: Regimen
    ) -> FloatArray:
        """Integrate from ``save_days[0]``; return states at ``save_days``, ``(n, n_t, S)``."""

    @abc.abstractmethod
    def describe(self) -> dict[str, Any]:
        """Return the settings, JSON-ready (recorded in provenance)."""


@dataclass(frozen=True, slots=True)
class QuasiSteadyState(AbstractSolver):
    """Fast fixed-step solver with glucose and insulin at quasi-steady state.

    Parameters
    ----------
    dt_days
        Step (days). Save times and dose changes that fall between grid points become extra
        step boundaries (those steps are shorter), so doses change exactly when the regimen
        says. 0.25 day is accurate to well under 1 % against the stiff reference (see tests
        and docs/model.md); 1 day is the fast setting for cohorts.
    chunk_size
        Subjects integrated together (cache-sized chunks are faster than one huge array).
    """

    dt_days: float = 0.25
    chunk_size: int = 8192

    def __post_init__(self) -> None:
        if not (0 < self.dt_days <= 7):
            raise InvalidInputError(
                field="dt_days", value=self.dt_days, unit="day", allowed="> 0 and <= 7"
            )
        if self.chunk_size < 1:
            raise InvalidInputError(field="chunk_size", value=self.chunk_size, allowed=">= 1")

    def describe(self) -> dict[str, Any]:
        """Return the settings, JSON-ready."""
        return {
            "solver": "QuasiSteadyState",
            "dt_days": self.dt_days,
            "chunk_size": self.chunk_size,
        }

    def integrate(
        self, p: FloatArray, y0: FloatArray, save_days: FloatArray, regimen: Regimen
    ) -> FloatArray:
        """Integrate; see :class:`AbstractSolver`."""
        t0, t1 = float(save_days[0]), float(save_days[-1])
        # Step boundaries: the regular grid, plus every save time and dose change that falls
        # between grid points (those steps are shortened, never lengthened).
        grid = t0 + self.dt_days * np.arange(int(np.floor((t1 - t0) / self.dt_days + 1e-9)) + 1)
        extra = [b for b in regimen.breakpoints() if t0 < b < t1]
        bounds = np.unique(np.concatenate([grid, save_days, extra]))
        keep = np.concatenate([[True], np.diff(bounds) > 1e-9 * max(1.0, t1)])
        bounds = bounds[keep]
        save_index = np.searchsorted(bounds, save_days - 1e-9 * max(1.0, t1))
        out = np.empty((y0.shape[0], save_days.size, N_STATES))
        for start in range(0, y0.shape[0], self.chunk_size):
            sl = slice(start, start + self.chunk_size)
            out[sl] = self._chunk(
                np.asfortranarray(p[sl]), y0[sl], bounds, save_index, regimen.take(sl)
            )
        return out

    def _chunk(
        self,
        p: FloatArray,
        y0: FloatArray,
        bounds: FloatArray,
        save_index: NDArray[np.intp],
        regimen: Regimen,
    ) -> FloatArray:
        n = y0.shape[0]
        y = np.array(y0, dtype=float, copy=True)
        out = np.empty((n, save_index.size, N_STATES))
        k_ei, k_ie, k_eb, k_be, k_fs, k_sf = exchange_rates_per_day(p)
        h_key = -1.0
        d_ic = b_ic = d_bs = b_bs = d_bf = b_bf = denom_const = a1c_keep = np.zeros(n)
        cache_key: tuple[int, ...] | None = None
        intake = absorbed = np.zeros(n)
        save_at: dict[int, list[int]] = {}
        for j, s in enumerate(save_index):
            save_at.setdefault(int(s), []).append(j)
        n_steps = bounds.size - 1
        ie, ii = State.MG_EXTRACELLULAR.pos, State.MG_INTRACELLULAR.pos
        ibf, ibs = State.MG_BONE_FAST.pos, State.MG_BONE_SLOW.pos
        ig, ins_i, ib = State.GLUCOSE.pos, State.INSULIN.pos, State.BETA_CELL_MASS.pos
        ia1c, t_half_a1c = State.HBA1C.pos, p[:, Param.HBA1C_HALF_TIME.pos]
        iset = State.BETA_SETPOINT.pos
        for k in range(n_steps + 1):
            icf = y[:, ii]
            si = effective_insulin_sensitivity(p, icf)
            sigma = effective_secretion_max(p, icf)
            g, ins = qss_glucose_insulin(p, y[:, ib], si, sigma, guess=y[:, ig])
            y[:, ig] = g
            y[:, ins_i] = ins
            for j in save_at.get(k, ()):
                out[:, j, :] = y
            if k == n_steps:
                break
            h = float(bounds[k + 1] - bounds[k])
            if h != h_key:
                # Constant parts of the implicit exchange solve for this step length.
                d_ic = 1.0 + h * k_ie
                b_ic = h * k_ei / d_ic
                d_bs = 1.0 + h * k_sf
                b_bs = h * k_fs / d_bs
                d_bf = 1.0 + h * k_be + h * k_fs - h * k_sf * b_bs
                b_bf = h * k_eb / d_bf
                denom_const = 1.0 + h * k_ei + h * k_eb - h * k_ie * b_ic - h * k_be * b_bf
                a1c_keep = np.exp(-h * np.log(2.0) / t_half_a1c)
                h_key = h
            t_mid = 0.5 * (bounds[k] + bounds[k + 1])
            active = tuple(
                j for j, s in enumerate(regimen.segments) if s.start_day <= t_mid < s.end_day
            )
            if active != cache_key:
                supp, supp_acc = regimen.supplement_mmol_per_day(t_mid, n)
                food, absorbed = absorption_mmol_per_day(p, supp_acc)
                intake = food + supp
                cache_key = active
            e0 = y[:, ie]
            urine0, du = renal_excretion_mmol_per_day(p, e0, g, si * ins)
            a_ic = y[:, ii] / d_ic
            a_bs = y[:, ibs] / d_bs
            a_bf = (y[:, ibf] + h * k_sf * a_bs) / d_bf
            num = e0 + h * (absorbed - urine0 + du * e0) + h * k_ie * a_ic + h * k_be * a_bf
            e1 = num / (denom_const + h * du)
            bf1 = a_bf + b_bf * e1
            urine = urine0 + du * (e1 - e0)
            y[:, ie] = e1
            y[:, ii] = a_ic + b_ic * e1
            y[:, ibf] = bf1
            y[:, ibs] = a_bs + b_bs * bf1
            y[:, ib] = y[:, ib] * np.exp(h * beta_growth_rate_per_day(p, g, y[:, iset]))
            # The set point drifts over years: explicit Euler on a step of days is ample.
            y[:, iset] += h * setpoint_drift_mg_per_dl_per_day(p, g, si)
            # HbA1c relaxes exactly (exponential) towards the level of this step's glucose.
            a_eq = hba1c_equilibrium_percent(p, g)
            y[:, ia1c] = a_eq + (y[:, ia1c] - a_eq) * a1c_keep
            y[:, State.CUMULATIVE_INTAKE.pos] += h * intake
            y[:, State.CUMULATIVE_ABSORBED.pos] += h * absorbed
            y[:, State.CUMULATIVE_FAECAL.pos] += h * (intake - absorbed)
            y[:, State.CUMULATIVE_URINARY.pos] += h * urine
        return out


@dataclass(frozen=True, slots=True)
class ScipyReference(AbstractSolver):
    """Stiff reference: ``scipy.integrate.solve_ivp`` on the full ODE, one subject at a time.

    Integration restarts at every regimen breakpoint so that dose steps are resolved exactly.
    """

    method: Literal["Radau", "BDF", "LSODA"] = "Radau"
    rtol: float = 1e-9
    atol: float = 1e-9

    def describe(self) -> dict[str, Any]:
        """Return the settings, JSON-ready."""
        return {
            "solver": "ScipyReference",
            "method": self.method,
            "rtol": self.rtol,
            "atol": self.atol,
        }

    def integrate(
        self, p: FloatArray, y0: FloatArray, save_days: FloatArray, regimen: Regimen
    ) -> FloatArray:
        """Integrate; see :class:`AbstractSolver`."""
        from scipy.integrate import solve_ivp  # noqa: PLC0415 - keep scipy import lazy

        t0, t1 = float(save_days[0]), float(save_days[-1])
        cuts = [t0, *[b for b in regimen.breakpoints() if t0 < b < t1], t1]
        out = np.empty((y0.shape[0], save_days.size, N_STATES))
        for s in range(y0.shape[0]):
            ps = p[s : s + 1]
            y = np.array(y0[s], dtype=float, copy=True)
            for a, b in itertools.pairwise(cuts):
                mid = 0.5 * (a + b)
                supp, acc = regimen.take(slice(s, s + 1)).supplement_mmol_per_day(mid, 1)

                def f(
                    _t: float,
                    yy: FloatArray,
                    ps: FloatArray = ps,
                    supp: FloatArray = supp,
                    acc: FloatArray = acc,
                ) -> FloatArray:
                    result: FloatArray = rhs(yy[None, :], ps, supp, acc)[0]
                    return result

                last = b == t1
                mask = (save_days >= a) & ((save_days <= b) if last else (save_days < b))
                te = np.union1d(save_days[mask], [b])
                sol = solve_ivp(
                    f, (a, b), y, method=self.method, rtol=self.rtol, atol=self.atol, t_eval=te
                )
                if not sol.success:
                    raise RuntimeError(f"reference solver failed: {sol.message}")
                out[s, mask, :] = sol.y.T[np.searchsorted(te, save_days[mask])]
                y = sol.y[:, -1]
        return out
