"""The knowledge base before "I didn't get that": what runs when the NLU cannot place a message.

`action_knowledge_fallback` runs for `nlu_fallback` (the FallbackClassifier's low confidence or ambiguity) and
for `out_of_scope` (bot/data/rules.yml). Many such messages are shop questions on topics with no intent of
their own ("How long is a gift card valid?", "do you price match?"), and the knowledge base often answers
them. So the message is searched first, exactly as the answer action searches (actions/knowledge_answer.py:
translated into English where the models service has a route, the knowledge service's own `confident`
verdict and thresholds, the same composed answer with its source), without an intent's article filter or preference,
since the intent is unknown; and, because no intent vouches that the message is about the shop, an English
search's best passage must also share words with it (`shares_words`: gibberish scores high on the embedder
alone). Only when that search is not confident, or the knowledge service cannot be reached,
does the assistant do what it did before, with two exceptions for products: a message that refines the product
cards just shown ("in size M") refines them (actions/recommend.py), and a fallback whose runner-up intent is a
shopping one (recommend, product_question) shows the products of the kind its words name, when they name one
the catalogue has. Otherwise `out_of_scope` declines (utter_out_of_scope), `nlu_fallback`
asks to rephrase or, after repeated misunderstandings or frustration, offers a person
(action_offer_handoff, actions/handoff.py). A message answered this way is no misunderstanding: the
`fallback_answered` slot marks it, so it does not count towards that offer.
"""

from __future__ import annotations

import logging
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.frustration import OFFERS, frustrated_since_offer, offer_made, offer_message
from actions.handoff import FALLBACK_ANSWERED_SLOT, ActionOfferHandoff
from actions.knowledge_answer import KB_LANGUAGE, MAX_QUERY_CHARS, ActionAnswerQuestion, answerable
from actions.localize import localized, written_in
from actions.recommend import ActionRecommend, refines_recommendation
from clients import KnowledgeAnswer, Passage, ServiceError, ServiceUnavailable

log = logging.getLogger(__name__)

OUT_OF_SCOPE = "out_of_scope"
NLU_FALLBACK = "nlu_fallback"
# Intents about the shop's products: a fallback torn towards them may be answered with product cards.
SHOPPING_INTENTS = frozenset({"recommend", "product_question"})


def runner_up(message: dict[str, Any]) -> str | None:
    """The NLU's best intent other than the fallback it chose (FallbackClassifier keeps the ranking below it)."""
    for ranked in message.get("intent_ranking") or []:
        name = str(ranked.get("name") or "")
        if name and name not in (NLU_FALLBACK, OUT_OF_SCOPE):
            return name
    return None


def shares_words(best: Passage, searched_in: str | None) -> bool:
    """Whether the best passage has lexical support: an English search (the knowledge base's language) must
    share words with it (BM25 `lexical_score` > 0).

    An answer action runs only after the NLU placed the message on a shop topic; a fallback has no such
    vouching, and the embedder rates gibberish close to any passage: "blorp frobnicate zzkx" and
    "asdf qwerty zxcv" reach a dense cosine of 0.856-0.859 against the privacy policy, over the 0.851
    threshold, while every English shop question measured shares words with its answer. A search in
    another language has no words in common with English articles, so there the service's verdict stands
    alone, as it does for the answer action; so does a result without a lexical score (a dense-only search).
    """
    if (searched_in or KB_LANGUAGE).split("-")[0].lower() != KB_LANGUAGE:
        return True
    lexical = best.metadata.get("lexical_score")
    return lexical is None or float(lexical) > 0.0


@localized
class ActionKnowledgeFallback(ActionAnswerQuestion):
    """A message the NLU could not place: the knowledge base's confident answer, else the old fallback."""

    def __init__(self) -> None:
        super().__init__()  # the knowledge and models clients come from the process holder, as for the answer action
        self.offer = ActionOfferHandoff()

    def name(self) -> str:
        return "action_knowledge_fallback"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        message = tracker.latest_message or {}
        query = str(message.get("text") or "").strip()[:MAX_QUERY_CHARS]
        intent = str((message.get("intent") or {}).get("name") or "")
        if intent != OUT_OF_SCOPE and refines_recommendation(tracker):
            # "tamanho L" or "in maat 43" right after product cards: the NLU was unsure, the cards say what it is.
            return list(await ActionRecommend().run(dispatcher, tracker, domain))
        # A button payload ("/something") carries no question to look up.
        if query and not query.startswith("/"):
            language = tracker.get_slot("language") or (message.get("metadata") or {}).get("language")
            try:
                answer, searched_in = await self.lookup(query, language, "")
            except (ServiceUnavailable, ServiceError) as exc:
                log.warning("knowledge search for a fallback message failed (%s); asking to rephrase", exc)
            else:
                if answerable(answer) and shares_words(answer.results[0], searched_in):
                    return self._answer(dispatcher, tracker, answer, intent)
        if intent != OUT_OF_SCOPE and runner_up(message) in SHOPPING_INTENTS:
            # The NLU was torn between shopping intents ("kun je een regenjas aanraden?": product_question 0.44,
            # recommend 0.43): products of the kind the words name answer it, when they name one.
            shown = await ActionRecommend().respond(dispatcher, tracker, only_named_type=True)
            if shown is not None:
                return [SlotSet(FALLBACK_ANSWERED_SLOT, True), *shown]
        if intent == OUT_OF_SCOPE:
            dispatcher.utter_message(response="utter_out_of_scope")
            events: list[EventType] = []
        else:
            events = list(await self.offer.run(dispatcher, tracker, domain))
        return [SlotSet(FALLBACK_ANSWERED_SLOT, False), *events]

    def _answer(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, result: KnowledgeAnswer, intent: str
    ) -> list[EventType]:
        events: list[EventType] = [SlotSet(FALLBACK_ANSWERED_SLOT, True)]
        # A frustrated shopper is offered a person on every turn (action_validate_slot_mappings), except on
        # nlu_fallback turns, where action_offer_handoff makes the offer: an answered one makes it here,
        # above the answer, as on understood turns, in the shopper's language (hand-written, so marked as such).
        if intent != OUT_OF_SCOPE and frustrated_since_offer(tracker):
            language = str(tracker.get_slot("language") or KB_LANGUAGE)
            text, buttons = offer_message(language)
            dispatcher.utter_message(text=text, buttons=buttons, **written_in(language if language in OFFERS else "en"))
            events.append(offer_made())
        self.reply(dispatcher, result)
        return events


class ActionUnplacedInform(Action):
    """`inform` out of the blue (no form asked for anything): a refinement of the products just shown ("tamanho L"
    after product cards), else the request to rephrase that such a message always got (utter_default)."""

    def name(self) -> str:
        return "action_unplaced_inform"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        if refines_recommendation(tracker):
            return list(await ActionRecommend().run(dispatcher, tracker, domain))
        dispatcher.utter_message(response="utter_default")
        return []
