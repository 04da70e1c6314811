"""CSV files as the shops' exports write them: UTF-8 with or without BOM, quoted multi-line cells.

Rows are numbered as a spreadsheet shows them (the header is row 1); when quoted multi-line cells put a row on
a later line of the file, messages name that line too ("products.csv row 4 (line 5)").
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path

from tqdm import tqdm

from backends.orders.imports.records import ImportError_

csv.field_size_limit(10 * 1024 * 1024)  # product descriptions (HTML) can be long


class CsvFile:
    """One CSV export: its header and its rows as (where, {column: value}) with values stripped."""

    def __init__(self, path: Path, required: tuple[str, ...] = ()) -> None:
        self.path = Path(path)
        self.name = self.path.name
        try:
            self._text = self.path.read_text(encoding="utf-8-sig")
        except UnicodeDecodeError as exc:
            raise ImportError_(f"{self.name}: not UTF-8 text (byte {exc.start}); export it as UTF-8 CSV") from exc
        except OSError as exc:
            raise ImportError_(f"{self.path}: {exc.strerror or exc}") from exc
        reader = csv.reader(self._text.splitlines(keepends=True))
        try:
            header = next(reader)
        except StopIteration:
            raise ImportError_(f"{self.name}: the file is empty") from None
        self.header = [h.strip() for h in header]
        missing = [c for c in required if c not in self.header]
        if missing:
            raise ImportError_(
                f"{self.name} row 1: missing column(s) {', '.join(repr(c) for c in missing)}; "
                f"is this the right export? (found {', '.join(self.header[:8])}{', …' if len(self.header) > 8 else ''})"
            )

    def rows(self) -> Iterator[tuple[str, dict[str, str]]]:
        reader = csv.reader(self._text.splitlines(keepends=True))
        next(reader)
        width = len(self.header)
        start = reader.line_num + 1
        rows = tqdm(reader, desc=f"reading {self.name}", unit="row", disable=len(self._text) < 1_000_000)
        for number, cells in enumerate(rows, start=2):
            where = f"{self.name} row {number}" + (f" (line {start})" if start != number else "")
            start = reader.line_num + 1
            if not any(c.strip() for c in cells):
                continue
            if len(cells) > width and any(c.strip() for c in cells[width:]):
                raise ImportError_(f"{where}: {len(cells)} cells but the header names {width} columns")
            cells = cells + [""] * (width - len(cells))
            yield where, dict(zip(self.header, map(str.strip, cells), strict=True))
