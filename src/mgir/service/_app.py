"""The application factory: ``create_app(database_url)`` → a FastAPI app (API, pages, assets)."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from importlib import resources
from pathlib import Path
from typing import Any

import anyio.to_thread
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException

from mgir._errors import InvalidInputError
from mgir.service import _api, _pages
from mgir.service._auth import LoginThrottle
from mgir.service._deps import NotAuthenticatedError
from mgir.storage import (
    SignedPlanError,
    create_engine,
    current_revision,
    default_database_url,
    head_revision,
    session_factory,
    upgrade,
)

__all__ = ["create_app"]

_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; "
    "object-src 'none'"
)


_HEADERS = [
    (b"content-security-policy", _CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
]


class _SecurityHeaders:
    """Security headers on every response (a plain ASGI middleware: no extra task per request).

    A header a route set itself (the report's own CSP) is kept.
    """

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        static = scope["path"].startswith("/static/")

        async def with_headers(message: Any) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                extra = [(k, v) for k, v in _HEADERS if k not in present]
                if not static and b"cache-control" not in present:
                    extra.append((b"cache-control", b"no-store"))
                message = {**message, "headers": headers + extra}
            await send(message)

        await self.app(scope, receive, with_headers)


#: The largest request body the service reads (a FHIR Bundle of years of labs is far smaller).
MAX_BODY_BYTES = 10_000_000


class _RefuseNul:
    """Refuse a body over :data:`MAX_BODY_BYTES` (413) or a NUL character in the URL or body (422).

    PostgreSQL text cannot hold NUL, and no clinical text needs it; refusing it at the door keeps
    the two backends alike and every route safe (JSON ``\u0000``, form ``%00`` or a raw byte).
    """

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        chunks = []
        size = 0
        more = True
        while more:
            message = await receive()
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > MAX_BODY_BYTES:
                response = JSONResponse(
                    {"detail": f"request: body over {MAX_BODY_BYTES // 1_000_000} MB; split it"},
                    status_code=413,
                )
                await response(scope, receive, send)
                return
            chunks.append(chunk)
            more = message.get("more_body", False)
        body = b"".join(chunks)
        target = scope.get("raw_path", b"") + b"?" + scope.get("query_string", b"")
        if any(_has_nul(part) for part in (target, body)):
            response = JSONResponse(
                {"detail": "request: text must not contain the NUL character (\\u0000, %00)"},
                status_code=422,
            )
            await response(scope, receive, send)
            return
        replayed = False

        async def replay() -> Any:
            nonlocal replayed
            if replayed:
                return await receive()
            replayed = True
            return {"type": "http.request", "body": body, "more_body": False}

        await self.app(scope, replay, send)


def _has_nul(data: bytes) -> bool:
    lowered = data.lower()
    return b"\x00" in data or rb"\u0000" in lowered or b"%00" in lowered


def _field_message(error: dict[str, Any]) -> str:
    if error.get("type") == "json_invalid":
        position = error.get("loc", ("body", "?"))[-1]
        return f"body: not valid JSON (at character {position})"
    where = ".".join(str(p) for p in error.get("loc", ()) if p != "body") or "request"
    value = error.get("input")
    shown = "" if isinstance(value, dict | list) or value is None else f"; got {value!r}"
    return f"{where}: {error.get('msg', 'invalid')}{shown}"


def _is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/")


#: Requests a worker process runs at once in its thread pool. The work is Python (GIL-bound) and
#: SQLite takes one writer at a time: more threads only queue inside the database's busy wait,
#: whose back-off sleeps (up to 100 ms) make the latency tail.
WORKER_THREADS = int(os.environ.get("MGIR_WORKER_THREADS", "4"))


@asynccontextmanager
async def _lifespan(_app: FastAPI) -> AsyncIterator[None]:
    anyio.to_thread.current_default_thread_limiter().total_tokens = WORKER_THREADS
    yield


def create_app(
    database_url: str | None = None,
    *,
    secure_cookies: bool = True,
    migrate: bool = True,
    engine_options: dict[str, Any] | None = None,
) -> FastAPI:
    """The clinic service.

    Parameters
    ----------
    database_url
        ``sqlite:///PATH`` or ``postgresql+psycopg://USER@HOST:PORT/DB``; default: the embedded
        SQLite file in the user's data directory.
    secure_cookies
        Mark the session cookie ``Secure`` (keep on in production behind HTTPS; browsers accept
        Secure cookies from ``http://localhost``).
    migrate
        Upgrade the database to the newest schema at start (Alembic); when off, a database that
        is not at the newest revision is refused.
    engine_options
        Passed to :func:`mgir.storage.create_engine` (pool sizes, for example).
    """
    url = database_url or default_database_url()
    engine = create_engine(url, **(engine_options or {}))
    if migrate:
        upgrade(engine)
    elif current_revision(engine) != head_revision():
        msg = (
            f"the database at {engine.url.render_as_string(hide_password=True)} is at schema "
            f"{current_revision(engine)}, not {head_revision()}: run `mgir db upgrade`"
        )
        raise RuntimeError(msg)
    app = FastAPI(
        lifespan=_lifespan,
        docs_url=None,
        redoc_url=None,
        title="mgir clinic service",
        version=_version(),
        description="Patients, labs (LOINC, UCUM, FHIR R4), plans signed by clinicians and "
        "follow-up against the model's projection. Decision support, not a medical device.",
    )
    app.state.engine = engine
    app.state.sessions = session_factory(engine)
    app.state.throttle = LoginThrottle()
    app.state.secure_cookies = secure_cookies
    app.add_middleware(_SecurityHeaders)
    app.add_middleware(_RefuseNul)
    app.include_router(_api.router)
    app.include_router(_pages.router)
    static = Path(str(resources.files("mgir.service") / "static"))
    app.mount("/static", StaticFiles(directory=static), name="static")

    @app.exception_handler(NotAuthenticatedError)
    async def _login_required(request: Request, _error: NotAuthenticatedError) -> Response:
        if _is_api(request):
            return JSONResponse(
                {"detail": "log in first: send a bearer token (POST /api/token) or a cookie"},
                status_code=401,
                headers={"WWW-Authenticate": "Bearer"},
            )
        return RedirectResponse(f"/login?next={request.url.path}", status_code=303)

    @app.exception_handler(InvalidInputError)
    async def _invalid(_request: Request, error: InvalidInputError) -> Response:
        errors = [e.as_dict() for e in error.errors]
        return JSONResponse(
            {"detail": "; ".join(str(e) for e in error.errors), "errors": errors},
            status_code=422,
        )

    @app.exception_handler(SignedPlanError)
    async def _signed(_request: Request, error: SignedPlanError) -> Response:
        return JSONResponse({"detail": str(error)}, status_code=409)

    @app.exception_handler(RequestValidationError)
    async def _validation(_request: Request, error: RequestValidationError) -> Response:
        errors = list(error.errors())
        return JSONResponse(
            {
                "detail": "; ".join(_field_message(e) for e in errors),
                "errors": [
                    {"field": ".".join(str(p) for p in e.get("loc", ())), "message": e.get("msg")}
                    for e in errors
                ],
            },
            status_code=422,
        )

    @app.exception_handler(HTTPException)
    async def _http(request: Request, error: HTTPException) -> Response:
        if not _is_api(request) and error.status_code in {403, 404, 409}:
            return _pages.error_page(request, error.status_code, str(error.detail))
        return JSONResponse(
            {"detail": error.detail}, status_code=error.status_code, headers=error.headers
        )

    return app


def _version() -> str:
    from importlib import metadata  # noqa: PLC0415

    try:
        return metadata.version("mgir")
    except metadata.PackageNotFoundError:
        return "0+unknown"


def app_from_environment() -> FastAPI:
    """The app for uvicorn's worker processes: settings from ``MGIR_*`` environment variables.

    ``MGIR_DATABASE_URL`` (required) and ``MGIR_SECURE_COOKIES`` (``0`` to turn off). The
    database must already be migrated (``mgir serve`` migrates once before it starts workers).
    """
    import os  # noqa: PLC0415

    return create_app(
        os.environ["MGIR_DATABASE_URL"],
        secure_cookies=os.environ.get("MGIR_SECURE_COOKIES", "1") != "0",
        migrate=False,
    )
