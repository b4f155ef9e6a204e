"""Accounts and sessions: Argon2 hashes, cookies, bearer tokens, CSRF, lockout, throttling."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from mgir import storage
from mgir.service import create_app
from mgir.service._auth import LOCKOUT_AFTER_FAILURES
from tests.service.conftest import PASSWORD, database, token


@pytest.fixture
def app(tmp_path):
    with database("sqlite", tmp_path) as url:
        app = create_app(url)
        with app.state.sessions.begin() as session:
            from mgir.service._auth import hash_password

            team = storage.add_team(session, "T")
            patient = storage.add_patient(
                session,
                care_team_id=team.id,
                identifier="p1",
                name="P One",
                birth_date=date(1990, 1, 1),
                sex="male",
            )
            for name, role in (("boss", "admin"), ("doc", "clinician")):
                user = storage.add_user(
                    session,
                    username=name,
                    display_name=name.title(),
                    role=role,
                    password_hash=hash_password(PASSWORD),
                )
                if role == "clinician":
                    storage.add_member(session, team.id, user.id)
            app.state.patient_id = patient.id
        yield app
        app.state.engine.dispose()


@pytest.fixture
def client(app):
    with TestClient(app, base_url="https://testserver") as client:
        yield client


def _login(client, username="doc", password=PASSWORD, next_="/"):
    form = client.get("/login")
    login_csrf = re.search(r'name="login_csrf" value="([^"]+)"', form.text).group(1)
    return client.post(
        "/login",
        data={"username": username, "password": password, "login_csrf": login_csrf, "next": next_},
        follow_redirects=False,
    )


def test_passwords_are_stored_as_argon2id_hashes_only(app):
    with app.state.sessions() as session:
        stored = session.scalar(
            sa.select(storage.User.password_hash).where(storage.User.username == "doc")
        )
    assert stored.startswith("$argon2id$") and PASSWORD not in stored


def test_browser_login_sets_a_secure_httponly_samesite_cookie(client):
    response = _login(client)
    assert response.status_code == 303 and response.headers["location"] == "/"
    cookie = response.headers["set-cookie"]
    assert "mgir_session=" in cookie
    for flag in ("HttpOnly", "Secure", "SameSite=strict"):
        assert flag.lower() in cookie.lower()
    assert client.get("/").status_code == 200


def test_login_refuses_a_form_without_the_double_submit_token(client):
    client.get("/login")
    response = client.post(
        "/login",
        data={"username": "doc", "password": PASSWORD, "login_csrf": "forged", "next": "/"},
        follow_redirects=False,
    )
    assert response.status_code == 303 and "error=" in response.headers["location"]
    assert "mgir_session" not in response.headers.get("set-cookie", "")


def test_login_never_redirects_off_site(client):
    response = _login(client, next_="//evil.example/phish")
    assert response.headers["location"] == "/"


def test_cookie_posts_need_the_csrf_token(client, app):
    _login(client)
    page = client.get(f"/patients/{app.state.patient_id}")
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    url = f"/patients/{app.state.patient_id}/messages"
    refused = client.post(url, data={"body": "hello"}, follow_redirects=False)
    assert refused.status_code == 403
    assert "CSRF" in refused.text
    accepted = client.post(url, data={"body": "hello", "csrf_token": csrf}, follow_redirects=False)
    assert accepted.status_code == 303
    via_header = client.post(
        url, data={"body": "again"}, headers={"X-CSRF-Token": csrf}, follow_redirects=False
    )
    assert via_header.status_code == 303


def test_bearer_tokens_need_no_csrf_and_logout_revokes_them(client, app):
    headers = token(client, "doc")
    url = f"/api/patients/{app.state.patient_id}/messages"
    assert client.post(url, json={"body": "hi"}, headers=headers).status_code == 201
    assert client.post("/api/logout", headers=headers).status_code == 204
    assert client.get("/api/me", headers=headers).status_code == 401


def test_wrong_passwords_lock_the_account_until_an_admin_resets_it(client):
    for _ in range(LOCKOUT_AFTER_FAILURES):
        wrong = client.post("/api/token", json={"username": "doc", "password": "x" * 12})
        assert wrong.status_code == 401
        assert wrong.json()["detail"] == "the username or password is wrong"
    locked = client.post("/api/token", json={"username": "doc", "password": PASSWORD})
    assert locked.status_code == 423 and "locked" in locked.json()["detail"]
    admin = token(client, "boss")
    users = client.get("/api/users", headers=admin).json()
    doc = next(u for u in users if u["username"] == "doc")
    assert doc["locked"] is True
    new_password = "a-new-password-42"
    reset = client.post(
        f"/api/users/{doc['id']}/password", headers=admin, json={"password": new_password}
    )
    assert reset.status_code == 200 and reset.json()["locked"] is False
    assert (
        client.post("/api/token", json={"username": "doc", "password": PASSWORD}).status_code == 401
    )
    again = token(client, "doc", new_password)
    assert client.get("/api/me", headers=again).json()["must_change_password"] is True


def test_an_unknown_user_gets_the_same_answer_as_a_wrong_password(client):
    response = client.post("/api/token", json={"username": "nobody", "password": "x" * 12})
    assert (response.status_code, response.json()["detail"]) == (
        401,
        "the username or password is wrong",
    )


def test_a_client_address_is_throttled(client, app):
    limit = app.state.throttle.limit
    codes = [
        client.post("/api/token", json={"username": "nobody", "password": "y" * 12}).status_code
        for _ in range(limit + 1)
    ]
    assert codes[:limit] == [401] * limit and codes[-1] == 429


def test_short_passwords_are_refused_naming_the_rule(client):
    admin = token(client, "boss")
    response = client.post(
        "/api/users",
        headers=admin,
        json={"username": "new", "display_name": "New", "role": "clinician", "password": "short"},
    )
    assert response.status_code == 422
    assert "password" in response.json()["detail"]


def test_expired_sessions_are_refused(client, app):
    headers = token(client, "doc")
    with app.state.sessions.begin() as session:
        for row in session.scalars(sa.select(storage.Session)):
            row.expires_at = storage.utc_now() - timedelta(seconds=1)
    assert client.get("/api/me", headers=headers).status_code == 401


def test_pages_redirect_to_login_and_the_api_answers_401(client):
    page = client.get("/", follow_redirects=False)
    assert page.status_code == 303 and page.headers["location"].startswith("/login")
    api = client.get("/api/me")
    assert api.status_code == 401 and api.headers["www-authenticate"] == "Bearer"


def test_security_headers(client):
    response = client.get("/login")
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
    assert "script-src 'self'" in response.headers["content-security-policy"]
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["cache-control"] == "no-store"


@pytest.mark.parametrize(
    ("kwargs"),
    [
        {"json": {"username": "doc\u0000", "password": "x" * 12}},
        {
            "content": b'{"username": "doc\\u0000", "password": "xxxxxxxxxxxx"}',
            "headers": {"content-type": "application/json"},
        },
    ],
)
def test_nul_characters_are_refused_before_any_route(client, kwargs):
    response = client.post("/api/token", **kwargs)
    assert response.status_code == 422 and "NUL" in response.json()["detail"]
    form = client.post(
        "/login",
        content=b"username=a%00b&password=x&login_csrf=y",
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    assert form.status_code == 422


def test_an_account_changes_its_own_password_and_other_sessions_end(client):
    first = token(client, "doc")
    second = token(client, "doc")
    wrong = client.post(
        "/api/me/password",
        headers=first,
        json={"current_password": "not-it-at-all", "new_password": "n" * 14},
    )
    assert wrong.status_code == 403 and "current_password" in wrong.json()["detail"]
    changed = client.post(
        "/api/me/password",
        headers=first,
        json={"current_password": PASSWORD, "new_password": "n" * 14},
    )
    assert changed.status_code == 204
    assert client.get("/api/me", headers=first).status_code == 200
    assert client.get("/api/me", headers=second).status_code == 401
    assert (
        client.post("/api/token", json={"username": "doc", "password": "n" * 14}).status_code == 200
    )


def test_a_body_over_the_limit_is_refused(client):
    from mgir.service._app import MAX_BODY_BYTES

    response = client.post(
        "/api/token",
        content=b"x" * (MAX_BODY_BYTES + 1),
        headers={"content-type": "application/json"},
    )
    assert response.status_code == 413 and "MB" in response.json()["detail"]


def test_an_admin_reset_ends_the_accounts_sessions(client):
    old = token(client, "doc")
    admin = token(client, "boss")
    doc = next(u for u in client.get("/api/users", headers=admin).json() if u["username"] == "doc")
    assert (
        client.post(
            f"/api/users/{doc['id']}/password",
            headers=admin,
            json={"password": "reset-password-77"},
        ).status_code
        == 200
    )
    assert client.get("/api/me", headers=old).status_code == 401
