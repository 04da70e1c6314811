"""Shared helpers for the multilingual benchmarks (stdlib only: they run in both virtualenvs)."""

from __future__ import annotations

import json
import os
import platform
import statistics
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
DATA = REPO_ROOT / "benchmarks" / "data" / "multilingual"
LANG_ORDER = [
    *("en", "pt", "es", "de", "fr", "it", "nl", "ja", "ru"),
    *("pl", "sv", "da", "cs", "uk", "tr", "el", "ar", "he", "hi", "bn", "vi", "id", "ko", "zh", "th"),
]


def load_jsonl(name: str) -> list[dict]:
    path = DATA / name
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def word_count(text: str, language: str) -> int:
    """Words; for Japanese (no spaces) every two characters count as one word."""
    if language in ("ja", "zh"):
        return len([c for c in text if c.isalnum()]) // 2
    return len(text.split())


def ordered(languages: set[str] | list[str]) -> list[str]:
    return sorted(set(languages), key=lambda lang: (LANG_ORDER.index(lang) if lang in LANG_ORDER else 99, lang))


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    values = sorted(values)
    k = (len(values) - 1) * q
    lo, hi = int(k), min(int(k) + 1, len(values) - 1)
    return values[lo] + (values[hi] - values[lo]) * (k - lo)


def latency_line(name: str, seconds: list[float]) -> str:
    ms = [s * 1000 for s in seconds]
    return (
        f"{name:<42} n={len(ms):<4} p50={pct(ms, 0.5):7.2f} ms  p90={pct(ms, 0.9):7.2f} ms  "
        f"mean={statistics.fmean(ms):7.2f} ms"
    )


def header(title: str) -> None:
    print(f"# {title}")
    print(f"command: {' '.join([os.path.relpath(sys.executable, REPO_ROOT), *sys.argv])}")
    print(
        f"machine: {platform.platform()}, {platform.processor() or platform.machine()}, "
        f"{os.cpu_count()} cores (affinity {len(os.sched_getaffinity(0))}), python {platform.python_version()}"
    )
    # The machine is shared: the load average says how much of it this run had.
    print("load average at start (1/5/15 min): " + " ".join(f"{x:.2f}" for x in os.getloadavg()))
    print()
