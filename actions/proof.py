"""Proof of ownership: what proves, right now, that an order belongs to the person writing.

Proof is never inherited from an earlier shopper of the same conversation or computer:
- a signed customer token counts only on the message that carries it (the website's widget sends it
  with every message of a logged-in shopper), never from earlier messages;
- an email counts for PROOF_TTL_S seconds after it was given and only until an order action has used
  it: every order action drops the `email` slot, whatever the outcome;
- once the orders service accepted an email for an order, the `verified_proof` slot remembers that for
  that one order, for PROOF_TTL_S seconds from the moment of verification (re-using it never extends
  it), so a "yes" or a second question about the same order does not ask for the email again;
- a new session starts without any of it (actions/session.py); logging out restarts the conversation,
  and closing a handoff sets `email`, `order_number` and `verified_proof` to null.

Every proof-carrying orders call also names the shopper's source (the channel's view of who is
writing: "ip:203.0.113.7", "telegram:12345"), which the orders service limits failed proofs by.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass
from typing import Any, Literal

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet

from actions.settings import ActionSettings

VERIFIED_SLOT = "verified_proof"
# Tokens are `bl1.<payload>.<signature>` (backends/orders/tokens.py); anything longer is not one of ours.
MAX_TOKEN_CHARS = 2000
MAX_SOURCE_CHARS = 100

ProofKind = Literal["token", "email", "verified", "none"]


def proof_ttl_s() -> float:
    return max(0.0, ActionSettings.from_env().proof_ttl_s)


def _latest_metadata(tracker: Tracker) -> dict[str, Any]:
    metadata = tracker.latest_message.get("metadata")
    return metadata if isinstance(metadata, dict) else {}


def customer_token(tracker: Tracker) -> str | None:
    """The signed customer token sent with the latest message, if any.

    Only the latest message counts: a token from earlier messages would let whoever writes next (on
    the same computer, or into the same conversation) act as the logged-in shopper.
    """
    token = _latest_metadata(tracker).get("customer_token")
    if isinstance(token, str) and 0 < len(token.strip()) <= MAX_TOKEN_CHARS:
        return token.strip()
    return None


def shopper_source(tracker: Tracker) -> str:
    """Who is writing, as the channel saw it (`shopper_source` metadata), else the conversation itself."""
    source = _latest_metadata(tracker).get("shopper_source")
    if isinstance(source, str) and (source := source.strip()) and source.isprintable():
        return source[:MAX_SOURCE_CHARS]
    sender = tracker.sender_id or ""
    if len(sender) > MAX_SOURCE_CHARS - len("conversation:") or not sender.isprintable():
        sender = hashlib.sha256(sender.encode()).hexdigest()[:32]
    return f"conversation:{sender}"


def _slot_set_at(tracker: Tracker, slot: str) -> float | None:
    """When `slot` got its current value: the timestamp of the latest event that set it.

    Events the action server adds within this very run carry no timestamp yet: they are from now.
    None when no event set it (then nothing says when it was given, and it proves nothing).
    """
    for event in reversed(tracker.events or []):
        if event.get("event") == "slot" and event.get("name") == slot:
            stamp = event.get("timestamp")
            return time.time() if stamp is None else float(stamp)
    return None


def fresh_email(tracker: Tracker) -> str | None:
    """The email slot, when it was given less than PROOF_TTL_S seconds ago."""
    email = tracker.get_slot("email")
    if not isinstance(email, str) or not email.strip():
        return None
    given_at = _slot_set_at(tracker, "email")
    if given_at is None or time.time() - given_at > proof_ttl_s():
        return None
    return email.strip()


def verified_email(tracker: Tracker, order_number: str | None) -> str | None:
    """The email the orders service accepted for `order_number` less than PROOF_TTL_S seconds ago."""
    state = tracker.get_slot(VERIFIED_SLOT)
    if not order_number or not isinstance(state, dict) or state.get("order_number") != order_number:
        return None
    verified_at, email = state.get("verified_at"), state.get("email")
    if not isinstance(verified_at, int | float) or not isinstance(email, str) or not email:
        return None
    if not 0 <= time.time() - verified_at <= proof_ttl_s():
        return None
    return email


def verified_state_expired(tracker: Tracker) -> bool:
    """Whether the tracker still holds a verified state that no longer proves anything."""
    state = tracker.get_slot(VERIFIED_SLOT)
    return state is not None and verified_email(tracker, (state or {}).get("order_number")) is None


@dataclass(frozen=True)
class Proof:
    """The proof an order action may present for one order in this turn, and where it came from."""

    kind: ProofKind
    value: str | None
    conversation_id: str
    source: str

    def __bool__(self) -> bool:
        return self.kind != "none"

    def kwargs(self) -> dict[str, Any]:
        """Keyword arguments of proof for OrdersClient calls."""
        kwargs: dict[str, Any] = {"conversation_id": self.conversation_id, "source": self.source}
        if self.kind == "token":
            kwargs["customer_token"] = self.value
        elif self.kind in {"email", "verified"}:
            kwargs["email"] = self.value
        return kwargs

    def accepted(self, order_number: str) -> list[EventType]:
        """Events once the orders service accepted this proof for `order_number`.

        The raw email is dropped (it must not prove other orders later); a freshly given email becomes
        the verified state of this one order. Re-using the verified state does not extend it.
        """
        events: list[EventType] = [SlotSet("email", None)]
        if self.kind == "email":
            state = {"order_number": order_number, "email": self.value, "verified_at": time.time()}
            events.append(SlotSet(VERIFIED_SLOT, state))
        return events


def proof_for(tracker: Tracker, order_number: str | None = None) -> Proof:
    """The proof for `order_number` (default: the order_number slot): token, fresh email, verified state."""
    number = order_number or tracker.get_slot("order_number")
    base = {"conversation_id": tracker.sender_id, "source": shopper_source(tracker)}
    if token := customer_token(tracker):
        return Proof("token", token, **base)
    if email := fresh_email(tracker):
        return Proof("email", email, **base)
    if email := verified_email(tracker, number):
        return Proof("verified", email, **base)
    return Proof("none", None, **base)


def proof_kwargs(tracker: Tracker, order_number: str | None = None) -> dict[str, Any]:
    """Keyword arguments of proof for OrdersClient calls: the token when logged in, else the email."""
    return proof_for(tracker, order_number).kwargs()


def forget_proof() -> list[EventType]:
    """Drops every proof and the order it was for (after a failed proof)."""
    return [SlotSet("order_number", None), SlotSet("email", None), SlotSet(VERIFIED_SLOT, None)]
