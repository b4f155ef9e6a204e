"""Unit conversions against published figures (reference-facts.md C.3) and independent arithmetic."""

from __future__ import annotations

import pytest

from mgir._errors import InvalidInputError
from mgir.units import Quantity, analyte, convert, normalise_unit, parse_quantity, to_canonical


@pytest.mark.parametrize(
    ("name", "value", "from_unit", "to_unit", "expected", "rel"),
    [
        # Rosanoff 2022 states 0.85 mmol/L = 2.07 mg/dL (2 decimals) = 1.7 mEq/L.
        ("serum_magnesium", 0.85, "mmol/L", "mg/dL", 2.07, 0.005 / 2.07),
        ("serum_magnesium", 0.85, "mmol/L", "mEq/L", 1.7, 1e-12),
        # 1 mmol/L = 24.305 mg/L = 2.4305 mg/dL (Mg 24.305 g/mol).
        ("serum_magnesium", 1.0, "mmol/L", "mg/dL", 2.4305, 1e-12),
        # Glucose 180.156 g/mol: 1 mmol/L = 18.0156 mg/dL; 126 mg/dL ~ 7.0 mmol/L.
        ("fasting_glucose", 1.0, "mmol/L", "mg/dL", 18.0156, 1e-12),
        ("fasting_glucose", 126, "mg/dL", "mmol/L", 6.994, 1e-3),
        # Insulin: 1 µIU/mL = 6.00 pmol/L by default.
        ("fasting_insulin", 10, "µIU/mL", "pmol/L", 60.0, 1e-12),
        ("fasting_insulin", 10, "mIU/L", "µIU/mL", 10.0, 1e-12),
        # Creatinine 113.12 g/mol: 1 mg/dL = 10 mg/L / 113.12 g/mol = 88.40 µmol/L.
        ("creatinine", 1.0, "mg/dL", "µmol/L", 10_000 / 113.12, 1e-12),
        # Triglyceride convention 88.57 mg/dL per mmol/L.
        ("triglycerides", 1.0, "mmol/L", "mg/dL", 88.57, 1e-12),
        # Testosterone 288.43 g/mol: 1 nmol/L = 28.84 ng/dL.
        ("total_testosterone", 1.0, "nmol/L", "ng/dL", 28.843, 1e-4),
        # IFCC-NGSP master equation: 48 mmol/mol -> 0.09148*48 + 2.152 = 6.543 %.
        ("hba1c", 48, "mmol/mol", "%", 6.54304, 1e-9),
        ("hba1c", 6.5, "%", "mmol/mol", (6.5 - 2.152) / 0.09148, 1e-9),
        # Calcium 40.078 g/mol, divalent: 2.5 mmol/L = 10.02 mg/dL = 5 mEq/L.
        ("calcium", 2.5, "mmol/L", "mg/dL", 10.0195, 1e-4),
        ("calcium", 2.5, "mmol/L", "mEq/L", 5.0, 1e-12),
        ("potassium", 4.0, "mEq/L", "mmol/L", 4.0, 1e-12),
    ],
)
def test_published_conversions(name, value, from_unit, to_unit, expected, rel):
    assert convert(analyte(name), value, from_unit, to_unit) == pytest.approx(expected, rel=rel)


def test_insulin_who_factor_is_selectable():
    item = analyte("fasting_insulin")
    assert convert(item, 69.45, "pmol/L", "µIU/mL", insulin_pmol_per_uiu=6.945) == pytest.approx(10)
    assert convert(item, 69.45, "pmol/L", "µIU/mL") == pytest.approx(11.575)


@pytest.mark.parametrize(
    "spelling", ["uU/mL", "µIU/mL", "μIU/mL", "uIU/ml", "mIU/L", "mU/L", "µU/mL"]
)
def test_insulin_spellings_people_type(spelling):
    assert normalise_unit(analyte("fasting_insulin"), spelling) in ("µIU/mL", "mIU/L")
    assert convert(analyte("fasting_insulin"), 7, spelling, "µIU/mL") == pytest.approx(7)


def test_lowercase_deciliter_is_accepted():
    assert normalise_unit(analyte("fasting_glucose"), "mg/dl") == "mg/dL"


def test_loinc_codes_resolve_to_analytes():
    assert analyte("1558-6").name == "fasting_glucose"
    assert analyte("2601-3").name == "serum_magnesium"
    assert analyte("27873-9").name == "fasting_insulin"


@pytest.mark.parametrize(
    ("name", "unit", "fragment"),
    [
        ("fasting_glucose", "mg", "one of mmol/L, mg/dL"),
        ("serum_magnesium", "ng/dL", "one of mmol/L, mg/dL, mEq/L"),
        ("fasting_insulin", "mg/dL", "one of µIU/mL, mIU/L, pmol/L"),
        ("cystatin_c", "mmol/L", "one of mg/L"),
    ],
)
def test_wrong_unit_for_analyte_names_accepted_units(name, unit, fragment):
    with pytest.raises(InvalidInputError) as info:
        to_canonical(analyte(name), 1.0, unit)
    assert fragment in str(info.value)
    assert info.value.field.endswith(".unit")


def test_missing_unit_is_an_error():
    with pytest.raises(InvalidInputError, match="a unit is required"):
        to_canonical(analyte("fasting_glucose"), 5.0, None)


def test_unit_slip_is_rejected_with_bounds_in_given_unit():
    # 104 typed with mmol/L instead of mg/dL: impossible, and the message shows the bounds.
    with pytest.raises(InvalidInputError) as info:
        to_canonical(analyte("fasting_glucose"), 104, "mmol/L")
    assert info.value.value == 104 and info.value.unit == "mmol/L"
    assert "0.5 to 60 mmol/L" in str(info.value)


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), -1.0, 0.0, True, "5"])
def test_non_finite_negative_or_non_numeric_values_are_rejected(bad):
    with pytest.raises(InvalidInputError):
        to_canonical(analyte("serum_magnesium"), bad, "mmol/L")


def test_unknown_lab_lists_the_names():
    with pytest.raises(InvalidInputError) as info:
        analyte("vitamin_q")
    assert "fasting_glucose" in info.value.allowed


def test_parse_quantity_checks_dimension():
    assert parse_quantity(400, "mg/day", field="dose", like="mg/day").to("g/day").magnitude == 0.4
    with pytest.raises(InvalidInputError, match="dose"):
        parse_quantity(400, "mg", field="dose", like="mg/day")
    with pytest.raises(InvalidInputError):
        parse_quantity(400, "furlongs per fortnight?", field="dose", like="mg/day")


def test_quantity_registry_is_shared():
    assert Quantity(1, "mg/dL").to("mg/L").magnitude == pytest.approx(10)
