"""``bot shell``: chat with the bot in the terminal, right-to-left text shown correctly."""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile
import unicodedata
from pathlib import Path
from typing import TextIO

from bot.config import Settings
from bot.core.messages import (
    InboundMessage,
    OutboundMessage,
    OutButtons,
    OutList,
    OutText,
    Text,
    new_message_id,
)
from bot.engine import Engine
from bot.state.sqlite import SQLiteStore

STOP = "/stop"


def has_rtl(text: str) -> bool:
    """Whether ``text`` contains right-to-left letters (Arabic, Hebrew...)."""
    return any(unicodedata.bidirectional(ch) in ("R", "AL") for ch in text)


def terminal_does_bidi() -> bool:
    """Whether this terminal reorders right-to-left text itself (VTE >= 0.76, mlterm)."""
    if os.environ.get("BOT_TERMINAL_BIDI") in ("1", "true", "yes"):
        return True
    vte = os.environ.get("VTE_VERSION", "")
    return (vte.isdigit() and int(vte) >= 7600) or os.environ.get("TERM_PROGRAM") == "mlterm"


def for_terminal(text: str, mode: str) -> str:
    """Text ready to print: shaped and put in visual order when the terminal cannot."""
    visual = mode == "visual" or (mode == "auto" and not terminal_does_bidi())
    if not visual or not has_rtl(text):
        return text
    import arabic_reshaper
    from bidi import get_display

    return "\n".join(get_display(arabic_reshaper.reshape(line)) for line in text.split("\n"))


def render(message: OutboundMessage, mode: str, first: int = 1) -> tuple[list[str], list[str]]:
    """Lines to print for a bot message, and the payloads its numbered choices send."""
    content = message.content
    lines: list[str] = []
    payloads: list[str] = []
    if isinstance(content, OutText):
        lines.append(for_terminal(content.text, mode))
    elif isinstance(content, OutButtons):
        lines.append(for_terminal(content.text, mode))
        for button in content.buttons:
            payloads.append(button.payload)
            lines.append(f"  {first + len(payloads) - 1}) {for_terminal(button.title, mode)}")
    elif isinstance(content, OutList):
        lines.append(for_terminal(content.text, mode))
        for section in content.sections:
            lines.append(f"  [{for_terminal(section.title, mode)}]")
            for row in section.rows:
                payloads.append(row.row_id)
                lines.append(f"  {first + len(payloads) - 1}) {for_terminal(row.title, mode)}")
    else:
        lines.append(f"[{content.kind}] {getattr(content, 'text', '') or ''}".rstrip())
    return lines, payloads


async def run_shell(
    settings: Settings,
    *,
    conversation_id: str = "shell",
    rtl: str = "auto",
    persist: bool = False,
    stdin: TextIO | None = None,
    stdout: TextIO | None = None,
) -> int:
    """Read lines, send them to the bot, print its answers until end of input or /stop."""
    stdin = stdin or sys.stdin
    stdout = stdout or sys.stdout
    with tempfile.TemporaryDirectory(prefix="bot-shell-") as tmp:
        store = None if persist else SQLiteStore(Path(tmp) / "shell.db")
        engine = Engine(settings, store=store)
        await engine.start()
        try:
            print(f"Chatting with the bot as {conversation_id!r}. Type {STOP} or press Ctrl-D to quit; "
                  "type a number to press a button.", file=stdout, flush=True)
            payloads: list[str] = []
            while True:
                print("you> ", end="", file=stdout, flush=True)
                line = await asyncio.to_thread(stdin.readline)
                if not line:
                    print(file=stdout)
                    break
                text = line.strip()
                if not text:
                    continue
                if text == STOP:
                    break
                if text.isdigit() and 1 <= int(text) <= len(payloads):
                    text = payloads[int(text) - 1]
                message = InboundMessage(
                    message_id=new_message_id(), conversation_id=conversation_id, channel="shell", content=Text(body=text)
                )
                answers = await engine.ask(message) or []
                payloads = []
                for answer in answers:
                    lines, choices = render(answer, rtl, len(payloads) + 1)
                    payloads.extend(choices)
                    for out in lines:
                        print(f"bot> {out}", file=stdout, flush=True)
        finally:
            await engine.stop()
    return 0
