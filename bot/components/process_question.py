"""Order processes asked about or asked for: two NLU components that read the same cue words.

ProcessQuestionMarker marks a message that asks how an order process works rather than asking to run it.

"until when can I cancel an order?", "if I return something, how long until I get my money?", "can I still
send it back after three weeks?" carry the words of a cancellation or a return, so the intent classifier reads
them as `cancel_order` / `start_return` / `change_address`, and a form would ask for an order number. A good
agent answers the question (the policy says it) and offers to start the process. This component adds the
entity `process_question` when a message asks about the terms of a process — a deadline, a duration, a
condition ("until when", "how long", "if I …", "can I still …", in the shop's languages) — and names no order
(an order number means "do it for this order"); bot/data/rules_commerce.yml answers such messages from the
knowledge base, with a button that starts the process.

The cues are question forms, not topics: accents and case are ignored, and a message must contain one of them.
Place it after the intent classifiers and the entity extractors (it reads the intent and the `order_number` entity).

OrderRequestResolver is the converse: a message that names an order and the verb of one process ("quiero
devolver un artículo del pedido BL-100829", "bestelling BL-101023 annuleren") asks to run that process for that
order, whatever policy question the classifiers read into it (`ask_returns`) or however unsure they were (the
intent classifier for languages other than English learnt English examples); "où est la commande BL-256320"
asks for that order's status the same way. It sets that process's intent
before FallbackClassifier judges the confidence. A message already placed under a process, order tracking, a
handoff, or naming the verbs of two processes is left alone.
"""

# ruff: noqa: UP006, UP035 - Rasa 3.6 checks component signatures; keep its typing.List/Dict style

from __future__ import annotations

import re
import unicodedata
from typing import Any, Dict, List

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.shared.nlu.constants import ENTITIES, INTENT, INTENT_NAME_KEY, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.components.config_only import ConfigOnlyComponent

ENTITY = "process_question"
ORDER_ENTITY = "order_number"

# Question forms about a process's terms, per language, written without accents (the text is folded the same way).
CUES: Dict[str, List[str]] = {
    "en": [
        r"\b(until|till|up to|by) (when|what (point|time|day))\b",
        r"\bhow (long|many (days|weeks|hours)|soon|much time)\b",
        r"\b(if|when|once) i (cancel|return|send|change|ask for)\b",
        r"\bcan i still\b",
        r"\bis it (still )?possible to\b",
        r"\bwhat happens (if|when|after)\b",
        r"\bhow (does|do) (the )?(cancell?ation|return|refund|address change)s? work\b",
        r"\bdeadline\b",
    ],
    "es": [
        r"\bhasta (cuando|que (momento|dia))\b",
        r"\bcuant[oa]s? (dias|semanas|tiempo)\b",
        r"\bsi (cancelo|devuelvo|cambio|envio)\b",
        r"\b(todavia|aun) puedo\b",
        r"\bque pasa si\b",
        r"\bplazo\b",
    ],
    "de": [
        r"\bbis wann\b",
        r"\bwie (lange|viele (tage|wochen)|schnell)\b",
        r"\bwenn ich\b.{0,40}\b(storniere|zuruckschicke|zurucksende|zuruckgebe|andere)\b",
        r"\bkann (ich|man) (noch|immer noch)\b",
        r"\bwas passiert,? wenn\b",
        r"\bfrist\b",
    ],
    "fr": [
        r"\bjusqu'? ?(a|au) quand\b",
        r"\bcombien de (temps|jours|semaines)\b",
        r"\bsi j'? ?(annule|retourne|renvoie|change)\b",
        r"\b(est-ce que je peux|puis-je|je peux) encore\b",
        r"\bque se passe-t-il si\b",
        r"\bdelai\b",
    ],
    "pt": [
        r"\bate quando\b",
        r"\bquant[oa]s? (dias|semanas|tempo)\b",
        r"\bse eu (cancelar|devolver|mudar|enviar)\b",
        r"\bainda posso\b",
        r"\bo que acontece se\b",
        r"\bprazo\b",
    ],
    "nl": [
        r"\btot wanneer\b",
        r"\bhoe(veel (dagen|weken)| lang| snel)\b",
        r"\bals ik\b.{0,40}\b(annuleer|terugstuur|retourneer|wijzig)\b",
        r"\bkan ik (nog|nog steeds)\b",
        r"\bwat gebeurt er als\b",
        r"\btermijn\b",
    ],
    "it": [
        r"\bfino a quando\b",
        r"\bentro quant[oi]\b",
        r"\bquant[oi] (giorni|settimane|tempo)\b",
        r"\bse (annullo|restituisco|cambio)\b",
        r"\bposso ancora\b",
        r"\bcosa succede se\b",
    ],
}
_CUE = re.compile("|".join(f"(?:{p})" for patterns in CUES.values() for p in patterns))

# The verbs (and, for an address, the noun) of each process in the shop's languages, folded like the text.
REQUESTS: Dict[str, List[str]] = {
    "start_return": [
        r"\breturn(ing)?\b(?! (policy|window|label|costs?))",
        r"\bsend (\w+ ){1,3}back\b",
        r"\b(devolver|devuelvo|devolucion|devolvo|devolucao)\b",
        r"\b(zuruck(schicken|schicke|senden|sende|geben|gebe)|rucksendung|retoure|retournieren)\b",
        r"\b(retourner|retourne|renvoyer|renvoie|retour)\b",
        r"\b(terugsturen|terugstuur|retourneren|retourneer|retour)\b",
        r"\b(restituire|restituisco|reso|rimandare)\b",
    ],
    "cancel_order": [
        r"\b(cancel|cancell?ing|cancell?ation)\b",
        r"\b(cancelar|cancelo|cancela|anular|anulo|cancelamento)\b",
        r"\b(stornieren|storniere|stornierung)\b",
        r"\b(annuler|annule|annulation)\b",
        r"\b(annuleren|annuleer)\b",
        r"\b(annullare|annullo|cancellare|disdire)\b",
    ],
    "order_status": [
        r"\b(where is|where's|wheres|track|tracking|status)\b",
        r"\b(donde esta|seguimiento|rastrear|estado del pedido)\b",
        r"\b(wo ist|wo bleibt|verfolgen|sendungsverfolgung|status)\b",
        r"\b(ou est|ou en est|suivre|suivi|statut)\b",
        r"\b(onde esta|rastrear|rastreio|estado da encomenda)\b",
        r"\b(waar is|waar blijft|volgen|status)\b",
        r"\b(dov'? ?e|dove si trova|tracciare|tracciamento|stato dell'? ?ordine)\b",
    ],
    "change_address": [
        r"\b(address|direccion|adresse|lieferadresse|anschrift|morada|endereco|adres|bezorgadres|indirizzo)\b",
    ],
}
_REQUEST = {intent: re.compile("|".join(f"(?:{p})" for p in patterns)) for intent, patterns in REQUESTS.items()}


def requested_process(text: str) -> str | None:
    """The one process whose words the message uses, else None (none, or several)."""
    folded = fold(text)
    found = [intent for intent, pattern in _REQUEST.items() if pattern.search(folded)]
    return found[0] if len(found) == 1 else None


def fold(text: str) -> str:
    """Lower case without accents: "Até quando" → "ate quando", "zurückschicke" → "zuruckschicke"."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).replace("’", "'")


def asks_about_process(text: str) -> bool:
    return bool(_CUE.search(fold(text)))


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR], is_trainable=False)
class ProcessQuestionMarker(ConfigOnlyComponent):
    """Adds the `process_question` entity to a question about a process's terms that names no order."""

    @staticmethod
    def get_default_config() -> Dict[str, Any]:
        # Only messages the classifiers placed under a process's intent are marked: a question about shipping
        # times needs no mark (and an entity no rule reads would only confuse the dialogue policies).
        return {"intents": ["cancel_order", "change_address", "start_return"]}

    def process(self, messages: List[Message]) -> List[Message]:
        intents = set(self._config["intents"])
        for message in messages:
            text = message.get(TEXT) or ""
            intent = (message.get(INTENT) or {}).get(INTENT_NAME_KEY)
            entities = list(message.get(ENTITIES) or [])
            if intent not in intents or not text or text.startswith("/"):
                continue
            if any(e.get("entity") == ORDER_ENTITY for e in entities):
                continue
            if asks_about_process(text):
                entities.append(
                    {"entity": ENTITY, "value": "yes", "start": 0, "end": len(text), "extractor": type(self).__name__}
                )
                message.set(ENTITIES, entities, add_to_output=True)
        return messages

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False)
class OrderRequestResolver(ConfigOnlyComponent):
    """Sets the process intent of a message that names an order and one process's verb (see the module doc)."""

    @staticmethod
    def get_default_config() -> Dict[str, Any]:
        return {
            # Intents a message naming an order keeps: they already act on the order.
            "keep": ["cancel_order", "change_address", "start_return", "order_status", "human_handoff"],
            # The confidence the process intent gets: above FallbackClassifier's threshold, as an order number
            # and a process verb together are plainer evidence than any classifier score.
            "confidence": 0.9,
            # How sure the classifiers must be of a `keep` intent for it to stay against another process's verb.
            "keep_confidence": 0.6,
        }

    def process(self, messages: List[Message]) -> List[Message]:
        keep = set(self._config["keep"])
        confidence = float(self._config["confidence"])
        keep_confidence = float(self._config["keep_confidence"])
        for message in messages:
            text = message.get(TEXT) or ""
            intent = message.get(INTENT) or {}
            if not text or text.startswith("/"):
                continue
            if not any(e.get("entity") == ORDER_ENTITY for e in message.get(ENTITIES) or []):
                continue
            process = requested_process(text)
            # Another intent that acts on the order stays when the classifier is sure of it; the same one, or
            # one read unsurely ("merci d'annuler ma commande …" as start_return at 0.28), yields to the verb.
            current, sure = intent.get(INTENT_NAME_KEY), float(intent.get("confidence") or 0.0) >= keep_confidence
            if process is None or (current in keep and current != process and sure):
                continue
            score = max(confidence, float(intent.get("confidence") or 0.0))
            ranking = [r for r in message.get(INTENT_RANKING_KEY) or [] if r.get(INTENT_NAME_KEY) != process]
            message.set(INTENT, {INTENT_NAME_KEY: process, "confidence": score}, add_to_output=True)
            message.set(
                INTENT_RANKING_KEY, [{INTENT_NAME_KEY: process, "confidence": score}, *ranking], add_to_output=True
            )
        return messages

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data
