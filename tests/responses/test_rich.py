"""Rich responses stay channel-neutral: lists, product references, images and files."""

from __future__ import annotations

import random

import pytest

from bot.actions.base import ActionResult
from bot.core.messages import (
    ListRow,
    ListSection,
    MediaKind,
    OutboundMessage,
    OutList,
    OutMedia,
    OutProduct,
    OutProductList,
    ProductSection,
)
from bot.errors import DataError
from bot.flows.custom import read_result
from bot.responses.catalog import parse_responses
from bot.responses.render import ResponseRenderer
from bot.shell import render as shell_render
from bot.yamlsource import parse_yaml

RICH = """\
responses:
  utter_choose:
    - text: Which one, {name}?
      list:
        button: Products
        footer: Tap one
        sections:
          - title: Shoes
            rows:
              - {title: Runner, payload: "/SetSlots(product=runner)", description: light}
              - {title: "{favourite}", id: "/SetSlots(product={favourite})"}
    - language: ar
      text: أي واحد؟
      list:
        button: المنتجات
        sections:
          - title: أحذية
            rows: [{title: عداء, payload: "/SetSlots(product=runner)"}]
  utter_product:
    - text: Here is {product}
      product: {product_id: "{product}"}
  utter_best:
    - text: Our best sellers
      products:
        catalog_id: "42"
        header: Best sellers
        sections: [{title: Shoes, product_ids: [runner, 7]}]
  utter_invoice:
    - text: Your invoice
      attachment: https://shop.example/{order_id}.pdf
  utter_photo:
    - image: https://shop.example/a.png
  utter_rasa_custom:
    - text: Pick
      custom:
        list: {button: Pick, sections: [{title: All, rows: [{title: A, payload: /a}]}]}
"""


def renderer(text: str) -> ResponseRenderer:
    responses = parse_responses(parse_yaml(text, "responses.yml"), languages=["en", "ar"])
    return ResponseRenderer(responses, default_language="en", rng=random.Random(1))


def test_a_list_is_rendered_with_its_placeholders_filled() -> None:
    content = renderer(RICH).render("utter_choose", language="en", channel="whatsapp",
                                    values={"name": "Sara", "favourite": "trail"})
    assert content == OutList(text="Which one, Sara?", button="Products", footer="Tap one", sections=(
        ListSection(title="Shoes", rows=(
            ListRow(row_id="/SetSlots(product=runner)", title="Runner", description="light"),
            ListRow(row_id="/SetSlots(product=trail)", title="trail"),
        )),))


def test_a_list_has_language_variations_like_any_response() -> None:
    content = renderer(RICH).render("utter_choose", language="ar", channel="whatsapp", values={})
    assert isinstance(content, OutList) and content.button == "المنتجات" and content.text == "أي واحد؟"


def test_a_product_reference_takes_the_slot_and_the_channels_catalogue() -> None:
    content = renderer(RICH).render("utter_product", language="en", channel="whatsapp", values={"product": "sku-9"})
    assert content == OutProduct(catalog_id="", product_id="sku-9", text="Here is sku-9")


def test_a_product_list_keeps_its_sections() -> None:
    content = renderer(RICH).render("utter_best", language="en", channel="whatsapp", values={})
    assert content == OutProductList(catalog_id="42", header="Best sellers", text="Our best sellers",
                                     sections=(ProductSection(title="Shoes", product_ids=("runner", "7")),))


def test_image_and_attachment_become_media_with_a_caption() -> None:
    r = renderer(RICH)
    assert r.render("utter_invoice", language="en", channel="rest", values={"order_id": "A-1"}) == OutMedia(
        media_kind=MediaKind.DOCUMENT, link="https://shop.example/A-1.pdf", caption="Your invoice")
    assert r.render("utter_photo", language="en", channel="rest", values={}) == OutMedia(
        media_kind=MediaKind.IMAGE, link="https://shop.example/a.png")


def test_rasa_custom_payloads_are_read_in_the_same_shapes() -> None:
    content = renderer(RICH).render("utter_rasa_custom", language="en", channel="rest", values={})
    assert isinstance(content, OutList) and content.sections[0].rows[0].row_id == "/a"


BROKEN = {
    "list without sections": ("      list: {button: Go}", "list.sections", "needs 'sections'"),
    "row without payload": ("      list: {button: Go, sections: [{title: T, rows: [{title: A}]}]}", "list.sections.0.rows.0",
                            "'payload' is required"),
    "two rich keys": ("      image: https://x/a.png\n      attachment: https://x/a.pdf", "attachment", "one of"),
    "buttons with a list": ("      buttons: [{title: A, payload: /a}]\n      list: {button: Go, sections: [{rows: [{title: A, payload: /a}]}]}",
                            "buttons", "cannot go with list"),
    "custom of another shape": ("      custom: {blocks: []}", "custom", "channel-neutral shapes"),
    "image that is not a link": ("      image: {url: x}", "image", "must be a link"),
}


@pytest.mark.parametrize("name", sorted(BROKEN))
def test_a_broken_rich_variation_is_reported_where_it_is(name: str) -> None:
    body, _, words = BROKEN[name]
    text = f"responses:\n  utter_x:\n    - text: Hi\n{body}\n"
    with pytest.raises(DataError) as caught:
        parse_responses(parse_yaml(text, "responses.yml"), languages=["en"])
    message = str(caught.value)
    assert words in message, message
    assert "responses.yml:" in message and message.count("  - ") == 1, message


def test_a_custom_action_may_send_a_list_as_json_message() -> None:
    result = ActionResult(events=[], responses=[{"text": "Pick", "custom": {
        "list": {"button": "Products", "sections": [{"title": "All", "rows": [{"title": "A", "payload": "/a"}]}]}}}])
    outcome = read_result("action_list", result, set())
    (content,) = outcome.say
    assert isinstance(content, OutList) and content.text == "Pick" and content.sections[0].rows[0].title == "A"


def test_the_shell_shows_products_and_media() -> None:
    def lines(content: object) -> list[str]:
        message = OutboundMessage(message_id="m", conversation_id="c", channel="shell", content=content)  # type: ignore[arg-type]
        return shell_render(message, "logical")[0]

    assert lines(OutProduct(catalog_id="", product_id="sku-9", text="Here")) == ["[product sku-9] Here"]
    assert lines(OutProductList(catalog_id="", header="H", text="Best", sections=(
        ProductSection(title="Shoes", product_ids=("a", "b")),))) == ["Best", "  [Shoes] products: a, b"]
    assert lines(OutMedia(media_kind=MediaKind.DOCUMENT, link="https://x/a.pdf", caption="Invoice")) == [
        "[document https://x/a.pdf] Invoice"]
