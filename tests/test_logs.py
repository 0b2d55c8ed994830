"""Logs never show access tokens, passwords or whole phone numbers."""

from __future__ import annotations

import logging

import pytest

from bot.logs import MaskingFormatter, mask


@pytest.mark.parametrize(
    ("raw", "shown", "hidden"),
    [
        ("message from 201001234567", "***4567", "201001234567"),
        ("wa_id=+966 50 123 4567", "***4567", "50 123"),
        ("token EAAGm0PX4ZCpsBAKx1234567890abc", "EAA***", "Km0PX4"),
        ("Authorization: Bearer abc.def.ghijkl", "Bearer ***", "abc.def"),
        ("redis://:hunter2@cache:6379/0", "redis://:***@cache", "hunter2"),
        ('{"access_token": "s3cr3t-value"}', "access_token", "s3cr3t"),
    ],
)
def test_mask_hides_secrets_and_phones(raw: str, shown: str, hidden: str) -> None:
    masked = mask(raw)
    assert shown in masked
    assert hidden not in masked


@pytest.mark.parametrize("text", ["order 12345 qty 3", "at 1795287522.2003965", "id 7c9e6679742540de944be07fc1f90ae7"])
def test_mask_leaves_ordinary_numbers(text: str) -> None:
    assert mask(text) == text


def test_formatter_masks_arguments_and_json_lines() -> None:
    record = logging.LogRecord("bot", logging.INFO, __file__, 1, "reply to %s failed", ("966501234567",), None)
    assert "966501234567" not in MaskingFormatter().format(record)
    line = MaskingFormatter(json_lines=True).format(record)
    assert '"message":"reply to ***4567 failed"' in line
