"""ProcessQuestionMarker: a question about a process's terms is marked; a request to run it is not."""

from __future__ import annotations

import pytest
from rasa.shared.nlu.constants import ENTITIES, INTENT, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.components.process_question import OrderRequestResolver, ProcessQuestionMarker


def marked(text: str, intent: str = "cancel_order", order: bool = False) -> bool:
    entities = [{"entity": "order_number", "value": "BL-100003", "start": 0, "end": 9}] if order else []
    message = Message(data={TEXT: text, INTENT: {"name": intent, "confidence": 0.9}, ENTITIES: entities})
    marker = ProcessQuestionMarker(ProcessQuestionMarker.get_default_config())
    (out,) = marker.process([message])
    return any(e["entity"] == "process_question" for e in out.get(ENTITIES) or [])


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("Until when can I cancel an order?", "cancel_order"),
        ("if I return the boots, how long until I see the money?", "start_return"),
        ("Bis wann kann man die Lieferadresse ändern?", "change_address"),
        ("¿Hasta cuándo puedo cancelar un pedido?", "cancel_order"),
        ("Combien de jours ai-je pour renvoyer un article ?", "start_return"),
        ("Até quando posso cancelar uma encomenda?", "cancel_order"),
        ("Tot wanneer kan ik mijn adres wijzigen?", "change_address"),
        ("Posso ancora restituire un prodotto dopo due settimane?", "start_return"),
    ],
)
def test_questions_about_the_terms_are_marked(text: str, intent: str) -> None:
    assert marked(text, intent)


@pytest.mark.parametrize(
    ("text", "intent", "order"),
    [
        ("please cancel my order", "cancel_order", False),
        ("I want to return the jacket", "start_return", False),
        ("how long until I get the refund if I cancel BL-100003?", "cancel_order", True),  # names the order
        ("how long does delivery to Germany take?", "ask_shipping", False),  # not a process intent
        ("/cancel_order", "cancel_order", False),  # the start button's payload
    ],
)
def test_requests_and_other_topics_are_not(text: str, intent: str, order: bool) -> None:
    assert not marked(text, intent, order)


def resolved(text: str, intent: str, confidence: float = 0.3, order: bool = True) -> tuple[str, float]:
    entities = [{"entity": "order_number", "value": "BL-100003", "start": 0, "end": 9}] if order else []
    runner_up = "greet" if intent != "greet" else "thanks"
    ranking = [{"name": intent, "confidence": confidence}, {"name": runner_up, "confidence": 0.1}]
    message = Message(
        data={
            TEXT: text,
            INTENT: {"name": intent, "confidence": confidence},
            ENTITIES: entities,
            "intent_ranking": ranking,
        }
    )
    resolver = OrderRequestResolver(OrderRequestResolver.get_default_config())
    (out,) = resolver.process([message])
    names = [r["name"] for r in out.get("intent_ranking")]
    assert names[0] == out.get(INTENT)["name"] and len(names) == len(set(names))
    return out.get(INTENT)["name"], out.get(INTENT)["confidence"]


@pytest.mark.parametrize(
    ("text", "intent", "expected"),
    [
        ("quiero devolver un artículo del pedido BL-100003", "ask_returns", "start_return"),
        ("ich möchte etwas aus Bestellung BL-100003 zurückschicken", "nlu_fallback", "start_return"),
        ("Bestelling BL-100003 annuleren a.u.b.", "ask_payment", "cancel_order"),
        ("peux-tu changer l'adresse de la commande BL-100003 ?", "inform", "change_address"),
        ("I'd like to send the blue jacket back, order BL-100003", "ask_returns", "start_return"),
        ("où est la commande BL-100003 ?", "ask_shipping", "order_status"),
        ("kan je bestelling bl-100003 volgen aub", "ask_returns", "order_status"),
        ("merci d'annuler ma commande BL-100003", "cancel_order", "cancel_order"),  # read unsurely: 0.3
    ],
)
def test_an_order_and_a_process_verb_ask_to_run_that_process(text: str, intent: str, expected: str) -> None:
    assert resolved(text, intent) == (expected, 0.9)


@pytest.mark.parametrize(
    ("text", "intent", "order"),
    [
        ("what is your return policy?", "ask_returns", False),  # no order: a policy question
        ("what is the return policy for BL-100003?", "ask_returns", True),  # the policy, not a return
        ("has BL-100003 been cancelled?", "order_status", True),  # tracking already acts on the order
        ("cancel BL-100003 or return it, whichever is quicker", "ask_returns", True),  # two processes: unsure
    ],
)
def test_other_messages_keep_their_intent(text: str, intent: str, order: bool) -> None:
    confidence = 0.8 if intent == "order_status" else 0.3  # a sure order intent stays
    assert resolved(text, intent, confidence, order=order) == (intent, confidence)


def test_an_unsure_reading_as_another_process_yields_to_the_verb() -> None:
    assert resolved("merci d'annuler ma commande BL-100003", "start_return", 0.28) == ("cancel_order", 0.9)
