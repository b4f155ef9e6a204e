"""Person builders for the plan tests (real person-file parsing and assessment)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import pytest

from mgir.assessment import Assessment, Person, assess, parse_person
from mgir.planning import Plan, plan

ASSESSED_ON = date(2026, 11, 1)


def person_file(
    *,
    age: float = 45,
    sex: str = "female",
    serum_mg_mmol_l: float | None = 0.65,
    creatinine_mg_dl: float | None = 0.8,
    conditions: tuple[str, ...] = (),
    medications: tuple[str, ...] = (),
    times: dict[str, list[str]] | None = None,
    pregnant: bool = False,
    diet: list[dict[str, Any]] | None = None,
    supplements: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    labs = []
    if serum_mg_mmol_l is not None:
        labs.append({"name": "serum_magnesium", "value": serum_mg_mmol_l, "unit": "mmol/L"})
    if creatinine_mg_dl is not None:
        labs.append({"name": "creatinine", "value": creatinine_mg_dl, "unit": "mg/dL"})
    section: dict[str, Any] = {
        "age_years": age,
        "sex": sex,
        "pregnant": pregnant,
        "conditions": list(conditions),
        "medications": list(medications),
    }
    if times:
        section["medication_times"] = times
    data: dict[str, Any] = {"spec_version": 1, "person": section, "labs": labs}
    if diet:
        data["diet"] = diet
    if supplements:
        data["supplements"] = supplements
    return data


def build(**kwargs: Any) -> tuple[Person, Assessment]:
    person = parse_person(person_file(**kwargs), assessed_on=ASSESSED_ON)
    return person, assess(person)


@pytest.fixture
def make_plan() -> Callable[..., Plan]:
    def _make(
        *,
        override_ul_reason: str | None = None,
        override_renal_reason: str | None = None,
        requested: float | None = None,
        ul_basis: str = "iom",
        **kwargs: Any,
    ) -> Plan:
        person, assessment = build(**kwargs)
        return plan(
            person,
            assessment,
            override_ul_reason=override_ul_reason,
            override_renal_reason=override_renal_reason,
            requested_elemental_mg_per_day=requested,
            ul_basis=ul_basis,
        )  # type: ignore[arg-type]

    return _make
