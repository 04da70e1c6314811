"""The OrderSource protocol: where the orders service reads orders from and applies changes to.

Owns the small interface every order system implements (the builtin SQL store, Shopify, WooCommerce) and the
plain records a platform order is turned into. Policy (which statuses may be cancelled, the return window,
non-returnable items, countries shipped to) is NOT here: operations.py checks it once for every source,
then asks the source to carry the change out. Proof of ownership is checked by identity.py against the
`ProofFacts` a source reports for its order.

A source works on records that look like the builtin `db.Order` (`OrderRecord`): the views and policy
functions read the same attributes whatever the source. Sources get the request's SQL session because the
builtin store changes orders inside the transaction that also stores the change's idempotency record;
platform sources ignore it (their change happens on the platform, and only the answer is stored locally).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy.ext.asyncio import AsyncSession

from svc.errors import ApiError


class OrderRecord(Protocol):
    """What the views and policy checks read of an order (`db.Order` and `PlatformOrder` both have it)."""

    @property
    def number(self) -> str: ...
    @property
    def status(self) -> str: ...
    @property
    def placed_at(self) -> datetime: ...
    @property
    def currency(self) -> str: ...
    @property
    def items(self) -> list[Any]: ...
    @property
    def subtotal(self) -> float: ...
    @property
    def shipping_cost(self) -> float: ...
    @property
    def total(self) -> float: ...
    @property
    def shipping_address(self) -> dict[str, Any]: ...
    @property
    def shipments(self) -> list[Any]: ...
    @property
    def history(self) -> list[Any]: ...


class ProductFacts(Protocol):
    """What the policy checks read of an ordered product (`db.Product` and `PlatformProduct`)."""

    @property
    def category(self) -> str: ...
    @property
    def tags(self) -> list[Any]: ...
    @property
    def ships_to(self) -> list[Any] | None: ...


class ReturnRecord(Protocol):
    """A return already requested for an order (`db.ReturnRequest` and `PlatformReturn`)."""

    @property
    def id(self) -> str: ...
    @property
    def status(self) -> str: ...
    @property
    def items(self) -> list[Any]: ...
    @property
    def free_label(self) -> bool: ...
    @property
    def created_at(self) -> datetime | None: ...


@dataclass(frozen=True)
class ProofFacts:
    """What proves ownership of one order, normalised (normalize.py): its customer (for signed tokens), its
    email, its postcodes (current shipping postcode and any it had before) and its phone numbers."""

    customer_id: str
    email: str
    postcodes: tuple[str, ...] = ()
    phones: tuple[str, ...] = ()


@dataclass(frozen=True)
class Details:
    """An order's products (by the items' `product_id`) and the returns already requested for it."""

    products: Mapping[str, ProductFacts]
    returns: Sequence[ReturnRecord]


@dataclass
class PlatformProduct:
    category: str = ""
    tags: list[Any] = field(default_factory=list)
    # None: the platform sets no per-product countries, so the shop's zones (rules) alone decide.
    ships_to: list[Any] | None = None


@dataclass
class PlatformReturn:
    id: str
    status: str
    items: list[Any]
    free_label: bool = False
    created_at: datetime | None = None


@dataclass
class PlatformOrder:
    """A platform's order in the builtin store's shape (see README: which platform field fills which)."""

    number: str
    status: str
    placed_at: datetime
    currency: str
    items: list[Any]
    subtotal: float
    shipping_cost: float
    total: float
    shipping_address: dict[str, Any]
    shipments: list[Any]
    proof: ProofFacts
    products: dict[str, PlatformProduct] = field(default_factory=dict)
    returns: list[PlatformReturn] = field(default_factory=list)
    history: list[Any] = field(default_factory=list)
    # The platform's own handles (order id, line-item and fulfillment-line-item ids) for changes.
    ref: dict[str, Any] = field(default_factory=dict)


class OrderSource(Protocol):
    """One order system behind the orders service's HTTP contract."""

    kind: str

    async def find(self, session: AsyncSession, number: str, *, lock: bool = False) -> OrderRecord | None:
        """The order with this canonical number, or None. `lock`: the caller is about to change it."""
        ...

    def proof_facts(self, order: OrderRecord) -> ProofFacts: ...

    async def details(self, session: AsyncSession, order: OrderRecord) -> Details: ...

    async def recent(self, session: AsyncSession, customer_id: str, limit: int) -> list[OrderRecord]:
        """The customer's latest orders, newest first (for a signed customer token)."""
        ...

    async def cancel(self, session: AsyncSession, order: OrderRecord, reason: str, now: datetime) -> OrderRecord:
        """Cancels an order the policy allows to be cancelled; the order as it is now."""
        ...

    async def change_address(
        self, session: AsyncSession, order: OrderRecord, address: dict[str, str], now: datetime
    ) -> OrderRecord: ...

    async def create_return(
        self,
        session: AsyncSession,
        order: OrderRecord,
        items: list[dict[str, Any]],
        reason: str,
        free_label: bool,
        now: datetime,
    ) -> ReturnRecord:
        """Records a return request of `items` ({product_id, quantity}) the policy allowed."""
        ...

    async def aclose(self) -> None: ...


def unavailable(system: str, why: str) -> ApiError:
    """503: the shop's order system cannot be reached or failed (never the shopper's fault, never a 500)."""
    return ApiError(
        503, "order_system_unavailable", f"The shop's order system ({system}) is not available right now.", why=why
    )


def busy(system: str, retry_after_s: int) -> ApiError:
    """503 with Retry-After: the platform rate-limits us and asks for longer than we wait inside a request."""
    return ApiError(
        503,
        "order_system_busy",
        f"The shop's order system ({system}) is busy; please try again shortly.",
        retry_after_s=max(1, retry_after_s),
    )
