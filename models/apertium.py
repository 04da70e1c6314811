"""Apertium, Debian's rule-based translator, as a translation engine (`backend: apertium`).

Owns: finding the installed Apertium pairs (`apertium -l`, three-letter mode names mapped to the two-letter
codes the service speaks), running the `apertium` pipeline on a batch of texts, and removing the
unknown-word marks it may still leave. Protected tokens (URLs, numbers, prices) are masked around every
engine call by the router (models/translation.py, models/protect.py).

Each batch runs as one `apertium -u -f txt <mode>` process: the texts' lines go in as paragraphs separated
by blank lines, which Apertium's transfer never crosses, so one process start (0.1 to 1.5 s, depending on the
pair) serves the whole batch. The call blocks, so it runs in the models service's batch worker thread, never
on the event loop; a semaphore bounds how many pipelines run at once however many threads call it.
"""

from __future__ import annotations

import logging
import re
import shutil
import subprocess
import threading
from dataclasses import dataclass, field

from models.config import TranslationRoute

log = logging.getLogger(__name__)

# Apertium names newer pairs by ISO 639-3 code (eng-spa), older ones by ISO 639-1 (es-pt).
ISO3_TO_ISO1 = {
    "eng": "en",
    "spa": "es",
    "por": "pt",
    "cat": "ca",
    "fra": "fr",
    "ita": "it",
    "glg": "gl",
    "eus": "eu",
    "ron": "ro",
    "oci": "oc",
    "arg": "an",
    "deu": "de",
    "nld": "nl",
    "afr": "af",
    "dan": "da",
    "swe": "sv",
    "nob": "nb",
    "nno": "nn",
    "isl": "is",
    "rus": "ru",
    "ukr": "uk",
    "bel": "be",
    "pol": "pl",
    "epo": "eo",
    "bre": "br",
    "mkd": "mk",
    "bul": "bg",
    "hbs": "sh",
    "slv": "sl",
    "ind": "id",
    "zlm": "ms",
    "urd": "ur",
    "hin": "hi",
    "srd": "sc",
}
_MODE = re.compile(r"^([a-z]{2,3})-([a-z]{2,3})$")
# Marks Apertium puts before a word: * unknown to the analyser, @ missing from the bilingual dictionary,
# # not generated. `-u` turns off the first; the others can still appear. A mark starts a word.
_MARK = re.compile(r"(?<![\w*#@])[*#@](?=[^\W\d_])")
PARAGRAPH = "\n\n"


class EngineUnavailable(RuntimeError):
    """The engine cannot run on this machine (binary or pair data missing); the service runs without it."""


class EngineFailed(RuntimeError):
    """One run of the engine failed or took longer than `timeout_s` (the request gets a 502, not a 500)."""


def iso1(code: str) -> str:
    return ISO3_TO_ISO1.get(code, code)


def parse_modes(listing: str) -> dict[tuple[str, str], str]:
    """`apertium -l` output -> {(src, tgt): mode}; variant modes (es-pt_BR, eng-cat_valencia) are left out,
    and an ISO 639-1 mode name wins over a three-letter one for the same pair."""
    modes: dict[tuple[str, str], str] = {}
    for name in listing.split():
        match = _MODE.match(name)
        if match is None:
            continue
        src, tgt = iso1(match.group(1)), iso1(match.group(2))
        if len(src) != 2 or len(tgt) != 2 or src == tgt:
            continue
        if (src, tgt) not in modes or len(name) < len(modes[(src, tgt)]):
            modes[(src, tgt)] = name
    return modes


def strip_marks(text: str, source: str) -> str:
    """Removes Apertium's word marks (*word, @word, #word) that the source text did not have itself."""

    def drop(match: re.Match[str]) -> str:
        end = match.end()
        word = re.match(r"\w+", text[end:])
        marked = match.group(0) + (word.group(0) if word else "")
        return match.group(0) if marked in source else ""

    return _MARK.sub(drop, text)


@dataclass
class EngineStats:
    runs: int = 0
    texts: int = 0
    fallbacks: int = 0
    failures: int = 0

    def as_dict(self) -> dict[str, int]:
        return dict(vars(self))


@dataclass
class ApertiumBackend:
    """Translates through the `apertium` binary; raises EngineUnavailable when it cannot."""

    route: TranslationRoute
    name: str = ""
    pairs: list[tuple[str, str]] = field(default_factory=list)
    stats: EngineStats = field(default_factory=EngineStats)

    def __post_init__(self) -> None:
        self.name = self.route.name
        binary = shutil.which(self.route.binary)
        if binary is None:
            raise EngineUnavailable(
                f"'{self.route.binary}' is not installed (Debian: scripts/install_apertium.sh, run by make install)"
            )
        self._binary = binary
        try:
            listing = subprocess.run(
                [binary, "-l"], capture_output=True, text=True, timeout=self.route.timeout_s, check=False
            ).stdout
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise EngineUnavailable(f"'{binary} -l' failed: {exc}") from exc
        installed = parse_modes(listing)
        for pair, mode in self.route.modes.items():
            src, _, tgt = pair.partition("-")
            if mode not in listing.split():
                raise EngineUnavailable(f"apertium mode {mode!r} (for {pair}) is not installed")
            installed[(src, tgt)] = mode
        wanted = self.route.expanded_pairs() or sorted(installed)
        self._modes = {p: installed[p] for p in wanted if p in installed}
        missing = [f"{s}-{t}" for s, t in wanted if (s, t) not in installed]
        if missing:
            log.warning("apertium route %s: pairs not installed, left out: %s", self.name, ", ".join(missing))
        if not self._modes:
            raise EngineUnavailable(f"no apertium pair installed for route {self.name!r} ({binary} -l lists none)")
        self.pairs = sorted(self._modes)
        self._slots = threading.BoundedSemaphore(self.route.max_processes)

    def mode(self, source: str, target: str) -> str:
        return self._modes[(source, target)]

    def _run(self, text: str, mode: str) -> str:
        with self._slots:
            self.stats.runs += 1
            try:
                done = subprocess.run(
                    [self._binary, "-u", "-f", "txt", mode],
                    input=text,
                    capture_output=True,
                    text=True,
                    timeout=self.route.timeout_s,
                    check=False,
                )
            except (OSError, subprocess.TimeoutExpired) as exc:  # subprocess.run kills it on timeout
                self.stats.failures += 1
                raise EngineFailed(f"apertium {mode}: {exc}") from exc
        if done.returncode != 0:
            self.stats.failures += 1
            raise EngineFailed(f"apertium {mode} exited {done.returncode}: {done.stderr.strip()[:300]}")
        return done.stdout

    def _translate_segments(self, segments: list[str], mode: str) -> list[str]:
        """Single-line, non-blank segments -> their translations, one process for all of them."""
        out = self._run(PARAGRAPH.join(segments) + "\n", mode).rstrip("\n").split(PARAGRAPH)
        if len(out) == len(segments):
            return out
        # Apertium kept the blank lines in every pair tried; should one ever not, translate one by one.
        self.stats.fallbacks += 1
        log.warning("apertium %s returned %d segments for %d; translating one by one", mode, len(out), len(segments))
        return [self._run(s + "\n", mode).strip("\n") for s in segments]

    def translate(self, texts: list[str], source: str, target: str) -> list[str]:
        mode = self.mode(source, target)
        self.stats.texts += len(texts)
        # Every non-blank line of every text is one segment; the spaces around it are kept as they were.
        lines = [text.split("\n") for text in texts]
        todo = [line.strip() for text_lines in lines for line in text_lines if line.strip()]
        done = iter(self._translate_segments(todo, mode) if todo else [])
        results: list[str] = []
        for text_lines in lines:
            out_lines = []
            for line in text_lines:
                core = line.strip()
                if not core:
                    out_lines.append(line)
                    continue
                lead = line[: len(line) - len(line.lstrip())]
                trail = line[len(line.rstrip()) :]
                out_lines.append(lead + strip_marks(next(done).strip(), core) + trail)
            results.append("\n".join(out_lines))
        return results
