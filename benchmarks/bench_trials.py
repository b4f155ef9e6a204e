"""Benchmark: virtual trials end to end, person fitting at scale, Dask scaling, memory.

Run from the repository root (the ``dask`` and ``fast`` extras installed)::

    python benchmarks/bench_trials.py
    python benchmarks/bench_trials.py --million 1000000

1. ``mgir trial run`` of a 2-arm, 16-week spec with 2,000 virtual subjects per arm and 1,000
   replicates: wall time of the whole command (a fresh process, start-up included), median of 3.
2. Person fitting: ``fit_person`` once over a cohort (vectorised) against the same fits one
   person at a time (the loop it replaces, timed on 2,000 people and extrapolated).
3. 10⁶ subject-years including person fitting: a virtual population of ``--million`` subjects
   drawn from NHANES, fitted and simulated for one year (300 mg/day citrate) in chunks of
   ``--chunk`` subjects with the compiled solver (rtol 1e-4) on every core; peak memory of the
   process for a tenth of the cohort and for all of it (flat when streaming).
4. Dask: the same trial's fit-and-simulate step on a ``LocalCluster`` of 1 and of 2 worker
   processes (``--dask-subjects`` per arm): scaling efficiency.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
import tomllib
from pathlib import Path

import numpy as np
from distributed import Client, LocalCluster

from mgir.model import ParameterSet, default_parameters, fit_person
from mgir.trials import DaskBackend, parse_trial_spec, prepare_trial

REPO = Path(__file__).resolve().parents[1]
SPEC = """
spec_version = 1
name = "benchmark: 2 arms, 16 weeks"
duration_weeks = 16
seed = 1

[population]
n = 120
condition = "prediabetes"
age_years = { mean = 52, sd = 10 }
female_fraction = 0.5

[[arms]]
name = "magnesium"
[arms.supplement]
salt = "magnesium citrate"
elemental = { value = 360, unit = "mg/day" }

[[arms]]
name = "placebo"

[analysis]
endpoints = ["serum_magnesium", "fasting_glucose", "fasting_insulin", "homa_ir", "hba1c"]
"""


def trial_command(spec: Path) -> float:
    mgir = Path(sys.executable).parent / "mgir"
    start = time.perf_counter()
    subprocess.run(
        [str(mgir), "trial", "run", str(spec), "--json"],
        check=True,
        capture_output=True,
    )
    return time.perf_counter() - start


def fitting(n: int, loop_n: int) -> tuple[float, float]:
    rng = np.random.default_rng(0)
    labs = {
        "fasting_glucose_mmol_per_l": rng.uniform(4.5, 9.0, n),
        "fasting_insulin_uiu_per_ml": rng.uniform(3.0, 30.0, n),
        "serum_mg_mmol_per_l": rng.uniform(0.65, 0.95, n),
        "dietary_intake_mg_per_day": rng.uniform(150.0, 450.0, n),
    }
    base = ParameterSet(np.repeat(default_parameters().values, n, axis=0))
    start = time.perf_counter()
    fit_person(**labs, base=base)
    vectorised = time.perf_counter() - start
    start = time.perf_counter()
    for i in range(loop_n):
        fit_person(**{k: float(v[i]) for k, v in labs.items()})
    per_person = (time.perf_counter() - start) / loop_n
    return vectorised, per_person * n


MILLION_SCRIPT = """
import resource, sys, time
import numpy as np
from mgir.model import ParameterSet, Regimen, Rosenbrock23, default_parameters, fit_person
from mgir.trials import sample_population

n, chunk = int(sys.argv[1]), int(sys.argv[2])
solver = Rosenbrock23(rtol=1e-4, atol=1e-7)
regimen = Regimen.constant("magnesium citrate", 300.0)
start = time.perf_counter()
population = sample_population("prediabetes", n, np.random.default_rng(0))
drawn = time.perf_counter() - start
fit_time = sim_time = 0.0
serum_end = np.empty(n)
for a in range(0, n, chunk):
    b = min(a + chunk, n)
    t = time.perf_counter()
    fit = fit_person(
        fasting_glucose_mmol_per_l=population.fasting_glucose_measured[a:b],
        fasting_insulin_uiu_per_ml=population.fasting_insulin_measured[a:b],
        serum_mg_mmol_per_l=population.serum_magnesium_measured[a:b],
        base=ParameterSet(np.repeat(default_parameters().values, b - a, axis=0)),
    )
    fit_time += time.perf_counter() - t
    t = time.perf_counter()
    out = solver.integrate(
        fit.parameters.values, fit.initial_state, np.array([0.0, 365.0]), regimen
    )
    sim_time += time.perf_counter() - t
    serum_end[a:b] = out[:, -1, 3]
total = time.perf_counter() - start
peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(f"{n} {drawn:.2f} {fit_time:.2f} {sim_time:.2f} {total:.2f} {peak_mb:.0f}")
"""


def million(n: int, chunk: int) -> list[str]:
    lines = []
    for size in (n // 10, n):
        out = subprocess.run(
            [sys.executable, "-c", MILLION_SCRIPT, str(size), str(chunk)],
            check=True,
            capture_output=True,
            text=True,
        ).stdout.split()
        size_, drawn, fit_t, sim_t, total, peak = out
        lines.append(
            f"| {int(size_):,} | {drawn} | {fit_t} | {sim_t} | {total} | "
            f"{int(size_) / float(total):,.0f} | {peak} |"
        )
    return lines


def dask_scaling(subjects_per_arm: int) -> list[tuple[int, float]]:
    spec = parse_trial_spec(tomllib.loads(SPEC))
    out = []
    for workers in (1, 2):
        with (
            LocalCluster(
                n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None
            ) as cluster,
            Client(cluster) as client,
        ):
            backend = DaskBackend(client=client)
            prepare_trial(spec, subjects_per_arm=200, backend=backend, chunk_subjects=100)
            start = time.perf_counter()
            prepare_trial(
                spec,
                subjects_per_arm=subjects_per_arm,
                backend=backend,
                chunk_subjects=max(subjects_per_arm // 8, 1),
            )
            out.append((workers, time.perf_counter() - start))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--million", type=int, default=1_000_000)
    parser.add_argument("--chunk", type=int, default=50_000)
    parser.add_argument("--fit-subjects", type=int, default=100_000)
    parser.add_argument("--dask-subjects", type=int, default=20_000)
    args = parser.parse_args()
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} CPUs, Python "
        f"{platform.python_version()}, numpy {np.__version__}"
    )
    with tempfile.TemporaryDirectory() as folder:
        spec = Path(folder) / "spec.toml"
        spec.write_text(SPEC, encoding="utf-8")
        trial_command(spec)  # warm caches
        walls = [trial_command(spec) for _ in range(3)]
        document = json.loads(
            subprocess.run(
                [str(Path(sys.executable).parent / "mgir"), "trial", "run", str(spec), "--json"],
                check=True,
                capture_output=True,
                text=True,
            ).stdout
        )
    print(
        f"1. mgir trial run (2 arms, 16 weeks, {document['provenance']['virtual_subjects_per_arm']}"
        f" per arm, {document['provenance']['replicates']} replicates): median "
        f"{statistics.median(walls):.2f} s of {[round(w, 2) for w in walls]}"
    )
    vectorised, looped = fitting(args.fit_subjects, 2_000)
    print(
        f"2. fit_person on {args.fit_subjects:,} people: vectorised {vectorised:.2f} s; one by one "
        f"(extrapolated from 2,000) {looped:.1f} s; ratio {looped / vectorised:,.0f}x"
    )
    print(
        f"3. draw + fit + simulate one year, compiled solver (rtol 1e-4), chunks of {args.chunk:,}:"
    )
    print(
        "| subjects | draw (s) | fit (s) | simulate (s) | total (s) | subject-years/s | "
        "peak RSS (MB) |"
    )
    print("|---|---|---|---|---|---|---|")
    for line in million(args.million, args.chunk):
        print(line)
    results = dask_scaling(args.dask_subjects)
    one = results[0][1]
    for workers, wall in results:
        print(
            f"4. Dask LocalCluster, {workers} worker(s), {2 * args.dask_subjects:,} subjects: "
            f"{wall:.2f} s; speed-up {one / wall:.2f}, efficiency {one / wall / workers:.0%}"
        )


if __name__ == "__main__":
    main()
