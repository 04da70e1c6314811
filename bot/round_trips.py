"""The action-server round trips Rasa can leave out: the two custom actions its `action_extract_slots` calls
after every user message, asked only when their answer could be something other than "nothing to do".

- `action_track_language` (the `language` slot's custom mapping, actions/language.py) sets the slot only for a
  typed message (not a "/payload") in a conversation whose language is not locked, when the pipeline detected
  a language other than the slot's. Most messages are in the language the conversation already has.
- `action_validate_slot_mappings` (the frustration check, actions/frustration.py) offers a person only when the
  latest typed message is negative, and fills the shop's fact slots only when one differs from the profile
  (a conversation older than the facts). Most messages are neither.

Every round trip costs Rasa's single event loop the tracker's serialisation, the HTTP exchange and the
response's parsing — and the validation hook first rebuilds the whole tracker from its events — whatever the
action then does (BENCHMARKS.md, "Load"). The gates below only skip a call whose answer is certain to be
empty; when unsure they ask. tests/unit/test_round_trip_gates.py runs the real actions on the cases the gates
skip and checks that each returns nothing. Installed by bot/serve.py, like bot/action_response_validation.py.

The predicates read plain data (the latest message's parse data, the slots) so the action server's venv can
test them against the actions without Rasa.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from typing import Any

TRACK_LANGUAGE = "action_track_language"
LANGUAGE_SLOT = "language"
LANGUAGE_LOCKED_SLOT = "language_locked"


def typed(message: Mapping[str, Any]) -> bool:
    """The shopper typed the message (a button sends a "/intent" payload)."""
    return not str(message.get("text") or "").startswith("/")


def language_may_change(message: Mapping[str, Any], slots: Mapping[str, Any]) -> bool:
    """False when `action_track_language` is certain to leave the `language` slot as it is."""
    if slots.get(LANGUAGE_LOCKED_SLOT) or not typed(message):
        return False
    detected = str(message.get("language") or "").strip().lower()
    return bool(detected) and detected != slots.get(LANGUAGE_SLOT)


def frustration_check_may_act(
    message: Mapping[str, Any], slots: Mapping[str, Any], shop_facts: Mapping[str, str]
) -> bool:
    """False when the frustration check is certain to offer nothing and set nothing: every shop fact slot
    holds the profile's value, and the message was typed and carries a sentiment that is not negative (the
    check only ever offers a person after a negative latest message; after a button payload it looks at the
    message before, so a payload is always checked)."""
    if any(slots.get(slot) != value for slot, value in shop_facts.items()):
        return True
    if not typed(message):
        return True
    sentiment = message.get("sentiment")
    if not isinstance(sentiment, Mapping) or not isinstance(sentiment.get("label"), str):
        return True
    return sentiment["label"] == "negative"


@lru_cache(maxsize=1)
def shop_facts() -> dict[str, str]:
    """The served shop's fact slots as the action server fills them (actions/replies.py, shop_values); read once
    per process, since the shop a process serves (BORDERLESS_SHOP) does not change while it runs."""
    from borderless.profile import current_shop

    return {slot: str(value or "") for slot, value in current_shop().reply_values().items()}


def install() -> None:
    """Wraps Rasa 3.6's ActionExtractSlots so it skips the calls the gates rule out."""
    from rasa.core.actions.action import ActionExtractSlots
    from rasa.shared.core.constants import ACTION_VALIDATE_SLOT_MAPPINGS
    from rasa.shared.core.events import SlotSet

    if getattr(ActionExtractSlots, "_borderless_gates", False):
        return
    run_custom = ActionExtractSlots._run_custom_action
    validate = ActionExtractSlots._execute_validation_action

    def latest(tracker: Any) -> dict[str, Any]:
        return dict(tracker.latest_message.parse_data) if tracker.latest_message else {}

    async def gated_run_custom(
        self: Any, custom_action: str, output_channel: Any, nlg: Any, tracker: Any, domain: Any
    ) -> list[Any]:
        if custom_action == TRACK_LANGUAGE and not language_may_change(latest(tracker), tracker.current_slot_values()):
            return []
        return await run_custom(self, custom_action, output_channel, nlg, tracker, domain)

    async def gated_validate(
        self: Any, extraction_events: list[Any], output_channel: Any, nlg: Any, tracker: Any, domain: Any
    ) -> list[Any]:
        if ACTION_VALIDATE_SLOT_MAPPINGS in domain.user_actions and not frustration_check_may_act(
            latest(tracker), tracker.current_slot_values(), shop_facts()
        ):
            # What Rasa returns when the validation action answers with no events.
            return [event for event in extraction_events if isinstance(event, SlotSet)]
        return await validate(self, extraction_events, output_channel, nlg, tracker, domain)

    ActionExtractSlots._run_custom_action = gated_run_custom
    ActionExtractSlots._execute_validation_action = gated_validate
    setattr(ActionExtractSlots, "_borderless_gates", True)  # noqa: B010 - a marker on Rasa's class
