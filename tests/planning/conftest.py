"""Person builders for the plan tests (real person-file parsing and assessment)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any

import pytest

from mgir.assessment import Assessment, Person, assess, parse_person
from mgir.planning import Override, Plan, PlanOptions, plan

ASSESSED_ON = date(2026, 11, 1)
OVERRIDE_AT = datetime(2026, 11, 1, 9, 30, tzinfo=UTC)


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
        _, assessment = build(**kwargs)
        overrides = [
            Override(kind=kind, reason=reason, by="Dr A. Test", at=OVERRIDE_AT)
            for kind, reason in (
                ("upper_limit", override_ul_reason),
                ("renal", override_renal_reason),
            )
            if reason is not None
        ]
        options = PlanOptions(
            overrides=tuple(overrides), requested_elemental_mg_per_day=requested, ul_basis=ul_basis
        )
        return plan(assessment, options)

    return _make
