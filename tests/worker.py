"""A worker process for the multi-process tests: a dispatcher with a recording dialogue.

    python -m tests.worker --backend redis --redis-url URL --prefix P [--hang-on TEXT --marker F]
    python -m tests.worker --backend sqlite --sqlite-path F --until-empty

The dialogue answers ``echo:<text>`` and records the process that handled the message in the
slot ``handled_by``; a message equal to ``--hang-on`` makes it write ``--marker`` and hang, so
the test can kill the process in the middle of that message.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
from pathlib import Path

from bot.config import load_settings
from bot.core.conversation import Conversation
from bot.core.events import Parse, SlotSet
from bot.core.messages import InboundMessage, OutText
from bot.dialogue.base import Decision, Utterance
from bot.engine import Engine
from bot.state.base import ConversationStore
from bot.state.redis import RedisStore
from bot.state.sqlite import SQLiteStore


class RecordingDialogue:
    """Echoes, remembers which process answered, hangs on request."""

    def __init__(self, hang_on: str | None, marker: Path | None, delay: float) -> None:
        self.hang_on = hang_on
        self.marker = marker
        self.delay = delay

    async def decide(self, conversation: Conversation, message: InboundMessage, parse: Parse) -> Decision:
        text = message.text or ""
        if self.hang_on is not None and text == self.hang_on:
            assert self.marker is not None
            self.marker.write_text(str(os.getpid()))
            await asyncio.Event().wait()
        if self.delay:
            await asyncio.sleep(self.delay)
        return Decision(
            events=(SlotSet(name="handled_by", value=os.getpid()),),
            utterances=(Utterance(OutText(text=f"echo:{text}")),),
        )


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--backend", choices=("sqlite", "redis"), required=True)
    parser.add_argument("--redis-url")
    parser.add_argument("--prefix", default="bot")
    parser.add_argument("--sqlite-path")
    parser.add_argument("--hang-on")
    parser.add_argument("--marker")
    parser.add_argument("--delay", type=float, default=0.0)
    parser.add_argument("--lease-ttl", type=float, default=1.0)
    parser.add_argument("--claim-idle", type=float, default=1.0)
    parser.add_argument("--until-empty", action="store_true", help="exit once the inbox is empty")
    args = parser.parse_args()
    store: ConversationStore
    if args.backend == "redis":
        store = RedisStore(args.redis_url, key_prefix=args.prefix, claim_idle=args.claim_idle)
    else:
        store = SQLiteStore(Path(args.sqlite_path), claim_idle=args.claim_idle)
    settings = load_settings(None, {"BOT__STORE__LOCK_TTL_SECONDS": str(args.lease_ttl), "BOT__CHANNELS": "{}"})
    dialogue = RecordingDialogue(args.hang_on, Path(args.marker) if args.marker else None, args.delay)
    engine = Engine(settings, store=store, dialogue=dialogue)
    await engine.start()
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    print("worker ready", flush=True)
    try:
        while not stop.is_set():
            if args.until_empty and await store.inbox_size() == 0:
                break
            try:
                await asyncio.wait_for(stop.wait(), 0.05)
            except TimeoutError:
                pass
    finally:
        await engine.stop()


if __name__ == "__main__":
    asyncio.run(main())
