"""Property tests: conversions round-trip and compose."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mgir.units import analyte, analyte_names, convert


@st.composite
def analyte_value_and_units(draw):
    name = draw(st.sampled_from(analyte_names()))
    item = analyte(name)
    low, high = item.bounds_canonical
    value = draw(st.floats(min_value=low, max_value=high, allow_nan=False))
    a = draw(st.sampled_from(item.accepted_units))
    b = draw(st.sampled_from(item.accepted_units))
    return item, value, a, b


@settings(max_examples=300, deadline=None)
@given(analyte_value_and_units(), st.sampled_from([6.0, 6.945]))
def test_round_trip_through_any_accepted_unit(case, factor):
    item, value, a, b = case
    canonical = item.canonical_unit
    there = convert(item, value, canonical, a, insulin_pmol_per_uiu=factor)
    via = convert(item, there, a, b, insulin_pmol_per_uiu=factor)
    back = convert(item, via, b, canonical, insulin_pmol_per_uiu=factor)
    assert back == pytest.approx(value, rel=1e-9, abs=1e-12)


@settings(max_examples=200, deadline=None)
@given(st.floats(min_value=0.01, max_value=1000), st.floats(min_value=0.01, max_value=1000))
def test_linear_conversions_are_proportional(x, y):
    item = analyte("serum_magnesium")
    ratio = convert(item, x, "mmol/L", "mg/dL") / convert(item, y, "mmol/L", "mg/dL")
    assert ratio == pytest.approx(x / y, rel=1e-12)
