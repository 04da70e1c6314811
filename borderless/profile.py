"""The shop profile: `shops/<name>/shop.yml` read into typed values, with every problem located.

Which shop a process serves: `BORDERLESS_SHOP` (a directory, or a name under `shops/`), else the demo shop
`shops/lumen-goods`. `load_shop` raises `ProfileError` listing every problem found (file, line, field and
what is wrong) rather than the first one, so `python -m borderless shop check` can report them all at once.
"""

from __future__ import annotations

import functools
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from borderless.order_numbers import OrderNumberFormatError, OrderNumbers

REPO_ROOT = Path(__file__).resolve().parent.parent
SHOPS_DIR = REPO_ROOT / "shops"
DEFAULT_SHOP = "lumen-goods"
PROFILE_FILE = "shop.yml"

PROOFS = ("email", "postcode", "phone")
ORDER_BACKENDS = ("builtin", "shopify", "woocommerce")
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")
_LANG = re.compile(r"^[a-z]{2,3}$")
_CURRENCY = re.compile(r"^[A-Z]{3}$")
_CLOCK = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


@dataclass(frozen=True)
class Problem:
    file: str
    line: int | None
    field: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: {self.field}: {self.message}" if self.field else f"{where}: {self.message}"


class ProfileError(ValueError):
    """The shop profile cannot be used; `problems` says every place and why."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


@dataclass(frozen=True)
class Contact:
    email: str
    phone: str = ""
    hours: str = ""


@dataclass(frozen=True)
class SupportHours:
    days: tuple[str, ...]
    open: str
    close: str

    def describe(self) -> str:
        """`Mon–Sat 08:00–20:00` (days as a range when consecutive)."""
        idx = [DAYS.index(d) for d in self.days]
        if idx == list(range(idx[0], idx[-1] + 1)) and len(idx) > 2:
            days = f"{self.days[0].capitalize()}–{self.days[-1].capitalize()}"
        else:
            days = ", ".join(d.capitalize() for d in self.days)
        return f"{days} {self.open}–{self.close}"


@dataclass(frozen=True)
class Languages:
    default: str
    supported: tuple[str, ...]


@dataclass(frozen=True)
class Currencies:
    base: str
    display: tuple[str, ...]


@dataclass(frozen=True)
class DataSource:
    """A file the shop already has (a platform export), imported by the service that owns its kind."""

    kind: str  # catalog | orders | help_centre
    format: str
    path: Path


@dataclass(frozen=True)
class OrdersBackend:
    kind: str  # one of ORDER_BACKENDS
    settings: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Shop:
    root: Path
    id: str
    name: str
    assistant_name: str
    website: str
    contact: Contact
    timezone: str
    support_hours: SupportHours
    languages: Languages
    currencies: Currencies
    proofs: tuple[str, ...]
    order_numbers: OrderNumbers
    orders_backend: OrdersBackend
    data: tuple[DataSource, ...]
    translation: dict[str, str]
    # Where the shop's catalog, customers and orders live in the project's own layout (products.jsonl,
    # customers.jsonl, orders.jsonl …) once imported or generated: var/<data_dir>.
    data_dir_name: str = ""
    # The demo shop: its catalog, customers and orders are generated (backends/demo_shop), not imported.
    demo: bool = False
    # Example shops only: the moment their data is written against (ISO 8601), which `ORDERS_NOW=demo`
    # uses as "now" so the example's dates stay coherent; empty for a real shop (the real clock).
    data_clock: str = ""

    @property
    def data_dir(self) -> Path:
        return var_root() / (self.data_dir_name or f"shops/{self.id}")

    @property
    def nlu_dir(self) -> Path:
        """The shop's generated Rasa training data (borderless/nlu.py)."""
        return var_root() / "nlu" / self.id

    @property
    def content_dir(self) -> Path:
        return self.root / "content"

    @property
    def rules_dir(self) -> Path:
        return self.root / "rules"

    @property
    def support_hours_text(self) -> str:
        return f"{self.support_hours.describe()} ({self.timezone})"

    def reply_values(self) -> dict[str, str]:
        """The shop facts reply templates may name (`{shop_name}`, `{order_number_example}` …)."""
        return {
            "shop_name": self.name,
            "assistant_name": self.assistant_name,
            "shop_website": self.website,
            "shop_email": self.contact.email,
            "shop_phone": self.contact.phone,
            "support_hours": self.support_hours_text,
            "order_number_example": self.order_numbers.examples[0],
        }


def var_root() -> Path:
    """Runtime data ($BORDERLESS_VAR or ./var), as svc.settings.var_dir (this package imports no service code)."""
    var = Path(os.environ.get("BORDERLESS_VAR") or REPO_ROOT / "var")
    return var if var.is_absolute() else REPO_ROOT / var


def shop_dir(name_or_path: str | os.PathLike[str] | None = None) -> Path:
    """The directory of the shop named by the argument, else by BORDERLESS_SHOP, else the demo shop."""
    raw = str(name_or_path or os.environ.get("BORDERLESS_SHOP") or DEFAULT_SHOP)
    path = Path(raw)
    if not path.is_absolute():
        direct = REPO_ROOT / path
        path = direct if (direct / PROFILE_FILE).exists() or "/" in raw else SHOPS_DIR / raw
    return path


@functools.lru_cache(maxsize=8)
def _load_cached(root: Path) -> Shop:
    return load_shop(root)


def current_shop() -> Shop:
    """The shop this process serves (BORDERLESS_SHOP), loaded once per process and directory."""
    return _load_cached(shop_dir().resolve())


class _Located:
    """A parsed YAML document that knows the line of every key path, for error messages."""

    def __init__(self, path: Path) -> None:
        self.file = str(path)
        self.lines: dict[tuple[str, ...], int] = {}
        text = path.read_text(encoding="utf-8")
        node = yaml.compose(text)
        if node is not None:
            self._walk(node, ())
        self.data = yaml.safe_load(text)

    def _walk(self, node: yaml.Node, at: tuple[str, ...]) -> None:
        self.lines.setdefault(at, node.start_mark.line + 1)
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                sub = (*at, str(key.value))
                self.lines[sub] = key.start_mark.line + 1
                self._walk(value, sub)
        elif isinstance(node, yaml.SequenceNode):
            for i, item in enumerate(node.value):
                self._walk(item, (*at, str(i)))

    def line(self, at: tuple[str, ...]) -> int | None:
        while at and at not in self.lines:
            at = at[:-1]
        return self.lines.get(at)


class _Reader:
    """Reads fields out of shop.yml, collecting a Problem (with its line) for each bad one."""

    def __init__(self, doc: _Located) -> None:
        self.doc = doc
        self.problems: list[Problem] = []

    def problem(self, at: tuple[str, ...], message: str) -> None:
        self.problems.append(Problem(self.doc.file, self.doc.line(at), ".".join(at), message))

    def get(self, at: tuple[str, ...], default: Any = None, required: bool = False) -> Any:
        value: Any = self.doc.data
        for key in at:
            if isinstance(value, dict) and key in value:
                value = value[key]
            elif isinstance(value, list) and key.isdigit() and int(key) < len(value):
                value = value[int(key)]
            else:
                if required:
                    self.problem(at, "is required")
                return default
        return value

    def text(
        self, at: tuple[str, ...], default: str = "", required: bool = False, pattern: re.Pattern[str] | None = None
    ) -> str:
        value = self.get(at, default, required)
        if value is None:
            return default
        if not isinstance(value, str | int | float) or isinstance(value, bool):
            self.problem(at, f"must be text, got {type(value).__name__}")
            return default
        value = str(value).strip()
        if required and not value:
            self.problem(at, "must not be empty")
        if value and pattern is not None and not pattern.match(value):
            self.problem(at, f"{value!r} does not look right (expected {pattern.pattern})")
        return value

    def items(self, at: tuple[str, ...], required: bool = False) -> list[Any]:
        value = self.get(at, [], required)
        if value is None:
            return []
        if not isinstance(value, list):
            self.problem(at, f"must be a list, got {type(value).__name__}")
            return []
        return value

    def words(self, at: tuple[str, ...], pattern: re.Pattern[str], required: bool = False) -> tuple[str, ...]:
        out = []
        for i, item in enumerate(self.items(at, required)):
            word = str(item).strip()
            if not pattern.match(word):
                self.problem((*at, str(i)), f"{word!r} does not look right (expected {pattern.pattern})")
            out.append(word)
        if required and not out:
            self.problem(at, "must list at least one value")
        return tuple(out)


def load_shop(root: str | os.PathLike[str]) -> Shop:
    """The shop profile in `root` (a directory holding shop.yml, or a name under shops/); ProfileError lists
    every problem."""
    root = Path(root)
    if not (root / PROFILE_FILE).is_file():
        root = shop_dir(root)
    path = root / PROFILE_FILE
    if not path.is_file():
        raise ProfileError([Problem(str(path), None, "", f"no {PROFILE_FILE} here (is {root} a shop directory?)")])
    try:
        doc = _Located(path)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise ProfileError([Problem(str(path), mark.line + 1 if mark else None, "", f"not valid YAML: {exc}")]) from exc
    if not isinstance(doc.data, dict):
        raise ProfileError([Problem(str(path), 1, "", "must be a mapping of fields (id, name, …)")])
    r = _Reader(doc)

    shop_id = r.text(("id",), required=True, pattern=_SLUG)
    name = r.text(("name",), required=True)
    website = r.text(("website",), required=True)
    if website and not website.startswith(("https://", "http://")):
        r.problem(("website",), "must be an http(s) URL")
    contact = Contact(
        email=r.text(("contact", "email"), required=True, pattern=_EMAIL),
        phone=r.text(("contact", "phone")),
        hours=r.text(("contact", "hours")),
    )
    timezone = r.text(("timezone",), required=True)
    if timezone:
        try:
            from zoneinfo import ZoneInfo

            ZoneInfo(timezone)
        except Exception:  # noqa: BLE001 — any failure means the name is unusable
            r.problem(("timezone",), f"{timezone!r} is not an IANA time zone (e.g. Europe/Amsterdam)")
    days = tuple(d.lower()[:3] for d in r.words(("support_hours", "days"), re.compile(r"^[A-Za-z]{3,9}$"), True))
    for i, day in enumerate(days):
        if day not in DAYS:
            r.problem(("support_hours", "days", str(i)), f"{day!r} is not a day (mon … sun)")
    hours = SupportHours(
        days=tuple(d for d in days if d in DAYS) or ("mon",),
        open=r.text(("support_hours", "open"), "09:00", True, _CLOCK),
        close=r.text(("support_hours", "close"), "17:00", True, _CLOCK),
    )
    default_lang = r.text(("languages", "default"), "en", True, _LANG)
    supported = r.words(("languages", "supported"), _LANG, True)
    if default_lang and supported and default_lang not in supported:
        r.problem(("languages", "default"), f"{default_lang!r} must also be in languages.supported")
    base = r.text(("currencies", "base"), "EUR", True, _CURRENCY)
    display = r.words(("currencies", "display"), _CURRENCY) or (base,)
    proofs = r.words(("proofs",), re.compile(r"^[a-z]+$"), True)
    for i, proof in enumerate(proofs):
        if proof not in PROOFS:
            r.problem(("proofs", str(i)), f"{proof!r} is not a proof this assistant can check ({', '.join(PROOFS)})")

    formats = []
    for i, item in enumerate(r.items(("order_numbers",), required=True)):
        at = ("order_numbers", str(i))
        if not isinstance(item, dict):
            r.problem(at, "must be a mapping with pattern, canonical and example")
            continue
        entry = {k: r.text((*at, k), required=True) for k in ("pattern", "canonical", "example")}
        if r.get((*at, "find")):
            entry["find"] = r.text((*at, "find"))
        try:
            OrderNumbers.from_config([entry])
        except OrderNumberFormatError as exc:
            r.problem(at, str(exc))
            continue
        formats.append(entry)

    backend_kind = r.text(("orders", "backend"), "builtin")
    if backend_kind not in ORDER_BACKENDS:
        r.problem(("orders", "backend"), f"{backend_kind!r} is not one of {', '.join(ORDER_BACKENDS)}")
    backend_settings = r.get(("orders", backend_kind), {}) or {}
    if not isinstance(backend_settings, dict):
        r.problem(("orders", backend_kind), "must be a mapping of settings")
        backend_settings = {}

    data = []
    for i in range(len(r.items(("data",)))):
        at = ("data", str(i))
        kind = r.text((*at, "kind"), required=True)
        fmt = r.text((*at, "format"), required=True)
        rel = r.text((*at, "path"), required=True)
        if kind and kind not in ("catalog", "orders", "help_centre"):
            r.problem((*at, "kind"), f"{kind!r} is not one of catalog, orders, help_centre")
        target = (root / rel).resolve() if rel else root
        if rel and not target.exists():
            r.problem((*at, "path"), f"{rel} does not exist in {root}")
        elif rel and root.resolve() not in (target, *target.parents):
            r.problem((*at, "path"), "must stay inside the shop directory")
        data.append(DataSource(kind, fmt, target))

    translation = r.get(("translation",), {}) or {}
    if not isinstance(translation, dict):
        r.problem(("translation",), "must map language pairs (en-es) to an engine name")
        translation = {}

    for folder in ("content", "rules"):
        if not (root / folder).is_dir():
            r.problems.append(Problem(str(root / folder), None, "", f"the shop needs a {folder}/ directory"))

    clock = _clock(r)
    if r.problems:
        raise ProfileError(r.problems)
    return Shop(
        root=root.resolve(),
        id=shop_id,
        name=name,
        assistant_name=r.text(("assistant_name",)) or f"{name} assistant",
        website=website.rstrip("/"),
        contact=contact,
        timezone=timezone,
        support_hours=hours,
        languages=Languages(default_lang, supported),
        currencies=Currencies(base, display),
        proofs=proofs,
        order_numbers=OrderNumbers.from_config(formats),
        orders_backend=OrdersBackend(backend_kind, dict(backend_settings)),
        data=tuple(data),
        translation={str(k): str(v) for k, v in translation.items()},
        data_dir_name=r.text(("data_dir",), pattern=re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_./-]*$")),
        demo=bool(r.get(("demo",), False)),
        data_clock=clock,
    )


def _clock(r: _Reader) -> str:
    raw = r.text(("data_clock",))
    if raw:
        from datetime import datetime

        try:
            datetime.fromisoformat(raw.replace("Z", "+00:00"))
        except ValueError:
            r.problem(("data_clock",), f"{raw!r} is not an ISO 8601 timestamp (2026-11-16T10:00:00-08:00)")
    return raw


def iter_shops() -> Iterator[Path]:
    """Every shop directory in the repository's shops/ folder."""
    for path in sorted(SHOPS_DIR.iterdir()):
        if (path / PROFILE_FILE).is_file():
            yield path
