"""A composed answer's one message translated into the shopper's language by the real models service
(shipped offline config: en<->pt): the text and the widget payload's Markdown, with table pipes, list markers,
bold markers, numbers and links intact."""

from __future__ import annotations

import re

from actions.knowledge_answer import answer_message
from actions.localize import Localizer
from clients import ComposedAnswer, Source
from tests.support import service_clients

ANSWER = ComposedAnswer(
    id="a1",
    kind="passage",
    markdown=(
        "Standard delivery takes **2–5 business days**.\n\n"
        "| Zone | Standard | Express |\n|---|---|---|\n| EU | 2–5 business days | next day or 2 business days |"
    ),
    sources=[Source("Shipping and delivery — Delivery times", "https://shop.lumengoods.example/policies/shipping#t")],
    more="**Delivery times**\n\n- We pack orders Monday to Friday.\n- Orders paid on a Sunday leave on Monday.",
    doc_id="shipping",
    chunk_id="shipping#delivery-times",
)


async def test_a_composed_answer_is_translated_with_its_markdown_intact(models_url: str) -> None:
    message = answer_message(ANSWER)
    messages = [{"text": message["text"], "custom": message["json_message"]}]
    async with service_clients(models=models_url) as holder:
        await Localizer(holder.models().using(timeout_s=60.0)).localize(messages, "pt")
    custom = messages[0]["custom"]
    assert custom["language"] == "pt"
    lines = custom["answer"].split("\n")
    assert lines[0] != "Standard delivery takes **2–5 business days**." and lines[0].count("**") == 2
    assert "2–5" in lines[0]
    # The table keeps its header, separator and row shape; the cells are translated between the pipes.
    assert lines[3] == "|---|---|---|"
    assert all(line.startswith("| ") and line.endswith(" |") and line.count("|") == 4 for line in lines[2:5:2])
    assert "2–5" in lines[4]
    more = custom["more"].split("\n")
    assert more[0].startswith("**") and more[0].endswith("**") and more[2].startswith("- ")
    assert custom["sources"] == [{"title": ANSWER.sources[0].title, "url": ANSWER.sources[0].url}]
    # The text channel's copy: translated prose, the link verbatim at the end of the citation line.
    text = messages[0]["text"]
    assert text.rstrip().endswith("(https://shop.lumengoods.example/policies/shipping#t)")
    assert not re.search(r"\|\s*-", text)  # no Markdown table on text channels
