"""Logging set-up: one handler, text or JSON lines, with phone numbers and tokens masked."""

from __future__ import annotations

import logging
import re
import sys
import time

import orjson

_PHONE = re.compile(r"(?<![\w.])\+?\d[\d -]{6,18}(\d{4})(?![\w.])")
_SECRETS = (
    re.compile(r"\bEAA[A-Za-z0-9]{16,}"),  # Meta access tokens
    re.compile(r"(?i)(bearer\s+)[A-Za-z0-9._~+/=-]{8,}"),
    re.compile(r"(?i)((?:access_token|token|secret|password)[\"']?\s*[=:]\s*[\"']?)[^\s\"'&,}]+"),
    re.compile(r"(redis(?:s)?://[^:/@\s]*:)[^@\s]+(@)"),
)


def mask(text: str) -> str:
    """``text`` with phone numbers reduced to their last four digits and secrets hidden."""
    text = _SECRETS[0].sub("EAA***", text)
    text = _SECRETS[1].sub(r"\1***", text)
    text = _SECRETS[2].sub(r"\1***", text)
    text = _SECRETS[3].sub(r"\1***\2", text)
    return _PHONE.sub(lambda m: "***" + m.group(1), text)


class MaskingFormatter(logging.Formatter):
    """A formatter whose output never shows phone numbers or tokens."""

    def __init__(self, fmt: str | None = None, *, json_lines: bool = False) -> None:
        super().__init__(fmt or "%(asctime)s %(levelname)-7s %(name)s: %(message)s")
        self.json_lines = json_lines

    def format(self, record: logging.LogRecord) -> str:
        """Format the record, then mask it."""
        if not self.json_lines:
            return mask(super().format(record))
        payload = {
            "time": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created)) + f".{int(record.msecs):03d}Z",
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": mask(record.getMessage()),
        }
        if record.exc_info:
            payload["exception"] = mask(self.formatException(record.exc_info))
        return orjson.dumps(payload).decode()


def configure_logging(level: str = "info", fmt: str = "text") -> None:
    """Send every log record (ours and uvicorn's) to stderr through the masking formatter."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(MaskingFormatter(json_lines=fmt == "json"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        logger = logging.getLogger(name)
        logger.handlers[:] = []
        logger.propagate = True
