"""Answers policy and product questions from the knowledge base, citing the source.

Triggered for ask_shipping, ask_returns, ask_customs, ask_payment, ask_warranty and product_question.
The latest user message becomes a search (translated into English first where the models service has a
route from the shopper's language); a confident result is answered with the best passage and its
source (title and link), product hits as product cards plus a text fallback. When the knowledge service
is not confident the action says so and offers to rephrase or reach a person instead of guessing; when
the service is down it apologises and offers a person.
"""

from __future__ import annotations

import re
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import services
from actions.formatting import HANDOFF_BUTTON, product_card, product_line
from actions.localize import localized
from clients import Passage, SearchAnswer, ServiceError, ServiceUnavailable

REPHRASE_BUTTON = {"title": "I'll rephrase", "payload": "/rephrase"}
# The language the knowledge base is written in.
KB_LANGUAGE = "en"
POLICY_INTENTS = {"ask_shipping", "ask_returns", "ask_customs", "ask_payment", "ask_warranty"}
# The policy article each policy intent is about. NLU is very sure of the topic ("what is your return
# policy?" is ask_returns at 0.99) while a short query can lexically prefer another article ("policy" in
# "Privacy policy"); the intent breaks that tie: the search is asked to prefer that article (`prefer_doc_ids`:
# when its best hit is another policy article, the article's own passages among the results come first).
INTENT_ARTICLE = {
    "ask_shipping": "shipping",
    "ask_returns": "returns",
    "ask_customs": "customs-and-duties",
    "ask_payment": "payment",
    "ask_warranty": "warranty",
}
MAX_QUERY_CHARS = 1000
MAX_PASSAGE_CHARS = 700
MAX_CARDS = 3
MAX_RUNNER_UP_CHARS = 450
RUNNER_UP_RATIO = 0.9


def _clip(text: str, limit: int = MAX_PASSAGE_CHARS) -> str:
    text = re.sub(r"\n{3,}", "\n\n", text.strip())
    if len(text) <= limit:
        return text
    cut = text[:limit]
    # End on a sentence when one ends reasonably late; otherwise on a word.
    end = max(cut.rfind(". "), cut.rfind(".\n"))
    return cut[: end + 1] if end > limit // 2 else cut.rsplit(" ", 1)[0] + " …"


def _source_line(passage: Passage) -> str:
    section = passage.metadata.get("section")
    name = f"{passage.title} — {section}" if section and section != passage.title else passage.title
    return f"Source: {name}" + (f" ({passage.url})" if passage.url else "")


def _product(passage: Passage) -> dict[str, Any]:
    meta = passage.metadata
    return {
        "id": passage.doc_id,
        "title": passage.title,
        "price": meta.get("price"),
        "currency": meta.get("currency", "EUR"),
        "image_url": meta.get("image_url"),
        "url": passage.url or meta.get("url"),
    }


@localized
class ActionAnswerQuestion(Action):
    """The knowledge-base answer: passage + citation, product cards, or an honest "I'm not sure"."""

    knowledge = services.uses(services.knowledge)
    models = services.uses(services.models)

    def name(self) -> str:
        return "action_answer_question"

    async def _pivot(self, query: str, language: str | None) -> tuple[str, str | None]:
        """The query to search, and its language: translated into English, the knowledge base's language,
        where the models service has a route it serves to search (offline: Portuguese; Apertium's es/fr/it/ca
        routes are refused for search, see models/models.yaml `refuse`); else the shopper's own words.

        The search is cross-lingual, but an English query finds the right article more often: on 48
        Portuguese policy questions the intent's own article came first 41 times against 33 (BENCHMARKS.md).
        """
        code = (language or KB_LANGUAGE).split("-")[0].lower()
        if code == KB_LANGUAGE:
            return query, language
        try:
            (result,) = await self.models.translate([query], KB_LANGUAGE, source=code, audience="search")
        except (ServiceError, ServiceUnavailable):
            return query, language  # no route for this language, or the models service is down or slow
        if not result.translated or not result.text.strip():
            return query, language
        return result.text.strip()[:MAX_QUERY_CHARS], KB_LANGUAGE

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        message = tracker.latest_message or {}
        query = str(message.get("text") or "").strip()[:MAX_QUERY_CHARS]
        intent = str((message.get("intent") or {}).get("name") or "")
        if not query or query.startswith("/"):
            # A button payload or an empty turn carries no question to look up.
            dispatcher.utter_message(text="What would you like to know? Ask me in your own words.")
            return []
        language = tracker.get_slot("language") or (message.get("metadata") or {}).get("language")
        try:
            answer, _ = await self.lookup(query, language, intent)
        except (ServiceUnavailable, ServiceError):
            dispatcher.utter_message(
                text=(
                    "Sorry, I can't reach our help articles right now, so I can't answer that reliably. "
                    "Would you like me to connect you with a person?"
                ),
                buttons=[HANDOFF_BUTTON],
            )
            return []
        if not answer.results or not answer.confident:
            dispatcher.utter_message(
                text=(
                    "I'm not sure I have the right answer to that, and I'd rather not guess. "
                    "Could you rephrase your question, or would you like to talk to a person?"
                ),
                buttons=[REPHRASE_BUTTON, HANDOFF_BUTTON],
            )
            return []
        self.reply(dispatcher, answer.results)
        return []

    async def lookup(self, query: str, language: str | None, intent: str) -> tuple[SearchAnswer, str | None]:
        """The knowledge base's ranked passages for the shopper's words (pivoted into English where a route
        exists), limited to articles for a policy intent and preferring that intent's own article; and the
        language the search ran in. Raises ServiceUnavailable/ServiceError when the service cannot answer."""
        filters = {"type": ["policy", "faq"]} if intent in POLICY_INTENTS else None
        prefer = [INTENT_ARTICLE[intent]] if intent in INTENT_ARTICLE else []
        query, language = await self._pivot(query, language)
        answer = await self.knowledge.search(query, top_k=5, filters=filters, language=language, prefer_doc_ids=prefer)
        return answer, language

    def reply(self, dispatcher: CollectingDispatcher, results: list[Passage]) -> None:
        """A confident search's answer: the best passage with its source, or product cards."""
        best = results[0]
        if best.type == "product":
            self._answer_products(dispatcher, results)
        else:
            self._answer_passage(dispatcher, best, results[1:])

    @staticmethod
    def _answer_passage(dispatcher: CollectingDispatcher, best: Passage, others: list[Passage]) -> None:
        lines = [_clip(best.text), "", _source_line(best)]
        # A runner-up scored almost as high often answers the other half of the question
        # ("where do you ship" vs "how long does it take"): show it too rather than guess which one was meant.
        close = next((p for p in others[:1] if p.type != "product" and p.score >= RUNNER_UP_RATIO * best.score), None)
        if close is not None:
            lines += ["", _clip(close.text, MAX_RUNNER_UP_CHARS), "", _source_line(close)]
            others = [p for p in others if p is not close]
        related = next((p for p in others if p.type != "product" and p.doc_id != best.doc_id), None)
        if related is not None:
            lines.append(f"See also: {related.title}" + (f" ({related.url})" if related.url else ""))
        dispatcher.utter_message(text="\n".join(lines))

    @staticmethod
    def _answer_products(dispatcher: CollectingDispatcher, results: list[Passage]) -> None:
        products = [p for p in results if p.type == "product"][:MAX_CARDS]
        best = products[0]
        cards = [product_card(_product(p)) for p in products]
        # The best hit's facts answer attribute questions ("is it waterproof?"); the cards show the options.
        facts = _clip(best.text, 400)
        text = "\n".join([f"{best.title}: {facts}", "", *(product_line(c) for c in cards)])
        dispatcher.utter_message(text=text, json_message={"type": "product_cards", "products": cards})
