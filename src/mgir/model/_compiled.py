"""A compiled, adaptive, error-controlled stiff solver of the full model (numba).

:class:`Rosenbrock23` integrates the full right-hand side — glucose and insulin included, not at
quasi-steady state — with the L-stable Rosenbrock (W-) method of Shampine and Reichelt (1997,
MATLAB's ``ode23s``): second order, with a third-order error estimate that sets every step of
every subject on its own. The right-hand side *and its analytic Jacobian* are generated as
scalar code from the model's one symbolic definition (:mod:`mgir.model._definition`) and
compiled with numba; subjects run in parallel threads (``prange``), each with its own step
sizes, and only the requested save times are kept (endpoints by default).

The generated module is written once to mgir's cache folder (``$XDG_CACHE_HOME/mgir`` or
``~/.cache/mgir``) under a hash of its source, so numba's on-disk cache compiles it once per
machine and model version; where that folder cannot be written the code is compiled in memory
on first use (a few seconds).

References
----------
Shampine LF, Reichelt MW. The MATLAB ODE suite. SIAM J Sci Comput 1997;18(1):1-22
(``shampine1997_matlab_ode_suite``).
"""

from __future__ import annotations

import hashlib
import importlib.util
import math
import os
import sys
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np
import sympy as sp
from numpy.typing import NDArray
from sympy.printing.pycode import PythonCodePrinter

from mgir._errors import InvalidInputError
from mgir.model._definition import INPUTS, P, U, Y, _substituted, state_derivatives
from mgir.model._inputs import Regimen
from mgir.model._parameters import Param
from mgir.model._solvers import AbstractSolver
from mgir.model._states import N_STATES, State

__all__ = ["Rosenbrock23", "compiled_source"]

FloatArray = NDArray[np.float64]

_HELPERS = """
import math

import numpy as np
from numba import njit, prange


@njit(cache=True, inline="always")
def softplus(z):
    if z > 0.0:
        return z + math.log1p(math.exp(-z))
    return math.log1p(math.exp(z))


@njit(cache=True, inline="always")
def positive_part(z):
    return z if z > 0.0 else 0.0


@njit(cache=True, inline="always")
def Heaviside(z, at_zero):
    if z > 0.0:
        return 1.0
    if z < 0.0:
        return 0.0
    return at_zero
"""

_INTEGRATOR = """

@njit(cache=True)
def lu_factor(a, piv):
    n = a.shape[0]
    for k in range(n):
        m = k
        big = abs(a[k, k])
        for i in range(k + 1, n):
            if abs(a[i, k]) > big:
                big = abs(a[i, k])
                m = i
        piv[k] = m
        if m != k:
            for j in range(n):
                tmp = a[k, j]
                a[k, j] = a[m, j]
                a[m, j] = tmp
        if a[k, k] == 0.0:
            return False
        for i in range(k + 1, n):
            factor = a[i, k] / a[k, k]
            a[i, k] = factor
            if factor != 0.0:
                for j in range(k + 1, n):
                    a[i, j] -= factor * a[k, j]
    return True


@njit(cache=True)
def lu_solve(a, piv, b):
    n = a.shape[0]
    for k in range(n):
        m = piv[k]
        if m != k:
            tmp = b[k]
            b[k] = b[m]
            b[m] = tmp
    for i in range(n):
        s = b[i]
        for j in range(i):
            s -= a[i, j] * b[j]
        b[i] = s
    for i in range(n - 1, -1, -1):
        s = b[i]
        for j in range(i + 1, n):
            s -= a[i, j] * b[j]
        b[i] = s / a[i, i]


@njit(cache=True)
def solve_w(jac_m, hd, w, piv, b, work):
    # W = I - hd J, solved on the coupled block (LU) and then the leaf states, which no other
    # state depends on: x_leaf = (b_leaf + hd J[leaf, core] x_core) / (1 - hd J[leaf, leaf]).
    m = CORE.shape[0]
    for a in range(m):
        work[a] = b[CORE[a]]
    lu_solve(w, piv, work)
    for a in range(m):
        b[CORE[a]] = work[a]
    for leaf in LEAVES:
        s = b[leaf]
        for a in range(m):
            s += hd * jac_m[leaf, CORE[a]] * work[a]
        b[leaf] = s / (1.0 - hd * jac_m[leaf, leaf])


@njit(cache=True)
def integrate_subject(p, y0, stops, inputs, restart, save_stop, rtol, atol, h_init, max_steps,
                      out, counts):
    n = y0.shape[0]
    d = 1.0 / (2.0 + math.sqrt(2.0))
    e32 = 6.0 + math.sqrt(2.0)
    y = y0.copy()
    y1 = np.empty(n)
    ynew = np.empty(n)
    f0 = np.empty(n)
    f1 = np.empty(n)
    f2 = np.empty(n)
    k1 = np.empty(n)
    k2 = np.empty(n)
    k3 = np.empty(n)
    jac_m = np.zeros((n, n))
    m = CORE.shape[0]
    w = np.empty((m, m))
    work = np.empty(m)
    piv = np.empty(n, dtype=np.int64)
    saved = 0
    n_save = save_stop.shape[0]
    while saved < n_save and save_stop[saved] == 0:
        out[saved, :] = y
        saved += 1
    h = h_init
    accepted = 0
    rejected = 0
    for k in range(stops.shape[0] - 1):
        t = stops[k]
        t_end = stops[k + 1]
        u = inputs[k]
        if restart[k]:
            h = h_init
        # First same as last: an accepted step's f(ynew) is the next step's f(y).
        rhs(p, y, u, f0)
        while t < t_end:
            if accepted + rejected >= max_steps:
                counts[0] = accepted
                counts[1] = rejected
                return False
            last = h >= t_end - t
            step = t_end - t if last else h
            jac(p, y, u, jac_m)
            hd = step * d
            for a in range(m):
                for b in range(m):
                    w[a, b] = -hd * jac_m[CORE[a], CORE[b]]
                w[a, a] += 1.0
            if not lu_factor(w, piv):
                h = 0.5 * step
                rejected += 1
                continue
            for i in range(n):
                k1[i] = f0[i]
            solve_w(jac_m, hd, w, piv, k1, work)
            for i in range(n):
                y1[i] = y[i] + 0.5 * step * k1[i]
            rhs(p, y1, u, f1)
            for i in range(n):
                k2[i] = f1[i] - k1[i]
            solve_w(jac_m, hd, w, piv, k2, work)
            for i in range(n):
                k2[i] += k1[i]
                ynew[i] = y[i] + step * k2[i]
            rhs(p, ynew, u, f2)
            for i in range(n):
                k3[i] = f2[i] - e32 * (k2[i] - f1[i]) - 2.0 * (k1[i] - f0[i])
            solve_w(jac_m, hd, w, piv, k3, work)
            total = 0.0
            finite = True
            for i in range(n):
                scale = atol + rtol * max(abs(y[i]), abs(ynew[i]))
                e = step / 6.0 * (k1[i] - 2.0 * k2[i] + k3[i]) / scale
                if not math.isfinite(e) or not math.isfinite(ynew[i]):
                    finite = False
                total += e * e
            error = math.sqrt(total / n) if finite else math.inf
            if error <= 1.0:
                t = t_end if last else t + step
                for i in range(n):
                    y[i] = ynew[i]
                    f0[i] = f2[i]
                accepted += 1
            else:
                rejected += 1
            if error == 0.0:
                factor = 5.0
            elif math.isinf(error):
                factor = 0.2
            else:
                factor = min(5.0, max(0.2, 0.9 * error ** (-1.0 / 3.0)))
            h = step * factor
        while saved < n_save and save_stop[saved] == k + 1:
            out[saved, :] = y
            saved += 1
    counts[0] = accepted
    counts[1] = rejected
    return True


@njit(cache=True, parallel=True)
def integrate_cohort(p, y0, stops, inputs, restart, save_stop, rtol, atol, h_init, max_steps,
                     out, counts, ok):
    for s in prange(y0.shape[0]):
        ok[s] = integrate_subject(
            p[s], y0[s], stops, inputs[s], restart, save_stop, rtol, atol, h_init, max_steps,
            out[s], counts[s],
        )
"""


class _ScalarPrinter(PythonCodePrinter):  # type: ignore[misc]
    """Python code over floats; the model's own functions call the generated helpers."""

    def _print_softplus(self, expr: sp.Expr) -> str:
        return f"softplus({self._print(expr.args[0])})"

    def _print_positive_part(self, expr: sp.Expr) -> str:
        return f"positive_part({self._print(expr.args[0])})"

    def _print_Heaviside(self, expr: sp.Expr) -> str:  # noqa: N802 - SymPy's naming
        at_zero = expr.args[1] if len(expr.args) > 1 else sp.Rational(1, 2)
        return f"Heaviside({self._print(expr.args[0])}, {self._print(sp.Float(at_zero))})"


def _printed(
    expressions: list[sp.Expr], names: dict[sp.Symbol, sp.Symbol]
) -> tuple[list[tuple[sp.Symbol, sp.Expr]], list[sp.Expr]]:
    replaced = [sp.sympify(e).xreplace(names) for e in expressions]
    pairs, reduced = sp.cse(replaced, symbols=sp.numbered_symbols("x"), optimizations="basic")
    return pairs, reduced


@cache
def compiled_source() -> str:
    """The generated module: scalar ``rhs`` and ``jac`` from the definition, plus the solver."""
    derivatives = state_derivatives()
    expressions = [_substituted(derivatives[s]) for s in State]
    names: dict[sp.Symbol, sp.Symbol] = {}
    names.update({P[q]: sp.Symbol(f"p_{q.pos}", real=True) for q in Param})
    names.update({Y[s]: sp.Symbol(f"y_{s.pos}", real=True) for s in State})
    names.update({U[i.name]: sp.Symbol(f"u_{k}", real=True) for k, i in enumerate(INPUTS)})
    jacobian = sp.Matrix(expressions).jacobian([Y[s] for s in State])
    printer = _ScalarPrinter({"strict": True, "fully_qualified_modules": True})

    def body(signature: str, targets: list[str], values: list[sp.Expr], zero_skipped: bool) -> str:
        pairs, reduced = _printed(values, names)
        used = set().union(*(sp.sympify(v).free_symbols for v in reduced)) | set().union(
            *(sp.sympify(e).free_symbols for _, e in pairs)
        )
        lines = [f"@njit(cache=True)\ndef {signature}:"]
        for q in Param:
            if sp.Symbol(f"p_{q.pos}", real=True) in used:
                lines.append(f"    p_{q.pos} = p[{q.pos}]  # {q.value}")
        for s in State:
            if sp.Symbol(f"y_{s.pos}", real=True) in used:
                lines.append(f"    y_{s.pos} = y[{s.pos}]  # {s.value}")
        for k, i in enumerate(INPUTS):
            if sp.Symbol(f"u_{k}", real=True) in used:
                lines.append(f"    u_{k} = u[{k}]  # {i.name}")
        for symbol, expression in pairs:
            lines.append(f"    {symbol} = {printer.doprint(expression)}")
        for target, value in zip(targets, reduced, strict=True):
            if zero_skipped and value == 0:
                continue
            lines.append(f"    {target} = {printer.doprint(value)}")
        return "\n".join(lines) + "\n"

    rhs_code = body(
        "rhs(p, y, u, f)", [f"f[{s.pos}]" for s in State], expressions, zero_skipped=False
    )
    jac_targets = [f"J[{i}, {j}]" for i in range(N_STATES) for j in range(N_STATES)]
    jac_code = body("jac(p, y, u, J)", jac_targets, list(jacobian), zero_skipped=True)
    # Leaf states: no other state's derivative depends on them (running totals, HbA1c).
    leaves = [
        s.pos for s in State if all(jacobian[i, s.pos] == 0 for i in range(N_STATES) if i != s.pos)
    ]
    core = [s.pos for s in State if s.pos not in leaves]
    structure = (
        f"\n\nCORE = np.array({core}, dtype=np.int64)\n"
        f"LEAVES = np.array({leaves}, dtype=np.int64)\n"
    )
    header = '"""Generated by mgir.model._compiled from the model definition: do not edit."""\n'
    return header + _HELPERS + structure + "\n\n" + rhs_code + "\n\n" + jac_code + _INTEGRATOR


def _cache_folder() -> Path:
    root = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(root) / "mgir"


@cache
def _kernels() -> ModuleType:
    """Import the generated module (from the cache folder when it can be written)."""
    try:
        import numba  # noqa: F401, PLC0415
    except ImportError:
        raise InvalidInputError(
            field="solver",
            value="Rosenbrock23",
            allowed='the compiled solver after pip install "mgir[fast]" (numba)',
        ) from None
    source = compiled_source()
    digest = hashlib.sha256(source.encode()).hexdigest()[:16]
    path = _cache_folder() / f"compiled_model_{digest}.py"
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        if not path.exists() or path.read_text(encoding="utf-8") != source:
            temporary = path.with_suffix(f".{os.getpid()}.tmp")
            temporary.write_text(source, encoding="utf-8")
            temporary.replace(path)
    except OSError:
        module = ModuleType(f"mgir_compiled_model_{digest}")
        exec(
            compile(source.replace("cache=True", "cache=False"), "<mgir model>", "exec"),
            module.__dict__,
        )
        return module
    name = f"mgir_compiled_model_{digest}"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    # numba's cache finds the module by name when it loads compiled code.
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


@dataclass(frozen=True, slots=True)
class Rosenbrock23(AbstractSolver):
    """Compiled adaptive stiff solver of the full model (numba; see the module docstring).

    Parameters
    ----------
    rtol, atol
        Relative and absolute error tolerance of each step (weighted RMS norm over states).
    initial_step_days
        First step, and the first step after every dose change (days).
    max_steps
        Steps (accepted and rejected) allowed per subject before it is reported as failed.

    Notes
    -----
    The subjects are integrated in parallel threads (numba's ``prange``; ``NUMBA_NUM_THREADS``
    sets how many). Each subject takes its own steps, so the cost follows its dynamics; a
    cohort at steady state takes a few steps per year.
    """

    rtol: float = 1e-6
    atol: float = 1e-9
    initial_step_days: float = 1e-3
    max_steps: int = 200_000

    def __post_init__(self) -> None:
        for name in ("rtol", "atol", "initial_step_days"):
            value = getattr(self, name)
            if not (math.isfinite(value) and value > 0):
                raise InvalidInputError(field=name, value=value, allowed="> 0")
        if self.max_steps < 1:
            raise InvalidInputError(field="max_steps", value=self.max_steps, allowed=">= 1")

    def describe(self) -> dict[str, Any]:
        """Return the settings, JSON-ready."""
        return {
            "solver": "Rosenbrock23",
            "rtol": self.rtol,
            "atol": self.atol,
            "initial_step_days": self.initial_step_days,
        }

    def integrate_with_counts(
        self, p: FloatArray, y0: FloatArray, save_days: FloatArray, regimen: Regimen
    ) -> tuple[FloatArray, NDArray[np.int64]]:
        """Integrate; also return each subject's accepted and rejected steps, ``(n, 2)``."""
        kernels = _kernels()
        n = y0.shape[0]
        t0, t1 = float(save_days[0]), float(save_days[-1])
        breaks = [b for b in regimen.breakpoints() if t0 < b < t1]
        stops = np.unique(np.concatenate([save_days, breaks]))
        middles = 0.5 * (stops[:-1] + stops[1:])
        inputs = np.zeros((n, middles.size, 2))
        for k, middle in enumerate(middles):
            total, accessible = regimen.supplement_mmol_per_day(float(middle), n)
            inputs[:, k, 0] = total
            inputs[:, k, 1] = accessible
        restart = np.ones(middles.size, dtype=np.bool_)
        if middles.size > 1:
            restart[1:] = np.any(inputs[:, 1:, :] != inputs[:, :-1, :], axis=(0, 2))
        save_stop = np.searchsorted(stops, save_days).astype(np.int64)
        out = np.empty((n, save_days.size, N_STATES))
        counts = np.zeros((n, 2), dtype=np.int64)
        ok = np.zeros(n, dtype=np.bool_)
        kernels.integrate_cohort(
            np.ascontiguousarray(p, dtype=float),
            np.ascontiguousarray(y0, dtype=float),
            stops.astype(float),
            inputs,
            restart,
            save_stop,
            float(self.rtol),
            float(self.atol),
            float(self.initial_step_days),
            int(self.max_steps),
            out,
            counts,
            ok,
        )
        if not bool(ok.all()):
            first = int(np.flatnonzero(~ok)[0])
            raise RuntimeError(
                f"Rosenbrock23 did not reach day {t1:g} for subject {first} within "
                f"{self.max_steps} steps ({int((~ok).sum())} subjects failed)"
            )
        return out, counts

    def integrate(
        self, p: FloatArray, y0: FloatArray, save_days: FloatArray, regimen: Regimen
    ) -> FloatArray:
        """Integrate; see :class:`AbstractSolver`."""
        out, _ = self.integrate_with_counts(p, y0, save_days, regimen)
        return out
