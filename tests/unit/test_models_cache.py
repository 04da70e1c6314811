"""Translation cache: in-process LRU, real Redis when REDIS_URL is given, and falling back when Redis is down."""

from __future__ import annotations

import os
import uuid

import pytest

from models.cache import ConfiguredCache, LruCache, RedisCache, cache_key

REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")


async def test_lru_evicts_the_least_recently_used() -> None:
    cache = LruCache(max_entries=2)
    await cache.set_many({"a": "1", "b": "2"})
    assert await cache.get_many(["a"]) == ["1"]  # a is now the most recent
    await cache.set_many({"c": "3"})
    assert await cache.get_many(["a", "b", "c"]) == ["1", None, "3"]


def test_keys_separate_models_pairs_and_texts() -> None:
    keys = {
        cache_key("m", "en", "pt", "hi"),
        cache_key("m", "en", "de", "hi"),
        cache_key("n", "en", "pt", "hi"),
        cache_key("m", "en", "pt", "hi!"),
    }
    assert len(keys) == 4


async def test_redis_cache_round_trip() -> None:
    cache = RedisCache(REDIS_URL, ttl_s=60)
    try:
        await cache.ping()
    except Exception as exc:  # noqa: BLE001
        pytest.fail(f"Redis at {REDIS_URL} is needed for this test: {exc}")
    key = cache_key("test", "en", "pt", uuid.uuid4().hex)
    assert await cache.get_many([key]) == [None]
    await cache.set_many({key: "olá"})
    assert await cache.get_many([key]) == ["olá"]
    await cache._client.delete(key)
    await cache.close()


async def test_unreachable_redis_falls_back_to_memory() -> None:
    cache = ConfiguredCache("redis://127.0.0.1:1/0")
    await cache.open()
    assert cache.kind == "memory"
    await cache.set_many({"k": "v"})
    assert await cache.get_many(["k"]) == ["v"]
