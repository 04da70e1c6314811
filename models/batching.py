"""Micro-batching: requests that arrive within a few milliseconds of each other run as one model call.

Each capability has one MicroBatcher. A request submits its items and awaits their results; a single
worker task collects items until `max_wait_ms` has passed since the first one (or `max_batch` items are
waiting), then runs the batch function once in a worker thread so the event loop keeps accepting requests.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Generic, TypeVar

log = logging.getLogger(__name__)

T = TypeVar("T")
R = TypeVar("R")


@dataclass
class BatchStats:
    batches: int = 0
    items: int = 0
    largest: int = 0

    def as_dict(self) -> dict[str, float]:
        mean = self.items / self.batches if self.batches else 0.0
        return {"batches": self.batches, "items": self.items, "largest": self.largest, "mean": round(mean, 2)}


@dataclass
class _Pending(Generic[T, R]):
    items: Sequence[T]
    future: asyncio.Future[list[R]]


@dataclass
class MicroBatcher(Generic[T, R]):
    """Runs `fn(items) -> results` (same length, same order) over the items of concurrent requests."""

    fn: Callable[[list[T]], list[R]]
    max_wait_ms: float = 5.0
    max_batch: int = 64
    name: str = "batch"
    stats: BatchStats = field(default_factory=BatchStats)
    _queue: asyncio.Queue[_Pending[T, R]] | None = None
    _worker: asyncio.Task[None] | None = None

    async def submit(self, items: Sequence[T]) -> list[R]:
        if not items:
            return []
        if self._worker is None or self._worker.done():
            self._queue = asyncio.Queue()
            self._worker = asyncio.create_task(self._run(), name=f"microbatch-{self.name}")
        assert self._queue is not None
        future: asyncio.Future[list[R]] = asyncio.get_running_loop().create_future()
        await self._queue.put(_Pending(items, future))
        return await future

    async def _collect(self, queue: asyncio.Queue[_Pending[T, R]]) -> list[_Pending[T, R]]:
        first = await queue.get()
        pending = [first]
        size = len(first.items)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.max_wait_ms / 1000
        while size < self.max_batch:
            timeout = deadline - loop.time()
            if timeout <= 0:
                break
            try:
                nxt = await asyncio.wait_for(queue.get(), timeout)
            except asyncio.TimeoutError:
                break
            pending.append(nxt)
            size += len(nxt.items)
        return pending

    async def _run(self) -> None:
        assert self._queue is not None
        queue = self._queue
        while True:
            pending = await self._collect(queue)
            flat: list[T] = [item for p in pending for item in p.items]
            try:
                results = await asyncio.to_thread(self.fn, flat)
                if len(results) != len(flat):
                    raise RuntimeError(f"{self.name}: batch function returned {len(results)} for {len(flat)} items")
            except Exception as exc:  # noqa: BLE001 - the error goes to every waiting request
                log.exception("%s batch of %d failed", self.name, len(flat))
                for p in pending:
                    if not p.future.done():
                        p.future.set_exception(exc)
                continue
            self.stats.batches += 1
            self.stats.items += len(flat)
            self.stats.largest = max(self.stats.largest, len(flat))
            start = 0
            for p in pending:
                if not p.future.done():  # a cancelled request simply drops its share
                    p.future.set_result(results[start : start + len(p.items)])
                start += len(p.items)

    async def close(self) -> None:
        if self._worker is not None:
            self._worker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._worker
            self._worker = None
