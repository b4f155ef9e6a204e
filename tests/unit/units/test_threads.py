"""Unit conversions are safe from many threads at once (the service's and Dask's workers)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from mgir.units import analyte, convert

CASES = [
    ("serum_magnesium", 2.0, "mg/dL", "mmol/L"),
    ("fasting_glucose", 100.0, "mg/dL", "mmol/L"),
    ("fasting_insulin", 60.0, "pmol/L", "µIU/mL"),
    ("creatinine", 88.4, "µmol/L", "mg/dL"),
    ("calcium", 2.5, "mmol/L", "mg/dL"),
    ("serum_magnesium", 1.6, "mEq/L", "mg/dL"),
]


def test_conversions_from_many_threads_agree_with_one_thread():
    expected = [convert(analyte(n), v, a, b) for n, v, a, b in CASES]

    def work(_: int) -> list[float]:
        return [convert(analyte(n), v, a, b) for _ in range(60) for n, v, a, b in CASES]

    # Before the context lock, pint's shared context stack made concurrent conversions fail
    # with KeyError or convert through another analyte's context.
    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(work, range(16)))
    for result in results:
        assert result == expected * 60
