"""The dashboard: server-rendered pages (Jinja2) with htmx for the unit toggle and the thread.

The panel, the patient page (latest values, trends with plan events and the projection band,
the plan and its schedule, cautions with sources, labs due, messages), the patient's own view
in plain language, and account administration. Forms post with a CSRF token; every asset is
served by the app (``/static``), nothing from a CDN.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from datetime import date
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Form, HTTPException, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from jinja2 import Environment, PackageLoader, select_autoescape
from sqlalchemy import select

from mgir._errors import InvalidInputError
from mgir.care import DatedValue, LabDue, ProjectionOverlay
from mgir.reference import source
from mgir.report import (
    condition_label,
    index_label,
    lab_label,
    notice_title,
    output_label,
    patient_summary,
    plain_words,
    render_report,
    unit_text,
)
from mgir.service import _fhir
from mgir.service._auth import (
    LoginError,
    hash_password,
    log_in,
    open_session,
    reset_password,
    revoke,
)
from mgir.service._charts import Band, trend_svg
from mgir.service._clinic import dated_values, follow_up, refresh_summary, stored_evaluation
from mgir.service._deps import (
    COOKIE_NAME,
    Admin,
    Anyone,
    CommittingRoute,
    Context,
    Messenger,
    Public,
    Reader,
    Signer,
    Writer,
)
from mgir.service._models import PathId, PlanIn
from mgir.storage import (
    CareTeam,
    Patient,
    Plan,
    SignedPlanError,
    User,
    add_member,
    add_message,
    add_observation,
    add_user,
    audit,
    messages,
    observations,
    patients_of_teams,
    plans,
    sign_plan,
)
from mgir.units import analyte, convert

__all__ = ["error_page", "router"]

router = APIRouter(include_in_schema=False, route_class=CommittingRoute)
_env = Environment(
    loader=PackageLoader("mgir.service", "templates"),
    autoescape=select_autoescape(["html", "j2"]),
    trim_blocks=True,
    lstrip_blocks=True,
)
_env.globals.update(
    condition_label=condition_label,
    index_label=index_label,
    lab_label=lab_label,
    output_label=output_label,
    notice_title=notice_title,
    unit_text=unit_text,
)
_env.filters["words"] = plain_words
templates = Jinja2Templates(env=_env)


_LOGIN_CSRF = "mgir_login_csrf"
# Spellings the unit toggle leaves out: the same number as a unit it offers.
_SAME_AS_ANOTHER_UNIT = frozenset({"mIU/L"})
#: The outputs the patient page charts, in order (each a lab or index the projection also has).
TRENDS = ("serum_magnesium", "fasting_glucose", "fasting_insulin", "homa_ir", "hba1c")


def _page(request: Request, name: str, context: dict[str, Any], status: int = 200) -> HTMLResponse:
    ctx = context.get("ctx")
    actor = ctx.actor if isinstance(ctx, Context) else None
    base = {"request": request, "actor": actor, "csrf": actor.csrf_token if actor else ""}
    return templates.TemplateResponse(request, name, {**base, **context}, status_code=status)


def error_page(request: Request, status: int, message: str) -> HTMLResponse:
    """A page for a refused or missing page (the API answers JSON instead)."""
    return templates.TemplateResponse(
        request,
        "error.html.j2",
        {"request": request, "actor": None, "csrf": "", "status": status, "message": message},
        status_code=status,
    )


def _back(path: str, *, error: str | None = None, note: str | None = None) -> RedirectResponse:
    query = f"?error={quote(error)}" if error else (f"?note={quote(note)}" if note else "")
    return RedirectResponse(path + query, status_code=303)


# ----------------------------------------------------------------------------- login


@router.get("/login", response_class=HTMLResponse)
def login_form(ctx: Public, next: str = "/", error: str | None = None) -> Response:
    """The login page (a double-submit token guards the form against login CSRF)."""
    token = secrets.token_urlsafe(24)
    response = _page(
        ctx.request,
        "login.html.j2",
        {"ctx": ctx, "login_csrf": token, "next": _safe_next(next), "error": error},
    )
    response.set_cookie(
        _LOGIN_CSRF,
        token,
        httponly=True,
        samesite="strict",
        secure=ctx.request.app.state.secure_cookies,
        max_age=3600,
    )
    return response


def _safe_next(target: str) -> str:
    # Only paths of this site: an open redirect would send a user elsewhere after login.
    return target if target.startswith("/") and not target.startswith("//") else "/"


@router.post("/login")
def login(
    ctx: Public,
    username: Annotated[str, Form(max_length=100)],
    password: Annotated[str, Form(max_length=128)],
    login_csrf: Annotated[str, Form(max_length=100)],
    next: Annotated[str, Form(max_length=500)] = "/",
) -> Response:
    """Check the password and open a browser session."""
    request = ctx.request
    cookie = request.cookies.get(_LOGIN_CSRF, "")
    if not cookie or not secrets.compare_digest(cookie, login_csrf):
        return _back("/login", error="The form expired; please try again.")
    client = request.client.host if request.client else "unknown"
    if not request.app.state.throttle.allow(client):
        return _back("/login", error="Too many attempts from this address; wait a minute.")
    try:
        user = log_in(ctx.db, username, password)
    except LoginError as error:
        return _back("/login", error=error.message[:1].upper() + error.message[1:] + ".")
    secret, _session = open_session(ctx.db, user, "cookie")
    audit(ctx.db, user_id=user.id, action="login", resource="POST /login")
    response = RedirectResponse(_safe_next(next), status_code=303)
    response.set_cookie(
        COOKIE_NAME,
        secret,
        httponly=True,
        samesite="strict",
        secure=request.app.state.secure_cookies,
        max_age=12 * 3600,
    )
    response.delete_cookie(_LOGIN_CSRF)
    return response


@router.post("/logout")
def logout(ctx: Anyone) -> Response:
    """End the browser session."""
    revoke(ctx.db, ctx.user.session_id)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(COOKIE_NAME)
    return response


# ----------------------------------------------------------------------------- panel


@router.get("/", response_class=HTMLResponse)
def panel(ctx: Anyone) -> Response:
    """The panel of a clinician or dietitian; a patient goes to their own page."""
    actor = ctx.user
    if actor.role == "patient":
        return RedirectResponse(f"/patients/{actor.patient_id}", status_code=303)
    rows = []
    for patient in patients_of_teams(ctx.db, actor.team_ids):
        _plan, due, _ = follow_up(ctx.db, patient, date.today())
        rows.append(
            {
                "patient": patient,
                "flags": patient.flags,
                "due": [d for d in due if d.state in {"due", "overdue"}],
            }
        )
    audit(
        ctx.db,
        user_id=actor.user_id,
        action="read",
        resource="GET /",
        detail=f"{len(rows)} patients",
    )
    return _page(ctx.request, "panel.html.j2", {"ctx": ctx, "rows": rows, "today": date.today()})


# ----------------------------------------------------------------------------- patient page


def _latest(ctx: Context) -> list[dict[str, Any]]:
    latest: dict[str, Any] = {}
    for o in observations(ctx.db, ctx.record.id):
        latest[o.lab] = o
    summary = ctx.record.summary or {}
    assessment = summary.get("assessment") or {}
    notes: dict[str, str] = {}
    magnesium = assessment.get("magnesium") or {}
    if magnesium.get("basis"):
        notes["serum_magnesium"] = "; ".join(magnesium["basis"])
    for reading in (assessment.get("glycaemia") or {}).get("readings") or []:
        notes[reading["lab"]] = reading["description"]
    egfr = (assessment.get("kidney") or {}).get("egfr") or {}
    if egfr.get("interpretation"):
        notes["creatinine"] = egfr["interpretation"]
    return [{"obs": o, "note": notes.get(name, "")} for name, o in latest.items()]


@dataclass(frozen=True)
class _Record:
    """What the trends of one page are drawn from (read once per request)."""

    values: tuple[DatedValue, ...]
    versions: list[Plan]
    follow: tuple[Plan | None, tuple[LabDue, ...], tuple[ProjectionOverlay, ...]]


def _record(ctx: Context) -> _Record:
    return _Record(
        values=dated_values(observations(ctx.db, ctx.record.id)),
        versions=plans(ctx.db, ctx.record.id),
        follow=follow_up(ctx.db, ctx.record, date.today()),
    )


def _series(record: _Record, name: str, unit: str | None) -> dict[str, Any]:
    values = [v for v in record.values if v.lab == name]
    plan, _due, overlays = record.follow
    overlay = next((o for o in overlays if o.output == name), None)
    canonical = (
        overlay.unit if overlay else (analyte(name).canonical_unit if name != "homa_ir" else "1")
    )
    shown = unit or canonical

    def to_shown(value: float) -> float:
        if shown == canonical or name == "homa_ir":
            return value
        return convert(analyte(name), value, canonical, shown)

    band = None
    if overlay is not None:
        band = Band(
            overlay.dates,
            [to_shown(v) for v in overlay.low],
            [to_shown(v) for v in overlay.central],
            [to_shown(v) for v in overlay.high],
        )
    events = []
    for version in record.versions:
        if version.status == "signed" and version.starts_on:
            supplement = (version.evaluation.get("plan") or {}).get("supplement")
            label = (
                f"v{version.version}: {supplement['elemental_mg_per_day']:g} mg/day"
                if supplement
                else f"v{version.version}: diet"
            )
            events.append((version.starts_on, label))
    points = [(v.on, to_shown(v.value)) for v in values]
    units = (
        []
        if name == "homa_ir"
        else [u for u in analyte(name).accepted_units if u not in _SAME_AS_ANOTHER_UNIT]
    )
    svg = trend_svg(
        title=output_label(name),
        unit=unit_text(shown),
        points=points,
        band=band,
        events=events,
        digits=2 if shown != "mg/dL" or name != "fasting_glucose" else 0,
    )
    return {
        "name": name,
        "unit": shown,
        "units": units,
        "svg": svg,
        "points": points,
        "band": band,
        "plan": plan,
        "position": overlay.position if overlay else (),
        "tolerance": overlay.tolerance_percent if overlay else None,
    }


def _plan_view(plan: Plan | None) -> dict[str, Any] | None:
    if plan is None:
        return None
    content = plan.evaluation.get("plan") or {}
    notices = [*content.get("urgent", []), *content.get("blocks", []), *content.get("cautions", [])]
    cited = []
    for notice in notices:
        keys = [k for k in str(notice.get("source", "")).split(";") if k]
        citations = []
        for key in keys:
            try:
                citations.append(source(key).citation)
            except (KeyError, ValueError, InvalidInputError):
                citations.append(key)
        cited.append({**notice, "citations": citations})
    return {
        "plan": plan,
        "content": content,
        "notices": cited,
        "projection": plan.evaluation.get("projection"),
    }


@router.get("/patients/{patient_id}", response_class=HTMLResponse)
def patient_page(
    ctx: Reader, patient_id: PathId, error: str | None = None, note: str | None = None
) -> Response:
    """The patient page (a patient sees their own view, in plain language)."""
    patient = ctx.record
    record = _record(ctx)
    versions = record.versions
    signed, due, _overlays = record.follow
    trends = [_series(record, name, None) for name in TRENDS]
    # A trend is drawn only where the patient has results (a projection band alone, anchored on
    # the population rather than on them, would read as theirs).
    trends = [t for t in trends if t["points"]]
    authors = {u.id: u.display_name for u in ctx.db.scalars(select(User))}
    thread = [
        {"m": m, "author": authors.get(m.author_id, "?")} for m in messages(ctx.db, patient.id)
    ]
    common = {
        "ctx": ctx,
        "patient": patient,
        "trends": trends,
        "due": due,
        "thread": thread,
        "error": error,
        "note": note,
        "today": date.today(),
    }
    if ctx.user.role == "patient":
        paragraphs = patient_summary(stored_evaluation(signed, ctx.db)) if signed else []
        return _page(
            ctx.request,
            "patient_self.html.j2",
            {**common, "paragraphs": paragraphs, "signed": _plan_view(signed)},
        )
    latest = versions[0] if versions else None
    return _page(
        ctx.request,
        "patient.html.j2",
        {
            **common,
            "latest": _latest(ctx),
            "summary": patient.summary or {},
            "versions": versions,
            "current": _plan_view(latest),
            "signed": signed,
        },
    )


@router.get("/patients/{patient_id}/trend/{output}", response_class=HTMLResponse)
def trend(ctx: Reader, patient_id: PathId, output: str, unit: str | None = None) -> Response:
    """One trend chart (the htmx unit toggle swaps it in)."""
    if output not in TRENDS:
        raise HTTPException(404, f"no trend {output!r}; allowed: {', '.join(TRENDS)}")
    if unit is not None and (output == "homa_ir" or unit not in analyte(output).accepted_units):
        raise HTTPException(404, f"unit {unit!r} is not offered for {output}")
    return _page(
        ctx.request,
        "_trend.html.j2",
        {"ctx": ctx, "patient": ctx.record, "t": _series(_record(ctx), output, unit)},
    )


@router.get("/patients/{patient_id}/plans/{plan_id}/report", response_class=HTMLResponse)
def plan_report(ctx: Reader, patient_id: PathId, plan_id: PathId) -> Response:
    """The plan version's full report (the same page as ``mgir report``)."""
    plan = ctx.db.get(Plan, plan_id)
    if (
        plan is None
        or plan.patient_id != ctx.record.id
        or (ctx.user.role == "patient" and plan.status != "signed")
    ):
        raise HTTPException(404, f"plan {plan_id} not found for patient {ctx.record.id}")
    page = HTMLResponse(render_report(stored_evaluation(plan, ctx.db)))
    # The report is self-contained and carries its own inline style.
    page.headers["Content-Security-Policy"] = (
        "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'none'"
    )
    return page


@router.post("/patients/{patient_id}/labs")
def add_lab(
    ctx: Writer,
    patient_id: PathId,
    lab: Annotated[str, Form(max_length=50)],
    value: Annotated[float, Form()],
    unit: Annotated[str, Form(max_length=30)],
    effective: Annotated[date, Form()],
) -> Response:
    """Record a lab result from the form."""
    path = f"/patients/{ctx.record.id}"
    try:
        add_observation(
            ctx.db,
            ctx.record.id,
            lab=lab,
            value=value,
            unit=unit,
            effective=effective,
            recorded_by=ctx.user.user_id,
        )
    except InvalidInputError as error:
        ctx.db.rollback()
        return _back(path, error=str(error))
    refresh_summary(ctx.db, ctx.record)
    return _back(path, note=f"Recorded {lab_label(analyte(lab).name)} {value:g} {unit}.")


@router.post("/patients/{patient_id}/import")
async def import_bundle(ctx: Writer, patient_id: PathId, bundle: UploadFile) -> Response:
    """Import a FHIR lab Bundle uploaded as a file."""
    path = f"/patients/{ctx.record.id}"
    raw = await bundle.read(5_000_001)
    if len(raw) > 5_000_000:
        return _back(path, error="bundle: larger than 5 MB; split it")
    try:
        document = json.loads(raw)
        counts = _fhir.import_bundle(ctx.db, ctx.record, document, recorded_by=ctx.user.user_id)
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        ctx.db.rollback()
        return _back(path, error=f"bundle: not JSON ({error})")
    except InvalidInputError as error:
        ctx.db.rollback()
        return _back(path, error=str(error))
    refresh_summary(ctx.db, ctx.record)
    skipped = sum(counts["skipped"].values())
    return _back(
        path,
        note=f"Imported {counts['observations']} lab results and "
        f"{counts['medications']} medicines ({counts['duplicates']} already stored, "
        f"{skipped} resources not imported).",
    )


@router.post("/patients/{patient_id}/plans")
def make_draft(
    ctx: Writer,
    patient_id: PathId,
    supplement_requested: Annotated[bool, Form()] = False,
    weeks: Annotated[float, Form(ge=1, le=104)] = 16.0,
) -> Response:
    """Make a draft plan version from the current record."""
    from mgir.service._api import make_plan  # noqa: PLC0415

    path = f"/patients/{ctx.record.id}"
    try:
        plan = make_plan(ctx, PlanIn(weeks=weeks, supplement_requested=supplement_requested))
    except InvalidInputError as error:
        ctx.db.rollback()
        return _back(path, error=str(error))
    return _back(path, note=f"Draft version {plan.version} made; review it and sign.")


@router.post("/patients/{patient_id}/plans/{plan_id}/sign")
def sign(ctx: Signer, patient_id: PathId, plan_id: PathId) -> Response:
    """Sign a draft."""
    path = f"/patients/{ctx.record.id}"
    plan = ctx.db.get(Plan, plan_id)
    if plan is None or plan.patient_id != ctx.record.id:
        raise HTTPException(404, f"plan {plan_id} not found for patient {ctx.record.id}")
    try:
        sign_plan(ctx.db, plan, user_id=ctx.user.user_id, starts_on=date.today())
    except SignedPlanError as error:
        return _back(path, error=str(error))
    return _back(path, note=f"Version {plan.version} signed; it starts today.")


@router.post("/patients/{patient_id}/messages")
def post_message(
    ctx: Messenger, patient_id: PathId, body: Annotated[str, Form(max_length=5000)]
) -> Response:
    """Post to the thread (htmx swaps the thread in place; without JavaScript, a redirect)."""
    try:
        add_message(ctx.db, ctx.record.id, author_id=ctx.user.user_id, body=body)
    except InvalidInputError as error:
        ctx.db.rollback()
        return _back(f"/patients/{ctx.record.id}", error=str(error))
    if ctx.request.headers.get("HX-Request"):
        authors = {u.id: u.display_name for u in ctx.db.scalars(select(User))}
        thread = [
            {"m": m, "author": authors.get(m.author_id, "?")}
            for m in messages(ctx.db, ctx.record.id)
        ]
        return _page(
            ctx.request, "_messages.html.j2", {"ctx": ctx, "patient": ctx.record, "thread": thread}
        )
    return _back(f"/patients/{ctx.record.id}", note="Message sent.")


# ----------------------------------------------------------------------------- admin


@router.get("/admin", response_class=HTMLResponse)
def admin_page(ctx: Admin, error: str | None = None, note: str | None = None) -> Response:
    """Accounts and care teams."""
    users = list(ctx.db.scalars(select(User).order_by(User.id)))
    teams = list(ctx.db.scalars(select(CareTeam).order_by(CareTeam.id)))
    patients = [tuple(r) for r in ctx.db.execute(select(Patient.id, Patient.identifier)).all()]
    return _page(
        ctx.request,
        "admin.html.j2",
        {
            "ctx": ctx,
            "users": users,
            "teams": teams,
            "patients": patients,
            "error": error,
            "note": note,
        },
    )


@router.post("/admin/users")
def admin_create_user(
    ctx: Admin,
    username: Annotated[str, Form(max_length=100)],
    display_name: Annotated[str, Form(max_length=200)],
    role: Annotated[str, Form(max_length=20)],
    password: Annotated[str, Form(max_length=128)],
    team_id: Annotated[str, Form(max_length=20)] = "",
    patient_id: Annotated[str, Form(max_length=20)] = "",
) -> Response:
    """Create an account from the form."""
    try:
        user = add_user(
            ctx.db,
            username=username,
            display_name=display_name,
            role=role,
            password_hash=hash_password(password),
            patient_id=int(patient_id) if patient_id.isdigit() else None,
        )
        if team_id.isdigit() and role != "patient":
            add_member(ctx.db, int(team_id), user.id)
    except InvalidInputError as error:
        ctx.db.rollback()
        return _back("/admin", error=str(error))
    audit(
        ctx.db,
        user_id=ctx.user.user_id,
        action="write",
        resource="POST /admin/users",
        detail=f"created {username} ({role})",
    )
    return _back("/admin", note=f"Account {username} created.")


@router.post("/admin/users/{user_id}/password")
def admin_reset_password(
    ctx: Admin, user_id: PathId, password: Annotated[str, Form(max_length=128)]
) -> Response:
    """Reset a password and unlock the account."""
    user = ctx.db.get(User, user_id)
    if user is None:
        raise HTTPException(404, f"user {user_id} not found")
    try:
        reset_password(ctx.db, user, password)
    except InvalidInputError as error:
        return _back("/admin", error=str(error))
    audit(
        ctx.db,
        user_id=ctx.user.user_id,
        action="write",
        resource="POST /admin/users/{user_id}/password",
        detail=f"reset {user.username}",
    )
    return _back("/admin", note=f"Password of {user.username} reset; the account is unlocked.")
