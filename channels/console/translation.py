"""The console's translation cache: transcripts and agent replies are translated through the models service
and remembered per (text, source, target) in a bounded LRU, so the 3-second refresh costs nothing."""

from __future__ import annotations

from collections import OrderedDict
from typing import Any

from channels.upstream import Upstreams


class TranslationCache:
    def __init__(self, size: int = 4000) -> None:
        self.size = size
        self._items: OrderedDict[tuple[str, str | None, str], dict[str, Any]] = OrderedDict()

    async def translate(
        self, up: Upstreams, texts: list[str], target: str, source: str | None = None
    ) -> list[dict[str, Any]]:
        """One result per text ({"text", "translated", "source"?}); UpstreamError when the service fails."""
        todo = [t for t in dict.fromkeys(texts) if (t, source, target) not in self._items]
        fresh: dict[str, dict[str, Any]] = {}
        if todo:
            results = await up.translate(todo, target, source)
            for t, r in zip(todo, results, strict=True):
                fresh[t] = r
                self._items[(t, source, target)] = r
                while len(self._items) > self.size:
                    self._items.popitem(last=False)
        out = []
        for t in texts:
            key = (t, source, target)
            if key in self._items:
                self._items.move_to_end(key)
                out.append(self._items[key])
            else:  # more new texts than the cache holds: the oldest of them were evicted already
                out.append(fresh[t])
        return out
