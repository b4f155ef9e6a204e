"""Benchmark: solvers of the full model at matched end-point accuracy, side by side.

Run from the repository root (numba, libroadrunner and python-libsbml installed)::

    python benchmarks/bench_solvers.py                       # 20,000 subjects, 2 cores
    python benchmarks/bench_solvers.py --subjects 100000 --rr-subjects 2000

Every solver integrates the same heterogeneous cohort (insulin-sensitivity scale, β-cell set
point, eGFR and dietary intake drawn at random; each subject starting at its own steady state)
for one year with 300 mg/day magnesium citrate from day 0, keeping only the end point.

- Accuracy: the largest relative end-point error (serum Mg, fasting glucose, insulin, HOMA-IR,
  HbA1c) on the first ``--reference-subjects`` subjects against scipy Radau at rtol = atol =
  1e-10 on the full ODE.
- Speed: subject-years per second on the whole cohort (``--subjects``), after a warm-up.
  mgir's compiled solver runs on every core in threads; libRoadRunner (the model's own SBML
  export, CVODE) runs one process per core, each looping over its subjects as a user of its
  Python API would (set the subject's parameters and initial state, reset, simulate);
  scipy ``solve_ivp`` (Radau) runs one subject at a time on one core and is timed on a few.

The table ends with ratios at matched accuracy: for each mgir setting, the fastest
libRoadRunner setting that is at least as accurate.
"""

from __future__ import annotations

import argparse
import os
import platform
import time
from concurrent.futures import ProcessPoolExecutor
from typing import Any

import numba
import numpy as np
import roadrunner

from mgir.model import (
    Output,
    Param,
    ParameterSet,
    QuasiSteadyState,
    Regimen,
    ScipyReference,
    SimulationResult,
    State,
    default_parameters,
    export_sbml,
    simulate,
    steady_state,
)
from mgir.model._compiled import Rosenbrock23

DAYS = 365.0
REGIMEN = Regimen.constant("magnesium citrate", 300.0)
OUTPUTS = (
    Output.SERUM_MG,
    Output.FASTING_GLUCOSE,
    Output.FASTING_INSULIN,
    Output.HOMA_IR,
    Output.HBA1C,
)
VARIED = (
    Param.INSULIN_SENSITIVITY_SCALE,
    Param.BETA_SETPOINT_INITIAL,
    Param.EGFR,
    Param.DIETARY_INTAKE,
)


def cohort(n: int, seed: int = 0) -> ParameterSet:
    rng = np.random.default_rng(seed)
    return default_parameters(n).replace(
        **{
            Param.INSULIN_SENSITIVITY_SCALE: rng.uniform(0.3, 1.5, n),
            Param.BETA_SETPOINT_INITIAL: rng.uniform(80.0, 160.0, n),
            Param.EGFR: rng.uniform(20.0, 120.0, n),
            Param.DIETARY_INTAKE: rng.uniform(150.0, 450.0, n),
        }
    )


def end_outputs(params: ParameterSet, states: np.ndarray) -> np.ndarray:
    """Outputs at the end from an (n, 2, N_STATES) state array, via mgir's own output code."""
    result = SimulationResult(
        time_days=np.array([0.0, DAYS]), states=states, parameters=params, provenance={}
    )
    return np.column_stack([result.output(o)[:, -1] for o in OUTPUTS])


def error(values: np.ndarray, reference: np.ndarray) -> float:
    return float(np.max(np.abs(values - reference) / np.abs(reference)))


# --------------------------------------------------------------------------- libRoadRunner
_RR: Any = None


def _rr_init(sbml: str, rtol: float, atol: float) -> None:
    global _RR  # noqa: PLW0603 - one model per worker process
    _RR = roadrunner.RoadRunner(sbml)
    _RR.integrator.relative_tolerance = rtol
    _RR.integrator.absolute_tolerance = atol
    _RR.timeCourseSelections = ["time", *[s.value for s in State]]


def _rr_run(job: tuple[np.ndarray, np.ndarray]) -> np.ndarray:
    values, initial = job
    out = np.empty((values.shape[0], 2, len(State)))
    for i in range(values.shape[0]):
        _RR.reset()
        for parameter, value in zip(VARIED, values[i], strict=True):
            _RR.setValue(parameter.value, float(value))
        for s in State:
            _RR.setValue(s.value, float(initial[i, s.pos]))
        result = _RR.simulate(0.0, DAYS, 2)
        out[i] = np.asarray(result)[:, 1:]
    return out


def run_roadrunner(
    params: ParameterSet, y0: np.ndarray, rtol: float, atol: float, processes: int
) -> tuple[np.ndarray, float]:
    sbml = export_sbml(parameters=params, regimen=REGIMEN)
    values = np.column_stack([params.values[:, p.pos] for p in VARIED])
    parts = np.array_split(np.arange(params.n_subjects), processes)
    with ProcessPoolExecutor(processes, initializer=_rr_init, initargs=(sbml, rtol, atol)) as pool:
        list(pool.map(_rr_run, [(values[:2], y0[:2])] * processes))  # warm-up
        start = time.perf_counter()
        chunks = list(pool.map(_rr_run, [(values[p], y0[p]) for p in parts]))
        wall = time.perf_counter() - start
    return np.concatenate(chunks), wall


# --------------------------------------------------------------------------- mgir
def run_mgir(solver: Any, params: ParameterSet, y0: np.ndarray) -> tuple[np.ndarray, float]:
    start = time.perf_counter()
    states = solver.integrate(params.values, y0, np.array([0.0, DAYS]), REGIMEN)
    return states, time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--subjects", type=int, default=20_000)
    parser.add_argument("--rr-subjects", type=int, default=1_000)
    parser.add_argument("--scipy-subjects", type=int, default=3)
    parser.add_argument("--reference-subjects", type=int, default=12)
    parser.add_argument("--processes", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args()
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} CPUs, Python "
        f"{platform.python_version()}, numpy {np.__version__}, numba {numba.__version__}, "
        f"libroadrunner {roadrunner.__version__}; numba threads {numba.get_num_threads()}"
    )
    params = cohort(args.subjects)
    y0 = steady_state(params)
    k = args.reference_subjects
    small = ParameterSet(params.values[:k])
    start = time.perf_counter()
    reference_states = simulate(
        small,
        days=DAYS,
        regimen=REGIMEN,
        initial_state=y0[:k],
        solver=ScipyReference(method="Radau", rtol=1e-10, atol=1e-10),
        save_every_days=None,
    ).states
    print(f"reference (Radau 1e-10) on {k} subjects: {time.perf_counter() - start:.1f} s")
    reference = end_outputs(small, reference_states)
    rows: list[tuple[str, str, float, float, int]] = []

    Rosenbrock23().integrate(params.values[:4], y0[:4], np.array([0.0, DAYS]), REGIMEN)  # JIT
    for rtol in (1e-3, 1e-4, 1e-5, 1e-6):
        solver = Rosenbrock23(rtol=rtol, atol=rtol * 1e-3)
        states, wall = run_mgir(solver, params, y0)
        err = error(end_outputs(small, states[:k]), reference)
        rows.append(
            (
                "mgir Rosenbrock23 (numba)",
                f"rtol {rtol:g}",
                err,
                args.subjects / wall,
                args.subjects,
            )
        )
    for dt in (1.0, 0.25):
        states, wall = run_mgir(QuasiSteadyState(dt_days=dt), params, y0)
        err = error(end_outputs(small, states[:k]), reference)
        rows.append(
            (
                "mgir QuasiSteadyState (numpy, 1 core)",
                f"dt {dt:g} day",
                err,
                args.subjects / wall,
                args.subjects,
            )
        )
    m = args.rr_subjects
    rr_params = ParameterSet(params.values[:m])
    for rtol in (1e-4, 1e-6, 1e-8):
        states, wall = run_roadrunner(rr_params, y0[:m], rtol, rtol * 1e-3, args.processes)
        err = error(end_outputs(small, states[:k]), reference)
        rows.append(("libRoadRunner CVODE (SBML export)", f"rtol {rtol:g}", err, m / wall, m))
    ns = args.scipy_subjects
    states, wall = run_mgir(
        ScipyReference(method="Radau", rtol=1e-6, atol=1e-9),
        ParameterSet(params.values[:ns]),
        y0[:ns],
    )
    both = min(ns, k)
    err = error(end_outputs(ParameterSet(params.values[:both]), states[:both]), reference[:both])
    rows.append(("scipy solve_ivp Radau, per subject (1 core)", "rtol 1e-6", err, ns / wall, ns))

    print("| solver | setting | max relative end-point error | subject-years/s | subjects |")
    print("|---|---|---|---|---|")
    for name, setting, err, rate, n in rows:
        print(f"| {name} | {setting} | {err:.1e} | {rate:,.0f} | {n:,} |")
    print()
    print("ratios at matched accuracy (fastest libRoadRunner setting at least as accurate):")
    rr_rows = [r for r in rows if r[0].startswith("libRoadRunner")]
    scipy_rate = rows[-1][3]
    for name, setting, err, rate, _ in rows:
        if not name.startswith("mgir"):
            continue
        peers = [r for r in rr_rows if r[2] <= err]
        peer = max(peers, key=lambda r: r[3]) if peers else min(rr_rows, key=lambda r: r[2])
        print(
            f"- {name}, {setting} (error {err:.1e}): {rate / peer[3]:.1f}x libRoadRunner "
            f"{peer[1]} (error {peer[2]:.1e}); {rate / scipy_rate:,.0f}x scipy Radau per subject"
        )


if __name__ == "__main__":
    main()
