"""Fixtures for the action runners: a real rasa_sdk action server, a domain and trackers."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest

from bot.actions import latest_message, tracker_state
from tests.conftest import ROOT
from tests.redis_server import free_port

FIXTURE_ACTIONS = "tests.actions.fixture_actions"

#: Every action the fixture package defines (and nothing it merely imports).
FIXTURE_NAMES = frozenset({
    "action_bad_events", "action_check_order", "action_end_conversation", "action_explode", "action_greet",
    "action_refuse", "action_slow", "action_slow_sync", "action_streamed", "validate_address_form",
})

DOMAIN: dict[str, Any] = {
    "version": "3.1",
    "intents": ["greet", "check_order", "inform"],
    "entities": ["order_id", "city"],
    "slots": {
        "order_id": {"type": "text", "mappings": [{"type": "from_entity", "entity": "order_id"}]},
        "customer_name": {"type": "text", "mappings": [{"type": "custom"}]},
        "city": {"type": "text", "mappings": [{"type": "from_entity", "entity": "city"}]},
        "street": {"type": "text", "mappings": [{"type": "from_text"}]},
        "requested_slot": {"type": "any", "mappings": [{"type": "custom"}]},
    },
    "forms": {"address_form": {"required_slots": ["city", "street"]}},
    "responses": {
        "utter_order_status": [{"text": "{order} has shipped."}],
        "utter_goodbye": [{"text": "Bye!"}],
        "utter_unknown_city": [{"text": "We do not deliver to {city} yet."}],
    },
    "actions": sorted(FIXTURE_NAMES),
}


def order_tracker(slots: dict[str, Any] | None = None, text: str = "where is A-12345?") -> dict[str, Any]:
    """A tracker whose latest message asks about an order (with an order_id entity)."""
    entities = [{"entity": "order_id", "value": "A-12345", "start": 12, "end": 19, "extractor": "regex"}]
    return tracker_state(
        "966500000001",
        {"order_id": None, "customer_name": "Layla", **(slots or {})},
        latest_message(text, "check_order", 0.93, entities),
        [{"event": "action", "name": "action_session_start", "timestamp": 1.0},
         {"event": "user", "text": text, "timestamp": 2.0}],
        latest_input_channel="whatsapp",
    )


def form_tracker(city: str) -> dict[str, Any]:
    """A tracker in the address form right after the user gave ``city``."""
    return tracker_state(
        "966500000002",
        {"city": city, "street": None, "requested_slot": "city"},
        latest_message(city, "inform", 0.88, [{"entity": "city", "value": city, "start": 0, "end": len(city)}]),
        [{"event": "active_loop", "name": "address_form", "timestamp": 1.0},
         {"event": "action", "name": "address_form", "timestamp": 1.5},
         {"event": "user", "text": city, "timestamp": 2.0},
         {"event": "slot", "name": "city", "value": city, "timestamp": 2.1}],
        active_loop={"name": "address_form"},
        latest_action_name="action_listen",
    )


@pytest.fixture(scope="module")
def action_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """``python -m rasa_sdk --actions tests.actions.fixture_actions`` on a free port; yields its webhook URL."""
    port = free_port()
    log_path = tmp_path_factory.mktemp("action-server") / "server.log"
    env = {**os.environ, "SANIC_HOST": "127.0.0.1"}
    with log_path.open("w") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "rasa_sdk", "--actions", FIXTURE_ACTIONS, "--port", str(port)],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"{base}/health", timeout=0.5).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                state = f"exited with {proc.returncode}" if proc.poll() is not None else "gave no /health answer in 30 s"
                raise RuntimeError(f"the rasa_sdk action server on port {port} {state}; its output:\n"
                                   f"{log_path.read_text(errors='replace')[-3000:]}")
            time.sleep(0.05)
        yield f"{base}/webhook"
    finally:
        _stop(proc)


def _stop(proc: subprocess.Popen[bytes]) -> None:
    # Sanic runs the app in spawned worker processes: signal the whole session we started.
    try:
        os.killpg(proc.pid, signal.SIGTERM)
    except ProcessLookupError:
        pass  # the server and its workers are gone already
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    """One HTTP client per test, as the app injects one."""
    async with httpx.AsyncClient() as http:
        yield http
