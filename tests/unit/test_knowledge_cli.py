"""Admin CLI: bootstrap is idempotent and follows content changes; errors are clear and change nothing."""

from __future__ import annotations

import pytest

from knowledge.cli import main
from tests.knowledge_samples import write_sample


@pytest.fixture
def env(tmp_path, monkeypatch):
    content, catalog = write_sample(tmp_path / "sample")
    monkeypatch.setenv("BORDERLESS_VAR", str(tmp_path / "var"))
    monkeypatch.setenv("KNOWLEDGE_EMBEDDER", "e5")
    monkeypatch.delenv("KNOWLEDGE_DATABASE_URL", raising=False)
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.delenv("KNOWLEDGE_INDEX_DIR", raising=False)
    monkeypatch.delenv("REDIS_URL", raising=False)
    return {"content": content, "catalog": catalog, "args": ["--content", str(content), "--products", str(catalog)]}


def test_bootstrap_builds_once_and_then_only_on_change(env, capsys) -> None:
    assert main(["bootstrap", *env["args"]]) == 0
    assert "serving version 1" in capsys.readouterr().out
    assert main(["bootstrap", *env["args"]]) == 0
    assert "up to date: version 1" in capsys.readouterr().out
    returns = env["content"] / "policies" / "returns.md"
    returns.write_text(returns.read_text().replace("30 days", "45 days"))
    assert main(["bootstrap", *env["args"]]) == 0
    assert "serving version 2" in capsys.readouterr().out
    assert main(["search", "how many days to return", "--json"]) == 0
    assert "45 days" in capsys.readouterr().out


def test_bootstrap_without_a_catalog_still_indexes_the_content(env, capsys, tmp_path) -> None:
    assert main(["bootstrap", "--content", str(env["content"]), "--products", str(tmp_path / "missing.jsonl")]) == 0
    out = capsys.readouterr().out
    assert "not found, skipped" in out and "serving version 1" in out


def test_import_errors_are_clear_and_change_nothing(env, capsys, tmp_path) -> None:
    assert main(["bootstrap", *env["args"]]) == 0
    capsys.readouterr()
    bad = tmp_path / "bad.csv"
    bad.write_text("name,price\nx,1\n")
    assert main(["import", str(bad)]) == 2
    assert "header row with at least id and title" in capsys.readouterr().err
    assert main(["import", str(tmp_path / "nope.md")]) == 2
    assert "no such file" in capsys.readouterr().err
    assert main(["rollback", "42"]) == 2
    assert main(["versions"]) == 0
    out = capsys.readouterr().out
    assert "* v1" in out and "v2" not in out


def test_bootstrap_serves_the_shops_help_centre_exports(env, capsys, tmp_path, monkeypatch) -> None:
    import shutil
    from pathlib import Path

    import yaml

    repo = Path(__file__).resolve().parents[2]
    shop = tmp_path / "shop"
    shutil.copytree(repo / "shops" / "kettle-and-crane", shop)
    exports = repo / "tests" / "data" / "imports" / "help_centre"
    shutil.copy(exports / "zendesk_articles.json", shop / "data" / "articles.json")
    shutil.copy(exports / "faq.csv", shop / "data" / "faq.csv")
    profile = yaml.safe_load((shop / "shop.yml").read_text(encoding="utf-8"))
    profile["data"] = [
        {"kind": "help_centre", "format": "zendesk_json", "path": "data/articles.json"},
        {"kind": "help_centre", "format": "faq_csv", "path": "data/faq.csv"},
    ]
    (shop / "shop.yml").write_text(yaml.safe_dump(profile, sort_keys=False), encoding="utf-8")
    monkeypatch.setenv("BORDERLESS_SHOP", str(shop))
    assert main(["bootstrap", "--content", str(env["content"]), "--products", str(tmp_path / "none.jsonl")]) == 0
    out = capsys.readouterr().out
    assert "help_centre: 2 documents from" in out and "1 drafts skipped" in out
    assert main(["search", "how long is the warranty", "--json", "--mode", "lexical"]) == 0
    results = __import__("json").loads(capsys.readouterr().out)["results"]
    assert results[0]["doc_id"] == "zendesk-360001234567"
    # Nothing changed: the next bootstrap builds nothing.
    assert main(["bootstrap", "--content", str(env["content"]), "--products", str(tmp_path / "none.jsonl")]) == 0
    assert "up to date" in capsys.readouterr().out
