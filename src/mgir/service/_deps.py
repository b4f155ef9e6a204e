"""Per-request dependencies: the database session, the actor, and the one authorisation check.

Every route declares exactly one :func:`authorize` dependency with its :class:`Access` level; the
authorisation matrix test reads the level from the route table, so a route without one fails.
Patient-scoped levels load the patient from the path, answer 404 for a patient outside the actor's
care teams (or not their own record), 403 for a role the level does not admit, and write the
audit entry of the read or write in the request's transaction.
"""

from __future__ import annotations

import functools
import inspect
import secrets
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from enum import StrEnum
from typing import Annotated, Any

from fastapi import Depends, HTTPException, Request
from fastapi.routing import APIRoute
from sqlalchemy.orm import Session as DbSession

from mgir.service._auth import Actor, resolve_token
from mgir.storage import WRITE_INTENT, Patient, audit

__all__ = [
    "COOKIE_NAME",
    "PATIENT_SCOPED",
    "ROLES_ALLOWED",
    "Access",
    "CommittingRoute",
    "Context",
    "NotAuthenticatedError",
    "access_of",
    "authorize",
    "route_table",
]

COOKIE_NAME = "mgir_session"
CSRF_HEADER = "X-CSRF-Token"
CSRF_FIELD = "csrf_token"
_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class Access(StrEnum):
    """What a route needs (docs/service.md, "Roles")."""

    PUBLIC = "public"
    AUTHENTICATED = "authenticated"
    ADMIN = "admin"
    STAFF = "staff"
    PATIENT_READ = "patient_read"
    PATIENT_WRITE = "patient_write"
    PATIENT_DIARY = "patient_diary"
    PATIENT_MESSAGE = "patient_message"
    PLAN_SIGN = "plan_sign"


#: The roles each level admits (patient-scoped levels also need the patient in the actor's care
#: teams, or, for a patient, their own record).
ROLES_ALLOWED: dict[Access, frozenset[str]] = {
    Access.PUBLIC: frozenset({"anonymous", "admin", "clinician", "dietitian", "patient"}),
    Access.AUTHENTICATED: frozenset({"admin", "clinician", "dietitian", "patient"}),
    Access.ADMIN: frozenset({"admin"}),
    Access.STAFF: frozenset({"clinician", "dietitian"}),
    Access.PATIENT_READ: frozenset({"admin", "clinician", "dietitian", "patient"}),
    Access.PATIENT_WRITE: frozenset({"clinician", "dietitian"}),
    Access.PATIENT_DIARY: frozenset({"clinician", "dietitian", "patient"}),
    Access.PATIENT_MESSAGE: frozenset({"clinician", "dietitian", "patient"}),
    Access.PLAN_SIGN: frozenset({"clinician"}),
}

PATIENT_SCOPED = frozenset(
    {
        Access.PATIENT_READ,
        Access.PATIENT_WRITE,
        Access.PATIENT_DIARY,
        Access.PATIENT_MESSAGE,
        Access.PLAN_SIGN,
    }
)


class NotAuthenticatedError(Exception):
    """No valid session or token: the API answers 401, a page redirects to the login page."""


@dataclass
class Context:
    """What a route works with: the request's database session, the actor and the patient."""

    db: DbSession
    actor: Actor | None
    patient: Patient | None
    request: Request

    @property
    def user(self) -> Actor:
        """The actor of an authenticated route."""
        assert self.actor is not None
        return self.actor

    @property
    def record(self) -> Patient:
        """The patient of a patient-scoped route."""
        assert self.patient is not None
        return self.patient


def _actor(request: Request, db: DbSession) -> Actor | None:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() == "bearer" and token:
        return resolve_token(db, token.strip(), "bearer")
    cookie = request.cookies.get(COOKIE_NAME)
    if cookie:
        return resolve_token(db, cookie, "cookie")
    return None


async def _csrf_value(request: Request) -> str | None:
    if request.method in _SAFE_METHODS:
        return None
    header = request.headers.get(CSRF_HEADER)
    if header:
        return header
    content_type = request.headers.get("content-type", "")
    if content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
        form = await request.form()
        value = form.get(CSRF_FIELD)
        return value if isinstance(value, str) else None
    return None


def _deny(db: DbSession, request: Request, actor: Actor, patient_id: int | None, why: str) -> None:
    # A refusal is audited and committed before the error is raised (which rolls back).
    db.rollback()
    db.connection(execution_options=WRITE_INTENT)
    audit(
        db,
        user_id=actor.user_id,
        action="denied",
        resource=f"{request.method} {request.url.path}",
        patient_id=patient_id,
        detail=why,
    )
    db.commit()


def authorize(access: Access) -> Callable[..., Iterator[Context]]:
    """The dependency that admits a request to a route of level ``access``.

    It also owns the request's database session. The route's own work is committed in the
    route's thread when it returns (:class:`CommittingRoute`), before the response is sent; the
    session is rolled back on an error and closed after the route.
    """

    def dependency(
        request: Request, csrf: Annotated[str | None, Depends(_csrf_value)]
    ) -> Iterator[Context]:
        db: DbSession = request.app.state.sessions()
        try:
            # Admission (and its audit entry) is one short write transaction, committed here:
            # no database lock is held while the request waits for the route's thread.
            db.connection(execution_options=WRITE_INTENT)
            context = _admit(access, request, db, csrf)
            db.commit()
            yield context
            db.commit()
        except BaseException:
            db.rollback()
            raise
        finally:
            db.close()

    # Read by access_of() and the authorisation matrix test.
    dependency.access = access  # type: ignore[attr-defined]
    return dependency


def _admit(access: Access, request: Request, db: DbSession, csrf: str | None) -> Context:
    actor = _actor(request, db)
    if access is Access.PUBLIC:
        return Context(db=db, actor=actor, patient=None, request=request)
    if actor is None:
        raise NotAuthenticatedError
    if (
        request.method not in _SAFE_METHODS
        and actor.kind == "cookie"
        and not (csrf and secrets.compare_digest(csrf, actor.csrf_token))
    ):
        raise HTTPException(
            403, "missing or wrong CSRF token: reload the page and submit the form again"
        )
    patient: Patient | None = None
    if access in PATIENT_SCOPED:
        raw = request.path_params.get("patient_id", "")
        patient_id = int(raw) if str(raw).isdigit() and len(str(raw)) <= 9 else None
        patient = db.get(Patient, patient_id) if patient_id is not None else None
        visible = patient is not None and (
            actor.patient_id == patient.id
            if actor.role == "patient"
            else patient.care_team_id in actor.team_ids
        )
        if not visible:
            _deny(db, request, actor, patient_id, "not on the actor's care teams")
            raise HTTPException(404, f"patient {raw} not found among the patients you can see")
        assert patient is not None
        if actor.role not in ROLES_ALLOWED[access]:
            _deny(db, request, actor, patient.id, f"role {actor.role} lacks {access}")
            raise HTTPException(
                403, f"{_article(actor.role)} {actor.role} account cannot do this ({access})"
            )
        audit(
            db,
            user_id=actor.user_id,
            action="read" if request.method in _SAFE_METHODS else "write",
            resource=f"{request.method} {_route_path(request)}",
            patient_id=patient.id,
        )
    elif actor.role not in ROLES_ALLOWED[access]:
        _deny(db, request, actor, None, f"role {actor.role} lacks {access}")
        raise HTTPException(
            403, f"{_article(actor.role)} {actor.role} account cannot do this ({access})"
        )
    return Context(db=db, actor=actor, patient=patient, request=request)


def route_table(app: Any) -> list[Any]:
    """Every endpoint route of the app (API and pages), through included routers."""
    from fastapi.routing import APIRoute  # noqa: PLC0415

    found: list[Any] = []
    stack = list(app.routes)
    while stack:
        route = stack.pop(0)
        included = getattr(route, "original_router", None)
        if included is not None:
            stack[:0] = list(included.routes)
        elif isinstance(route, APIRoute):
            found.append(route)
    return found


def access_of(route: Any) -> Access | None:
    """The :class:`Access` level a route declares (``None``: it declares none)."""
    dependant = getattr(route, "dependant", None)
    stack = list(dependant.dependencies) if dependant is not None else []
    while stack:
        dependant = stack.pop()
        level = getattr(dependant.call, "access", None)
        if isinstance(level, Access):
            return level
        stack.extend(dependant.dependencies)
    return None


def _route_path(request: Request) -> str:
    route = request.scope.get("route")
    return str(getattr(route, "path", request.url.path))


class CommittingRoute(APIRoute):
    """A route whose endpoint commits the request's session in its own thread when it returns.

    Unsafe methods (POST, PUT) begin their transaction with write intent. The commit is in the
    endpoint's thread, so no SQLite write lock is held across the hop back to the event loop
    (where waiting requests hold the thread pool's slots: a lock held across it can deadlock).
    """

    def __init__(self, path: str, endpoint: Callable[..., Any], **kwargs: Any) -> None:
        super().__init__(path, _committing(endpoint), **kwargs)


def _contexts_in(kwargs: dict[str, Any]) -> list[Context]:
    return [value for value in kwargs.values() if isinstance(value, Context)]


def _committing(endpoint: Callable[..., Any]) -> Callable[..., Any]:
    if inspect.iscoroutinefunction(endpoint):

        @functools.wraps(endpoint)
        async def run_async(*args: Any, **kwargs: Any) -> Any:
            for context in _contexts_in(kwargs):
                _begin(context)
            result = await endpoint(*args, **kwargs)
            for context in _contexts_in(kwargs):
                context.db.commit()
            return result

        return run_async

    @functools.wraps(endpoint)
    def run(*args: Any, **kwargs: Any) -> Any:
        for context in _contexts_in(kwargs):
            _begin(context)
        result = endpoint(*args, **kwargs)
        for context in _contexts_in(kwargs):
            context.db.commit()
        return result

    return run


def _begin(context: Context) -> None:
    if context.request.method not in _SAFE_METHODS:
        context.db.connection(execution_options=WRITE_INTENT)


def _article(word: str) -> str:
    return "an" if word[:1] in "aeiou" else "a"


# The route parameters of each access level (one definition for the API and the pages).
Public = Annotated[Context, Depends(authorize(Access.PUBLIC), scope="function")]
Anyone = Annotated[Context, Depends(authorize(Access.AUTHENTICATED), scope="function")]
Admin = Annotated[Context, Depends(authorize(Access.ADMIN), scope="function")]
Staff = Annotated[Context, Depends(authorize(Access.STAFF), scope="function")]
Reader = Annotated[Context, Depends(authorize(Access.PATIENT_READ), scope="function")]
Writer = Annotated[Context, Depends(authorize(Access.PATIENT_WRITE), scope="function")]
Diarist = Annotated[Context, Depends(authorize(Access.PATIENT_DIARY), scope="function")]
Messenger = Annotated[Context, Depends(authorize(Access.PATIENT_MESSAGE), scope="function")]
Signer = Annotated[Context, Depends(authorize(Access.PLAN_SIGN), scope="function")]
