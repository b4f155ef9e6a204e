"""Derive the pool of real adults that mgir's virtual trial populations are drawn from.

Usage (from the repository root, with ../shared/data present)::

    python scripts/derive_nhanes_population.py

Reads the CDC's own files of NHANES 2017-March 2020 (``P_DEMO``, ``P_GLU``, ``P_INS``, ``P_GHB``,
``P_BMX``) and the 2015-2016 participant table ``nhanes_2015_2016_mg_glucose.csv`` (DEMO_I,
BMX_I, GLU_I, INS_I joined with the 2-day mean dietary Mg; see ../shared/data/PROVENANCE.md).
Sample: non-pregnant adults (>= 18 years) of the fasting subsample with a positive fasting-subsample
weight, fasting glucose and fasting insulin. One row per person; a value the survey did not
measure stays empty (HbA1c in 2015-2016 from these files, Mg intake in 2017-2020, BMI and waist
where not measured). ``weight`` is the fasting-subsample weight times the cycle's share of the
5.2 years the two cycles cover (2/5.2 and 3.2/5.2: NCHS's rule for combining cycles), so that
weighted sums estimate the US adult population of the two periods together.

Writes ``src/mgir/trials/data/nhanes_adults.csv``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data"
RAW_2017 = SHARED / "nhanes_2017_2020_raw"
TABLE_2015 = SHARED / "nhanes_2015_2016_mg_glucose.csv"
OUT = ROOT / "src" / "mgir" / "trials" / "data" / "nhanes_adults.csv"
GLUCOSE_MG_PER_DL_PER_MMOL_PER_L = 18.0156
YEARS = {"2015-2016": 2.0, "2017-2020": 3.2}
MIN_AGE_YEARS = 18


def read_xpt(name: str, columns: list[str]) -> pd.DataFrame:
    frame = pd.read_sas(RAW_2017 / f"{name}.XPT", format="xport")
    # SAS transport stores a zero as 5.4e-79: read it as zero (a zero weight is "not fasting").
    frame = frame.mask(frame.abs() < 1e-30, 0.0)
    return frame[["SEQN", *columns]]


def cycle_2017() -> pd.DataFrame:
    demo = read_xpt("P_DEMO", ["RIAGENDR", "RIDAGEYR", "RIDEXPRG"])
    glu = read_xpt("P_GLU", ["LBXGLU", "WTSAFPRP"])
    ins = read_xpt("P_INS", ["LBXIN"])
    ghb = read_xpt("P_GHB", ["LBXGH"])
    bmx = read_xpt("P_BMX", ["BMXBMI", "BMXWAIST"])
    frame = (
        demo.merge(glu, on="SEQN")
        .merge(ins, on="SEQN")
        .merge(ghb, on="SEQN", how="left")
        .merge(bmx, on="SEQN", how="left")
    )
    return pd.DataFrame(
        {
            "cycle": "2017-2020",
            "seqn": frame["SEQN"].astype(int),
            "sex_code": frame["RIAGENDR"],
            "age_years": frame["RIDAGEYR"],
            "pregnant": frame["RIDEXPRG"] == 1,
            "bmi_kg_per_m2": frame["BMXBMI"],
            "waist_cm": frame["BMXWAIST"],
            "glucose_mg_per_dl": frame["LBXGLU"],
            "fasting_insulin_uiu_per_ml": frame["LBXIN"],
            "hba1c_percent": frame["LBXGH"],
            "mg_intake_mg_per_day": np.nan,
            "fasting_weight": frame["WTSAFPRP"],
        }
    )


def cycle_2015() -> pd.DataFrame:
    frame = pd.read_csv(TABLE_2015)
    return pd.DataFrame(
        {
            "cycle": "2015-2016",
            "seqn": frame["SEQN"].astype(int),
            "sex_code": frame["RIAGENDR"],
            "age_years": frame["RIDAGEYR"],
            "pregnant": frame["RIDEXPRG"] == 1,
            "bmi_kg_per_m2": frame["BMXBMI"],
            "waist_cm": frame["BMXWAIST"],
            "glucose_mg_per_dl": frame["LBXGLU"],
            "fasting_insulin_uiu_per_ml": frame["LBXIN"],
            "hba1c_percent": np.nan,
            "mg_intake_mg_per_day": frame["DR12_MAGN_mg"],
            "fasting_weight": frame["WTSAF2YR"],
        }
    )


def pool() -> pd.DataFrame:
    total_years = sum(YEARS.values())
    frames = []
    for cycle, frame in (("2015-2016", cycle_2015()), ("2017-2020", cycle_2017())):
        keep = (
            (frame["age_years"] >= MIN_AGE_YEARS)
            & ~frame["pregnant"]
            & (frame["fasting_weight"] > 0)
            & (frame["glucose_mg_per_dl"] > 0)
            & (frame["fasting_insulin_uiu_per_ml"] > 0)
        )
        part = frame.loc[keep].copy()
        part["weight"] = part["fasting_weight"] * YEARS[cycle] / total_years
        frames.append(part)
    frame = pd.concat(frames, ignore_index=True)
    out = pd.DataFrame(
        {
            "cycle": frame["cycle"],
            "seqn": frame["seqn"],
            "sex": np.where(frame["sex_code"] == 2, "female", "male"),
            "age_years": frame["age_years"].astype(int),
            "bmi_kg_per_m2": frame["bmi_kg_per_m2"].round(1),
            "waist_cm": frame["waist_cm"].round(1),
            "fasting_glucose_mmol_per_l": (
                frame["glucose_mg_per_dl"] / GLUCOSE_MG_PER_DL_PER_MMOL_PER_L
            ).round(4),
            "fasting_insulin_uiu_per_ml": frame["fasting_insulin_uiu_per_ml"].round(2),
            "hba1c_percent": frame["hba1c_percent"].round(1),
            "mg_intake_mg_per_day": frame["mg_intake_mg_per_day"].round(1),
            "weight": frame["weight"].round(3),
            "source_key": np.where(
                frame["cycle"] == "2015-2016", "nhanes_2015_2016", "nhanes_2017_2020"
            ),
        }
    )
    return out.sort_values(["cycle", "seqn"]).reset_index(drop=True)


def main() -> None:
    frame = pool()
    OUT.parent.mkdir(parents=True, exist_ok=True)
    frame.to_csv(OUT, index=False)
    print(f"wrote {OUT}: {len(frame)} adults")
    print(frame.groupby("cycle").agg(n=("seqn", "size"), weight=("weight", "sum")))
    print(frame.isna().sum())


if __name__ == "__main__":
    main()
