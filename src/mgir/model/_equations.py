"""Pure, vectorised model equations.

Every function takes arrays over subjects (shape ``(n_subjects,)``) and the parameter array
``p`` of shape ``(n_subjects, N_PARAMS)``; nothing is mutated. Units are canonical floats:
glucose mg/dL, insulin µIU/mL, β-cell mass mg, Mg amounts mmol, fluxes mmol/day, time days.

References
----------
Glucose–insulin–β-cell core: Topp et al. 2000 (source key ``topp2000_big_model``), with the
β-cell glucose set point made person-specific. Mg balance: saturable + linear absorption (Fine
1991), four exchanging pools sized by isotope data, threshold-like renal excretion raised by
hyperglycaemia (Djurhuus) and lowered by insulin action (TRPM6). See ``docs/model.md``.

These are the hand-vectorised fluxes of the fast solver and the steady state; the model itself
is defined once in :mod:`mgir.model._definition`, and a property test checks that every
function here agrees with it.
"""

from __future__ import annotations

from typing import Final

import numpy as np
from numpy.typing import NDArray

from mgir.assessment import formulas
from mgir.model._parameters import Param
from mgir.reference import MG_G_PER_MOL
from mgir.units import analyte, convert

__all__ = [
    "ABSORBABLE_FRACTION_CAP",
    "GLUCOSE_MG_PER_DL_PER_MMOL_PER_L",
    "LITRES_PER_DAY_PER_ML_PER_MIN",
    "absorption_mmol_per_day",
    "absorption_scale_for",
    "beta_growth_rate_per_day",
    "effective_insulin_sensitivity",
    "effective_secretion_max",
    "exchange_rates_per_day",
    "filtered_mg_mmol_per_day",
    "glucose_balance",
    "hba1c_equilibrium_percent",
    "homa_ir",
    "mg_coupling_factor",
    "qss_glucose_insulin",
    "renal_excretion_mmol_per_day",
    "serum_mg_mmol_per_l",
    "setpoint_drift_mg_per_dl_per_day",
]

FloatArray = NDArray[np.float64]

GLUCOSE_MG_PER_DL_PER_MMOL_PER_L: Final[float] = convert(
    analyte("fasting_glucose"), 1.0, "mmol/L", "mg/dL"
)
"""18.0156: glucose molar mass 180.156 g/mol (via mgir.units)."""

LITRES_PER_DAY_PER_ML_PER_MIN: Final[float] = 1.44
"""1 mL/min = 1.44 L/day (1440 min/day / 1000 mL/L)."""


_TOPP_SETPOINT_MG_PER_DL: Final[float] = 100.0
"""Topp 2000's healthy fixed point; plasticity starts to decay above it."""


def _c(p: FloatArray, name: Param) -> FloatArray:
    return p[:, name.pos]


def homa_ir(glucose_mg_per_dl: FloatArray, insulin_uiu_per_ml: FloatArray) -> FloatArray:
    """HOMA1-IR of model glucose (mg/dL) and insulin (µIU/mL) (:mod:`mgir.assessment.formulas`)."""
    return formulas.homa_ir(
        glucose_mg_per_dl / GLUCOSE_MG_PER_DL_PER_MMOL_PER_L, insulin_uiu_per_ml
    )


def serum_mg_mmol_per_l(p: FloatArray, ecf_mmol: FloatArray) -> FloatArray:
    """Serum Mg concentration: extracellular pool over its distribution volume."""
    return ecf_mmol / _c(p, Param.ECF_VOLUME)


def mg_coupling_factor(
    relative_mg: FloatArray, half_saturation: FloatArray, hill: FloatArray
) -> FloatArray:
    """Hill factor of relative intracellular Mg, equal to 1 at the reference (``relative_mg=1``).

    ``f(x) = (1 + K^h) x^h / (K^h + x^h)``; ``f(0) = 0``, increasing, saturating at ``1 + K^h``.
    """
    x = np.maximum(relative_mg, 0.0)
    kh = half_saturation**hill
    xh = x**hill
    result: FloatArray = (1.0 + kh) * xh / (kh + xh)
    return result


def _relative_intracellular(p: FloatArray, icf_mmol: FloatArray) -> FloatArray:
    return icf_mmol / _c(p, Param.INTRACELLULAR_MG_REFERENCE)


def effective_insulin_sensitivity(p: FloatArray, icf_mmol: FloatArray) -> FloatArray:
    """Insulin sensitivity S_I (mL/µIU/day) modulated by intracellular Mg."""
    x = _relative_intracellular(p, icf_mmol)
    f = mg_coupling_factor(x, _c(p, Param.SI_MG_HALF_SATURATION), _c(p, Param.SI_MG_HILL))
    result: FloatArray = (
        _c(p, Param.INSULIN_SENSITIVITY) * _c(p, Param.INSULIN_SENSITIVITY_SCALE) * f
    )
    return result


def effective_secretion_max(p: FloatArray, icf_mmol: FloatArray) -> FloatArray:
    """Secretion capacity σ (µIU/mL/mg/day), linearly modulated by intracellular Mg (≥ 0)."""
    x = _relative_intracellular(p, icf_mmol)
    factor = np.maximum(1.0 + _c(p, Param.BETA_MG_COUPLING) * (x - 1.0), 0.0)
    result: FloatArray = _c(p, Param.SECRETION_MAX) * factor
    return result


def glucose_balance(
    p: FloatArray, glucose: FloatArray, beta: FloatArray, si: FloatArray, sigma: FloatArray
) -> tuple[FloatArray, FloatArray]:
    """Glucose net rate at insulin QSS, and its derivative in glucose.

    ``F(G) = R0 - EG0 G - S_I G I_qss(G)``, ``I_qss = β σ G² / (k (α + G²))``; F decreases
    strictly in G, so the QSS glucose is unique.
    """
    r0 = _c(p, Param.GLUCOSE_PRODUCTION)
    eg0 = _c(p, Param.GLUCOSE_EFFECTIVENESS)
    alpha = _c(p, Param.SECRETION_HALF_GLUCOSE_SQ)
    a = si * beta * sigma / _c(p, Param.INSULIN_CLEARANCE)
    g2 = glucose * glucose
    denom = alpha + g2
    f = r0 - eg0 * glucose - a * glucose * g2 / denom
    df = -eg0 - a * (g2 * g2 + 3.0 * alpha * g2) / (denom * denom)
    return f, df


def qss_glucose_insulin(
    p: FloatArray,
    beta: FloatArray,
    si: FloatArray,
    sigma: FloatArray,
    guess: FloatArray | None = None,
    *,
    rtol: float = 1e-12,
    max_iter: int = 60,
) -> tuple[FloatArray, FloatArray]:
    """Quasi-steady fasting glucose (mg/dL) and insulin (µIU/mL) for given β, S_I and σ.

    Safeguarded Newton on the monotone glucose balance within ``[0, R0/EG0]``.
    """
    upper = _c(p, Param.GLUCOSE_PRODUCTION) / _c(p, Param.GLUCOSE_EFFECTIVENESS)
    lower = np.zeros_like(upper)
    g = np.clip(guess, 1e-9, upper) if guess is not None else 0.5 * upper
    active = np.ones(g.shape, dtype=bool)
    for _ in range(max_iter):
        f, df = glucose_balance(p, g, beta, si, sigma)
        lower = np.where(f > 0, g, lower)
        upper = np.where(f < 0, g, upper)
        g_new = g - f / df
        outside = (g_new < lower) | (g_new > upper)
        g_new = np.where(outside, 0.5 * (lower + upper), g_new)
        converged = np.abs(g_new - g) <= rtol * np.maximum(g, 1.0)
        # Subjects stop iterating once converged, so a subject's result does not depend on
        # which other subjects share its cohort.
        g = np.where(active, g_new, g)
        active &= ~converged
        if not bool(np.any(active)):
            break
    alpha = _c(p, Param.SECRETION_HALF_GLUCOSE_SQ)
    insulin = beta * sigma * g * g / ((alpha + g * g) * _c(p, Param.INSULIN_CLEARANCE))
    return g, insulin


def beta_growth_rate_per_day(
    p: FloatArray, glucose: FloatArray, setpoint_mg_per_dl: FloatArray
) -> FloatArray:
    """Net β-cell growth rate ``π r2 (G - G*) (G* + Δ - G)`` (Topp 2000 with G* free).

    ``π = plasticity · exp(-max(0, G*₀ - 100 mg/dL) / G_π)``: compensation is weaker in a
    person whose set point at the fit, ``G*₀``, was raised (β-cell failure in diabetes); it is a
    trait of the person, so that the drifting set point ``G*`` (a state) is still followed. With
    G* = 100 mg/dL, Δ = 150 mg/dL and plasticity 1 this is exactly Topp's
    ``-d0 + r1 G - r2 G²``.
    """
    gs = setpoint_mg_per_dl
    excess = np.maximum(_c(p, Param.BETA_SETPOINT_INITIAL) - _TOPP_SETPOINT_MG_PER_DL, 0.0)
    plasticity = _c(p, Param.BETA_PLASTICITY) * np.exp(
        -excess / _c(p, Param.BETA_PLASTICITY_GLUCOSE_SCALE)
    )
    result: FloatArray = (
        plasticity
        * _c(p, Param.BETA_GROWTH_CURVATURE)
        * (glucose - gs)
        * (gs + _c(p, Param.BETA_SETPOINT_SPAN) - glucose)
    )
    return result


def setpoint_drift_mg_per_dl_per_day(
    p: FloatArray, glucose: FloatArray, insulin_sensitivity: FloatArray
) -> FloatArray:
    """Rise of the β-cell set point ``k (G - G_thr)+ S_I,ref / S_I`` (mg/dL/day).

    Slow β-cell failure: glucotoxicity (fasting glucose above the progression threshold)
    times insulin resistance relative to the reference adult (``insulin_sensitivity`` is the
    effective, Mg-dependent S_I). Zero at or below the threshold, so a healthy adult does not
    progress; the rate ``k`` is calibrated to incident diabetes in impaired fasting glucose
    (Morris 2013, Nichols 2007).
    """
    excess = np.maximum(glucose - _c(p, Param.PROGRESSION_GLUCOSE_THRESHOLD), 0.0)
    result: FloatArray = (
        _c(p, Param.PROGRESSION_RATE)
        * excess
        * _c(p, Param.INSULIN_SENSITIVITY)
        / insulin_sensitivity
    )
    return result


def absorption_mmol_per_day(
    p: FloatArray, supplement_accessible_mmol_per_day: FloatArray
) -> tuple[FloatArray, FloatArray]:
    """Food Mg intake and net absorbed Mg (both mmol/day).

    The reference fraction ``φ0 = Vmax / (Km + J) + f_lin`` of ``J`` = food Mg + bioaccessible
    supplement Mg is absorbed (saturable + linear, Fine 1991 shape). The person's absorption
    scale ``s`` multiplies the *odds* of absorption, ``φ = s φ0 / (1 + (s - 1) φ0)``, so that
    ``s = 1`` is the reference and the absorbed amount never exceeds the intake.
    """
    food = _c(p, Param.DIETARY_INTAKE) / MG_G_PER_MOL
    j = food + supplement_accessible_mmol_per_day
    phi0 = np.minimum(_reference_absorbed_fraction(p, j), _MAX_REFERENCE_FRACTION)
    s = _c(p, Param.ABSORPTION_SCALE)
    absorbed: FloatArray = j * s * phi0 / (1.0 + (s - 1.0) * phi0)
    return food, absorbed


ABSORBABLE_FRACTION_CAP: Final[float] = 0.99
"""Largest fraction of intake a person fit may absorb (absorption cannot reach all of intake)."""

_MAX_REFERENCE_FRACTION: Final[float] = 0.999
"""Guard for parameter sets whose reference fraction would reach 1 (Vmax/Km + f_lin >= 1)."""


def _reference_absorbed_fraction(p: FloatArray, j: FloatArray) -> FloatArray:
    result: FloatArray = _c(p, Param.ABSORPTION_RATE_FACTOR) * (
        _c(p, Param.ABSORPTION_VMAX) / (_c(p, Param.ABSORPTION_KM) + j)
        + _c(p, Param.ABSORPTION_LINEAR_FRACTION)
    )
    return result


def absorption_scale_for(p: FloatArray, absorbed_mmol_per_day: FloatArray) -> FloatArray:
    """Absorption scale (odds ratio) that makes food Mg absorption equal ``absorbed``.

    The needed fraction is capped at 0.99 of intake (absorption cannot exceed intake).
    """
    food = _c(p, Param.DIETARY_INTAKE) / MG_G_PER_MOL
    phi = np.clip(absorbed_mmol_per_day / food, 1e-9, ABSORBABLE_FRACTION_CAP)
    phi0 = np.minimum(_reference_absorbed_fraction(p, food), _MAX_REFERENCE_FRACTION)
    result: FloatArray = (phi / (1.0 - phi)) / (phi0 / (1.0 - phi0))
    return result


def hba1c_equilibrium_percent(p: FloatArray, glucose: FloatArray) -> FloatArray:
    """HbA1c (%) a steady fasting glucose (mg/dL) would reach: Hong 2016 line + offset."""
    result: FloatArray = (
        _c(p, Param.HBA1C_FPG_INTERCEPT)
        + _c(p, Param.HBA1C_FPG_SLOPE) * glucose / GLUCOSE_MG_PER_DL_PER_MMOL_PER_L
        + _c(p, Param.HBA1C_OFFSET)
    )
    return result


def filtered_mg_mmol_per_day(p: FloatArray, serum_mmol_per_l: FloatArray) -> FloatArray:
    """Filtered load of Mg (mmol/day): GFR x ultrafilterable fraction x serum Mg."""
    result: FloatArray = (
        _c(p, Param.EGFR)
        * LITRES_PER_DAY_PER_ML_PER_MIN
        * _c(p, Param.FILTERABLE_FRACTION)
        * serum_mmol_per_l
    )
    return result


def _softplus(z: FloatArray) -> FloatArray:
    result: FloatArray = np.logaddexp(0.0, z)
    return result


def _sigmoid(z: FloatArray) -> FloatArray:
    result: FloatArray = 0.5 * (1.0 + np.tanh(0.5 * z))
    return result


def renal_excretion_mmol_per_day(
    p: FloatArray, ecf_mmol: FloatArray, glucose: FloatArray, insulin_action_per_day: FloatArray
) -> tuple[FloatArray, FloatArray]:
    """Urinary Mg (mmol/day) and its derivative with respect to the extracellular pool (1/day).

    ``U = GFR f_uf m_A [fe0 c + w softplus((c - c_thr + δ_G)/w)]`` where ``c`` is serum Mg,
    ``δ_G = b w_G softplus((G - G0)/w_G)`` lowers the threshold with hyperglycaemia (glucose
    in mmol/L) and ``m_A = (S_I I / A_ref)^(-e)`` lowers excretion with insulin action
    (``S_I I``, TRPM6).
    """
    volume = _c(p, Param.ECF_VOLUME)
    c = ecf_mmol / volume
    gfr_l_per_day = _c(p, Param.EGFR) * LITRES_PER_DAY_PER_ML_PER_MIN
    w = _c(p, Param.RENAL_THRESHOLD_SMOOTHING)
    g_mmol = glucose / GLUCOSE_MG_PER_DL_PER_MMOL_PER_L
    wg = _c(p, Param.GLUCOSE_EXCRETION_SMOOTHING)
    shift = (
        _c(p, Param.GLUCOSE_THRESHOLD_SHIFT)
        * wg
        * _softplus((g_mmol - _c(p, Param.GLUCOSE_EXCRETION_ONSET)) / wg)
    )
    z = (c - _c(p, Param.RENAL_THRESHOLD) + shift) / w
    fe0 = _c(p, Param.FE_BELOW_THRESHOLD)
    action = np.maximum(insulin_action_per_day, 1e-9) / _c(p, Param.INSULIN_ACTION_REFERENCE)
    m_action = action ** (-_c(p, Param.INSULIN_ACTION_EXCRETION_EXPONENT))
    scale = (
        gfr_l_per_day
        * _c(p, Param.FILTERABLE_FRACTION)
        * m_action
        * _c(p, Param.RENAL_EXCRETION_FACTOR)
    )
    urine = scale * (fe0 * c + w * _softplus(z))
    d_urine_d_ecf = scale * (fe0 + _sigmoid(z)) / volume
    return urine, d_urine_d_ecf


def exchange_rates_per_day(
    p: FloatArray,
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray, FloatArray, FloatArray]:
    """First-order exchange constants ``(k_ec_ic, k_ic_ec, k_ec_bf, k_bf_ec, k_bf_bs, k_bs_bf)``.

    Inward constants follow from the outward ones and the reference pool sizes, so that the
    reference pools are in exchange equilibrium at the reference serum Mg.
    """
    e_ref = _c(p, Param.ECF_VOLUME) * _c(p, Param.SERUM_MG_REFERENCE)
    i_ref = _c(p, Param.INTRACELLULAR_MG_REFERENCE)
    bf_ref = _c(p, Param.BONE_FAST_MG_REFERENCE)
    bs_ref = _c(p, Param.BONE_SLOW_MG_REFERENCE)
    k_ic_ec = _c(p, Param.INTRACELLULAR_EFFLUX)
    k_bf_ec = _c(p, Param.BONE_FAST_RELEASE)
    k_bs_bf = _c(p, Param.BONE_SLOW_RELEASE)
    return (
        k_ic_ec * i_ref / e_ref,
        k_ic_ec,
        k_bf_ec * bf_ref / e_ref,
        k_bf_ec,
        k_bs_bf * bs_ref / bf_ref,
        k_bs_bf,
    )
