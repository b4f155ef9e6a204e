"""Interaction and contraindication data against reference-facts.md section E.

Each expected timing below is the rule as read in E.1/E.2 (drug relative to magnesium):
dolutegravir 2 h before / 6 h after (DHHS INSTI table); Juluca 4 / 6; bictegravir 2 / 6;
ciprofloxacin 2 / 6 (Clin Pharmacol Ther 1989); levothyroxine 4 h apart (Synthroid label);
tetracyclines 2-3 h (upper end 3); bisphosphonates, eltrombopag (EU), penicillamine 3-4 h (upper
end 4); gabapentin 2 h after Mg; raltegravir: avoid (label).
"""

from __future__ import annotations

import pytest

from mgir.reference import (
    check_medications,
    contraindications,
    find_interactions,
    interactions,
    source,
)

TIMING = {
    "dolutegravir": (2.0, 6.0),
    "Juluca": (4.0, 6.0),
    "Biktarvy": (2.0, 6.0),
    "elvitegravir": (2.0, 2.0),
    "ciprofloxacin": (2.0, 6.0),
    "levofloxacin": (2.0, 6.0),
    "levothyroxine": (4.0, 4.0),
    "doxycycline": (3.0, 3.0),
    "tetracycline": (3.0, 3.0),
    "minocycline": (3.0, 3.0),
    "alendronate": (4.0, 4.0),
    "risedronate": (4.0, 4.0),
    "eltrombopag": (4.0, 4.0),
    "penicillamine": (4.0, 4.0),
    "gabapentin": (2.0, 2.0),
    "digoxin": (3.0, 3.0),
}


@pytest.mark.parametrize(("drug", "timing"), sorted(TIMING.items()))
def test_timing_rules(drug: str, timing: tuple[float, float]) -> None:
    rules = [r for r in find_interactions(drug) if r.severity == "separate"]
    assert len(rules) == 1
    assert (rules[0].drug_before_mg_h, rules[0].drug_after_mg_h) == timing


def test_raltegravir_is_avoid() -> None:
    (rule,) = find_interactions("raltegravir")
    assert rule.severity == "avoid"
    assert rule.drug_before_mg_h is None


@pytest.mark.parametrize(
    ("drug", "mechanism", "severity"),
    [
        ("furosemide", "renal_wasting", "monitor"),
        ("hydrochlorothiazide", "renal_wasting", "monitor"),
        ("omeprazole", "mg_absorption_loss", "monitor"),
        ("pantoprazole", "mg_absorption_loss", "monitor"),
        ("cisplatin", "renal_wasting", "monitor"),
        ("ciclosporin", "renal_wasting", "monitor"),
        ("tacrolimus", "renal_wasting", "monitor"),
        ("amphotericin B", "renal_wasting", "monitor"),
        ("gentamicin", "renal_wasting", "monitor"),
        ("cetuximab", "renal_wasting", "monitor"),
        ("spironolactone", "retention", "caution"),
        ("amiloride", "retention", "caution"),
        ("nifedipine", "additive", "caution"),
        ("rocuronium", "additive", "caution"),
        ("glipizide", "absorption_increase", "caution"),
    ],
)
def test_non_timing_rules(drug: str, mechanism: str, severity: str) -> None:
    rules = find_interactions(drug)
    assert any(r.mechanism == mechanism and r.severity == severity for r in rules)


@pytest.mark.parametrize(
    ("name", "drug"),
    [
        ("Tivicay", "dolutegravir"),
        ("Synthroid", "levothyroxine"),
        ("Fosamax", "alendronate"),
        ("Lasix", "furosemide"),
        ("levothyroxine sodium 100 mcg", "levothyroxine"),
        ("CIPROFLOXACIN", "ciprofloxacin"),
    ],
)
def test_synonyms_brands_and_classes(name: str, drug: str) -> None:
    assert find_interactions(name)[0].drug == drug


def test_unknown_medicine_is_not_checked() -> None:
    check = check_medications(["atorvastatin", "levothyroxine", "unobtainium"])
    assert check.not_checked == ("atorvastatin", "unobtainium")
    assert set(check.matches) == {"levothyroxine"}


def test_metformin_is_known_as_an_association_without_a_modelled_effect() -> None:
    from mgir.model import fit_person

    (rule,) = find_interactions("Glucophage")
    assert (rule.drug, rule.mechanism, rule.severity) == ("metformin", "association", "caution")
    assert check_medications(["metformin"]).not_checked == ()
    # Not a Mg-losing mechanism: nothing multiplies the model, and it is not reported as a
    # known loss the model leaves out.
    fit = fit_person(serum_mg_mmol_per_l=0.75, medicines=["metformin"])
    assert fit.medicines == () and fit.medicines_not_modelled == ()


def test_rows_are_consistent() -> None:
    for rule in interactions():
        timed = rule.drug_before_mg_h is not None and rule.drug_after_mg_h is not None
        assert timed == (rule.severity == "separate"), rule.interaction_id
        assert rule.evidence in ("verified", "derived", "unverified", "low_quality")
        assert rule.mechanism in (
            "chelation",
            "absorption",
            "absorption_increase",
            "mg_absorption_loss",
            "renal_wasting",
            "retention",
            "additive",
            "association",
        )
        for key in rule.source_key.split(";"):
            assert source(key).citation


def test_low_quality_sources_are_flagged_in_the_rows() -> None:
    # A row that rests only on low-quality sources must not claim "verified".
    for rule in interactions():
        qualities = {source(k).quality for k in rule.source_key.split(";")}
        if qualities == {"low_quality"}:
            assert rule.evidence == "low_quality", rule.interaction_id


@pytest.mark.parametrize(
    ("code", "severity"),
    [
        ("renal_contraindication", "block"),
        ("renal_caution", "caution"),
        ("heart_block", "block"),
        ("myasthenia_gravis", "block"),
        ("bowel_obstruction", "block"),
        ("chronic_diarrhoea", "caution"),
        ("pregnancy", "caution"),
        ("child_formulation", "caution"),
        ("no_ul_infant", "block"),
        ("hypermagnesaemia", "block"),
        ("diarrhoea_risk", "caution"),
    ],
)
def test_contraindication_codes(code: str, severity: str) -> None:
    rules = [r for r in contraindications() if r.code == code]
    assert rules
    assert all(r.severity == severity for r in rules)


def test_renal_thresholds() -> None:
    by_id = {r.rule_id: r for r in contraindications()}
    assert (by_id["egfr_below_30"].egfr_lower, by_id["egfr_below_30"].egfr_upper) == (None, 30.0)
    assert (by_id["egfr_30_60"].egfr_lower, by_id["egfr_30_60"].egfr_upper) == (30.0, 60.0)
    assert by_id["dose_above_eu_ul"].dose_above_mg_per_day == 250.0


def test_a_class_name_takes_the_strictest_rule_of_its_class() -> None:
    # Integrase inhibitors: dolutegravir/bictegravir/elvitegravir separate, raltegravir avoid.
    (rule,) = find_interactions("integrase inhibitor")
    assert rule.severity == "avoid"
    assert "raltegravir" in rule.action
    # Fluoroquinolones all separate: the longest interval before and after over the members.
    (quinolone,) = find_interactions("fluoroquinolone")
    members = [r for r in interactions() if r.drug_class == "fluoroquinolone"]
    assert quinolone.severity == "separate"
    assert quinolone.drug_before_mg_h == max(r.drug_before_mg_h or 0 for r in members)
    assert quinolone.drug_after_mg_h == max(r.drug_after_mg_h or 0 for r in members)
    (ppi,) = find_interactions("proton-pump inhibitor")
    assert ppi.mechanism == "mg_absorption_loss"
    assert ppi.severity == "monitor"


@pytest.mark.parametrize(
    ("medication", "checked", "not_checked"),
    [
        ("amlodipine/olmesartan", {"amlodipine"}, ["olmesartan (in amlodipine/olmesartan)"]),
        (
            "losartan + hydrochlorothiazide",
            {"hydrochlorothiazide"},
            ["losartan (in losartan + hydrochlorothiazide)"],
        ),
        ("mineral oil", set(), ["mineral oil"]),
        ("dolutegravir/rilpivirine", {"dolutegravir/rilpivirine"}, []),
        ("levothyroxine sodium 100 mcg", {"levothyroxine"}, []),
    ],
)
def test_every_component_of_a_combination_is_checked_or_named(
    medication: str, checked: set[str], not_checked: list[str]
) -> None:
    result = check_medications([medication])
    found = {r.drug for rules in result.matches.values() for r in rules}
    assert found == checked
    assert list(result.not_checked) == not_checked
