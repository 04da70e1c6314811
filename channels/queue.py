"""The handoff queue: conversations waiting for a person, ordered by sentiment and waiting time.

Two backends with one interface: SQL (the `handoff_tickets` table; SQLite by default, PostgreSQL via
DATABASE_URL) and Redis (when REDIS_URL is set; a sorted set per queue, a hash per ticket, claims done by a
Lua script so two agents can never both win). A conversation has at most one open ticket.

Ordering: each ticket gets `rank_at = enqueued_at - boost`, where the boost grows with negative sentiment
(a frustrated shopper is served as if they had waited up to FRUSTRATION_BOOST_S longer). Waiting tickets are
served in ascending `rank_at`.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field, fields
from typing import Any, Protocol, cast

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import async_sessionmaker

from channels.db import Ticket
from channels.transcript import display_url

FRUSTRATION_BOOST_S = 600.0


class QueueError(Exception):
    def __init__(self, code: str, message: str, **details: Any) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.details = details


class NoOpenTicket(QueueError):
    def __init__(self, conversation_id: str) -> None:
        super().__init__("no_open_handoff", f"conversation {conversation_id!r} is not waiting for or with an agent")


class HeldByAnother(QueueError):
    def __init__(self, holder: str) -> None:
        super().__init__(
            "held_by_another_agent", f"agent {holder!r} holds this conversation; take it over explicitly", holder=holder
        )


def priority_boost(label: str, score: float | None) -> float:
    """Seconds of virtual waiting time a shopper's sentiment is worth (0 unless negative)."""
    if label != "negative":
        return 0.0
    strength = min(1.0, abs(score)) if score is not None else 0.5
    return FRUSTRATION_BOOST_S * (0.5 + 0.5 * strength)


@dataclass
class HandoffRequest:
    conversation_id: str
    channel: str = ""
    reason: str = "asked"
    language: str = "en"
    sentiment_label: str = "unknown"
    sentiment_score: float | None = None
    sentiment_history: list[dict[str, Any]] = field(default_factory=list)
    customer_token: str | None = None
    page_url: str | None = None
    last_message: str = ""
    offline: bool = False


@dataclass
class TicketView:
    id: int
    conversation_id: str
    channel: str
    status: str
    reason: str
    language: str
    sentiment_label: str
    sentiment_score: float | None
    sentiment_history: list[dict[str, Any]] | None
    customer_token: str | None
    page_url: str | None
    last_message: str
    offline: bool
    enqueued_at: float
    rank_at: float
    agent: str | None
    claimed_at: float | None
    closed_at: float | None

    def public(self) -> dict[str, Any]:
        """What the console may show: everything but the customer's bearer token."""
        body = asdict(self)
        body.pop("customer_token")
        body["verified_customer"] = bool(self.customer_token)
        body["page_url"] = display_url(self.page_url)
        body["waiting_s"] = max(0.0, (self.claimed_at or time.time()) - self.enqueued_at)
        return body


def _view(t: Ticket) -> TicketView:
    return TicketView(**{f.name: getattr(t, f.name) for f in fields(TicketView)})


class HandoffQueue(Protocol):
    async def enqueue(self, req: HandoffRequest) -> TicketView: ...
    async def get_open(self, conversation_id: str) -> TicketView | None: ...
    async def waiting(self) -> list[TicketView]: ...
    async def active(self) -> list[TicketView]: ...
    async def position(self, conversation_id: str) -> int | None: ...
    async def claim(self, conversation_id: str, agent: str, takeover: bool = False) -> TicketView: ...
    async def finish(self, conversation_id: str, agent: str) -> TicketView: ...
    async def close(self) -> None: ...


class SqlQueue:
    """Tickets in SQL; claims are compare-and-set on a version column, so concurrent claims cannot both win."""

    def __init__(self, sm: async_sessionmaker) -> None:
        self.sm = sm

    async def _open_row(self, db: Any, conversation_id: str) -> Ticket | None:
        stmt = select(Ticket).where(Ticket.conversation_id == conversation_id, Ticket.status != "closed")
        return (await db.execute(stmt.order_by(Ticket.id.desc()).limit(1))).scalar_one_or_none()

    async def enqueue(self, req: HandoffRequest) -> TicketView:
        now = time.time()
        async with self.sm() as db, db.begin():
            row = await self._open_row(db, req.conversation_id)
            if row is None:
                row = Ticket(
                    conversation_id=req.conversation_id,
                    status="waiting",
                    enqueued_at=now,
                    version=0,
                    agent=None,
                    claimed_at=None,
                    closed_at=None,
                )
                db.add(row)
            row.channel = req.channel
            row.reason = req.reason
            row.language = req.language
            row.sentiment_label = req.sentiment_label
            row.sentiment_score = req.sentiment_score
            row.sentiment_history = req.sentiment_history or row.sentiment_history or []
            row.customer_token = req.customer_token or row.customer_token
            row.page_url = req.page_url or row.page_url
            row.last_message = req.last_message
            row.offline = req.offline
            row.rank_at = row.enqueued_at - priority_boost(req.sentiment_label, req.sentiment_score)
            await db.flush()
            return _view(row)

    async def get_open(self, conversation_id: str) -> TicketView | None:
        async with self.sm() as db:
            row = await self._open_row(db, conversation_id)
            return _view(row) if row else None

    async def waiting(self) -> list[TicketView]:
        async with self.sm() as db:
            rows = await db.execute(
                select(Ticket).where(Ticket.status == "waiting").order_by(Ticket.rank_at, Ticket.id)
            )
            return [_view(r) for r in rows.scalars()]

    async def active(self) -> list[TicketView]:
        async with self.sm() as db:
            rows = await db.execute(select(Ticket).where(Ticket.status == "active").order_by(Ticket.claimed_at))
            return [_view(r) for r in rows.scalars()]

    async def position(self, conversation_id: str) -> int | None:
        for i, t in enumerate(await self.waiting(), start=1):
            if t.conversation_id == conversation_id:
                return i
        return None

    async def _cas(
        self, conversation_id: str, agent: str, takeover: bool, values: dict[str, Any], need_holder: bool
    ) -> TicketView:
        async with self.sm() as db, db.begin():
            row = await self._open_row(db, conversation_id)
            if row is None:
                raise NoOpenTicket(conversation_id)
            holder = row.agent if row.status == "active" else None
            if need_holder and holder is None:
                raise QueueError("not_claimed", "claim the conversation first")
            if holder and holder != agent and not takeover:
                raise HeldByAnother(holder)
            done = await db.execute(
                update(Ticket)
                .where(Ticket.id == row.id, Ticket.version == row.version)
                .values(version=row.version + 1, **values)
            )
            if done.rowcount != 1:
                # Someone else changed it between our read and write: report who holds it now.
                raise QueueError("conflict", "the conversation changed meanwhile; reload and try again")
        fresh = await self.get_open(conversation_id)
        if fresh is not None:
            return fresh
        async with self.sm() as db:
            return _view((await db.execute(select(Ticket).where(Ticket.id == row.id))).scalar_one())

    async def claim(self, conversation_id: str, agent: str, takeover: bool = False) -> TicketView:
        return await self._cas(
            conversation_id, agent, takeover, {"status": "active", "agent": agent, "claimed_at": time.time()}, False
        )

    async def finish(self, conversation_id: str, agent: str) -> TicketView:
        return await self._cas(conversation_id, agent, False, {"status": "closed", "closed_at": time.time()}, True)

    async def close(self) -> None:
        return None


_CLAIM_LUA = """
local status = redis.call('HGET', KEYS[1], 'status')
if (not status) or status == 'closed' then return {'missing', ''} end
local holder = redis.call('HGET', KEYS[1], 'agent') or ''
if ARGV[5] == 'finish' then
  if status ~= 'active' or holder == '' then return {'not_claimed', ''} end
  if holder ~= ARGV[1] then return {'held', holder} end
  redis.call('HSET', KEYS[1], 'status', 'closed', 'closed_at', ARGV[3])
  redis.call('SREM', KEYS[3], ARGV[4])
  redis.call('ZREM', KEYS[2], ARGV[4])
  redis.call('EXPIRE', KEYS[1], 604800)
  return {'ok', ''}
end
if status == 'active' and holder ~= '' and holder ~= ARGV[1] and ARGV[2] ~= '1' then return {'held', holder} end
redis.call('HSET', KEYS[1], 'status', 'active', 'agent', ARGV[1], 'claimed_at', ARGV[3])
redis.call('ZREM', KEYS[2], ARGV[4])
redis.call('SADD', KEYS[3], ARGV[4])
return {'ok', ''}
"""

_MUTABLE = ("status", "agent", "claimed_at", "closed_at")


class RedisQueue:
    """Tickets in Redis: `<prefix>t:<conversation>` hash, `<prefix>waiting` sorted by rank, `<prefix>active` set."""

    def __init__(self, url: str, prefix: str) -> None:
        import redis.asyncio as aioredis

        self.r = aioredis.from_url(url, decode_responses=True)
        self.p = prefix
        self._script = self.r.register_script(_CLAIM_LUA)

    def _k(self, conversation_id: str) -> str:
        return f"{self.p}t:{conversation_id}"

    async def _load(self, conversation_id: str) -> TicketView | None:
        h = await self.r.hgetall(self._k(conversation_id))
        if not h:
            return None
        data = json.loads(h["data"])
        data["status"] = h.get("status", data["status"])
        data["agent"] = h.get("agent") or None
        for key in ("claimed_at", "closed_at"):
            data[key] = float(h[key]) if h.get(key) else None
        return TicketView(**data)

    async def enqueue(self, req: HandoffRequest) -> TicketView:
        now = time.time()
        current = await self.get_open(req.conversation_id)
        if current is None:
            ticket_id = int(await self.r.incr(f"{self.p}seq"))
            enqueued = now
            status, agent = "waiting", None
        else:
            ticket_id, enqueued, status, agent = current.id, current.enqueued_at, current.status, current.agent
        view = TicketView(
            id=ticket_id,
            conversation_id=req.conversation_id,
            channel=req.channel,
            status=status,
            reason=req.reason,
            language=req.language,
            sentiment_label=req.sentiment_label,
            sentiment_score=req.sentiment_score,
            sentiment_history=req.sentiment_history or (current.sentiment_history if current else None) or [],
            customer_token=req.customer_token or (current.customer_token if current else None),
            page_url=req.page_url or (current.page_url if current else None),
            last_message=req.last_message,
            offline=req.offline,
            enqueued_at=enqueued,
            rank_at=enqueued - priority_boost(req.sentiment_label, req.sentiment_score),
            agent=agent,
            claimed_at=current.claimed_at if current else None,
            closed_at=None,
        )
        data = asdict(view)
        key = self._k(req.conversation_id)
        async with self.r.pipeline(transaction=True) as pipe:
            if current is None:
                # A closed ticket of an earlier handoff may still be there (kept a week): start afresh.
                pipe.delete(key)
                pipe.hset(key, mapping={"data": json.dumps(data), "status": "waiting", "agent": ""})
            else:
                pipe.hset(key, "data", json.dumps(data))
            if status == "waiting":
                pipe.zadd(f"{self.p}waiting", {req.conversation_id: view.rank_at})
            await pipe.execute()
        return view

    async def get_open(self, conversation_id: str) -> TicketView | None:
        view = await self._load(conversation_id)
        return view if view is not None and view.status != "closed" else None

    async def _many(self, ids: Iterable[Any]) -> list[TicketView]:
        """The open tickets of `ids` (strings: the client decodes responses), skipping closed ones."""
        out = []
        for cid in ids:
            view = await self.get_open(cid)
            if view is not None:
                out.append(view)
        return out

    async def waiting(self) -> list[TicketView]:
        return [t for t in await self._many(await self.r.zrange(f"{self.p}waiting", 0, -1)) if t.status == "waiting"]

    async def active(self) -> list[TicketView]:
        # redis-py types replies as "bytes | str | ..."; with decode_responses=True they are str.
        members = cast(set[str], await self.r.smembers(f"{self.p}active"))
        views = [t for t in await self._many(sorted(members)) if t.status == "active"]
        return sorted(views, key=lambda t: t.claimed_at or 0)

    async def position(self, conversation_id: str) -> int | None:
        rank = cast(int | None, await self.r.zrank(f"{self.p}waiting", conversation_id))
        return None if rank is None else rank + 1

    async def _run(self, conversation_id: str, agent: str, takeover: bool, mode: str) -> TicketView:
        keys = [self._k(conversation_id), f"{self.p}waiting", f"{self.p}active"]
        outcome, holder = await self._script(
            keys=keys, args=[agent, "1" if takeover else "0", repr(time.time()), conversation_id, mode]
        )
        if outcome == "missing":
            raise NoOpenTicket(conversation_id)
        if outcome == "held":
            raise HeldByAnother(holder)
        if outcome == "not_claimed":
            raise QueueError("not_claimed", "claim the conversation first")
        view = await self._load(conversation_id)
        assert view is not None
        return view

    async def claim(self, conversation_id: str, agent: str, takeover: bool = False) -> TicketView:
        return await self._run(conversation_id, agent, takeover, "claim")

    async def finish(self, conversation_id: str, agent: str) -> TicketView:
        return await self._run(conversation_id, agent, False, "finish")

    async def close(self) -> None:
        await self.r.aclose()


def make_queue(redis_url: str | None, redis_prefix: str, sm: async_sessionmaker) -> HandoffQueue:
    if redis_url:
        return RedisQueue(redis_url, redis_prefix)
    return SqlQueue(sm)


def expected_wait_s(position: int | None, agents_online: int, avg_handle_s: float) -> float | None:
    """Place x average handling time, shared among the agents online; None when nobody is online."""
    if position is None or agents_online <= 0:
        return None
    return position * avg_handle_s / agents_online
