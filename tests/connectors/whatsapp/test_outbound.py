"""Channel-neutral content → Graph API bodies, and WhatsApp's limits checked before sending."""

from __future__ import annotations

from typing import Any

import pytest

from bot.core.messages import (
    Button,
    ListRow,
    ListSection,
    MediaKind,
    OutboundContent,
    OutButtons,
    OutList,
    OutMedia,
    OutProduct,
    OutProductList,
    OutTemplate,
    OutText,
    ProductSection,
    TemplateComponent,
    TemplateParameter,
)
from bot.errors import BotError
from connectors.whatsapp.errors import WhatsAppError
from connectors.whatsapp.outbound import (
    LimitError,
    check_limits,
    mark_read_request,
    split_text,
    to_requests,
)

HEAD = {"messaging_product": "whatsapp", "recipient_type": "individual", "to": "+201000000042"}


def buttons(*titles: str) -> OutButtons:
    return OutButtons(text="Which size?", buttons=tuple(Button(title=t, payload=f"/size_{i}") for i, t in enumerate(titles)))


def rows(count: int, prefix: str = "r") -> tuple[ListRow, ...]:
    return tuple(ListRow(row_id=f"{prefix}{i}", title=f"Row {i}") for i in range(count))


EXACT: list[tuple[OutboundContent, dict[str, Any]]] = [
    (OutText(text="Hello there"), {"type": "text", "text": {"preview_url": False, "body": "Hello there"}}),
    (OutText(text="Track it: https://t.example/1"),
     {"type": "text", "text": {"preview_url": True, "body": "Track it: https://t.example/1"}}),
    (buttons("Small", "Large"), {"type": "interactive", "interactive": {
        "type": "button", "body": {"text": "Which size?"}, "action": {"buttons": [
            {"type": "reply", "reply": {"id": "/size_0", "title": "Small"}},
            {"type": "reply", "reply": {"id": "/size_1", "title": "Large"}}]}}}),
    (OutList(text="Pick a shoe", button="Shoes", header="Our shoes", footer="Free returns", sections=(
        ListSection(title="Running", rows=(ListRow(row_id="/buy(runner)", title="Runner", description="Light"),)),
        ListSection(title="Walking", rows=(ListRow(row_id="/buy(walker)", title="Walker"),)))),
     {"type": "interactive", "interactive": {
         "type": "list", "header": {"type": "text", "text": "Our shoes"}, "body": {"text": "Pick a shoe"},
         "footer": {"text": "Free returns"}, "action": {"button": "Shoes", "sections": [
             {"title": "Running", "rows": [{"id": "/buy(runner)", "title": "Runner", "description": "Light"}]},
             {"title": "Walking", "rows": [{"id": "/buy(walker)", "title": "Walker"}]}]}}}),
    (OutList(text="Pick", button="Open", sections=(ListSection(title="", rows=rows(1)),)),
     {"type": "interactive", "interactive": {"type": "list", "body": {"text": "Pick"}, "action": {
         "button": "Open", "sections": [{"rows": [{"id": "r0", "title": "Row 0"}]}]}}}),
    (OutProduct(catalog_id="", product_id="sku-1", text="This one"), {"type": "interactive", "interactive": {
        "type": "product", "body": {"text": "This one"}, "action": {"catalog_id": "cat-9", "product_retailer_id": "sku-1"}}}),
    (OutProduct(catalog_id="cat-own", product_id="sku-1"), {"type": "interactive", "interactive": {
        "type": "product", "action": {"catalog_id": "cat-own", "product_retailer_id": "sku-1"}}}),
    (OutProductList(catalog_id="", header="Best sellers", text="Our favourites", sections=(
        ProductSection(title="Shoes", product_ids=("a", "b")),)), {"type": "interactive", "interactive": {
            "type": "product_list", "header": {"type": "text", "text": "Best sellers"}, "body": {"text": "Our favourites"},
            "action": {"catalog_id": "cat-9", "sections": [{"title": "Shoes", "product_items": [
                {"product_retailer_id": "a"}, {"product_retailer_id": "b"}]}]}}}),
    (OutTemplate(name="order_update", language="en_US", components=(
        TemplateComponent(type="body", parameters=(TemplateParameter(type="text", value="A-1"),)),
        TemplateComponent(type="button", sub_type="quick_reply", index=0,
                          parameters=(TemplateParameter(type="payload", value="/track"),)))),
     {"type": "template", "template": {"name": "order_update", "language": {"code": "en_US"}, "components": [
         {"type": "body", "parameters": [{"type": "text", "text": "A-1"}]},
         {"type": "button", "sub_type": "quick_reply", "index": "0", "parameters": [{"type": "payload", "payload": "/track"}]}]}}),
    (OutTemplate(name="hello_world", language="en"),
     {"type": "template", "template": {"name": "hello_world", "language": {"code": "en"}}}),
    (OutMedia(media_kind=MediaKind.IMAGE, link="https://shop.example/a.png", caption="Runner"),
     {"type": "image", "image": {"link": "https://shop.example/a.png", "caption": "Runner"}}),
    (OutMedia(media_kind=MediaKind.DOCUMENT, media_id="1013859", filename="invoice.pdf"),
     {"type": "document", "document": {"id": "1013859", "filename": "invoice.pdf"}}),
    (OutMedia(media_kind=MediaKind.AUDIO, media_id="77"), {"type": "audio", "audio": {"id": "77"}}),
]


@pytest.mark.parametrize(("content", "expected"), EXACT, ids=[f"{c.kind}-{i}" for i, (c, _) in enumerate(EXACT)])
def test_each_kind_becomes_the_exact_graph_body(content: OutboundContent, expected: dict[str, Any]) -> None:
    assert to_requests(content, to="201000000042", catalog_id="cat-9") == [{**HEAD, **expected}]
    assert check_limits(content) == []


@pytest.mark.parametrize(("to", "field"), [
    ("201000000042", {"to": "+201000000042"}),
    ("+201000000042", {"to": "+201000000042"}),
    ("US.13491208655302741918", {"recipient": "US.13491208655302741918"}),
    ("٢٠١٠٠٠٠٠٠٠٤٢", {"to": "٢٠١٠٠٠٠٠٠٠٤٢"}),  # not ASCII digits: left for Meta to refuse, never given a +
])
def test_recipients(to: str, field: dict[str, str]) -> None:
    (body,) = to_requests(OutText(text="hi"), to=to)
    assert {k: body[k] for k in ("to", "recipient") if k in body} == field


def test_reply_to_quotes_only_the_first_part() -> None:
    bodies = to_requests(OutText(text="word " * 1000), to="1", reply_to="wamid.IN")
    assert len(bodies) == 2
    assert bodies[0]["context"] == {"message_id": "wamid.IN"}
    assert "context" not in bodies[1]


def test_long_text_is_split_on_sentence_boundaries() -> None:
    sentences = [f"Sentence number {i} is here, with a few more words to make it long enough." for i in range(120)]
    text = " ".join(sentences)
    assert len(text) > 2 * 4096
    bodies = to_requests(OutText(text=text), to="1")
    parts = [b["text"]["body"] for b in bodies]
    assert len(parts) == 3
    assert all(len(p) <= 4096 and p.endswith(".") and p.startswith("Sentence") for p in parts)
    assert " ".join(parts) == text


def test_sentence_ends_in_other_scripts_and_newlines_count() -> None:
    text = ("مرحبا بك؟ " * 300) + ("你好。" * 300)
    parts = split_text(text, limit=1000)
    assert all(len(p) <= 1000 for p in parts)
    assert all(p.endswith(("؟", "。")) for p in parts)
    assert split_text("first line\nsecond line", limit=15) == ["first line", "second line"]


def test_text_without_sentences_is_split_on_words_then_cut() -> None:
    parts = split_text("word " * 1000)
    assert [len(p) for p in parts] == [4094, 904]
    assert all(not p.startswith(" ") and not p.endswith(" ") for p in parts)
    assert split_text("x" * 5000) == ["x" * 4096, "x" * 904]


def test_four_buttons_become_a_list_with_one_row_per_button() -> None:
    (body,) = to_requests(buttons("Small", "Medium", "Large", "Extra large"), to="1")
    assert body["interactive"] == {"type": "list", "body": {"text": "Which size?"}, "action": {"button": "Options", "sections": [
        {"rows": [{"id": f"/size_{i}", "title": t} for i, t in enumerate(["Small", "Medium", "Large", "Extra large"])]}]}}
    # as list rows, titles may be 24 characters long
    assert check_limits(buttons("a", "b", "c", "x" * 24)) == []


def test_the_list_button_label_can_be_chosen() -> None:
    (body,) = to_requests(buttons("a", "b", "c", "d"), to="1", list_button="Choisir")
    assert body["interactive"]["action"]["button"] == "Choisir"


VIOLATIONS: list[tuple[OutboundContent, list[str]]] = [
    (OutText(text="  "), ["text is empty"]),
    (buttons("Small", "Extra large size option"),
     ["button 2 title 'Extra large size option' is 23 characters; WhatsApp allows 20"]),
    (buttons("Same", "Same"), ["button titles must be unique; repeated: 'Same'"]),
    (OutButtons(text="x" * 1025, buttons=(Button(title="ok", payload="p" * 257),)),
     ["text 'xxxxx", "is 1025 characters; WhatsApp allows 1024", "button 1 payload", "is 257 characters; WhatsApp allows 256"]),
    (OutButtons(text="hi", buttons=()), ["has no buttons"]),
    (buttons(*[f"b{i}" for i in range(11)]), ["11 buttons are shown as a list, which holds at most 10 rows"]),
    (buttons("a", "b", "c", "x" * 25), ["button 4 (a list row) title 'xxxxxxxxxxxxxxxxxxxxxxxxx' is 25 characters; WhatsApp allows 24"]),
    (OutList(text="t", button="b", sections=(ListSection(title="A", rows=rows(6)), ListSection(title="B", rows=rows(6, "s")))),
     ["a list has 12 rows in total; WhatsApp allows 10"]),
    (OutList(text="t", button="A very long button label", header="h" * 61, footer="f" * 61, sections=(
        ListSection(title="S" * 25, rows=(ListRow(row_id="i" * 201, title="T" * 25, description="d" * 73),)),
        ListSection(title="", rows=()))),
     ["list button label 'A very long button label' is 24 characters; WhatsApp allows 20",
      "header", "is 61 characters; WhatsApp allows 60", "footer", "section 1 title", "is 25 characters; WhatsApp allows 24",
      "section 2 title is empty", "section 2 has no rows", "row 1 title", "row 1 id", "is 201 characters; WhatsApp allows 200",
      "row 1 description", "is 73 characters; WhatsApp allows 72"]),
    (OutList(text="t", button="b", sections=tuple(ListSection(title=f"S{i}", rows=rows(1, f"s{i}")) for i in range(11))),
     ["a list has 11 sections; WhatsApp allows 10", "a list has 11 rows in total"]),
    (OutList(text="t", button="b", sections=(ListSection(title="", rows=(ListRow(row_id="x", title="a"), ListRow(row_id="x", title="b"))),)),
     ["row ids must be unique; repeated: 'x'"]),
    (OutProductList(catalog_id="c", header="", text="t", sections=(ProductSection(title="S", product_ids=tuple(map(str, range(31)))),)),
     ["header is empty", "a product list has 31 products; WhatsApp allows 30"]),
    (OutProductList(catalog_id="c", header="h", text="t", sections=tuple(ProductSection(title="S", product_ids=("a",)) for _ in range(11))),
     ["a product list has 11 sections; WhatsApp allows 10"]),
    (OutProduct(catalog_id="c", product_id="p", text="x" * 1025), ["text", "is 1025 characters; WhatsApp allows 1024"]),
    (OutTemplate(name="", language="", components=(TemplateComponent(type="button"),)),
     ["template name is empty", "template language is empty", "template component 1 is a button without sub_type and index"]),
    (OutMedia(media_kind=MediaKind.STICKER, media_id="1", link="https://a/b.webp", caption="hi", filename="x.webp"),
     ["a sticker needs exactly one of media_id (uploaded) or link, got both", "a sticker cannot have a caption",
      "a sticker cannot have a filename"]),
    (OutMedia(media_kind=MediaKind.IMAGE, link="ftp://a/b.png", caption="c" * 1025),
     ["image link 'ftp://a/b.png' is not an http(s) URL", "image caption", "is 1025 characters; WhatsApp allows 1024"]),
    (OutMedia(media_kind=MediaKind.VIDEO), ["a video needs exactly one of media_id (uploaded) or link, got neither"]),
]


@pytest.mark.parametrize(("content", "expected"), VIOLATIONS, ids=[f"{c.kind}-{i}" for i, (c, _) in enumerate(VIOLATIONS)])
def test_every_violation_is_named(content: OutboundContent, expected: list[str]) -> None:
    problems = check_limits(content)
    for phrase in expected:
        assert any(phrase in p for p in problems), (phrase, problems)
    with pytest.raises(LimitError) as caught:
        to_requests(content, to="1")
    assert caught.value.problems == problems
    assert all(p in str(caught.value) for p in problems)


def test_a_limit_error_lists_every_problem_at_once() -> None:
    content = OutButtons(text="x" * 2000, buttons=(Button(title="Extra large size opt", payload="a"),
                                                  Button(title="Extra large size option", payload="b"),
                                                  Button(title="Extra large size option", payload="b")))
    with pytest.raises(LimitError) as caught:
        to_requests(content, to="1")
    error = caught.value
    assert isinstance(error, WhatsAppError) and isinstance(error, BotError)
    assert str(error).startswith("this buttons message does not fit WhatsApp's limits (5 problems)")
    assert error.problems == [
        "text 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx...' is 2000 characters; WhatsApp allows 1024",
        "button 2 title 'Extra large size option' is 23 characters; WhatsApp allows 20",
        "button 3 title 'Extra large size option' is 23 characters; WhatsApp allows 20",
        "button titles must be unique; repeated: 'Extra large size option'",
        "button payloads must be unique; repeated: 'b'",
    ]


def test_a_product_needs_a_catalog_from_somewhere() -> None:
    with pytest.raises(LimitError, match="no catalog_id: the content names none and the channel has none configured"):
        to_requests(OutProduct(catalog_id="", product_id="p"), to="1")
    with pytest.raises(LimitError, match="the recipient is empty"):
        to_requests(OutText(text="hi"), to=" ")


def test_mark_read_request() -> None:
    assert mark_read_request("wamid.A", typing=False) == {"messaging_product": "whatsapp", "status": "read", "message_id": "wamid.A"}
    assert mark_read_request("wamid.A", typing=True)["typing_indicator"] == {"type": "text"}
