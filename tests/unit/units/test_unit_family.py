"""Unit families: what distinguishes one LOINC code of a lab from another."""

from __future__ import annotations

import pytest

from mgir.units import analyte, unit_family


@pytest.mark.parametrize(
    ("lab", "same", "different"),
    [
        ("creatinine", ("µmol/L", "mmol/L", "umol/L"), ("mg/dL",)),
        ("serum_magnesium", ("mmol/L", "mEq/L", "meq/L"), ("mg/dL",)),
        ("potassium", ("mmol/L", "mEq/L"), ()),
        ("fasting_insulin", ("µIU/mL", "mIU/L", "u[IU]/mL"), ("pmol/L",)),
        ("hba1c", ("%",), ("mmol/mol",)),
    ],
)
def test_families(lab, same, different):
    item = analyte(lab)
    families = {unit_family(item, unit) for unit in same}
    assert len(families) == 1
    for unit in different:
        assert unit_family(item, unit) not in families


def test_every_loinc_code_has_a_family_of_its_own_within_its_lab():
    # Two codes of one lab in one family would make the code a lab gets ambiguous; HbA1c's
    # NGSP codes 4548-4 and 17856-6 (both %) are the known exception (methods differ, not units).
    for name in ("fasting_glucose", "serum_magnesium", "creatinine", "calcium", "triglycerides"):
        item = analyte(name)
        families = [unit_family(item, unit) for unit in item.loinc.values()]
        assert len(set(families)) == len(families), name


@pytest.mark.parametrize(
    ("code", "unit", "value", "warned"),
    [
        ("14682-9", "mmol/L", 0.09, False),  # molar code, another molar unit
        ("2601-3", "mEq/L", 1.6, False),
        ("2601-3", "mg/dL", 2.0, True),  # molar code, mass unit
        ("19123-9", "mmol/L", 0.8, True),
    ],
)
def test_a_person_file_warns_only_when_the_code_and_unit_families_differ(code, unit, value, warned):
    from mgir.assessment import parse_person

    person = parse_person(
        {
            "spec_version": 1,
            "person": {"age_years": 50, "sex": "male"},
            "labs": [{"name": code, "value": value, "unit": unit}],
        }
    )
    assert bool(person.warnings) is warned
