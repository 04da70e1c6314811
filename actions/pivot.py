"""The shopper's words in English, the language the knowledge base and the catalogue are written in.

A search (articles, product types) is cross-lingual, but an English query finds the right article or type more
often (BENCHMARKS.md). The models service translates where it has a route it serves to that audience
("search" for articles, "products" for the catalogue; offline: Portuguese, and Apertium's routes where
models/models.yaml does not refuse them); otherwise the shopper's own words are searched.
"""

from __future__ import annotations

from clients import ModelsClient, ServiceError, ServiceUnavailable

ENGLISH = "en"


async def in_english(models: ModelsClient, text: str, language: str | None, audience: str) -> str | None:
    """`text` translated into English for `audience`; None when it is English already, empty, or cannot be
    translated (no route, or the models service is down or slow)."""
    code = (language or ENGLISH).split("-")[0].lower()
    if code == ENGLISH or not text.strip():
        return None
    try:
        (result,) = await models.translate([text], ENGLISH, source=code, audience=audience)
    except (ServiceError, ServiceUnavailable):
        return None
    return result.text.strip() if result.translated and result.text.strip() else None
