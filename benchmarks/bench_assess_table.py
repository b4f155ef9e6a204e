"""Benchmark: vectorised assessment of the NHANES 2015-16 extract (9,971 rows).

Run from the repository root with shared/ beside it:

    .venv/bin/python benchmarks/bench_assess_table.py [path/to/nhanes_2015_2016_mg_glucose.csv]

Prints the median wall time of the library call (parsing excluded) and of the whole CLI command,
beside a peer measured in the same run: the few lines of pandas a researcher would write by hand
for HOMA-IR alone (read_csv, unit conversion, one formula), with no validation and no other
index. The ratio says what mgir's checks and extra results cost.
"""

from __future__ import annotations

import csv
import statistics
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd

from mgir.assessment import assess_table

DEFAULT = Path(__file__).resolve().parents[1].parent / "shared/data/nhanes_2015_2016_mg_glucose.csv"


def main() -> None:
    path = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT
    table = list(csv.reader(path.read_text(encoding="utf-8").splitlines()))
    header, rows = table[0], table[1:]
    library = []
    for _ in range(7):
        start = time.perf_counter()
        assess_table(header, rows, table_format="nhanes")
        library.append(time.perf_counter() - start)
    by_hand = []
    for _ in range(7):
        start = time.perf_counter()
        frame = pd.read_csv(path)
        glucose_mmol_per_l = frame["LBXGLU"] / 18.0156
        _homa = glucose_mmol_per_l * frame["LBXIN"] / 22.5
        by_hand.append(time.perf_counter() - start)
    exe = Path(sys.executable).parent / "mgir"
    command = []
    for _ in range(3):
        start = time.perf_counter()
        subprocess.run(
            [str(exe), "assess", "--csv", str(path), "--format", "nhanes", "-o", "/dev/null"],
            check=True,
            capture_output=True,
        )
        command.append(time.perf_counter() - start)
    print(f"rows: {len(rows)}")
    print(f"assess_table (library, median of 7): {statistics.median(library) * 1000:.1f} ms")
    peer = statistics.median(by_hand)
    print(f"pandas by hand, HOMA-IR only (read_csv included, median of 7): {peer * 1000:.1f} ms")
    print(f"ratio assess_table / by hand: {statistics.median(library) / peer:.1f}")
    print(f"mgir assess --csv (whole process, median of 3): {statistics.median(command):.2f} s")


if __name__ == "__main__":
    main()
