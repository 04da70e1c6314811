"""Command line of the orders service.

python -m backends.orders serve                 run the HTTP API (ORDERS_PORT, default 8101)
python -m backends.orders import --from DIR     load customers/products/orders files (upsert)
python -m backends.orders import --format NAME FILE…   load a platform export (shopify_orders_csv, …; `formats`)
python -m backends.orders prepare [--force]     the shop profile's data: list → the shop's normalised folder
python -m backends.orders bootstrap             import the shop's data (demo shop: generated) if the database is empty
python -m backends.orders token CUSTOMER_ID     mint a signed customer token for the widget
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import subprocess
import sys
from datetime import datetime
from pathlib import Path

from backends.orders import tokens
from backends.orders.db import count_orders, create_schema, make_engine
from backends.orders.importer import ImportError_, NumberNormaliser, import_directory
from backends.orders.imports import run as import_run
from backends.orders.imports.formats import FORMATS
from backends.orders.imports.records import ImportContext
from backends.orders.settings import Settings
from svc.app import configure_logging
from svc.settings import REPO_ROOT, SettingsError

log = logging.getLogger("backends.orders")


def _number_normaliser() -> NumberNormaliser:
    """The served shop's order-number formats (shop.yml `order_numbers`)."""
    from borderless.profile import current_shop

    return current_shop().order_numbers.normalize


def _context(settings: Settings) -> ImportContext:
    from borderless.profile import current_shop
    from borderless.rules import load_rules

    shop = current_shop()
    # The moment deliveries are judged at: ORDERS_NOW, else the clock an example shop's data is written against.
    now = settings.fixed_now or (datetime.fromisoformat(shop.data_clock) if shop.data_clock else settings.now())
    # Platforms do not say where a product ships nor when a parcel arrived: the shop's shipping zones do.
    rules = load_rules(settings.rules_dir)
    return import_run.shop_context(_number_normaliser(), rules, now, shop.order_numbers.examples, shop.currencies.base)


def _data_clock() -> str:
    from borderless.profile import current_shop

    return current_shop().data_clock


async def _import(settings: Settings, directory: Path) -> str:
    engine = make_engine(settings.database_url, settings.db_schema)
    try:
        from borderless.profile import current_shop

        base = current_shop().currencies.base
        report = await import_directory(engine, directory, _number_normaliser(), settings.db_schema, base)
    finally:
        await engine.dispose()
    return report.line()


async def _import_files(settings: Settings, fmt: str, files: list[Path], data_dir: Path | None) -> str:
    engine = make_engine(settings.database_url, settings.db_schema)
    try:
        sources = [(fmt, f) for f in files]
        report = await import_run.import_files(
            engine, sources, _context(settings), data_dir, settings.db_schema, _data_clock()
        )
    finally:
        await engine.dispose()
    return report.line()


def _is_demo() -> bool:
    """The demo shop's folder is generated (backends/demo_shop), never merged into."""
    from borderless.profile import current_shop

    return current_shop().demo


def _shop_sources() -> list[import_run.Source]:
    """The shop profile's `data:` entries this service reads (catalog and orders)."""
    from borderless.profile import current_shop

    return [(d.format, d.path) for d in current_shop().data if d.kind in ("catalog", "orders")]


def prepare(settings: Settings, force: bool = False) -> bool:
    """The shop's exports → its normalised folder (settings.demo_dir); False when already up to date."""
    sources = _shop_sources()
    if not sources:
        return False
    done = import_run.prepare(sources, _context(settings), settings.demo_dir, force, _data_clock())
    log.info("%s %s", "wrote" if done else "up to date:", settings.demo_dir)
    return done


async def _orders_in_db(settings: Settings) -> int:
    engine = make_engine(settings.database_url, settings.db_schema)
    try:
        await create_schema(engine, settings.db_schema)
        return await count_orders(engine)
    finally:
        await engine.dispose()


def bootstrap(settings: Settings) -> int:
    try:
        changed = prepare(settings)
    except ImportError_ as exc:
        print(f"import failed, nothing written: {exc}", file=sys.stderr)
        return 2
    existing = asyncio.run(_orders_in_db(settings))
    if existing and not changed:
        log.info("orders database already holds %d orders; nothing to do", existing)
        return 0
    directory = settings.demo_dir
    if not (directory / "orders.jsonl").exists() and not _shop_sources():
        if settings.orders_backend.kind != "builtin":
            # The shop's orders live on its platform (adapters/) and it lists no data to import: the demo
            # shop's generated orders must not stand in for them.
            log.info("orders come from %s and the shop lists no data; nothing to import", settings.orders_backend.kind)
            return 0
        log.info("no demo data in %s; generating it", directory)
        # A subprocess, so the orders package does not depend on the generator's Python API.
        subprocess.run([sys.executable, "-m", "backends.demo_shop.generate"], cwd=REPO_ROOT, check=True)
    log.info("importing shop data from %s: %s", directory, asyncio.run(_import(settings, directory)))
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m backends.orders", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("serve", help="run the HTTP API")
    imp = sub.add_parser("import", help="load shop data files (platform exports or the project's own); README.md")
    how = imp.add_mutually_exclusive_group(required=True)
    how.add_argument("--from", dest="directory", type=Path, help="a folder in the project's own layout")
    how.add_argument("--format", choices=sorted(FORMATS), help="the format of FILE…")
    imp.add_argument("files", nargs="*", type=Path, metavar="FILE")
    imp.add_argument(
        "--no-shop-data", action="store_true", help="only the order store, not the shop's normalised folder"
    )
    imp.add_argument("--out", type=Path, help="with --format: merge into this shop folder only, not the order store")
    sub.add_parser("formats", help="list the import formats")
    prep = sub.add_parser("prepare", help="the shop profile's data: exports → the shop's normalised folder")
    prep.add_argument("--force", action="store_true", help="rebuild even when the sources did not change")
    sub.add_parser("bootstrap", help="import the shop's data if the database has no orders")
    tok = sub.add_parser("token", help="mint a signed customer token")
    tok.add_argument("customer_id")
    tok.add_argument("--ttl", type=int, default=None, help="seconds until expiry (default ORDERS_TOKEN_TTL_S)")
    args = parser.parse_args(argv)

    configure_logging()
    try:
        settings = Settings.from_env()
    except SettingsError as exc:
        # A refused setting (e.g. a short or empty token secret) stops every command with its reason.
        print(f"configuration error: {exc}", file=sys.stderr)
        return 2
    if args.command == "serve":
        from backends.orders.api import create_app
        from svc.app import run

        run(lambda: create_app(settings), settings.host, settings.port)
        return 0
    if args.command == "formats":
        for name, fmt in FORMATS.items():
            print(f"{name:26} {fmt.kind:8} {fmt.description}")
        return 0
    if args.command == "prepare":
        try:
            prepare(settings, args.force)
        except ImportError_ as exc:
            print(f"import failed, nothing written: {exc}", file=sys.stderr)
            return 2
        return 0
    if args.command == "import":
        if args.format and not args.files:
            parser.error("import --format NAME needs at least one FILE")
        if args.directory and (args.files or args.out):
            parser.error("import --from DIR takes no FILE arguments and no --out")
        try:
            if args.out:
                sources = [(args.format, f) for f in args.files]
                manifest = import_run.import_to_folder(sources, _context(settings), args.out, _data_clock())
                print(f"{args.out}: " + ", ".join(f"{n} {kind}" for kind, n in manifest["counts"].items()))
            elif args.directory:
                print(asyncio.run(_import(settings, args.directory)))
            else:
                data_dir = None if args.no_shop_data or _is_demo() else settings.demo_dir
                print(asyncio.run(_import_files(settings, args.format, args.files, data_dir)))
        except ImportError_ as exc:
            print(f"import failed, nothing written: {exc}", file=sys.stderr)
            return 2
        return 0
    if args.command == "bootstrap":
        return bootstrap(settings)
    if args.command == "token":
        print(tokens.mint(settings.token_secret, args.customer_id, args.ttl or settings.token_ttl_s))
        return 0
    return 1


if __name__ == "__main__":
    sys.exit(main())
