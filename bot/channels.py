"""Channels: how messages come in over HTTP and go out. Found by name in a registry.

A channel package (``connectors/rest``, ``connectors/whatsapp``) declares its class under the
entry-point group ``whatsbot.channels``; the engine never imports connectors directly.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from importlib.metadata import entry_points
from typing import TYPE_CHECKING, Any, ClassVar

from fastapi import APIRouter

from bot.errors import RegistryError

if TYPE_CHECKING:
    from bot.core.messages import InboundMessage, OutboundContent, OutboundMessage
    from bot.engine import Engine

ENTRY_POINT_GROUP = "whatsbot.channels"


class Channel(ABC):
    """One way customers reach the bot."""

    #: The channel's name in config.yml and in messages (``rest``, ``whatsapp``).
    name: ClassVar[str]
    #: True if the bot's messages are pushed through the outbox (WhatsApp); False if the
    #: channel answers inside the request (REST).
    pushes: ClassVar[bool] = False

    def __init__(self, options: Mapping[str, Any]) -> None:
        self.options = dict(options)

    @abstractmethod
    def router(self, engine: Engine) -> APIRouter:
        """The HTTP routes of this channel."""

    def check(self, content: OutboundContent) -> list[str]:
        """What in ``content`` this channel could not send (its limits), for ``bot validate``; none by default."""
        return []

    async def start(self, engine: Engine) -> None:
        """Open what the channel needs while the engine runs (the default: nothing)."""

    async def stop(self) -> None:
        """Close what ``start`` opened."""

    def taking(self, engine: Engine, message: InboundMessage) -> None:
        """A worker starts processing ``message`` (WhatsApp marks it read); must not block. Nothing by default."""

    async def deliver(self, engine: Engine, message: OutboundMessage) -> None:
        """Send one message from the outbox (channels that push must implement it).

        Return when the message is dealt with for good (sent, or failed for a reason that
        retrying cannot fix, and recorded); raise ``DeliveryDeferred`` to try again later.
        """
        msg = f"channel {self.name!r} pushes messages but does not implement deliver()"
        raise NotImplementedError(msg)


class ChannelRegistry:
    """Known channel classes by name (entry points plus anything registered by hand)."""

    def __init__(self, channels: Mapping[str, type[Channel]] | None = None) -> None:
        self._channels: dict[str, type[Channel]] = dict(channels or {})

    @classmethod
    def from_entry_points(cls) -> ChannelRegistry:
        """Every channel installed packages declare."""
        found: dict[str, type[Channel]] = {}
        for point in entry_points(group=ENTRY_POINT_GROUP):
            found[point.name] = point.load()
        return cls(found)

    def register(self, channel: type[Channel]) -> None:
        """Add a channel class under its name."""
        self._channels[channel.name] = channel

    def names(self) -> list[str]:
        """The known channel names."""
        return sorted(self._channels)

    def create(self, name: str, options: Mapping[str, Any]) -> Channel:
        """An instance of the channel called ``name``."""
        try:
            channel = self._channels[name]
        except KeyError:
            raise RegistryError("channel", name, self.names()) from None
        return channel(options)
