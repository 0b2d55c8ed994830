"""One customer, one conversation, whichever of their ids WhatsApp sends.

WhatsApp knows a customer by their phone number (``wa_id``) and, since 2026, by a business-scoped
user id (BSUID, such as ``US.13491208655302741918``). A message or a status may carry either or
both: the phone number is withheld for customers with a username, unless they wrote recently. A
conversation is keyed on the first id seen (the phone number when both come together, as before
BSUIDs existed), and the store links the others to it for good (``ConversationStore.identify``),
so a later message or status with only one of them finds the same conversation. A ``system``
message saying the customer changed number (``user_changed_number``) or business-scoped user id
(``user_changed_user_id``, with ``previous_user_id``) links the new ids the same way, and replies
go to the new number, or to the new user id when no number is known: the conversation follows
them.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

from bot.core.messages import InboundMessage, System
from bot.state.base import ConversationStore
from connectors.whatsapp.parse import StatusUpdate, conversation_id_for, recipient_of


def message_ids(message: InboundMessage) -> list[str]:
    """The conversation ids a message's sender goes by, preferred first (the one it was parsed with first)."""
    number = str(message.metadata.get("phone_number_id") or "")
    users = [message.metadata.get("wa_id"), message.metadata.get("user_id")]
    if isinstance(message.content, System):  # a changed number or user id: the old ones lead to the conversation
        users += [message.content.new_wa_id, message.content.new_user_id, message.content.previous_user_id]
    return _unique([message.conversation_id, *(conversation_id_for(number, u) for u in users if isinstance(u, str) and u and number)])


def status_ids(status: StatusUpdate) -> list[str]:
    """The conversation ids a status's recipient goes by, preferred first."""
    ids = [status.conversation_id]
    if status.recipient_user_id:
        ids.append(conversation_id_for(status.phone_number_id, status.recipient_user_id))
    return _unique(ids)


async def resolve(store: ConversationStore, messages: Sequence[InboundMessage],
                  statuses: Sequence[StatusUpdate]) -> tuple[list[InboundMessage], list[StatusUpdate]]:
    """The messages and statuses with each one's conversation id resolved through the store (one round trip)."""
    if not messages and not statuses:
        return [], []
    found = await store.identify([*(message_ids(m) for m in messages), *(status_ids(s) for s in statuses)])
    resolved = [_addressed(m, cid) for m, cid in zip(messages, found, strict=False)]
    updated = [s if s.conversation_id == cid else dataclasses.replace(s, conversation_id=cid)
               for s, cid in zip(statuses, found[len(messages):], strict=True)]
    return resolved, updated


def _addressed(message: InboundMessage, conversation_id: str) -> InboundMessage:
    """``message`` in its conversation, saying where replies go: the sender's phone number (or their new one);
    without one, in a conversation that began under a user id, their latest user id."""
    system = message.content if isinstance(message.content, System) else None
    address = (system and system.new_wa_id) or message.metadata.get("wa_id")
    if not address and _is_user_id(recipient_of(conversation_id)[1]):
        address = (system and system.new_user_id) or message.metadata.get("user_id")
    metadata = {**message.metadata, "reply_address": address} if isinstance(address, str) and address else message.metadata
    if conversation_id == message.conversation_id and metadata is message.metadata:
        return message
    return dataclasses.replace(message, conversation_id=conversation_id, metadata=metadata)


def _is_user_id(user: str) -> bool:
    """A business-scoped user id (``EG.…``), not a phone number."""
    return not user.isdigit()


def _unique(ids: list[str]) -> list[str]:
    return list(dict.fromkeys(ids))
