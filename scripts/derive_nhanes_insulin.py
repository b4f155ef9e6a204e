"""Derive the package's model of fasting insulin given fasting glucose, sex, age and BMI.

Usage (from the repository root, with ../shared/data present)::

    python scripts/derive_nhanes_insulin.py

Reads the CDC's own files ``P_DEMO.XPT``, ``P_GLU.XPT``, ``P_INS.XPT``, ``P_GHB.XPT`` and
``P_BMX.XPT`` (``../shared/data/nhanes_2017_2020_raw``; public domain). Sample: non-pregnant
adults (>= 20 y) of the fasting subsample with a fasting glucose, insulin and HbA1c, split into
people without diabetes by their labs (fasting glucose < 7.0 mmol/L and HbA1c < 6.5 %) and people
with diabetes by their labs (either at or above). In each group, ln fasting insulin is regressed
on ln fasting glucose, age, sex and (where measured) ln BMI by survey-weighted least squares
(fasting-subsample weights ``WTSAFPRP``); the residual SD is the weighted SD of the residuals.
Writes ``src/mgir/model/data/population_insulin.csv``: one row per group and covariate set
(with and without BMI).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from mgir.model._population import (
    INSULIN_MODEL_AGE_CENTRE_YEARS,
    INSULIN_MODEL_BMI_CENTRE_KG_PER_M2,
    in_diabetes_range,
)

ROOT = Path(__file__).resolve().parents[1]
RAW = ROOT.parent / "shared" / "data" / "nhanes_2017_2020_raw"
OUT = ROOT / "src" / "mgir" / "model" / "data" / "population_insulin.csv"
GLUCOSE_MG_PER_DL_PER_MMOL_PER_L = 18.0156


def read(name: str, columns: list[str]) -> pd.DataFrame:
    frame = pd.read_sas(RAW / f"{name}.XPT", format="xport")
    # SAS transport stores a zero as 5.4e-79: read it as zero (a zero weight is "not fasting").
    frame = frame.mask(frame.abs() < 1e-30, 0.0)
    return frame[["SEQN", *columns]]


def sample() -> pd.DataFrame:
    """The fasting adults with glucose, insulin and HbA1c (BMI where measured)."""
    demo = read("P_DEMO", ["RIAGENDR", "RIDAGEYR", "RIDEXPRG"])
    glu = read("P_GLU", ["LBXGLU", "WTSAFPRP"])
    ins = read("P_INS", ["LBXIN"])
    ghb = read("P_GHB", ["LBXGH"])
    bmx = read("P_BMX", ["BMXBMI"])
    frame = (
        demo.merge(glu, on="SEQN")
        .merge(ins, on="SEQN")
        .merge(ghb, on="SEQN")
        .merge(bmx, on="SEQN", how="left")
    )
    keep = (
        (frame["RIDAGEYR"] >= 20)
        & (frame["RIDEXPRG"] != 1)
        & (frame["LBXGLU"] > 0)
        & (frame["LBXIN"] > 0)
        & (frame["LBXGH"] > 0)
        & (frame["WTSAFPRP"] > 0)
    )
    out = frame.loc[keep].copy()
    out["glucose_mmol_per_l"] = out["LBXGLU"] / GLUCOSE_MG_PER_DL_PER_MMOL_PER_L
    # The ADA diabetes range of either lab (mgir's glycaemic categories), as the package applies it.
    out["diabetes"] = [
        in_diabetes_range(glucose, hba1c)
        for glucose, hba1c in zip(out["glucose_mmol_per_l"], out["LBXGH"], strict=True)
    ]
    return out


def design(frame: pd.DataFrame, *, with_bmi: bool) -> np.ndarray:
    """Columns: 1, ln glucose, (age - 50)/10, female, [ln(BMI/27)]."""
    columns = [
        np.ones(len(frame)),
        np.log(frame["glucose_mmol_per_l"].to_numpy()),
        (frame["RIDAGEYR"].to_numpy() - INSULIN_MODEL_AGE_CENTRE_YEARS) / 10.0,
        (frame["RIAGENDR"].to_numpy() == 2.0).astype(float),
    ]
    if with_bmi:
        columns.append(np.log(frame["BMXBMI"].to_numpy() / INSULIN_MODEL_BMI_CENTRE_KG_PER_M2))
    return np.column_stack(columns)


def weighted_fit(x: np.ndarray, y: np.ndarray, w: np.ndarray) -> tuple[np.ndarray, float]:
    """Weighted least squares: coefficients and the weighted residual SD."""
    root = np.sqrt(w / w.mean())
    beta, *_ = np.linalg.lstsq(x * root[:, None], y * root, rcond=None)
    residual = y - x @ beta
    dof = len(y) - x.shape[1]
    sd = float(np.sqrt(np.sum(w * residual**2) / w.sum() * len(y) / dof))
    return beta, sd


def main() -> None:
    frame = sample()
    rows = []
    for group, members in (
        ("no_diabetes", frame[~frame["diabetes"]]),
        ("diabetes", frame[frame["diabetes"]]),
    ):
        for with_bmi in (True, False):
            data = members[members["BMXBMI"] > 0] if with_bmi else members
            x = design(data, with_bmi=with_bmi)
            y = np.log(data["LBXIN"].to_numpy())
            beta, sd = weighted_fit(x, y, data["WTSAFPRP"].to_numpy())
            glucose = data["glucose_mmol_per_l"]
            rows.append(
                {
                    "group": group,
                    "covariates": "glucose_age_sex_bmi" if with_bmi else "glucose_age_sex",
                    "intercept": round(float(beta[0]), 6),
                    "ln_glucose": round(float(beta[1]), 6),
                    "age_per_10_years": round(float(beta[2]), 6),
                    "female": round(float(beta[3]), 6),
                    "ln_bmi": round(float(beta[4]), 6) if with_bmi else 0.0,
                    "residual_sd": round(sd, 6),
                    "n": len(data),
                    "glucose_min_mmol_per_l": round(float(glucose.min()), 3),
                    "glucose_max_mmol_per_l": round(float(glucose.max()), 3),
                    "source_key": "nhanes_2017_2020",
                    "evidence": "derived",
                }
            )
    result = pd.DataFrame(rows)
    result.to_csv(OUT, index=False)
    print(result.to_string())


if __name__ == "__main__":
    main()
