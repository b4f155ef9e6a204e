"""The parameter and salt tables: names, units, ranges and sources."""

from __future__ import annotations

import pytest

from mgir._errors import InvalidInputError
from mgir.model import Param, default_parameters, parameter_info, salt_info, salt_names
from mgir.model._tables import load_model_table
from mgir.reference import source
from mgir.units import ureg


def test_table_lists_exactly_the_named_parameters() -> None:
    names = [str(r["name"]) for r in load_model_table("parameters").rows]
    assert names == [p.value for p in Param]


@pytest.mark.parametrize("calibrated", [False, True])
def test_every_parameter_has_unit_range_and_resolving_source(calibrated: bool) -> None:
    for p, info in parameter_info(calibrated=calibrated).items():
        ureg.parse_units(info.unit)
        assert info.lower <= info.value <= info.upper, p
        assert info.role in ("fixed", "calibrated", "person")
        for key in info.source_keys:
            assert source(key).citation
        if info.role == "calibrated":
            assert "mgir_calibration" in info.source_keys


def test_calibrated_values_override_only_calibrated_parameters() -> None:
    prior = parameter_info(calibrated=False)
    fitted = parameter_info(calibrated=True)
    for p in Param:
        if prior[p].role != "calibrated":
            assert prior[p].value == fitted[p].value


def test_default_parameter_set_is_read_only_and_replace_copies() -> None:
    ps = default_parameters(3)
    with pytest.raises(ValueError, match="read-only"):
        ps.values[0, 0] = 1.0
    changed = ps.replace(egfr_ml_per_min_1_73m2=[20.0, 60.0, 90.0])
    assert list(changed[Param.EGFR]) == [20.0, 60.0, 90.0]
    assert float(ps[Param.EGFR][0]) == 100.0
    with pytest.raises(InvalidInputError):
        ps.replace(not_a_parameter=1.0)


def test_salts_oxide_is_the_worst_and_soluble_salts_are_equal() -> None:
    oxide = salt_info("magnesium oxide").relative_bioaccessibility
    for name in (
        "magnesium citrate",
        "magnesium chloride",
        "magnesium lactate",
        "magnesium aspartate",
        "magnesium glycinate",
        "magnesium bisglycinate",
    ):
        assert salt_info(name).relative_bioaccessibility == 1.0
        assert oxide < salt_info(name).relative_bioaccessibility
    assert salt_info("  Magnesium  Citrate ").salt == "magnesium citrate"
    assert "food" not in salt_names()
    for name in salt_names():
        for key in salt_info(name).source_keys:
            source(key)


def test_unknown_salt_names_field_and_allowed_values() -> None:
    with pytest.raises(InvalidInputError) as err:
        salt_info("magnesium unobtainium")
    assert err.value.field == "salt"
    assert "magnesium citrate" in err.value.allowed
