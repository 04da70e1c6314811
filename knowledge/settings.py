"""Knowledge service settings, read once from environment variables.

KNOWLEDGE_HOST / KNOWLEDGE_PORT     bind address (127.0.0.1 / 8103)
KNOWLEDGE_DATABASE_URL or DATABASE_URL   SQLAlchemy URL (default sqlite:///var/knowledge.db)
KNOWLEDGE_INDEX_DIR                 snapshot folder (default var/knowledge_index)
KNOWLEDGE_VECTOR_CACHE              passage vectors kept by embedder and text, so an index built from nothing embeds
                                    only new passages (retrieval/vector_cache.py; default var/cache/passage_vectors;
                                    "none": off)
KNOWLEDGE_EMBEDDER                  e5 (default, multilingual) | minilm | e5-enpt | st:<hf-id-or-path>
KNOWLEDGE_RRF_K                     reciprocal-rank-fusion constant (default 10)
KNOWLEDGE_LEXICAL_WEIGHT            weight of BM25 against dense in the fusion for English queries (default 0.3)
KNOWLEDGE_ADMIN_TOKEN               bearer token for the admin API (unset: admin API answers 503 auth_not_configured)
KNOWLEDGE_MAX_BODY                  largest admin request body in bytes (default 8 MiB; /v1/search takes 64 KiB)
KNOWLEDGE_THRESHOLDS                answer-confidence thresholds file (default knowledge/answer_thresholds.json)
KNOWLEDGE_EXACT_THRESHOLD           vectors up to which search is exact (default 20000)
KNOWLEDGE_WATCH_INTERVAL            seconds between checks of the served version on disk (default 1.0)
KNOWLEDGE_AUTO_CALIBRATE            1 (default): after an import or reindex, fit the "not sure" thresholds on questions
                                    generated from the articles (knowledge/calibration.py); 0: keep KNOWLEDGE_THRESHOLDS
KNOWLEDGE_USE_CALIBRATION           1: serve a version's own calibration instead of KNOWLEDGE_THRESHOLDS; 0 (default):
                                    report it only (it answered fewer labelled questions on the second shop)
KNOWLEDGE_RULES_DIR                 the shop's rule tables answered as facts (default: the selected shop's rules/);
                                    "none" answers from text only
REDIS_URL                           when set, new versions are announced on Redis pub/sub
KNOWLEDGE_REDIS_CHANNEL             pub/sub channel (default borderless:knowledge:version)
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from borderless.profile import current_shop
from svc.endpoints import PORTS, default_port
from svc.settings import REPO_ROOT, env_float, env_int, env_opt, env_path, env_str, var_dir


def default_database_url() -> str:
    return f"sqlite:///{var_dir() / 'knowledge.db'}"


def normalise_database_url(url: str) -> str:
    # Shared DATABASE_URLs are often written for asyncpg or as postgres://; this package uses psycopg2.
    for prefix in ("postgres://", "postgresql+asyncpg://"):
        if url.startswith(prefix):
            return "postgresql+psycopg2://" + url[len(prefix) :]
    if url.startswith("sqlite+aiosqlite://"):
        return "sqlite://" + url[len("sqlite+aiosqlite://") :]
    return url


def default_rules_dir() -> Path | None:
    """KNOWLEDGE_RULES_DIR ("none": no facts), else the selected shop's rule tables (BORDERLESS_SHOP)."""
    raw = env_opt("KNOWLEDGE_RULES_DIR")
    if raw is not None:
        return None if raw.lower() == "none" else env_path("KNOWLEDGE_RULES_DIR", REPO_ROOT)
    return Path(current_shop().rules_dir)


def default_vector_cache_dir() -> Path | None:
    """KNOWLEDGE_VECTOR_CACHE ("none": no cache), else var/cache/passage_vectors."""
    raw = env_opt("KNOWLEDGE_VECTOR_CACHE")
    if raw is not None and raw.lower() == "none":
        return None
    return env_path("KNOWLEDGE_VECTOR_CACHE", var_dir() / "cache" / "passage_vectors")


def shop_languages() -> tuple[str, ...]:
    """The selected shop's languages: their country names are recognised too."""
    return tuple(current_shop().languages.supported)


@dataclass(frozen=True)
class KnowledgeSettings:
    host: str = "127.0.0.1"
    port: int = PORTS["knowledge"]
    database_url: str = ""
    index_dir: Path = Path("var/knowledge_index")
    vector_cache_dir: Path | None = None
    embedder: str = "e5"
    admin_token: str | None = None
    thresholds_path: Path = REPO_ROOT / "knowledge" / "answer_thresholds.json"
    exact_threshold: int = 20_000
    watch_interval: float = 1.0
    redis_url: str | None = None
    redis_channel: str = "borderless:knowledge:version"
    # Tuned on the calibration half of benchmarks/data/retrieval_questions.jsonl (see BENCHMARKS.md).
    rrf_k: int = 10
    lexical_weight: float = 0.3
    max_body: int = 8 * 1024 * 1024
    rules_dir: Path | None = None
    auto_calibrate: bool = True
    use_calibration: bool = False
    # Languages whose country names are recognised besides the built-in set (the shop's languages).
    languages: tuple[str, ...] = ()

    @classmethod
    def from_env(cls) -> KnowledgeSettings:
        return cls(
            host=env_str("KNOWLEDGE_HOST", "127.0.0.1"),
            port=default_port("knowledge"),
            database_url=normalise_database_url(
                env_opt("KNOWLEDGE_DATABASE_URL") or env_opt("DATABASE_URL") or default_database_url()
            ),
            index_dir=env_path("KNOWLEDGE_INDEX_DIR", var_dir() / "knowledge_index"),
            vector_cache_dir=default_vector_cache_dir(),
            embedder=env_str("KNOWLEDGE_EMBEDDER", "e5"),
            admin_token=env_opt("KNOWLEDGE_ADMIN_TOKEN"),
            thresholds_path=env_path("KNOWLEDGE_THRESHOLDS", REPO_ROOT / "knowledge" / "answer_thresholds.json"),
            exact_threshold=env_int("KNOWLEDGE_EXACT_THRESHOLD", 20_000),
            watch_interval=env_float("KNOWLEDGE_WATCH_INTERVAL", 1.0),
            redis_url=env_opt("REDIS_URL"),
            redis_channel=env_str("KNOWLEDGE_REDIS_CHANNEL", "borderless:knowledge:version"),
            rrf_k=env_int("KNOWLEDGE_RRF_K", 10),
            lexical_weight=env_float("KNOWLEDGE_LEXICAL_WEIGHT", 0.3),
            max_body=env_int("KNOWLEDGE_MAX_BODY", 8 * 1024 * 1024),
            rules_dir=default_rules_dir(),
            auto_calibrate=env_str("KNOWLEDGE_AUTO_CALIBRATE", "1") not in ("0", "false", "no"),
            use_calibration=env_str("KNOWLEDGE_USE_CALIBRATION", "0") in ("1", "true", "yes"),
            languages=shop_languages(),
        )
