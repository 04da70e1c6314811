"""Command line of the orders service.

python -m backends.orders serve                 run the HTTP API (ORDERS_PORT, default 8101)
python -m backends.orders import --from DIR     load customers/products/orders files (upsert)
python -m backends.orders bootstrap             import the demo shop if the database is empty
python -m backends.orders token CUSTOMER_ID     mint a signed customer token for the widget
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import subprocess
import sys
from pathlib import Path

from backends.orders import tokens
from backends.orders.db import count_orders, create_schema, make_engine
from backends.orders.importer import ImportError_, import_directory
from backends.orders.settings import Settings
from svc.app import configure_logging
from svc.settings import REPO_ROOT, SettingsError

log = logging.getLogger("backends.orders")


async def _import(settings: Settings, directory: Path) -> str:
    engine = make_engine(settings.database_url, settings.db_schema)
    try:
        report = await import_directory(engine, directory, settings.db_schema)
    finally:
        await engine.dispose()
    return report.line()


async def _orders_in_db(settings: Settings) -> int:
    engine = make_engine(settings.database_url, settings.db_schema)
    try:
        await create_schema(engine, settings.db_schema)
        return await count_orders(engine)
    finally:
        await engine.dispose()


def bootstrap(settings: Settings) -> int:
    if settings.orders_backend.kind != "builtin":
        # The shop's orders live on its platform (adapters/): there is nothing to import here.
        log.info("orders come from %s; nothing to bootstrap", settings.orders_backend.kind)
        return 0
    existing = asyncio.run(_orders_in_db(settings))
    if existing:
        log.info("orders database already holds %d orders; nothing to do", existing)
        return 0
    directory = settings.demo_dir
    if not (directory / "orders.jsonl").exists():
        log.info("no demo data in %s; generating it", directory)
        # A subprocess, so the orders package does not depend on the generator's Python API.
        subprocess.run([sys.executable, "-m", "backends.demo_shop.generate"], cwd=REPO_ROOT, check=True)
    log.info("importing demo shop from %s: %s", directory, asyncio.run(_import(settings, directory)))
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m backends.orders", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("serve", help="run the HTTP API")
    imp = sub.add_parser("import", help="load shop data files (JSON Lines, JSON or CSV); see README.md")
    imp.add_argument("--from", dest="directory", type=Path, required=True)
    sub.add_parser("bootstrap", help="import the demo shop if the database has no orders")
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
    if args.command == "import":
        try:
            print(asyncio.run(_import(settings, args.directory)))
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
