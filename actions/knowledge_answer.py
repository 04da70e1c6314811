"""Answers policy and product questions from the knowledge base, citing the source.

Triggered for ask_shipping, ask_returns, ask_customs, ask_payment, ask_warranty and product_question.
The latest user message goes to the knowledge service's `POST /v1/answer` (translated into English first
where the models service has a route from the shopper's language), which composes the short answer where
the knowledge is (knowledge/answers.py: a rule-table fact, or the sentences, list items or table rows that
answer it). A confident answer goes out as ONE message: `text` is the short answer and one citation line,
readable on messaging channels (tables become `column: value` lines, no Markdown markers), and the widget's
`custom` payload is {"type": "answer", "answer_id", "answer" (Markdown), "sources" [{title, url}],
"more" (the full passage, Markdown), "language"}. Product hits are product cards plus a text fallback.
When the knowledge service is not confident the action says so and offers to rephrase or reach a person
instead of guessing; when the service is down it apologises and offers a person.
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
from actions.pivot import in_english
from actions.recommend import ActionRecommend, refines_recommendation
from actions.replies import say
from clients import ComposedAnswer, KnowledgeAnswer, Passage, ServiceError, ServiceUnavailable

REPHRASE_BUTTON = {"title": "I'll rephrase", "payload": "/rephrase"}
# The language the knowledge base is written in.
KB_LANGUAGE = "en"
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
# Intents that start a process: asked as a question about its terms (bot/components/process_question.py), they are
# answered from the policy, with a button that starts the process (its payload is the intent itself).
PROCESS_ARTICLE = {"cancel_order": "order-changes", "change_address": "order-changes", "start_return": "returns"}
# Every intent about one article: searched among the articles (policies and FAQs), that article preferred.
ARTICLE_OF_INTENT = {**INTENT_ARTICLE, **PROCESS_ARTICLE}
START_BUTTONS = {
    "cancel_order": "Cancel an order",
    "change_address": "Change a delivery address",
    "start_return": "Start a return",
}
MAX_QUERY_CHARS = 1000
MAX_PASSAGE_CHARS = 700
MAX_CARDS = 3
_TABLE_SEPARATOR = re.compile(r"^\s*\|?\s*:?-{2,}:?\s*(\|\s*:?-{2,}:?\s*)*\|?\s*$")


def _clip(text: str, limit: int = MAX_PASSAGE_CHARS) -> str:
    text = re.sub(r"\n{3,}", "\n\n", text.strip())
    if len(text) <= limit:
        return text
    cut = text[:limit]
    # End on a sentence when one ends reasonably late; otherwise on a word.
    end = max(cut.rfind(". "), cut.rfind(".\n"))
    return cut[: end + 1] if end > limit // 2 else cut.rsplit(" ", 1)[0] + " …"


def _cells(line: str) -> list[str]:
    return [cell.strip() for cell in line.strip().strip("|").split("|")]


def _inline(text: str) -> str:
    """Bold/italic markers and link syntax removed; a link's URL stays after its text."""
    text = re.sub(r"\[([^\]]+)\]\((https?://[^)]+)\)", r"\1 (\2)", text)
    return re.sub(r"\*\*(.+?)\*\*|__(.+?)__", lambda m: m.group(1) or m.group(2), text)


def plain_text(markdown: str) -> str:
    """The answer for text-only channels: table rows as `first cell — column: value` lines, bold markers and
    link syntax removed (the URL stays), list dashes as bullets."""
    lines: list[str] = []
    header: list[str] | None = None
    raw_lines = markdown.splitlines()
    for n, line in enumerate(raw_lines):
        stripped = line.strip()
        if stripped.startswith("|"):
            if _TABLE_SEPARATOR.match(stripped):
                continue
            cells = [_inline(c) for c in _cells(stripped)]
            following = raw_lines[n + 1].strip() if n + 1 < len(raw_lines) else ""
            if header is None and _TABLE_SEPARATOR.match(following):
                header = cells
                continue
            if header is not None and len(header) == len(cells):
                first, *rest = cells
                pairs = "; ".join(f"{h}: {v}" for h, v in zip(header[1:], rest, strict=True))
                lines.append(f"• {first} — {pairs}" if pairs else f"• {first}")
            else:
                lines.append("• " + ", ".join(cells))
            continue
        header = None
        lines.append(re.sub(r"^(\s*)[-*+]\s+", r"\1• ", _inline(line)))
    return "\n".join(lines).strip()


# "Source:" before the citation, in the language of the answer it follows.
SOURCE_LABELS = {
    "en": "Source",
    "es": "Fuente",
    "de": "Quelle",
    "fr": "Source",
    "pt": "Fonte",
    "nl": "Bron",
    "it": "Fonte",
}


def source_line(title: str, url: str, language: str = KB_LANGUAGE) -> str:
    label = SOURCE_LABELS.get(language, SOURCE_LABELS[KB_LANGUAGE])
    return f"{label}: {title}" + (f" ({url})" if url else "")


def answer_message(answer: ComposedAnswer) -> dict[str, Any]:
    """The one message of a composed answer: `text` for every channel, `json_message` for the widget. Both are
    in the language the knowledge service wrote the answer in (`language`: a fact in the shopper's language,
    a passage in its article's); actions/localize.py translates what is not in the shopper's."""
    source = answer.sources[0] if answer.sources else None
    language = answer.language or KB_LANGUAGE
    text = plain_text(answer.markdown)
    if source is not None:
        text += "\n\n" + source_line(source.title, source.url, language)
    custom = {
        "type": "answer",
        "answer_id": answer.id,
        "answer": answer.markdown,
        "sources": [{"title": s.title, "url": s.url} for s in answer.sources],
        "more": answer.more,
        "language": language,
    }
    return {"text": text, "json_message": custom}


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


def answerable(result: KnowledgeAnswer) -> bool:
    """Whether the service's reply is worth saying: confident, and a composed answer or product hits."""
    if not result.results or not result.confident:
        return False
    return result.answer is not None or result.results[0].type == "product"


@localized
class ActionAnswerQuestion(Action):
    """The knowledge-base answer: passage + citation, product cards, or an honest "I'm not sure"."""

    knowledge = services.uses(services.knowledge)
    models = services.uses(services.models)

    def name(self) -> str:
        return "action_answer_question"

    async def _pivot(self, query: str, language: str | None) -> tuple[str, str | None]:
        """The query to search, and its language: in English where the models service has a route it serves to
        search (actions/pivot.py), else the shopper's own words. On 48 Portuguese policy questions the intent's
        own article came first 41 times in English against 33 in Portuguese (BENCHMARKS.md)."""
        english = await in_english(self.models, query, language, "search")
        return (english[:MAX_QUERY_CHARS], KB_LANGUAGE) if english else (query, language)

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        message = tracker.latest_message or {}
        query = str(message.get("text") or "").strip()[:MAX_QUERY_CHARS]
        intent = str((message.get("intent") or {}).get("name") or "")
        if intent == "product_question" and refines_recommendation(tracker):
            # "do they come in size 42?" right after product cards refines them.
            return list(await ActionRecommend().run(dispatcher, tracker, domain))
        if not query or query.startswith("/"):
            # A button payload or an empty turn carries no question to look up.
            say(dispatcher, "utter_ask_question_words")
            return []
        language = tracker.get_slot("language") or (message.get("metadata") or {}).get("language")
        try:
            answer, _ = await self.lookup(query, language, intent)
        except (ServiceUnavailable, ServiceError):
            say(dispatcher, "utter_knowledge_unavailable", [HANDOFF_BUTTON])
            return []
        if not answerable(answer):
            if intent == "product_question":
                # "do you have wireless earbuds?" with no article that answers it: the products of that kind
                # answer it, when the words name one the catalogue has.
                events = await ActionRecommend().respond(dispatcher, tracker, only_named_type=True)
                if events is not None:
                    return events
            say(dispatcher, "utter_knowledge_not_sure", [REPHRASE_BUTTON, HANDOFF_BUTTON])
            return []
        buttons = [{"title": START_BUTTONS[intent], "payload": f"/{intent}"}] if intent in START_BUTTONS else None
        self.reply(dispatcher, answer, buttons)
        return []

    async def lookup(self, query: str, language: str | None, intent: str) -> tuple[KnowledgeAnswer, str | None]:
        """The knowledge service's composed answer and ranked passages for the shopper's words (pivoted into
        English where a route exists), limited to articles for a policy intent and preferring that intent's
        own article; and the language the search ran in. Raises ServiceUnavailable/ServiceError when the
        service cannot answer."""
        filters = {"type": ["policy", "faq"]} if intent in ARTICLE_OF_INTENT else None
        prefer = [ARTICLE_OF_INTENT[intent]] if intent in ARTICLE_OF_INTENT else []
        shopper_language = language
        query, language = await self._pivot(query, language)
        answer = await self.knowledge.answer(
            query,
            top_k=5,
            filters=filters,
            language=language,
            prefer_doc_ids=prefer,
            reply_language=shopper_language,
        )
        return answer, language

    def reply(
        self, dispatcher: CollectingDispatcher, result: KnowledgeAnswer, buttons: list[dict[str, str]] | None = None
    ) -> None:
        """A confident result's answer: the composed answer with its source in one message, or product cards."""
        if result.answer is None or (result.results and result.results[0].type == "product"):
            # The best hit is a product: its cards answer (a policy sentence ranked below it does not).
            self._answer_products(dispatcher, result.results)
        elif buttons:
            dispatcher.utter_message(**answer_message(result.answer), buttons=buttons)
        else:
            dispatcher.utter_message(**answer_message(result.answer))

    @staticmethod
    def _answer_products(dispatcher: CollectingDispatcher, results: list[Passage]) -> None:
        products = [p for p in results if p.type == "product"][:MAX_CARDS]
        best = products[0]
        cards = [product_card(_product(p)) for p in products]
        # The best hit's facts answer attribute questions ("is it waterproof?"); the cards show the options.
        facts = _clip(best.text, 400)
        text = "\n".join([f"{best.title}: {facts}", "", *(product_line(c) for c in cards)])
        dispatcher.utter_message(text=text, json_message={"type": "product_cards", "products": cards})
