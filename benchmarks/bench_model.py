"""Benchmark: simulated subject-years per second.

Run from the repository root::

    python benchmarks/bench_model.py                      # 1, 10^3, 10^5 subjects + baseline
    python benchmarks/bench_model.py --sizes 1 1000 100000 1000000 --processes 2

Cohorts are heterogeneous (insulin-sensitivity scale, β-cell set point, eGFR and intake drawn
at random), start at steady state, take 300 mg/day magnesium citrate, and run one year with
endpoint-only saving. The baseline integrates the full ODE with scipy ``solve_ivp`` (Radau,
rtol = atol = 1e-6) one subject at a time; its rate is measured on a few subjects and
extrapolated linearly (it has no cohort dimension).
"""

from __future__ import annotations

import argparse
import os
import platform
import time
from concurrent.futures import ProcessPoolExecutor

import numpy as np

from mgir.model import (
    Output,
    ParameterSet,
    QuasiSteadyState,
    Regimen,
    ScipyReference,
    default_parameters,
    simulate,
)

DAYS = 365.0
REGIMEN = Regimen.constant("magnesium citrate", 300.0)


def cohort(n: int, seed: int = 0) -> ParameterSet:
    rng = np.random.default_rng(seed)
    return default_parameters(n).replace(
        insulin_sensitivity_scale=rng.uniform(0.3, 1.5, n),
        beta_setpoint_initial_mg_per_dl=rng.uniform(80.0, 160.0, n),
        egfr_ml_per_min_1_73m2=rng.uniform(20.0, 120.0, n),
        dietary_intake_mg_per_day=rng.uniform(150.0, 450.0, n),
    )


def _run(args: tuple[int, int, float]) -> float:
    n, seed, dt = args
    r = simulate(
        cohort(n, seed),
        days=DAYS,
        regimen=REGIMEN,
        solver=QuasiSteadyState(dt_days=dt, chunk_size=16384),
        save_every_days=None,
    )
    return float(r.output(Output.HOMA_IR)[:, -1].mean())


def time_qss(n: int, dt: float, processes: int) -> float:
    start = time.perf_counter()
    if processes <= 1 or n < 10_000:
        _run((n, 0, dt))
    else:
        parts = [n // processes + (1 if k < n % processes else 0) for k in range(processes)]
        with ProcessPoolExecutor(max_workers=processes) as pool:
            list(pool.map(_run, [(m, k, dt) for k, m in enumerate(parts)]))
    return time.perf_counter() - start


def time_scipy(n: int) -> float:
    params = cohort(n)
    start = time.perf_counter()
    simulate(
        params,
        days=DAYS,
        regimen=REGIMEN,
        solver=ScipyReference(method="Radau", rtol=1e-6, atol=1e-6),
        save_every_days=None,
    )
    return time.perf_counter() - start


def accuracy(n: int = 5) -> dict[float, float]:
    params = cohort(n, seed=1)
    ref = simulate(
        params, days=DAYS, regimen=REGIMEN, solver=ScipyReference(), save_every_days=None
    )
    out = {}
    for dt in (1.0, 0.25):
        fast = simulate(
            params,
            days=DAYS,
            regimen=REGIMEN,
            solver=QuasiSteadyState(dt_days=dt),
            save_every_days=None,
        )
        err = 0.0
        for o in (Output.SERUM_MG, Output.FASTING_GLUCOSE, Output.FASTING_INSULIN, Output.HOMA_IR):
            a, b = fast.output(o)[:, -1], ref.output(o)[:, -1]
            err = max(err, float(np.max(np.abs(a - b) / np.abs(b))))
        out[dt] = err
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", type=int, nargs="+", default=[1, 1_000, 100_000])
    parser.add_argument("--processes", type=int, default=1)
    parser.add_argument("--baseline-subjects", type=int, default=3)
    args = parser.parse_args()
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} CPUs, Python "
        f"{platform.python_version()}, numpy {np.__version__}"
    )
    _run((10, 0, 1.0))  # warm-up (imports, caches)
    print("| solver | subjects | processes | wall (s) | subject-years/s |")
    print("|---|---|---|---|---|")
    for dt in (1.0, 0.25):
        for n in args.sizes:
            if dt == 0.25 and n > 100_000:
                continue
            procs = args.processes if n >= 10_000 else 1
            wall = time_qss(n, dt, procs)
            rate = n * DAYS / 365.0 / wall
            print(f"| QuasiSteadyState(dt_days={dt}) | {n} | {procs} | {wall:.3f} | {rate:,.0f} |")
    nb = args.baseline_subjects
    wall = time_scipy(nb)
    rate = nb / wall
    print(
        f"| scipy solve_ivp Radau (rtol=atol=1e-6), per subject | {nb} | 1 | {wall:.3f} | "
        f"{rate:,.1f} |"
    )
    for n in args.sizes:
        print(
            f"|   extrapolated scipy for {n} subjects | {n} | 1 | {n / rate:,.0f} | {rate:,.1f} |"
        )
    acc = accuracy()
    for dt, err in acc.items():
        print(f"max relative end-point error vs Radau (rtol=1e-9), dt={dt}: {err:.2e}")


if __name__ == "__main__":
    main()
