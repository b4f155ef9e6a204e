"""Keyword-only calculators that take pint Quantities and return immutable results.

Each converts its inputs to canonical units at the boundary (rejecting foreign units and impossible
values), applies the formula from :mod:`mgir.assessment.formulas`, and reads the result against
cited cut-offs or bands.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

from mgir._errors import InvalidInputError
from mgir.assessment import formulas as f
from mgir.assessment._results import CalculatorResult, CutoffUsed, IndexResult
from mgir.reference import (
    band_for,
    egfr_categories,
    formula_constant,
    index_cutoff,
    magnesium_marker_bands,
)
from mgir.units import (
    INSULIN_PMOL_PER_UIU_CONVENTIONAL,
    Quantity,
    analyte,
    quantity_to_canonical,
)

__all__ = [
    "egfr_bedside_schwartz",
    "egfr_ckd_epi_2021",
    "fe_magnesium",
    "free_androgen_index",
    "homa_beta",
    "homa_ir",
    "matsuda",
    "quicki",
    "tyg",
]

Sex = Literal["female", "male"]


def _canonical(
    name: str, quantity: Quantity, insulin_factor: float = INSULIN_PMOL_PER_UIU_CONVENTIONAL
) -> float:
    return quantity_to_canonical(
        analyte(name), quantity, field=name, insulin_pmol_per_uiu=insulin_factor
    )


def _read_cutoff(
    name: Literal["homa_ir", "quicki", "tyg", "matsuda"],
    value: float,
    cutoff_key: str | None,
    formula_refs: tuple[str, ...],
    inputs: dict[str, float],
    label: str,
) -> IndexResult:
    cutoff = index_cutoff(name, cutoff_key)
    refs = formula_refs + cutoff.references
    if not cutoff.applicable:
        return IndexResult(
            name=name,
            value=value,
            unit="1",
            references=refs,
            inputs=dict(inputs),
            interpretation=f"{label} {value:.3g}; not interpreted: the published cut-off "
            f"{cutoff.cutoff:g} ({cutoff.population}) is on a different scale",
            cutoff=CutoffUsed.of(cutoff),
            insulin_resistant=None,
        )
    resistant = cutoff.indicates_resistance(value)
    side = "insulin resistance" if resistant else "no insulin resistance"
    sign = {"ge": ">=", "le": "<=", "lt": "<"}[cutoff.direction]
    return IndexResult(
        name=name,
        value=value,
        unit="1",
        references=refs,
        inputs=dict(inputs),
        interpretation=f"{label} {value:.3g}: {side} by the cut-off {sign} {cutoff.cutoff:g} "
        f"({cutoff.population})",
        cutoff=CutoffUsed.of(cutoff),
        insulin_resistant=resistant,
    )


def homa_ir(
    *,
    fasting_glucose: Quantity,
    fasting_insulin: Quantity,
    insulin_pmol_per_uiu: float = INSULIN_PMOL_PER_UIU_CONVENTIONAL,
    cutoff_key: str | None = None,
) -> IndexResult:
    """HOMA1-IR, the homeostasis model assessment of insulin resistance.

    Parameters
    ----------
    fasting_glucose : Quantity[mmol/L or mg/dL]
        Fasting plasma glucose.
    fasting_insulin : Quantity[µIU/mL, mIU/L or pmol/L]
        Fasting plasma insulin.
    insulin_pmol_per_uiu
        Conversion factor for insulin given in pmol/L (6.00 default; 6.945 WHO).
    cutoff_key
        Which packaged cut-off to read the value against (default: the table's default).

    Returns
    -------
    IndexResult
        Dimensionless value, interpretation against the cut-off and its population.

    Notes
    -----
    HOMA1-IR = FPI (µIU/mL) x FPG (mmol/L) / 22.5. It is not valid in people on insulin therapy
    or with type 1 diabetes.

    References
    ----------
    matthews1985; cut-offs: see ``mgir.reference.index_cutoffs("homa_ir")``.

    Examples
    --------
    >>> from mgir.units import Quantity
    >>> r = homa_ir(fasting_glucose=Quantity(4.5, "mmol/L"), fasting_insulin=Quantity(5, "µIU/mL"))
    >>> round(r.value, 6)
    1.0
    """
    glucose = _canonical("fasting_glucose", fasting_glucose)
    insulin = _canonical("fasting_insulin", fasting_insulin, insulin_pmol_per_uiu)
    value = float(f.homa_ir(glucose, insulin))
    return _read_cutoff(
        "homa_ir",
        value,
        cutoff_key,
        ("matthews1985",),
        {"fasting_glucose_mmol_per_l": glucose, "fasting_insulin_uiu_per_ml": insulin},
        "HOMA-IR",
    )


def homa_beta(
    *,
    fasting_glucose: Quantity,
    fasting_insulin: Quantity,
    insulin_pmol_per_uiu: float = INSULIN_PMOL_PER_UIU_CONVENTIONAL,
) -> CalculatorResult:
    """HOMA1-%B, β-cell function (%) = 20 x FPI (µIU/mL) / (FPG (mmol/L) - 3.5).

    Undefined at fasting glucose <= 3.5 mmol/L (63 mg/dL): the result then has no value and says so.

    References
    ----------
    matthews1985.
    """
    glucose = _canonical("fasting_glucose", fasting_glucose)
    insulin = _canonical("fasting_insulin", fasting_insulin, insulin_pmol_per_uiu)
    offset = formula_constant("homa_beta_glucose_offset_mmol_per_l").to("mmol/L")
    if glucose <= offset:
        return CalculatorResult.not_computed(
            "homa_beta",
            "%",
            f"HOMA-%B is undefined at fasting glucose <= {offset:g} mmol/L "
            f"(got {glucose:.3g} mmol/L)",
            ("matthews1985",),
        )
    value = float(f.homa_beta_percent(glucose, insulin))
    return CalculatorResult(
        name="homa_beta",
        value=value,
        unit="%",
        references=("matthews1985",),
        interpretation=f"HOMA-%B {value:.3g} % (100 % = the model's young, lean reference)",
        inputs=({"fasting_glucose_mmol_per_l": glucose, "fasting_insulin_uiu_per_ml": insulin}),
    )


def quicki(
    *,
    fasting_glucose: Quantity,
    fasting_insulin: Quantity,
    insulin_pmol_per_uiu: float = INSULIN_PMOL_PER_UIU_CONVENTIONAL,
    cutoff_key: str | None = None,
) -> IndexResult:
    """QUICKI = 1 / (log10 FPI (µIU/mL) + log10 FPG (mg/dL)).

    References
    ----------
    katz2000; cut-offs hrebicek2002, gokcel2003.
    """
    glucose = _canonical("fasting_glucose", fasting_glucose)
    insulin = _canonical("fasting_insulin", fasting_insulin, insulin_pmol_per_uiu)
    if insulin * glucose * f.GLUCOSE_MG_DL_PER_MMOL_L <= 1.0:
        return IndexResult.not_computed_index(
            "quicki", "1", "QUICKI is undefined when insulin x glucose (mg/dL) <= 1", ("katz2000",)
        )
    value = float(f.quicki(glucose, insulin))
    return _read_cutoff(
        "quicki",
        value,
        cutoff_key,
        ("katz2000",),
        {"fasting_glucose_mmol_per_l": glucose, "fasting_insulin_uiu_per_ml": insulin},
        "QUICKI",
    )


def tyg(*, fasting_glucose: Quantity, triglycerides: Quantity) -> IndexResult:
    """Triglyceride-glucose index, TyG = ln(TG (mg/dL) x FPG (mg/dL) / 2).

    References
    ----------
    simental_mendia2008; the clamp cut-off of guerrero_romero2010 is not applied (scale mismatch).
    """
    glucose = _canonical("fasting_glucose", fasting_glucose)
    triglycerides_mmol = _canonical("triglycerides", triglycerides)
    value = float(f.tyg_index(glucose, triglycerides_mmol))
    return _read_cutoff(
        "tyg",
        value,
        None,
        ("simental_mendia2008",),
        {"fasting_glucose_mmol_per_l": glucose, "triglycerides_mmol_per_l": triglycerides_mmol},
        "TyG",
    )


def matsuda(
    *,
    minutes: Sequence[float],
    glucose: Sequence[Quantity],
    insulin: Sequence[Quantity],
    insulin_pmol_per_uiu: float = INSULIN_PMOL_PER_UIU_CONVENTIONAL,
    cutoff_key: str | None = None,
) -> IndexResult:
    """Matsuda insulin-sensitivity index from an OGTT, 10,000 / sqrt(G0 I0 Gmean Imean).

    Parameters
    ----------
    minutes
        Sample times (min); one must be 0 and at least one later sample within 120 min is needed.
        Samples after 120 min are not used (the index is defined over 0-120 min).
    glucose, insulin
        Quantities at those times.

    References
    ----------
    matsuda1999; cut-offs kernan2003, stern2005.
    """
    if not len(minutes) == len(glucose) == len(insulin):
        raise InvalidInputError(
            field="ogtt",
            value=(len(minutes), len(glucose), len(insulin)),
            allowed="as many glucose and insulin values as time points",
        )
    points = sorted(
        (t, g, i) for t, g, i in zip(minutes, glucose, insulin, strict=True) if 0 <= t <= 120
    )
    if not points or points[0][0] != 0 or len(points) < 2:
        return IndexResult.not_computed_index(
            "matsuda",
            "1",
            "the Matsuda index needs a 0-min sample and at least one more within 0-120 min",
            ("matsuda1999",),
        )
    glucose_mmol = [_canonical("fasting_glucose", g) for _, g, _ in points]
    insulin_uiu = [_canonical("fasting_insulin", i, insulin_pmol_per_uiu) for _, _, i in points]
    value = f.matsuda_index(glucose_mmol, insulin_uiu)
    result = _read_cutoff(
        "matsuda",
        value,
        cutoff_key,
        ("matsuda1999",),
        {"samples": float(len(points))},
        "Matsuda index",
    )
    return result


def free_androgen_index(*, total_testosterone: Quantity, shbg: Quantity) -> CalculatorResult:
    """Free androgen index = 100 x total testosterone (nmol/L) / SHBG (nmol/L).

    No cut-off is shipped: published ones depend on assay, sex and population.

    References
    ----------
    vermeulen1999.
    """
    testosterone = _canonical("total_testosterone", total_testosterone)
    binding_globulin = _canonical("shbg", shbg)
    value = float(f.free_androgen_index(testosterone, binding_globulin))
    return CalculatorResult(
        name="free_androgen_index",
        value=value,
        unit="%",
        references=("vermeulen1999",),
        interpretation=f"FAI {value:.3g}; compare with your laboratory's sex-specific range",
        inputs=(
            {"total_testosterone_nmol_per_l": testosterone, "shbg_nmol_per_l": binding_globulin}
        ),
    )


def egfr_ckd_epi_2021(
    *,
    creatinine: Quantity,
    age_years: float,
    sex: Sex,
    cystatin_c: Quantity | None = None,
) -> CalculatorResult:
    """EGFR by the race-free CKD-EPI 2021 equations (mL/min/1.73 m²).

    Uses the creatinine-cystatin C equation when cystatin C is given (preferred) and reports the
    creatinine-only value in ``details``. Adults (>= 18 y) only.

    Parameters
    ----------
    creatinine : Quantity[mg/dL or µmol/L]
        IDMS-traceable serum creatinine.
    age_years
        Age in years (>= 18).
    sex
        ``"female"`` or ``"male"``.
    cystatin_c : Quantity[mg/L], optional
        Standardised serum cystatin C.

    References
    ----------
    inker2021; categories kdigo2024.

    Examples
    --------
    >>> from mgir.units import Quantity
    >>> r = egfr_ckd_epi_2021(creatinine=Quantity(0.7, "mg/dL"), age_years=40, sex="female")
    >>> round(r.value, 1)
    112.1
    """
    if sex not in ("female", "male"):
        raise InvalidInputError(field="sex", value=sex, allowed="'female' or 'male'")
    if not 0 <= age_years < 130:
        raise InvalidInputError(
            field="age_years", value=age_years, unit="year", allowed="0 <= age < 130 years"
        )
    if age_years < 18:
        return CalculatorResult.not_computed(
            "egfr",
            "mL/min/1.73 m²",
            f"CKD-EPI 2021 is validated for adults (>= 18 y); age {age_years:g} y: use the "
            "bedside Schwartz equation (height and creatinine)",
            ("inker2021", "schwartz2009"),
        )
    creatinine_mg_dl = _canonical("creatinine", creatinine)
    female = sex == "female"
    cr_only = float(f.egfr_ckd_epi_2021_cr(creatinine_mg_dl, age_years, female))
    inputs = {"creatinine_mg_per_dl": creatinine_mg_dl, "age_years": age_years}
    equation = "CKD-EPI 2021 creatinine"
    value = cr_only
    if cystatin_c is not None:
        cys = _canonical("cystatin_c", cystatin_c)
        inputs["cystatin_c_mg_per_l"] = cys
        value = float(f.egfr_ckd_epi_2021_cr_cys(creatinine_mg_dl, cys, age_years, female))
        equation = "CKD-EPI 2021 creatinine-cystatin C"
    category = band_for(egfr_categories(), value)
    assert category is not None
    return CalculatorResult(
        name="egfr",
        value=value,
        unit="mL/min/1.73 m²",
        interpretation=f"eGFR {value:.0f} mL/min/1.73 m² ({equation}): KDIGO {category.code}, "
        f"{category.description.lower()}",
        references=("inker2021", *category.references),
        inputs=dict(inputs),
        details=(
            {"equation": equation, "category": category.code, "egfr_creatinine_only": cr_only}
        ),
    )


def fe_magnesium(
    *,
    urine_magnesium: Quantity,
    serum_magnesium: Quantity,
    urine_creatinine: Quantity,
    serum_creatinine: Quantity,
) -> CalculatorResult:
    """Fractional excretion of magnesium (%), FE_Mg = U_Mg P_Cr / (0.7 P_Mg U_Cr) x 100.

    The bands (< 2 % extrarenal, > 4 % renal wasting) apply in hypomagnesaemia with preserved
    kidney function.

    References
    ----------
    tucker2020, elisaf1997.
    """
    u_mg = _canonical("urine_magnesium", urine_magnesium)
    p_mg = _canonical("serum_magnesium", serum_magnesium)
    u_cr = _canonical("urine_creatinine", urine_creatinine)
    p_cr_mg_dl = _canonical("creatinine", serum_creatinine)
    molar_mass = analyte("creatinine").molar_mass_g_per_mol
    assert molar_mass is not None
    p_cr = p_cr_mg_dl * 10.0 / molar_mass  # mg/dL -> mmol/L
    value = float(f.fe_magnesium_percent(u_mg, p_mg, u_cr, p_cr))
    band = band_for(magnesium_marker_bands("fe_magnesium"), value)
    meaning = band.description if band else "above every band"
    return CalculatorResult(
        name="fe_magnesium",
        value=value,
        unit="%",
        interpretation=f"FE_Mg {value:.2g} %: {meaning}",
        references=("tucker2020", "elisaf1997"),
        inputs=(
            {
                "urine_magnesium_mmol_per_l": u_mg,
                "serum_magnesium_mmol_per_l": p_mg,
                "urine_creatinine_mmol_per_l": u_cr,
                "serum_creatinine_mmol_per_l": p_cr,
            }
        ),
        details={"band": band.code if band else None},
    )


def egfr_bedside_schwartz(
    *, creatinine: Quantity, height_cm: float, age_years: float
) -> CalculatorResult:
    """EGFR in children and adolescents by the bedside Schwartz equation (mL/min/1.73 m²).

    eGFR = 0.413 x height (cm) / creatinine (mg/dL), for IDMS-traceable (enzymatic) creatinine.

    Parameters
    ----------
    creatinine : Quantity[mg/dL or µmol/L]
        IDMS-traceable serum creatinine.
    height_cm
        Height, cm (30-250).
    age_years
        Age in years: 1 to under 18 (the equation was derived at 1-16 y; 16-18 y is an
        extrapolation and says so).

    References
    ----------
    schwartz2009 (formula, cohort 1-16 y), schwartz2009_assay (creatinine assay); categories
    kdigo2024.

    Examples
    --------
    >>> from mgir.units import Quantity
    >>> r = egfr_bedside_schwartz(creatinine=Quantity(0.6, "mg/dL"), height_cm=162, age_years=15)
    >>> round(r.value, 1)
    111.5
    """
    if not 30 <= height_cm <= 250:
        raise InvalidInputError(
            field="height_cm", value=height_cm, unit="cm", allowed="30 to 250 cm"
        )
    if not 1 <= age_years < 18:
        return CalculatorResult.not_computed(
            "egfr",
            "mL/min/1.73 m²",
            f"the bedside Schwartz equation is for ages 1 to 18 years; age {age_years:g} y",
            ("schwartz2009",),
        )
    creatinine_mg_dl = _canonical("creatinine", creatinine)
    value = float(f.egfr_bedside_schwartz(height_cm, creatinine_mg_dl))
    category = band_for(egfr_categories(), value)
    assert category is not None
    equation = "bedside Schwartz 2009"
    caveat = (
        "; derived in children aged 1-16 y, so an extrapolation at this age"
        if age_years >= 16
        else ""
    )
    return CalculatorResult(
        name="egfr",
        value=value,
        unit="mL/min/1.73 m²",
        interpretation=f"eGFR {value:.0f} mL/min/1.73 m² ({equation}{caveat}): KDIGO "
        f"{category.code}, {category.description.lower()}",
        references=("schwartz2009", "schwartz2009_assay", *category.references),
        inputs={
            "creatinine_mg_per_dl": creatinine_mg_dl,
            "height_cm": height_cm,
            "age_years": age_years,
        },
        details={"equation": equation, "category": category.code},
    )
