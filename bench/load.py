"""Load benchmark of the REST webhook: messages/s and latency at several concurrencies.

    python bench/load.py --url http://127.0.0.1:5005 -n 2000 --senders 1000 --concurrency 1 8 32
    python bench/load.py --spawn --expect-text Hello --concurrency 1 8 32

``--spawn`` starts ``bot run`` itself in a temporary folder (embedded SQLite there unless
REDIS_URL is set; the project's ``config.yml`` unless ``--config`` names another), pinned to one core while this client runs on
another, and also measures the time from process start to ``/ready`` and the server's RSS. Every
reply is checked. One JSON line per measurement goes to stdout and is appended to ``--out``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from contextlib import ExitStack
from pathlib import Path
from typing import IO, Any

import aiohttp
import psutil

sys.path.insert(0, str(Path(__file__).resolve().parent))
from machine import code_version, machine_info, now

HERE = Path(__file__).resolve().parent
WARMUP = 50
READY_TIMEOUT_S = 30.0


class NotReady(Exception):
    """The spawned server exited or did not answer 200 on /ready in time."""


def percentile(sorted_values: list[float], q: float) -> float:
    """The q-th percentile (0..100) of sorted values, nearest rank."""
    return sorted_values[max(0, math.ceil(q / 100 * len(sorted_values)) - 1)]


def check(status: int, body: bytes, sender: str, expect: str | None) -> str | None:
    """What is wrong with a reply, or None."""
    if status != 200:
        return f"HTTP {status}: {body[:200]!r}"
    try:
        items = json.loads(body)
    except ValueError:
        return f"not JSON: {body[:200]!r}"
    if not isinstance(items, list) or not items or not all(isinstance(item, dict) for item in items):
        return f"empty or not a list of objects: {body[:200]!r}"
    if any(item.get("recipient_id") != sender for item in items):
        return f"not all addressed to {sender!r}: {body[:200]!r}"
    if expect and not any(expect in str(item.get("text") or "") for item in items):
        return f"no text containing {expect!r}: {body[:200]!r}"
    return None


async def load(url: str, n: int, senders: int, concurrency: int, message: str, expect: str | None) -> dict[str, Any]:
    """Send ``n`` messages from ``senders`` senders, ``concurrency`` in flight; check every reply."""
    run = uuid.uuid4().hex[:8]  # fresh senders: runs never share conversations
    endpoint = f"{url}/webhooks/rest/webhook"
    latencies: list[float] = []
    errors: list[str] = []
    locks: dict[str, asyncio.Lock] = {}
    pending = iter(range(n))
    connector = aiohttp.TCPConnector(limit=concurrency)  # keep-alive by default
    async with aiohttp.ClientSession(connector=connector, timeout=aiohttp.ClientTimeout(total=60)) as session:

        async def send(sender: str) -> float:
            start = time.perf_counter()
            try:
                async with session.post(endpoint, json={"sender": sender, "message": message}) as response:
                    body = await response.read()
                    problem = check(response.status, body, sender, expect)
            except (TimeoutError, aiohttp.ClientError) as exc:
                problem = f"{type(exc).__name__}: {exc}"
            if problem:
                errors.append(problem)
            return time.perf_counter() - start

        async def worker() -> None:
            for i in pending:  # shared iterator: each message is taken by exactly one worker
                sender = f"load-{run}-{i % senders}"
                async with locks.setdefault(sender, asyncio.Lock()):  # one message per sender in flight
                    latencies.append(await send(sender))

        for i in range(min(WARMUP, n)):  # warm-up: connections, caches; not counted
            await send(f"warm-{run}-{i}")
        errors.clear()
        cpu_start, wall_start = time.process_time(), time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        wall, cpu = time.perf_counter() - wall_start, time.process_time() - cpu_start
    ms = sorted(x * 1000 for x in latencies)
    return {
        "n": n,
        "senders": senders,
        "concurrency": concurrency,
        "messages_per_s": round(n / wall, 1),
        "latency_ms": {
            **{f"p{q}": round(percentile(ms, q), 2) for q in (50, 95, 99)},
            "max": round(ms[-1], 2),
            "mean": round(sum(ms) / len(ms), 2),
        },
        "errors": len(errors),
        "error_samples": errors[:3],
        "client_cpu_percent": round(cpu / wall * 100, 1),
        "duration_s": round(wall, 3),
    }


def free_port() -> int:
    """A free TCP port on loopback."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def rss_mb(pid: int) -> float | None:
    """Resident memory of a process and its children, in MiB (None if it is gone)."""
    try:
        proc = psutil.Process(pid)
        total = proc.memory_info().rss
        children = proc.children(recursive=True)
    except psutil.NoSuchProcess:
        return None
    for child in children:
        try:
            total += child.memory_info().rss
        except psutil.NoSuchProcess:
            pass
    return round(float(total) / 2**20, 1)


def pin_cores() -> tuple[int, int] | None:
    """(server core, client core) if taskset exists and we may use two cores, else None."""
    cores = sorted(os.sched_getaffinity(0))
    return (cores[0], cores[1]) if len(cores) >= 2 and shutil.which("taskset") else None


def wait_ready(proc: subprocess.Popen[bytes], url: str, start: float) -> float:
    """Seconds from ``start`` to the first 200 of ``/ready``, polling every 10 ms."""
    while True:
        try:
            with urllib.request.urlopen(f"{url}/ready", timeout=1) as response:
                if response.status == 200:
                    return time.perf_counter() - start
        except OSError:  # refused, 503 (HTTPError), timeout
            pass
        if proc.poll() is not None:
            raise NotReady(f"bot run exited with code {proc.returncode} before it was ready")
        if time.perf_counter() - start > READY_TIMEOUT_S:
            raise NotReady(f"bot run was not ready after {READY_TIMEOUT_S:.0f} s")
        time.sleep(0.01)


def spawn(config: str | None, workdir: Path, log: IO[bytes], cores: tuple[int, int] | None) -> tuple[subprocess.Popen[bytes], str]:
    """Start ``bot run`` on a free port in ``workdir``, on ``cores[0]`` if given; return it and its URL."""
    port = free_port()
    command = [shutil.which("bot") or "bot", "run", "--host", "127.0.0.1", "--port", str(port)]
    if config:
        command += ["--config", str(Path(config).resolve())]
    if cores:
        command = ["taskset", "-c", str(cores[0]), *command]  # taskset execs: same pid
    env = dict(os.environ)
    env.setdefault("BOT__STORE__SQLITE__PATH", str(workdir / "bot.db"))  # never next to a repo config
    proc = subprocess.Popen(command, cwd=workdir, env=env, stdin=subprocess.DEVNULL, stdout=log, stderr=log)
    return proc, f"http://127.0.0.1:{port}"


def stop(proc: subprocess.Popen[bytes]) -> None:
    """SIGINT, then SIGKILL after 10 s."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGINT)
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def emit(line: dict[str, Any], out: Path) -> None:
    """Print a result line and append it to ``out``."""
    text = json.dumps(line, ensure_ascii=False)
    print(text, flush=True)
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("a", encoding="utf-8") as handle:
        handle.write(text + "\n")


def parse_args() -> argparse.Namespace:
    """The command line, checked."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    target = parser.add_mutually_exclusive_group(required=True)
    target.add_argument("--url", help="base URL of a running bot, e.g. http://127.0.0.1:5005")
    target.add_argument("--spawn", action="store_true", help="start `bot run` on a free port for the benchmark")
    parser.add_argument(
        "--config", default=str(HERE.parent / "config.yml"),
        help="with --spawn: config file passed to `bot run` (default: the project's config.yml)",
    )
    parser.add_argument("-n", type=int, default=2000, help="measured messages per concurrency level")
    parser.add_argument("--senders", type=int, default=1000, help="distinct conversations per level")
    parser.add_argument("--concurrency", type=int, nargs="+", default=[1, 8, 32])
    parser.add_argument("--message", default="/greet")
    parser.add_argument("--expect-text", help="some item of every reply must contain this text")
    parser.add_argument("--out", type=Path, default=HERE / "results" / "load.jsonl", help="JSON lines appended here")
    args = parser.parse_args()
    if args.n < 1 or args.senders < 1 or min(args.concurrency) < 1:
        parser.error("-n, --senders and --concurrency must be >= 1")
    return args


def main() -> int:
    """Run the benchmark; 0 if every reply passed, 1 if some failed, 2 if the server never became ready."""
    args = parse_args()
    store = ("redis" if os.environ.get("REDIS_URL") else "sqlite") if args.spawn else "unknown"
    base = {"date": now(), "machine": machine_info(), "code": code_version(), "store": store}
    failed = False
    with ExitStack() as stack:
        proc = None
        url = (args.url or "").rstrip("/")
        if args.spawn:
            workdir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="bench-load-")))
            log = stack.enter_context((workdir / "server.log").open("wb"))
            cores = pin_cores()
            if cores:
                os.sched_setaffinity(0, {cores[1]})
            start = time.perf_counter()
            proc, url = spawn(args.config, workdir, log, cores)
            stack.callback(stop, proc)
            try:
                ready_s = wait_ready(proc, url, start)
            except NotReady as exc:
                stop(proc)
                tail = (workdir / "server.log").read_text(errors="replace")[-3000:]
                print(f"bench/load.py: {exc}; server output (tail):\n{tail}", file=sys.stderr)
                return 2
            time.sleep(2)
            pinned = {"server_core": cores[0], "client_core": cores[1]} if cores else None
            startup = {"start_to_ready_s": round(ready_s, 3), "idle_rss_mb": rss_mb(proc.pid), "pinned": pinned}
            emit({"bench": "startup", **base, **startup}, args.out)
        for concurrency in args.concurrency:
            result = asyncio.run(load(url, args.n, args.senders, concurrency, args.message, args.expect_text))
            after = {"server_rss_mb_after": rss_mb(proc.pid)} if proc else {}
            emit({"bench": "load", **base, "target": f"{url}/webhooks/rest/webhook", **result, **after}, args.out)
            failed |= result["errors"] > 0
    if failed:
        print("bench/load.py: some replies failed the checks (see errors, error_samples)", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
