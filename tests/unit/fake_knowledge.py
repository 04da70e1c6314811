"""A stand-in for the knowledge and models services in action unit tests: one aiohttp test server that answers
`POST /v1/search` with `state["reply"]` (status `state["status"]`, default 200), `POST /v1/answer` with the
same reply plus, when the reply names none, an `answer` made of its best text passage (`answer_from`), and
`POST /v1/translate` for Portuguese -> English only (as with the offline defaults), with `state["english"]` as
the dictionary. Requests are recorded in `state["requests"]` and `state["translations"]`; the process's clients
are pointed at it."""

from __future__ import annotations

from typing import Any

import pytest
from aiohttp import web


def answer_from(results: list[dict[str, Any]], version: Any) -> dict[str, Any] | None:
    """The /v1/answer `answer` for a reply: its best passage whole (None when the best hit is a product)."""
    if not results or results[0].get("type") == "product":
        return None
    best = results[0]
    section = (best.get("metadata") or {}).get("section")
    title = f"{best['title']} — {section}" if section and section != best["title"] else best["title"]
    return {
        "id": f"{version}-{best['chunk_id']}",
        "kind": "passage",
        "answer": best["text"],
        "sources": [{"title": title, "url": best.get("url", "")}],
        "more": best["text"],
        "doc_id": best["doc_id"],
        "chunk_id": best["chunk_id"],
    }


async def serve_fake_knowledge(aiohttp_server: Any, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    state: dict[str, Any] = {"requests": [], "english": {}, "monkeypatch": monkeypatch}

    async def search(request: web.Request) -> web.Response:
        state["requests"].append(await request.json())
        return web.json_response(state["reply"], status=state.get("status", 200))

    async def translate(request: web.Request) -> web.Response:
        body = await request.json()
        state.setdefault("translations", []).append(body)
        if (body.get("source"), body["target"]) != ("pt", "en"):
            return web.json_response({"error": {"code": "unsupported_pair", "message": "no route"}}, status=422)
        texts = [state["english"].get(t, t) for t in body["texts"]]
        return web.json_response({"translations": [{"text": t, "translated": True} for t in texts]})

    async def answer(request: web.Request) -> web.Response:
        state["requests"].append(await request.json())
        reply = dict(state["reply"])
        if state.get("status", 200) == 200 and "answer" not in reply:
            reply["answer"] = answer_from(reply.get("results") or [], reply.get("version"))
            reply.setdefault("search_confident", reply.get("confident", False))
        return web.json_response(reply, status=state.get("status", 200))

    async def match_types(request: web.Request) -> web.Response:
        body = await request.json()
        state.setdefault("type_requests", []).append(body)
        return web.json_response({"types": state.get("types", []), "how": "words" if state.get("types") else None})

    async def recommend(request: web.Request) -> web.Response:
        state.setdefault("recommend_requests", []).append(await request.json())
        return web.json_response({"products": state.get("products", []), "strategy": "content"})

    app = web.Application()
    # The recommender's two endpoints, for answers that turn into product cards.
    app.router.add_post("/v1/types/match", match_types)
    app.router.add_post("/v1/recommendations", recommend)
    app.router.add_post("/v1/search", search)
    app.router.add_post("/v1/answer", answer)
    app.router.add_post("/v1/translate", translate)
    server = await aiohttp_server(app)
    # The actions' knowledge and models clients (the process's, as in the action server) both reach the fake;
    # replies to non-English shoppers go through the reply translator, the same models client.
    monkeypatch.setenv("KNOWLEDGE_URL", str(server.make_url("")))
    monkeypatch.setenv("MODELS_URL", str(server.make_url("")))
    monkeypatch.setenv("RECOMMENDER_URL", str(server.make_url("")))
    monkeypatch.setenv("BACKEND_TIMEOUT_S", "2.0")
    monkeypatch.setenv("TRANSLATE_TIMEOUT_S", "2.0")
    return state
