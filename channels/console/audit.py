"""Who may see a conversation, and the audit log of every view of customer data.

An agent or admin sees a conversation (transcript, the customer's orders, suggestions) only while it waits in
the queue or while they hold it (claimed, or taken over explicitly from another agent). Every view, and every
refused view, is written to `console_audit` before the data leaves the server; admins read the log at
`GET /api/admin/audit`.
"""

from __future__ import annotations

import time
from typing import Any

from sqlalchemy import select, update

from channels.auth import Principal
from channels.console.state import Console
from channels.db import AuditEntry
from channels.queue import TicketView
from svc.errors import ApiError


async def record(
    console: Console, who: Principal, action: str, cid: str, source: str, detail: dict[str, Any] | None = None
) -> None:
    """Writes one audit entry; a repeat of the same view within the coalescing window bumps the last entry."""
    now = time.time()
    window = console.settings.audit_coalesce_s
    async with console.sm() as db, db.begin():
        if window > 0:
            last = (
                await db.execute(
                    select(AuditEntry)
                    .where(
                        AuditEntry.actor == who.username,
                        AuditEntry.action == action,
                        AuditEntry.conversation_id == cid,
                        AuditEntry.source == source,
                        AuditEntry.last_at >= now - window,
                    )
                    .order_by(AuditEntry.id.desc())
                    .limit(1)
                )
            ).scalar_one_or_none()
            if last is not None and (last.detail or {}) == (detail or {}):
                await db.execute(
                    update(AuditEntry).where(AuditEntry.id == last.id).values(count=AuditEntry.count + 1, last_at=now)
                )
                return
        db.add(
            AuditEntry(
                at=now,
                last_at=now,
                count=1,
                actor=who.username,
                role=who.role,
                action=action,
                conversation_id=cid,
                source=source[:64],
                detail=detail,
            )
        )


def may_view(ticket: TicketView | None, who: Principal) -> bool:
    if ticket is None:
        return False
    return ticket.status == "waiting" or (ticket.status == "active" and ticket.agent == who.username)


async def viewable_ticket(console: Console, who: Principal, cid: str, source: str) -> TicketView:
    """The conversation's open ticket if `who` may see it; otherwise the refusal is logged and 403 raised."""
    ticket = await console.queue.get_open(cid)
    if ticket is not None and may_view(ticket, who):
        return ticket
    holder = ticket.agent if ticket is not None and ticket.status == "active" else None
    await record(console, who, "view_refused", cid, source)
    if holder:
        raise ApiError(
            403,
            "held_by_another_agent",
            f"agent {holder!r} holds this conversation; take it over explicitly to see it",
            holder=holder,
        )
    raise ApiError(403, "not_in_queue", "this conversation is not waiting for an agent nor held by you")


def entry_json(e: AuditEntry) -> dict[str, Any]:
    return {
        "id": e.id,
        "at": e.at,
        "last_at": e.last_at,
        "count": e.count,
        "actor": e.actor,
        "role": e.role,
        "action": e.action,
        "conversation_id": e.conversation_id,
        "source": e.source,
        "detail": e.detail or {},
    }
