"""Well-behaved actions: read the tracker, utter, set slots, end the conversation."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import AllSlotsReset, ConversationPaused, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from .base import ShopAction


class ActionCheckOrder(ShopAction):
    """A plain ``def run``: reads a slot and the latest message, utters a response, sets slots."""

    def name(self) -> str:
        return "action_check_order"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[dict[str, Any]]:
        order_id = tracker.get_slot("order_id") or next(tracker.get_latest_entity_values("order_id"), None)
        intent = (tracker.latest_message.get("intent") or {}).get("name")
        dispatcher.utter_message(
            response="utter_order_status",
            order=self.order_label(order_id),
            buttons=[{"title": "Track", "payload": "/track"}],
        )
        return [
            SlotSet("order_id", order_id),
            SlotSet("order_status", "shipped"),
            SlotSet("last_text", tracker.latest_message.get("text")),
            SlotSet("last_intent", intent),
        ]


class ActionGreet(ShopAction):
    """An ``async def run`` that uses every part of ``utter_message``."""

    def name(self) -> str:
        return "action_greet"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[dict[str, Any]]:
        customer = tracker.get_slot("customer_name") or "there"
        dispatcher.utter_message(text=f"Hello {customer}!")
        dispatcher.utter_message(
            image="https://shop.example/logo.png",
            attachment="https://shop.example/menu.pdf",
            json_message={"type": "list", "sections": [{"title": "Menu"}]},
            elements=[{"title": "Dates", "subtitle": "1 kg"}],
            buttons=[{"title": "Shop", "payload": "/shop"}],
            channel="whatsapp",
        )
        return [SlotSet("greeted", True)]


class ActionEndConversation(ShopAction):
    """Returns the events that steer the conversation rather than fill slots."""

    def name(self) -> str:
        return "action_end_conversation"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[dict[str, Any]]:
        dispatcher.utter_message(response="utter_goodbye")
        return [FollowupAction("action_listen"), ConversationPaused(), AllSlotsReset()]


class ActionStreamed(ShopAction):
    """Streams two chunks and forgets ``stream_end`` (rasa_sdk closes the stream for it)."""

    def name(self) -> str:
        return "action_streamed"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[dict[str, Any]]:
        await dispatcher.stream_chunk(text="Checking ")
        await dispatcher.stream_chunk(text="stock...")
        return []
