"""Derive the package's sample of US adults with impaired fasting glucose from NHANES 2017-2020.

Usage (from the repository root, with ../shared/data present)::

    python scripts/derive_nhanes_ifg.py

Reads the CDC's own files ``P_DEMO.XPT``, ``P_GLU.XPT``, ``P_INS.XPT`` and ``P_GHB.XPT``
(``../shared/data/nhanes_2017_2020_raw``; public domain) and writes
``src/mgir/model/data/nhanes_ifg_adults.csv``: every non-pregnant adult (>= 20 y) of the fasting
subsample with fasting glucose 100-125 mg/dL (ADA impaired fasting glucose), HbA1c < 6.5 % and
a fasting insulin, with the fasting-subsample weight. The progression calibration simulates
this sample.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
RAW = ROOT.parent / "shared" / "data" / "nhanes_2017_2020_raw"
OUT = ROOT / "src" / "mgir" / "model" / "data" / "nhanes_ifg_adults.csv"


def read(name: str, columns: list[str]) -> pd.DataFrame:
    frame = pd.read_sas(RAW / f"{name}.XPT", format="xport")
    # SAS transport stores a zero as 5.4e-79, which pandas reads as is: without this, people
    # outside the fasting subsample (weight zero) would pass ``weight > 0``.
    frame = frame.mask(frame.abs() < 1e-30, 0.0)
    return frame[["SEQN", *columns]]


def main() -> None:
    demo = read("P_DEMO", ["RIAGENDR", "RIDAGEYR", "RIDEXPRG"])
    glu = read("P_GLU", ["LBXGLU", "WTSAFPRP"])
    ins = read("P_INS", ["LBXIN"])
    ghb = read("P_GHB", ["LBXGH"])
    frame = demo.merge(glu, on="SEQN").merge(ins, on="SEQN").merge(ghb, on="SEQN")
    keep = (
        (frame["RIDAGEYR"] >= 20)
        & (frame["RIDEXPRG"] != 1)
        & frame["LBXGLU"].between(100, 125)
        & (frame["LBXGH"] < 6.5)
        & (frame["LBXIN"] > 0)
        & (frame["WTSAFPRP"] > 0)
    )
    out = frame.loc[keep].copy()
    result = pd.DataFrame(
        {
            "seqn": out["SEQN"].astype(int),
            "sex": out["RIAGENDR"].map({1.0: "male", 2.0: "female"}),
            "age_years": out["RIDAGEYR"].astype(int),
            "fasting_glucose_mmol_per_l": (out["LBXGLU"] / 18.0156).round(4),
            "fasting_insulin_uiu_per_ml": out["LBXIN"].round(2),
            "hba1c_percent": out["LBXGH"].round(1),
            "weight": out["WTSAFPRP"].round(3),
            "source_key": "nhanes_2017_2020",
        }
    )
    result.to_csv(OUT, index=False)
    print(f"wrote {OUT}: {len(result)} adults with impaired fasting glucose")


if __name__ == "__main__":
    main()
