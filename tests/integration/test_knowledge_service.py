"""The knowledge service as a real process: search, admin auth, bad input, live updates, rollback."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from tests.integration.conftest import KNOWLEDGE_TOKEN, sample_knowledge_service
from tests.integration.conftest import knowledge_cli as cli
from tests.support import http_json, wait_until

TOKEN = KNOWLEDGE_TOKEN


def call(
    base: str, method: str, path: str, body: Any = None, *, token: str | None = TOKEN, raw: bytes | None = None
) -> tuple[int, dict[str, Any]]:
    return http_json(method, base + path, body, token=token, raw=raw)


@pytest.fixture(scope="module")
def service(tmp_path_factory):
    with sample_knowledge_service(tmp_path_factory.mktemp("knowledge")) as started:
        yield started


def served_version(base: str) -> int | None:
    return call(base, "GET", "/health")[1].get("version")


def test_search_answers_with_the_documented_shape(service) -> None:
    status, body = call(
        service["base"], "POST", "/v1/search", {"query": "how long do refunds take", "top_k": 3}, token=None
    )
    assert status == 200
    assert set(body) == {"results", "version", "confident"} and body["confident"] is True
    top = body["results"][0]
    assert set(top) == {"doc_id", "chunk_id", "type", "title", "url", "text", "score", "metadata"}
    assert top["chunk_id"] == "returns#refunds" and top["url"].startswith("https://")
    status, body = call(
        service["base"],
        "POST",
        "/v1/search",
        {"query": "jacket", "filters": {"type": "product", "ships_to": "fr", "in_stock": True}},
    )
    assert status == 200 and [r["doc_id"] for r in body["results"]] == ["P9001"]


def test_search_puts_preferred_documents_first_when_another_policy_leads(service) -> None:
    query = {"query": "how long does it take?", "top_k": 5, "filters": {"type": ["policy", "faq"]}}
    status, plain = call(service["base"], "POST", "/v1/search", query, token=None)
    assert status == 200 and plain["results"][0]["doc_id"] == "shipping"
    status, preferred = call(
        service["base"], "POST", "/v1/search", {**query, "prefer_doc_ids": ["returns"]}, token=None
    )
    assert status == 200
    ids = [r["chunk_id"] for r in plain["results"]]
    own = [c for c in ids if c.startswith("returns#")]
    assert own and [r["chunk_id"] for r in preferred["results"]] == own + [c for c in ids if c not in own]
    assert preferred["confident"] == plain["confident"] and preferred["version"] == plain["version"]
    # The preferred document already leads, or a FAQ leads: the search's own order stands.
    for question, prefer in (("how long do refunds take", ["returns"]), ("can I pay with PayPal", ["shipping"])):
        body = {**query, "query": question}
        assert (
            call(service["base"], "POST", "/v1/search", {**body, "prefer_doc_ids": prefer}, token=None)[1]
            == call(service["base"], "POST", "/v1/search", body, token=None)[1]
        )


def test_openapi_is_served(service) -> None:
    status, spec = call(service["base"], "GET", "/openapi.json", token=None)
    assert status == 200 and spec["openapi"].startswith("3.") and "/v1/search" in spec["paths"]


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("PUT", "/v1/admin/documents/x"),
        ("DELETE", "/v1/admin/documents/returns"),
        ("POST", "/v1/admin/reindex"),
        ("GET", "/v1/admin/versions"),
        ("POST", "/v1/admin/versions/1/rollback"),
        ("POST", "/v1/admin/documents/import"),
    ],
)
def test_admin_needs_the_token(service, method: str, path: str) -> None:
    before = served_version(service["base"])
    body = {"type": "text", "title": "T", "body": "b"}
    assert call(service["base"], method, path, body, token=None)[0] == 401
    assert call(service["base"], method, path, body, token="wrong")[0] == 401
    assert served_version(service["base"]) == before


@pytest.mark.parametrize(
    ("body", "raw", "status"),
    [
        ({"query": ""}, None, 422),
        ({"query": "   "}, None, 422),
        ({"query": "x" * 1001}, None, 422),
        ({"query": "x" * 100_000}, None, 413),  # over /v1/search's 64 KiB body limit
        (None, b'{"query": "refund"', 400),
        (None, b"", 400),
        ({"query": "refund", "top_k": 0}, None, 422),
        ({"query": "refund", "filters": {"ships_to": "Germany"}}, None, 422),
        ({"q": "refund"}, None, 422),
        ({"query": "refund", "prefer_doc_ids": "returns"}, None, 422),
        ({"query": "refund", "prefer_doc_ids": [f"doc-{n}" for n in range(11)]}, None, 422),
        ({"query": "refund", "prefer_doc_ids": ["x" * 129]}, None, 422),
        ({"query": "refund", "prefer_doc_ids": ["bad id!"]}, None, 422),
        ({"query": "refund", "prefer_doc_ids": [7]}, None, 422),
    ],
)
def test_bad_searches_get_a_clear_4xx(service, body, raw, status) -> None:
    got, answer = call(service["base"], "POST", "/v1/search", body, raw=raw, token=None)
    assert got == status and answer["error"]["message"]


def test_a_bad_preference_names_the_field_and_changes_nothing(service) -> None:
    before = call(service["base"], "GET", "/v1/admin/versions")[1]
    status, answer = call(
        service["base"], "POST", "/v1/search", {"query": "refund", "prefer_doc_ids": ["returns", ""]}, token=None
    )
    assert status == 422 and answer["error"]["code"] == "invalid_request"
    assert [p["field"] for p in answer["error"]["details"]["problems"]] == ["prefer_doc_ids.1"]
    assert call(service["base"], "GET", "/v1/admin/versions")[1] == before


def test_bad_admin_input_changes_nothing(service) -> None:
    base = service["base"]
    before = call(base, "GET", "/v1/admin/versions")[1]
    assert call(base, "DELETE", "/v1/admin/documents/no-such-doc")[0] == 404
    assert call(base, "GET", "/v1/admin/documents/no-such-doc")[0] == 404
    assert call(base, "PUT", "/v1/admin/documents/ok", raw=b"{not json")[0] == 400
    assert call(base, "PUT", "/v1/admin/documents/bad%20id!", {"type": "text", "title": "T", "body": "b"})[0] == 422
    assert call(base, "PUT", "/v1/admin/documents/ok", {"type": "video", "title": "T", "body": "b"})[0] == 422
    assert call(base, "PUT", "/v1/admin/documents/ok", {"type": "policy", "title": "T", "body": ""})[0] == 422
    bad_file = '{"id": "P1", "title": "A"}\n{"id": "P2", "title": "B", "price": "free"}\n'
    assert call(base, "POST", "/v1/admin/documents/import", {"format": "jsonl", "content": bad_file})[0] == 422
    assert call(base, "POST", "/v1/admin/documents/import", {"format": "csv", "content": "name\nx\n"})[0] == 422
    assert call(base, "POST", "/v1/admin/versions/999/rollback")[0] == 404
    assert call(base, "POST", "/v1/admin/versions/abc/rollback")[0] == 422
    assert call(base, "GET", "/v1/admin/documents/P1")[0] == 404  # the half-valid import wrote nothing
    assert call(base, "GET", "/v1/admin/versions")[1] == before


def test_changes_are_visible_at_once_and_rollback_works(service) -> None:
    base = service["base"]
    doc = {
        "type": "policy",
        "title": "Gift cards",
        "url": "https://shop.lumengoods.example/help/gift-cards",
        "body": "## Expiry\nLumen Goods gift cards never expire and can't be exchanged for cash.",
    }
    status, put = call(base, "PUT", "/v1/admin/documents/gift-cards", doc)
    assert status == 200 and put["changed"] is True
    found = call(base, "POST", "/v1/search", {"query": "do gift cards expire", "top_k": 1})[1]
    assert found["version"] == put["version"] and found["results"][0]["doc_id"] == "gift-cards"
    status, imported = call(
        base,
        "POST",
        "/v1/admin/documents/import",
        {
            "documents": [
                {
                    "id": "P9100",
                    "type": "product",
                    "title": "Aurora Headlamp",
                    "body": "A 300 lumen headlamp.",
                    "metadata": {"price": 29.0, "stock": 5, "ships_to": ["DE"]},
                }
            ]
        },
    )
    assert status == 200 and imported["version"] == put["version"] + 1
    status, deleted = call(base, "DELETE", "/v1/admin/documents/gift-cards")
    assert status == 200 and deleted["version"] == imported["version"] + 1
    status, back = call(base, "POST", f"/v1/admin/versions/{put['version']}/rollback")
    assert status == 200 and back["version"] == put["version"]
    found = call(base, "POST", "/v1/search", {"query": "do gift cards expire", "top_k": 1})[1]
    assert found["version"] == put["version"] and found["results"][0]["doc_id"] == "gift-cards"
    versions = call(base, "GET", "/v1/admin/versions")[1]
    assert versions["current"] == put["version"]
    assert {v["status"] for v in versions["versions"]} == {"ready"}


def test_searches_during_reindex_all_succeed(service) -> None:
    base = service["base"]
    failures: list[str] = []
    done = threading.Event()
    count = 0

    def searcher() -> None:
        nonlocal count
        while not done.is_set():
            status, body = call(base, "POST", "/v1/search", {"query": "shipping costs to Germany"}, token=None)
            count += 1
            if status != 200 or not body.get("results"):
                failures.append(f"{status} {body}")

    threads = [threading.Thread(target=searcher) for _ in range(4)]
    for t in threads:
        t.start()
    try:
        start = call(base, "GET", "/v1/admin/versions")[1]["versions"][0]["version"]
        for n in range(3):
            status, _ = call(
                base,
                "PUT",
                f"/v1/admin/documents/note-{n}",
                {"type": "text", "title": f"Note {n}", "body": f"Shipping note number {n}."},
            )
            assert status == 200
        assert call(base, "POST", "/v1/admin/reindex")[0] == 200
        assert served_version(base) == start + 4
    finally:
        done.set()
        for t in threads:
            t.join()
    assert count > 0 and failures == []


def test_a_cli_change_reaches_the_running_service_without_restart(service) -> None:
    base = service["base"]
    note = service["root"] / "warehouse.txt"
    note.write_text("Warehouse opening hours\n\nThe Utrecht warehouse is closed on Sundays.")
    before = served_version(base)
    result = cli(service["env"], "import", str(note))
    assert result.returncode == 0, result.stderr
    wait_until(lambda: served_version(base) == before + 1, 20, "the service to follow the CLI reindex")
    top = call(base, "POST", "/v1/search", {"query": "is the warehouse open on sunday", "top_k": 1})[1]
    assert top["results"][0]["doc_id"] == "warehouse"
    bad = service["root"] / "broken.jsonl"
    bad.write_text('{"id": "P1", "title": "A"}\nnot json\n')
    result = cli(service["env"], "import", str(bad))
    assert result.returncode == 2 and "broken.jsonl:2" in result.stderr
    assert served_version(base) == before + 1
