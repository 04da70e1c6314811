"""Console passwords and sessions (channels/auth.py) on a throwaway SQLite file."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import update

from channels import auth
from channels.db import Session, create_schema, make_engine, sessionmaker


def test_passwords_are_salted_scrypt_hashes() -> None:
    first, second = auth.hash_password("correct horse"), auth.hash_password("correct horse")
    assert first.startswith("scrypt$") and first != second
    assert auth.verify_password("correct horse", first)
    assert not auth.verify_password("correct horsE", first)
    assert not auth.verify_password("correct horse", "plain:correct horse")
    assert not auth.verify_password("x", "scrypt$bad")


@pytest.fixture
async def sm(tmp_path):  # noqa: ANN001, ANN201
    engine = make_engine(f"sqlite:///{tmp_path / 'auth.db'}")
    await create_schema(engine)
    yield sessionmaker(engine)
    await engine.dispose()


async def test_sessions_work_until_idle_or_expired_and_disabled_users_cannot_log_in(sm) -> None:  # noqa: ANN001
    await auth.add_user(sm, "Ana", "a-long-password", "agent", language="pt")
    with pytest.raises(auth.AuthError):
        await auth.add_user(sm, "ana", "another-password", "agent")
    with pytest.raises(auth.AuthError):
        await auth.add_user(sm, "x y", "a-long-password", "agent")
    with pytest.raises(auth.AuthError):
        await auth.add_user(sm, "zed", "a-long-password", "root")
    assert await auth.login(sm, "ana", "wrong-password", 3600) is None
    token, csrf = await auth.login(sm, "ANA", "a-long-password", 3600)
    who = await auth.resolve(sm, token, idle_s=600)
    assert who is not None and (who.username, who.role, who.language, who.csrf) == ("ana", "agent", "pt", csrf)
    assert await auth.resolve(sm, token + "x", idle_s=600) is None
    assert await auth.agents_online(sm, 60) == 1

    # Unused for longer than the idle limit: the session is gone.
    async with sm() as db, db.begin():
        await db.execute(update(Session).values(last_used=time.time() - 700))
    assert await auth.resolve(sm, token, idle_s=600) is None

    token2, _ = await auth.login(sm, "ana", "a-long-password", 3600)
    async with sm() as db, db.begin():
        await db.execute(update(Session).values(expires_at=time.time() - 1))
    assert await auth.resolve(sm, token2, idle_s=600) is None

    token3, _ = await auth.login(sm, "ana", "a-long-password", 3600)
    await auth.logout(sm, token3)
    assert await auth.resolve(sm, token3, idle_s=600) is None


async def test_passwords_are_checked_off_the_event_loop_and_unknown_users_cost_one_scrypt(
    sm, monkeypatch: pytest.MonkeyPatch
) -> None:  # noqa: ANN001
    import threading

    await auth.add_user(sm, "ana", "a-long-password", "agent")
    checker = auth.PasswordChecker(1)
    await checker.warm_up()
    calls: list[int] = []
    real = auth.verify_password

    def spy(password: str, stored: str) -> bool:
        calls.append(threading.get_ident())
        return real(password, stored)

    hashes: list[str] = []
    real_hash = auth.hash_password
    monkeypatch.setattr(auth, "verify_password", spy)
    monkeypatch.setattr(auth, "hash_password", lambda p: hashes.append(p) or real_hash(p))
    try:
        assert await auth.login(sm, "ana", "wrong-password", 3600, checker) is None
        assert await auth.login(sm, "nobody", "wrong-password", 3600, checker) is None
        assert await auth.login(sm, "ana", "a-long-password", 3600, checker) is not None
    finally:
        checker.close()
    # One scrypt per login, known or unknown name, none of them on the event loop's thread.
    assert len(calls) == 3 and hashes == []
    assert threading.get_ident() not in calls
