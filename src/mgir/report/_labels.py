"""Words people read for the machine names of an evaluation (labs, indices, codes, units).

The report never shows an internal key: every code, lab, index and output has a label here, and a
test checks that no machine name reaches the visible text of a report.
"""

from __future__ import annotations

from mgir.units import analyte, analyte_names

__all__ = [
    "condition_label",
    "has_title",
    "index_label",
    "lab_label",
    "notice_title",
    "output_label",
    "unit_text",
]

_CONDITIONS = {
    "t2d": "type 2 diabetes",
    "t1d": "type 1 diabetes",
    "prediabetes": "prediabetes",
    "insulin_resistance": "insulin resistance",
    "pcos": "PCOS",
    "metabolic_syndrome": "metabolic syndrome",
    "ckd": "chronic kidney disease",
    "heart_block": "heart block",
    "myasthenia_gravis": "myasthenia gravis",
    "bowel_obstruction": "bowel obstruction",
    "chronic_diarrhoea": "chronic diarrhoea",
    "alcohol_use_disorder": "alcohol use disorder",
}

_LAB_SHORT = {
    "fasting_glucose": "Fasting glucose",
    "fasting_insulin": "Fasting insulin",
    "c_peptide": "C-peptide",
    "hba1c": "HbA1c",
    "triglycerides": "Triglycerides",
    "serum_magnesium": "Serum magnesium",
    "ionized_magnesium": "Ionized magnesium",
    "rbc_magnesium": "Red-cell magnesium",
    "urine_magnesium": "Urine magnesium",
    "urine_creatinine": "Urine creatinine",
    "creatinine": "Creatinine",
    "cystatin_c": "Cystatin C",
    "potassium": "Potassium",
    "calcium": "Calcium",
    "total_testosterone": "Total testosterone",
    "shbg": "SHBG",
    "ecg": "ECG",
    "height": "Height",
}

_INDEX = {
    "homa_ir": "HOMA-IR (insulin resistance)",
    "homa_beta": "HOMA-%B (beta-cell function)",
    "quicki": "QUICKI (insulin sensitivity)",
    "tyg": "TyG index",
    "matsuda": "Matsuda index (OGTT)",
    "free_androgen_index": "Free androgen index",
    "egfr": "eGFR (kidney function)",
    "fe_magnesium": "Fractional excretion of magnesium",
}

_OUTPUT = {
    "serum_magnesium": "Serum magnesium",
    "fasting_glucose": "Fasting glucose",
    "fasting_insulin": "Fasting insulin",
    "homa_ir": "HOMA-IR",
    "hba1c": "HbA1c",
}

_TITLES = {
    "overt_hypomagnesaemia": "Severe low magnesium",
    "hypermagnesaemia": "High magnesium",
    "renal_contraindication": "Kidney function too low for a supplement",
    "renal_caution": "Reduced kidney function",
    "renal_function_unknown": "Kidney function unknown",
    "renal_override": "Kidney rule overridden by a clinician",
    "heart_block": "Heart conduction disorder",
    "myasthenia_gravis": "Myasthenia gravis",
    "bowel_obstruction": "Bowel obstruction",
    "chronic_diarrhoea": "Chronic diarrhoea",
    "pregnancy": "Pregnancy",
    "child_formulation": "Child",
    "no_ul_infant": "Infant",
    "no_ul": "No upper limit established",
    "diarrhoea_risk": "Dose above 250 mg/day",
    "interaction_avoid": "Medicine that rules out magnesium",
    "interaction_timing": "Medicine timing",
    "interaction_timing_conflict": "No time of day fits every medicine",
    "interaction_monitor": "Medicine that changes magnesium",
    "interaction_caution": "Medicine to watch",
    "medication_not_checked": "Medicine not checked",
    "intake_incomplete": "Diary intake is a lower bound",
    "eu_ul_applied": "EU upper limit applied",
    "ul_override": "Upper limit exceeded on purpose",
    "requested_dose_not_planned": "Requested dose not planned",
    "upper_limit_override": "Upper limit exceeded on purpose",
    "existing_supplement_above_ul": "Supplements already above the upper limit",
    "existing_supplement_sufficient": "Supplements already sufficient",
    "existing_supplement_replaced": "Replace a poorly absorbed supplement",
    "salt_form_assumed": "Supplement form assumed",
    "single_dose": "One daily dose",
    "potassium_foods": "Potassium in suggested foods",
    "potassium_foods_excluded": "High-potassium foods left out",
    "homa_t1d": "HOMA not valid in type 1 diabetes",
    "homa_insulin_therapy": "HOMA not valid on insulin therapy",
    "homa_under_18": "Adult HOMA cut-offs under 18",
    "glycaemia_diabetes_range": "Glucose in the diabetes range",
    "insulin_conversion_factor": "Insulin unit conversion",
    "loinc_unit": "LOINC code and unit",
    "outside_calibrated_population": "Outside the model's calibrated population",
    "projected_serum_mg_high": "Projected magnesium high",
    "model_fit": "Model fit",
    "serum_mg_from_population": "Serum magnesium not measured",
    "medicines_modelled": "Medicines in the model",
    "medicines_not_modelled": "Medicines not in the model",
    "medicines_not_recognised": "Medicines not recognised",
    "hba1c_extrapolated": "HbA1c extrapolated",
    "projected_serum_mg_low": "Projected magnesium low",
    "mg_negative_balance": "Diary intake cannot sustain serum magnesium",
    "insulin_from_population": "Fasting insulin not measured",
}

_UNITS = {"1": "", "%": "%", "µIU/mL": "µIU/mL", "mL/min/1.73 m²": "mL/min/1.73 m²"}


def _humanize(code: str) -> str:
    text = code.replace("_", " ").strip()
    return text[:1].upper() + text[1:]


_SYMBOLS = (
    (" >= ", " ≥ "),
    (" <= ", " ≤ "),
    (" -> ", " → "),
    ("MgCl2", "MgCl₂"),
    ("FE_Mg", "FEMg"),
)


def symbols(text: str) -> str:
    """Plain-text notation of the knowledge base as typeset: ">=" -> "≥", "->" -> "→"."""
    for plain, typeset in _SYMBOLS:
        text = text.replace(plain, typeset)
    return text


def mid_sentence(label: str) -> str:
    """A label as it reads inside a sentence.

    "Serum magnesium" -> "serum magnesium", but "HbA1c" and "HOMA-IR" keep their capitals.
    """
    first = label.split(" ", 1)[0]
    if any(c.isupper() or c.isdigit() for c in first[1:]):
        return label
    return label[:1].lower() + label[1:]


def lab_label(name: str) -> str:
    """The name people read for a lab ("Serum magnesium"), or for ``ecg``, ``height``."""
    if name in _LAB_SHORT:
        return _LAB_SHORT[name]
    if name in analyte_names():
        return analyte(name).description
    if " and " in name:
        first, *rest = (lab_label(part) for part in name.split(" and "))
        return " and ".join([first, *(mid_sentence(r) for r in rest)])
    return _humanize(name)


def condition_label(code: str) -> str:
    """A condition in words ("t2d" -> "type 2 diabetes")."""
    return _CONDITIONS.get(code, _humanize(code).lower())


def index_label(name: str) -> str:
    """The name people read for an index or kidney result."""
    return _INDEX.get(name, _humanize(name))


def output_label(name: str) -> str:
    """The name people read for a projected output."""
    return _OUTPUT.get(name, _humanize(name))


def notice_title(code: str) -> str:
    """A short title for a notice code."""
    return _TITLES.get(code, _humanize(code))


def unit_text(unit: str) -> str:
    """A unit as printed (dimensionless indices print no unit)."""
    return _UNITS.get(unit, unit)


def has_title(code: str) -> bool:
    """Whether the code has its own title (the test suite checks every code that occurs)."""
    return code in _TITLES
