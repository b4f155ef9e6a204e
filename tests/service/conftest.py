"""Fixtures of the clinic service's tests: one database per backend, a demo clinic, clients.

Every service test runs on SQLite and on PostgreSQL. The PostgreSQL server is the one at
``MGIR_TEST_POSTGRES`` (default ``postgresql+psycopg://root@127.0.0.1:5432/test``); each test
module gets a schema of its own, dropped afterwards. Without a server the PostgreSQL tests skip
with the reason on a laptop, and fail in CI (``CI`` set).
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa

POSTGRES = os.environ.get("MGIR_TEST_POSTGRES", "postgresql+psycopg://root@127.0.0.1:5432/test")
PASSWORD = "mgir-demo-password"


def _postgres_problem() -> str | None:
    try:
        engine = sa.create_engine(POSTGRES, connect_args={"connect_timeout": 3})
        with engine.connect() as connection:
            connection.execute(sa.text("select 1"))
        engine.dispose()
    except Exception as error:  # noqa: BLE001  (any failure means: no usable server)
        return f"no PostgreSQL server at {POSTGRES}: {type(error).__name__}: {error}"[:300]
    return None


@contextlib.contextmanager
def database(backend: str, folder: Path) -> Iterator[str]:
    """A database URL of ``backend`` that is empty, and removed afterwards."""
    if backend == "sqlite":
        yield f"sqlite:///{folder / f'clinic-{uuid.uuid4().hex[:8]}.sqlite3'}"
        return
    problem = _postgres_problem()
    if problem is not None:
        if os.environ.get("CI"):
            pytest.fail(f"CI is set and the PostgreSQL tests cannot run: {problem}")
        pytest.skip(problem)

    schema = f"mgir_test_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(POSTGRES)
    with admin.begin() as connection:
        connection.execute(sa.text(f'create schema "{schema}"'))
    try:
        yield f"{POSTGRES}?options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as connection:
            connection.execute(sa.text(f'drop schema "{schema}" cascade'))
        admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"], scope="module")
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture(scope="module")
def database_url(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with database(backend, tmp_path_factory.mktemp("db")) as url:
        yield url


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(
    url: str, *, workers: int = 1, port: int | None = None, timeout_s: float = 60
) -> tuple[subprocess.Popen[bytes], str]:
    """Start ``mgir``'s service in a uvicorn process on loopback; wait until it answers."""
    from mgir import storage

    engine = storage.create_engine(url)
    storage.upgrade(engine)
    engine.dispose()
    port = port or free_port()
    env = {**os.environ, "MGIR_DATABASE_URL": url, "MGIR_SECURE_COOKIES": "1"}
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "mgir.service._app:app_from_environment",
            "--factory",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--workers",
            str(workers),
            "--log-level",
            "warning",
            "--no-access-log",
        ],
        env=env,
        start_new_session=True,  # its own process group: a test can kill every worker at once
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            if httpx.get(base + "/api/health", timeout=2).status_code == 200:
                return process, base
        except httpx.TransportError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            raise RuntimeError(f"the service did not start (exit {process.poll()})")
        time.sleep(0.2)


def stop_server(process: subprocess.Popen[bytes]) -> None:
    """Stop the service politely, then firmly."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@contextlib.contextmanager
def running_server(url: str, *, workers: int = 1, port: int | None = None) -> Iterator[str]:
    """``mgir``'s service in a uvicorn process on loopback (database migrated first)."""
    process, base = start_server(url, workers=workers, port=port)
    try:
        yield base
    finally:
        stop_server(process)


class Clinic:
    """The demo clinic plus a second care team, on one backend, with a token per account."""

    def __init__(self, url: str) -> None:
        from mgir import storage
        from mgir.service._auth import hash_password
        from mgir.service._demo import seed_demo

        self.url = url
        self._app = None
        engine = storage.create_engine(url)
        storage.upgrade(engine)
        with storage.transaction(storage.session_factory(engine)) as session:
            self.ids = seed_demo(session)
            other = storage.add_team(session, "Other clinic")
            stranger = storage.add_patient(
                session,
                care_team_id=other.id,
                identifier="other-1",
                name="Zoe Other",
                birth_date=date(1970, 5, 5),
                sex="female",
            )
            self.ids["Zoe Other"] = stranger.id
            secret = hash_password(PASSWORD)
            doctor = storage.add_user(
                session,
                username="dr.other",
                display_name="Dr Other",
                role="clinician",
                password_hash=secret,
            )
            storage.add_member(session, other.id, doctor.id)
            # An admin who is also on the demo care team (reads its patients, writes nothing).
            admin = storage.add_user(
                session,
                username="admin.team",
                display_name="Team Admin",
                role="admin",
                password_hash=secret,
            )
            demo_team = session.scalar(
                sa.select(storage.CareTeam.id).where(
                    storage.CareTeam.name == "Metabolic clinic (demo)"
                )
            )
            storage.add_member(session, demo_team, admin.id)
            self.plan_ids = {
                name: session.scalar(
                    sa.select(storage.Plan.id).where(storage.Plan.patient_id == pid)
                )
                for name, pid in self.ids.items()
            }
        engine.dispose()

    def app(self):
        """The service on this clinic's database (one app, and one engine, per clinic)."""
        from mgir.service import create_app

        if self._app is None:
            self._app = create_app(self.url)
        return self._app

    def close(self) -> None:
        if self._app is not None:
            self._app.state.engine.dispose()


_CLINICS: dict[str, Clinic] = {}


@pytest.fixture(scope="module")
def clinic(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Clinic:
    # One seeded clinic per backend for the whole session: seeding runs the model three times.
    if backend not in _CLINICS:
        stack = contextlib.ExitStack()
        url = stack.enter_context(database(backend, tmp_path_factory.mktemp("clinic")))
        _CLINICS[backend] = Clinic(url)
        _CLINIC_STACKS.append(stack)
    return _CLINICS[backend]


_CLINIC_STACKS: list[contextlib.ExitStack] = []


@pytest.fixture(scope="session", autouse=True)
def _drop_clinics() -> Iterator[None]:
    yield
    for clinic in _CLINICS.values():
        clinic.close()
    for stack in _CLINIC_STACKS:
        stack.close()


def token(client, username: str, password: str = PASSWORD) -> dict[str, str]:
    """The bearer header of an account."""
    response = client.post("/api/token", json={"username": username, "password": password})
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}
