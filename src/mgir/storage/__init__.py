"""Persistence (layer L4): the clinic's tables, repositories and Alembic migrations.

SQLite (the default, a file in the user's data directory) or PostgreSQL by URL; the schema is
created and upgraded by Alembic (:func:`upgrade`), never by ``create_all``.
"""

from __future__ import annotations

from mgir.storage._engine import WRITE_INTENT as WRITE_INTENT
from mgir.storage._engine import create_engine as create_engine
from mgir.storage._engine import current_revision as current_revision
from mgir.storage._engine import default_database_url as default_database_url
from mgir.storage._engine import downgrade as downgrade
from mgir.storage._engine import head_revision as head_revision
from mgir.storage._engine import session_factory as session_factory
from mgir.storage._engine import transaction as transaction
from mgir.storage._engine import upgrade as upgrade
from mgir.storage._person import person_document as person_document
from mgir.storage._repositories import SignedPlanError as SignedPlanError
from mgir.storage._repositories import add_diet_entry as add_diet_entry
from mgir.storage._repositories import add_medication as add_medication
from mgir.storage._repositories import add_member as add_member
from mgir.storage._repositories import add_message as add_message
from mgir.storage._repositories import add_observation as add_observation
from mgir.storage._repositories import add_patient as add_patient
from mgir.storage._repositories import add_plan as add_plan
from mgir.storage._repositories import add_team as add_team
from mgir.storage._repositories import add_user as add_user
from mgir.storage._repositories import audit as audit
from mgir.storage._repositories import audit_entries as audit_entries
from mgir.storage._repositories import diet_entries as diet_entries
from mgir.storage._repositories import mark_entered_in_error as mark_entered_in_error
from mgir.storage._repositories import medications as medications
from mgir.storage._repositories import messages as messages
from mgir.storage._repositories import observations as observations
from mgir.storage._repositories import patients_of_teams as patients_of_teams
from mgir.storage._repositories import plans as plans
from mgir.storage._repositories import sign_plan as sign_plan
from mgir.storage._repositories import team_ids_of as team_ids_of
from mgir.storage._repositories import update_draft as update_draft
from mgir.storage._repositories import user_by_username as user_by_username
from mgir.storage._tables import ROLES as ROLES
from mgir.storage._tables import AuditEntry as AuditEntry
from mgir.storage._tables import Base as Base
from mgir.storage._tables import CareTeam as CareTeam
from mgir.storage._tables import CareTeamMember as CareTeamMember
from mgir.storage._tables import DietEntry as DietEntry
from mgir.storage._tables import Medication as Medication
from mgir.storage._tables import Message as Message
from mgir.storage._tables import Observation as Observation
from mgir.storage._tables import Patient as Patient
from mgir.storage._tables import Plan as Plan
from mgir.storage._tables import PlanOverride as PlanOverride
from mgir.storage._tables import Session as Session
from mgir.storage._tables import User as User
from mgir.storage._tables import utc_now as utc_now

__all__ = [
    "ROLES",
    "WRITE_INTENT",
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
    "SignedPlanError",
    "User",
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
    "create_engine",
    "current_revision",
    "default_database_url",
    "diet_entries",
    "downgrade",
    "head_revision",
    "mark_entered_in_error",
    "medications",
    "messages",
    "observations",
    "patients_of_teams",
    "person_document",
    "plans",
    "session_factory",
    "sign_plan",
    "team_ids_of",
    "transaction",
    "update_draft",
    "upgrade",
    "user_by_username",
    "utc_now",
]
