"""Console authentication: scrypt password hashes, server-side sessions that expire, and CSRF tokens.

A session is a random cookie value (HttpOnly, SameSite=Strict); only its SHA-256 is stored. Every
state-changing console request must also carry the session's CSRF token in `X-CSRF-Token`.

A login costs exactly one scrypt whether or not the user name exists (unknown names are checked against a
dummy hash made once per `PasswordChecker`), so answer times do not reveal which user names exist; the
scrypt runs in the checker's small thread pool, never on the event loop.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import re
import secrets
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import async_sessionmaker

from channels.db import Session, User

ROLES = ("agent", "admin")
USERNAME_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{1,63}$")
LANGUAGE_RE = re.compile(r"^[a-z]{2,3}$")
# scrypt cost: n=2**14, r=8, p=1 is the interactive-login setting from the scrypt paper (16 MiB, ~50 ms).
SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**14, 8, 1
MIN_PASSWORD = 10


class AuthError(ValueError):
    """A user cannot be created or authenticated (the message says why)."""


def hash_password(password: str) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=SCRYPT_N, r=SCRYPT_R, p=SCRYPT_P, dklen=32)
    enc = base64.b64encode
    return f"scrypt${SCRYPT_N}${SCRYPT_R}${SCRYPT_P}${enc(salt).decode()}${enc(digest).decode()}"


def verify_password(password: str, stored: str) -> bool:
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt":
            return False
        expected = base64.b64decode(digest)
        got = hashlib.scrypt(
            password.encode(), salt=base64.b64decode(salt), n=int(n), r=int(r), p=int(p), dklen=len(expected)
        )
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(got, expected)


class PasswordChecker:
    """Verifies passwords in a bounded thread pool; unknown users are checked against a dummy hash.

    hashlib.scrypt releases the GIL, so the event loop keeps serving while `threads` logins hash; more
    logins than threads wait in the pool's queue instead of each taking 16 MiB and a core.
    """

    def __init__(self, threads: int = 2) -> None:
        self._pool = ThreadPoolExecutor(max_workers=max(1, threads), thread_name_prefix="scrypt")
        self._dummy: str | None = None

    async def _run(self, fn, *args):  # noqa: ANN001, ANN202 - thin wrapper around run_in_executor
        return await asyncio.get_running_loop().run_in_executor(self._pool, fn, *args)

    async def warm_up(self) -> None:
        """Makes the dummy hash now, so the first unknown-user login costs no more than any other."""
        if self._dummy is None:
            self._dummy = await self._run(hash_password, secrets.token_urlsafe(16))

    async def verify(self, password: str, stored: str | None) -> bool:
        """Exactly one scrypt: against `stored`, or against the dummy hash when there is no such user."""
        await self.warm_up()
        ok = await self._run(verify_password, password, stored or self._dummy)
        return bool(ok) and stored is not None

    async def hash(self, password: str) -> str:
        return await self._run(hash_password, password)

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class Principal:
    """The logged-in user of one request."""

    user_id: int
    username: str
    role: str
    language: str
    display_name: str
    csrf: str

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"


async def add_user(
    sm: async_sessionmaker,
    username: str,
    password: str,
    role: str,
    *,
    language: str = "en",
    display_name: str = "",
    replace: bool = False,
) -> None:
    username = username.strip().lower()
    if not USERNAME_RE.match(username):
        raise AuthError("username: 2-64 characters of a-z, 0-9, '.', '_' or '-'")
    if role not in ROLES:
        raise AuthError(f"role must be one of {', '.join(ROLES)}")
    if len(password) < MIN_PASSWORD:
        raise AuthError(f"password must have at least {MIN_PASSWORD} characters")
    if not LANGUAGE_RE.match(language):
        raise AuthError("language must be an ISO 639 code such as en, de, pt")
    async with sm() as db, db.begin():
        existing = (await db.execute(select(User).where(User.username == username))).scalar_one_or_none()
        if existing is not None and not replace:
            raise AuthError(f"user {username!r} already exists")
        if existing is None:
            existing = User(username=username, created_at=time.time(), last_seen=0.0)
            db.add(existing)
        existing.role = role
        existing.password_hash = hash_password(password)
        existing.language = language
        existing.display_name = display_name or username
        existing.disabled = False


async def user_exists(sm: async_sessionmaker, username: str) -> bool:
    async with sm() as db:
        return (await db.execute(select(User.id).where(User.username == username))).first() is not None


async def login(
    sm: async_sessionmaker, username: str, password: str, ttl_s: int, checker: PasswordChecker | None = None
) -> tuple[str, str] | None:
    """(cookie token, csrf token) for valid credentials, else None.

    Known, unknown and disabled user names all cost one database read and one scrypt (see PasswordChecker).
    """
    own = checker is None
    checker = checker or PasswordChecker(1)
    try:
        async with sm() as db:
            user = (
                await db.execute(select(User).where(User.username == username.strip().lower()))
            ).scalar_one_or_none()
        stored = user.password_hash if user is not None else None
        if not await checker.verify(password, stored) or user is None or user.disabled:
            return None
    finally:
        if own:
            checker.close()
    async with sm() as db, db.begin():
        now = time.time()
        await db.execute(update(User).where(User.id == user.id).values(last_seen=now))
        token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(24)
        db.add(
            Session(
                token_hash=_token_hash(token),
                user_id=user.id,
                csrf=csrf,
                created_at=now,
                expires_at=now + ttl_s,
                last_used=now,
            )
        )
        await db.execute(delete(Session).where(Session.expires_at < now))
        return token, csrf


async def resolve(sm: async_sessionmaker, token: str, idle_s: int) -> Principal | None:
    """The principal of a live session; expired or idle sessions are deleted and give None."""
    if not token:
        return None
    now = time.time()
    async with sm() as db, db.begin():
        row = (
            await db.execute(
                select(Session, User)
                .join(User, User.id == Session.user_id)
                .where(Session.token_hash == _token_hash(token))
            )
        ).first()
        if row is None:
            return None
        sess, user = row
        if sess.expires_at < now or sess.last_used + idle_s < now or user.disabled:
            await db.delete(sess)
            return None
        sess.last_used = now
        user.last_seen = now
        return Principal(user.id, user.username, user.role, user.language, user.display_name, sess.csrf)


async def logout(sm: async_sessionmaker, token: str) -> None:
    async with sm() as db, db.begin():
        await db.execute(delete(Session).where(Session.token_hash == _token_hash(token)))


async def agents_online(sm: async_sessionmaker, window_s: float) -> int:
    async with sm() as db:
        rows = await db.execute(
            select(User.id).where(User.last_seen >= time.time() - window_s, User.disabled.is_(False))
        )
        return len(rows.all())
