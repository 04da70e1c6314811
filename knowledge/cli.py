"""Admin CLI: `python -m knowledge {import,reindex,calibrate,search,versions,rollback,bootstrap,serve}`.

import, reindex and bootstrap calibrate the "not sure" thresholds on the new version's own articles afterwards
(knowledge/calibration.py; KNOWLEDGE_AUTO_CALIBRATE=0 turns that off) and print what was chosen.

Every command that changes what is served also announces the new version on Redis when REDIS_URL is
set; running services on this host notice the CURRENT file change anyway.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from tqdm import tqdm

from borderless.profile import current_shop
from knowledge.base import KnowledgeBase, VersionNotFound
from knowledge.calibration import models_translator, summary
from knowledge.documents import Document, DocumentError
from knowledge.ingest import HELP_CENTRE_FORMATS, load_content_dir, load_file, load_source, write_markdown
from knowledge.settings import KnowledgeSettings
from knowledge.sync import announce_sync
from retrieval.types import SearchFilters
from svc.endpoints import default_url


def _default_products() -> Path:
    return current_shop().data_dir / "products.jsonl"


def _collect(paths: Sequence[str], doc_type: str | None, fmt: str | None = None) -> list[Document]:
    docs: list[Document] = []
    skipped = 0
    for raw in tqdm(paths, desc="reading", unit="path", disable=len(paths) < 2):
        path = Path(raw)
        if not path.exists():
            raise DocumentError(f"{path}: no such file or folder")
        if fmt:
            found, left_out = load_source(fmt, path)
            docs.extend(found)
            skipped += left_out
            continue
        docs.extend(
            load_content_dir(path, source=f"dir:{path.name}") if path.is_dir() else load_file(path, doc_type=doc_type)
        )
    if skipped:
        print(f"skipped {skipped} drafts or unpublished articles")
    ids = [d.id for d in docs]
    dupes = sorted({i for i in ids if ids.count(i) > 1}) if len(ids) != len(set(ids)) else []
    if dupes:
        raise DocumentError(f"the same id appears twice: {', '.join(dupes[:10])}")
    return docs


def calibrate_after_build(kb: KnowledgeBase) -> None:
    """Fits and prints the thresholds of the version just built, when auto-calibration is on."""
    if kb.settings.auto_calibrate:
        print(summary(kb.calibrate(models_translator(default_url("models")))))


def cmd_calibrate(kb: KnowledgeBase, args: argparse.Namespace) -> int:
    if kb.ensure_loaded() is None:
        print("no index yet: run `python -m knowledge bootstrap`", file=sys.stderr)
        return 1
    translate = None if args.no_translate else models_translator(default_url("models"))
    result = kb.calibrate(translate)
    print(json.dumps(result, indent=1) if args.json else summary(result))
    return 0


HELP_CENTRE_DIR = "help_centre"  # in a shop's data folder: imported help-centre content as Markdown


def cmd_import(kb: KnowledgeBase | None, args: argparse.Namespace) -> int:
    docs = _collect(args.paths, args.type, args.format)
    if args.out:
        # The shop's data folder, read by `bootstrap` (no knowledge base needed for this).
        written = write_markdown(docs, Path(args.out) / HELP_CENTRE_DIR)
        print(f"wrote {written} documents to {Path(args.out) / HELP_CENTRE_DIR}")
        return 0
    assert kb is not None
    changed = kb.store.upsert(docs)
    print(f"read {len(docs)} documents, {changed} new or changed")
    if changed and not args.no_reindex:
        version = kb.reindex(f"import {' '.join(args.paths)}", progress=True)
        announce_sync(kb.settings.redis_url, kb.settings.redis_channel, version)
        print(f"serving version {version}")
        calibrate_after_build(kb)
    return 0


def cmd_reindex(kb: KnowledgeBase, args: argparse.Namespace) -> int:
    before = kb.snapshots.current_version()
    version = kb.reindex("reindex via CLI", force=not args.if_changed, progress=True)
    announce_sync(kb.settings.redis_url, kb.settings.redis_channel, version)
    print(f"serving version {version}")
    if version != before or kb.calibration is None:
        calibrate_after_build(kb)
    return 0


def _sync_help_centre(kb: KnowledgeBase, seen: set[str]) -> int:
    """The shop profile's `data:` entries of kind help_centre (Zendesk, Intercom, HTML, FAQ CSV, Markdown), read
    from the shop's files on every bootstrap, so the served articles are never an older conversion."""
    shop = current_shop()
    docs: list[Document] = []
    for entry in shop.data:
        if entry.kind != "help_centre" or entry.path.resolve() == shop.content_dir.resolve():
            continue  # the content folder is synced as `content` already
        found, skipped = load_source(entry.format, entry.path, source="help_centre")
        print(f"help_centre: {len(found)} documents from {entry.path} ({entry.format}; {skipped} drafts skipped)")
        docs.extend(found)
    clash = sorted(seen & {d.id for d in docs})
    if clash:
        raise DocumentError(
            f"help_centre: these ids are also in the shop's content or catalog: {', '.join(clash[:10])}"
        )
    return kb.store.sync_source("help_centre", docs)


def cmd_bootstrap(kb: KnowledgeBase, args: argparse.Namespace) -> int:
    """Idempotent: syncs the content folder and the product catalog, builds only when something changed."""
    sources: tuple[tuple[str, Path, Callable[[Path], list[Document]], str, str], ...] = (
        (
            "content",
            Path(args.content) if args.content else current_shop().content_dir,
            lambda path: load_content_dir(path, source="content"),
            "documents",
            "",
        ),
        (
            "catalog",
            Path(args.products),
            lambda path: load_file(path, source="catalog"),
            "products",
            " (generate it with python -m backends.demo_shop.generate)",
        ),
    )
    changed = 0
    seen: set[str] = set()
    for source, path, load, noun, hint in sources:
        if not path.exists():
            print(f"{source}: {path} not found, skipped{hint}")
            continue
        docs = load(path)
        seen.update(d.id for d in docs)
        changed += kb.store.sync_source(source, docs)
        print(f"{source}: {len(docs)} {noun} from {path}")
    changed += _sync_help_centre(kb, seen)
    current = kb.snapshots.current_version()
    stale = (
        current is None
        or not kb.store.live_matches_version(current)
        or kb.snapshot_embedder(current) != kb.embedder.name
    )
    if stale and kb.store.count():
        version = kb.reindex("bootstrap", progress=True)
        announce_sync(kb.settings.redis_url, kb.settings.redis_channel, version)
        print(f"{changed} documents changed; serving version {version}")
        calibrate_after_build(kb)
    elif current is not None and kb.snapshots.current_version() is not None:
        kb.snapshots.cleanup()
        print(f"up to date: version {current}")
    else:
        print("knowledge base is empty; nothing to index")
    return 0


def cmd_search(kb: KnowledgeBase, args: argparse.Namespace) -> int:
    if kb.ensure_loaded() is None:
        print("no index yet: run `python -m knowledge bootstrap`", file=sys.stderr)
        return 1
    filters = SearchFilters(
        type=tuple(args.type) if args.type else None, ships_to=args.ships_to, in_stock=True if args.in_stock else None
    )
    result = kb.search(" ".join(args.query), top_k=args.top_k, filters=filters, language=args.language, mode=args.mode)
    if args.json:
        print(
            json.dumps(
                {"version": result.version, "confident": result.confident, "results": result.results},
                indent=1,
                ensure_ascii=False,
            )
        )
        return 0
    print(f"version {result.version}, confident={result.confident}")
    for n, r in enumerate(result.results, start=1):
        meta = r["metadata"]
        print(f"{n}. [{r['type']}] {r['chunk_id']}  score={r['score']:.4f} cos={meta['dense_score']:.3f}")
        print(f"   {r['title']}{' — ' + meta['section'] if meta.get('section') else ''}")
        print("   " + r["text"][:200].replace("\n", " "))
    return 0


def cmd_versions(kb: KnowledgeBase, args: argparse.Namespace) -> int:
    current = kb.snapshots.current_version()
    for v in kb.store.versions():
        mark = "*" if v["version"] == current else " "
        print(
            f"{mark} v{v['version']:<5} {v['status']:<9} docs={v['documents']:<6} chunks={v['chunks']:<6} "
            f"{v['embedder']:<8} {v['note']}"
        )
    return 0


def cmd_rollback(kb: KnowledgeBase, args: argparse.Namespace) -> int:
    version = kb.rollback(args.version, progress=True)
    announce_sync(kb.settings.redis_url, kb.settings.redis_channel, version)
    print(f"serving version {version}")
    return 0


def cmd_serve(kb: KnowledgeBase | None, args: argparse.Namespace) -> int:
    from dataclasses import replace

    from knowledge.service import create_app
    from svc.app import run

    settings = KnowledgeSettings.from_env()
    settings = replace(settings, host=args.host or settings.host, port=args.port or settings.port)
    run(lambda: create_app(settings), settings.host, settings.port)
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m knowledge", description="Borderless knowledge base admin")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("import", help="import Markdown / JSONL / CSV / text files or folders, then reindex")
    p.add_argument("paths", nargs="+")
    p.add_argument("--type", choices=["policy", "faq"], help="document type for Markdown files")
    p.add_argument("--format", choices=HELP_CENTRE_FORMATS, help="help-centre export format (knowledge/help_centre.py)")
    p.add_argument("--out", help="write the documents as Markdown into this shop data folder, not the knowledge base")
    p.add_argument("--no-reindex", action="store_true")
    p.set_defaults(func=cmd_import)
    p = sub.add_parser("reindex", help="build and serve a new version")
    p.add_argument("--if-changed", action="store_true", help="skip when nothing changed since the served version")
    p.set_defaults(func=cmd_reindex)
    p = sub.add_parser("calibrate", help="fit the 'not sure' thresholds on questions generated from the articles")
    p.add_argument("--no-translate", action="store_true", help="do not ask the models service for translations")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_calibrate)
    p = sub.add_parser("search", help="search the served version")
    p.add_argument("query", nargs="+")
    p.add_argument("--top-k", type=int, default=5)
    p.add_argument("--type", action="append")
    p.add_argument("--ships-to")
    p.add_argument("--in-stock", action="store_true")
    p.add_argument("--language")
    p.add_argument("--mode", choices=["hybrid", "dense", "lexical"], default="hybrid")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_search)
    p = sub.add_parser("versions", help="list versions (* = served)")
    p.set_defaults(func=cmd_versions)
    p = sub.add_parser("rollback", help="serve an earlier version again")
    p.add_argument("version", type=int)
    p.set_defaults(func=cmd_rollback)
    p = sub.add_parser("bootstrap", help="import content + demo catalog when changed; build the index if missing")
    p.add_argument("--content", default=None, help="content folder (default: the shop's content/)")
    p.add_argument("--products", default=str(_default_products()))
    p.set_defaults(func=cmd_bootstrap)
    p = sub.add_parser("serve", help="run the knowledge HTTP service")
    p.add_argument("--host")
    p.add_argument("--port", type=int)
    p.set_defaults(func=cmd_serve)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    if args.command == "serve":
        return cmd_serve(None, args)
    if args.command == "import" and args.out:
        try:
            return cmd_import(None, args)
        except DocumentError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
    try:
        kb = KnowledgeBase(KnowledgeSettings.from_env())
    except Exception as exc:  # noqa: BLE001 - configuration problems are reported in one line
        print(f"error: cannot open the knowledge base: {exc}", file=sys.stderr)
        return 2
    try:
        return int(args.func(kb, args))
    except DocumentError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except VersionNotFound as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    finally:
        kb.close()
