"""The clinic's tables (SQLAlchemy 2 declarative models).

One row type per record the clinic keeps: accounts and care teams, patients with their medicines,
lab observations, food-diary entries, plans (versioned; a signed plan is immutable), overrides,
messages, sessions and API tokens, and the audit log of every read and write of patient data.

Datetimes are stored timezone-aware in UTC (:class:`UtcDateTime`), on SQLite too; lab values keep
the value and unit as entered *and* the LOINC code they arrived with, so that nothing a person
typed or a laboratory sent is rewritten.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.types import TypeDecorator

__all__ = [
    "ROLES",
    "AuditEntry",
    "Base",
    "CareTeam",
    "CareTeamMember",
    "DietEntry",
    "Medication",
    "Message",
    "Observation",
    "Patient",
    "Plan",
    "PlanOverride",
    "Session",
    "User",
    "utc_now",
]

#: The roles an account can hold (docs/service.md, "Roles").
ROLES: tuple[str, ...] = ("admin", "clinician", "dietitian", "patient")

# Constraint names are fixed so that Alembic migrations can drop and alter them on every backend.
_NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utc_now() -> datetime:
    """The current time, timezone-aware, in UTC."""
    return datetime.now(UTC)


class UtcDateTime(TypeDecorator[datetime]):
    """A timezone-aware datetime stored in UTC (SQLite keeps no zone; it is restored on read)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            msg = f"naive datetime {value.isoformat()} cannot be stored: give a time zone"
            raise ValueError(msg)
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    """Declarative base with fixed constraint names."""

    metadata = MetaData(naming_convention=_NAMING)
    type_annotation_map: ClassVar[dict[Any, Any]] = {datetime: UtcDateTime, dict[str, Any]: JSON}


class CareTeam(Base):
    """A care team: the clinicians and dietitians who look after a set of patients."""

    __tablename__ = "care_teams"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utc_now)

    members: Mapped[list[CareTeamMember]] = relationship(back_populates="team")


class User(Base):
    """An account. A patient account is linked to its own patient record."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(100), unique=True)
    display_name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20))
    password_hash: Mapped[str] = mapped_column(String(255))
    patient_id: Mapped[int | None] = mapped_column(
        ForeignKey("patients.id", ondelete="RESTRICT"), default=None
    )
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(default=None)
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(default=utc_now)

    memberships: Mapped[list[CareTeamMember]] = relationship(back_populates="user")


class CareTeamMember(Base):
    """A user's membership of a care team."""

    __tablename__ = "care_team_members"
    __table_args__ = (UniqueConstraint("team_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("care_teams.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))

    team: Mapped[CareTeam] = relationship(back_populates="members")
    user: Mapped[User] = relationship(back_populates="memberships")


class Patient(Base):
    """A patient's demographics and conditions (the ``[person]`` table of a person file)."""

    __tablename__ = "patients"

    id: Mapped[int] = mapped_column(primary_key=True)
    care_team_id: Mapped[int] = mapped_column(ForeignKey("care_teams.id", ondelete="RESTRICT"))
    identifier: Mapped[str] = mapped_column(String(100), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    birth_date: Mapped[date] = mapped_column(Date)
    sex: Mapped[str] = mapped_column(String(10))
    pregnant: Mapped[bool] = mapped_column(Boolean, default=False)
    lactating: Mapped[bool] = mapped_column(Boolean, default=False)
    weight_kg: Mapped[float | None] = mapped_column(Float, default=None)
    height_cm: Mapped[float | None] = mapped_column(Float, default=None)
    conditions: Mapped[list[str]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(default=utc_now)
    # The pipeline's evaluation up to the plan (no projection) and the panel's flags, refreshed on
    # every write to the patient's data, so that reading a page runs no calculation.
    summary: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)
    summary_error: Mapped[str | None] = mapped_column(Text, default=None)
    flags: Mapped[list[dict[str, str]]] = mapped_column(JSON, default=list)
    summarised_at: Mapped[datetime | None] = mapped_column(default=None)


class Medication(Base):
    """A medicine the patient takes, with its times of day and dates (a MedicationStatement)."""

    __tablename__ = "medications"

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(
        ForeignKey("patients.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(200))
    times: Mapped[list[str]] = mapped_column(JSON, default=list)
    start_date: Mapped[date | None] = mapped_column(Date, default=None)
    end_date: Mapped[date | None] = mapped_column(Date, default=None)
    recorded_at: Mapped[datetime] = mapped_column(default=utc_now)
    recorded_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), default=None)


class Observation(Base):
    """A dated lab result: the value and unit as received, its LOINC code and canonical name."""

    __tablename__ = "observations"
    __table_args__ = (Index("ix_observations_patient_lab_date", "patient_id", "lab", "effective"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id", ondelete="CASCADE"))
    lab: Mapped[str] = mapped_column(String(50))
    loinc: Mapped[str | None] = mapped_column(String(20), default=None)
    value: Mapped[float] = mapped_column(Float)
    unit: Mapped[str] = mapped_column(String(30))
    value_canonical: Mapped[float] = mapped_column(Float)
    unit_canonical: Mapped[str] = mapped_column(String(30))
    effective: Mapped[date] = mapped_column(Date)
    source: Mapped[str] = mapped_column(String(30), default="manual")
    recorded_at: Mapped[datetime] = mapped_column(default=utc_now)
    recorded_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), default=None)
    # A result recorded in error is kept, marked (FHIR's "entered-in-error"), with who, when, why.
    entered_in_error: Mapped[str | None] = mapped_column(Text, default=None)


class DietEntry(Base):
    """One food eaten on one day (the ``[[diet]]`` table of a person file)."""

    __tablename__ = "diet_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(
        ForeignKey("patients.id", ondelete="CASCADE"), index=True
    )
    day: Mapped[date] = mapped_column(Date)
    food: Mapped[str] = mapped_column(String(200))
    amount: Mapped[float] = mapped_column(Float)
    amount_unit: Mapped[str] = mapped_column(String(30))
    recorded_at: Mapped[datetime] = mapped_column(default=utc_now)
    recorded_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), default=None)
    entered_in_error: Mapped[str | None] = mapped_column(Text, default=None)


class Plan(Base):
    """One version of a patient's plan: a draft, or signed (then immutable).

    ``evaluation`` holds the clinical pipeline's whole document (assessment, plan, projection and
    provenance) as it was when the version was made; ``inputs`` the person document and options
    it was made from. A change to a signed plan is a new version.
    """

    __tablename__ = "plans"
    __table_args__ = (UniqueConstraint("patient_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id", ondelete="CASCADE"))
    version: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(20), default="draft")
    inputs: Mapped[dict[str, Any]] = mapped_column(JSON)
    evaluation: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(default=utc_now)
    created_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    # When the evaluation was (re)made: a draft made before the record last changed is stale.
    evaluated_at: Mapped[datetime] = mapped_column(default=utc_now)
    signed_at: Mapped[datetime | None] = mapped_column(default=None)
    signed_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), default=None)
    starts_on: Mapped[date | None] = mapped_column(Date, default=None)

    overrides: Mapped[list[PlanOverride]] = relationship(
        back_populates="plan", order_by="PlanOverride.id"
    )


class PlanOverride(Base):
    """A clinician's recorded decision to go past a safety rule: who, when and why."""

    __tablename__ = "plan_overrides"

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(30))
    reason: Mapped[str] = mapped_column(Text)
    by_user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    by_name: Mapped[str] = mapped_column(String(200))
    at: Mapped[datetime] = mapped_column(default=utc_now)

    plan: Mapped[Plan] = relationship(back_populates="overrides")


class Message(Base):
    """A message in the thread between a patient and their care team."""

    __tablename__ = "messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(
        ForeignKey("patients.id", ondelete="CASCADE"), index=True
    )
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utc_now)


class Session(Base):
    """A browser session or an API token: only the SHA-256 of the secret is stored."""

    __tablename__ = "sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    kind: Mapped[str] = mapped_column(String(10))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utc_now)
    expires_at: Mapped[datetime] = mapped_column()
    revoked: Mapped[bool] = mapped_column(Boolean, default=False)


class AuditEntry(Base):
    """One read or write of patient data (or of accounts): who, when, what and which patient."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utc_now, index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), default=None)
    action: Mapped[str] = mapped_column(String(10))
    resource: Mapped[str] = mapped_column(String(100))
    patient_id: Mapped[int | None] = mapped_column(Integer, default=None, index=True)
    detail: Mapped[str] = mapped_column(Text, default="")
