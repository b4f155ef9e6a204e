"""Derive the package's sample of US adults with Mg intake and fasting labs from NHANES 2015-2016.

Usage (from the repository root, with ../shared/data present)::

    python scripts/derive_nhanes_mg_intake.py

Reads the CDC's own files ``DEMO_I.XPT``, ``BMX_I.XPT``, ``GLU_I.XPT`` and ``INS_I.XPT`` and
the 2-day mean dietary intakes of the DietR table (``DietR_Total_D12_FC_QC_mean.txt``: sums of
the CDC's individual-foods files, day 1 and day 2, for adults with two complete recalls), all in
``../shared/data/nhanes_2015_2016_raw`` (public domain), and writes
``src/mgir/model/data/nhanes_mg_intake_adults.csv``: every non-pregnant adult (>= 20 y) of the
fasting subsample who fasted at least 8 h (PHAFSTHR of
INS_I; fasting weight > 0) with fasting glucose below 126 mg/dL (no
diabetes by fasting glucose), a fasting insulin, a BMI and a 2-day mean Mg intake, with the
fasting-subsample weight and the survey's strata and PSUs. The model validation's cross-section
reads it.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
RAW = ROOT.parent / "shared" / "data" / "nhanes_2015_2016_raw"
OUT = ROOT / "src" / "mgir" / "model" / "data" / "nhanes_mg_intake_adults.csv"
GLUCOSE_MG_PER_DL_PER_MMOL_PER_L = 18.0156


def read(name: str, columns: list[str]) -> pd.DataFrame:
    frame = pd.read_sas(RAW / f"{name}.XPT", format="xport")
    # SAS transport stores a zero as 5.4e-79, which pandas reads as is.
    frame = frame.mask(frame.abs() < 1e-30, 0.0)
    return frame[["SEQN", *columns]]


def main() -> None:
    demo = read("DEMO_I", ["RIAGENDR", "RIDAGEYR", "RIDEXPRG", "SDMVPSU", "SDMVSTRA"])
    bmx = read("BMX_I", ["BMXBMI"])
    glu = read("GLU_I", ["LBXGLU", "WTSAF2YR"])
    ins = read("INS_I", ["LBXIN", "PHAFSTHR"])
    diet = pd.read_csv(RAW / "DietR_Total_D12_FC_QC_mean.txt", sep="\t")
    diet = diet[["SEQN", "MAGN", "KCAL"]]
    frame = (
        demo.merge(bmx, on="SEQN")
        .merge(glu, on="SEQN")
        .merge(ins, on="SEQN")
        .merge(diet, on="SEQN")
    )
    keep = (
        (frame["RIDAGEYR"] >= 20)
        & (frame["RIDEXPRG"] != 1)
        & (frame["WTSAF2YR"] > 0)
        & (frame["PHAFSTHR"] >= 8)
        & (frame["LBXGLU"] < 126)
        & (frame["LBXIN"] > 0)
        & frame["BMXBMI"].notna()
        & (frame["MAGN"] > 0)
        & (frame["KCAL"] > 0)
    )
    out = frame.loc[keep].sort_values("SEQN")
    result = pd.DataFrame(
        {
            "seqn": out["SEQN"].astype(int),
            "sex": out["RIAGENDR"].map({1.0: "male", 2.0: "female"}),
            "age_years": out["RIDAGEYR"].astype(int),
            "bmi_kg_per_m2": out["BMXBMI"].round(1),
            "fasting_glucose_mmol_per_l": (out["LBXGLU"] / GLUCOSE_MG_PER_DL_PER_MMOL_PER_L).round(
                4
            ),
            "fasting_insulin_uiu_per_ml": out["LBXIN"].round(2),
            "mg_intake_mg_per_day": out["MAGN"].round(1),
            "energy_intake_kcal_per_day": out["KCAL"].round(0).astype(int),
            "weight": out["WTSAF2YR"].round(3),
            "stratum": out["SDMVSTRA"].astype(int),
            "psu": out["SDMVPSU"].astype(int),
            "source_key": "nhanes_2015_2016",
        }
    )
    result.to_csv(OUT, index=False)
    print(f"wrote {OUT}: {len(result)} adults with Mg intake and fasting labs")


if __name__ == "__main__":
    main()
