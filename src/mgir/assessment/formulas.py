"""The published formulas, on plain floats or NumPy arrays in documented canonical units.

Shared by the Quantity-taking calculators, the vectorised table assessment and the model, so each
formula is written once; their constants (22.5, 0.7, 0.413, ...) are rows of the packaged
``formula_constants.csv`` with source keys. Inputs are assumed validated; undefined results are
NaN.
"""

from __future__ import annotations

from typing import Final

import numpy as np
import numpy.typing as npt

from mgir.reference import formula_constant
from mgir.units import analyte

__all__ = [
    "GLUCOSE_MG_DL_PER_MMOL_L",
    "egfr_bedside_schwartz",
    "egfr_ckd_epi_2021_cr",
    "egfr_ckd_epi_2021_cr_cys",
    "fe_magnesium_percent",
    "free_androgen_index",
    "homa_beta_percent",
    "homa_ir",
    "insulin_from_homa_ir",
    "matsuda_index",
    "quicki",
    "tyg_index",
]

Floats = npt.NDArray[np.float64]
"""Results are arrays (0-d for scalar inputs); callers take ``float()`` of scalars."""


def _mg_dl_per_mmol_l(name: str) -> float:
    molar_mass = analyte(name).molar_mass_g_per_mol
    assert molar_mass is not None
    return molar_mass / 10.0  # (g/mol) x (mmol/L) = mg/L; /10 gives mg/dL


GLUCOSE_MG_DL_PER_MMOL_L: Final = _mg_dl_per_mmol_l("fasting_glucose")
"""mg/dL per mmol/L of glucose, from the molar mass in the analyte table (18.0156)."""
_TRIGLYCERIDE_MG_DL_PER_MMOL_L: Final = _mg_dl_per_mmol_l("triglycerides")

_HOMA_IR_DENOMINATOR: Final = formula_constant("homa_ir_denominator").value
_HOMA_BETA_SCALE: Final = formula_constant("homa_beta_scale").value
_HOMA_BETA_GLUCOSE_OFFSET_MMOL_L: Final = formula_constant(
    "homa_beta_glucose_offset_mmol_per_l"
).to("mmol/L")
_MG_FILTERABLE_FRACTION: Final = formula_constant("mg_filterable_fraction").value
_MATSUDA_SCALE: Final = formula_constant("matsuda_scale").value
_BEDSIDE_SCHWARTZ_K: Final = formula_constant("bedside_schwartz_k").value


def homa_ir(glucose_mmol_l: npt.ArrayLike, insulin_uiu_ml: npt.ArrayLike) -> Floats:
    """HOMA1-IR = insulin (µIU/mL) x glucose (mmol/L) / 22.5 (matthews1985)."""
    result: Floats = (
        np.asarray(insulin_uiu_ml, dtype=float)
        * np.asarray(glucose_mmol_l, dtype=float)
        / _HOMA_IR_DENOMINATOR
    )
    return result


def insulin_from_homa_ir(homa_ir_value: npt.ArrayLike, glucose_mmol_l: npt.ArrayLike) -> Floats:
    """Fasting insulin (µIU/mL) giving ``homa_ir_value`` at ``glucose_mmol_l`` (HOMA1 inverse)."""
    result: Floats = (
        np.asarray(homa_ir_value, dtype=float)
        * _HOMA_IR_DENOMINATOR
        / np.asarray(glucose_mmol_l, dtype=float)
    )
    return result


def homa_beta_percent(glucose_mmol_l: npt.ArrayLike, insulin_uiu_ml: npt.ArrayLike) -> Floats:
    """HOMA1-%B = 20 x insulin / (glucose - 3.5); NaN where glucose <= 3.5 mmol/L (matthews1985)."""
    excess = np.asarray(glucose_mmol_l, dtype=float) - _HOMA_BETA_GLUCOSE_OFFSET_MMOL_L
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.where(excess > 0, _HOMA_BETA_SCALE * np.asarray(insulin_uiu_ml) / excess, np.nan)
    return np.asarray(out, dtype=float)


def quicki(glucose_mmol_l: npt.ArrayLike, insulin_uiu_ml: npt.ArrayLike) -> Floats:
    """QUICKI = 1 / (log10 insulin (µIU/mL) + log10 glucose (mg/dL)) (katz2000)."""
    glucose_mg_dl = np.asarray(glucose_mmol_l, dtype=float) * GLUCOSE_MG_DL_PER_MMOL_L
    out = 1.0 / (np.log10(np.asarray(insulin_uiu_ml, dtype=float)) + np.log10(glucose_mg_dl))
    return np.asarray(out, dtype=float)


def tyg_index(glucose_mmol_l: npt.ArrayLike, triglycerides_mmol_l: npt.ArrayLike) -> Floats:
    """TyG = ln(triglycerides (mg/dL) x glucose (mg/dL) / 2) (simental_mendia2008)."""
    product = (
        np.asarray(triglycerides_mmol_l, dtype=float)
        * _TRIGLYCERIDE_MG_DL_PER_MMOL_L
        * np.asarray(glucose_mmol_l, dtype=float)
        * GLUCOSE_MG_DL_PER_MMOL_L
    )
    out = np.log(product / 2.0)
    return np.asarray(out, dtype=float)


def matsuda_index(glucose_mmol_l: npt.ArrayLike, insulin_uiu_ml: npt.ArrayLike) -> float:
    """Matsuda ISI(comp) = 10,000 / sqrt(G0 x I0 x Gmean x Imean) (matsuda1999).

    The first element of each series is the fasting (0 min) sample; means are over all samples.
    Glucose is converted to mg/dL as the index requires.
    """
    glucose = np.asarray(glucose_mmol_l, dtype=float) * GLUCOSE_MG_DL_PER_MMOL_L
    insulin = np.asarray(insulin_uiu_ml, dtype=float)
    return float(
        _MATSUDA_SCALE / np.sqrt(glucose[0] * insulin[0] * glucose.mean() * insulin.mean())
    )


def free_androgen_index(testosterone_nmol_l: npt.ArrayLike, shbg_nmol_l: npt.ArrayLike) -> Floats:
    """FAI = 100 x total testosterone (nmol/L) / SHBG (nmol/L) (vermeulen1999)."""
    result: Floats = (
        100.0 * np.asarray(testosterone_nmol_l, dtype=float) / np.asarray(shbg_nmol_l, dtype=float)
    )
    return result


def fe_magnesium_percent(
    urine_mg_mmol_l: npt.ArrayLike,
    plasma_mg_mmol_l: npt.ArrayLike,
    urine_creatinine_mmol_l: npt.ArrayLike,
    plasma_creatinine_mmol_l: npt.ArrayLike,
) -> Floats:
    """FE_Mg (%) = U_Mg x P_Cr / (0.7 x P_Mg x U_Cr) x 100 (tucker2020, elisaf1997)."""
    u_mg = np.asarray(urine_mg_mmol_l, dtype=float)
    p_mg = np.asarray(plasma_mg_mmol_l, dtype=float)
    u_cr = np.asarray(urine_creatinine_mmol_l, dtype=float)
    p_cr = np.asarray(plasma_creatinine_mmol_l, dtype=float)
    result: Floats = u_mg * p_cr / (_MG_FILTERABLE_FRACTION * p_mg * u_cr) * 100.0
    return result


# CKD-EPI 2021 coefficients (Inker et al. 2021, source key inker2021), by sex.
_CR_KAPPA_MG_DL: Final = {"female": 0.7, "male": 0.9}
_CR_ALPHA: Final = {"female": -0.241, "male": -0.302}
_CR_SEX_FACTOR: Final = {"female": 1.012, "male": 1.0}
_CRCYS_ALPHA: Final = {"female": -0.219, "male": -0.144}
_CRCYS_SEX_FACTOR: Final = {"female": 0.963, "male": 1.0}


def egfr_ckd_epi_2021_cr(
    creatinine_mg_dl: npt.ArrayLike, age_years: npt.ArrayLike, female: npt.ArrayLike
) -> Floats:
    """EGFRcr (mL/min/1.73 m²), CKD-EPI 2021 race-free creatinine equation (inker2021).

    ``female`` is a boolean (array) selecting the sex-specific coefficients.
    """
    is_female = np.asarray(female, dtype=bool)
    kappa = np.where(is_female, _CR_KAPPA_MG_DL["female"], _CR_KAPPA_MG_DL["male"])
    alpha = np.where(is_female, _CR_ALPHA["female"], _CR_ALPHA["male"])
    sex_factor = np.where(is_female, _CR_SEX_FACTOR["female"], _CR_SEX_FACTOR["male"])
    ratio = np.asarray(creatinine_mg_dl, dtype=float) / kappa
    out = (
        142.0
        * np.minimum(ratio, 1.0) ** alpha
        * np.maximum(ratio, 1.0) ** -1.200
        * 0.9938 ** np.asarray(age_years, dtype=float)
        * sex_factor
    )
    return np.asarray(out, dtype=float)


def egfr_ckd_epi_2021_cr_cys(
    creatinine_mg_dl: npt.ArrayLike,
    cystatin_c_mg_l: npt.ArrayLike,
    age_years: npt.ArrayLike,
    female: npt.ArrayLike,
) -> Floats:
    """eGFRcr-cys (mL/min/1.73 m²), CKD-EPI 2021 creatinine-cystatin C equation (inker2021)."""
    is_female = np.asarray(female, dtype=bool)
    kappa = np.where(is_female, _CR_KAPPA_MG_DL["female"], _CR_KAPPA_MG_DL["male"])
    alpha = np.where(is_female, _CRCYS_ALPHA["female"], _CRCYS_ALPHA["male"])
    sex_factor = np.where(is_female, _CRCYS_SEX_FACTOR["female"], _CRCYS_SEX_FACTOR["male"])
    ratio = np.asarray(creatinine_mg_dl, dtype=float) / kappa
    cys = np.asarray(cystatin_c_mg_l, dtype=float) / 0.8
    out = (
        135.0
        * np.minimum(ratio, 1.0) ** alpha
        * np.maximum(ratio, 1.0) ** -0.544
        * np.minimum(cys, 1.0) ** -0.323
        * np.maximum(cys, 1.0) ** -0.778
        * 0.9961 ** np.asarray(age_years, dtype=float)
        * sex_factor
    )
    return np.asarray(out, dtype=float)


def egfr_bedside_schwartz(height_cm: npt.ArrayLike, creatinine_mg_dl: npt.ArrayLike) -> Floats:
    """Bedside Schwartz eGFR (mL/min/1.73 m²) = 0.413 x height (cm) / creatinine (mg/dL).

    For children and adolescents, with IDMS-traceable (enzymatic) creatinine (schwartz2009).
    """
    result: Floats = (
        _BEDSIDE_SCHWARTZ_K
        * np.asarray(height_cm, dtype=float)
        / np.asarray(creatinine_mg_dl, dtype=float)
    )
    return result
