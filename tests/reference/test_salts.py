"""Magnesium salts: formula arithmetic against the published table, aliases, conversions.

Golden values: reference-facts.md D.1, which lists molar masses and % Mg derived from standard
atomic weights and cross-checked against Molecules 2020;25(14):3172 Table 3 and Molecules
2021;26(9):2419 Table 1 (oxide 40.30 g/mol, 60.3 %; citrate 1:1 214.41, 11.3 %; chloride 95.21,
25.5 %; sulfate 120.37, 20.1 %; orotate 334.48, 7.2 %; taurate 272.57, 8.9 %; aspartate 288.49,
8.5 %; threonate 294.50, 8.3 %; malate 156.37, 15.5 %; bisglycinate 172.42, 14.1 %; hydroxide
58.32, 41.7 %; carbonate 84.31, 28.8 %).
"""

from __future__ import annotations

import pytest

from mgir._errors import InvalidInputError
from mgir.reference._salts import (
    elemental_to_salt,
    mg_to_mmol,
    mmol_to_mg,
    resolve_salt,
    salt,
    salt_to_elemental,
    salts,
)
from mgir.units import element_counts, molar_mass_g_per_mol, ureg

# salt_id: (molar mass g/mol, % Mg w/w) from reference-facts.md D.1 (2-decimal table).
D1 = {
    "oxide": (40.30, 60.30),
    "hydroxide": (58.32, 41.68),
    "carbonate": (84.31, 28.83),
    "chloride_anhydrous": (95.21, 25.53),
    "chloride_hexahydrate": (203.30, 11.96),
    "sulfate_anhydrous": (120.36, 20.19),
    "sulfate_heptahydrate": (246.47, 9.86),
    "citrate_trimagnesium_anhydrous": (451.11, 16.16),
    "citrate_trimagnesium_nonahydrate": (613.25, 11.89),
    "citrate_hydrogen": (214.41, 11.34),
    "bisglycinate": (172.42, 14.10),
    "threonate": (294.50, 8.25),
    "taurate": (272.57, 8.92),
    "malate": (156.38, 15.54),
    "lactate_anhydrous": (202.44, 12.01),
    "lactate_dihydrate": (238.48, 10.19),
    "aspartate_anhydrous": (288.50, 8.42),
    "aspartate_dihydrate": (324.53, 7.49),
    "aspartate_tetrahydrate": (360.56, 6.74),
    "gluconate_anhydrous": (414.60, 5.86),
    "gluconate_dihydrate": (450.63, 5.39),
    "orotate_anhydrous": (334.48, 7.27),
    "orotate_dihydrate": (370.51, 6.56),
    "pidolate": (280.52, 8.66),
}
# Independently published (Molecules 2020/2021) % Mg, one decimal; aspartate differs (8.5 vs 8.42).
PUBLISHED_PERCENT = {
    "oxide": 60.3,
    "citrate_hydrogen": 11.3,
    "chloride_anhydrous": 25.5,
    "sulfate_anhydrous": 20.1,
    "orotate_anhydrous": 7.2,
    "taurate": 8.9,
    "threonate": 8.3,
    "malate": 15.5,
    "bisglycinate": 14.1,
    "hydroxide": 41.7,
    "carbonate": 28.8,
}


def test_every_salt_is_in_the_golden_table() -> None:
    assert set(salts()) == set(D1)


@pytest.mark.parametrize(("salt_id", "expected"), sorted(D1.items()))
def test_molar_mass_and_fraction_match_d1(salt_id: str, expected: tuple[float, float]) -> None:
    item = salts()[salt_id]
    assert item.molar_mass_g_per_mol == pytest.approx(expected[0], abs=0.006)
    assert 100 * item.mg_fraction == pytest.approx(expected[1], abs=0.006)


@pytest.mark.parametrize(("salt_id", "percent"), sorted(PUBLISHED_PERCENT.items()))
def test_fraction_matches_published_percent(salt_id: str, percent: float) -> None:
    # The published table has one decimal (truncated for orotate 7.27 -> 7.2): allow 0.1.
    assert 100 * salts()[salt_id].mg_fraction == pytest.approx(percent, abs=0.1)


def test_trimagnesium_dicitrate_has_three_mg_atoms() -> None:
    assert salts()["citrate_trimagnesium_anhydrous"].mg_atoms == 3
    assert dict(element_counts("Mg3(C6H5O7)2·9H2O")) == {"Mg": 3, "C": 12, "H": 28, "O": 23}


def test_formula_parser_rejects_garbage() -> None:
    for bad in ("Mg(OH", "MgXx2", "Mg)2", "2", "Mg··H2O"):
        with pytest.raises(InvalidInputError):
            molar_mass_g_per_mol(bad)


def test_trial_label_cross_checks() -> None:
    # Cochrane cramps table: 1830 mg trimagnesium dicitrate powder = 300 mg Mg (anhydrous 16.16 %).
    citrate = salt("trimagnesium dicitrate")
    assert salt_to_elemental(ureg.Quantity(1830, "mg"), citrate).m == pytest.approx(300, abs=5)
    # calibration.md A.1a: 2.5 g MgCl2 = 638 mg Mg anhydrous, 299 mg hexahydrate.
    assert salt_to_elemental(ureg.Quantity(2.5, "g"), salt("MgCl2")).m == pytest.approx(638, abs=1)
    hexa = salt("MgCl2·6H2O")
    assert salt_to_elemental(ureg.Quantity(2.5, "g"), hexa).m == pytest.approx(299, abs=1)
    # reference-facts C.3: 15 mmol = 360 mg (Song 2006), 20.7 mmol = 503 mg.
    assert mmol_to_mg(ureg.Quantity(15, "mmol")).m == pytest.approx(364.6, abs=0.1)
    assert mmol_to_mg(ureg.Quantity(20.7, "mmol")).m == pytest.approx(503, abs=0.5)
    # D.1: mg salt per 100 mg Mg: oxide 166, Epsom salt 1014.
    assert elemental_to_salt(ureg.Quantity(100, "mg"), salt("MgO")).m == pytest.approx(166, abs=0.5)
    epsom = salt("Epsom salt")
    assert elemental_to_salt(ureg.Quantity(100, "mg"), epsom).m == pytest.approx(1014, abs=0.5)


@pytest.mark.parametrize(
    ("name", "salt_id", "assumed"),
    [
        ("Epsom salt", "sulfate_heptahydrate", False),
        ("magnesium glycinate", "bisglycinate", False),
        ("Glycinate", "bisglycinate", False),
        ("trimagnesium dicitrate", "citrate_trimagnesium_anhydrous", False),
        ("magnesium citrate", "citrate_trimagnesium_anhydrous", True),
        ("magnesium chloride", "chloride_hexahydrate", True),
        ("MgO", "oxide", False),
        ("milk of magnesia", "hydroxide", False),
        ("magnesium sulphate", "sulfate_heptahydrate", True),
    ],
)
def test_aliases(name: str, salt_id: str, assumed: bool) -> None:
    match = resolve_salt(name)
    assert match.salt.salt_id == salt_id
    assert match.assumed is assumed


def test_unknown_salt_lists_known_names() -> None:
    with pytest.raises(InvalidInputError) as info:
        resolve_salt("magnesium unobtanium")
    assert "magnesium oxide" in str(info.value)


def test_aliases_are_unique_across_salts() -> None:
    seen: dict[str, str] = {}
    for item in salts().values():
        for name in (item.name, *item.aliases, *item.assumed_aliases):
            key = name.lower()
            assert seen.setdefault(key, item.salt_id) == item.salt_id, name


def test_classes_are_from_the_documented_vocabulary() -> None:
    for item in salts().values():
        assert item.bioavailability_class in ("higher", "lower", "uncertain")
        assert item.laxative_effect in ("low", "moderate", "high", "uncertain")
        if item.evidence != "verified":
            assert item.evidence in ("derived", "unverified", "low_quality")


def test_oxide_is_never_preferred_for_repletion() -> None:
    assert salts()["oxide"].preference_rank is None
    ranked = [s for s in salts().values() if s.preference_rank is not None]
    assert all(s.bioavailability_class == "higher" for s in ranked)


def test_conversions_reject_wrong_dimensions() -> None:
    with pytest.raises(InvalidInputError):
        salt_to_elemental(ureg.Quantity(1, "mL"), salt("MgO"))
    with pytest.raises(InvalidInputError):
        mmol_to_mg(ureg.Quantity(1, "mg"))
    with pytest.raises(InvalidInputError):
        mg_to_mmol(ureg.Quantity(-1, "mg"))
