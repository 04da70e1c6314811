"""Micro-batching: concurrent requests share one model call, each gets its own results back in order."""

from __future__ import annotations

import asyncio
import threading

import pytest

from models.batching import MicroBatcher


async def test_concurrent_submissions_run_as_few_batches() -> None:
    calls: list[list[int]] = []
    gate = threading.Event()

    def double(items: list[int]) -> list[int]:
        gate.wait(5)  # hold the first batch so the others queue up behind it
        calls.append(list(items))
        return [2 * i for i in items]

    batcher: MicroBatcher[int, int] = MicroBatcher(double, max_wait_ms=20, max_batch=100)
    tasks = [asyncio.create_task(batcher.submit([i, i + 100])) for i in range(20)]
    await asyncio.sleep(0)  # let every task enqueue before the gate opens
    gate.set()
    results = await asyncio.gather(*tasks)
    assert results == [[2 * i, 2 * (i + 100)] for i in range(20)]
    assert sum(len(c) for c in calls) == 40
    assert len(calls) < 20
    assert batcher.stats.items == 40 and batcher.stats.batches == len(calls)
    await batcher.close()


async def test_max_batch_bounds_one_call() -> None:
    sizes: list[int] = []

    def echo(items: list[int]) -> list[int]:
        sizes.append(len(items))
        return items

    batcher: MicroBatcher[int, int] = MicroBatcher(echo, max_wait_ms=50, max_batch=4)
    results = await asyncio.gather(*(batcher.submit([i]) for i in range(10)))
    assert [r[0] for r in results] == list(range(10))
    assert max(sizes) <= 4
    await batcher.close()


async def test_a_failing_batch_fails_its_requests_and_the_next_batch_still_runs() -> None:
    def picky(items: list[int]) -> list[int]:
        if -1 in items:
            raise ValueError("bad item")
        return items

    batcher: MicroBatcher[int, int] = MicroBatcher(picky, max_wait_ms=1)
    with pytest.raises(ValueError, match="bad item"):
        await batcher.submit([-1])
    assert await batcher.submit([3]) == [3]
    await batcher.close()


async def test_empty_submission_needs_no_batch() -> None:
    batcher: MicroBatcher[int, int] = MicroBatcher(lambda items: items)
    assert await batcher.submit([]) == []
    assert batcher.stats.batches == 0
