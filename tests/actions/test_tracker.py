"""tracker_state builds what rasa_sdk's Tracker reads."""

from __future__ import annotations

from rasa_sdk import Tracker

from bot.actions import latest_message, tracker_state


def test_a_tracker_state_reads_back_through_rasa_sdk() -> None:
    latest = latest_message("hi", "greet", 0.8, [{"entity": "name", "value": "Omar"}])
    state = tracker_state("966500000003", {"name": "Omar"}, latest,
                          [{"event": "user", "text": "hi", "timestamp": 5.0, "input_channel": "whatsapp"}])
    tracker = Tracker.from_dict(state)
    assert tracker.sender_id == "966500000003"
    assert tracker.get_slot("name") == "Omar"
    assert list(tracker.get_latest_entity_values("name")) == ["Omar"]
    assert tracker.get_intent_of_latest_message() == "greet"
    assert tracker.get_latest_input_channel() == "whatsapp"
    assert tracker.latest_action_name == "action_listen"
    assert state["latest_event_time"] == 5.0
    assert latest["intent_ranking"] == [{"name": "greet", "confidence": 0.8}]


def test_defaults_are_an_empty_conversation() -> None:
    state = tracker_state("1")
    assert state["slots"] == {} and state["events"] == [] and state["stack"] == []
    assert state["latest_message"]["intent"] == {"name": None, "confidence": 0.0}
    assert state["latest_event_time"] is None
    assert state["paused"] is False
