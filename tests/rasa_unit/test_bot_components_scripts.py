"""The script of a message's letters and the languages written in it (bot/components/scripts.py)."""

from __future__ import annotations

import pytest

from bot.components import scripts


@pytest.mark.parametrize(
    ("text", "script"),
    [
        ("where is my order?", "LATIN"),
        ("Đơn hàng của tôi ở đâu?", "LATIN"),
        ("मेरा ऑर्डर कहाँ है?", "DEVANAGARI"),
        ("আমার অর্ডার কোথায়?", "BENGALI"),
        ("Πού είναι η παραγγελία μου;", "GREEK"),
        ("أين طلبي؟", "ARABIC"),
        ("איפה ההזמנה שלי?", "HEBREW"),
        ("где мой заказ?", "CYRILLIC"),
        ("제 주문은 어디에 있나요?", "HANGUL"),
        ("我的订单在哪里？", "CJK"),
        ("荷物はまだ届いていません", "KANA"),
        ("สวัสดี", "THAI"),
        # a Latin brand name inside another script does not make the message Latin
        ("PayPalで支払えますか？", "KANA"),
        ("क्या मैं PayPal से भुगतान कर सकता हूँ?", "DEVANAGARI"),
        ("BL-100245", "LATIN"),
        ("12345 !?", None),
    ],
)
def test_dominant_script(text: str, script: str | None) -> None:
    assert scripts.dominant_script(text) == script


def test_languages_fit_their_script() -> None:
    assert scripts.writes("en", "LATIN") and not scripts.writes("en", "DEVANAGARI")
    assert scripts.writes("hi", "DEVANAGARI") and not scripts.writes("hi", "LATIN")
    assert scripts.writes("ja", "CJK") and scripts.writes("zh", "CJK") and not scripts.writes("ko", "CJK")
    assert scripts.writes("en", None)  # no letters: nothing is ruled out
    assert scripts.default_language("GREEK") == "el" and scripts.default_language("LATIN") is None
