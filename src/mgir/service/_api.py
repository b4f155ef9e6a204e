"""The JSON API (``/api``).

Accounts, patients, labs, diary, medicines, plans, follow-up, messages, FHIR R4 import and
export, the panel as CSV, and the audit log.
"""

from __future__ import annotations

import csv
import io
from datetime import date
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Body, HTTPException, Query, Request, Response
from sqlalchemy import select

from mgir.care import CareOptions, Override
from mgir.service import _fhir
from mgir.service._auth import (
    LoginError,
    hash_password,
    log_in,
    open_session,
    revoke,
)
from mgir.service._auth import (
    reset_password as reset_account_password,
)
from mgir.service._clinic import evaluate_patient, follow_up, refresh_summary
from mgir.service._deps import (
    Admin,
    Anyone,
    CommittingRoute,
    Context,
    Diarist,
    Messenger,
    Public,
    Reader,
    Signer,
    Staff,
    Writer,
)
from mgir.service._models import (
    CareTeamIn,
    DietIn,
    EnteredInErrorIn,
    LoginIn,
    MedicationIn,
    MemberIn,
    MessageIn,
    ObservationIn,
    PasswordChangeIn,
    PasswordResetIn,
    PathId,
    PatientIn,
    PlanIn,
    StopIn,
    TokenOut,
    UserIn,
    row,
)
from mgir.storage import (
    WRITE_INTENT,
    CareTeam,
    DietEntry,
    Medication,
    Observation,
    Patient,
    Plan,
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
    audit,
    audit_entries,
    diet_entries,
    mark_entered_in_error,
    medications,
    messages,
    observations,
    patients_of_teams,
    plans,
    sign_plan,
    update_draft,
    utc_now,
)

__all__ = ["router"]

router = APIRouter(prefix="/api", tags=["api"], route_class=CommittingRoute)


_PATIENT_FIELDS = (
    "id",
    "care_team_id",
    "identifier",
    "name",
    "birth_date",
    "sex",
    "pregnant",
    "lactating",
    "weight_kg",
    "height_cm",
    "conditions",
    "flags",
    "summary_error",
    "summarised_at",
)
_OBSERVATION_FIELDS = (
    "id",
    "lab",
    "loinc",
    "value",
    "unit",
    "value_canonical",
    "unit_canonical",
    "effective",
    "source",
    "recorded_at",
)


def _user(user: User) -> dict[str, Any]:
    out = row(user, "id", "username", "display_name", "role", "patient_id", "active")
    out["locked"] = user.locked_until is not None and user.locked_until > utc_now()
    return out


def _plan(plan: Plan, *, full: bool = True) -> dict[str, Any]:
    out = row(plan, "id", "patient_id", "version", "status", "created_at", "signed_at", "starts_on")
    out["created_by"] = plan.created_by
    out["signed_by"] = plan.signed_by
    out["overrides"] = [
        row(o, "kind", "reason", "by_user_id", "by_name", "at") for o in plan.overrides
    ]
    if full:
        out["evaluation"] = plan.evaluation
    return out


# ----------------------------------------------------------------------------- session


@router.post("/token", summary="Log in and get a bearer token")
def token(ctx: Public, body: LoginIn) -> TokenOut:
    """Exchange a username and password for an API token (24 hours)."""
    request = ctx.request
    client = request.client.host if request.client else "unknown"
    if not request.app.state.throttle.allow(client):
        raise HTTPException(429, "too many login attempts from this address; wait a minute")
    try:
        user = log_in(ctx.db, body.username, body.password)
    except LoginError as error:
        raise HTTPException(error.status, error.message) from None
    secret, session = open_session(ctx.db, user, "bearer")
    audit(ctx.db, user_id=user.id, action="login", resource="POST /api/token")
    return TokenOut(access_token=secret, expires_at=session.expires_at)


@router.post("/logout", summary="Revoke the current token or session", status_code=204)
def logout(ctx: Anyone) -> Response:
    """End the session or token this request was made with."""
    revoke(ctx.db, ctx.user.session_id)
    return Response(status_code=204)


@router.get("/me", summary="Who am I")
def me(ctx: Anyone) -> dict[str, Any]:
    """The account making the request, its role, care teams and (a patient) record id."""
    actor = ctx.user
    return {
        "id": actor.user_id,
        "username": actor.username,
        "display_name": actor.display_name,
        "role": actor.role,
        "care_team_ids": sorted(actor.team_ids),
        "patient_id": actor.patient_id,
        "must_change_password": actor.must_change_password,
    }


@router.post("/me/password", summary="Change your own password", status_code=204)
def change_password(ctx: Anyone, body: PasswordChangeIn) -> Response:
    """Set a new password (the current one is checked); other sessions and tokens end."""
    user = ctx.db.get(User, ctx.user.user_id)
    assert user is not None
    try:
        log_in(ctx.db, user.username, body.current_password)
    except LoginError as error:
        raise HTTPException(
            403 if error.status == 401 else error.status, "current_password: " + error.message
        ) from None
    user.password_hash = hash_password(body.new_password)
    user.must_change_password = False
    from mgir.storage import Session  # noqa: PLC0415

    for session in ctx.db.scalars(select(Session).where(Session.user_id == user.id)):
        if session.id != ctx.user.session_id:
            session.revoked = True
    audit(ctx.db, user_id=user.id, action="write", resource="POST /api/me/password")
    return Response(status_code=204)


@router.get("/health", summary="Liveness")
def health(ctx: Public) -> dict[str, str]:
    """``ok`` when the service answers and its database is reachable."""
    ctx.db.execute(select(1))
    return {"status": "ok"}


# ----------------------------------------------------------------------------- accounts (admin)


@router.get("/users", summary="List accounts")
def list_users(ctx: Admin) -> list[dict[str, Any]]:
    """Every account, without secrets."""
    return [_user(u) for u in ctx.db.scalars(select(User).order_by(User.id))]


@router.post("/users", summary="Create an account", status_code=201)
def create_user(ctx: Admin, body: UserIn) -> dict[str, Any]:
    """Create an account; a patient account names its patient record."""
    if body.patient_id is not None and ctx.db.get(Patient, body.patient_id) is None:
        raise HTTPException(422, f"patient_id: got {body.patient_id}; allowed: an existing record")
    user = add_user(
        ctx.db,
        username=body.username,
        display_name=body.display_name,
        role=body.role,
        password_hash=hash_password(body.password),
        patient_id=body.patient_id,
    )
    audit(
        ctx.db,
        user_id=ctx.user.user_id,
        action="write",
        resource="POST /api/users",
        detail=f"created {user.username} ({user.role})",
    )
    return _user(user)


@router.post("/users/{user_id}/password", summary="Reset a password (unlocks the account)")
def reset_password(ctx: Admin, user_id: PathId, body: PasswordResetIn) -> dict[str, Any]:
    """Set a new password, clear the lockout, revoke the account's sessions."""
    user = ctx.db.get(User, user_id)
    if user is None:
        raise HTTPException(404, f"user {user_id} not found")
    reset_account_password(ctx.db, user, body.password)
    audit(
        ctx.db,
        user_id=ctx.user.user_id,
        action="write",
        resource="POST /api/users/{user_id}/password",
        detail=f"reset {user.username}",
    )
    return _user(user)


@router.get("/care-teams", summary="List care teams")
def list_teams(ctx: Admin) -> list[dict[str, Any]]:
    """Every care team with its members' ids."""
    teams = ctx.db.scalars(select(CareTeam).order_by(CareTeam.id))
    return [
        {"id": t.id, "name": t.name, "member_ids": sorted(m.user_id for m in t.members)}
        for t in teams
    ]


@router.post("/care-teams", summary="Create a care team", status_code=201)
def create_team(ctx: Admin, body: CareTeamIn) -> dict[str, Any]:
    """Create a care team."""
    team = add_team(ctx.db, body.name)
    audit(ctx.db, user_id=ctx.user.user_id, action="write", resource="POST /api/care-teams")
    return {"id": team.id, "name": team.name, "member_ids": []}


@router.post("/care-teams/{team_id}/members", summary="Add a member to a care team")
def add_team_member(ctx: Admin, team_id: PathId, body: MemberIn) -> dict[str, Any]:
    """Put a clinician, dietitian or admin on a care team."""
    add_member(ctx.db, team_id, body.user_id)
    audit(
        ctx.db,
        user_id=ctx.user.user_id,
        action="write",
        resource="POST /api/care-teams/{team_id}/members",
        detail=f"user {body.user_id} to team {team_id}",
    )
    return {"team_id": team_id, "user_id": body.user_id}


@router.get("/audit", summary="The audit log")
def audit_log(
    ctx: Admin,
    patient_id: Annotated[int | None, Query(ge=1, le=2_147_483_647)] = None,
    limit: int = 200,
) -> list[dict[str, Any]]:
    """The newest entries (every read and write of patient data, logins, refusals)."""
    if not 1 <= limit <= 10_000:
        raise HTTPException(422, f"limit: got {limit}; allowed: 1 to 10000")
    entries = audit_entries(ctx.db, patient_id=patient_id, limit=limit)
    return [
        row(e, "id", "at", "user_id", "action", "resource", "patient_id", "detail") for e in entries
    ]


# ----------------------------------------------------------------------------- patients


def _visible(ctx: Context) -> list[Patient]:
    actor = ctx.user
    if actor.role == "patient":
        own = ctx.db.get(Patient, actor.patient_id) if actor.patient_id else None
        return [own] if own is not None else []
    return patients_of_teams(ctx.db, actor.team_ids)


@router.get("/patients", summary="The patients you can see (the panel)")
def list_patients(ctx: Anyone) -> list[dict[str, Any]]:
    """A clinician's or dietitian's care-team patients; a patient's own record."""
    found = _visible(ctx)
    audit(
        ctx.db,
        user_id=ctx.user.user_id,
        action="read",
        resource="GET /api/patients",
        detail=f"{len(found)} patients",
    )
    return [row(p, *_PATIENT_FIELDS) for p in found]


@router.get("/panel.csv", summary="The panel as CSV")
def panel_csv(ctx: Staff) -> Response:
    """One line per patient: identifier, name, age data, conditions, flags, latest labs."""
    found = _visible(ctx)
    buffer = io.StringIO()
    writer = csv.writer(buffer, quoting=csv.QUOTE_MINIMAL)
    writer.writerow(
        [
            "identifier",
            "name",
            "birth_date",
            "sex",
            "conditions",
            "flags",
            "latest_labs",
            "record_problem",
        ]
    )
    for patient in found:
        latest: dict[str, str] = {}
        for o in observations(ctx.db, patient.id):
            latest[o.lab] = f"{o.lab}={o.value:g} {o.unit} ({o.effective})"
        writer.writerow(
            [
                _cell(value)
                for value in [
                    patient.identifier,
                    patient.name,
                    patient.birth_date.isoformat(),
                    patient.sex,
                    ";".join(patient.conditions),
                    ";".join(f["label"] for f in patient.flags),
                    "; ".join(latest.values()),
                    patient.summary_error or "",
                ]
            ]
        )
    audit(
        ctx.db,
        user_id=ctx.user.user_id,
        action="read",
        resource="GET /api/panel.csv",
        detail=f"{len(found)} patients",
    )
    return Response(
        buffer.getvalue(),
        media_type="text/csv",
        headers={"Content-Disposition": 'attachment; filename="panel.csv"'},
    )


def _cell(value: str) -> str:
    # A cell a spreadsheet would run as a formula (=, +, -, @, tab, CR) is quoted as text
    # (OWASP "CSV injection").
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


@router.post("/patients", summary="Create a patient record", status_code=201)
def create_patient(ctx: Staff, body: PatientIn) -> dict[str, Any]:
    """Create a patient in one of your care teams."""
    if body.care_team_id not in ctx.user.team_ids:
        raise HTTPException(
            403,
            f"care_team_id: got {body.care_team_id}; allowed: one of your care teams "
            f"{sorted(ctx.user.team_ids)}",
        )
    patient = add_patient(ctx.db, **body.model_dump())
    _check_record(ctx.db, patient)
    refresh_summary(ctx.db, patient)
    audit(
        ctx.db,
        user_id=ctx.user.user_id,
        action="write",
        resource="POST /api/patients",
        patient_id=patient.id,
    )
    return row(patient, *_PATIENT_FIELDS)


@router.get("/patients/{patient_id}", summary="A patient's record and latest evaluation")
def get_patient(ctx: Reader, patient_id: PathId) -> dict[str, Any]:
    """Demographics, flags and the pipeline's latest assessment and plan (no projection)."""
    patient = ctx.record
    out = row(patient, *_PATIENT_FIELDS)
    summary = patient.summary
    if ctx.user.role == "patient" and summary is not None:
        # The live plan is an unsigned recommendation: a patient sees signed plans only.
        summary = {key: value for key, value in summary.items() if key != "plan"}
    out["summary"] = summary
    return out


@router.get("/patients/{patient_id}/observations", summary="A patient's lab results")
def list_observations(
    ctx: Reader, patient_id: PathId, lab: str | None = None
) -> list[dict[str, Any]]:
    """Every lab result, oldest first (optionally one canonical lab name)."""
    return [row(o, *_OBSERVATION_FIELDS) for o in observations(ctx.db, ctx.record.id, lab)]


@router.post("/patients/{patient_id}/observations", summary="Record a lab result", status_code=201)
def create_observation(ctx: Writer, patient_id: PathId, body: ObservationIn) -> dict[str, Any]:
    """Record one lab result (validated and converted; the value and unit are kept as given)."""
    observation = add_observation(
        ctx.db,
        ctx.record.id,
        lab=body.lab,
        value=body.value,
        unit=body.unit,
        effective=body.effective,
        recorded_by=ctx.user.user_id,
    )
    refresh_summary(ctx.db, ctx.record)
    return row(observation, *_OBSERVATION_FIELDS)


@router.post(
    "/patients/{patient_id}/observations/{observation_id}/entered-in-error",
    summary="Withdraw a lab result recorded in error",
)
def withdraw_observation(
    ctx: Writer, patient_id: PathId, observation_id: PathId, body: EnteredInErrorIn
) -> dict[str, Any]:
    """Mark a result as entered in error: kept (with who, when, why), no longer read."""
    found = _own(ctx, Observation, observation_id, "observation")
    mark_entered_in_error(ctx.db, found, by=_who(ctx), reason=body.reason)
    refresh_summary(ctx.db, ctx.record)
    return {**row(found, *_OBSERVATION_FIELDS), "entered_in_error": found.entered_in_error}


_Row = TypeVar("_Row", Observation, DietEntry, Medication)


def _own(ctx: Context, kind: type[_Row], row_id: int, name: str) -> _Row:
    """A record of the route's patient (404 for another patient's: its existence is not shown)."""
    found = ctx.db.get(kind, row_id)
    if found is None or found.patient_id != ctx.record.id:
        raise HTTPException(404, f"{name} {row_id} not found for this patient")
    return found


def _who(ctx: Context) -> str:
    return f"{ctx.user.display_name} (user {ctx.user.user_id})"


@router.get("/patients/{patient_id}/diet", summary="A patient's food diary")
def list_diet(ctx: Reader, patient_id: PathId) -> list[dict[str, Any]]:
    """Every diary entry, oldest first."""
    return [
        row(d, "id", "day", "food", "amount", "amount_unit")
        for d in diet_entries(ctx.db, ctx.record.id)
    ]


@router.post("/patients/{patient_id}/diet", summary="Record a diary entry", status_code=201)
def create_diet(ctx: Diarist, patient_id: PathId, body: DietIn) -> dict[str, Any]:
    """Record one food eaten (checked against the food table before it is stored)."""
    entry = add_diet_entry(
        ctx.db,
        ctx.record.id,
        day=body.day,
        food=body.food,
        amount=body.amount,
        amount_unit=body.unit,
        recorded_by=ctx.user.user_id,
    )
    _check_record(ctx.db, ctx.record)
    refresh_summary(ctx.db, ctx.record)
    return row(entry, "id", "day", "food", "amount", "amount_unit")


def _check_record(db: Any, patient: Patient) -> None:
    # The record as the pipeline reads it: what the person file refuses (a pregnant man, a
    # diary food that does not resolve) is refused at entry, naming the field.
    from mgir.assessment import parse_person  # noqa: PLC0415
    from mgir.service._clinic import patient_document  # noqa: PLC0415

    parse_person(patient_document(db, patient))


@router.post(
    "/patients/{patient_id}/diet/{entry_id}/entered-in-error",
    summary="Withdraw a diary entry recorded in error",
)
def withdraw_diet(
    ctx: Diarist, patient_id: PathId, entry_id: PathId, body: EnteredInErrorIn
) -> dict[str, Any]:
    """Mark a diary entry as entered in error: kept, no longer counted."""
    found = _own(ctx, DietEntry, entry_id, "diary entry")
    mark_entered_in_error(ctx.db, found, by=_who(ctx), reason=body.reason)
    refresh_summary(ctx.db, ctx.record)
    return {"id": found.id, "entered_in_error": found.entered_in_error}


@router.get("/patients/{patient_id}/medications", summary="A patient's medicines")
def list_medications(ctx: Reader, patient_id: PathId) -> list[dict[str, Any]]:
    """Every medicine, with times and dates."""
    return [
        row(m, "id", "name", "times", "start_date", "end_date")
        for m in medications(ctx.db, ctx.record.id)
    ]


@router.post("/patients/{patient_id}/medications", summary="Record a medicine", status_code=201)
def create_medication(ctx: Writer, patient_id: PathId, body: MedicationIn) -> dict[str, Any]:
    """Record a medicine the patient takes."""
    if body.start_date and body.end_date and body.end_date < body.start_date:
        raise HTTPException(
            422, f"end_date: got {body.end_date}; allowed: on or after start_date {body.start_date}"
        )
    medication = add_medication(
        ctx.db,
        ctx.record.id,
        name=body.name,
        times=body.times,
        start_date=body.start_date,
        end_date=body.end_date,
        recorded_by=ctx.user.user_id,
    )
    _check_record(ctx.db, ctx.record)
    refresh_summary(ctx.db, ctx.record)
    return row(medication, "id", "name", "times", "start_date", "end_date")


@router.post(
    "/patients/{patient_id}/medications/{medication_id}/stop", summary="Record a medicine stopped"
)
def stop_medication(
    ctx: Writer, patient_id: PathId, medication_id: PathId, body: StopIn
) -> dict[str, Any]:
    """Set the last day a medicine was taken (from the next day on it no longer counts)."""
    found = _own(ctx, Medication, medication_id, "medicine")
    if found.start_date is not None and body.end_date < found.start_date:
        raise HTTPException(
            422,
            f"end_date: got {body.end_date}; allowed: on or after start_date {found.start_date}",
        )
    found.end_date = body.end_date
    refresh_summary(ctx.db, ctx.record)
    return row(found, "id", "name", "times", "start_date", "end_date")


# ----------------------------------------------------------------------------- plans


def _options(ctx: Context, body: PlanIn) -> CareOptions:
    if body.overrides and ctx.user.role != "clinician":
        raise HTTPException(403, "only a clinician can record an override of a safety rule")
    now = utc_now()
    overrides = tuple(
        Override(
            kind=o.kind,
            reason=o.reason,
            by=f"{ctx.user.display_name} (user {ctx.user.user_id})",
            at=now,
        )
        for o in body.overrides
    )
    return CareOptions(
        weeks=body.weeks,
        supplement_requested=body.supplement_requested,
        requested_elemental_mg_per_day=body.requested_elemental_mg_per_day,
        requested_salt=body.requested_salt,
        ul_basis=body.ul_basis,
        overrides=overrides,
    )


def make_plan(ctx: Context, body: PlanIn, draft: Plan | None = None) -> Plan:
    """Run the pipeline and store a new draft (or replace ``draft``)."""
    options = _options(ctx, body)
    # The model runs for seconds: no write lock is held meanwhile (SQLite has one for all).
    ctx.db.rollback()
    document, evaluation = evaluate_patient(ctx.db, ctx.record, options)
    ctx.db.rollback()
    ctx.db.connection(execution_options=WRITE_INTENT)
    if draft is not None:
        ctx.db.refresh(draft)
    inputs = {"person": document, "request": body.model_dump(mode="json")}
    inputs = _fhir.json_ready(inputs)
    overrides = [(o.kind, o.reason, ctx.user.user_id, o.by, o.at) for o in options.overrides]
    if draft is None:
        return add_plan(
            ctx.db,
            ctx.record.id,
            inputs=inputs,
            evaluation=evaluation.to_dict(),
            created_by=ctx.user.user_id,
            overrides=overrides,
        )
    return update_draft(
        ctx.db, draft, inputs=inputs, evaluation=evaluation.to_dict(), overrides=overrides
    )


def _find_plan(ctx: Context, plan_id: PathId) -> Plan:
    plan = ctx.db.get(Plan, plan_id)
    if plan is None or plan.patient_id != ctx.record.id:
        raise HTTPException(404, f"plan {plan_id} not found for patient {ctx.record.id}")
    if ctx.user.role == "patient" and plan.status != "signed":
        raise HTTPException(404, f"plan {plan_id} not found for patient {ctx.record.id}")
    return plan


@router.get("/patients/{patient_id}/plans", summary="Every version of a patient's plan")
def list_plans(ctx: Reader, patient_id: PathId) -> list[dict[str, Any]]:
    """Versions newest first (a patient sees signed versions only), without the evaluations."""
    found = plans(ctx.db, ctx.record.id)
    if ctx.user.role == "patient":
        found = [p for p in found if p.status == "signed"]
    return [_plan(p, full=False) for p in found]


@router.post("/patients/{patient_id}/plans", summary="Make a draft plan", status_code=201)
def create_plan(ctx: Writer, patient_id: PathId, body: Annotated[PlanIn, Body()]) -> dict[str, Any]:
    """Run the clinical pipeline on the stored record and keep the result as a new draft."""
    return _plan(make_plan(ctx, body))


@router.get("/patients/{patient_id}/plans/{plan_id}", summary="One plan version")
def get_plan(ctx: Reader, patient_id: PathId, plan_id: PathId) -> dict[str, Any]:
    """The version with its whole evaluation (assessment, plan, projection, provenance)."""
    return _plan(_find_plan(ctx, plan_id))


@router.put("/patients/{patient_id}/plans/{plan_id}", summary="Remake a draft")
def update_plan(ctx: Writer, patient_id: PathId, plan_id: PathId, body: PlanIn) -> dict[str, Any]:
    """Re-run the pipeline for a draft with new options (a signed version answers 409)."""
    plan = _find_plan(ctx, plan_id)
    if plan.status == "signed":
        raise HTTPException(
            409,
            f"plan version {plan.version} is signed and cannot change; "
            "make a new draft (POST .../plans)",
        )
    return _plan(make_plan(ctx, body, draft=plan))


@router.post("/patients/{patient_id}/plans/{plan_id}/sign", summary="Sign a draft")
def sign(ctx: Signer, patient_id: PathId, plan_id: PathId) -> dict[str, Any]:
    """Sign a draft: it becomes immutable and starts today (its projection's day 0)."""
    plan = _find_plan(ctx, plan_id)
    sign_plan(ctx.db, plan, user_id=ctx.user.user_id, starts_on=date.today())
    return _plan(plan, full=False)


@router.get("/patients/{patient_id}/follow-up", summary="Labs due and projection vs observed")
def get_follow_up(ctx: Reader, patient_id: PathId) -> dict[str, Any]:
    """The signed plan's labs due and its projection made at signing against later labs."""
    plan, due, overlays = follow_up(ctx.db, ctx.record, date.today())
    return {
        "plan_id": plan.id if plan else None,
        "starts_on": plan.starts_on if plan else None,
        "labs_due": [d.to_dict() for d in due],
        "projection": [o.to_dict() for o in overlays],
    }


# ----------------------------------------------------------------------------- messages


@router.get("/patients/{patient_id}/messages", summary="The patient's message thread")
def list_messages(ctx: Reader, patient_id: PathId) -> list[dict[str, Any]]:
    """Messages between the patient and their care team, oldest first."""
    authors = {u.id: u for u in ctx.db.scalars(select(User))}
    return [
        {
            **row(m, "id", "author_id", "body", "created_at"),
            "author": authors[m.author_id].display_name if m.author_id in authors else None,
        }
        for m in messages(ctx.db, ctx.record.id)
    ]


@router.post("/patients/{patient_id}/messages", summary="Post a message", status_code=201)
def create_message(ctx: Messenger, patient_id: PathId, body: MessageIn) -> dict[str, Any]:
    """Post to the patient's thread (the patient or their care team)."""
    message = add_message(ctx.db, ctx.record.id, author_id=ctx.user.user_id, body=body.body)
    return row(message, "id", "author_id", "body", "created_at")


# ----------------------------------------------------------------------------- FHIR


@router.get("/patients/{patient_id}/fhir", summary="Export the record as a FHIR R4 Bundle")
def export_fhir(ctx: Reader, patient_id: PathId) -> Response:
    """Patient, Observations (indices with ``derivedFrom``), MedicationStatements, CarePlans."""
    bundle = _fhir.export_bundle(ctx.db, ctx.record, drafts=ctx.user.role != "patient")
    return Response(bundle.model_dump_json(exclude_none=True), media_type="application/fhir+json")


@router.post("/patients/{patient_id}/fhir", summary="Import a FHIR R4 lab Bundle")
def import_fhir(
    ctx: Writer,
    patient_id: PathId,
    request: Request,
    bundle: Annotated[dict[str, Any], Body(description="A FHIR R4 Bundle")],
) -> dict[str, Any]:
    """Import Observations and MedicationStatements; all or nothing, every error named."""
    del request
    counts = _fhir.import_bundle(ctx.db, ctx.record, bundle, recorded_by=ctx.user.user_id)
    _check_record(ctx.db, ctx.record)
    refresh_summary(ctx.db, ctx.record)
    return counts


@router.post("/fhir/Patient", summary="Create a patient from a FHIR R4 Patient", status_code=201)
def import_fhir_patient(
    ctx: Staff,
    care_team_id: Annotated[int, Query(ge=1, le=2_147_483_647)],
    resource: Annotated[dict[str, Any], Body()],
) -> dict[str, Any]:
    """Create a patient record from a FHIR Patient resource in one of your care teams."""
    if care_team_id not in ctx.user.team_ids:
        raise HTTPException(
            403,
            f"care_team_id: got {care_team_id}; allowed: one of your care "
            f"teams {sorted(ctx.user.team_ids)}",
        )
    fields = _fhir.patient_fields(resource)
    patient = add_patient(ctx.db, care_team_id=care_team_id, **fields)
    refresh_summary(ctx.db, patient)
    audit(
        ctx.db,
        user_id=ctx.user.user_id,
        action="write",
        resource="POST /api/fhir/Patient",
        patient_id=patient.id,
    )
    return row(patient, *_PATIENT_FIELDS)
