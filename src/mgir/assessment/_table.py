"""Vectorised assessment of a table of people (one row per person).

Columns are named ``<lab>_<unit>`` with the unit in snake case (``fasting_glucose_mg_dl``,
``fasting_insulin_uiu_ml``, ``serum_magnesium_mmol_l``), plus ``id``, ``age_years``, ``sex``
(``female``/``male``), ``pregnant`` and ``dietary_intake_mg_per_day``. Empty cells are missing
values and yield NaN results with a reason; impossible values are errors naming the row and column.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Final

import numpy as np
import numpy.typing as npt

from mgir._errors import InvalidInputError
from mgir.assessment import formulas as f
from mgir.reference import index_cutoff, load_table, serum_magnesium_bands
from mgir.units import INSULIN_PMOL_PER_UIU_CONVENTIONAL, analyte, analyte_names, convert

__all__ = ["NHANES_COLUMNS", "TABLE_OUTPUT_COLUMNS", "assess_table", "lab_column_names"]

FloatArray = npt.NDArray[np.float64]

NHANES_COLUMNS: Final[Mapping[str, str]] = {
    "SEQN": "id",
    "RIDAGEYR": "age_years",
    "RIAGENDR": "sex",
    "RIDEXPRG": "pregnant",
    "LBXGLU": "fasting_glucose_mg_dl",
    "LBXIN": "fasting_insulin_uiu_ml",
    "DR12_MAGN_mg": "dietary_intake_mg_per_day",
}
"""NHANES variable -> mgir column (RIAGENDR 1 = male, 2 = female; RIDEXPRG 1 = pregnant)."""

TABLE_OUTPUT_COLUMNS: Final[tuple[str, ...]] = (
    "id",
    "homa_ir",
    "homa_beta_percent",
    "quicki",
    "tyg",
    "egfr_ml_min_1_73m2",
    "magnesium_status",
    "rda_mg_per_day",
    "ear_mg_per_day",
    "supplement_ul_mg_per_day",
    "intake_below_ear",
    "insulin_resistant_homa_ir",
    "not_computed",
)


def _snake(unit: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", unit.replace("µ", "u").replace("%", "percent").lower()).strip(
        "_"
    )


def lab_column_names() -> dict[str, tuple[str, str]]:
    """Every accepted lab column name -> (lab name, display unit)."""
    out = {}
    for name in analyte_names():
        for unit in analyte(name).accepted_units:
            out[f"{name}_{_snake(unit)}"] = (name, unit)
    return out


def _float_column(column: str, cells: Sequence[str], ids: Sequence[str]) -> FloatArray:
    out = np.full(len(cells), np.nan)
    for i, text in enumerate(cells):
        if text.strip() in ("", "NA", "NaN", "nan"):
            continue
        try:
            out[i] = float(text)
        except ValueError:
            raise InvalidInputError(
                field=f"row {i + 2} (id {ids[i]}), column {column}",
                value=text,
                allowed="a number or an empty cell",
            ) from None
    return out


def assess_table(
    columns: Mapping[str, Sequence[str]],
    *,
    insulin_pmol_per_uiu: float = INSULIN_PMOL_PER_UIU_CONVENTIONAL,
    homa_ir_cutoff: str | None = None,
) -> dict[str, list[object]]:
    """Assess every row of a table at once.

    Parameters
    ----------
    columns
        Column name -> cell texts (as read from a CSV). Unknown columns are an error.
    insulin_pmol_per_uiu
        Factor for insulin columns in pmol/L.
    homa_ir_cutoff
        HOMA-IR cut-off key.

    Returns
    -------
    dict
        :data:`TABLE_OUTPUT_COLUMNS` -> values per row (floats are NaN where not computable).
    """
    lab_columns = lab_column_names()
    known = {"id", "age_years", "sex", "pregnant", "dietary_intake_mg_per_day", *lab_columns}
    unknown = [c for c in columns if c not in known]
    if unknown:
        raise InvalidInputError(
            field="columns",
            value=unknown,
            allowed="id, age_years, sex, pregnant, dietary_intake_mg_per_day "
            "and <lab>_<unit> columns such as "
            + ", ".join(list(lab_columns)[:6])
            + " (see docs/cli.md)",
        )
    n = len(next(iter(columns.values()))) if columns else 0
    ids = list(columns.get("id", [str(i + 1) for i in range(n)]))
    if "age_years" not in columns or "sex" not in columns:
        raise InvalidInputError(
            field="columns", value=list(columns), allowed="age_years and sex columns are required"
        )
    age = _float_column("age_years", columns["age_years"], ids)
    sex_text = [s.strip().lower() for s in columns["sex"]]
    for i, s in enumerate(sex_text):
        if s not in ("female", "male"):
            raise InvalidInputError(
                field=f"row {i + 2} (id {ids[i]}), column sex", value=s, allowed="female or male"
            )
    bad_age = np.flatnonzero(~((age >= 0) & (age < 130)))
    if bad_age.size:
        i = int(bad_age[0])
        raise InvalidInputError(
            field=f"row {i + 2} (id {ids[i]}), column age_years",
            value=columns["age_years"][i],
            unit="year",
            allowed="0 <= age < 130 years",
        )
    female = np.array([s == "female" for s in sex_text])
    pregnant = (
        np.array([c.strip().lower() in ("1", "true", "yes") for c in columns["pregnant"]])
        if "pregnant" in columns
        else np.zeros(n, dtype=bool)
    )
    values: dict[str, FloatArray] = {}
    for column, cells in columns.items():
        if column not in lab_columns:
            continue
        name, unit = lab_columns[column]
        item = analyte(name)
        raw = _float_column(column, cells, ids)
        factor = convert(
            item, 1.0, unit, item.canonical_unit, insulin_pmol_per_uiu=insulin_pmol_per_uiu
        )
        if name == "hba1c":  # affine scale: convert element-wise
            canonical = np.array(
                [convert(item, v, unit, "%") if np.isfinite(v) else np.nan for v in raw]
            )
        else:
            canonical = raw * factor
        low, high = item.bounds_canonical
        bad = np.flatnonzero(np.isfinite(canonical) & ~((canonical >= low) & (canonical <= high)))
        if bad.size:
            i = int(bad[0])
            raise InvalidInputError(
                field=f"row {i + 2} (id {ids[i]}), column {column}",
                value=raw[i],
                unit=unit,
                allowed=f"a possible {item.description.lower()}: {low:g} to {high:g} "
                f"{item.canonical_unit}",
            )
        values[name] = canonical
    nan = np.full(n, np.nan)
    glucose = values.get("fasting_glucose", nan)
    insulin = values.get("fasting_insulin", nan)
    with np.errstate(divide="ignore", invalid="ignore"):
        homa = f.homa_ir(glucose, insulin)
        beta = f.homa_beta_percent(glucose, insulin)
        quicki = f.quicki(glucose, insulin)
        tyg = f.tyg_index(glucose, values.get("triglycerides", nan))
        creatinine = values.get("creatinine", nan)
        egfr = np.where(age >= 18, f.egfr_ckd_epi_2021_cr(creatinine, age, female), np.nan)
        if "cystatin_c" in values:
            combined = f.egfr_ckd_epi_2021_cr_cys(creatinine, values["cystatin_c"], age, female)
            egfr = np.where(np.isfinite(combined) & (age >= 18), combined, egfr)
    cutoff = index_cutoff("homa_ir", homa_ir_cutoff)
    resistant = np.where(np.isfinite(homa), cutoff.indicates_resistance(homa), np.nan)  # type: ignore[arg-type]
    rda, ear, ul = np.full(n, np.nan), np.full(n, np.nan), np.full(n, np.nan)
    for row in load_table("dri_magnesium").rows:
        mask = (age >= row["age_min_years"]) & (age < row["age_max_years"])
        if row["state"] == "lactation":  # a table has no lactation column
            continue
        mask &= pregnant if row["state"] == "pregnancy" else ~pregnant
        if row["sex"] != "any":
            mask &= female if row["sex"] == "female" else ~female
        rda[mask] = row["rda_mg_per_day"]
        ear[mask] = np.nan if row["ear_mg_per_day"] is None else row["ear_mg_per_day"]
        ul[mask] = (
            np.nan if row["ul_supplement_mg_per_day"] is None else row["ul_supplement_mg_per_day"]
        )
    serum = values.get("serum_magnesium", nan)
    status = np.full(n, "unknown", dtype=object)
    for band in serum_magnesium_bands("status"):
        status[band.contains(serum)] = band.code
    intake = (
        _float_column("dietary_intake_mg_per_day", columns["dietary_intake_mg_per_day"], ids)
        if "dietary_intake_mg_per_day" in columns
        else nan
    )
    low_intake = np.where(np.isfinite(intake) & np.isfinite(ear), intake < ear, np.nan)
    status[(status == "grey_zone") & (low_intake == 1.0)] = "deficient"
    reasons = []
    for i in range(n):
        missing = []
        if not np.isfinite(homa[i]):
            missing.append("homa_ir/quicki: needs fasting_glucose and fasting_insulin")
        elif not np.isfinite(beta[i]):
            missing.append("homa_beta: undefined at glucose <= 3.5 mmol/L")
        if not np.isfinite(egfr[i]):
            missing.append("egfr: needs creatinine" if age[i] >= 18 else "egfr: adults only")
        if status[i] == "unknown":
            missing.append("magnesium_status: needs serum_magnesium")
        reasons.append("; ".join(missing))
    return {
        "id": ids,
        "homa_ir": homa.tolist(),
        "homa_beta_percent": beta.tolist(),
        "quicki": quicki.tolist(),
        "tyg": tyg.tolist(),
        "egfr_ml_min_1_73m2": egfr.tolist(),
        "magnesium_status": status.tolist(),
        "rda_mg_per_day": rda.tolist(),
        "ear_mg_per_day": ear.tolist(),
        "supplement_ul_mg_per_day": ul.tolist(),
        "intake_below_ear": low_intake.tolist(),
        "insulin_resistant_homa_ir": resistant.tolist(),
        "not_computed": reasons,
    }
