"""A Shopify shop's own exports, named in its shop profile, imported into PostgreSQL by the orders service's
bootstrap; the service then serves its `#1001`-numbered orders with the proof rules, and a malformed export
imported later changes nothing.

Runs in a schema of its own (ORDERS_DB_SCHEMA) of the shared `test` database (DATABASE_URL); skipped when
PostgreSQL is not reachable, except under CI=true, where that fails.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.integration.conftest import ORDERS_NOW, ORDERS_TOKEN_SECRET
from tests.support import POSTGRES_URL, REPO_ROOT, free_port, python_module, require_server, service_process

EXPORTS = REPO_ROOT / "tests" / "data" / "imports" / "shopify"


@dataclass
class ImportedShop:
    url: str
    env: dict[str, str]
    schema: str
    data_dir: Path
    bootstrap_output: str


def _shopify_shop(root: Path) -> Path:
    """A shop directory like the demo's (its content and rules) whose orders are numbered #1001 and whose
    catalog and orders are Shopify exports listed in `data:`."""
    shop = root / "shopify-shop"
    shutil.copytree(REPO_ROOT / "shops" / "lumen-goods", shop)
    (shop / "data").mkdir(exist_ok=True)
    shutil.copy(EXPORTS / "products.csv", shop / "data" / "products_export.csv")
    shutil.copy(EXPORTS / "orders.csv", shop / "data" / "orders_export.csv")
    profile = yaml.safe_load((shop / "shop.yml").read_text(encoding="utf-8"))
    profile.update(
        id="shopify-test-shop",
        order_numbers=[{"pattern": r"#?\s*(\d{4,7})", "canonical": "#{1}", "example": "#1001"}],
        demo=False,
        data=[
            {"kind": "catalog", "format": "shopify_products_csv", "path": "data/products_export.csv"},
            {"kind": "orders", "format": "shopify_orders_csv", "path": "data/orders_export.csv"},
        ],
    )
    profile.pop("data_dir", None)
    (shop / "shop.yml").write_text(yaml.safe_dump(profile, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return shop


def _post(base: str, path: str, body: Any) -> tuple[int, Any]:
    req = urllib.request.Request(
        base + path, data=json.dumps(body).encode(), method="POST", headers={"Content-Type": "application/json"}
    )
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            return resp.status, json.loads(resp.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def _cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        python_module("backends.orders", *args), cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=300
    )


def _count_orders(schema: str) -> int:
    import psycopg2

    conn = psycopg2.connect(POSTGRES_URL)
    try:
        with conn.cursor() as cur:
            cur.execute(f'SELECT count(*) FROM "{schema}".shop_orders')
            return int(cur.fetchone()[0])
    finally:
        conn.close()


@pytest.fixture(scope="module")
def imported(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ImportedShop]:
    require_server(POSTGRES_URL, "PostgreSQL")
    import psycopg2

    root = tmp_path_factory.mktemp("shopify_shop")
    shop = _shopify_shop(root)
    schema = f"import_test_{uuid.uuid4().hex[:10]}"
    port = free_port()
    env = {
        **os.environ,
        "BORDERLESS_SHOP": str(shop),
        "BORDERLESS_VAR": str(root / "var"),
        "DATABASE_URL": POSTGRES_URL,
        "ORDERS_DATABASE_URL": "",
        "ORDERS_DB_SCHEMA": schema,
        "ORDERS_PORT": str(port),
        "ORDERS_NOW": ORDERS_NOW,
        "ORDERS_TOKEN_SECRET": ORDERS_TOKEN_SECRET,
        "ORDERS_RATE_LIMIT_ATTEMPTS": "1000",
    }
    env.pop("ORDERS_DEMO_DIR", None)
    try:
        boot = _cli(env, "bootstrap")
        assert boot.returncode == 0, boot.stderr[-3000:]
        url = f"http://127.0.0.1:{port}"
        with service_process(
            python_module("backends.orders", "serve"), f"{url}/health", env=env, log_path=root / "serve.log"
        ):
            data_dir = root / "var" / "shops" / "shopify-test-shop"
            yield ImportedShop(url, env, schema, data_dir, boot.stdout + boot.stderr)
    finally:
        conn = psycopg2.connect(POSTGRES_URL)
        conn.autocommit = True
        with conn.cursor() as cur:
            cur.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
        conn.close()


def test_shopify_numbered_order_is_served_with_proof(imported: ImportedShop) -> None:
    proof = {"order_number": "#1001", "email": "maria.lopez@example.com"}
    status, body = _post(imported.url, "/v1/orders/lookup", proof)
    assert status == 200, body
    order = body["order"]
    assert order["number"] == "#1001" and order["status"] == "shipped" and order["currency"] == "USD"
    assert [(i["product_id"], i["quantity"]) for i in order["items"]] == [("trail-runner-tee", 2), ("stoneware-mug", 1)]
    assert order["can_cancel"] is False and order["shipments"][0]["shipped_at"].startswith("2026-03-02")
    # What a shopper types is normalised with the shop's formats; the postcode proves ownership too.
    assert _post(imported.url, "/v1/orders/lookup", {"order_number": "1001", "postcode": "78701"})[0] == 200
    paid = _post(imported.url, "/v1/orders/lookup", {"order_number": "# 1002", "email": "SAM.CHEN@example.org"})
    assert paid[0] == 200 and paid[1]["order"]["can_cancel"] is True


def test_wrong_proof_and_unknown_number_look_the_same(imported: ImportedShop) -> None:
    wrong = _post(imported.url, "/v1/orders/lookup", {"order_number": "#1001", "email": "sam.chen@example.org"})
    unknown = _post(imported.url, "/v1/orders/lookup", {"order_number": "#9999", "email": "sam.chen@example.org"})
    assert wrong == unknown and wrong[0] == 404


def test_catalog_and_orders_reach_the_shops_folder(imported: ImportedShop) -> None:
    manifest = json.loads((imported.data_dir / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["counts"] == {"customers": 3, "products": 2, "orders": 4, "interactions": 4}
    products = [json.loads(line) for line in (imported.data_dir / "products.jsonl").read_text().splitlines()]
    assert {p["id"] for p in products} == {"trail-runner-tee", "stoneware-mug"}
    # Nothing changed: a second bootstrap leaves the folder and the store alone.
    again = _cli(imported.env, "bootstrap")
    assert again.returncode == 0 and "nothing to do" in again.stdout + again.stderr


def test_malformed_export_changes_nothing(imported: ImportedShop) -> None:
    before = _count_orders(imported.schema)
    bad = EXPORTS / "orders_bad_quantity.csv"
    done = _cli(imported.env, "import", "--format", "shopify_orders_csv", str(bad))
    assert done.returncode == 2
    assert "orders_bad_quantity.csv row 6, field 'Lineitem quantity': not a whole number: 'two'" in done.stderr
    assert _count_orders(imported.schema) == before == 4
    good = _cli(imported.env, "import", "--format", "shopify_orders_csv", str(EXPORTS / "orders.csv"))
    assert good.returncode == 0 and "orders: 0 new, 4 updated" in good.stdout
