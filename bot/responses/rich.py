"""Rich response variations that stay channel-neutral: lists, product references, images, files.

Our additions to Rasa's variation keys (Rasa keeps ``image``, ``attachment`` and ``buttons``)::

    - text: Which one would you like?
      list:                       # a button that opens sections of rows
        button: Products
        header: optional          # and footer: optional
        sections:
          - title: Shoes
            rows:
              - {title: Runner, payload: "/SetSlots(product=runner)", description: light}
    - text: Here it is
      product: {product_id: "{product}", catalog_id: optional}
    - text: Our best sellers
      products: {header: Best sellers, catalog_id: optional, sections: [{title: Shoes, product_ids: [a, b]}]}
    - text: A caption
      image: https://shop.example/a.png     # or attachment: https://shop.example/invoice.pdf

Placeholders (``{slot}``, or Jinja with ``metadata: {template: jinja}``) work in every text of them.
A ``catalog_id`` left out is empty: the channel sends its own catalogue. The channel decides how
to show each kind (WhatsApp: interactive list, product messages; others: text with numbered rows).
The same shapes are read from a custom action's ``json_message``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from typing import Any

from bot.core.messages import (
    ListRow,
    ListSection,
    MediaKind,
    OutList,
    OutMedia,
    OutProduct,
    OutProductList,
    ProductSection,
)

RICH_KEYS = ("list", "product", "products", "image", "attachment")
RichContent = OutList | OutProduct | OutProductList | OutMedia


class RichError(ValueError):
    """A rich variation that does not have the documented shape; ``path`` says where."""

    def __init__(self, path: tuple[Any, ...], message: str) -> None:
        super().__init__(message)
        self.path = path


def read_rich(raw: Mapping[str, Any]) -> RichContent | None:
    """The rich content a variation (or a custom action's message) describes; its text is filled at render time."""
    present = [key for key in RICH_KEYS if raw.get(key) not in (None, "", [], {})]
    if not present:
        return None
    if len(present) > 1:
        raise RichError((present[1],), f"a variation may have one of {', '.join(RICH_KEYS)}; this one has {' and '.join(present)}")
    key = present[0]
    value = raw[key]
    if key in ("image", "attachment"):
        if not isinstance(value, str):
            raise RichError((key,), f"'{key}' must be a link (https://...), got {value!r}")
        return OutMedia(media_kind=MediaKind.IMAGE if key == "image" else MediaKind.DOCUMENT, link=value)
    if not isinstance(value, Mapping):
        raise RichError((key,), f"'{key}' must be a mapping; see docs/responses.md")
    if key == "list":
        return _list(value)
    if key == "product":
        return OutProduct(catalog_id=_text(value, "catalog_id", (key,), default=""),
                          product_id=_text(value, "product_id", (key,)))
    return _products(value)


def _list(value: Mapping[str, Any]) -> OutList:
    sections = value.get("sections")
    if not isinstance(sections, list) or not sections:
        raise RichError(("list", "sections"), "a list needs 'sections': [{title: ..., rows: [{title: ..., payload: ...}]}]")
    read: list[ListSection] = []
    for i, section in enumerate(sections):
        path = ("list", "sections", i)
        rows = section.get("rows") if isinstance(section, Mapping) else None
        if not isinstance(rows, list) or not rows:
            raise RichError(path, "a section needs 'rows': [{title: ..., payload: ...}]")
        read.append(ListSection(title=_text(section, "title", path, default=""), rows=tuple(
            ListRow(row_id=_text(row, "payload", (*path, "rows", j), alias="id"), title=_text(row, "title", (*path, "rows", j)),
                    description=_text(row, "description", (*path, "rows", j), default=None) or None)
            for j, row in enumerate(rows))))
    return OutList(text="", button=_text(value, "button", ("list",)), sections=tuple(read),
                   header=_text(value, "header", ("list",), default=None), footer=_text(value, "footer", ("list",), default=None))


def _products(value: Mapping[str, Any]) -> OutProductList:
    sections = value.get("sections")
    if not isinstance(sections, list) or not sections:
        raise RichError(("products", "sections"), "'products' needs 'sections': [{title: ..., product_ids: [...]}]")
    read: list[ProductSection] = []
    for i, section in enumerate(sections):
        ids = section.get("product_ids") if isinstance(section, Mapping) else None
        if not isinstance(ids, list) or not ids:
            raise RichError(("products", "sections", i), "a section needs 'product_ids': [id, ...]")
        read.append(ProductSection(title=_text(section, "title", ("products", "sections", i)), product_ids=tuple(map(str, ids))))
    return OutProductList(catalog_id=_text(value, "catalog_id", ("products",), default=""), header=_text(value, "header", ("products",)),
                          text="", sections=tuple(read))


_REQUIRED = object()


def _text(raw: Any, key: str, path: tuple[Any, ...], *, default: Any = _REQUIRED, alias: str | None = None) -> Any:
    value = raw.get(key, raw.get(alias) if alias else None) if isinstance(raw, Mapping) else None
    if value is None:
        if default is _REQUIRED:
            raise RichError(path, f"'{key}' is required here")
        return default
    if not isinstance(value, str | int | float):
        raise RichError((*path, key), f"'{key}' must be text, got {value!r}")
    return str(value)


def fill_rich(content: RichContent, text: str, filled: Callable[[str], str]) -> RichContent:
    """``content`` with the variation's (already filled) text and every placeholder in it filled."""
    if isinstance(content, OutMedia):
        return dataclasses.replace(_filled(content, filled), caption=text or None)
    return dataclasses.replace(_filled(content, filled), text=text)


def _filled(value: Any, filled: Callable[[str], str]) -> Any:
    if isinstance(value, str):
        return filled(value) if "{" in value else value
    if isinstance(value, tuple):
        return tuple(_filled(v, filled) for v in value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        changes = {f.name: _filled(getattr(value, f.name), filled) for f in dataclasses.fields(value)
                   if f.name not in ("kind", "media_kind")}
        return dataclasses.replace(value, **changes)
    return value
