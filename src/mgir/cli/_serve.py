"""``mgir serve`` (the clinic service), ``mgir db`` (migrations) and ``mgir user`` (accounts)."""

from __future__ import annotations

import getpass
import os
from pathlib import Path
from typing import Annotated

import typer

from mgir._errors import InvalidInputError
from mgir.cli._common import console, handle_errors

__all__ = ["register"]

DatabaseUrl = Annotated[
    str | None,
    typer.Option(
        "--db",
        help="Database URL: sqlite:///PATH or postgresql+psycopg://USER@HOST:PORT/DB "
        "(default: a SQLite file in the user's data directory).",
    ),
]


def _service_missing() -> InvalidInputError:
    return InvalidInputError(
        field="mgir serve",
        value="the service's packages are not installed",
        allowed='install them with: pip install "mgir[service]"',
    )


def register(app: typer.Typer) -> None:
    """Add ``mgir serve``, ``mgir db`` and ``mgir user`` to the app."""

    @app.command("serve")
    @handle_errors
    def serve_command(
        db: DatabaseUrl = None,
        host: Annotated[str, typer.Option("--host", help="Address to listen on.")] = "127.0.0.1",
        port: Annotated[int, typer.Option("--port", min=1, max=65535)] = 8000,
        workers: Annotated[int, typer.Option("--workers", min=1, max=64)] = 1,
        demo: Annotated[
            bool,
            typer.Option(
                "--demo",
                help="Seed a demo clinic (four patients with a year of records). Without --db "
                "it uses a fresh demo database of its own; with --db the database must be empty.",
            ),
        ] = False,
        insecure_cookies: Annotated[
            bool,
            typer.Option(
                "--insecure-cookies",
                help="Send the session cookie over plain HTTP to a host other than localhost "
                "(never in production: put the service behind HTTPS).",
            ),
        ] = False,
    ) -> None:
        """Run the clinic service (API under /api, the dashboard at /)."""
        try:
            import uvicorn  # noqa: PLC0415

            from mgir import storage  # noqa: PLC0415
            from mgir.service._demo import DEMO_PASSWORD, DEMO_USERS, seed_demo  # noqa: PLC0415
        except ImportError as error:
            raise _service_missing() from error
        url = db
        if demo and url is None:
            import platformdirs  # noqa: PLC0415

            folder = platformdirs.user_data_path("mgir", appauthor=False, ensure_exists=True)
            path = folder / "demo.sqlite3"
            for suffix in ("", "-wal", "-shm"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)
            url = f"sqlite:///{path}"
        url = url or storage.default_database_url()
        engine = storage.create_engine(url)
        storage.upgrade(engine)
        if demo:
            with storage.transaction(storage.session_factory(engine)) as session:
                seed_demo(session)
            console.print(
                "Demo clinic seeded. Log in as "
                + ", ".join(f"{name} ({role})" for name, role in DEMO_USERS.items())
                + f" with the password {DEMO_PASSWORD!r}.",
                markup=False,
            )
        engine.dispose()
        shown = engine.url.render_as_string(hide_password=True)
        console.print(f"Database: {shown}", markup=False)
        console.print(f"Open http://{host}:{port}/ (Ctrl-C stops the service)", markup=False)
        os.environ["MGIR_DATABASE_URL"] = url
        os.environ["MGIR_SECURE_COOKIES"] = "0" if insecure_cookies else "1"
        uvicorn.run(
            "mgir.service._app:app_from_environment",
            factory=True,
            host=host,
            port=port,
            workers=workers,
            proxy_headers=True,
            log_level="info",
        )

    db_app = typer.Typer(help="The clinic database's schema (Alembic migrations).")
    app.add_typer(db_app, name="db")

    @db_app.command("upgrade")
    @handle_errors
    def db_upgrade(
        db: DatabaseUrl = None,
        revision: Annotated[str, typer.Option("--revision")] = "head",
    ) -> None:
        """Migrate the database to the newest schema (or --revision)."""
        from mgir import storage  # noqa: PLC0415

        engine = storage.create_engine(db or storage.default_database_url())
        storage.upgrade(engine, revision)
        console.print(f"Database at revision {storage.current_revision(engine)}", markup=False)

    @db_app.command("downgrade")
    @handle_errors
    def db_downgrade(
        revision: Annotated[str, typer.Argument(help="Target revision ('base': empty).")],
        db: DatabaseUrl = None,
    ) -> None:
        """Migrate the database down to REVISION (take a backup first)."""
        from mgir import storage  # noqa: PLC0415

        engine = storage.create_engine(db or storage.default_database_url())
        storage.downgrade(engine, revision)
        console.print(f"Database at revision {storage.current_revision(engine)}", markup=False)

    @db_app.command("current")
    @handle_errors
    def db_current(db: DatabaseUrl = None) -> None:
        """Print the database's schema revision and the newest this mgir ships."""
        from mgir import storage  # noqa: PLC0415

        engine = storage.create_engine(db or storage.default_database_url())
        console.print(
            f"current: {storage.current_revision(engine)}  newest: {storage.head_revision()}",
            markup=False,
        )

    user_app = typer.Typer(help="Accounts of the clinic service.")
    app.add_typer(user_app, name="user")

    @user_app.command("add")
    @handle_errors
    def user_add(
        username: Annotated[str, typer.Argument()],
        role: Annotated[str, typer.Option("--role", help="admin, clinician or dietitian.")],
        display_name: Annotated[str | None, typer.Option("--name")] = None,
        team: Annotated[
            str | None, typer.Option("--team", help="Care team to join (created if new).")
        ] = None,
        db: DatabaseUrl = None,
    ) -> None:
        """Create an account (the first admin of a new clinic, say); asks for the password.

        The password is read from the terminal, or from MGIR_NEW_PASSWORD when there is none.
        """
        from sqlalchemy import select  # noqa: PLC0415

        from mgir import storage  # noqa: PLC0415
        from mgir.service._auth import hash_password  # noqa: PLC0415

        if role not in {"admin", "clinician", "dietitian"}:
            raise InvalidInputError(
                field="--role",
                value=role,
                allowed="admin, clinician or dietitian "
                "(patient accounts are made in the service, linked to their record)",
            )
        password = os.environ.get("MGIR_NEW_PASSWORD") or getpass.getpass("Password: ")
        engine = storage.create_engine(db or storage.default_database_url())
        storage.upgrade(engine)
        with storage.transaction(storage.session_factory(engine)) as session:
            user = storage.add_user(
                session,
                username=username,
                display_name=display_name or username,
                role=role,
                password_hash=hash_password(password),
            )
            if team:
                found = session.scalar(
                    select(storage.CareTeam).where(storage.CareTeam.name == team)
                ) or storage.add_team(session, team)
                storage.add_member(session, found.id, user.id)
        console.print(f"Account {username} ({role}) created.", markup=False)
