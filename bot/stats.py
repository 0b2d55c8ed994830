"""The counters a turn adds to the statistics, committed with the turn (so each counts once).

Names are ``<channel>.<what>``: ``messages_in`` (customer messages), ``messages_out`` (messages the
bot queued for the channel), ``status.<status>`` (delivery reports: sent, delivered, read,
failed) and ``failed.<error code>``. Because a delivery report is deduplicated on the inbox and
the counters are written in the same atomic commit as the turn's events, a report redelivered by
the channel, or a turn retried after a conflict, never counts twice.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from bot.core.events import Event, MessageStatus, UserMessage
from bot.core.messages import OutboundMessage


def turn_counters(channel: str, events: Iterable[Event], outbox: Iterable[OutboundMessage] = ()) -> dict[str, int]:
    """What one turn adds to each counter (only counters it changes)."""
    counts: Counter[str] = Counter()
    for event in events:
        if isinstance(event, UserMessage):
            counts[f"{channel}.messages_in"] += 1
        elif isinstance(event, MessageStatus):
            counts[f"{channel}.status.{event.status}"] += 1
            if event.error_code is not None:
                counts[f"{channel}.failed.{event.error_code}"] += 1
    for message in outbox:
        counts[f"{message.channel}.messages_out"] += 1
    return dict(counts)
