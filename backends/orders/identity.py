"""Proof of ownership for an order, and when a proof may be checked at all.

Every order request carries the order number plus one proof: the order's email, its postcode, its phone
number (each only where the shop's profile accepts it), or a signed customer token. The order comes from
the configured order source (adapters/); what proves ownership of it is the source's `ProofFacts`.
A wrong pair and an unknown number give the same 404 body, after the same work (one attempt counted, one
read and constant-time comparisons), so the answers do not reveal which orders exist. Whether a proof is
checked at all is decided by limits.py (per source, per email, shop-wide; in the database, so the limits
hold across replicas and restarts).
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass, replace
from datetime import datetime, timezone

from sqlalchemy.ext.asyncio import AsyncSession

from backends.orders import tokens
from backends.orders.adapters.source import OrderRecord, OrderSource, ProofFacts
from backends.orders.limits import Limiter
from backends.orders.normalize import (
    normalize_email,
    normalize_order_number,
    normalize_phone,
    normalize_postcode,
    phones_match,
)
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
    phone: str | None = None
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


PROOFS = ("email", "postcode", "phone")


def accepted_only(proof: Proof, accepted: frozenset[str]) -> Proof:
    """`proof` without the kinds of proof the shop does not accept (its profile's `proofs`)."""
    return replace(
        proof,
        email=proof.email if "email" in accepted else None,
        postcode=proof.postcode if "postcode" in accepted else None,
        phone=proof.phone if "phone" in accepted else None,
    )


def require_some_proof(proof: Proof, accepted: frozenset[str] = frozenset(PROOFS)) -> None:
    if not (proof.email or proof.postcode or proof.phone or proof.customer_token):
        kinds = [k for k in PROOFS if k in accepted]
        raise ApiError(
            422,
            "proof_required",
            f"give the order's {', '.join(kinds)} or a customer token",
            problems=[
                {
                    "field": kinds[0] if kinds else "customer_token",
                    "message": f"one of {', '.join([*kinds, 'customer_token'])} is required",
                }
            ],
            accepted_proofs=kinds,
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
    # The kinds of proof the shop accepts besides a customer token (shop profile `proofs`).
    accepted: frozenset[str] = frozenset(("email", "postcode"))

    async def verify(
        self, session: AsyncSession, proof: Proof, now: datetime, source: OrderSource, *, lock: bool = False
    ) -> OrderRecord:
        """The order the proof opens; raises 404 / 429 / 401 ApiErrors. `lock` takes a row lock for a change.

        `now` is the shop's clock (fixed in demos); the limits and token expiry use the real clock, since
        they are security, not demo data. The order is read only after the limits allowed the attempt (a
        platform source would otherwise spend the shop's API budget on a limited source), except for a valid
        token, which is checked against the order's customer first.
        """
        number = parse_order_number(proof.order_number)
        proof = accepted_only(proof, self.accepted)
        require_some_proof(proof, self.accepted)

        token_cid: str | None = None
        token_bad = False
        if proof.customer_token:
            try:
                token_cid = tokens.verify(self.secret, proof.customer_token)
            except tokens.InvalidToken:
                token_bad = True

        order: OrderRecord | None = None
        loaded = False
        if token_cid is not None:
            order, loaded = await source.find(session, number, lock=lock), True
            # A valid token of the order's own customer cannot be guessed, so it is neither limited nor counted:
            # whatever strangers do, a logged-in owner gets in.
            if order is not None:
                owner = source.proof_facts(order).customer_id
                if owner and hmac.compare_digest(owner.encode(), token_cid.encode()):
                    return order

        email = normalize_email(proof.email) if proof.email else None
        reservation = await self.limiter.reserve(proof.source, email, datetime.now(timezone.utc))
        if not reservation.allowed:
            raise too_many_retry(reservation.retry_after_s)
        if token_bad:
            raise ApiError(401, "invalid_token", "the customer token is invalid or expired")
        if not loaded:
            try:
                order = await source.find(session, number, lock=lock)
            except ApiError:
                # The order system failed, so nothing was checked: the attempt does not count.
                await self.limiter.release(reservation.scopes)
                raise
        if self._matches(None if order is None else source.proof_facts(order), proof):
            assert order is not None
            await self.limiter.release(reservation.scopes)
            return order
        raise not_found()

    @staticmethod
    def _matches(facts: ProofFacts | None, proof: Proof) -> bool:
        email = normalize_email(proof.email) if proof.email else None
        postcode = normalize_postcode(proof.postcode) if proof.postcode else None
        phone = normalize_phone(proof.phone) if proof.phone else None
        if facts is None:
            # Same comparisons against a placeholder so an unknown number costs what a wrong pair costs.
            hmac.compare_digest(email or "", "nobody@invalid.example")
            hmac.compare_digest(postcode or "", "0000")
            hmac.compare_digest(phone or "", "000000000")
            return False
        ok = False
        if email:
            ok |= hmac.compare_digest(email.encode(), facts.email.encode())
        if postcode:
            ok |= any(hmac.compare_digest(postcode.encode(), k.encode()) for k in facts.postcodes if k)
        if phone:
            ok |= any(phones_match(phone, k) for k in facts.phones if k)
        return ok
