"""Proof of ownership for an order, and when a proof may be checked at all.

Every order request carries the order number plus one proof: the order's email, its postcode, or a
signed customer token. A wrong pair and an unknown number give the same 404 body, after the same
work (one attempt counted, one indexed read and constant-time comparisons), so the answers do not
reveal which orders exist. Whether a proof is checked at all is decided by limits.py (per source,
per email, shop-wide; in the database, so the limits hold across replicas and restarts).
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from datetime import datetime, timezone

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from backends.orders import tokens
from backends.orders.db import Order
from backends.orders.limits import Limiter
from backends.orders.normalize import normalize_email, normalize_order_number, normalize_postcode
from borderless.profile import current_shop
from svc.errors import ApiError

NOT_FOUND_MESSAGE = "No order matches that order number and those details."


def not_found() -> ApiError:
    return ApiError(404, "order_not_found", NOT_FOUND_MESSAGE)


@dataclass(frozen=True)
class Proof:
    order_number: str
    email: str | None = None
    postcode: str | None = None
    customer_token: str | None = None
    # Who is trying: the shopper's address as the action server reports it, or the TCP peer (limits.py).
    source: str = "unknown"


def parse_order_number(raw: str) -> str:
    number = normalize_order_number(raw)
    if number is None:
        example = " or ".join(current_shop().order_numbers.examples)
        raise ApiError(
            422,
            "invalid_order_number",
            f"order_number must look like {example}",
            problems=[{"field": "order_number", "message": f"not one of the shop's order numbers (e.g. {example})"}],
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


def too_many_retry(retry_after_s: int) -> ApiError:
    return ApiError(
        429,
        "too_many_attempts",
        "Too many unsuccessful attempts; please try again later.",
        headers={"Retry-After": str(retry_after_s)},
        retry_after_s=retry_after_s,
    )


@dataclass
class Verifier:
    secret: str
    limiter: Limiter

    async def verify(self, session: AsyncSession, proof: Proof, now: datetime, *, lock: bool = False) -> Order:
        """The order the proof opens; raises 404 / 429 / 401 ApiErrors. `lock` takes a row lock for a change.

        `now` is the shop's clock (fixed in demos); the limits and token expiry use the real clock, since
        they are security, not demo data.
        """
        number = parse_order_number(proof.order_number)
        require_some_proof(proof)

        token_cid: str | None = None
        token_bad = False
        if proof.customer_token:
            try:
                token_cid = tokens.verify(self.secret, proof.customer_token)
            except tokens.InvalidToken:
                token_bad = True

        stmt = select(Order).where(Order.number == number)
        if lock:
            stmt = stmt.with_for_update()
        order = (await session.execute(stmt)).scalar_one_or_none()

        # A valid token of the order's own customer cannot be guessed, so it is neither limited nor counted:
        # whatever strangers do, a logged-in owner gets in.
        if order is not None and token_cid is not None and hmac.compare_digest(order.customer_id, token_cid):
            return order

        email = normalize_email(proof.email) if proof.email else None
        reservation = await self.limiter.reserve(proof.source, email, datetime.now(timezone.utc))
        if not reservation.allowed:
            raise too_many_retry(reservation.retry_after_s)
        if token_bad:
            raise ApiError(401, "invalid_token", "the customer token is invalid or expired")
        if self._matches(order, proof):
            assert order is not None
            await self.limiter.release(reservation.scopes)
            return order
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
