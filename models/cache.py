"""Translation cache: an in-process LRU, or Redis (shared by every replica) when REDIS_URL is set.

A cache failure never fails a request: Redis errors are logged and the request translates as if
nothing were cached.
"""

from __future__ import annotations

import hashlib
import logging
from collections import OrderedDict
from typing import Protocol, cast

log = logging.getLogger(__name__)


def cache_key(model: str, source: str, target: str, text: str) -> str:
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    return f"borderless:translation:{model}:{source}-{target}:{digest}"


class TranslationCache(Protocol):
    kind: str

    async def get_many(self, keys: list[str]) -> list[str | None]: ...

    async def set_many(self, items: dict[str, str]) -> None: ...

    async def close(self) -> None: ...

    def stats(self) -> dict[str, int | str]: ...


class LruCache:
    """Least-recently-used, bounded by entry count; lives and dies with the process."""

    kind = "memory"

    def __init__(self, max_entries: int = 4096) -> None:
        self._data: OrderedDict[str, str] = OrderedDict()
        self._max = max(1, max_entries)
        self.hits = 0
        self.misses = 0

    async def get_many(self, keys: list[str]) -> list[str | None]:
        out: list[str | None] = []
        for key in keys:
            value = self._data.get(key)
            if value is None:
                self.misses += 1
            else:
                self.hits += 1
                self._data.move_to_end(key)
            out.append(value)
        return out

    async def set_many(self, items: dict[str, str]) -> None:
        for key, value in items.items():
            self._data[key] = value
            self._data.move_to_end(key)
        while len(self._data) > self._max:
            self._data.popitem(last=False)

    async def close(self) -> None:
        self._data.clear()

    def stats(self) -> dict[str, int | str]:
        return {"kind": self.kind, "entries": len(self._data), "hits": self.hits, "misses": self.misses}


class RedisCache:
    """Shared cache in Redis with a TTL, so replicas reuse each other's translations."""

    kind = "redis"

    def __init__(self, url: str, ttl_s: int = 7 * 24 * 3600) -> None:
        import redis.asyncio as redis

        self._client = redis.from_url(url, decode_responses=True, socket_timeout=0.5, socket_connect_timeout=0.5)
        self._ttl = ttl_s
        self.hits = 0
        self.misses = 0
        self.errors = 0

    async def ping(self) -> bool:
        return bool(await self._client.ping())

    async def get_many(self, keys: list[str]) -> list[str | None]:
        if not keys:
            return []
        try:
            values = await self._client.mget(keys)
        except Exception as exc:  # noqa: BLE001 - the cache is an optimisation only
            self.errors += 1
            log.warning("translation cache read failed: %s", exc)
            return [None] * len(keys)
        for v in values:
            if v is None:
                self.misses += 1
            else:
                self.hits += 1
        return cast(list[str | None], values)  # decode_responses=True: str, never bytes

    async def set_many(self, items: dict[str, str]) -> None:
        if not items:
            return
        try:
            async with self._client.pipeline(transaction=False) as pipe:
                for key, value in items.items():
                    pipe.set(key, value, ex=self._ttl)
                await pipe.execute()
        except Exception as exc:  # noqa: BLE001 - the cache is an optimisation only
            self.errors += 1
            log.warning("translation cache write failed: %s", exc)

    async def close(self) -> None:
        await self._client.aclose()

    def stats(self) -> dict[str, int | str]:
        return {"kind": self.kind, "hits": self.hits, "misses": self.misses, "errors": self.errors}


class ConfiguredCache:
    """Redis when a URL is given and Redis answers at start-up, else the in-process LRU."""

    def __init__(self, redis_url: str | None, *, max_entries: int = 4096, ttl_s: int = 7 * 24 * 3600) -> None:
        self._redis_url = redis_url
        self._ttl = ttl_s
        self.active: TranslationCache = LruCache(max_entries)

    @property
    def kind(self) -> str:
        return self.active.kind

    async def open(self) -> None:
        if not self._redis_url:
            return
        redis_cache = RedisCache(self._redis_url, ttl_s=self._ttl)
        try:
            await redis_cache.ping()
        except Exception as exc:  # noqa: BLE001 - fall back, do not refuse to start
            log.warning("REDIS_URL is set but Redis is unreachable (%s); using the in-process cache", exc)
            await redis_cache.close()
            return
        self.active = redis_cache
        log.info("translation cache: Redis")

    async def get_many(self, keys: list[str]) -> list[str | None]:
        return await self.active.get_many(keys)

    async def set_many(self, items: dict[str, str]) -> None:
        await self.active.set_many(items)

    async def close(self) -> None:
        await self.active.close()

    def stats(self) -> dict[str, int | str]:
        return self.active.stats()
