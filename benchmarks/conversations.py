"""Whole shopper tasks, scripted: does the conversation end with what the shopper came for?

    .venv/bin/python benchmarks/conversations.py                     # every scenario, dev and heldout
    .venv/bin/python benchmarks/conversations.py --split heldout --lang de --family returns_window
    .venv/bin/python benchmarks/conversations.py --smoke             # a handful (make bench-smoke)
    .venv/bin/python benchmarks/conversations.py --list              # the scenarios, without a stack

Scenarios are data (benchmarks/data/conversations/*.yaml, README.md there): multi-turn scripts of shopper
tasks in several languages, typed the way shoppers type, each with success conditions on the outcome
(benchmarks/conversation_checks.py). Orders are chosen at run time by what must be true of them (status, rule
flags from the orders service, items), one order per scenario (benchmarks/conversation_shop.py), so the
same scenarios run on another shop's data.

The whole stack starts as benchmarks/load.py starts it (benchmarks/load_stack.full_stack: the integration
tests' prepare_stack), plus the agents' console so a handoff really queues. Each scenario is its own signed
widget conversation (tests/support.WidgetSessions); a few run at once. The report gives success per task
family and per language for dev and heldout, and writes every failure (scenario, turn, expected, got, the
transcript) to a JSON file. Exit status: 0 unless a turn failed at the transport level (an HTTP error or a
timeout); a failed task is a figure, not an error.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shlex
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import yaml

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

from benchmarks.conversation_checks import Checker, Miss, Outcome, Turn  # noqa: E402
from benchmarks.conversation_shop import OrderPool, Shop, pick_product  # noqa: E402
from tests.support import TEST_RASA_TOKEN, WidgetSessions, http_json  # noqa: E402

DATA = REPO_ROOT / "benchmarks" / "data" / "conversations"
SPLITS = ("dev", "heldout")
SMOKE_IDS = ("track-en-1", "cancel-es-1", "policy-de-1", "reco-fr-1", "handoff-pt-1", "outofscope-nl-1")
# Every scripted shopper talks from the same loopback address; a real shop's shoppers each have their own.
# The failed-proof limit per source (backends/orders/README.md) would otherwise hold every conversation
# back after a few wrong-proof scenarios, which is not what the benchmark measures.
STACK_SETTINGS = {
    "ORDERS_RATE_LIMIT_ATTEMPTS": "100000",
    "PROOF_TTL_S": "300",  # the shipped default (prepare_stack shortens it for the security tests)
    "HANDOFF_REQUESTS_PER_CONVERSATION": "50",
}
TURN_TIMEOUT_S = 90.0


# ---------- scenarios (data)


@dataclass
class Scenario:
    id: str
    family: str
    lang: str
    split: str
    turns: list[dict[str, Any]]  # {"say": text, "lang"?: code, "products"?: constraints}
    order: dict[str, Any] | None = None  # what must be true of the order it needs
    quote: dict[str, Any] | None = None  # {type, country, currency?}: the product and country of a quote
    expect: dict[str, Any] = field(default_factory=dict)
    note: str = ""


def load_scenarios(folder: Path = DATA) -> list[Scenario]:
    """Every scenario of every family file, defaults applied; ids must be unique and splits known."""
    out: list[Scenario] = []
    for path in sorted(folder.glob("*.yaml")):
        doc = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        if "scenarios" not in doc:
            continue
        family = str(doc["family"])
        defaults = doc.get("defaults") or {}
        for raw in doc["scenarios"]:
            turns = [t if isinstance(t, dict) else {"say": str(t)} for t in raw["say"]]
            expect = {"language": True, **(defaults.get("expect") or {}), **(raw.get("expect") or {})}
            scenario = Scenario(
                id=str(raw["id"]),
                family=family,
                lang=str(raw["lang"]),
                split=str(raw["split"]),
                turns=turns,
                order=raw.get("order", defaults.get("order")),
                quote=raw.get("quote", defaults.get("quote")),
                expect=expect,
                note=str(raw.get("note", "")),
            )
            if scenario.split not in SPLITS:
                raise ValueError(f"{path.name}: {scenario.id}: split must be one of {SPLITS}")
            out.append(scenario)
    ids = [s.id for s in out]
    if len(ids) != len(set(ids)):
        raise ValueError(f"duplicate scenario ids: {sorted({i for i in ids if ids.count(i) > 1})}")
    return sorted(out, key=lambda s: s.id)


def select(scenarios: list[Scenario], args: argparse.Namespace) -> list[Scenario]:
    chosen = scenarios
    if args.smoke:
        chosen = [s for s in chosen if s.id in SMOKE_IDS]
    if args.split != "all":
        chosen = [s for s in chosen if s.split == args.split]
    if args.lang:
        chosen = [s for s in chosen if s.lang in args.lang.split(",")]
    if args.family:
        chosen = [s for s in chosen if s.family in args.family.split(",")]
    if args.id:
        chosen = [s for s in chosen if re.search(args.id, s.id)]
    return chosen[: args.limit] if args.limit else chosen


# ---------- running one scenario


@dataclass
class Result:
    scenario: Scenario
    ok: bool
    misses: list[Miss]
    transcript: list[dict[str, Any]]
    error: str | None = None  # transport failure (HTTP error, timeout): the scenario could not be run
    skipped: str | None = None  # no order/product in the shop fits the scenario
    seconds: float = 0.0
    story: str | None = None  # the conversation as a Rasa test story (--stories)
    upset: dict[str, Any] | None = None  # the NLU's sentiment of the upset message (scenarios with `apology`)


class Run:
    """The running stack and what the scenarios share: the shop, the checks, the sessions, the order pool."""

    def __init__(
        self, urls: dict[str, str], env: dict[str, str], shop: Shop, lexicon: dict[str, Any], stories: bool = False
    ) -> None:
        self.urls, self.env, self.shop, self.stories = urls, env, shop, stories
        self.sessions = WidgetSessions(urls["rasa"])
        self.checker = Checker(shop, lexicon, self.detect)
        self.pool = OrderPool(shop)

    def detect(self, texts: list[str]) -> list[dict[str, float]]:
        out: list[dict[str, float]] = []
        for start in range(0, len(texts), 32):
            status, body = http_json("POST", f"{self.urls['models']}/v1/language", {"texts": texts[start : start + 32]})
            if status != 200:
                raise RuntimeError(f"language detection failed: {status} {body}")
            for result in body["results"]:
                scores = {c["language"]: float(c["score"]) for c in result.get("candidates") or []}
                scores.setdefault(result["language"], float(result["confidence"]))
                out.append(scores)
        return out

    def queue_status(self, conversation_id: str) -> str | None:
        if "console" not in self.urls:
            return None
        status, body = http_json(
            "GET",
            f"{self.urls['console']}/v1/handoff/requests/{conversation_id}",
            token=self.env["HANDOFF_API_TOKEN"],
        )
        return str(body.get("status")) if status == 200 and isinstance(body, dict) else f"error {status}"

    def prepare(self, scenario: Scenario, seed: int) -> tuple[dict[str, Any], dict[str, Any]] | str:
        """Placeholders for the scenario's messages and the facts its checks need; a reason when it cannot run."""
        values: dict[str, Any] = {**self.shop.rules.numbers, "unknown_order": self.shop.unknown_order_number(seed)}
        facts: dict[str, Any] = {}
        if scenario.order is not None:
            taken = self.pool.take(scenario.order)
            if taken is None:
                return f"no unused order fits {scenario.order}"
            order, view = taken
            other = self.shop.orders[(seed * 37 + 11) % len(self.shop.orders)]
            if other["email"].casefold() == order["email"].casefold():
                other = self.shop.orders[(seed * 37 + 12) % len(self.shop.orders)]
            values.update(
                order=order["number"],
                order_lower=order["number"].lower(),
                email=order["email"],
                email_upper=order["email"].upper(),
                postcode=(order.get("shipping_address") or {}).get("postcode", ""),
                wrong_email=other["email"],
                item=(order.get("items") or [{}])[0].get("title", ""),
            )
            facts.update(order=order, before=view)
        if scenario.quote is not None:
            product = pick_product(self.shop, scenario.quote, seed)
            if product is None:
                return f"no product fits {scenario.quote}"
            quote = self.shop.quote(product["id"], scenario.quote["country"], scenario.quote.get("currency"))
            if quote is None:
                return f"the orders service gave no quote for {product['id']} to {scenario.quote['country']}"
            values.update(product=product["title"], product_lower=product["title"].lower())
            facts.update(quote=quote, product=product)
        facts["values"] = values
        return values, facts

    def run(self, scenario: Scenario, seed: int, prepared: tuple[dict[str, Any], dict[str, Any]] | str) -> Result:
        started = time.monotonic()
        if isinstance(prepared, str):
            return Result(scenario, False, [], [], skipped=prepared)
        values, facts = prepared
        name = f"{scenario.id}-{seed}"
        turns: list[Turn] = []
        lang = scenario.lang
        for step in scenario.turns:
            text = str(step["say"]).format(**values)
            lang = str(step.get("lang", lang))
            begin = time.monotonic()
            try:
                replies = self.sessions.say(name, text, timeout=TURN_TIMEOUT_S)
            except (urllib.error.URLError, OSError, ValueError) as exc:
                turns.append(Turn(text, [], lang, step.get("products"), time.monotonic() - begin))
                return Result(scenario, False, [], transcript(turns), error=f"turn {len(turns)}: {exc}")
            turns.append(Turn(text, replies, lang, step.get("products"), time.monotonic() - begin))
        order = facts.get("order")
        conversation_id = self.sessions.conversation_id(name)
        try:
            after = self.shop.lookup(order["number"], order["email"]) if order else None
            tracker = self.sessions.tracker(name)
        except (urllib.error.URLError, OSError, ValueError) as exc:
            return Result(scenario, False, [], transcript(turns), error=f"reading the outcome: {exc}")
        outcome = Outcome(
            turns=turns,
            order=order,
            before=facts.get("before"),
            after=after,
            queue_status=self.queue_status(conversation_id),
            active_loop=(tracker.get("active_loop") or {}).get("name"),
            facts=facts,
        )
        misses = []
        for check, expected in scenario.expect.items():
            miss = getattr(self.checker, f"check_{check}")(outcome, expected)
            if miss is not None:
                misses.append(miss)
        story = self.story(conversation_id) if self.stories else None
        result = Result(
            scenario, not misses, misses, transcript(turns), seconds=time.monotonic() - started, story=story
        )
        if "apology" in scenario.expect:
            users = [e for e in tracker.get("events") or [] if e.get("event") == "user"]
            upset = users[int(scenario.expect["apology"]) - 1] if len(users) >= int(scenario.expect["apology"]) else {}
            result.upset = (upset.get("parse_data") or {}).get("sentiment") or {}
        return result

    def story(self, conversation_id: str) -> str | None:
        """The conversation as an end-to-end Rasa test story (Rasa's `GET /conversations/{id}/story`)."""
        url = f"{self.urls['rasa']}/conversations/{conversation_id}/story?token={TEST_RASA_TOKEN}"
        try:
            with urllib.request.urlopen(url, timeout=60) as resp:
                return str(resp.read().decode("utf-8"))
        except (urllib.error.URLError, OSError):
            return None


def transcript(turns: list[Turn]) -> list[dict[str, Any]]:
    return [
        {
            "shopper": t.text,
            "bot": t.texts,
            "buttons": [b.get("title") for r in t.replies for b in r.get("buttons") or []],
            "cards": [c.get("id") for c in t.cards or []],
            "seconds": round(t.seconds, 2),
        }
        for t in turns
    ]


# ---------- report


def rate(results: list[Result]) -> str:
    ran = [r for r in results if not r.skipped]
    if not ran:
        return "–"
    ok = sum(r.ok for r in ran)
    return f"{100 * ok / len(ran):.0f}% ({ok}/{len(ran)})"


def table(results: list[Result], split: str) -> str:
    rows = [r for r in results if r.scenario.split == split]
    if not rows:
        return ""
    langs = sorted({r.scenario.lang for r in rows})
    families = sorted({r.scenario.family for r in rows})
    head = f"| {split} | " + " | ".join(langs) + " | all |"
    lines = [head, "|" + "---|" * (len(langs) + 2)]
    for family in families:
        of_family = [r for r in rows if r.scenario.family == family]
        cells = [rate([r for r in of_family if r.scenario.lang == lang]) for lang in langs]
        lines.append(f"| {family} | " + " | ".join(cells) + f" | {rate(of_family)} |")
    totals = [rate([r for r in rows if r.scenario.lang == lang]) for lang in langs]
    lines.append("| **all** | " + " | ".join(totals) + f" | **{rate(rows)}** |")
    return "\n".join(lines)


def failure_patterns(results: list[Result]) -> dict[str, int]:
    counts: dict[str, int] = defaultdict(int)
    for r in results:
        for miss in r.misses:
            counts[f"{r.scenario.family}: {miss.check}"] += 1
    return dict(sorted(counts.items(), key=lambda kv: -kv[1]))


def write_failures(path: Path, results: list[Result], meta: dict[str, Any]) -> None:
    failures = [
        {
            "scenario": r.scenario.id,
            "family": r.scenario.family,
            "lang": r.scenario.lang,
            "split": r.scenario.split,
            "error": r.error,
            "skipped": r.skipped,
            "misses": [asdict(m) for m in r.misses],
            "upset_sentiment": r.upset,
            "transcript": r.transcript,
        }
        for r in results
        if not r.ok
    ]
    summary = {
        split: {
            "overall": rate([r for r in results if r.scenario.split == split]),
            "by_family": {
                f: rate([r for r in results if r.scenario.split == split and r.scenario.family == f])
                for f in sorted({r.scenario.family for r in results})
            },
            "by_lang": {
                lang: rate([r for r in results if r.scenario.split == split and r.scenario.lang == lang])
                for lang in sorted({r.scenario.lang for r in results})
            },
        }
        for split in SPLITS
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    body = {**meta, "summary": summary, "patterns": failure_patterns(results), "failures": failures}
    path.write_text(json.dumps(body, ensure_ascii=False, indent=1, default=str), encoding="utf-8")


def write_stories(path: Path, results: list[Result]) -> None:
    """Each conversation as a test story named after its scenario; passing ones first, failing ones after a
    marker (what the assistant did, not what it should do: fix the bot, then re-record them)."""
    out = ['version: "3.1"', "stories:"]
    for passing in (True, False):
        out.append(f"# ---------- {'passing' if passing else 'FAILING (recorded behaviour, not the expected one)'}")
        for r in results:
            if r.ok != passing or not r.story:
                continue
            doc = yaml.safe_load(r.story) or {}
            for story in doc.get("stories") or []:
                story["story"] = f"{r.scenario.id}: {r.scenario.family} ({r.scenario.lang})"
                body = yaml.safe_dump([story], allow_unicode=True, sort_keys=False, width=120)
                out.append("\n".join("  " + line if line else line for line in body.splitlines()))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(out) + "\n", encoding="utf-8")


# ---------- main


def shop_paths() -> tuple[Path, Path]:
    """The shop's content and rule tables: the shop profile's folders when the checkout has them."""
    profile = Path(os.environ.get("BORDERLESS_SHOP") or REPO_ROOT / "shops" / "lumen-goods")
    if not profile.is_absolute():
        profile = REPO_ROOT / profile
    if (profile / "content").is_dir() and (profile / "rules").is_dir():
        return profile / "content", profile / "rules"
    rules = Path(os.environ.get("ORDERS_RULES_DIR") or REPO_ROOT / "backends" / "orders" / "rules")
    return REPO_ROOT / "knowledge" / "content", rules


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--split", choices=(*SPLITS, "all"), default="all")
    parser.add_argument("--lang", help="comma-separated language codes")
    parser.add_argument("--family", help="comma-separated task families")
    parser.add_argument("--id", help="regular expression on scenario ids")
    parser.add_argument("--limit", type=int, default=0)
    parser.add_argument("--smoke", action="store_true", help=f"only {', '.join(SMOKE_IDS)}")
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--out", type=Path, default=REPO_ROOT / "results" / "conversations.json")
    parser.add_argument("--list", action="store_true", help="list the selected scenarios and exit")
    parser.add_argument("--keep", action="store_true", help="keep the work folder (logs)")
    parser.add_argument(
        "--stories",
        type=Path,
        help="also write each heldout conversation as a Rasa test story to this file (passing ones first)",
    )
    args = parser.parse_args(argv)

    from benchmarks import load_stack

    scenarios = select(load_scenarios(), args)
    if args.list:
        for s in scenarios:
            print(f"{s.id:28} {s.split:8} {s.family:18} {s.lang}  {' | '.join(str(t['say']) for t in s.turns)}")
        print(f"{len(scenarios)} scenarios")
        return 0
    lexicon = yaml.safe_load((DATA / "lexicon.yaml").read_text(encoding="utf-8"))
    command = "benchmarks/conversations.py " + " ".join(shlex.quote(a) for a in (argv or sys.argv[1:]))
    print(f"command: .venv/bin/python {command}")
    print(f"machine: {platform.node()}, {os.cpu_count()} CPUs, {platform.platform()}")
    print(f"{len(scenarios)} scenarios, {args.concurrency} at a time")
    work = Path(tempfile.mkdtemp(prefix="conversations-"))
    started = time.monotonic()
    with load_stack.full_stack(work, settings=STACK_SETTINGS, console=True) as stack:
        content_dir, rules_dir = shop_paths()
        shop = Shop.load(work / "var" / "demo_shop", content_dir, rules_dir, stack.urls["orders"])
        run = Run(stack.urls, stack.env, shop, lexicon, stories=args.stories is not None)
        print(f"stack up in {time.monotonic() - started:.0f} s; running ...")
        # Orders are handed out in scenario order before anything runs, so each run picks the same ones.
        prepared = [run.prepare(s, i) for i, s in enumerate(scenarios)]
        results: list[Result] = []
        with ThreadPoolExecutor(max_workers=max(1, args.concurrency)) as executor:
            futures = {executor.submit(run.run, s, i, prepared[i]): s for i, s in enumerate(scenarios)}
            for done_count, future in enumerate(as_completed(futures), start=1):
                result = future.result()
                results.append(result)
                mark = "ok " if result.ok else ("ERR" if result.error else ("SKIP" if result.skipped else "no "))
                first = result.misses[0] if result.misses else None
                why = result.error or result.skipped or (f"{first.check}@{first.turn}" if first else "")
                print(f"[{done_count:3}/{len(scenarios)}] {mark} {result.scenario.id:26} {why}", flush=True)
    results.sort(key=lambda r: r.scenario.id)
    print()
    for split in SPLITS:
        text = table(results, split)
        if text:
            print(text)
            print()
    errors = [r for r in results if r.error]
    skipped = [r for r in results if r.skipped]
    print(f"errors (transport): {len(errors)}; skipped (nothing in the shop fits): {len(skipped)}")
    upset = [r.upset for r in results if r.upset is not None]
    if upset:
        negative = sum(1 for u in upset if u.get("label") == "negative")
        print(f"upset messages the NLU scored negative: {negative}/{len(upset)}")
    print("failures by family and check:")
    for key, count in list(failure_patterns(results).items())[:25]:
        print(f"  {count:4}  {key}")
    meta = {
        "command": command,
        "machine": f"{platform.node()}, {os.cpu_count()} CPUs",
        "seconds": round(time.monotonic() - started, 1),
    }
    write_failures(args.out, results, meta)
    if args.stories is not None:
        write_stories(args.stories, [r for r in results if r.scenario.split == "heldout"])
        print(f"heldout conversations as test stories: {args.stories}")
    print(f"failures written to {args.out}")
    if not args.keep:
        import shutil

        shutil.rmtree(work, ignore_errors=True)
    else:
        print(f"work folder kept: {work}")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
