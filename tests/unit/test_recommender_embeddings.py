"""The default content embedder: all-MiniLM-L6-v2 loads offline from its package and ranks by meaning."""

from __future__ import annotations

import os

import numpy as np

from backends.recommender.content import MiniLMEmbedder, product_text


def test_minilm_loads_offline_and_matches_meaning_not_words() -> None:
    os.environ["HF_HUB_OFFLINE"] = "1"
    embedder = MiniLMEmbedder()
    products = [
        {
            "title": "Stormline Rain Jacket",
            "category": "apparel",
            "tags": ["rain-jacket"],
            "description": "Taped seams.",
        },
        {"title": "Calendula Face Cream", "category": "beauty", "tags": ["skincare"], "description": "For dry skin."},
        {"title": "Basecamp 2-Person Tent", "category": "outdoor", "tags": ["tent"], "description": "Two doors."},
    ]
    vectors = embedder.encode([product_text(p) for p in products])
    assert vectors.shape == (3, 384)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-3)
    # No word in common with "Rain Jacket", yet the jacket is the closest product.
    query = embedder.encode(["something to keep me dry in a downpour while walking"])[0]
    assert int(np.argmax(vectors @ query)) == 0
