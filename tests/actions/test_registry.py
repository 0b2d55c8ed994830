"""get_runner: runner kinds by name, with errors that list what is allowed."""

from __future__ import annotations

import httpx
import pytest

from bot.actions import RUNNERS, InProcessActions, RemoteActions, get_runner
from bot.errors import ConfigError, RegistryError
from tests.actions.conftest import FIXTURE_ACTIONS, FIXTURE_NAMES


def test_inprocess_discovers_one_or_several_targets() -> None:
    runner = get_runner("inprocess", actions=FIXTURE_ACTIONS, timeout=3)
    assert isinstance(runner, InProcessActions)
    assert runner.names() == FIXTURE_NAMES
    assert runner.timeout == 3
    assert get_runner("inprocess", actions=[FIXTURE_ACTIONS]).names() == FIXTURE_NAMES


async def test_remote_uses_the_injected_client() -> None:
    async with httpx.AsyncClient() as client:
        runner = get_runner("remote", url="http://127.0.0.1:5055/webhook", client=client, omit_known_domain=True)
    assert isinstance(runner, RemoteActions)
    assert runner.client is client
    assert runner.omit_known_domain is True


def test_an_unknown_kind_lists_the_known_ones() -> None:
    assert set(RUNNERS) == {"inprocess", "remote"}
    with pytest.raises(RegistryError, match="unknown action runner 'grpc'; known action runners: inprocess, remote"):
        get_runner("grpc")


def test_bad_options_are_all_reported_with_the_allowed_ones() -> None:
    with pytest.raises(ConfigError) as caught:
        get_runner("remote", urll="http://127.0.0.1:5055/webhook")
    assert caught.value.problems == [
        f"{problem} (options of the 'remote' action runner: url, client, timeout, headers, version, omit_known_domain)"
        for problem in ("unknown option 'urll'", "missing option 'url'", "missing option 'client'")
    ]
