"""Order tracking: the form that collects an order number and email, and the status answer.

The order is only revealed after the orders service confirms the number and email belong together;
a wrong pair and an unknown number get the same neutral answer. The email is used once: afterwards
only the short-lived verified state of this one order stands in for it (actions/proof.py).
"""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import services
from actions.formatting import HANDOFF_BUTTON, REPLY_LANGUAGE, day, money
from actions.localize import localized
from actions.order_forms import OrderProofFormValidation, find_email, find_order_number
from actions.proof import forget_proof, proof_for
from actions.replies import Reply, say, send, status_text
from clients import ServiceUnavailable
from clients.orders import OrderNotFound, TooManyAttempts

__all__ = ["ActionOrderStatus", "ValidateOrderStatusForm", "describe_order", "find_email", "find_order_number"]


class ValidateOrderStatusForm(OrderProofFormValidation):
    """Accepts an order number or email typed in any reasonable form, and rejects anything else."""

    def name(self) -> str:
        return "validate_order_status_form"


def describe_order(order: dict[str, Any]) -> list[Reply]:
    """A short, complete status reply: state, items, latest tracking event, delivery estimate."""
    replies = [
        Reply(
            "utter_order_status",
            {
                "order_number": order["number"],
                "placed": day(order.get("placed_at")),
                "total": money(float(order["total"]), order["currency"]),
                "status": status_text(order, REPLY_LANGUAGE.get()),
            },
        )
    ]
    items = order.get("items") or []
    if items:
        # One line per item, as product lines are shown everywhere: titles are names, not words of the reply.
        names = "\n".join(f"• {i['quantity']} × {i['title']}" for i in items[:3])
        if len(items) > 3:
            replies.append(Reply("utter_order_items_more", {"items": names, "more": len(items) - 3}))
        else:
            replies.append(Reply("utter_order_items", {"items": names}))
    for shipment in order.get("shipments") or []:
        shipped = {"carrier": shipment.get("carrier") or "", "tracking_number": shipment.get("tracking_number") or ""}
        if shipment.get("tracking_url"):
            replies.append(Reply("utter_order_shipped_link", {**shipped, "tracking_url": shipment["tracking_url"]}))
        else:
            replies.append(Reply("utter_order_shipped", shipped))
        event = shipment.get("latest_event")
        if event:
            where = f", {event['location']}" if event.get("location") else ""
            replies.append(
                Reply(
                    "utter_order_latest_update",
                    {"date": day(event.get("at")), "location": where, "description": event.get("description") or ""},
                )
            )
        if shipment.get("delivered_at"):
            replies.append(Reply("utter_order_delivered_on", {"date": day(shipment["delivered_at"])}))
    if order.get("status") not in {"delivered", "cancelled", "returned"} and order.get("estimated_delivery"):
        replies.append(Reply("utter_estimated_delivery", {"date": day(order["estimated_delivery"])}))
    return replies


@localized
class ActionOrderStatus(Action):
    """Looks the order up with the proof the shopper gave and tells them where it is."""

    orders = services.uses(services.orders)

    def name(self) -> str:
        return "action_order_status"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        number = tracker.get_slot("order_number")
        proof = proof_for(tracker, number)
        if not number:
            dispatcher.utter_message(response="utter_ask_order_number")
            return forget_proof()
        if not proof:
            # The order's verified window closed just now: the form asks for the email again.
            return [SlotSet("email", None), FollowupAction("order_status_form")]
        try:
            order = await self.orders.lookup(number, **proof.kwargs())
        except OrderNotFound:
            say(
                dispatcher,
                "utter_order_not_found",
                [{"title": "Try again", "payload": "/order_status"}, HANDOFF_BUTTON],
                order_number=number,
            )
            return forget_proof()
        except TooManyAttempts:
            say(dispatcher, "utter_too_many_lookups", [HANDOFF_BUTTON])
            return forget_proof()
        except ServiceUnavailable:
            say(dispatcher, "utter_order_system_down", [HANDOFF_BUTTON])
            # The email was not checked, but it is used once all the same: "try again" asks for it anew.
            return [SlotSet("email", None)]
        send(dispatcher, describe_order(order))
        return [SlotSet("order_number", order["number"]), *proof.accepted(order["number"])]
