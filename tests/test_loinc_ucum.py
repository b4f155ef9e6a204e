"""LOINC codes of every analyte and UCUM unit codes on input and output.

Expected values are computed here from the constants in ``analytes.toml`` (read directly, not
through mgir) and the standard atomic weights, never by calling the conversion under test.
"""

from __future__ import annotations

import re
import tomllib
from importlib import resources

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mgir._errors import InvalidInputError
from mgir.units import analyte, analyte_names, convert, normalise_unit, to_canonical, ucum

TABLE = tomllib.loads(
    resources.files("mgir.units").joinpath("analytes.toml").read_text(encoding="utf-8")
)

# IUPAC/CIAAW standard atomic weights (the values sources.toml cites under ciaaw_atomic_weights).
ATOMIC_WEIGHT = {"C": 12.011, "H": 1.008, "N": 14.007, "O": 15.999, "Mg": 24.305, "Ca": 40.078}


def molar_mass(name: str) -> float:
    """g/mol from the toml: the stated molar mass, or the formula summed by hand."""
    spec = TABLE[name]
    if "molar_mass_g_per_mol" in spec:
        return float(spec["molar_mass_g_per_mol"])
    return sum(
        ATOMIC_WEIGHT[element] * int(count or 1)
        for element, count in re.findall(r"([A-Z][a-z]?)(\d*)", spec["formula"])
    )


def loinc_check_digit_ok(code: str) -> bool:
    """LOINC's mod-10 (Luhn) check digit: the digit after the hyphen."""
    body, check = code.split("-")
    total = 0
    for position, char in enumerate(reversed(body)):
        digit = int(char) * (2 if position % 2 == 0 else 1)
        total += digit // 10 + digit % 10
    return (10 - total % 10) % 10 == int(check)


ALL_CODES = [
    (name, code, unit) for name in analyte_names() for code, unit in analyte(name).loinc.items()
]
ALL_UNITS = [(name, unit) for name in analyte_names() for unit in analyte(name).accepted_units]

# mgir display spelling -> UCUM code, as https://ucum.org writes them.
UCUM = {
    "µIU/mL": "u[IU]/mL",
    "mIU/L": "m[IU]/L",
    "µmol/L": "umol/L",
    "mEq/L": "meq/L",
    "mmol/L": "mmol/L",
    "mg/dL": "mg/dL",
    "ng/dL": "ng/dL",
    "ng/mL": "ng/mL",
    "mg/L": "mg/L",
    "nmol/L": "nmol/L",
    "pmol/L": "pmol/L",
    "%": "%",
    "mmol/mol": "mmol/mol",
}


# --- LOINC --------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", analyte_names())
def test_every_analyte_has_a_loinc_code(name):
    assert len(analyte(name).loinc) >= 1, name
    assert TABLE[name]["loinc_source"] == "loinc"


@pytest.mark.parametrize(("name", "code", "unit"), ALL_CODES)
def test_each_code_implies_an_accepted_unit(name, code, unit):
    assert unit in analyte(name).accepted_units, (name, code, unit)


@pytest.mark.parametrize(("name", "code", "unit"), ALL_CODES)
def test_each_code_finds_its_analyte(name, code, unit):
    assert analyte(code).name == name


@pytest.mark.parametrize(("name", "code", "unit"), ALL_CODES)
def test_each_code_is_well_formed_with_a_valid_check_digit(name, code, unit):
    # The check digit catches a mistyped code (29900-7, once given for RBC magnesium, fails it).
    assert re.fullmatch(r"[1-9]\d{0,6}-\d", code), code
    assert loinc_check_digit_ok(code), code


def test_check_digit_helper_against_published_codes():
    assert loinc_check_digit_ok("2160-0") and loinc_check_digit_ok("14682-9")
    assert not loinc_check_digit_ok("29900-7") and not loinc_check_digit_ok("2160-1")


def test_no_code_belongs_to_two_analytes():
    codes = [code for _, code, _ in ALL_CODES]
    assert len(codes) == len(set(codes))


def test_mass_and_molar_codes_of_one_analyte_imply_different_units():
    # Two codes on one analyte are the mass and the molar variant (HbA1c's two % codes aside).
    for name in analyte_names():
        units = list(analyte(name).loinc.values())
        if name != "hba1c":
            assert len(units) == len(set(units)), name


@pytest.mark.parametrize(
    ("code", "name", "unit"),
    [  # the codes verified for this table (see the loinc entry of sources.toml)
        ("2571-8", "triglycerides", "mg/dL"),
        ("14927-8", "triglycerides", "mmol/L"),
        ("2600-5", "ionized_magnesium", "mmol/L"),
        ("26746-8", "rbc_magnesium", "mg/dL"),
        ("2597-3", "rbc_magnesium", "mmol/L"),
        ("19124-7", "urine_magnesium", "mg/dL"),
        ("2598-1", "urine_magnesium", "mmol/L"),
        ("2161-8", "urine_creatinine", "mg/dL"),
        ("14683-7", "urine_creatinine", "mmol/L"),
        ("2160-0", "creatinine", "mg/dL"),
        ("14682-9", "creatinine", "µmol/L"),
        ("33863-2", "cystatin_c", "mg/L"),
        ("2823-3", "potassium", "mmol/L"),
        ("17861-6", "calcium", "mg/dL"),
        ("2000-8", "calcium", "mmol/L"),
        ("2986-8", "total_testosterone", "ng/dL"),
        ("14913-8", "total_testosterone", "nmol/L"),
        ("13967-5", "shbg", "nmol/L"),
    ],
)
def test_new_codes(code, name, unit):
    item = analyte(code)
    assert item.name == name
    assert item.loinc[code] == unit


def test_a_mistyped_code_is_not_found():
    with pytest.raises(InvalidInputError) as info:
        analyte("29900-7")
    assert info.value.value == "29900-7"


# --- UCUM ---------------------------------------------------------------------------------------


def test_ucum_covers_every_accepted_unit():
    assert {unit for _, unit in ALL_UNITS} <= set(UCUM)


@pytest.mark.parametrize(("display", "code"), sorted(UCUM.items()))
def test_ucum_spelling_of_each_unit(display, code):
    assert ucum(display) == code


@pytest.mark.parametrize(
    ("spelling", "code"),
    [("uU/mL", "u[IU]/mL"), ("μIU/mL", "u[IU]/mL"), ("mU/L", "m[IU]/L"), ("mg/dl", "mg/dL")],
)
def test_ucum_of_other_spellings_people_type(spelling, code):
    assert ucum(spelling) == code


def _canonical_per_unit(name: str, unit: str) -> float:
    """How many canonical units one `unit` is, from the toml constants alone."""
    spec = TABLE[name]
    canonical = spec["canonical_unit"]
    per_litre = {  # the unit in base amount (mol, g, Eq or µIU) per litre
        "mmol/L": ("mol", 1e-3),
        "µmol/L": ("mol", 1e-6),
        "nmol/L": ("mol", 1e-9),
        "pmol/L": ("mol", 1e-12),
        "mEq/L": ("Eq", 1e-3),
        "mg/dL": ("g", 1e-2),
        "mg/L": ("g", 1e-3),
        "ng/mL": ("g", 1e-6),
        "ng/dL": ("g", 1e-8),
        "µIU/mL": ("IU", 1.0),  # in µIU/mL
        "mIU/L": ("IU", 1.0),
    }

    def in_mol(u: str) -> float:
        kind, size = per_litre[u]
        if kind == "g":
            return size / molar_mass(name)
        if kind == "Eq":
            return size / int(spec["valence"])
        if kind == "IU":  # µIU/mL -> pmol/L with the default factor, then mol/L
            return size * float(spec["pmol_per_uiu"][0]) * 1e-12
        return size

    (kind, size), (canonical_kind, canonical_size) = per_litre[unit], per_litre[canonical]
    if kind == canonical_kind:  # same kind of quantity: no molar mass or valence needed
        return size / canonical_size
    return in_mol(unit) / in_mol(canonical)


@pytest.mark.parametrize(
    ("name", "value", "code", "expected"),
    [
        # Insulin: 10 u[IU]/mL is 10 µIU/mL; 10 m[IU]/L is the same activity.
        ("fasting_insulin", 10.0, "u[IU]/mL", 10.0),
        ("fasting_insulin", 10.0, "m[IU]/L", 10.0),
        ("fasting_insulin", 60.0, "pmol/L", 60.0 / TABLE["fasting_insulin"]["pmol_per_uiu"][0]),
        # Creatinine 88.4 umol/L ~ 1.0 mg/dL (113.12 g/mol).
        ("creatinine", 88.4, "umol/L", 88.4e-6 * molar_mass("creatinine") * 100),
        ("urine_creatinine", 8840.0, "umol/L", 8.84),
        ("urine_creatinine", 100.0, "mg/dL", 1000.0 / molar_mass("urine_creatinine")),
        # Divalent Mg: 1.7 meq/L = 0.85 mmol/L; monovalent K: meq/L = mmol/L.
        ("serum_magnesium", 1.7, "meq/L", 1.7 / TABLE["serum_magnesium"]["valence"]),
        ("serum_magnesium", 1.7, "mEq/L", 0.85),
        ("potassium", 4.2, "meq/L", 4.2),
        ("calcium", 10.0, "mg/dL", 100.0 / molar_mass("calcium")),
        ("triglycerides", 150.0, "mg/dL", 1500.0 / molar_mass("triglycerides")),
        ("total_testosterone", 288.4, "ng/dL", 2884.0 / molar_mass("total_testosterone")),
        ("c_peptide", 1.0, "ng/mL", 1000.0 / molar_mass("c_peptide")),
        ("c_peptide", 300.0, "pmol/L", 0.3),
        ("cystatin_c", 0.9, "mg/L", 0.9),
        ("shbg", 40.0, "nmol/L", 40.0),
        ("fasting_glucose", 5.5, "mmol/L", 5.5),
        ("hba1c", 6.5, "%", 6.5),
        ("hba1c", 48.0, "mmol/mol", 0.09148 * 48.0 + 2.152),  # IFCC-NGSP master equation
    ],
)
def test_value_in_ucum_converts_like_the_mgir_spelling(name, value, code, expected):
    item = analyte(name)
    display = {c.lower(): d for d, c in UCUM.items()}[code.lower()]
    assert normalise_unit(item, code) == display
    got = to_canonical(item, value, code)
    assert got == pytest.approx(expected, rel=1e-9)
    assert got == to_canonical(item, value, display)


@pytest.mark.parametrize(("name", "unit"), [(n, u) for n, u in ALL_UNITS if u != "mmol/mol"])
def test_one_unit_in_ucum_is_the_toml_factor(name, unit):
    item = analyte(name)
    if name == "hba1c":  # % is the canonical scale itself
        assert convert(item, 1.0, ucum(unit), item.canonical_unit) == pytest.approx(1.0)
        return
    expected = _canonical_per_unit(name, unit)
    assert convert(item, 1.0, ucum(unit), item.canonical_unit) == pytest.approx(expected, rel=1e-9)


@given(
    st.sampled_from(ALL_UNITS),
    st.floats(min_value=0.01, max_value=0.99),
    st.sampled_from([str.lower, str.upper, str]),
)
def test_ucum_round_trips_for_every_accepted_unit(case, fraction, case_fold):
    name, unit = case
    item = analyte(name)
    code = ucum(unit)
    assert ucum(code) == code  # idempotent
    assert normalise_unit(item, code) == unit  # the parser reads it back
    assert normalise_unit(item, case_fold(f" {code} ")) == unit  # UCUM's case-insensitive form too
    low, high = item.bounds_canonical
    canonical = low + fraction * (high - low)
    given_value = convert(item, canonical, item.canonical_unit, unit)
    assert to_canonical(item, given_value, code) == pytest.approx(canonical, rel=1e-9, abs=1e-12)


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("fasting_insulin", "[IU]/L"),  # 1000x µIU/mL: a different unit, refused, not rescaled
        ("creatinine", "umol/dL"),
        ("serum_magnesium", "meq/dL"),
        ("potassium", "mol/L"),
        ("fasting_glucose", "mg/d"),
        ("hba1c", "[pH]"),
    ],
)
def test_unknown_ucum_is_refused_naming_the_unit(name, code):
    with pytest.raises(InvalidInputError) as info:
        to_canonical(analyte(name), 1.0, code)
    assert info.value.value == code
    assert code in str(info.value)
    assert info.value.field.endswith(".unit")


@pytest.mark.parametrize("code", ["[ft_i]", "furlong/L", "umol/dL", "10*3/uL"])
def test_ucum_of_a_unit_mgir_does_not_know_is_refused_naming_it(code):
    with pytest.raises(InvalidInputError) as info:
        ucum(code)
    assert info.value.value == code
    assert code in str(info.value)
