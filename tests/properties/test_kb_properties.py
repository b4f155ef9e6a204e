"""Property tests for the knowledge base and the plan (Hypothesis)."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mgir._errors import InvalidInputError
from mgir.assessment import assess, parse_person
from mgir.planning import (
    PlanOptions,
    TimingConstraint,
    allowed,
    choose_times,
    format_time,
    parse_time,
    plan,
)
from mgir.reference import (
    elemental_to_salt,
    food,
    food_grams,
    mg_to_mmol,
    mmol_to_mg,
    salt_to_elemental,
    salts,
)
from mgir.units import ureg

SALT_IDS = sorted(salts())
masses = st.floats(min_value=0.0, max_value=1e6, allow_nan=False, allow_infinity=False)


@given(salt_id=st.sampled_from(SALT_IDS), mg=masses)
def test_salt_elemental_round_trip(salt_id: str, mg: float) -> None:
    item = salts()[salt_id]
    back = salt_to_elemental(elemental_to_salt(ureg.Quantity(mg, "mg"), item), item)
    assert back.to("mg").m == pytest.approx(mg, rel=1e-12, abs=1e-9)


@given(salt_id=st.sampled_from(SALT_IDS), grams=st.floats(min_value=0, max_value=1000))
def test_salt_mass_units_agree(salt_id: str, grams: float) -> None:
    item = salts()[salt_id]
    in_g = salt_to_elemental(ureg.Quantity(grams, "g"), item).to("mg").m
    in_mg = salt_to_elemental(ureg.Quantity(grams * 1000, "mg"), item).to("mg").m
    assert in_g == pytest.approx(in_mg, rel=1e-12, abs=1e-9)
    assert in_g <= grams * 1000 + 1e-9  # elemental Mg never exceeds the salt mass


@given(mg=masses)
def test_mmol_round_trip(mg: float) -> None:
    assert mmol_to_mg(mg_to_mmol(ureg.Quantity(mg, "mg"))).m == pytest.approx(
        mg, rel=1e-12, abs=1e-9
    )


@settings(deadline=None)  # the first example loads the food table
@given(amount=st.floats(min_value=0.01, max_value=1e4), k=st.floats(min_value=0.1, max_value=10))
def test_food_grams_is_linear(amount: float, k: float) -> None:
    almonds = food("12061")
    one = food_grams(almonds, amount, "oz (23 whole kernels)")
    assert food_grams(almonds, amount * k, "oz (23 whole kernels)") == pytest.approx(one * k)
    assert food_grams(almonds, amount, "oz") == pytest.approx(amount * 28.349523125)


minutes = st.integers(min_value=0, max_value=1439)
rules = st.tuples(minutes, st.sampled_from([(2.0, 6.0), (4.0, 4.0), (3.0, 3.0), (4.0, 6.0)]))


@settings(deadline=None)
@given(drugs=st.lists(rules, min_size=0, max_size=3), n=st.sampled_from([1, 2]))
def test_chosen_times_respect_every_rule(
    drugs: list[tuple[int, tuple[float, float]]], n: int
) -> None:
    constraints = [TimingConstraint(f"d{i}", t, b, a, "x") for i, (t, (b, a)) in enumerate(drugs)]
    times = choose_times(
        n,
        constraints,
        preferred=(780, 1140)[:n] if n == 2 else (1140,),
        min_gap_min=240,
        step_min=15,
    )
    if times is None:
        # Then no 15-minute slot is free at all, or not two slots 4 h apart.
        free = [m for m in range(0, 1440, 15) if allowed(m, constraints)]
        assert len(free) == 0 or n == 2
        return
    assert len(times) == n
    for t in times:
        assert parse_time(format_time(t)) == t
        for c in constraints:
            assert (t - c.drug_time_min) % 1440 >= c.drug_before_mg_h * 60
            assert (c.drug_time_min - t) % 1440 >= c.drug_after_mg_h * 60


UL_BY_AGE = [(1, 65), (3.9, 65), (4, 110), (8.9, 110), (9, 350), (30, 350), (80, 350)]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    age_ul=st.sampled_from(UL_BY_AGE),
    requested=st.floats(min_value=1, max_value=2000),
    sex=st.sampled_from(["female", "male"]),
)
def test_plan_never_exceeds_ul_without_override(
    age_ul: tuple[float, float], requested: float, sex: str
) -> None:
    age, ul = age_ul
    data = {
        "spec_version": 1,
        "person": {"age_years": age, "sex": sex},
        "labs": [{"name": "serum_magnesium", "value": 0.6, "unit": "mmol/L"}],
    }
    person = parse_person(data, assessed_on=date(2026, 11, 1))
    options = PlanOptions(requested_elemental_mg_per_day=requested)
    if requested > ul:
        with pytest.raises(InvalidInputError, match=f"{ul:g} mg/day"):
            plan(assess(person), options)
        return
    result = plan(assess(person), options)
    assert result.supplement is not None
    assert result.supplement.total_mg_per_day <= ul
    assert result.supplement.ul_mg_per_day == ul
