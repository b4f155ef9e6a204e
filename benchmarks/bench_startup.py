"""Benchmark: start-up cost of the CLI, as CPU time (user + system) of the whole process.

Run from the repository root:

    .venv/bin/python benchmarks/bench_startup.py [--repeat 15]

Each command runs ``--repeat`` times in a fresh process; the median CPU time (user + system, from
``resource.getrusage(RUSAGE_CHILDREN)``) and wall time are printed, beside two references measured
in the same run: the bare interpreter, and the import of the libraries every clinical command
needs (numpy, pint with its registry, pydantic, typer). Ratios to the libraries line say how much
of the cost is mgir's own.
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
EXE = Path(sys.executable).parent / "mgir"
PERSON = ROOT / "examples" / "t2d_low_magnesium.toml"
LIBRARIES = (
    "import numpy, pydantic, typer, rich.console, pint; pint.UnitRegistry(cache_folder=':auto:')"
)


def _measure(command: list[str], repeat: int) -> tuple[float, float]:
    cpu, wall = [], []
    for _ in range(repeat):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        subprocess.run(command, check=True, capture_output=True, env=os.environ.copy())
        wall.append(time.perf_counter() - start)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    return statistics.median(cpu), statistics.median(wall)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=15)
    repeat = parser.parse_args().repeat
    cases = [
        ("python -c pass", [sys.executable, "-c", "pass"]),
        ("import numpy, pydantic, typer, rich, pint + registry", [sys.executable, "-c", LIBRARIES]),
        ("mgir --version", [str(EXE), "--version"]),
        ("mgir --help", [str(EXE), "--help"]),
        ("mgir assess PERSON --json", [str(EXE), "assess", str(PERSON), "--json"]),
        ("mgir plan PERSON --json", [str(EXE), "plan", str(PERSON), "--json"]),
    ]
    subprocess.run(cases[1][1], check=True)  # warm pint's definition cache
    machine = f"{platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}"
    print(f"machine: {machine}")
    print(f"repeat: {repeat} fresh processes per command (median)")
    print("| command | CPU time (s) | wall (s) | CPU / libraries |")
    print("|---|---|---|---|")
    results = [(name, *_measure(command, repeat)) for name, command in cases]
    libraries = results[1][1]
    for name, cpu, wall in results:
        print(f"| {name} | {cpu:.3f} | {wall:.3f} | {cpu / libraries:.2f} |")


if __name__ == "__main__":
    main()
