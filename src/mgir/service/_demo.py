"""``mgir serve --demo``: a care team, its accounts and four patients with a year of records.

The patients are the shipped example people. Each has two visits before the plan, a food diary,
a plan signed about six months ago by the demo clinician (made by the clinical pipeline from
the record as it stood that day, with its 26-week projection), and follow-up labs: one patient
follows the projection, one does not take the supplement (their labs follow the no-change
arm), one has a diet-only plan under a renal block, and one has no plan yet. Follow-up values
are the projection's central values with a fixed 0.5 % wobble: demonstration data, labelled so.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session as DbSession

from mgir._errors import InvalidInputError
from mgir._examples import example_path
from mgir.care import CareOptions
from mgir.service._auth import hash_password
from mgir.service._clinic import evaluate_patient, refresh_summary
from mgir.service._fhir import json_ready
from mgir.storage import (
    User,
    add_diet_entry,
    add_medication,
    add_member,
    add_message,
    add_observation,
    add_patient,
    add_plan,
    add_team,
    add_user,
    sign_plan,
)

__all__ = ["DEMO_PASSWORD", "DEMO_USERS", "seed_demo"]

#: Every demo account's password (the demo database is for trying mgir, never for patients).
DEMO_PASSWORD = "mgir-demo-password"
DEMO_USERS = {
    "admin": "admin",
    "dr.rivera": "clinician",
    "diet.kim": "dietitian",
    "maria": "patient",
    "john": "patient",
}


@dataclass(frozen=True)
class _DemoPatient:
    example: str
    name: str
    username: str | None
    course: str  # "plan" (follows the plan's arm), "no_change" (does not take it), "none"


_PATIENTS = (
    _DemoPatient("pcos_insulin_resistance.toml", "Maria López", "maria", "plan"),
    _DemoPatient("t2d_low_magnesium.toml", "John Carter", "john", "no_change"),
    _DemoPatient("ckd_stage4.toml", "Ruth Evans", None, "plan"),
    _DemoPatient("healthy_adult.toml", "Sam Patel", None, "none"),
)
_FOLLOW_UP_DAYS = (84, 170)
_WOBBLE = (1.005, 0.995)


def _birth_date(today: date, age_years: float) -> date:
    return today.replace(year=today.year - int(age_years)) - timedelta(days=40)


def seed_demo(db: DbSession, today: date | None = None) -> dict[str, int]:
    """Fill an empty database with the demo clinic; returns the patients' record ids by name.

    Raises
    ------
    InvalidInputError
        If the database already holds accounts (demo accounts share a published password and
        must never enter a real clinic's database).
    """
    if db.scalar(select(func.count()).select_from(User)):
        raise InvalidInputError(
            field="--demo",
            value="a database with accounts",
            allowed="an empty database (demo accounts have a published password)",
        )
    today = today or date.today()
    team = add_team(db, "Metabolic clinic (demo)")
    users = {}
    for username, role in DEMO_USERS.items():
        if role == "patient":
            continue
        display = {"admin": "Alex Admin", "dr.rivera": "Dr Ana Rivera", "diet.kim": "Jo Kim, RD"}[
            username
        ]
        users[username] = add_user(
            db,
            username=username,
            display_name=display,
            role=role,
            password_hash=hash_password(DEMO_PASSWORD),
        )
        if role != "admin":
            add_member(db, team.id, users[username].id)
    clinician = users["dr.rivera"]
    ids = {}
    for demo in _PATIENTS:
        ids[demo.name] = _seed_patient(db, team.id, clinician, demo, today)
        if demo.username:
            add_user(
                db,
                username=demo.username,
                display_name=demo.name,
                role="patient",
                password_hash=hash_password(DEMO_PASSWORD),
                patient_id=ids[demo.name],
            )
    return ids


def _seed_patient(
    db: DbSession, team_id: int, clinician: User, demo: _DemoPatient, today: date
) -> int:
    document = tomllib.loads(example_path(demo.example, field="--demo").read_text("utf-8"))
    person = document["person"]
    patient = add_patient(
        db,
        care_team_id=team_id,
        identifier=f"demo-{person['id']}",
        name=demo.name,
        birth_date=_birth_date(today, person["age_years"]),
        sex=person["sex"],
        pregnant=person.get("pregnant", False),
        lactating=person.get("lactating", False),
        weight_kg=person.get("weight_kg"),
        height_cm=person.get("height_cm"),
        conditions=person.get("conditions", []),
    )
    times = person.get("medication_times", {})
    for name in person.get("medications", []):
        add_medication(
            db,
            patient.id,
            name=name,
            times=times.get(name, []),
            start_date=today - timedelta(days=400),
        )
    signed_on = today - timedelta(days=180)
    for offset, factor in ((365, 1.03), (200, 1.0)):
        newest = {lab["name"]: lab for lab in document.get("labs", [])}
        for lab in newest.values():
            add_observation(
                db,
                patient.id,
                lab=lab["name"],
                value=round(lab["value"] * factor, 3),
                unit=lab["unit"],
                effective=today - timedelta(days=offset),
                recorded_by=clinician.id,
            )
    diary_days = sorted({str(entry["day"]) for entry in document.get("diet", [])})
    for entry in document.get("diet", []):
        day = signed_on - timedelta(days=7 - diary_days.index(str(entry["day"])))
        add_diet_entry(
            db,
            patient.id,
            day=day,
            food=str(entry["food"]),
            amount=entry["amount"]["value"],
            amount_unit=entry["amount"]["unit"],
            recorded_by=clinician.id,
        )
    if demo.course != "none":
        when = datetime.combine(signed_on, datetime.min.time(), tzinfo=UTC) + timedelta(hours=10)
        person_doc, evaluation = evaluate_patient(
            db, patient, CareOptions(weeks=26), as_of=signed_on, now=when
        )
        plan = add_plan(
            db,
            patient.id,
            inputs=json_ready({"person": person_doc, "request": {"weeks": 26}}),
            evaluation=evaluation.to_dict(),
            created_by=clinician.id,
        )
        plan.created_at = when
        plan.evaluated_at = when
        sign_plan(
            db,
            plan,
            user_id=clinician.id,
            starts_on=signed_on,
            signed_at=when + timedelta(minutes=20),
        )
        projection = evaluation.projection
        if projection is not None:
            arm = projection.arms[-1] if demo.course == "plan" else projection.arms[0]
            for offset, wobble in zip(_FOLLOW_UP_DAYS, _WOBBLE, strict=True):
                index = min(
                    range(len(projection.days)), key=lambda i: abs(projection.days[i] - offset)
                )
                for name in ("serum_magnesium", "fasting_glucose", "fasting_insulin", "hba1c"):
                    series = arm.outputs.get(name)
                    if series is None or series.anchored != "measured":
                        continue
                    add_observation(
                        db,
                        patient.id,
                        lab=name,
                        value=round(series.central[index] * wobble, 3),
                        unit=series.unit,
                        effective=signed_on + timedelta(days=offset),
                        source="demo",
                        recorded_by=clinician.id,
                    )
    add_message(
        db,
        patient.id,
        author_id=clinician.id,
        body="Welcome to the clinic's messages. Ask here about your plan or results.",
    )
    refresh_summary(db, patient)
    return patient.id
