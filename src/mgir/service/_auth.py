"""Accounts' secrets: Argon2 password hashes, browser sessions, API tokens, throttling, lockout.

* Passwords are hashed with Argon2id (``argon2-cffi``, RFC 9106 parameters) and must be 12 to 128
  characters (OWASP ASVS 2.1.1, 2.1.2). A hash made with older parameters is renewed at login.
* A session or token is 32 random bytes; only its SHA-256 is stored, so a copy of the database
  opens no account. Browser sessions last 12 hours, API tokens 24 hours; logout revokes them.
* Five wrong passwords in a row lock the account for 15 minutes (an admin can unlock it by
  resetting the password); a client address gets at most 20 login attempts a minute.
"""

from __future__ import annotations

import contextlib
import hashlib
import secrets
import threading
import time
from collections import defaultdict, deque
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import select
from sqlalchemy.orm import Session as DbSession

from mgir._errors import InvalidInputError
from mgir.storage import Session, User, team_ids_of, user_by_username, utc_now

__all__ = [
    "LOCKOUT_AFTER_FAILURES",
    "LOCKOUT_MINUTES",
    "Actor",
    "LoginError",
    "LoginThrottle",
    "check_password_rules",
    "hash_password",
    "log_in",
    "open_session",
    "reset_password",
    "resolve_token",
    "revoke",
]

LOCKOUT_AFTER_FAILURES = 5
LOCKOUT_MINUTES = 15
SESSION_HOURS = 12
TOKEN_HOURS = 24
PASSWORD_MIN_CHARACTERS = 12
PASSWORD_MAX_CHARACTERS = 128

_hasher = PasswordHasher()
# Verified when the username is unknown, so that a wrong name takes as long as a wrong password.
_DUMMY_HASH = _hasher.hash("not a password of anyone")


@dataclass(frozen=True)
class Actor:
    """Who is making the request, and through which kind of credential."""

    user_id: int
    username: str
    display_name: str
    role: str
    team_ids: frozenset[int]
    patient_id: int | None
    kind: str
    csrf_token: str
    session_id: int
    must_change_password: bool


class LoginError(Exception):
    """A login that did not succeed: ``status`` is the HTTP status to answer with."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def check_password_rules(password: str, *, field: str = "password") -> None:
    """Refuse a password outside 12 to 128 characters (no other composition rule: ASVS 2.1.9)."""
    if not PASSWORD_MIN_CHARACTERS <= len(password) <= PASSWORD_MAX_CHARACTERS:
        raise InvalidInputError(
            field=field,
            value=f"{len(password)} characters",
            allowed=f"{PASSWORD_MIN_CHARACTERS} to {PASSWORD_MAX_CHARACTERS} characters",
        )


def hash_password(password: str) -> str:
    """The Argon2id hash of a password that meets the rules."""
    check_password_rules(password)
    return _hasher.hash(password)


def _sha256(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class LoginThrottle:
    """At most ``limit`` login attempts per client address in a sliding ``window_s``.

    Kept in each worker process's memory (a restart forgets it; the account lockout is stored).
    """

    def __init__(self, limit: int = 20, window_s: float = 60.0) -> None:
        self.limit = limit
        self.window_s = window_s
        self._attempts: defaultdict[str, deque[float]] = defaultdict(deque)
        self._lock = threading.Lock()

    def allow(self, client: str) -> bool:
        """Record an attempt; ``False`` when the client is over the limit."""
        now = time.monotonic()
        with self._lock:
            attempts = self._attempts[client]
            while attempts and now - attempts[0] > self.window_s:
                attempts.popleft()
            if len(attempts) >= self.limit:
                return False
            attempts.append(now)
            return True


def log_in(db: DbSession, username: str, password: str, now: datetime | None = None) -> User:
    """Check a username and password; count failures and lock the account after five.

    Raises
    ------
    LoginError
        401 for a wrong name or password (the same message for both), 423 for a locked or
        disabled account.
    """
    now = now or utc_now()
    user = user_by_username(db, username)
    if user is None:
        with contextlib.suppress(VerificationError):
            _hasher.verify(_DUMMY_HASH, password)
        raise LoginError(401, "the username or password is wrong")
    if not user.active:
        raise LoginError(423, "this account is disabled; ask an admin")
    if user.locked_until is not None and user.locked_until > now:
        raise LoginError(
            423,
            f"this account is locked until {user.locked_until:%H:%M} UTC after "
            f"{LOCKOUT_AFTER_FAILURES} wrong passwords; ask an admin to reset the password",
        )
    try:
        _hasher.verify(user.password_hash, password)
    except (VerifyMismatchError, InvalidHashError):
        user.failed_logins += 1
        if user.failed_logins >= LOCKOUT_AFTER_FAILURES:
            user.locked_until = now + timedelta(minutes=LOCKOUT_MINUTES)
            user.failed_logins = 0
        db.commit()
        raise LoginError(401, "the username or password is wrong") from None
    user.failed_logins = 0
    user.locked_until = None
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = _hasher.hash(password)
    return user


def open_session(db: DbSession, user: User, kind: str) -> tuple[str, Session]:
    """A new browser session (``cookie``) or API token (``bearer``): the secret and its row."""
    token = secrets.token_urlsafe(32)
    hours = SESSION_HOURS if kind == "cookie" else TOKEN_HOURS
    row = Session(
        token_sha256=_sha256(token),
        kind=kind,
        user_id=user.id,
        csrf_token=secrets.token_urlsafe(32),
        expires_at=utc_now() + timedelta(hours=hours),
    )
    db.add(row)
    db.flush()
    return token, row


def resolve_token(db: DbSession, token: str, kind: str) -> Actor | None:
    """The actor a session cookie or bearer token stands for (``None``: unknown or expired)."""
    found = db.execute(
        select(Session, User)
        .join(User, User.id == Session.user_id)
        .where(Session.token_sha256 == _sha256(token), Session.kind == kind)
    ).first()
    if found is None:
        return None
    row, user = found
    if row.revoked or row.expires_at <= utc_now() or not user.active:
        return None
    return Actor(
        user_id=user.id,
        username=user.username,
        display_name=user.display_name,
        role=user.role,
        team_ids=team_ids_of(db, user.id),
        patient_id=user.patient_id,
        kind=kind,
        csrf_token=row.csrf_token,
        session_id=row.id,
        must_change_password=user.must_change_password,
    )


def reset_password(db: DbSession, user: User, password: str) -> None:
    """An admin's reset: a new password, the lockout cleared, every session and token ended.

    The account is flagged to change the password (``must_change_password``).
    """
    user.password_hash = hash_password(password)
    user.failed_logins = 0
    user.locked_until = None
    user.must_change_password = True
    for session in db.scalars(select(Session).where(Session.user_id == user.id)):
        session.revoked = True


def revoke(db: DbSession, session_id: int) -> None:
    """End a session or token."""
    row = db.get(Session, session_id)
    if row is not None:
        row.revoked = True
