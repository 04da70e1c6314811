"""ProcessQuestionMarker: marks a message that asks how an order process works rather than asking to run it.

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
"""

# ruff: noqa: UP006, UP035 - Rasa 3.6 checks component signatures; keep its typing.List/Dict style

from __future__ import annotations

import re
import unicodedata
from typing import Any, Dict, List

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.shared.nlu.constants import ENTITIES, INTENT, INTENT_NAME_KEY, TEXT
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
