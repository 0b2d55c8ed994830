"""Channel-neutral inbound and outbound messages.

Connectors parse provider payloads once into these frozen types; the engine never digs in
provider dicts. Each content type carries a ``kind`` tag so that it serializes unambiguously.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import Field

JSON = Any


def new_message_id() -> str:
    """A fresh message id for messages that arrive without a provider id."""
    return os.urandom(16).hex()  # as unique as uuid4().hex, several times cheaper


class MediaKind(StrEnum):
    """Kinds of media a message can carry."""

    IMAGE = "image"
    AUDIO = "audio"
    VIDEO = "video"
    DOCUMENT = "document"
    STICKER = "sticker"


# ---------------------------------------------------------------- inbound content


@dataclass(frozen=True, slots=True, kw_only=True)
class Text:
    """Plain text typed by the customer."""

    body: str
    kind: Literal["text"] = "text"


@dataclass(frozen=True, slots=True, kw_only=True)
class ButtonReply:
    """The customer tapped a reply button (or a template quick-reply)."""

    reply_id: str
    title: str
    payload: str | None = None
    kind: Literal["button_reply"] = "button_reply"


@dataclass(frozen=True, slots=True, kw_only=True)
class ListReply:
    """The customer picked a row of a list message."""

    reply_id: str
    title: str
    description: str | None = None
    payload: str | None = None
    kind: Literal["list_reply"] = "list_reply"


@dataclass(frozen=True, slots=True, kw_only=True)
class Location:
    """A shared location."""

    latitude: float
    longitude: float
    name: str | None = None
    address: str | None = None
    kind: Literal["location"] = "location"


@dataclass(frozen=True, slots=True, kw_only=True)
class Media:
    """An image, audio, video, document or sticker, referenced by the provider's media id."""

    media_kind: MediaKind
    media_id: str
    mime_type: str
    caption: str | None = None
    sha256: str | None = None
    filename: str | None = None
    kind: Literal["media"] = "media"


@dataclass(frozen=True, slots=True, kw_only=True)
class Contact:
    """One shared contact card."""

    name: str
    phones: tuple[str, ...] = ()
    emails: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class Contacts:
    """One or more shared contact cards."""

    contacts: tuple[Contact, ...]
    kind: Literal["contacts"] = "contacts"


@dataclass(frozen=True, slots=True, kw_only=True)
class OrderItem:
    """One line of a cart sent from the catalogue."""

    product_id: str
    quantity: int
    price: float
    currency: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Order:
    """A cart the customer sent from the catalogue."""

    catalog_id: str
    items: tuple[OrderItem, ...]
    text: str | None = None
    kind: Literal["order"] = "order"


@dataclass(frozen=True, slots=True, kw_only=True)
class Reaction:
    """An emoji reaction to an earlier message (``emoji`` None means removed)."""

    target_message_id: str
    emoji: str | None
    kind: Literal["reaction"] = "reaction"


@dataclass(frozen=True, slots=True, kw_only=True)
class Unknown:
    """A message type the engine does not understand yet; kept, never crashed on."""

    provider_type: str
    raw: JSON = None
    kind: Literal["unknown"] = "unknown"


@dataclass(frozen=True, slots=True, kw_only=True)
class FlowReply:
    """The customer completed a WhatsApp Flow; ``response`` is what the flow's last screen sent."""

    response: dict[str, JSON]
    flow_token: str | None = None
    name: str | None = None
    body: str | None = None
    kind: Literal["flow_reply"] = "flow_reply"


@dataclass(frozen=True, slots=True, kw_only=True)
class System:
    """A notice from the provider about the customer (changed number, changed identity...).

    ``new_wa_id``/``new_user_id`` are where the conversation continues when the customer's
    phone number or business-scoped user id changed.
    """

    system_type: str
    body: str | None = None
    new_wa_id: str | None = None
    new_user_id: str | None = None
    previous_user_id: str | None = None
    identity_hash: str | None = None
    kind: Literal["system"] = "system"


EditedContent = Annotated[
    Text | ButtonReply | ListReply | Location | Media | Contacts | Order | Reaction | FlowReply | System | Unknown,
    Field(discriminator="kind"),
]


@dataclass(frozen=True, slots=True, kw_only=True)
class Edit:
    """The customer edited an earlier message; ``content`` is the new version, when sent."""

    target_message_id: str
    content: EditedContent | None = None
    kind: Literal["edit"] = "edit"


@dataclass(frozen=True, slots=True, kw_only=True)
class Revoke:
    """The customer deleted an earlier message for everyone."""

    target_message_id: str
    kind: Literal["revoke"] = "revoke"


@dataclass(frozen=True, slots=True, kw_only=True)
class DeliveryStatus:
    """Not from the customer: the channel's report on a message the bot sent (queued like a message, so
    it is logged in order by the one writer of the conversation)."""

    status: str  # the channel's word: sent, delivered, read, failed...
    message_id: str | None = None  # ours (the outbound message id), when known
    provider_message_id: str | None = None
    error_code: int | None = None
    error_title: str | None = None
    closes_window: bool = False
    unreachable: bool = False  # the customer cannot receive messages (not on the channel, an old app)
    holds_marketing_until: float | None = None  # the channel asks for no marketing to this customer before then
    resend: bool = False  # the failure was passing (too many messages at once): send the message again
    kind: Literal["delivery_status"] = "delivery_status"


@dataclass(frozen=True, slots=True, kw_only=True)
class Notify:
    """Not from the customer: the business asks to send a template (a notification) in this conversation."""

    template: OutTemplate
    kind: Literal["notify"] = "notify"


InboundContent = Annotated[
    Text
    | ButtonReply
    | ListReply
    | Location
    | Media
    | Contacts
    | Order
    | Reaction
    | Unknown
    | FlowReply
    | System
    | Edit
    | Revoke
    | DeliveryStatus
    | Notify,
    Field(discriminator="kind"),
]


@dataclass(frozen=True, slots=True, kw_only=True)
class InboundMessage:
    """One message from a customer, as the engine sees it."""

    message_id: str
    conversation_id: str
    channel: str
    content: InboundContent
    received_at: float = field(default_factory=time.time)
    reply_to: str | None = None
    metadata: dict[str, JSON] = field(default_factory=dict)

    @property
    def text(self) -> str | None:
        """The text the NLU should read, if the content has any."""
        content = self.content
        if isinstance(content, Text):
            return content.body
        if isinstance(content, ButtonReply | ListReply):
            return content.payload or content.title
        if isinstance(content, Media):
            return content.caption
        if isinstance(content, Order):
            return content.text
        return None


# ---------------------------------------------------------------- outbound content


@dataclass(frozen=True, slots=True, kw_only=True)
class Button:
    """A reply button: what the customer sees and what comes back when tapped."""

    title: str
    payload: str


@dataclass(frozen=True, slots=True, kw_only=True)
class OutText:
    """Plain text."""

    text: str
    kind: Literal["text"] = "text"


@dataclass(frozen=True, slots=True, kw_only=True)
class OutButtons:
    """Text with reply buttons (the channel decides how many it can show)."""

    text: str
    buttons: tuple[Button, ...]
    kind: Literal["buttons"] = "buttons"


@dataclass(frozen=True, slots=True, kw_only=True)
class ListRow:
    """A row of a list message."""

    row_id: str
    title: str
    description: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class ListSection:
    """A titled group of rows."""

    title: str
    rows: tuple[ListRow, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class OutList:
    """A list message: a button that opens sections of rows."""

    text: str
    button: str
    sections: tuple[ListSection, ...]
    header: str | None = None
    footer: str | None = None
    kind: Literal["list"] = "list"


@dataclass(frozen=True, slots=True, kw_only=True)
class OutProduct:
    """One catalogue product."""

    catalog_id: str
    product_id: str
    text: str | None = None
    kind: Literal["product"] = "product"


@dataclass(frozen=True, slots=True, kw_only=True)
class ProductSection:
    """A titled group of catalogue products."""

    title: str
    product_ids: tuple[str, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class OutProductList:
    """Several catalogue products in sections."""

    catalog_id: str
    header: str
    text: str
    sections: tuple[ProductSection, ...]
    kind: Literal["product_list"] = "product_list"


@dataclass(frozen=True, slots=True, kw_only=True)
class TemplateParameter:
    """One parameter of a template component (text, currency, date_time, media...)."""

    type: str
    value: JSON


@dataclass(frozen=True, slots=True, kw_only=True)
class TemplateComponent:
    """A header, body or button component of a template with its parameters."""

    type: str
    parameters: tuple[TemplateParameter, ...] = ()
    sub_type: str | None = None
    index: int | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class OutTemplate:
    """A pre-approved template (the only thing allowed outside the 24-hour window)."""

    name: str
    language: str
    components: tuple[TemplateComponent, ...] = ()
    category: Literal["marketing", "utility", "authentication"] | None = None  # as approved by the channel, when known
    kind: Literal["template"] = "template"


@dataclass(frozen=True, slots=True, kw_only=True)
class OutMedia:
    """Media by provider id or by link, with an optional caption."""

    media_kind: MediaKind
    media_id: str | None = None
    link: str | None = None
    caption: str | None = None
    filename: str | None = None
    kind: Literal["media"] = "media"


OutboundContent = Annotated[
    OutText | OutButtons | OutList | OutProduct | OutProductList | OutTemplate | OutMedia,
    Field(discriminator="kind"),
]


@dataclass(frozen=True, slots=True, kw_only=True)
class OutboundMessage:
    """One message the bot decided to send to a conversation."""

    message_id: str
    conversation_id: str
    channel: str
    content: OutboundContent
    reply_to: str | None = None
    response: str | None = None
    created_at: float = field(default_factory=time.time)
