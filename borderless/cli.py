"""`python -m borderless shop …`: scaffold, check and prepare a shop.

  shop init DIR [--name …]        a new shop directory that passes `check`, with TODOs to fill in
  shop check [DIR]                every problem in the profile, rule tables and content: file, line, field
  shop nlu [DIR] [--out …]        the shop's generated Rasa training data (borderless/nlu.py)
  shop data [DIR] [--force]       the shop's catalog/customers/orders: generated (demo) or imported
  shop path {root,data,nlu,id} [DIR]  a directory of the shop, for the Makefile

DIR defaults to the served shop (BORDERLESS_SHOP, else shops/lumen-goods). Exit status 1 when a shop has
problems, 2 on bad usage.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

from borderless.profile import Problem, ProfileError, Shop, load_shop, shop_dir
from borderless.rules import RulesError, load_rules


def check_shop(root: Path) -> tuple[Shop | None, list[Problem]]:
    """The shop (when its profile loads) and every problem found in it."""
    try:
        shop = load_shop(root)
    except ProfileError as exc:
        return None, exc.problems
    problems: list[Problem] = []
    try:
        rules = load_rules(shop.rules_dir)
    except RulesError as exc:
        problems.append(Problem(str(shop.rules_dir), None, "", str(exc)))
        rules = None
    profile = str(shop.root / "shop.yml")
    if rules is not None:
        if rules.base_currency != shop.currencies.base:
            problems.append(
                Problem(
                    profile,
                    None,
                    "currencies.base",
                    f"{shop.currencies.base} but rules/currencies.yaml base is {rules.base_currency}",
                )
            )
        for code in shop.currencies.display:
            if code not in rules.rates:
                problems.append(
                    Problem(profile, None, "currencies.display", f"{code} has no rate in rules/currencies.yaml")
                )
    problems.extend(_content_problems(shop))
    return shop, problems


def _content_problems(shop: Shop) -> list[Problem]:
    """Each policy/FAQ file must parse as a knowledge document (front matter, title, body)."""
    try:
        from knowledge.documents import DocumentError
        from knowledge.ingest import load_file
    except ImportError:  # the Rasa venv has no knowledge package; the app venv checks content
        return []
    problems = []
    files = [
        p
        for p in sorted(shop.content_dir.rglob("*"))
        if p.suffix.lower() in (".md", ".txt") and p.name.lower() != "readme.md"
    ]
    if not files:
        problems.append(Problem(str(shop.content_dir), None, "", "no policy or FAQ articles (.md) here"))
    for path in files:
        doc_type = "faq" if "faq" in path.relative_to(shop.content_dir).parts[:-1] else None
        try:
            load_file(path, doc_type=doc_type)
        except DocumentError as exc:
            problems.append(Problem(str(path), 1, "", str(exc)))
    return problems


def _cmd_init(args: argparse.Namespace) -> int:
    from borderless.scaffold import ScaffoldError, init_shop

    try:
        written = init_shop(
            Path(args.dir),
            args.name or Path(args.dir).name,
            country=args.country,
            currency=args.currency,
            language=args.language,
            website=args.website or "",
        )
    except ScaffoldError as exc:
        print(f"shop init: {exc}", file=sys.stderr)
        return 2
    for path in written:
        print(f"wrote {path}")
    print(f"\nNext: fill in the TODOs, then `python -m borderless shop check {args.dir}`")
    return 0


def _cmd_check(args: argparse.Namespace) -> int:
    root = shop_dir(args.dir)
    shop, problems = check_shop(root)
    for problem in problems:
        print(problem)
    if problems:
        print(f"\n{len(problems)} problem(s) in {root}", file=sys.stderr)
        return 1
    assert shop is not None
    print(f"{shop.name} ({shop.id}) at {shop.root}: OK")
    languages, proofs = ", ".join(shop.languages.supported), ", ".join(shop.proofs)
    print(f"  languages {languages}; currency {shop.currencies.base}; proofs {proofs}")
    print(f"  order numbers like {', '.join(shop.order_numbers.examples)}; orders from {shop.orders_backend.kind}")
    return 0


def _cmd_nlu(args: argparse.Namespace) -> int:
    from borderless.nlu import generate

    shop = load_shop(shop_dir(args.dir))
    out = Path(args.out) if args.out else shop.nlu_dir
    catalog = Path(args.catalog) if args.catalog else shop.data_dir / "products.jsonl"
    written = generate(shop, out, catalog)
    print(f"{len(written)} training data files for {shop.id} in {out}")
    return 0


def _cmd_data(args: argparse.Namespace) -> int:
    """The shop's catalog, customers and orders in the project's layout in its data folder: generated for the
    demo shop (once), prepared from the exports its profile lists otherwise (the orders service's `prepare`,
    which rebuilds the folder only when an export changed and writes nothing from a malformed one).
    Help-centre entries are read by the knowledge service's bootstrap straight from the shop's files."""
    shop = load_shop(shop_dir(args.dir))
    env = {**os.environ, "BORDERLESS_SHOP": str(shop.root)}
    if shop.demo:
        if (shop.data_dir / "manifest.json").exists() and not args.force:
            print(f"{shop.id}: data is in {shop.data_dir}")
            return 0
        cmd = [sys.executable, "-m", "backends.demo_shop.generate", "--out", str(shop.data_dir)]
        return subprocess.run(cmd, env=env, check=False).returncode
    if not any(source.kind in ("catalog", "orders") for source in shop.data):
        print(f"{shop.id}: no catalog or order exports listed in shop.yml (data:); nothing to prepare")
        return 0
    cmd = [sys.executable, "-m", "backends.orders", "prepare", *(["--force"] if args.force else [])]
    return subprocess.run(cmd, env=env, check=False).returncode


def _cmd_path(args: argparse.Namespace) -> int:
    shop = load_shop(shop_dir(args.dir))
    print({"root": shop.root, "data": shop.data_dir, "nlu": shop.nlu_dir, "id": shop.id}[args.what])
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m borderless", description=__doc__.split("\n\n")[0])
    top = parser.add_subparsers(dest="area", required=True)
    shop = top.add_parser("shop", help="scaffold, check and prepare a shop").add_subparsers(dest="cmd", required=True)
    p = shop.add_parser("init", help="scaffold a new shop directory")
    p.add_argument("dir")
    p.add_argument("--name", default="")
    p.add_argument("--country", default="US")
    p.add_argument("--currency", default="USD")
    p.add_argument("--language", default="en")
    p.add_argument("--website", default="")
    p.set_defaults(fn=_cmd_init)
    p = shop.add_parser("check", help="validate a shop directory")
    p.add_argument("dir", nargs="?")
    p.set_defaults(fn=_cmd_check)
    p = shop.add_parser("nlu", help="generate the shop's Rasa training data")
    p.add_argument("dir", nargs="?")
    p.add_argument("--out", default="")
    p.add_argument("--catalog", default="", help="products.jsonl (default: the shop's data folder)")
    p.set_defaults(fn=_cmd_nlu)
    p = shop.add_parser("data", help="generate (demo) or import the shop's catalog, customers and orders")
    p.add_argument("dir", nargs="?")
    p.add_argument("--force", action="store_true", help="import again even when the data folder has it")
    p.set_defaults(fn=_cmd_data)
    p = shop.add_parser("path", help="print a directory of the shop")
    p.add_argument("what", choices=("root", "data", "nlu", "id"))
    p.add_argument("dir", nargs="?")
    p.set_defaults(fn=_cmd_path)
    args = parser.parse_args(argv)
    try:
        return int(args.fn(args))
    except ProfileError as exc:
        print(exc, file=sys.stderr)
        return 1
