"""Products and implicit feedback: loading, weighting and the held-out split.

Feedback strength per event: view 1, cart 3, purchase 6 (ALS treats these as confidences).
The held-out split is leave-last-out in time: for every customer with a purchase and enough
history, the last purchased product is the target; training keeps only what that customer did
before that purchase, and nothing of theirs involving the target product. Other customers keep
all their events.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp

KIND_WEIGHT = {"view": 1.0, "cart": 3.0, "purchase": 6.0}


class DataError(ValueError):
    """Input files are missing or malformed."""


@dataclass(frozen=True)
class Event:
    customer_id: str
    product_id: str
    kind: str
    at: float  # Unix seconds


@dataclass
class Dataset:
    products: list[dict[str, Any]]
    events: list[Event]
    item_index: dict[str, int] = field(init=False)

    def __post_init__(self) -> None:
        self.item_index = {p["id"]: i for i, p in enumerate(self.products)}


def _ts(value: Any) -> float:
    try:
        moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError as exc:
        raise DataError(f"bad timestamp {value!r}") from exc
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.timestamp()


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    if not path.exists():
        raise DataError(f"missing {path}")
    rows = []
    with path.open(encoding="utf-8") as fh:
        for n, line in enumerate(fh, 1):
            if line.strip():
                try:
                    rows.append(json.loads(line))
                except json.JSONDecodeError as exc:
                    raise DataError(f"{path.name}:{n}: not JSON") from exc
    return rows


def load_dataset(data_dir: Path) -> Dataset:
    products = read_jsonl(data_dir / "products.jsonl")
    if not products:
        raise DataError(f"{data_dir / 'products.jsonl'} holds no products")
    known = {p["id"] for p in products}
    events = []
    for row in read_jsonl(data_dir / "interactions.jsonl"):
        kind = str(row.get("kind"))
        if kind not in KIND_WEIGHT or row.get("product_id") not in known:
            continue  # events for unknown products or kinds carry no usable signal
        events.append(Event(str(row["customer_id"]), str(row["product_id"]), kind, _ts(row["at"])))
    events.sort(key=lambda e: e.at)
    return Dataset(products, events)


@dataclass
class Split:
    train: list[Event]
    # customer id → held-out product id
    targets: dict[str, str]


def leave_last_out(events: list[Event], min_history: int = 3) -> Split:
    """Holds out each eligible customer's last purchase (see module docstring)."""
    by_customer: dict[str, list[Event]] = {}
    for e in events:
        by_customer.setdefault(e.customer_id, []).append(e)
    train: list[Event] = []
    targets: dict[str, str] = {}
    for cid, evs in by_customer.items():
        purchases = [e for e in evs if e.kind == "purchase"]
        if purchases:
            last = purchases[-1]
            before = [e for e in evs if e.at < last.at and e.product_id != last.product_id]
            if len({e.product_id for e in before}) >= min_history:
                targets[cid] = last.product_id
                train.extend(before)
                continue
        train.extend(evs)
    train.sort(key=lambda e: e.at)
    return Split(train, targets)


@dataclass
class Matrix:
    """Customer × product confidence matrix with its index maps."""

    users: dict[str, int]
    items: dict[str, int]
    csr: sp.csr_matrix

    def row(self, customer_id: str) -> sp.csr_matrix | None:
        u = self.users.get(customer_id)
        return None if u is None else self.csr[u]


def build_matrix(events: list[Event], items: dict[str, int]) -> Matrix:
    users: dict[str, int] = {}
    rows, cols, vals = [], [], []
    for e in events:
        u = users.setdefault(e.customer_id, len(users))
        rows.append(u)
        cols.append(items[e.product_id])
        vals.append(KIND_WEIGHT[e.kind])
    csr = sp.csr_matrix(
        (np.asarray(vals, dtype=np.float32), (np.asarray(rows), np.asarray(cols))),
        shape=(len(users), len(items)),
    )
    csr.sum_duplicates()
    return Matrix(users, items, csr)
