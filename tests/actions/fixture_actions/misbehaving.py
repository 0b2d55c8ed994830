"""Actions that fail in each way an action can: raise, reject, hang, return junk."""

from __future__ import annotations

import asyncio
import time
from typing import Any

from rasa_sdk import Action, ActionExecutionRejection, Tracker
from rasa_sdk.executor import CollectingDispatcher


class ActionExplode(Action):
    def name(self) -> str:
        return "action_explode"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[dict[str, Any]]:
        dispatcher.utter_message(text="never seen")
        raise ValueError("the catalogue is down")


class ActionRefuse(Action):
    def name(self) -> str:
        return "action_refuse"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[dict[str, Any]]:
        raise ActionExecutionRejection(self.name(), "no order id to refund")


class ActionSlow(Action):
    """Sleeps (awaiting) far longer than the tests' short timeouts."""

    def name(self) -> str:
        return "action_slow"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[dict[str, Any]]:
        await asyncio.sleep(5)
        return []


class ActionSlowSync(Action):
    """Blocks its thread a little longer than the tests' short timeout (in-process only)."""

    def name(self) -> str:
        return "action_slow_sync"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[dict[str, Any]]:
        time.sleep(0.5)
        return []


class ActionBadEvents(Action):
    """Returns an event without its ``event`` name and a string where an event belongs."""

    def name(self) -> str:
        return "action_bad_events"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[Any]:
        return [{"name": "order_id", "value": "A-1"}, "slot order_id=A-1"]
