"""What a response may mention when the flows engine says it: slots, frame contexts, extras.

Built for every response, so it is lazy: a value is looked up only when the chosen variation
names it (most responses name one or two of the bot's dozens of slots).
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Mapping, Sequence
from typing import Any

from bot.core.conversation import Frame

_MISSING = object()


def shown(value: Any) -> Any:
    """A value as replies show it: whole floats as integers (a quantity of 3, not 3.0)."""
    return int(value) if isinstance(value, float) and value.is_integer() else value


class ResponseValues(Mapping[str, Any]):
    """Extras first, then ``context.key`` (the top-most frame that has the key), then slots (None if declared but unset)."""

    __slots__ = ("_declared", "_extra", "_frames", "_slots")

    def __init__(self, slots: Mapping[str, Any], declared: Collection[str], frames: Sequence[Frame],
                 extra: Mapping[str, Any] | None = None) -> None:
        self._slots = slots
        self._declared = declared
        self._frames = frames
        self._extra = extra or {}

    def __getitem__(self, key: str) -> Any:
        value = self._extra.get(key, _MISSING)
        if value is not _MISSING:
            return value
        if key.startswith("context."):
            name = key[8:]
            for frame in reversed(self._frames):
                if name in frame.context:
                    return shown(frame.context[name])
            raise KeyError(key)
        value = self._slots.get(key, _MISSING)
        if value is not _MISSING:
            return shown(value)
        if key in self._declared:
            return None
        raise KeyError(key)

    def __iter__(self) -> Iterator[str]:
        keys = dict.fromkeys(self._declared)
        keys.update(dict.fromkeys(self._slots))
        for frame in self._frames:
            keys.update(dict.fromkeys(f"context.{k}" for k in frame.context))
        keys.update(dict.fromkeys(self._extra))
        return iter(keys)

    def __len__(self) -> int:
        return sum(1 for _ in self)
