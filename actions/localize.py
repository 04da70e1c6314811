"""Replies in the shopper's language: one post-processing step for every custom action that speaks.

Templates (`utter_*`) carry hand-written variations per language in domain.yml and are left alone here;
every text the actions write themselves is such a response (actions/replies.py). What remains is text
that cannot be templated: free text from a service (the knowledge base's answers, the orders service's
quote notes) and button titles, which are English; the actions' fixed button titles are written per language
here (BUTTON_TITLES), the rest go through machine translation. The `@localized` class decorator wraps an action's
`run` and, after it returns, translates those parts of the messages that run added into the
conversation's language through the models service.

What is never changed: URLs, order numbers, tracking numbers, prices, dates and product titles.
A composed answer's widget payload (`custom` of type "answer": `answer` and `more` in Markdown) is
translated too, piece by piece so its Markdown survives: table separators are kept, each table cell is
translated on its own between the pipes, list markers stay, and a piece whose translation changed its
`**` bold markers stays English; the payload's `language` then names the language it is in. Text is
translated line by line; lines that are only a link or a product line are skipped, and a translated line
that lost any of the line's protected tokens is dropped in favour of the English line. Where no
translation path exists (the pair is unsupported, the models service is down or slow) the reply stays in
English with a one-line hand-written notice in the shopper's language, when there is one. A single
line whose translation lost a protected token stays English without a notice.
"""

from __future__ import annotations

import contextvars
import functools
import logging
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from rasa_sdk import Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import services
from actions.formatting import REPLY_LANGUAGE
from borderless.profile import current_shop
from clients import ModelsClient, ServiceError, ServiceUnavailable
from models.protect import DIGIT_TOKEN, EMAIL, URL  # the models service masks the same tokens

log = logging.getLogger(__name__)

SOURCE_LANGUAGE = "en"
MAX_TEXTS_PER_CALL = 64  # the models service's default MODELS_MAX_TEXTS
MAX_CHARS_PER_TEXT = 2000  # its default MODELS_MAX_CHARS

# Shown once, above the English reply, when it could not be translated.
NOTICES = {
    "es": "(Todavía no puedo traducir esta respuesta; te respondo en inglés.)",
    "de": "(Diese Antwort kann ich noch nicht übersetzen, daher antworte ich auf Englisch.)",
    "pt": "(Ainda não consigo traduzir esta resposta, por isso respondo em inglês.)",
    "fr": "(Je ne peux pas encore traduire cette réponse, je vous réponds donc en anglais.)",
    "nl": "(Dit antwoord kan ik nog niet vertalen, dus ik antwoord in het Engels.)",
    "it": "(Non posso ancora tradurre questa risposta, quindi ti rispondo in inglese.)",
    "pl": "(Nie mogę jeszcze przetłumaczyć tej odpowiedzi, więc odpowiadam po angielsku.)",
    "ja": "（この返信はまだ翻訳できないため、英語でお答えします。）",
    "ru": "(Этот ответ я пока не могу перевести, поэтому отвечаю по-английски.)",
}

# The actions' fixed button titles, written per language: applied before machine translation, which is the
# weaker choice for two-word labels and has no offline route at all into some shop languages (de, nl).
BUTTON_TITLES: dict[str, dict[str, str]] = {
    "Talk to a person": {
        "es": "Hablar con una persona",
        "de": "Mit einer Person sprechen",
        "pt": "Falar com uma pessoa",
        "fr": "Parler à une personne",
        "nl": "Met een medewerker praten",
        "it": "Parla con una persona",
    },
    "I'll rephrase": {
        "es": "Lo reformulo",
        "de": "Ich formuliere es neu",
        "pt": "Vou reformular",
        "fr": "Je reformule",
        "nl": "Ik formuleer het anders",
        "it": "Riformulo",
    },
    "Yes, a person please": {
        "es": "Sí, con una persona",
        "de": "Ja, bitte eine Person",
        "pt": "Sim, uma pessoa, por favor",
        "fr": "Oui, une personne svp",
        "nl": "Ja, graag een medewerker",
        "it": "Sì, una persona",
    },
    "No, I'll rephrase": {
        "es": "No, lo reformulo",
        "de": "Nein, ich formuliere neu",
        "pt": "Não, vou reformular",
        "fr": "Non, je reformule",
        "nl": "Nee, ik formuleer het anders",
        "it": "No, riformulo",
    },
    "Yes": {"es": "Sí", "de": "Ja", "pt": "Sim", "fr": "Oui", "nl": "Ja", "it": "Sì"},
    "No": {"es": "No", "de": "Nein", "pt": "Não", "fr": "Non", "nl": "Nee", "it": "No"},
    "Try again": {
        "es": "Intentarlo de nuevo",
        "de": "Noch einmal versuchen",
        "pt": "Tentar de novo",
        "fr": "Réessayer",
        "nl": "Opnieuw proberen",
        "it": "Riprova",
    },
    "Yes, try again": {
        "es": "Sí, otra vez",
        "de": "Ja, noch einmal",
        "pt": "Sim, tentar de novo",
        "fr": "Oui, réessayer",
        "nl": "Ja, opnieuw",
        "it": "Sì, riprova",
    },
    "Cancel an order": {
        "es": "Cancelar un pedido",
        "de": "Eine Bestellung stornieren",
        "pt": "Cancelar uma encomenda",
        "fr": "Annuler une commande",
        "nl": "Een bestelling annuleren",
        "it": "Annulla un ordine",
    },
    "Change a delivery address": {
        "es": "Cambiar la dirección de entrega",
        "de": "Lieferadresse ändern",
        "pt": "Alterar a morada de entrega",
        "fr": "Modifier l'adresse de livraison",
        "nl": "Bezorgadres wijzigen",
        "it": "Cambia l'indirizzo di consegna",
    },
    "Start a return": {
        "es": "Iniciar una devolución",
        "de": "Rücksendung starten",
        "pt": "Iniciar uma devolução",
        "fr": "Lancer un retour",
        "nl": "Retour starten",
        "it": "Avvia un reso",
    },
}

PRODUCT_LINE = re.compile(r"^\s*[•*-]\s")

# Set while a localized run is in progress, so an action calling another localized run (super().run)
# has its messages translated once, by the outermost wrapper.
_ACTIVE: contextvars.ContextVar[bool] = contextvars.ContextVar("localize_active", default=False)

A = TypeVar("A")


def protected_tokens(line: str, titles: list[str]) -> list[str]:
    """Parts of `line` a translation must reproduce exactly."""
    tokens = URL.findall(line) + EMAIL.findall(line) + current_shop().order_numbers.mentions(line)
    tokens += [t.strip(".!?…'\"") for t in DIGIT_TOKEN.findall(EMAIL.sub(" ", URL.sub(" ", line)))]
    tokens += [title for title in titles if title and title in line]
    return [t for t in tokens if t]


def split_link_tail(line: str) -> tuple[str, str]:
    """`Source: Shipping (https://…)` → (`Source: Shipping`, ` (https://…)`): the link part is kept verbatim.

    Translating the prose without the link keeps machine translation from mangling the URL.
    """
    match = URL.search(line)
    if match is None:
        return line, ""
    start = match.start()
    while start > 0 and line[start - 1] in " (":
        start -= 1
    return line[:start], line[start:]


def should_translate(line: str) -> bool:
    """Lines with prose in them; links on their own and product lines stay as they are."""
    stripped = line.strip()
    if not stripped or PRODUCT_LINE.match(stripped):
        return False
    prose = DIGIT_TOKEN.sub(" ", EMAIL.sub(" ", URL.sub(" ", stripped)))
    return bool(re.search(r"[^\W\d_]{2,}", prose)) and len(stripped) <= MAX_CHARS_PER_TEXT


def _titles(message: dict[str, Any]) -> list[str]:
    custom = message.get("custom") or message.get("json_message") or {}
    products = custom.get("products") if isinstance(custom, dict) else None
    return [str(p.get("title")) for p in products or [] if isinstance(p, dict) and p.get("title")]


@dataclass(frozen=True)
class Piece:
    """One translatable piece of a message, with the setter that puts its translation back.

    `essential`: the reply says its point in it. A reply whose essential pieces all stay English gets the
    notice; a passage one tap away ("More") or a button title staying English does not call for one.
    """

    text: str
    tokens: list[str]
    put: Callable[[str], None]
    essential: bool = True


# The key an action adds to a message (through `written_in`) whose text it wrote in a language itself.
WRITTEN_IN = "written_in"


def written_in(language: str) -> dict[str, str]:
    """`utter_message(text=…, **written_in("de"))`: this text is German already (hand-written), not English."""
    return {WRITTEN_IN: language}


def _written_in(message: dict[str, Any], language: str, marked: str | None) -> bool:
    """Text already in `language`: marked so by the action, or a composed answer the knowledge service wrote
    in it (a rule-table fact, an article in that language). Its text and short answer are left as they are."""
    if marked is not None:
        return marked == language
    custom = message.get("custom") or message.get("json_message")
    return isinstance(custom, dict) and custom.get("type") == "answer" and custom.get("language") == language


class Localizer:
    """Translates the English free text of a batch of dispatcher messages into one language.

    Through `client` when one is given, else through the process's models client (actions/services.py).
    """

    def __init__(self, client: ModelsClient | None = None) -> None:
        self._client = client

    @property
    def client(self) -> ModelsClient:
        return self._client if self._client is not None else services.models()

    async def localize(self, messages: list[dict[str, Any]], language: str | None) -> None:
        """Rewrites `messages` in place into `language`; English plus a notice when that cannot be done."""
        language = (language or SOURCE_LANGUAGE).split("-")[0].lower()
        # The marks are for this step only: Rasa never sees them.
        marks = [message.pop(WRITTEN_IN, None) for message in messages]
        if language == SOURCE_LANGUAGE:
            return
        pieces: list[Piece] = []
        for message, mark in zip(messages, marks, strict=True):
            titles = _titles(message)
            text = message.get("text")
            written = _written_in(message, language, mark)
            if isinstance(text, str) and text and not written:
                lines = text.split("\n")
                for index, line in enumerate(lines):
                    prose, tail = split_link_tail(line)
                    if should_translate(prose):
                        setter = _line_setter(message, lines, index, tail)
                        pieces.append(Piece(prose, protected_tokens(prose, titles), setter))
            pieces.extend(_answer_pieces(message, titles, language, skip_answer=written))
            for button in message.get("buttons") or []:
                title = button.get("title") if isinstance(button, dict) else None
                label = BUTTON_TITLES.get(title or "", {}).get(language)
                if label:
                    button["title"] = label
                elif isinstance(title, str) and should_translate(title):
                    pieces.append(Piece(title, protected_tokens(title, titles), _button_setter(button), False))
        if not pieces:
            return
        translated = await self._translate(pieces, language)
        # A line kept in English because its translation garbled a link or a number needs no notice;
        # a reply whose point stays English does.
        if not translated and any(piece.essential for piece in pieces):
            notice = NOTICES.get(language)
            # Above the first message still in English (one the action wrote in the language needs none).
            first = next(
                (
                    m
                    for m, mark in zip(messages, marks, strict=True)
                    if isinstance(m.get("text"), str) and m.get("text") and not _written_in(m, language, mark)
                ),
                None,
            )
            if notice and first is not None:
                first["text"] = f"{notice}\n{first['text']}"

    async def _translate(self, pieces: list[Piece], language: str) -> int:
        """Puts translations back where they are faithful; returns how many essential pieces were translated."""
        done = 0
        for start in range(0, len(pieces), MAX_TEXTS_PER_CALL):
            batch = pieces[start : start + MAX_TEXTS_PER_CALL]
            try:
                results = await self.client.translate(
                    [p.text for p in batch], language, source=SOURCE_LANGUAGE, audience="shopper"
                )
            except ServiceError as exc:
                # 422: no route from English to this language, or none good enough for shoppers.
                log.info("no translation en->%s: %s", language, exc.code)
                return done
            except ServiceUnavailable as exc:
                log.warning("translation en->%s unavailable, replying in English: %s", language, exc)
                return done
            for piece, result in zip(batch, results, strict=True):
                faithful = all(t in result.text for t in piece.tokens) and result.text.count("**") == piece.text.count(
                    "**"
                )
                if result.translated and result.text.strip() and faithful:
                    piece.put(result.text.strip())
                    done += piece.essential
        return done


TABLE_SEPARATOR = re.compile(r"^\s*\|?\s*:?-{2,}:?\s*(\|\s*:?-{2,}:?\s*)*\|?\s*$")
LIST_MARKER = re.compile(r"^(\s*(?:[-*+]|\d+[.)])\s+)")


def _answer_pieces(message: dict[str, Any], titles: list[str], language: str, *, skip_answer: bool) -> list[Piece]:
    """The translatable pieces of a composed answer's Markdown (`answer`, `more`; `more` is not essential, and
    `answer` is left out when `skip_answer`), with setters that rebuild the Markdown around each one."""
    custom = message.get("custom") or message.get("json_message")
    if not isinstance(custom, dict) or custom.get("type") != "answer":
        return []
    pieces: list[Piece] = []
    for field in ("more",) if skip_answer else ("answer", "more"):
        essential = field == "answer"
        value = custom.get(field)
        if not isinstance(value, str) or not value:
            continue
        lines = value.split("\n")
        for index, line in enumerate(lines):
            stripped = line.strip()
            if not stripped or TABLE_SEPARATOR.match(stripped):
                continue
            if stripped.startswith("|"):
                cells = [cell.strip() for cell in stripped.strip("|").split("|")]
                for n, cell in enumerate(cells):
                    if should_translate(cell):
                        put = _markdown_setter(custom, field, lines, index, language, cells=cells, cell=n)
                        pieces.append(Piece(cell, protected_tokens(cell, titles), put, essential))
                continue
            marker = LIST_MARKER.match(line)
            prefix = marker.group(1) if marker else ""
            prose = line[len(prefix) :]
            if should_translate(prose):
                put = _markdown_setter(custom, field, lines, index, language, prefix=prefix)
                pieces.append(Piece(prose, protected_tokens(prose, titles), put, essential))
    return pieces


def _markdown_setter(
    custom: dict[str, Any],
    field: str,
    lines: list[str],
    index: int,
    language: str,
    *,
    prefix: str = "",
    cells: list[str] | None = None,
    cell: int = 0,
) -> Callable[[str], None]:
    def put(value: str) -> None:
        if cells is not None:
            cells[cell] = value.replace("|", "/")  # a pipe inside a cell would split the row
            lines[index] = "| " + " | ".join(cells) + " |"
        else:
            lines[index] = prefix + value
        custom[field] = "\n".join(lines)
        if field == "answer":
            custom["language"] = language

    return put


def _line_setter(message: dict[str, Any], lines: list[str], index: int, tail: str) -> Callable[[str], None]:
    def put(value: str) -> None:
        lines[index] = value + tail
        message["text"] = "\n".join(lines)

    return put


def _button_setter(button: dict[str, Any]) -> Callable[[str], None]:
    def put(value: str) -> None:
        button["title"] = value

    return put


def conversation_language(tracker: Tracker, events: list[EventType] | None) -> str | None:
    """The language the reply should be in: a `language` slot the action just set, else the tracker's."""
    for event in reversed(events or []):
        if isinstance(event, dict) and event.get("event") == "slot" and event.get("name") == "language":
            return event.get("value")
    return tracker.get_slot("language")


RunMethod = Callable[[Any, CollectingDispatcher, Tracker, DomainDict], Awaitable[list[EventType]]]


def localized(cls: type[A]) -> type[A]:
    """Class decorator: the messages the action's `run` adds go out in the conversation's language.

    Translation goes through the process's models client (actions/services.py), so its one circuit breaker
    spans every action and the action server's lifetime.
    """
    original: RunMethod = cls.run  # type: ignore[attr-defined]
    if getattr(original, "__localized__", False):
        return cls

    @functools.wraps(original)
    async def run(self: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> Any:
        if _ACTIVE.get():
            return await original(self, dispatcher, tracker, domain)
        start = len(dispatcher.messages)
        token = _ACTIVE.set(True)
        language = REPLY_LANGUAGE.set(str(tracker.get_slot("language") or SOURCE_LANGUAGE))
        try:
            events = await original(self, dispatcher, tracker, domain)
        finally:
            _ACTIVE.reset(token)
            REPLY_LANGUAGE.reset(language)
        localizer = Localizer()
        try:
            await localizer.localize(dispatcher.messages[start:], conversation_language(tracker, events))
        except Exception:  # noqa: BLE001 - a translation problem must never cost the shopper the answer
            log.exception("localizing the reply failed; sending it in English")
        return events

    run.__localized__ = True  # type: ignore[attr-defined]
    cls.run = run  # type: ignore[attr-defined]
    return cls
