"""The project's own files: a folder with customers / products / orders as JSON Lines, a JSON array or CSV
(the layout of var/demo_shop and backends/orders/examples; README.md "Import formats")."""

from __future__ import annotations

from pathlib import Path

from backends.orders.imports.records import ImportContext, ShopRecords


def read_directory(path: Path, ctx: ImportContext) -> ShopRecords:
    from backends.orders.importer import read_directory_records  # importer.py owns the contract's files

    return read_directory_records(Path(path))
