"""Engines and migrations: SQLite by default, PostgreSQL by URL; Alembic owns the schema.

SQLite runs in WAL mode with ``synchronous=FULL``: a commit is on disk before it is acknowledged,
so a killed server (or a lost power supply) loses no acknowledged write; foreign keys are
enforced; a transaction that will write begins ``IMMEDIATE`` (:data:`WRITE_INTENT`): it takes the
write lock at the start, so that writers queue on ``busy_timeout`` instead of failing when another
connection wrote first. PostgreSQL is used as configured by the server (``synchronous_commit``
on by default).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from mgir._errors import InvalidInputError

try:
    import fcntl
except ImportError:  # pragma: no cover  (Windows: threads of one process still queue)
    fcntl = None  # type: ignore[assignment]

__all__ = [
    "WRITE_INTENT",
    "create_engine",
    "current_revision",
    "default_database_url",
    "downgrade",
    "head_revision",
    "session_factory",
    "transaction",
    "upgrade",
]

_MIGRATIONS = Path(__file__).with_name("migrations")
_SQLITE_BUSY_TIMEOUT_MS = 30_000
_ALLOWED_URLS = "sqlite:///PATH or postgresql+psycopg://USER@HOST:PORT/DATABASE"


def default_database_url() -> str:
    """The embedded SQLite file in the user's data directory (created when missing)."""
    import platformdirs  # noqa: PLC0415  (only the default needs it)

    folder = platformdirs.user_data_path("mgir", appauthor=False, ensure_exists=True)
    return f"sqlite:///{folder / 'clinic.sqlite3'}"


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # mgir begins its transactions itself (below): the driver's own BEGIN is turned off.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={_SQLITE_BUSY_TIMEOUT_MS}")
    cursor.close()


def create_engine(url: str, **kwargs: Any) -> Engine:
    """An engine for ``url`` with mgir's connection settings.

    Parameters
    ----------
    url
        A SQLAlchemy URL: ``sqlite:///path/clinic.sqlite3`` or
        ``postgresql+psycopg://user@host:5432/database``.
    **kwargs
        Passed to :func:`sqlalchemy.create_engine`.

    Raises
    ------
    InvalidInputError
        If the URL cannot be parsed or names a backend mgir does not support.
    """
    try:
        parsed = sa.engine.make_url(url)
    except sa.exc.ArgumentError as error:
        raise InvalidInputError(field="--db", value=url, allowed=_ALLOWED_URLS) from error
    backend = parsed.get_backend_name()
    if backend not in {"sqlite", "postgresql"}:
        raise InvalidInputError(field="--db", value=url, allowed=_ALLOWED_URLS)
    if backend == "postgresql" and parsed.drivername == "postgresql":
        parsed = parsed.set(drivername="postgresql+psycopg")
    if backend == "sqlite":
        kwargs.setdefault("connect_args", {})
        kwargs["connect_args"].setdefault("check_same_thread", False)
        kwargs["connect_args"].setdefault("timeout", _SQLITE_BUSY_TIMEOUT_MS / 1000)
        database = parsed.database
        if database and database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)
    else:
        kwargs.setdefault("pool_pre_ping", True)
    engine = sa.create_engine(parsed, **kwargs)
    if backend == "sqlite":
        sa.event.listen(engine, "connect", _sqlite_pragmas)
        _sqlite_write_queue(engine, parsed.database)
    return engine


#: Execution option of a connection whose transaction will write: on SQLite it begins
#: ``IMMEDIATE``. (A deferred transaction that read first cannot take the write lock once another
#: connection has committed: SQLite answers "database is locked" at once, without waiting.)
WRITE_INTENT = {"sqlite_begin_immediate": True}


def _process_lock(database: str | None) -> int | None:
    if fcntl is None or not database or database == ":memory:":
        return None
    return os.open(f"{database}.writers", os.O_RDWR | os.O_CREAT, 0o600)


def _sqlite_write_queue(engine: Engine, database: str | None) -> None:
    """Queue writers on locks that wake them at once, before SQLite's own lock.

    SQLite's busy handler polls with growing sleeps (up to 100 ms): writers that wait for its
    lock wake late, and the latency tail grows to seconds. Threads of one process queue on a
    Python lock, and processes (uvicorn's workers) on an ``flock`` of a file beside the database
    (POSIX; elsewhere only the threads queue); both wake the next writer when released. They are
    taken at ``BEGIN IMMEDIATE`` and given back at commit or rollback, which mgir's routes do in
    the thread that began.
    """
    lock = threading.Lock()
    file_lock = _process_lock(database)

    def begin(connection: sa.Connection) -> None:
        immediate = connection.get_execution_options().get("sqlite_begin_immediate", False)
        if immediate:
            lock.acquire()
            if file_lock is not None:
                fcntl.flock(file_lock, fcntl.LOCK_EX)
            connection.info["mgir_write_lock"] = True
        try:
            connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")
        except BaseException:
            release(connection)
            raise

    def release(connection: sa.Connection) -> None:
        if connection.info.pop("mgir_write_lock", False):
            if file_lock is not None:
                fcntl.flock(file_lock, fcntl.LOCK_UN)
            lock.release()

    def after_commit(connection: sa.Connection) -> None:
        release(connection)

    sa.event.listen(engine, "begin", begin)
    sa.event.listen(engine, "commit", after_commit)
    sa.event.listen(engine, "rollback", after_commit)


def session_factory(engine: Engine) -> sessionmaker[Session]:
    """Sessions bound to ``engine``; objects stay readable after commit."""
    return sessionmaker(engine, expire_on_commit=False)


@contextmanager
def transaction(factory: sessionmaker[Session]) -> Iterator[Session]:
    """A session that commits when the block ends and rolls back on an exception."""
    with factory.begin() as session:
        yield session


def _config(connection: sa.Connection) -> Config:
    config = Config()
    config.set_main_option("script_location", str(_MIGRATIONS))
    config.attributes["connection"] = connection
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Migrate the database to ``revision`` (default: the newest)."""
    with engine.begin() as connection:
        command.upgrade(_config(connection), revision)


def downgrade(engine: Engine, revision: str = "base") -> None:
    """Migrate the database down to ``revision`` (default: empty)."""
    with engine.begin() as connection:
        command.downgrade(_config(connection), revision)


def current_revision(engine: Engine) -> str | None:
    """The revision the database is at (``None`` when it was never migrated)."""
    from alembic.migration import MigrationContext  # noqa: PLC0415

    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def head_revision() -> str:
    """The newest revision this version of mgir ships."""
    from alembic.script import ScriptDirectory  # noqa: PLC0415

    config = Config()
    config.set_main_option("script_location", str(_MIGRATIONS))
    head = ScriptDirectory.from_config(config).get_current_head()
    assert head is not None
    return head
