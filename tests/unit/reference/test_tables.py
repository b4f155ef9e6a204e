"""Every packaged table loads, every unit parses, every value is in range, every source resolves."""

from __future__ import annotations

import itertools
import tomllib
from importlib import resources

import pytest

from mgir.reference import (
    EVIDENCE_LEVELS,
    index_cutoff,
    index_cutoffs,
    load_table,
    magnesium_dri,
    serum_magnesium_bands,
    source,
    sources,
    table_names,
)
from mgir.units import analyte, analyte_names, ureg


@pytest.mark.parametrize("name", table_names())
def test_table_is_valid(name):
    table = load_table(name)  # the loader validates types, ranges and source keys
    assert table.rows, f"{name} is empty"
    assert table.license
    for column in table.columns.values():
        if column.unit is not None:
            ureg.parse_units(column.unit)
        if column.range is not None:
            for value in table.column(column.name):
                assert value is None or column.range[0] <= value <= column.range[1]
    for row in table.rows:
        for key in str(row["source_key"]).split(";"):
            assert source(key).citation
        if "evidence" in row:
            assert row["evidence"] in EVIDENCE_LEVELS


def test_marker_units_parse():
    for unit in load_table("magnesium_markers").column("unit"):
        ureg.parse_units(unit)


def test_analyte_constants_cite_resolving_sources():
    for name in analyte_names():
        for key in analyte(name).source_keys:
            assert source(key)


def test_sources_registry_entries_are_complete():
    for entry in sources().values():
        assert entry.citation and entry.quality
    text = resources.files("mgir.reference").joinpath("data/sources.toml").read_text("utf-8")
    assert set(tomllib.loads(text)) == set(sources())


@pytest.mark.parametrize(
    ("age", "sex", "pregnant", "lactating", "rda", "ear", "ul"),
    [  # IOM 1997 (reference-facts.md C.1)
        (0.3, "male", False, False, 30, None, None),
        (2, "female", False, False, 80, 65, 65),
        (6, "male", False, False, 130, 110, 110),
        (12, "female", False, False, 240, 200, 350),
        (16, "male", False, False, 410, 340, 350),
        (16, "female", False, False, 360, 300, 350),
        (25, "male", False, False, 400, 330, 350),
        (25, "female", False, False, 310, 255, 350),
        (45, "female", False, False, 320, 265, 350),
        (45, "male", False, False, 420, 350, 350),
        (70, "female", False, False, 320, 265, 350),
        (17, "female", True, False, 400, 335, 350),
        (30, "female", True, False, 350, 290, 350),
        (35, "female", True, False, 360, 300, 350),
        (35, "female", False, True, 320, 265, 350),
    ],
)
def test_dri_values_match_iom(age, sex, pregnant, lactating, rda, ear, ul):
    dri = magnesium_dri(age_years=age, sex=sex, pregnant=pregnant, lactating=lactating)
    assert (dri.rda_mg_per_day, dri.ear_mg_per_day, dri.supplement_ul_mg_per_day) == (rda, ear, ul)


def test_unverified_values_stay_flagged():
    # reference-facts.md marks pregnancy EARs and the EAR of women 51+ unverified.
    assert magnesium_dri(age_years=30, sex="female", pregnant=True).ear_evidence == "unverified"
    assert magnesium_dri(age_years=60, sex="female").ear_evidence == "unverified"
    assert magnesium_dri(age_years=40, sex="female").ear_evidence == "verified"
    assert index_cutoff("homa_ir", "calculators_2_5").evidence == "unverified"


def test_serum_status_bands_partition_the_axis():
    bands = serum_magnesium_bands("status")
    assert [b.code for b in bands] == ["deficient", "grey_zone", "adequate", "high"]
    for lower, upper in itertools.pairwise(bands):
        assert lower.upper == upper.lower
    assert bands[0].lower == 0


def test_each_index_has_exactly_one_default():
    for index in ("homa_ir", "quicki", "tyg", "matsuda"):
        assert sum(c.is_default for c in index_cutoffs(index)) == 1
