"""The console's translation cache: transcripts and agent replies are translated through the models service
and remembered per (text, source, target) in a bounded LRU, so the 3-second refresh costs nothing."""

from __future__ import annotations

from collections import OrderedDict

from clients import ModelsClient, Translation


class TranslationCache:
    def __init__(self, size: int = 4000) -> None:
        self.size = size
        self._items: OrderedDict[tuple[str, str | None, str, str], Translation] = OrderedDict()

    async def translate(
        self,
        models: ModelsClient,
        texts: list[str],
        target: str,
        source: str | None = None,
        *,
        audience: str = "agent",
    ) -> list[Translation]:
        """One result per text; ServiceFailure (clients/errors.py) when the service fails or refuses.
        `audience` "shopper" for an agent's reply on its way to a shopper: only shopper-grade routes."""
        todo = [t for t in dict.fromkeys(texts) if (t, source, target, audience) not in self._items]
        fresh: dict[str, Translation] = {}
        if todo:
            results = await models.translate(todo, target, source, audience=audience)
            for t, r in zip(todo, results, strict=True):
                fresh[t] = r
                self._items[(t, source, target, audience)] = r
                while len(self._items) > self.size:
                    self._items.popitem(last=False)
        out = []
        for t in texts:
            key = (t, source, target, audience)
            if key in self._items:
                self._items.move_to_end(key)
                out.append(self._items[key])
            else:  # more new texts than the cache holds: the oldest of them were evicted already
                out.append(fresh[t])
        return out
