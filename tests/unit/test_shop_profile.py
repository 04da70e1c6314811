"""The shop profile: loading, order-number formats, problems located by file/line/field, scaffolding, NLU data."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from borderless.cli import check_shop, main
from borderless.nlu import generate, order_number_variants, render_template
from borderless.order_numbers import OrderNumberFormat, OrderNumberFormatError, OrderNumbers
from borderless.profile import ProfileError, iter_shops, load_shop
from borderless.rules import load_rules
from borderless.scaffold import ScaffoldError, init_shop

SHOPIFY = OrderNumbers.from_config([{"pattern": r"#\s*(\d{4,6})", "canonical": "#{1}", "example": "#1001"}])
MIXED = OrderNumbers.from_config(
    [
        {"pattern": r"W\s*-?\s*(\d{7})", "canonical": "W{1}", "example": "W2611340"},
        {"pattern": r"BL[\s\-_#]*(\d{6})", "canonical": "BL-{1}", "example": "BL-100245"},
    ]
)


@pytest.mark.parametrize(
    "raw,expected",
    [("#1001", "#1001"), ("# 1001", "#1001"), (" #100245 ", "#100245"), ("#123", None), ("#1234567", None),
     ("1001; DROP TABLE", None), ("", None)],
)  # fmt: skip
def test_a_format_normalises_noise_and_never_widens(raw: str, expected: str | None) -> None:
    assert SHOPIFY.normalize(raw) == expected


def test_several_formats_are_found_in_free_text_in_order_of_appearance() -> None:
    assert MIXED.normalize("w-2611340") == "W2611340"
    assert MIXED.normalize("bl 100245") == "BL-100245"
    assert MIXED.find("where is bl100245 and W2611340?") == "BL-100245"
    assert MIXED.find("order W2611340 then BL-100245") == "W2611340"
    # glued to other letters or digits it is not a number of the shop
    assert MIXED.find("ABL1002459 xW26113401") is None
    assert MIXED.mentions("see BL-100245, W2611340") == ["W2611340", "BL-100245"]


def test_a_format_whose_example_or_template_does_not_fit_is_refused() -> None:
    with pytest.raises(OrderNumberFormatError, match="group"):
        OrderNumberFormat(r"#(\d+)", "#{2}", "#1")
    with pytest.raises(OrderNumberFormatError, match="example"):
        OrderNumberFormat(r"#(\d{4})", "#{1}", "1001x")
    with pytest.raises(OrderNumberFormatError, match="regular expression"):
        OrderNumberFormat(r"#(\d{4}", "#{1}", "#1001")


def test_every_shop_in_the_repository_passes_its_check() -> None:
    shops = list(iter_shops())
    assert shops, "no shop in shops/"
    for root in shops:
        shop, problems = check_shop(root)
        assert shop is not None and not problems, [str(p) for p in problems]
        rules = load_rules(shop.rules_dir)
        assert rules.base_currency == shop.currencies.base


def test_a_new_shop_passes_check_and_an_existing_folder_is_never_overwritten(tmp_path: Path) -> None:
    target = tmp_path / "corner-store"
    written = init_shop(target, "Corner Store", country="CA", currency="CAD", language="fr")
    assert (target / "shop.yml") in written
    shop, problems = check_shop(target)
    assert not problems and shop is not None
    assert (shop.id, shop.name, shop.currencies.base, shop.languages.default) == (
        "corner-store",
        "Corner Store",
        "CAD",
        "fr",
    )
    before = (target / "shop.yml").read_text()
    with pytest.raises(ScaffoldError, match="not empty"):
        init_shop(target, "Other")
    assert (target / "shop.yml").read_text() == before


def test_check_names_file_line_and_field_of_every_problem(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "broken"
    init_shop(target, "Broken")
    profile = target / "shop.yml"
    text = profile.read_text()
    text = text.replace("timezone: UTC", "timezone: Mars/Olympus").replace("proofs: [email]", "proofs: [email, retina]")
    profile.write_text(text)
    lines = text.splitlines()
    with pytest.raises(ProfileError) as err:
        load_shop(target)
    found = {(p.field, p.line) for p in err.value.problems}
    assert ("timezone", 1 + next(i for i, line in enumerate(lines) if line.startswith("timezone:"))) in found
    assert any(field == "proofs.1" for field, _ in found)
    assert main(["shop", "check", str(target)]) == 1
    out = capsys.readouterr().out
    assert f"{profile}:" in out and "Mars/Olympus" in out and "retina" in out


def test_a_shop_with_a_data_file_outside_its_folder_is_refused(tmp_path: Path) -> None:
    target = tmp_path / "sneaky"
    init_shop(target, "Sneaky")
    profile = target / "shop.yml"
    data = yaml.safe_load(profile.read_text())
    data["data"] = [{"kind": "orders", "format": "shopify_orders_csv", "path": "../../etc/passwd"}]
    profile.write_text(yaml.safe_dump(data))
    with pytest.raises(ProfileError, match="does not exist|inside the shop"):
        load_shop(target)


def test_generated_numbers_always_fit_the_shop_format() -> None:
    for fmt in (*SHOPIFY.formats, *MIXED.formats):
        numbers = order_number_variants(fmt, 24)
        assert len(numbers) == 24 and len(set(numbers)) == 24
        assert all(fmt.normalize(n) is not None for n in numbers)
    assert order_number_variants(MIXED.formats[1], 8) == order_number_variants(MIXED.formats[1], 8)


def test_templates_are_rendered_with_the_shops_numbers_as_valid_yaml() -> None:
    text = (
        "nlu:\n- intent: x\n  examples: |\n    - track [{order_number}](order_number)\n"
        "slot:\n  - order_number: {order_number}\n"
    )
    rendered = yaml.safe_load(render_template(text, ["#1001", "#1002"]))
    assert "[#1001](order_number)" in rendered["nlu"][0]["examples"]
    assert rendered["slot"][0]["order_number"] == "#1002"


def test_the_generated_training_data_uses_only_the_shops_formats(tmp_path: Path) -> None:
    target = tmp_path / "shop"
    init_shop(target, "Shop")
    shop = load_shop(target)
    catalog = tmp_path / "products.jsonl"
    catalog.write_text(
        '{"id": "1", "title": "Gooseneck Kettle", "category": "Coffee & Tea > Electric Kettles", "brand": "Crane", '
        '"attributes": {"type": "kettle"}}\n'
    )
    out = tmp_path / "nlu"
    files = generate(shop, out, catalog)
    text = "\n".join(f.read_text() for f in files)
    assert "BL-" not in text and "{order_number}" not in text
    entities = yaml.safe_load((out / "nlu" / "shop_entities.yml").read_text())["nlu"]
    lookup = next(e for e in entities if e.get("lookup") == "product")["examples"]
    assert "kettle" in lookup and "kettles" in lookup and "crane" in lookup
    synonyms = {e["synonym"]: e["examples"] for e in entities if "synonym" in e}
    assert "coffee and tea" in synonyms["coffee-tea"] and "electric kettles" in synonyms["electric-kettles"]


def test_a_stricter_free_text_pattern_keeps_zip_codes_and_years_out() -> None:
    numbers = load_shop("kettle-and-crane").order_numbers
    for text in ("my zip is 97214", "a customer since 2024", "call 503 555 0142"):
        assert numbers.find(text) is None, text
    assert numbers.find("where is #1001?") == "#1001"
    assert numbers.find("mi pedido 1002 no llegó") == "#1002"
    # a whole answer to "what is your order number?" may be the bare number
    assert numbers.normalize("1001") == "#1001" and numbers.normalize("order 1001") == "#1001"


def test_rule_tables_of_the_second_shop_zones_by_province_and_duties_on_delivery() -> None:
    rules = load_rules(load_shop("kettle-and-crane").rules_dir)
    assert rules.base_currency == "USD" and rules.in_home_zone("US") and not rules.in_home_zone("CA")
    assert rules.zone_for("US", "HI") != rules.zone_for("US", "OR") == rules.zone_for("US")
    assert rules.taxes["MX"].paid_at_checkout is False and rules.taxes["CA"].paid_at_checkout is True
    assert rules.free_returns("US") and not rules.free_returns("MX")
