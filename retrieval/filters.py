"""Metadata filters over chunks: type, category, language, in stock, ships-to country."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from retrieval.types import Chunk, SearchFilters


def matches(chunk: Chunk, filters: SearchFilters) -> bool:
    meta = chunk.metadata
    if filters.type is not None and chunk.type not in filters.type:
        return False
    if filters.category is not None:
        category = str(meta.get("category", "")).lower()
        if category not in {c.lower() for c in filters.category}:
            return False
    if filters.language is not None and str(meta.get("language", "en")).lower() != filters.language.lower():
        return False
    in_stock = int(meta.get("stock", 0) or 0) > 0
    if filters.in_stock is not None and chunk.type == "product" and in_stock != filters.in_stock:
        return False
    # Only documents that carry a ships_to list (products) are subject to the country filter.
    countries = {str(c).upper() for c in meta.get("ships_to") or []}
    return not (filters.ships_to is not None and "ships_to" in meta and filters.ships_to.upper() not in countries)


def mask(chunks: Sequence[Chunk], filters: SearchFilters) -> np.ndarray | None:
    """Boolean array of allowed chunks, or None when the filters allow everything."""
    if filters.is_empty():
        return None
    return np.fromiter((matches(c, filters) for c in chunks), dtype=bool, count=len(chunks))
