"""Repositories: the clinic's reads and writes, as functions of a SQLAlchemy session.

They validate what enters (a lab value with its unit through :mod:`mgir.units`, a role, a plan's
state) and never commit: the caller owns the transaction, so that a write and its audit entry
are stored together or not at all.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from mgir._errors import InvalidInputError, MgirError
from mgir.storage._tables import (
    ROLES,
    AuditEntry,
    CareTeam,
    CareTeamMember,
    DietEntry,
    Medication,
    Message,
    Observation,
    Patient,
    Plan,
    PlanOverride,
    User,
    utc_now,
)
from mgir.units import analyte, normalise_unit, to_canonical, unit_family

__all__ = [
    "SignedPlanError",
    "add_diet_entry",
    "add_medication",
    "add_member",
    "add_message",
    "add_observation",
    "add_patient",
    "add_plan",
    "add_team",
    "add_user",
    "audit",
    "audit_entries",
    "diet_entries",
    "mark_entered_in_error",
    "medications",
    "messages",
    "observations",
    "patients_of_teams",
    "plans",
    "sign_plan",
    "team_ids_of",
    "update_draft",
    "user_by_username",
]


class SignedPlanError(MgirError):
    """A signed plan was about to be changed: signed plans are immutable (make a new version).

    Also raised for a draft that may not be signed: one made before the patient's record last
    changed (remake it and review it first).
    """


@event.listens_for(Plan, "before_update")
def _refuse_signed_change(_mapper: Any, _connection: Any, plan: Plan) -> None:
    # The ORM-level guard: whatever code path changes a plan, a signed one is not written.
    history = sa.inspect(plan).attrs.status.history
    before = history.deleted[0] if history.deleted else plan.status
    if before == "signed":
        msg = f"plan {plan.id} (version {plan.version}) is signed and cannot change"
        raise SignedPlanError(msg)


# ----------------------------------------------------------------------------- accounts


def add_user(
    session: Session,
    *,
    username: str,
    display_name: str,
    role: str,
    password_hash: str,
    patient_id: int | None = None,
) -> User:
    """Create an account (the password is hashed by the caller)."""
    if role not in ROLES:
        raise InvalidInputError(field="role", value=role, allowed="one of " + ", ".join(ROLES))
    if not username.strip() or len(username) > 100:
        raise InvalidInputError(
            field="username", value=username, allowed="1 to 100 characters, not blank"
        )
    if (role == "patient") != (patient_id is not None):
        raise InvalidInputError(
            field="patient_id",
            value=patient_id,
            allowed="the patient's record id for a patient account, and none for other roles",
        )
    if user_by_username(session, username) is not None:
        raise InvalidInputError(field="username", value=username, allowed="a name not yet taken")
    user = User(
        username=username,
        display_name=display_name,
        role=role,
        password_hash=password_hash,
        patient_id=patient_id,
    )
    session.add(user)
    session.flush()
    return user


def user_by_username(session: Session, username: str) -> User | None:
    """The account with this username, or ``None``."""
    return session.scalar(select(User).where(User.username == username))


def add_team(session: Session, name: str) -> CareTeam:
    """Create a care team."""
    if session.scalar(select(CareTeam).where(CareTeam.name == name)) is not None:
        raise InvalidInputError(field="name", value=name, allowed="a team name not yet taken")
    team = CareTeam(name=name)
    session.add(team)
    session.flush()
    return team


def add_member(session: Session, team_id: int, user_id: int) -> None:
    """Put a clinician, dietitian or admin on a care team (patients are members by record)."""
    user = session.get(User, user_id)
    if user is None:
        raise InvalidInputError(field="user_id", value=user_id, allowed="an existing account")
    if user.role == "patient":
        raise InvalidInputError(
            field="user_id",
            value=user_id,
            allowed="a clinician, dietitian or admin (a patient belongs to a team by record)",
        )
    if session.get(CareTeam, team_id) is None:
        raise InvalidInputError(field="team_id", value=team_id, allowed="an existing care team")
    exists = session.scalar(
        select(CareTeamMember).where(
            CareTeamMember.team_id == team_id, CareTeamMember.user_id == user_id
        )
    )
    if exists is None:
        session.add(CareTeamMember(team_id=team_id, user_id=user_id))
        session.flush()


def team_ids_of(session: Session, user_id: int) -> frozenset[int]:
    """The care teams an account belongs to."""
    rows = session.scalars(select(CareTeamMember.team_id).where(CareTeamMember.user_id == user_id))
    return frozenset(rows)


# ----------------------------------------------------------------------------- patients


def add_patient(
    session: Session,
    *,
    care_team_id: int,
    identifier: str,
    name: str,
    birth_date: date,
    sex: str,
    pregnant: bool = False,
    lactating: bool = False,
    weight_kg: float | None = None,
    height_cm: float | None = None,
    conditions: Sequence[str] = (),
) -> Patient:
    """Create a patient record in a care team."""
    if session.get(CareTeam, care_team_id) is None:
        raise InvalidInputError(
            field="care_team_id", value=care_team_id, allowed="an existing care team"
        )
    if session.scalar(select(Patient).where(Patient.identifier == identifier)) is not None:
        raise InvalidInputError(
            field="identifier", value=identifier, allowed="an identifier not yet used"
        )
    patient = Patient(
        care_team_id=care_team_id,
        identifier=identifier,
        name=name,
        birth_date=birth_date,
        sex=sex,
        pregnant=pregnant,
        lactating=lactating,
        weight_kg=weight_kg,
        height_cm=height_cm,
        conditions=list(conditions),
    )
    session.add(patient)
    session.flush()
    return patient


def patients_of_teams(session: Session, team_ids: frozenset[int]) -> list[Patient]:
    """The patients of these care teams, by name."""
    if not team_ids:
        return []
    query = select(Patient).where(Patient.care_team_id.in_(sorted(team_ids)))
    return list(session.scalars(query.order_by(Patient.name, Patient.id)))


def add_medication(
    session: Session,
    patient_id: int,
    *,
    name: str,
    times: Sequence[str] = (),
    start_date: date | None = None,
    end_date: date | None = None,
    recorded_by: int | None = None,
) -> Medication:
    """Record a medicine the patient takes (generic name; times as ``HH:MM``)."""
    medication = Medication(
        patient_id=patient_id,
        name=name.strip().lower(),
        times=list(times),
        start_date=start_date,
        end_date=end_date,
        recorded_by=recorded_by,
    )
    session.add(medication)
    session.flush()
    return medication


def medications(session: Session, patient_id: int) -> list[Medication]:
    """The patient's medicines, oldest record first."""
    query = select(Medication).where(Medication.patient_id == patient_id)
    return list(session.scalars(query.order_by(Medication.id)))


# ----------------------------------------------------------------------------- labs and diary


def add_observation(
    session: Session,
    patient_id: int,
    *,
    lab: str,
    value: float,
    unit: str,
    effective: date,
    source: str = "manual",
    recorded_by: int | None = None,
    field: str = "lab",
) -> Observation:
    """Record a lab result, validated and converted by :mod:`mgir.units`.

    ``lab`` is a canonical lab name or a LOINC code. The value and unit are kept as given, with
    the canonical value beside them; a LOINC code whose unit family differs from the unit is an
    error (it would switch mass and molar codes silently).

    Raises
    ------
    InvalidInputError
        Unknown lab, a unit that does not belong to it, or an impossible value.
    """
    try:
        item = analyte(lab)
    except InvalidInputError as error:
        raise InvalidInputError(field=field, value=lab, allowed=error.allowed) from None
    spelled = normalise_unit(item, unit, field=f"{field}.unit")
    loinc = lab if lab in item.loinc else None
    if loinc is not None:
        implied = item.loinc[loinc]
        if unit_family(item, implied) != unit_family(item, spelled):
            raise InvalidInputError(
                field=f"{field}.unit",
                value=unit,
                allowed=f"LOINC {loinc} is reported in {implied} (or a unit of its kind); give "
                f"such a unit or the code for {spelled}",
            )
    else:
        family = unit_family(item, spelled)
        loinc = next(
            (code for code, u in item.loinc.items() if unit_family(item, u) == family), None
        )
    canonical = to_canonical(item, value, spelled, field=f"{field}.value")
    observation = Observation(
        patient_id=patient_id,
        lab=item.name,
        loinc=loinc,
        value=float(value),
        unit=spelled,
        value_canonical=canonical,
        unit_canonical=item.canonical_unit,
        effective=effective,
        source=source,
        recorded_by=recorded_by,
    )
    session.add(observation)
    session.flush()
    return observation


def observations(
    session: Session, patient_id: int, lab: str | None = None, *, in_error: bool = False
) -> list[Observation]:
    """The patient's lab results, oldest first (optionally one lab).

    Results marked entered in error are left out unless ``in_error``.
    """
    query = select(Observation).where(Observation.patient_id == patient_id)
    if not in_error:
        query = query.where(Observation.entered_in_error.is_(None))
    if lab is not None:
        query = query.where(Observation.lab == lab)
    return list(session.scalars(query.order_by(Observation.effective, Observation.id)))


def add_diet_entry(
    session: Session,
    patient_id: int,
    *,
    day: date,
    food: str,
    amount: float,
    amount_unit: str,
    recorded_by: int | None = None,
) -> DietEntry:
    """Record one food eaten on one day (checked when a plan is made from the diary)."""
    entry = DietEntry(
        patient_id=patient_id,
        day=day,
        food=food,
        amount=float(amount),
        amount_unit=amount_unit,
        recorded_by=recorded_by,
    )
    session.add(entry)
    session.flush()
    return entry


def diet_entries(session: Session, patient_id: int) -> list[DietEntry]:
    """The patient's food diary, oldest first (entries marked entered in error left out)."""
    query = select(DietEntry).where(
        DietEntry.patient_id == patient_id, DietEntry.entered_in_error.is_(None)
    )
    return list(session.scalars(query.order_by(DietEntry.day, DietEntry.id)))


def mark_entered_in_error(
    session: Session, record: Observation | DietEntry, *, by: str, reason: str
) -> None:
    """Mark a lab result or diary entry as recorded in error (kept, with who, when and why)."""
    if record.entered_in_error is not None:
        raise InvalidInputError(
            field="id", value=record.id, allowed="a record not already marked entered in error"
        )
    record.entered_in_error = f"{utc_now():%Y-%m-%d %H:%M} UTC by {by}: {reason}"
    session.flush()


# ----------------------------------------------------------------------------- plans


def plans(session: Session, patient_id: int) -> list[Plan]:
    """Every version of the patient's plan, newest first."""
    query = select(Plan).where(Plan.patient_id == patient_id)
    return list(session.scalars(query.order_by(Plan.version.desc())))


def add_plan(
    session: Session,
    patient_id: int,
    *,
    inputs: dict[str, Any],
    evaluation: dict[str, Any],
    created_by: int,
    overrides: Sequence[tuple[str, str, int, str, datetime]] = (),
) -> Plan:
    """Store a new draft version (``overrides``: kind, reason, user id, name, when)."""
    latest = session.scalar(select(sa.func.max(Plan.version)).where(Plan.patient_id == patient_id))
    plan = Plan(
        patient_id=patient_id,
        version=(latest or 0) + 1,
        status="draft",
        inputs=inputs,
        evaluation=evaluation,
        created_by=created_by,
    )
    session.add(plan)
    session.flush()
    _add_overrides(session, plan, overrides)
    return plan


def _add_overrides(
    session: Session, plan: Plan, overrides: Sequence[tuple[str, str, int, str, datetime]]
) -> None:
    for kind, reason, user_id, name, at in overrides:
        session.add(
            PlanOverride(
                plan_id=plan.id, kind=kind, reason=reason, by_user_id=user_id, by_name=name, at=at
            )
        )
    session.flush()


def update_draft(
    session: Session,
    plan: Plan,
    *,
    inputs: dict[str, Any],
    evaluation: dict[str, Any],
    overrides: Sequence[tuple[str, str, int, str, datetime]] = (),
) -> Plan:
    """Replace a draft's inputs and evaluation (a signed plan raises :class:`SignedPlanError`)."""
    if plan.status == "signed":
        msg = f"plan version {plan.version} is signed and cannot change; make a new version"
        raise SignedPlanError(msg)
    plan.inputs = inputs
    plan.evaluation = evaluation
    plan.evaluated_at = utc_now()
    for existing in list(plan.overrides):
        session.delete(existing)
    session.flush()
    _add_overrides(session, plan, overrides)
    session.refresh(plan)
    return plan


def sign_plan(
    session: Session,
    plan: Plan,
    *,
    user_id: int,
    starts_on: date,
    signed_at: datetime | None = None,
) -> Plan:
    """Sign a draft: it becomes immutable (its projection's day 0 is ``starts_on``).

    Raises
    ------
    SignedPlanError
        If the version is signed already, or the record changed after the draft was made.
    """
    if plan.status == "signed":
        msg = f"plan version {plan.version} is already signed"
        raise SignedPlanError(msg)
    patient = session.get(Patient, plan.patient_id)
    changed = patient.summarised_at if patient is not None else None
    if changed is not None and changed > plan.evaluated_at:
        msg = (
            f"plan version {plan.version}: the record changed after this draft was made; "
            "remake the draft and review it before signing"
        )
        raise SignedPlanError(msg)
    plan.status = "signed"
    plan.signed_at = signed_at or utc_now()
    plan.signed_by = user_id
    plan.starts_on = starts_on
    session.flush()
    return plan


# ----------------------------------------------------------------------------- messages, audit


def add_message(session: Session, patient_id: int, *, author_id: int, body: str) -> Message:
    """Post a message to the patient's thread."""
    text = body.strip()
    if not text or len(text) > 5000:
        raise InvalidInputError(
            field="body", value=body[:40], allowed="1 to 5,000 characters, not blank"
        )
    message = Message(patient_id=patient_id, author_id=author_id, body=text)
    session.add(message)
    session.flush()
    return message


def messages(session: Session, patient_id: int) -> list[Message]:
    """The patient's thread, oldest first."""
    query = select(Message).where(Message.patient_id == patient_id)
    return list(session.scalars(query.order_by(Message.created_at, Message.id)))


def audit(
    session: Session,
    *,
    user_id: int | None,
    action: str,
    resource: str,
    patient_id: int | None = None,
    detail: str = "",
) -> None:
    """Append an entry to the audit log (stored with the caller's transaction)."""
    session.add(
        AuditEntry(
            user_id=user_id, action=action, resource=resource, patient_id=patient_id, detail=detail
        )
    )


def audit_entries(
    session: Session, *, patient_id: int | None = None, limit: int = 200
) -> list[AuditEntry]:
    """The newest audit entries (optionally for one patient)."""
    query = select(AuditEntry)
    if patient_id is not None:
        query = query.where(AuditEntry.patient_id == patient_id)
    return list(session.scalars(query.order_by(AuditEntry.id.desc()).limit(limit)))
