"""Import runs: files of any format into the order store and the shop's normalised folder.

- `import_files`: the CLI's `import --format NAME FILE…`: read, validate everything, write the order store in one
  transaction, then merge the records into the normalised folder (so the recommender and the knowledge service
  see the same catalog on their next bootstrap).
- `prepare`: the shop profile's `data:` list (catalog and orders kinds) into the normalised folder, skipped when
  the sources have not changed since the last run (their sha256 is kept in its manifest.json). The order store's
  bootstrap then imports that folder like the demo shop's.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine

from backends.orders.importer import ImportReport, NumberNormaliser, validate, write_rows
from backends.orders.imports import normalised
from backends.orders.imports.formats import FORMATS, read_sources
from backends.orders.imports.records import ImportContext, ImportError_
from borderless.rules import Rules

Source = tuple[str, Path]  # (format name, file or folder)


def shop_context(
    normalize_number: NumberNormaliser, rules: Rules, now: datetime, examples: Sequence[str] = (), currency: str = ""
) -> ImportContext:
    """The import context of a shop: its order numbers, and from its shipping zones where products ship and how
    long parcels travel (so fulfilled orders whose estimated delivery has passed import as delivered)."""
    countries = sorted({c for zone in rules.zones for c in zone.countries})
    transit = {c: max(zone.transit_days) for zone in reversed(rules.zones) for c in zone.countries}
    return ImportContext(
        normalize_number,
        tuple(countries),
        transit_days=transit,
        now=now,
        number_examples=tuple(examples),
        currency=currency,
    )


def _digest(path: Path) -> str:
    h = hashlib.sha256()
    files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
    for f in files:
        h.update(str(f.relative_to(path) if path.is_dir() else f.name).encode())
        h.update(f.read_bytes())
    return h.hexdigest()


def describe(sources: Sequence[Source]) -> list[dict[str, Any]]:
    out = []
    for name, path in sources:
        if not Path(path).exists():
            raise ImportError_(f"{path}: no such file or folder")
        out.append({"format": name, "path": str(path), "sha256": _digest(Path(path))})
    return out


async def import_files(
    engine: AsyncEngine,
    sources: Sequence[Source],
    ctx: ImportContext,
    data_dir: Path | None,
    schema: str | None,
    data_clock: str = "",
) -> ImportReport:
    known = normalised.load(data_dir) if data_dir else None
    records = read_sources(sources, ctx, known)
    rows = validate(records, ctx.normalize_number, ctx.currency)
    report = await write_rows(engine, rows, schema)
    report.skipped = dict(records.skipped)
    if data_dir is not None:
        everything = normalised.merged(known, records) if known else records
        previous = _manifest(data_dir).get("sources") or []
        normalised.write(data_dir, everything, [*previous, *describe(sources)], data_clock)
    return report


def import_to_folder(
    sources: Sequence[Source], ctx: ImportContext, data_dir: Path, data_clock: str = ""
) -> dict[str, Any]:
    """Read and validate `sources`, then merge them into the folder (no order store): what `shop data` runs per
    source, catalog before orders so that order lines link to the catalog's SKUs. Returns the manifest."""
    known = normalised.load(data_dir)
    records = read_sources(sources, ctx, known)
    validate(records, ctx.normalize_number, ctx.currency)
    previous = _manifest(data_dir).get("sources") or []
    everything = normalised.merged(known, records)
    return normalised.write(data_dir, everything, [*previous, *describe(sources)], data_clock)


def _manifest(data_dir: Path) -> dict[str, Any]:
    try:
        return dict(json.loads((data_dir / "manifest.json").read_text(encoding="utf-8")))
    except (OSError, ValueError):
        return {}


def prepare(
    sources: Sequence[Source], ctx: ImportContext, data_dir: Path, force: bool = False, data_clock: str = ""
) -> bool:
    """Writes the normalised folder from `sources`; False when it is already up to date (nothing done)."""
    for name, _ in sources:
        if name not in FORMATS:
            raise ImportError_(f"unknown format {name!r}; use one of {', '.join(FORMATS)}")
    described = describe(sources)
    if not force and _manifest(data_dir).get("sources") == described:
        return False
    records = read_sources(sources, ctx)
    validate(records, ctx.normalize_number, ctx.currency)  # the whole contract, before the folder changes
    normalised.write(data_dir, records, described, data_clock)
    return True
