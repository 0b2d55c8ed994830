"""The content of one WhatsApp Cloud API message (``value.messages[]``) as channel-neutral types.

Every reader here is total: a field that is missing or of the wrong type makes the content
``Unknown`` (with the whole message as ``raw``), never an exception. ``parse.py`` reads the
envelope and the fields common to every message; this module reads the per-type objects.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import orjson

from bot.core.messages import (
    ButtonReply,
    Contact,
    Contacts,
    DeliveryStatus,
    Edit,
    FlowReply,
    InboundContent,
    ListReply,
    Location,
    Media,
    MediaKind,
    Notify,
    Order,
    OrderItem,
    Reaction,
    Revoke,
    System,
    Text,
    Unknown,
)

__all__ = ["dict_at", "flag", "list_at", "media_extras", "number_at", "parse_content", "text_at"]

_MEDIA_KINDS = {kind.value: kind for kind in MediaKind}


def text_at(obj: Any, key: str) -> str | None:
    """``obj[key]`` when ``obj`` is a dict and the value is a string, else None."""
    value = obj.get(key) if isinstance(obj, dict) else None
    return value if isinstance(value, str) else None


def dict_at(obj: Any, key: str) -> dict[str, Any] | None:
    """``obj[key]`` when ``obj`` is a dict and the value is a dict, else None."""
    value = obj.get(key) if isinstance(obj, dict) else None
    return value if isinstance(value, dict) else None


def list_at(obj: Any, key: str) -> list[Any] | None:
    """``obj[key]`` when ``obj`` is a dict and the value is a list, else None."""
    value = obj.get(key) if isinstance(obj, dict) else None
    return value if isinstance(value, list) else None


def number_at(obj: Any, key: str) -> float | None:
    """``obj[key]`` as a finite float (numbers and numeric strings; never booleans), else None."""
    value = obj.get(key) if isinstance(obj, dict) else None
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return None
    try:
        number = float(value)
    except (ValueError, OverflowError):
        return None
    return number if math.isfinite(number) else None


def media_extras(item: dict[str, Any]) -> dict[str, Any]:
    """The media fields ``Media`` has no place for: the download ``url``, voice note, animated."""
    kind = text_at(item, "type")
    if kind == "edit":
        item = dict_at(dict_at(item, "edit"), "message") or {}
        kind = text_at(item, "type")
    obj = dict_at(item, kind) if kind in _MEDIA_KINDS else None
    if obj is None:
        return {}
    return {
        "media_url": text_at(obj, "url"),
        "voice": flag(obj, "voice"),
        "animated": flag(obj, "animated"),
    }


def flag(obj: dict[str, Any] | None, key: str) -> bool | None:
    """True when ``obj[key]`` is true, else None (so that a metadata key can be left out)."""
    return True if obj is not None and obj.get(key) is True else None


def parse_content(message: dict[str, Any]) -> InboundContent:
    """The content of one message, ``Unknown`` for types we do not read or cannot read."""
    kind = message.get("type")
    if not isinstance(kind, str):
        return Unknown(provider_type="missing", raw=message)
    if kind in _MEDIA_KINDS:
        content = _media(message, kind)
    else:
        reader = _READERS.get(kind)
        content = reader(message) if reader is not None else None
    return content if content is not None else Unknown(provider_type=_provider_type(message, kind), raw=message)


def _provider_type(message: dict[str, Any], kind: str) -> str:
    """``type`` plus the sub-type that says what exactly was not understood, when given."""
    sub = text_at(dict_at(message, kind), "type")
    return f"{kind}.{sub}" if sub else kind


def _text(message: dict[str, Any]) -> InboundContent | None:
    body = text_at(dict_at(message, "text"), "body")
    return Text(body=body) if body is not None else None


def _media(message: dict[str, Any], kind: str) -> InboundContent | None:
    obj = dict_at(message, kind)
    media_id, mime_type = text_at(obj, "id"), text_at(obj, "mime_type")
    if media_id is None or mime_type is None:
        return None
    return Media(
        media_kind=_MEDIA_KINDS[kind],
        media_id=media_id,
        mime_type=mime_type,
        caption=text_at(obj, "caption"),
        sha256=text_at(obj, "sha256"),
        filename=text_at(obj, "filename"),
    )


def _location(message: dict[str, Any]) -> InboundContent | None:
    obj = dict_at(message, "location")
    latitude, longitude = number_at(obj, "latitude"), number_at(obj, "longitude")
    if latitude is None or longitude is None:
        return None
    return Location(latitude=latitude, longitude=longitude, name=text_at(obj, "name"), address=text_at(obj, "address"))


def _contacts(message: dict[str, Any]) -> InboundContent | None:
    cards = list_at(message, "contacts")
    if not cards or not all(isinstance(card, dict) for card in cards):
        return None
    return Contacts(contacts=tuple(_contact(card) for card in cards))


def _contact(card: dict[str, Any]) -> Contact:
    name = dict_at(card, "name")
    phones = tuple(p for p in (text_at(item, "phone") for item in list_at(card, "phones") or ()) if p)
    emails = tuple(e for e in (text_at(item, "email") for item in list_at(card, "emails") or ()) if e)
    parts = (text_at(name, "first_name"), text_at(name, "last_name"))
    formatted = text_at(name, "formatted_name") or " ".join(p for p in parts if p)
    return Contact(name=formatted or (phones[0] if phones else ""), phones=phones, emails=emails)


def _order(message: dict[str, Any]) -> InboundContent | None:
    obj = dict_at(message, "order")
    catalog_id, products = text_at(obj, "catalog_id"), list_at(obj, "product_items")
    if catalog_id is None or not products:
        return None
    items = tuple(_order_item(product) for product in products)
    if any(item is None for item in items):
        return None  # half a cart is worse than none: the whole order becomes Unknown
    return Order(catalog_id=catalog_id, items=tuple(i for i in items if i), text=text_at(obj, "text") or None)


def _order_item(product: Any) -> OrderItem | None:
    product_id, currency = text_at(product, "product_retailer_id"), text_at(product, "currency")
    quantity, price = number_at(product, "quantity"), number_at(product, "item_price")
    if product_id is None or currency is None or quantity is None or price is None or quantity != int(quantity):
        return None
    return OrderItem(product_id=product_id, quantity=int(quantity), price=price, currency=currency)


def _reaction(message: dict[str, Any]) -> InboundContent | None:
    obj = dict_at(message, "reaction")
    target = text_at(obj, "message_id")
    if target is None:
        return None
    return Reaction(target_message_id=target, emoji=text_at(obj, "emoji") or None)  # "" or absent: removed


def _template_button(message: dict[str, Any]) -> InboundContent | None:
    obj = dict_at(message, "button")
    payload, title = text_at(obj, "payload"), text_at(obj, "text")
    if payload is not None:
        return ButtonReply(reply_id=payload, title=title if title is not None else payload, payload=payload)
    return ButtonReply(reply_id=title, title=title) if title is not None else None


def _interactive(message: dict[str, Any]) -> InboundContent | None:
    obj = dict_at(message, "interactive")
    sub = text_at(obj, "type")
    reply = dict_at(obj, sub) if sub else None
    reply_id, title = text_at(reply, "id"), text_at(reply, "title")
    if sub == "button_reply" and reply_id is not None and title is not None:
        return ButtonReply(reply_id=reply_id, title=title, payload=reply_id)
    if sub == "list_reply" and reply_id is not None and title is not None:
        return ListReply(reply_id=reply_id, title=title, description=text_at(reply, "description"), payload=reply_id)
    if sub == "nfm_reply" and reply is not None:
        return _flow_reply(reply)
    return None  # no body, call_permission_reply, product replies, future kinds


def _flow_reply(reply: dict[str, Any]) -> InboundContent | None:
    try:
        response = orjson.loads(text_at(reply, "response_json") or "")
    except orjson.JSONDecodeError:
        return None
    if not isinstance(response, dict):
        return None
    token = response.get("flow_token")
    return FlowReply(
        response=response,
        flow_token=token if isinstance(token, str) else None,
        name=text_at(reply, "name"),
        body=text_at(reply, "body"),
    )


def _system(message: dict[str, Any]) -> InboundContent | None:
    obj = dict_at(message, "system")
    system_type = text_at(obj, "type")
    if system_type is None:
        return None
    return System(
        system_type=system_type,
        body=text_at(obj, "body"),
        new_wa_id=text_at(obj, "wa_id"),
        new_user_id=text_at(obj, "user_id"),
        previous_user_id=text_at(obj, "previous_user_id"),
        identity_hash=text_at(dict_at(message, "identity"), "hash"),
    )


def _edit(message: dict[str, Any]) -> InboundContent | None:
    obj = dict_at(message, "edit")
    target = text_at(obj, "original_message_id")
    if target is None:
        return None
    edited = dict_at(obj, "message")
    if edited is None:
        return Edit(target_message_id=target)
    inner = text_at(edited, "type")
    if inner in ("edit", "revoke"):  # not a thing; and never recurse on what the sender nests
        return Edit(target_message_id=target, content=Unknown(provider_type=f"edit.{inner}", raw=edited))
    content = parse_content(edited)
    return Edit(target_message_id=target, content=content) if not isinstance(content, Edit | Revoke | DeliveryStatus | Notify) else None


def _revoke(message: dict[str, Any]) -> InboundContent | None:
    target = text_at(dict_at(message, "revoke"), "original_message_id")
    return Revoke(target_message_id=target) if target is not None else None


_READERS: dict[str, Callable[[dict[str, Any]], InboundContent | None]] = {
    "text": _text,
    "location": _location,
    "contacts": _contacts,
    "order": _order,
    "reaction": _reaction,
    "button": _template_button,
    "interactive": _interactive,
    "system": _system,
    "edit": _edit,
    "revoke": _revoke,
}
