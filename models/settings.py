"""Models service settings, read once from environment variables."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from models.config import DEFAULT_CONFIG_PATH
from svc.endpoints import PORTS, default_port
from svc.settings import env_float, env_int, env_opt, env_path, env_str


@dataclass(frozen=True)
class Settings:
    host: str = "127.0.0.1"
    port: int = PORTS["models"]
    config_path: Path = DEFAULT_CONFIG_PATH
    device: str | None = None  # overrides the config's `device`
    cache_dir: str | None = None  # overrides the config's `cache_dir`
    redis_url: str | None = None  # translation cache in Redis when set, else in-process LRU
    cache_entries: int = 4096
    cache_ttl_s: int = 7 * 24 * 3600
    batch_wait_ms: float = 2.0
    max_batch: int = 64
    max_texts: int = 64
    max_chars: int = 2000

    @classmethod
    def from_env(cls) -> Settings:
        return cls(
            host=env_str("MODELS_HOST", "127.0.0.1"),
            port=default_port("models"),
            config_path=env_path("MODELS_CONFIG", DEFAULT_CONFIG_PATH),
            device=env_opt("MODELS_DEVICE"),
            cache_dir=env_opt("MODELS_CACHE_DIR"),
            redis_url=env_opt("REDIS_URL"),
            cache_entries=env_int("MODELS_CACHE_ENTRIES", 4096),
            cache_ttl_s=env_int("MODELS_CACHE_TTL_S", 7 * 24 * 3600),
            batch_wait_ms=env_float("MODELS_BATCH_WAIT_MS", 2.0),
            max_batch=env_int("MODELS_MAX_BATCH", 64),
            max_texts=env_int("MODELS_MAX_TEXTS", 64),
            max_chars=env_int("MODELS_MAX_CHARS", 2000),
        )
