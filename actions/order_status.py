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
from actions.formatting import HANDOFF_BUTTON, day, money
from actions.localize import localized
from actions.order_forms import OrderProofFormValidation, find_email, find_order_number
from actions.proof import forget_proof, proof_for
from clients import ServiceUnavailable
from clients.orders import OrderNotFound, TooManyAttempts

__all__ = ["ActionOrderStatus", "ValidateOrderStatusForm", "describe_order", "find_email", "find_order_number"]


class ValidateOrderStatusForm(OrderProofFormValidation):
    """Accepts an order number or email typed in any reasonable form, and rejects anything else."""

    def name(self) -> str:
        return "validate_order_status_form"


def describe_order(order: dict[str, Any]) -> str:
    """A short, complete status message: state, latest tracking event, delivery estimate."""
    lines = [
        f"Order {order['number']} (placed {day(order.get('placed_at'))}, "
        f"{money(float(order['total']), order['currency'])}): {order.get('status_label') or order['status']}."
    ]
    items = order.get("items") or []
    if items:
        names = ", ".join(f"{i['quantity']} × {i['title']}" for i in items[:3])
        more = f" and {len(items) - 3} more" if len(items) > 3 else ""
        lines.append(f"Items: {names}{more}.")
    for shipment in order.get("shipments") or []:
        tracking = f"{shipment.get('carrier')} tracking {shipment.get('tracking_number')}"
        if shipment.get("tracking_url"):
            tracking += f" ({shipment['tracking_url']})"
        lines.append(f"Shipped with {tracking}.")
        event = shipment.get("latest_event")
        if event:
            where = f", {event['location']}" if event.get("location") else ""
            lines.append(f"Latest update {day(event.get('at'))}{where}: {event.get('description')}.")
        if shipment.get("delivered_at"):
            lines.append(f"Delivered on {day(shipment['delivered_at'])}.")
    if order.get("status") not in {"delivered", "cancelled", "returned"} and order.get("estimated_delivery"):
        lines.append(f"Estimated delivery: {day(order['estimated_delivery'])}.")
    return "\n".join(lines)


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
            dispatcher.utter_message(
                text=(
                    f"I couldn't find an order {number} for those details. Please check them against "
                    "your confirmation email and try again, or ask me for a person."
                ),
                buttons=[{"title": "Try again", "payload": "/order_status"}, HANDOFF_BUTTON],
            )
            return forget_proof()
        except TooManyAttempts:
            dispatcher.utter_message(
                text=(
                    "For your security I can't try more order look-ups in this conversation right now. "
                    "Please wait 15 minutes, or ask for a person and our team will help."
                ),
                buttons=[HANDOFF_BUTTON],
            )
            return forget_proof()
        except ServiceUnavailable:
            dispatcher.utter_message(
                text=(
                    "Sorry, I can't reach our order system right now, so I can't check your order. "
                    "Would you like me to connect you with a person?"
                ),
                buttons=[HANDOFF_BUTTON],
            )
            # The email was not checked, but it is used once all the same: "try again" asks for it anew.
            return [SlotSet("email", None)]
        dispatcher.utter_message(text=describe_order(order))
        return [SlotSet("order_number", order["number"]), *proof.accepted(order["number"])]
