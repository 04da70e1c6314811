"""Reciprocal-rank fusion: score(d) = Σ_r w_r / (k + rank_r(d)), ranks starting at 1."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

RRF_K = 60


def reciprocal_rank_fusion(
    rankings: Mapping[str, Sequence[int]], weights: Mapping[str, float] | None = None, k: int = RRF_K
) -> list[tuple[int, float]]:
    """Fused (item, score) best first; ties keep the order of the first ranking that lists them."""
    scores: dict[int, float] = {}
    order: dict[int, int] = {}
    for name, ranking in rankings.items():
        weight = 1.0 if weights is None else weights.get(name, 1.0)
        for rank, item in enumerate(ranking, start=1):
            scores[item] = scores.get(item, 0.0) + weight / (k + rank)
            order.setdefault(item, len(order))
    return sorted(scores.items(), key=lambda kv: (-kv[1], order[kv[0]]))
