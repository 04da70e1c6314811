"""Proof of ownership for an order, and the limit on failed attempts.

Every order request carries the order number plus one proof: the order's email, its postcode, or a
signed customer token. A wrong pair and an unknown number give the same 404 body, after the same
work (one indexed read and a constant-time comparison), so the answers do not reveal which orders
exist. Failed attempts are counted in the database per conversation and per order number, so
the limit holds across replicas and restarts.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from backends.orders import tokens
from backends.orders.db import FailedAttempt, Order, utcnaive
from backends.orders.normalize import normalize_email, normalize_order_number, normalize_postcode
from svc.errors import ApiError

NOT_FOUND_MESSAGE = "No order matches that order number and those details."


def not_found() -> ApiError:
    return ApiError(404, "order_not_found", NOT_FOUND_MESSAGE)


def too_many() -> ApiError:
    return ApiError(429, "too_many_attempts", "Too many unsuccessful attempts; please try again later.")


@dataclass(frozen=True)
class Proof:
    order_number: str
    email: str | None = None
    postcode: str | None = None
    customer_token: str | None = None
    conversation_id: str | None = None


def parse_order_number(raw: str) -> str:
    number = normalize_order_number(raw)
    if number is None:
        raise ApiError(
            422,
            "invalid_order_number",
            "order_number must look like BL-123456",
            problems=[{"field": "order_number", "message": "expected BL- followed by six digits"}],
        )
    return number


def require_some_proof(proof: Proof) -> None:
    if not (proof.email or proof.postcode or proof.customer_token):
        raise ApiError(
            422,
            "proof_required",
            "give the order's email, its postcode or a customer token",
            problems=[{"field": "email", "message": "one of email, postcode, customer_token is required"}],
        )


@dataclass
class Verifier:
    sessions: async_sessionmaker[AsyncSession]
    secret: str
    attempts: int
    window_s: float

    def _scopes(self, number: str, conversation_id: str | None) -> list[str]:
        scopes = [f"order:{number}"]
        if conversation_id:
            scopes.append(f"conv:{conversation_id[:200]}")
        return scopes

    async def _limited(self, session: AsyncSession, scopes: list[str], now: datetime) -> bool:
        since = utcnaive(now - timedelta(seconds=self.window_s))
        for scope in scopes:
            count = (
                await session.execute(
                    select(func.count())
                    .select_from(FailedAttempt)
                    .where(FailedAttempt.scope == scope, FailedAttempt.at >= since)
                )
            ).scalar_one()
            if count >= self.attempts:
                return True
        return False

    async def _record_failure(self, scopes: list[str], now: datetime) -> None:
        # A separate transaction: the failure must count even though the request itself is refused.
        async with self.sessions() as session, session.begin():
            cutoff = utcnaive(now - timedelta(seconds=self.window_s))
            await session.execute(
                delete(FailedAttempt).where(FailedAttempt.scope.in_(scopes), FailedAttempt.at < cutoff)
            )
            session.add_all([FailedAttempt(scope=s, at=utcnaive(now)) for s in scopes])

    async def verify(self, session: AsyncSession, proof: Proof, now: datetime, *, lock: bool = False) -> Order:
        """The order the proof opens; raises 404 / 429 / 401 ApiErrors. `lock` takes a row lock for a change."""
        number = parse_order_number(proof.order_number)
        require_some_proof(proof)
        scopes = self._scopes(number, proof.conversation_id)

        token_cid: str | None = None
        token_bad = False
        if proof.customer_token:
            try:
                # The real clock, even under ORDERS_NOW: token expiry is security, not demo data.
                token_cid = tokens.verify(self.secret, proof.customer_token)
            except tokens.InvalidToken:
                token_bad = True

        stmt = select(Order).where(Order.number == number)
        if lock:
            stmt = stmt.with_for_update()
        order = (await session.execute(stmt)).scalar_one_or_none()

        owned_by_token = (
            order is not None and token_cid is not None and hmac.compare_digest(order.customer_id, token_cid)
        )
        # A valid token for the order's own customer is unforgeable, so it passes even while the order
        # number is locked by someone else's guesses; every other request waits out the limit.
        if not owned_by_token and await self._limited(session, scopes, now):
            raise too_many()
        if token_bad:
            await self._record_failure(scopes, now)
            raise ApiError(401, "invalid_token", "the customer token is invalid or expired")
        if owned_by_token or self._matches(order, proof):
            assert order is not None
            return order
        await self._record_failure(scopes, now)
        raise not_found()

    @staticmethod
    def _matches(order: Order | None, proof: Proof) -> bool:
        email = normalize_email(proof.email) if proof.email else None
        postcode = normalize_postcode(proof.postcode) if proof.postcode else None
        if order is None:
            # Same comparisons against a placeholder so an unknown number costs what a wrong pair costs.
            hmac.compare_digest(email or "", "nobody@invalid.example")
            hmac.compare_digest(postcode or "", "0000")
            return False
        ok = False
        if email:
            ok |= hmac.compare_digest(email.encode(), order.email_norm.encode())
        if postcode:
            known = {order.postcode_norm}
            # The postcode the order was placed with still proves ownership after an address change.
            for entry in order.history or []:
                old = (entry.get("from") or {}).get("postcode")
                if old:
                    known.add(normalize_postcode(old))
            ok |= any(hmac.compare_digest(postcode.encode(), k.encode()) for k in known if k)
        return ok
