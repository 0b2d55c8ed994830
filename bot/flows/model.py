"""What a bot's flows are, once loaded: flows, steps, slots and their mappings (typed and frozen).

The shapes follow Rasa's CALM format (flows with steps, ``next`` branches, slots with mappings);
the loader (``bot.flows.loader``) builds them from YAML and remembers where each came from, so
the validator and the engine can point at ``file:line:column``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from bot.flows.conditions import Condition

END = "END"
START = "START"
RESERVED_STEP_IDS = (START, END)
CONTINUE_PREFIX = "NEXT:"


class SlotType(StrEnum):
    """Types a slot may have: Rasa's, and ours (date, time, phone, product)."""

    TEXT = "text"
    BOOL = "bool"
    FLOAT = "float"
    CATEGORICAL = "categorical"
    ANY = "any"
    LIST = "list"
    DATE = "date"
    TIME = "time"
    PHONE = "phone"
    PRODUCT = "product"


class MappingType(StrEnum):
    """Where a slot's value may come from."""

    FROM_ENTITY = "from_entity"
    FROM_INTENT = "from_intent"
    FROM_TRIGGER_INTENT = "from_trigger_intent"
    FROM_TEXT = "from_text"
    FROM_LLM = "from_llm"
    CONTROLLED = "controlled"
    CUSTOM = "custom"


@dataclass(frozen=True, slots=True)
class Where:
    """A place in a data file, for messages: ``file:line:column``."""

    source: str
    line: int = 0
    column: int = 0

    def __str__(self) -> str:
        if not self.line:
            return self.source
        return f"{self.source}:{self.line}:{self.column}" if self.column else f"{self.source}:{self.line}"


@dataclass(frozen=True, slots=True, kw_only=True)
class SlotMapping:
    """One way a slot is filled (Rasa's ``mappings:`` item)."""

    type: MappingType
    entity: str | None = None
    role: str | None = None
    group: str | None = None
    intent: tuple[str, ...] = ()
    not_intent: tuple[str, ...] = ()
    value: Any = None
    where: Where


@dataclass(frozen=True, slots=True, kw_only=True)
class Slot:
    """A declared slot."""

    name: str
    type: SlotType
    values: tuple[Any, ...] = ()  # categorical
    initial_value: Any = None
    mappings: tuple[SlotMapping, ...] = ()
    where: Where


@dataclass(frozen=True, slots=True, kw_only=True)
class Branch:
    """``if: <condition>`` → step id; ``condition`` None is the ``else``."""

    condition: Condition | None
    target: str
    where: Where


@dataclass(frozen=True, slots=True, kw_only=True)
class Rejection:
    """A collect step's ``rejections`` item: when ``condition`` holds, say ``utter`` and ask again."""

    condition: Condition
    utter: str
    where: Where


@dataclass(frozen=True, slots=True, kw_only=True)
class Step:
    """A step of a flow. ``next`` is where it goes: one id (or END) or ordered branches."""

    id: str
    next: str | tuple[Branch, ...]
    where: Where
    explicit_id: bool = False
    metadata: Mapping[str, Any] = field(default_factory=dict)

    @property
    def targets(self) -> tuple[str, ...]:
        """Every step id this step may go to."""
        return (self.next,) if isinstance(self.next, str) else tuple(b.target for b in self.next)


@dataclass(frozen=True, slots=True, kw_only=True)
class ActionStep(Step):
    """Run an action (a response ``utter_*``, a custom action, or a built-in)."""

    action: str


@dataclass(frozen=True, slots=True, kw_only=True)
class CollectStep(Step):
    """Ask for a slot until it has an acceptable value."""

    collect: str
    utter: str
    ask_before_filling: bool = False
    reset_after_flow_ends: bool = True
    force_slot_filling: bool = False
    rejections: tuple[Rejection, ...] = ()
    description: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class SetSlotsStep(Step):
    """Set slots to fixed values."""

    slots: tuple[tuple[str, Any], ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class LinkStep(Step):
    """End this flow and start another."""

    link: str


@dataclass(frozen=True, slots=True, kw_only=True)
class CallStep(Step):
    """Run another flow, then come back to the next step."""

    call: str


@dataclass(frozen=True, slots=True, kw_only=True)
class NoopStep(Step):
    """Do nothing; a place to branch from."""


@dataclass(frozen=True, slots=True, kw_only=True)
class NluTrigger:
    """An intent that starts the flow when its confidence reaches ``confidence_threshold``."""

    intent: str
    confidence_threshold: float = 0.0
    where: Where


@dataclass(frozen=True, slots=True, kw_only=True)
class Flow:
    """A flow: its steps by id in file order, the first one is where it starts."""

    id: str
    name: str
    description: str
    steps: Mapping[str, Step]
    first: str
    where: Where
    guard: Condition | None = None
    nlu_triggers: tuple[NluTrigger, ...] = ()
    persisted_slots: tuple[str, ...] = ()
    run_pattern_completed: bool = True
    translations: Mapping[str, str] = field(default_factory=dict)  # language -> name (``translation:``)
    builtin: bool = False  # a pattern shipped with the engine (a designer's flow of the same id replaces it)

    def readable_name(self, language: str | None) -> str:
        """The flow's name in ``language`` (its ``translation:``), else its ``name``."""
        return self.translations.get(language or "", self.name)

    @property
    def is_pattern(self) -> bool:
        """Whether this is a conversation pattern (``pattern_*``)."""
        return self.id.startswith("pattern_")

    @property
    def link_or_call_only(self) -> bool:
        """A flow guarded by a constant false (``if: false``) starts only through ``link`` or ``call``."""
        return self.guard is not None and self.guard.source.strip().lower() == "false"

    def collected_slots(self) -> tuple[str, ...]:
        """Slots this flow's collect steps ask for, in step order."""
        return tuple(s.collect for s in self.steps.values() if isinstance(s, CollectStep))


@dataclass(frozen=True, slots=True, kw_only=True)
class FlowsDefinition:
    """Everything the flows engine reads: flows, slots, and the names the domain declares."""

    flows: Mapping[str, Flow]
    slots: Mapping[str, Slot]
    actions: frozenset[str] = frozenset()
    intents: frozenset[str] = frozenset()
    entities: frozenset[str] = frozenset()
    session_expiration_minutes: float | None = None
    carry_over_slots: bool = True
