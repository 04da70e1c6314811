"""An order's life from checkout to doorstep (and sometimes back), as seen at a given moment.

`plan_order` decides the whole future of an order when it is placed: payment, packing in the
Utrecht warehouse on working days, carrier pick-up, transit per the zone table (sometimes delayed,
rarely lost), carrier scan events, a cancellation before shipping, or a return within 30 days of
delivery. `snapshot` cuts that plan at "now": the status is the last step that has happened, and
only past tracking events are visible. All times are UTC.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from typing import Any

from backends.demo_shop import facts
from backends.demo_shop.people import iso
from borderless.rules import add_business_days

ORIGIN = "Utrecht, NL"
SORT_HUB = {
    "PostNL": "Nieuwegein, NL",
    "DHL": "Amsterdam, NL",
    "DHL Express": "Amsterdam Schiphol, NL",
    "UPS": "Eindhoven, NL",
}
GATEWAY = {
    "BE": "Brussel, BE",
    "DE": "Köln, DE",
    "FR": "Paris Roissy, FR",
    "ES": "Madrid, ES",
    "PT": "Lisboa, PT",
    "IT": "Milano, IT",
    "AT": "Wien, AT",
    "IE": "Dublin, IE",
    "PL": "Warszawa, PL",
    "SE": "Stockholm, SE",
    "DK": "København, DK",
    "FI": "Vantaa, FI",
    "GB": "East Midlands, GB",
    "CH": "Basel, CH",
    "NO": "Oslo Gardermoen, NO",
    "US": "Louisville, US",
    "CA": "Hamilton, CA",
    "MX": "Ciudad de México, MX",
    "BR": "Guarulhos, BR",
    "JP": "Narita, JP",
    "AU": "Sydney, AU",
    "KR": "Incheon, KR",
    "SG": "Singapore Changi, SG",
    "AE": "Dubai, AE",
    "IN": "Mumbai, IN",
    "ZA": "Johannesburg, ZA",
}
# Hours ahead of UTC in November, used to put deliveries in local daytime.
UTC_OFFSET = {
    **{c: 1.0 for c in facts.EU},
    "PT": 0.0,
    "IE": 0.0,
    "FI": 2.0,
    "GB": 0.0,
    "CH": 1.0,
    "NO": 1.0,
    "US": -6.0,
    "CA": -5.0,
    "MX": -6.0,
    "BR": -3.0,
    "JP": 9.0,
    "AU": 10.0,
    "KR": 9.0,
    "SG": 8.0,
    "AE": 4.0,
    "IN": 5.5,
    "ZA": 2.0,
}
DELIVERED_HOW = (
    "Delivered to the recipient",
    "Delivered to the recipient",
    "Delivered to the recipient",
    "Delivered to a neighbour",
    "Delivered to a parcel locker",
    "Delivered to a pick-up point",
)
DELAY_REASONS = (
    "Delayed: high parcel volumes at the sorting centre",
    "Delayed: severe weather in the region",
    "Delayed: missed connection, rerouted to the next available flight",
)
RETURN_REASONS = ("wrong size", "changed my mind", "not as expected", "arrived damaged", "ordered two sizes")


@dataclass
class Plan:
    steps: list[tuple[str, datetime]]  # the normal life cycle, in order
    events: list[dict[str, Any]] = field(default_factory=list)  # carrier scans with datetime "at"
    shipped_at: datetime | None = None
    estimated_delivery: date | None = None
    delivered_at: datetime | None = None
    cancel: tuple[datetime, str] | None = None
    paid: bool = True
    ret: dict[str, Any] | None = None  # requested/received/refunded datetimes, reason


def at(day: date, hour: float) -> datetime:
    return datetime.combine(day, time(0, 0), tzinfo=timezone.utc) + timedelta(hours=hour)


def _shift_to_workday(moment: datetime, open_h: float, close_h: float, rng: random.Random) -> datetime:
    """`moment` if it falls in working hours (Mon–Fri), else early on the next working day."""
    hour = moment.hour + moment.minute / 60
    if moment.weekday() < 5 and open_h <= hour < close_h:
        return moment
    day = moment.date() if moment.weekday() < 5 and hour < open_h else add_business_days(moment.date(), 1)
    return at(day, open_h + rng.uniform(0, 5)).replace(microsecond=0)


def _sample_transit(low: int, high: int, rng: random.Random) -> int:
    return round(rng.triangular(low, high, (low + high) / 2))


def _local(day: date, local_hour: float, country: str) -> datetime:
    return at(day, local_hour - UTC_OFFSET[country]).replace(microsecond=0)


def plan_order(
    placed: datetime,
    country: str,
    city: str,
    carrier: str,
    express: bool,
    payment: str,
    return_chance: float,
    lost_chance: float,
    rng: random.Random,
) -> Plan:
    zone = facts.zone_of(country)
    steps: list[tuple[str, datetime]] = [("pending", placed)]
    if payment == "bank_transfer":
        if rng.random() < 0.2:  # never paid: cancelled automatically after 7 days
            plan = Plan(steps, paid=False)
            plan.cancel = (at(placed.date() + timedelta(days=7), 2 + rng.uniform(0, 1)), "payment_not_received")
            return plan
        paid = placed + timedelta(hours=rng.uniform(3, 72))
    else:
        paid = placed + timedelta(seconds=rng.uniform(40, 480))
    paid = paid.replace(microsecond=0)
    # The warehouse works through its queue Mon–Fri 07:00–15:30 UTC; packing can take a day.
    packed = _shift_to_workday(paid + timedelta(hours=rng.uniform(1, 22)), 7, 15.5, rng).replace(microsecond=0)
    # Carrier pick-ups at about 10:00 and 15:30 on working days.
    packed_h = packed.hour + packed.minute / 60
    if packed_h < 9:
        shipped = at(packed.date(), 10 + rng.uniform(0, 0.75))
    elif packed_h < 15:
        shipped = at(packed.date(), 15.5 + rng.uniform(0, 0.75))
    else:
        shipped = at(add_business_days(packed.date(), 1), 10 + rng.uniform(0, 0.75))
    shipped = shipped.replace(microsecond=0)
    steps += [("paid", paid), ("packed", packed), ("shipped", shipped)]
    plan = Plan(steps, shipped_at=shipped)

    if rng.random() < 0.05:  # the shopper cancels before the parcel leaves
        span = (shipped - placed).total_seconds() - 1200
        if span > 300:
            plan.cancel = (
                (placed + timedelta(seconds=rng.uniform(300, span))).replace(microsecond=0),
                "customer_request",
            )
            return plan

    low, high = zone.express_days if express else zone.transit_days
    days = _sample_transit(low, high, rng)
    delayed = rng.random() < 0.07
    if delayed:
        days += rng.randint(1, 5)
    plan.estimated_delivery = add_business_days(shipped.date(), high)
    delivery_day = add_business_days(shipped.date(), days)
    ofd = _local(delivery_day, rng.uniform(6.5, 8.5), country)
    delivered = _local(delivery_day, rng.uniform(9.5, 18.0), country)

    def event(moment: datetime, location: str, status: str, description: str) -> None:
        at_ = moment.replace(microsecond=0)
        plan.events.append({"at": at_, "location": location, "status": status, "description": description})

    event(shipped, ORIGIN, "shipped", f"Parcel handed over to {carrier} at the Lumen Goods warehouse")
    first_scan = shipped + timedelta(hours=rng.uniform(3, 8))
    event(first_scan, SORT_HUB.get(carrier, ORIGIN), "in_transit", f"Sorted at the {carrier} hub")
    # Intermediate scans spread between the first scan and the morning of delivery.
    window = (ofd - first_scan).total_seconds()
    gateway = GATEWAY.get(country)
    middle: list[tuple[str, str]] = []
    if zone.name != "EU":
        middle.append(("Amsterdam Schiphol, NL", "Export customs cleared, departed the Netherlands"))
        middle.append((gateway or city, "Arrived in the destination country"))
        middle.append((gateway or city, "Import customs cleared: duties and taxes prepaid (DDP), nothing to pay"))
    elif country != "NL" and gateway:
        middle.append((gateway, "Arrived at the sorting centre in the destination country"))
    if delayed:
        middle.append((gateway or SORT_HUB.get(carrier, ORIGIN), rng.choice(DELAY_REASONS)))
    for mark, (location, text) in zip(sorted(rng.uniform(0.1, 0.85) for _ in middle), middle, strict=True):
        event(first_scan + timedelta(seconds=window * mark), location, "in_transit", text)
    depot = first_scan + timedelta(seconds=window * rng.uniform(0.9, 0.97))
    event(depot, city, "in_transit", "Arrived at the local delivery depot")

    if rng.random() < lost_chance:  # lost in the network: scans stop, nothing more ever happens
        plan.events = plan.events[: rng.randint(2, len(plan.events) - 1)]
        plan.steps.append(("in_transit", first_scan.replace(microsecond=0)))
        return plan

    event(ofd, city, "out_for_delivery", "Out for delivery")
    event(delivered, city, "delivered", rng.choice(DELIVERED_HOW))
    plan.delivered_at = delivered
    plan.steps += [
        ("in_transit", first_scan.replace(microsecond=0)),
        ("out_for_delivery", ofd),
        ("delivered", delivered),
    ]
    if rng.random() < return_chance:
        requested = delivered + timedelta(days=rng.uniform(1, 29.5))
        back_low, back_high = zone.return_days
        received_day = add_business_days(requested.date(), rng.randint(back_low, back_high))
        received = at(received_day, rng.uniform(8, 15)).replace(microsecond=0)
        refunded = at(add_business_days(received_day, rng.randint(1, 5)), rng.uniform(8, 16)).replace(microsecond=0)
        plan.ret = {
            "requested_at": requested.replace(microsecond=0),
            "received_at": received,
            "refunded_at": refunded,
            "reason": rng.choice(RETURN_REASONS),
            "free_label": zone.name == "EU",
        }
        plan.steps.append(("returned", received))
    return plan


def snapshot(plan: Plan, now: datetime, rng: random.Random) -> dict[str, Any]:
    """What the order looks like at `now`: status, history, visible tracking, refunds."""
    cancel = plan.cancel if plan.cancel and plan.cancel[0] <= now else None
    steps = [(s, t) for s, t in plan.steps if t <= now and (cancel is None or t < cancel[0])]
    if cancel:
        steps.append(("cancelled", cancel[0]))
    status = steps[-1][0]
    out: dict[str, Any] = {
        "status": status,
        "status_history": [{"status": s, "at": iso(t)} for s, t in steps],
        "delivered_at": None,
        "cancellation": None,
        "return": None,
        "shipment": None,
    }
    if cancel:
        refunded = None
        if plan.paid:
            refund_at = at(add_business_days(cancel[0].date(), rng.randint(1, 5)), rng.uniform(8, 16))
            refunded = iso(refund_at.replace(microsecond=0)) if refund_at <= now else None
        out["cancellation"] = {"at": iso(cancel[0]), "reason": cancel[1], "refunded_at": refunded}
        return out
    if plan.shipped_at is None or plan.shipped_at > now:
        return out
    events = [e for e in plan.events if e["at"] <= now]
    delivered = plan.delivered_at if plan.delivered_at and plan.delivered_at <= now else None
    out["delivered_at"] = iso(delivered) if delivered else None
    out["shipment"] = {
        "shipped_at": iso(plan.shipped_at),
        "estimated_delivery": plan.estimated_delivery.isoformat() if plan.estimated_delivery else None,
        "delivered_at": out["delivered_at"],
        "events": [{**e, "at": iso(e["at"])} for e in events],
    }
    if plan.ret and delivered and plan.ret["requested_at"] <= now:
        r = plan.ret
        out["return"] = {
            "requested_at": iso(r["requested_at"]),
            "received_at": iso(r["received_at"]) if r["received_at"] <= now else None,
            "refunded_at": iso(r["refunded_at"]) if r["refunded_at"] <= now else None,
            "reason": r["reason"],
            "free_label": r["free_label"],
        }
    return out
