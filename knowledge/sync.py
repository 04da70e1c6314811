"""Keeping every running search process on the newest version.

Two signals, either is enough: the CURRENT file of the local snapshot folder (checked every
KNOWLEDGE_WATCH_INTERVAL seconds; covers the CLI and replicas on this host), and, with REDIS_URL set,
a pub/sub message `{"version": N, "origin": ...}` (covers replicas on other hosts, which rebuild the
version from SQL when they lack its snapshot).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import uuid

import redis
import redis.asyncio as aioredis

from knowledge.base import KnowledgeBase, VersionNotFound

log = logging.getLogger(__name__)

INSTANCE_ID = f"{os.uname().nodename}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def announce_sync(redis_url: str | None, channel: str, version: int | None) -> None:
    """Publishes a new version from synchronous code (the CLI); failures are logged, not raised."""
    if not redis_url or version is None:
        return
    try:
        client = redis.Redis.from_url(redis_url, socket_timeout=2)
        client.publish(channel, json.dumps({"version": version, "origin": INSTANCE_ID}))
        client.close()
    except redis.RedisError as exc:
        log.warning("could not announce version %s on Redis: %s", version, exc)


async def announce(client: aioredis.Redis | None, channel: str, version: int | None) -> None:
    if client is None or version is None:
        return
    try:
        await client.publish(channel, json.dumps({"version": version, "origin": INSTANCE_ID}))
    except redis.RedisError as exc:
        log.warning("could not announce version %s on Redis: %s", version, exc)


async def _switch(kb: KnowledgeBase, version: int) -> None:
    if version == kb.version:
        return
    try:
        await asyncio.to_thread(kb.activate, version)
    except VersionNotFound as exc:
        log.warning("ignoring announced version: %s", exc)
    except Exception:  # noqa: BLE001 - a bad snapshot must not stop the watcher; the old one keeps serving
        log.exception("could not switch to version %s; still serving %s", version, kb.version)


async def watch_disk(kb: KnowledgeBase, interval: float) -> None:
    while True:
        await asyncio.sleep(interval)
        target = kb.snapshots.current_version()
        if target is not None and target != kb.version:
            await _switch(kb, target)


async def watch_redis(kb: KnowledgeBase, redis_url: str, channel: str) -> None:
    """Subscribes to version announcements; reconnects with back-off when Redis goes away."""
    delay = 0.5
    while True:
        client = aioredis.Redis.from_url(redis_url)
        try:
            pubsub = client.pubsub()
            await pubsub.subscribe(channel)
            delay = 0.5
            # After (re)subscribing, catch up on what SQL says is current: a message may have been missed.
            current = await asyncio.to_thread(kb.store.current_version)
            if current is not None and current != kb.version:
                await _switch(kb, current)
            async for message in pubsub.listen():
                if message.get("type") != "message":
                    continue
                try:
                    payload = json.loads(message["data"])
                    version = int(payload["version"])
                except (ValueError, KeyError, TypeError):
                    log.warning("ignoring malformed version announcement %r", message.get("data"))
                    continue
                await _switch(kb, version)
        except asyncio.CancelledError:
            raise
        except (redis.RedisError, OSError) as exc:
            log.warning("Redis subscription lost (%s); retrying in %.1fs", exc, delay)
            await asyncio.sleep(delay)
            delay = min(delay * 2, 10.0)
        finally:
            with contextlib.suppress(Exception):  # closing a dead connection may fail too
                await client.aclose()
