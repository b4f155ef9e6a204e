"""Vectorised assessment of a table of people (one row per person).

Columns are named ``<lab>_<unit>`` with the unit in snake case (``fasting_glucose_mg_dl``,
``fasting_insulin_uiu_ml``, ``serum_magnesium_mmol_l``), plus ``id``, ``age_years``, ``sex``
(``female``/``male``), ``pregnant`` and ``dietary_intake_mg_per_day``; or real NHANES variable
names (:data:`NHANES_COLUMNS`). Empty cells are missing values. **Rows in = rows out**: a cell
that cannot be accepted (a number that is not finite, an impossible lab value, ``pregnant =
maybe``, a man marked pregnant, a short row) makes that row's results empty and its ``errors``
cell names the row, the column, the value and what is allowed; the other rows are assessed.
Problems of the whole table (an unknown or repeated column) are errors.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from typing import Final

import numpy as np
import numpy.typing as npt

from mgir._errors import InvalidInputError, InvalidInputErrors, did_you_mean, shown
from mgir.assessment import formulas as f
from mgir.assessment._intake import intake_below_ear
from mgir.reference import index_cutoff, load_table, serum_magnesium_bands
from mgir.units import INSULIN_PMOL_PER_UIU_CONVENTIONAL, analyte, analyte_names, convert

__all__ = [
    "NHANES_COLUMNS",
    "NHANES_INTAKE_DAYS",
    "TABLE_OUTPUT_COLUMNS",
    "TableResult",
    "assess_table",
    "lab_column_names",
]

FloatArray = npt.NDArray[np.float64]

NHANES_COLUMNS: Final[Mapping[str, str]] = {
    "SEQN": "id",
    "RIDAGEYR": "age_years",
    "RIAGENDR": "sex",
    "RIDEXPRG": "pregnant",
    "LBXGLU": "fasting_glucose_mg_dl",
    "LBXIN": "fasting_insulin_uiu_ml",
    "LBXSCR": "creatinine_mg_dl",
    "LBXTR": "triglycerides_mg_dl",
    "LBXGH": "hba1c_percent",
    "DR12_MAGN_mg": "dietary_intake_mg_per_day",
}
"""NHANES variable -> mgir column. RIAGENDR 1 = male, 2 = female; RIDEXPRG 1 = pregnant,
2 = not pregnant, 3 = cannot be ascertained (an error, never a default), empty = not asked."""

NHANES_INTAKE_DAYS: Final[tuple[str, ...]] = ("DR1TMAGN", "DR2TMAGN")
"""NHANES day-1 and day-2 magnesium intake (mg); their mean is the usual intake."""

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
    "errors",
)

_PLAIN: Final[tuple[str, ...]] = ("id", "age_years", "sex", "pregnant", "dietary_intake_mg_per_day")


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


class TableResult:
    """The assessed table: output columns (one value per input row) and every row's errors."""

    def __init__(self, columns: dict[str, list[object]], errors: list[list[InvalidInputError]]):
        self.columns = columns
        self.errors = errors

    @property
    def n_rows(self) -> int:
        """Number of rows (equal to the input's)."""
        return len(self.errors)

    def row(self, i: int) -> list[object]:
        """Output row ``i`` in :data:`TABLE_OUTPUT_COLUMNS` order (NaN as empty)."""
        out: list[object] = []
        for column in TABLE_OUTPUT_COLUMNS:
            value = self.columns[column][i]
            out.append("" if isinstance(value, float) and not math.isfinite(value) else value)
        return out


class _Cells:
    """Column access that records cell errors per row instead of raising."""

    def __init__(
        self,
        rows: Sequence[Sequence[str]],
        header: Sequence[str],
        ids: list[str],
        shown_as: Mapping[str, str],
    ):
        self.rows = rows
        self.index = {h: i for i, h in enumerate(header)}
        self.ids = ids
        self.shown_as = shown_as  # the column names of the file (NHANES variables)
        self.errors: list[list[InvalidInputError]] = [[] for _ in rows]

    def error(
        self, i: int, column: str, value: object, allowed: str, unit: str | None = None
    ) -> None:
        name = self.shown_as.get(column, column)
        self.errors[i].append(
            InvalidInputError(
                field=f"row {i + 2} (id {self.ids[i]}), column {name}",
                value=value,
                unit=unit,
                allowed=allowed,
            )
        )

    def text(self, column: str) -> list[str]:
        j = self.index[column]
        return [row[j].strip() if j < len(row) else "" for row in self.rows]

    def floats(self, column: str, *, unit: str | None = None) -> FloatArray:
        out = np.full(len(self.rows), np.nan)
        for i, cell in enumerate(self.text(column)):
            if cell in ("", "NA", "."):
                continue
            try:
                value = float(cell)
            except ValueError:
                self.error(i, column, cell, "a number or an empty cell", unit)
                continue
            if not math.isfinite(value):
                self.error(i, column, cell, "a finite number or an empty cell", unit)
                continue
            out[i] = value
        return out


def _nhanes(
    header: list[str], rows: Sequence[Sequence[str]]
) -> tuple[list[str], list[list[str]], list[str]]:
    """NHANES variables renamed to mgir columns; the mean of DR1TMAGN/DR2TMAGN as the intake."""
    known = [c for c in header if c in NHANES_COLUMNS or c in NHANES_INTAKE_DAYS]
    ignored = [c for c in header if c not in known]
    missing = [c for c in ("SEQN", "RIDAGEYR", "RIAGENDR") if c not in header]
    if missing:
        raise InvalidInputError(
            field="header",
            value=missing,
            allowed="an NHANES extract with SEQN, RIDAGEYR and RIAGENDR (and any of "
            + ", ".join(c for c in (*NHANES_COLUMNS, *NHANES_INTAKE_DAYS) if c not in missing)
            + ")",
        )
    days = [c for c in NHANES_INTAKE_DAYS if c in header]
    if days and "DR12_MAGN_mg" in header:
        raise InvalidInputError(
            field="header",
            value=[*days, "DR12_MAGN_mg"],
            allowed="either the day totals DR1TMAGN/DR2TMAGN or their mean DR12_MAGN_mg, not both",
        )
    position = {c: header.index(c) for c in header}
    new_header = [NHANES_COLUMNS[c] for c in known if c in NHANES_COLUMNS]
    if days:
        new_header.append("dietary_intake_mg_per_day")
    out_rows = []
    for row in rows:
        if len(row) != len(header):  # reported as a row error by the caller
            out_rows.append([""] * len(new_header))
            continue
        cells = [row[position[c]] for c in known if c in NHANES_COLUMNS]
        if days:
            values = [row[position[c]].strip() for c in days]
            numbers = []
            bad = next((v for v in values if v and not _is_number(v)), None)
            if bad is not None:
                cells.append(bad)
            else:
                numbers = [float(v) for v in values if v]
                cells.append("" if not numbers else repr(sum(numbers) / len(numbers)))
        sex_at = new_header.index("sex")
        cells[sex_at] = {"1": "male", "2": "female"}.get(cells[sex_at].strip(), cells[sex_at])
        if "pregnant" in new_header:
            k = new_header.index("pregnant")
            cells[k] = {"2": "no", "": "no"}.get(cells[k].strip(), cells[k])
        out_rows.append(cells)
    return new_header, out_rows, ignored


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def assess_table(
    header: Sequence[str],
    rows: Sequence[Sequence[str]],
    *,
    table_format: str = "mgir",
    insulin_pmol_per_uiu: float = INSULIN_PMOL_PER_UIU_CONVENTIONAL,
    homa_ir_cutoff: str | None = None,
) -> TableResult:
    """Assess every row of a table at once.

    Parameters
    ----------
    header
        Column names as read.
    rows
        Cell texts of every row (as read from a CSV; a row of the wrong length is a row error).
    table_format
        ``mgir`` (``<lab>_<unit>`` columns) or ``nhanes`` (NHANES variable names).
    insulin_pmol_per_uiu
        Factor for insulin columns in pmol/L.
    homa_ir_cutoff
        HOMA-IR cut-off key.

    Returns
    -------
    TableResult
        One output row per input row (:data:`TABLE_OUTPUT_COLUMNS`); rows with errors have empty
        results and say why in ``errors``.

    Raises
    ------
    InvalidInputError
        For the table as a whole: unknown, repeated or missing columns.
    """
    header = [h.strip() for h in header]
    repeated = sorted({h for h in header if header.count(h) > 1})
    if repeated:
        raise InvalidInputError(
            field="header",
            value=repeated,
            allowed="each column once (a repeated column would hide the first)",
        )
    width = len(header)
    widths = [len(r) for r in rows]
    short_rows = {i for i, w in enumerate(widths) if w != width}
    if table_format == "nhanes":
        header, rows, _ = _nhanes(header, rows)
    elif table_format != "mgir":
        raise InvalidInputError(field="--format", value=table_format, allowed="mgir or nhanes")
    lab_columns = lab_column_names()
    known = {*_PLAIN, *lab_columns}
    unknown = [c for c in header if c not in known]
    if unknown:
        raise InvalidInputErrors(
            [
                InvalidInputError(
                    field=f"column {c}",
                    value=c,
                    allowed="id, age_years, sex, pregnant, dietary_intake_mg_per_day or a "
                    "<lab>_<unit> column such as fasting_glucose_mg_dl (docs/cli.md)"
                    + did_you_mean(c, sorted(known)),
                )
                for c in unknown
            ]
        )
    missing = [c for c in ("age_years", "sex") if c not in header]
    if missing:
        raise InvalidInputError(field="header", value=header, allowed="age_years and sex columns")
    n = len(rows)
    id_at = header.index("id") if "id" in header else None
    ids = [
        (r[id_at].strip() if id_at is not None and id_at < len(r) else "") or str(i + 1)
        for i, r in enumerate(rows)
    ]
    shown_as: dict[str, str] = {}
    if table_format == "nhanes":
        shown_as = {mgir: nhanes for nhanes, mgir in NHANES_COLUMNS.items()}
        shown_as["dietary_intake_mg_per_day"] = "DR1TMAGN/DR2TMAGN or DR12_MAGN_mg"
    cells = _Cells(rows, header, ids, shown_as)
    for i in sorted(short_rows):
        cells.error(i, "(row)", f"{widths[i]} cells", f"{width} cells, one per column")
    age = cells.floats("age_years", unit="year")
    for i in np.flatnonzero(np.isfinite(age) & ~((age >= 0) & (age < 130))).tolist():
        cells.error(int(i), "age_years", age[i], "0 <= age < 130 years", "year")
        age[i] = np.nan
    for i in np.flatnonzero(~np.isfinite(age)).tolist():
        if not cells.errors[i]:
            cells.error(int(i), "age_years", "", "an age in years (required)", "year")
    sex_text = [s.lower() for s in cells.text("sex")]
    for i, s in enumerate(sex_text):
        if s not in ("female", "male"):
            cells.error(
                i,
                "sex",
                s,
                "female or male" + ("; NHANES RIAGENDR 1 or 2" if table_format == "nhanes" else ""),
            )
    female = np.array([s == "female" for s in sex_text], dtype=bool)
    pregnant = np.zeros(n, dtype=bool)
    if "pregnant" in header:
        for i, cell in enumerate(cells.text("pregnant")):
            word = cell.lower()
            if word in ("1", "true", "yes"):
                pregnant[i] = True
            elif word not in ("", "0", "false", "no"):
                allowed = "1, true, yes, 0, false, no or empty"
                if table_format == "nhanes":
                    allowed = (
                        "NHANES RIDEXPRG 1 (pregnant), 2 (not) or empty; "
                        "3 (cannot be ascertained) is not assessed"
                    )
                cells.error(i, "pregnant", cell, allowed)
        for i in np.flatnonzero(pregnant & ~female).tolist():
            cells.error(
                int(i), "pregnant", cells.text("pregnant")[i], "pregnant only with sex = female"
            )
        for i in np.flatnonzero(pregnant & ((age < 14) | (age >= 51))).tolist():
            cells.error(
                int(i),
                "pregnant",
                cells.text("pregnant")[i],
                "pregnancy DRIs exist for ages 14 to 50 years",
            )
    values: dict[str, FloatArray] = {}
    for column in header:
        if column not in lab_columns:
            continue
        name, unit = lab_columns[column]
        item = analyte(name)
        raw = cells.floats(column, unit=unit)
        if name == "hba1c":  # affine scale: convert element-wise
            canonical = np.array(
                [convert(item, v, unit, "%") if np.isfinite(v) else np.nan for v in raw]
            )
        else:
            factor = convert(
                item, 1.0, unit, item.canonical_unit, insulin_pmol_per_uiu=insulin_pmol_per_uiu
            )
            canonical = raw * factor
        low, high = item.bounds_canonical
        for i in np.flatnonzero(
            np.isfinite(canonical) & ~((canonical >= low) & (canonical <= high))
        ).tolist():
            cells.error(
                int(i),
                column,
                raw[i],
                f"a possible {item.description.lower()}: {low:g} to {high:g} {item.canonical_unit}",
                unit,
            )
            canonical[i] = np.nan
        if name in values:
            raise InvalidInputError(
                field=f"column {column}",
                value=column,
                allowed=f"one column for {name} (another column already gives it in another unit)",
            )
        values[name] = canonical
    intake = (
        cells.floats("dietary_intake_mg_per_day", unit="mg/day")
        if "dietary_intake_mg_per_day" in header
        else np.full(n, np.nan)
    )
    for i in np.flatnonzero(np.isfinite(intake) & ~((intake >= 0) & (intake < 10_000))).tolist():
        cells.error(int(i), "dietary_intake_mg_per_day", intake[i], "0 to 10,000 mg/day", "mg/day")
        intake[i] = np.nan
    bad = np.array([bool(e) for e in cells.errors], dtype=bool)
    nan = np.full(n, np.nan)
    glucose = values.get("fasting_glucose", nan)
    insulin = values.get("fasting_insulin", nan)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
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
    low_intake = intake_below_ear(intake, ear)
    status[(status == "grey_zone") & (low_intake == 1.0)] = "deficient"
    reasons = []
    for i in range(n):
        missing_reasons = []
        if not np.isfinite(homa[i]):
            missing_reasons.append("homa_ir/quicki: needs fasting_glucose and fasting_insulin")
        elif not np.isfinite(beta[i]):
            missing_reasons.append("homa_beta: undefined at glucose <= 3.5 mmol/L")
        if not np.isfinite(egfr[i]):
            missing_reasons.append(
                "egfr: needs creatinine" if age[i] >= 18 else "egfr: adults only in a table"
            )
        if status[i] == "unknown":
            missing_reasons.append("magnesium_status: needs serum_magnesium")
        reasons.append("; ".join(missing_reasons))
    outputs: dict[str, FloatArray] = {
        "homa_ir": homa,
        "homa_beta_percent": beta,
        "quicki": quicki,
        "tyg": tyg,
        "egfr_ml_min_1_73m2": egfr,
        "rda_mg_per_day": rda,
        "ear_mg_per_day": ear,
        "supplement_ul_mg_per_day": ul,
        "intake_below_ear": low_intake,
        "insulin_resistant_homa_ir": resistant,
    }
    columns: dict[str, list[object]] = {"id": list(ids)}
    for name, array in outputs.items():
        cleaned = np.where(bad, np.nan, array)
        columns[name] = cleaned.tolist()
    columns["magnesium_status"] = ["" if bad[i] else status[i] for i in range(n)]
    columns["not_computed"] = ["" if bad[i] else reasons[i] for i in range(n)]
    columns["errors"] = [
        "; ".join(f"{e.field}: got {shown(e.value, e.unit)}; allowed: {e.allowed}" for e in errs)
        for errs in cells.errors
    ]
    return TableResult(columns, cells.errors)
