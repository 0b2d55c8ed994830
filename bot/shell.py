"""``bot shell``: chat with the bot in the terminal, right-to-left text shown correctly."""

from __future__ import annotations

import asyncio
import logging
import os
import sys
import tempfile
import unicodedata
from pathlib import Path
from typing import TextIO

from bot.config import Settings
from bot.core.events import UserMessage
from bot.core.messages import (
    InboundMessage,
    OutboundMessage,
    OutButtons,
    OutList,
    OutMedia,
    OutProduct,
    OutProductList,
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


def _debug_handler(stdout: TextIO) -> logging.Handler:
    """Print the flows engine's commands as they are read."""
    handler = logging.StreamHandler(stdout)
    handler.setFormatter(logging.Formatter("  debug> %(message)s"))
    logger = logging.getLogger("bot.flows.executor")
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    return handler


async def _show_state(engine: Engine, conversation_id: str, mode: str, stdout: TextIO) -> None:
    """Print the last parse, the slots and the dialogue stack (``bot shell --debug``)."""
    events = await engine.store.events(conversation_id)
    user = next((e for e in reversed(events) if isinstance(e, UserMessage)), None)
    if user is not None and user.parse is not None:
        parse = user.parse
        intent = f"{parse.intent.name} {parse.intent.confidence:.2f}" if parse.intent else "none"
        entities = ", ".join(f"{e.entity}={e.value!r}" for e in parse.entities) or "none"
        print(f"  debug> parse: intent {intent}; entities {for_terminal(entities, mode)}; language {parse.language}", file=stdout)
    state = await engine.store.load(conversation_id)
    slots = ", ".join(f"{k}={v!r}" for k, v in sorted(state.slots.items()) if v is not None) or "none"
    stack = " > ".join(f"{f.flow_id}@{f.step_id}" for f in state.stack) or "empty"
    print(f"  debug> slots: {for_terminal(slots, mode)}", file=stdout)
    print(f"  debug> stack: {stack}; owner {state.owner}", file=stdout, flush=True)


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
    elif isinstance(content, OutProduct):
        lines.append(f"[product {content.product_id}] {for_terminal(content.text or '', mode)}".rstrip())
    elif isinstance(content, OutProductList):
        lines.append(for_terminal(content.text, mode))
        for products in content.sections:
            lines.append(f"  [{for_terminal(products.title, mode)}] products: {', '.join(products.product_ids)}")
    elif isinstance(content, OutMedia):
        lines.append(f"[{content.media_kind.value} {content.link or content.media_id}] {for_terminal(content.caption or '', mode)}".rstrip())
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
    debug: bool = False,
) -> int:
    """Read lines, send them to the bot, print its answers until end of input or /stop."""
    stdin = stdin or sys.stdin
    stdout = stdout or sys.stdout
    with tempfile.TemporaryDirectory(prefix="bot-shell-") as tmp:
        store = None if persist else SQLiteStore(Path(tmp) / "shell.db")
        engine = Engine(settings, store=store)
        await engine.start()
        handler = _debug_handler(stdout) if debug else None
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
                if debug:
                    await _show_state(engine, conversation_id, rtl, stdout)
        finally:
            if handler is not None:
                logging.getLogger("bot.flows.executor").removeHandler(handler)
            await engine.stop()
    return 0
