"""Read a WhatsApp Cloud API webhook body into inbound messages, status updates and the rest.

One POST can batch many ``entry[] × changes[] × messages[]/statuses[]``; every one is read, in
order. Only a body that is not a webhook envelope at all raises ``PayloadError``. Anything
inside that cannot be read becomes a line in ``WebhookUpdates.problems`` (saying where and
why) and never stops the rest; a message whose content we do not understand is kept as
``Unknown``. Changes other than ``messages`` (account_update, calls, templates, ...) are kept
as ``OtherUpdate`` with their raw value.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

import orjson

from bot.core.messages import InboundMessage
from bot.errors import MessageError
from connectors.whatsapp.inbound_content import (
    dict_at,
    flag,
    list_at,
    media_extras,
    number_at,
    parse_content,
    text_at,
)

__all__ = [
    "CHANNEL",
    "OtherUpdate",
    "PayloadError",
    "StatusError",
    "StatusUpdate",
    "WebhookUpdates",
    "conversation_id_for",
    "parse_webhook",
    "recipient_of",
]

CHANNEL = "whatsapp"
ENVELOPE_OBJECT = "whatsapp_business_account"
_EXPECTED = '{"object": "whatsapp_business_account", "entry": [...]}'


def conversation_id_for(phone_number_id: str, user: str) -> str:
    """The conversation of ``user`` (wa_id or business-scoped user id) with one business number."""
    if not phone_number_id or ":" in phone_number_id or not user:
        raise ValueError(f"cannot build a WhatsApp conversation id from phone_number_id={phone_number_id!r}, user={user!r}")
    return f"{CHANNEL}:{phone_number_id}:{user}"


def recipient_of(conversation_id: str) -> tuple[str, str]:
    """``(phone_number_id, user)`` of a conversation id made by ``conversation_id_for``."""
    prefix, _, rest = conversation_id.partition(":")
    phone_number_id, _, user = rest.partition(":")
    if prefix != CHANNEL or not phone_number_id or not user:
        raise ValueError(f"{conversation_id!r} is not a WhatsApp conversation id; expected 'whatsapp:<phone_number_id>:<user>'")
    return phone_number_id, user


class PayloadError(MessageError):
    """The body is not a WhatsApp webhook envelope at all."""


@dataclass(frozen=True, slots=True, kw_only=True)
class StatusError:
    """One error Meta reports (on a status, on a message, or for the whole change)."""

    code: int
    title: str
    message: str | None = None
    details: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class StatusUpdate:
    """What happened to one message we sent: sent, delivered, read, failed (or a newer value)."""

    message_id: str
    status: str
    conversation_id: str
    phone_number_id: str
    recipient: str
    timestamp: float
    errors: tuple[StatusError, ...] = ()
    callback_data: str | None = None
    pricing_category: str | None = None
    recipient_user_id: str | None = None  # the business-scoped user id, when the status carries it as well


@dataclass(frozen=True, slots=True, kw_only=True)
class OtherUpdate:
    """A change the bot does not act on yet, kept as sent.

    ``field`` is the change's field (account_update, calls, user_preferences, ...), or
    ``errors`` for the errors of a ``messages`` change, whose ``value`` is then a tuple of
    ``StatusError``.
    """

    field: str
    phone_number_id: str | None
    value: Any


@dataclass(frozen=True, slots=True, kw_only=True)
class WebhookUpdates:
    """Everything one webhook body carried, in the order it came."""

    messages: tuple[InboundMessage, ...]
    statuses: tuple[StatusUpdate, ...]
    others: tuple[OtherUpdate, ...]
    problems: tuple[str, ...]


@dataclass(slots=True)
class _Found:
    """What one parse has collected so far (local to one ``parse_webhook`` call)."""

    received_at: float
    messages: list[InboundMessage] = field(default_factory=list)
    statuses: list[StatusUpdate] = field(default_factory=list)
    others: list[OtherUpdate] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


@dataclass(frozen=True, slots=True, kw_only=True)
class _Route:
    """Where the items of one ``messages`` change were sent."""

    phone_number_id: str
    display_phone_number: str | None
    waba_id: str | None
    contacts: tuple[dict[str, Any], ...]


def parse_webhook(payload: Any, *, received_at: float) -> WebhookUpdates:
    """Every message, status and other update of a webhook body (a dict, or the raw JSON bytes)."""
    found = _Found(received_at=received_at)
    for i, entry in enumerate(_entries(payload)):
        changes = list_at(entry, "changes")
        if changes is None:
            found.problems.append(f"entry[{i}]: expected an object with a 'changes' array, got {_shape(entry)}")
            continue
        for j, change in enumerate(changes):
            _read_change(change, f"entry[{i}].changes[{j}]", text_at(entry, "id"), found)
    return WebhookUpdates(
        messages=tuple(found.messages),
        statuses=tuple(found.statuses),
        others=tuple(found.others),
        problems=tuple(found.problems),
    )


def _entries(payload: Any) -> list[Any]:
    if isinstance(payload, bytes | bytearray | memoryview | str):
        try:
            payload = orjson.loads(payload)
        except orjson.JSONDecodeError as exc:
            raise PayloadError(f"the webhook body is not JSON ({exc}); expected {_EXPECTED}") from None
    if not isinstance(payload, dict):
        raise PayloadError(f"expected a WhatsApp webhook envelope {_EXPECTED}, got {_shape(payload)}")
    if payload.get("object") != ENVELOPE_OBJECT:
        raise PayloadError(f"expected 'object' to be {ENVELOPE_OBJECT!r} in {_EXPECTED}, got {payload.get('object')!r}")
    entries = payload.get("entry")
    if not isinstance(entries, list):
        raise PayloadError(f"expected 'entry' to be an array in {_EXPECTED}, got {_shape(entries)}")
    return entries


def _read_change(change: Any, where: str, waba_id: str | None, found: _Found) -> None:
    name, value = text_at(change, "field"), dict_at(change, "value")
    if name is None or value is None:
        found.problems.append(f"{where}: expected an object with a string 'field' and an object 'value', got {_shape(change)}")
        return
    metadata = dict_at(value, "metadata")
    phone_number_id = text_at(metadata, "phone_number_id") or None
    if name != "messages":
        found.others.append(OtherUpdate(field=name, phone_number_id=phone_number_id, value=value))
        return
    if phone_number_id is None or ":" in phone_number_id:
        found.problems.append(f"{where}: value.metadata.phone_number_id is missing or not an id, so its messages and statuses cannot be routed")
        return
    contacts = tuple(c for c in list_at(value, "contacts") or () if isinstance(c, dict))
    route = _Route(
        phone_number_id=phone_number_id,
        display_phone_number=text_at(metadata, "display_phone_number"),
        waba_id=waba_id,
        contacts=contacts,
    )
    if not any(key in value for key in ("messages", "statuses", "errors")):
        found.others.append(OtherUpdate(field=name, phone_number_id=phone_number_id, value=value))
    for k, item in enumerate(_items(value, "messages", where, found)):
        _read_message(item, f"{where}.value.messages[{k}]", route, found)
    for k, item in enumerate(_items(value, "statuses", where, found)):
        _read_status(item, f"{where}.value.statuses[{k}]", route, found)
    if "errors" in value:
        errors = _errors(value.get("errors"), f"{where}.value.errors", found)
        found.others.append(OtherUpdate(field="errors", phone_number_id=phone_number_id, value=errors))


def _items(value: dict[str, Any], key: str, where: str, found: _Found) -> list[Any]:
    items = value.get(key)
    if items is None or isinstance(items, list):
        return items or []
    found.problems.append(f"{where}.value.{key}: expected an array, got {_shape(items)}")
    return []


def _read_message(item: Any, where: str, route: _Route, found: _Found) -> None:
    if not isinstance(item, dict):
        found.problems.append(f"{where}: expected a message object, got {_shape(item)}")
        return
    message_id = text_at(item, "id")
    wa_id, user_id = text_at(item, "from") or None, text_at(item, "from_user_id") or None
    user = wa_id or user_id
    if not message_id or user is None:
        why = "has no 'id' (the wamid)" if not message_id else "has neither 'from' nor 'from_user_id'"
        found.problems.append(f"{where}: the message {why}; it was skipped")
        return
    contact = _contact_of(route.contacts, wa_id, user_id)
    profile = dict_at(contact, "profile")
    context = dict_at(item, "context")
    timestamp = number_at(item, "timestamp")
    extras: dict[str, Any] = {
        "wa_id": wa_id or text_at(contact, "wa_id"),
        "user_id": user_id or text_at(contact, "user_id"),
        "profile_name": text_at(profile, "name"),
        "username": text_at(profile, "username"),
        "forwarded": flag(context, "forwarded"),
        "frequently_forwarded": flag(context, "frequently_forwarded"),
        "referred_product": dict_at(context, "referred_product"),
        "referral": dict_at(item, "referral"),
        **media_extras(item),
    }
    if "errors" in item:
        errors = _errors(item.get("errors"), f"{where}.errors", found)
        extras["errors"] = [dataclasses.asdict(error) for error in errors]
    metadata = {"phone_number_id": route.phone_number_id, "display_phone_number": route.display_phone_number, "waba_id": route.waba_id}
    found.messages.append(
        InboundMessage(
            message_id=message_id,
            conversation_id=conversation_id_for(route.phone_number_id, user),
            channel=CHANNEL,
            content=parse_content(item),
            received_at=timestamp if timestamp is not None else found.received_at,
            reply_to=text_at(context, "id") or None,
            metadata={key: value for key, value in (metadata | extras).items() if value is not None},
        )
    )


def _contact_of(contacts: tuple[dict[str, Any], ...], wa_id: str | None, user_id: str | None) -> dict[str, Any] | None:
    """The sender's entry of ``contacts[]``; the only one when ids differ (``from`` may not equal ``wa_id``)."""
    for contact in contacts:
        if (wa_id and text_at(contact, "wa_id") == wa_id) or (user_id and text_at(contact, "user_id") == user_id):
            return contact
    return contacts[0] if len(contacts) == 1 else None


def _read_status(item: Any, where: str, route: _Route, found: _Found) -> None:
    if not isinstance(item, dict):
        found.problems.append(f"{where}: expected a status object, got {_shape(item)}")
        return
    message_id, status = text_at(item, "id"), text_at(item, "status")
    recipient = text_at(item, "recipient_id") or text_at(item, "recipient_user_id")
    if not message_id or not status or not recipient:
        missing = [name for name, got in (("id", message_id), ("status", status), ("recipient_id or recipient_user_id", recipient)) if not got]
        found.problems.append(f"{where}: the status has no {', '.join(missing)}; it was skipped")
        return
    timestamp = number_at(item, "timestamp")
    errors = _errors(item.get("errors"), f"{where}.errors", found) if "errors" in item else ()
    found.statuses.append(
        StatusUpdate(
            message_id=message_id,
            status=status,
            conversation_id=conversation_id_for(route.phone_number_id, recipient),
            phone_number_id=route.phone_number_id,
            recipient=recipient,
            timestamp=timestamp if timestamp is not None else found.received_at,
            errors=errors,
            callback_data=text_at(item, "biz_opaque_callback_data"),
            pricing_category=text_at(dict_at(item, "pricing"), "category"),
            recipient_user_id=text_at(item, "recipient_user_id"),
        )
    )


def _errors(items: Any, where: str, found: _Found) -> tuple[StatusError, ...]:
    if not isinstance(items, list):
        found.problems.append(f"{where}: expected an array of errors, got {_shape(items)}")
        return ()
    errors = []
    for i, item in enumerate(items):
        code = item.get("code") if isinstance(item, dict) else None
        if not isinstance(code, int) or isinstance(code, bool):
            found.problems.append(f"{where}[{i}]: expected an error object with an integer 'code', got {_shape(item)}; it was left out")
            continue
        message = text_at(item, "message")
        errors.append(
            StatusError(
                code=code,
                title=text_at(item, "title") or message or "",
                message=message,
                details=text_at(dict_at(item, "error_data"), "details"),
            )
        )
    return tuple(errors)


def _shape(value: Any) -> str:
    """How a JSON value looks, for error messages (never the value itself: it may be personal data)."""
    if isinstance(value, dict):
        keys = ", ".join(repr(key) for key in list(value)[:6])
        return f"an object with keys {keys}" if keys else "an empty object"
    names = {list: "an array", str: "a string", bool: "a boolean", int: "a number", float: "a number"}
    return "null" if value is None else names.get(type(value), type(value).__name__)
