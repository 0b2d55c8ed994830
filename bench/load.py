"""Load benchmark of the REST webhook: messages/s and latency at several concurrencies.

    python bench/load.py --spawn -n 2000 --senders 1000 --concurrency 1 8 32
    python bench/load.py --url http://127.0.0.1:5005 -n 2000 --senders 1000 --concurrency 32

With ``--spawn`` it starts ``bot run`` itself (embedded SQLite in a temporary folder unless
REDIS_URL is set), pinned to core 0 while this client runs on core 1, and also measures the
time from process start to ``/ready`` and the server's idle RSS. Every reply is checked. One
JSON line per measurement goes to stdout and is appended to ``--out``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import aiohttp
import psutil

sys.path.insert(0, str(Path(__file__).resolve().parent))
from machine import machine_info, now  # noqa: E402

HERE = Path(__file__).resolve().parent


def percentile(sorted_values: list[float], q: float) -> float:
    """The q-th percentile (0..100) of sorted values, nearest rank."""
    if not sorted_values:
        return float("nan")
    index = min(len(sorted_values) - 1, max(0, round(q / 100 * len(sorted_values) + 0.5) - 1))
    return sorted_values[index]


async def load(url: str, n: int, senders: int, concurrency: int, message: str, expect: str | None) -> dict[str, Any]:
    """Send ``n`` messages from ``senders`` senders with ``concurrency`` in flight; check replies."""
    run = uuid.uuid4().hex[:6]
    latencies: list[float] = []
    errors: list[str] = []
    sender_locks: dict[str, asyncio.Lock] = {}
    queue: asyncio.Queue[int] = asyncio.Queue()
    for i in range(n):
        queue.put_nowait(i)
    connector = aiohttp.TCPConnector(limit=concurrency, force_close=False)
    async with aiohttp.ClientSession(connector=connector, timeout=aiohttp.ClientTimeout(total=60)) as session:

        async def send(sender: str) -> float:
            start = time.perf_counter()
            try:
                async with session.post(f"{url}/webhooks/rest/webhook", json={"sender": sender, "message": message}) as response:
                    body = await response.read()
                    elapsed = time.perf_counter() - start
                    problem = check(response.status, body, sender, expect)
            except (aiohttp.ClientError, asyncio.TimeoutError) as exc:
                elapsed, problem = time.perf_counter() - start, f"{type(exc).__name__}: {exc}"
            if problem:
                errors.append(problem)
            return elapsed

        for i in range(min(50, n)):  # warm-up, not counted
            await send(f"warm-{run}-{i}")

        async def worker() -> None:
            while not queue.empty():
                i = queue.get_nowait()
                sender = f"load-{run}-{i % senders}"
                lock = sender_locks.setdefault(sender, asyncio.Lock())
                async with lock:  # never two messages of one sender in flight
                    latencies.append(await send(sender))

        cpu_start, wall_start = time.process_time(), time.perf_counter()
        errors.clear()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        wall, cpu = time.perf_counter() - wall_start, time.process_time() - cpu_start
    ms = sorted(x * 1000 for x in latencies)
    return {
        "n": n,
        "senders": senders,
        "concurrency": concurrency,
        "messages_per_s": round(n / wall, 1),
        "latency_ms": {
            "p50": round(percentile(ms, 50), 2),
            "p95": round(percentile(ms, 95), 2),
            "p99": round(percentile(ms, 99), 2),
            "max": round(ms[-1], 2) if ms else None,
            "mean": round(sum(ms) / len(ms), 2) if ms else None,
        },
        "errors": len(errors),
        "error_samples": errors[:3],
        "client_cpu_percent": round(cpu / wall * 100, 1),
        "duration_s": round(wall, 3),
    }


def check(status: int, body: bytes, sender: str, expect: str | None) -> str | None:
    """What is wrong with a reply, or None."""
    if status != 200:
        return f"HTTP {status}: {body[:200]!r}"
    try:
        items = json.loads(body)
    except ValueError:
        return f"not JSON: {body[:200]!r}"
    if not isinstance(items, list) or not items:
        return f"empty or not a list: {body[:200]!r}"
    if any(item.get("recipient_id") != sender for item in items):
        return f"wrong recipient in {body[:200]!r}"
    if expect and not any(expect in (item.get("text") or "") for item in items):
        return f"no text containing {expect!r} in {body[:200]!r}"
    return None


def free_port() -> int:
    """A free TCP port on loopback."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def rss_mb(pid: int) -> float:
    """Resident memory of a process and its children, in MB."""
    proc = psutil.Process(pid)
    total = proc.memory_info().rss + sum(c.memory_info().rss for c in proc.children(recursive=True))
    return round(total / 2**20, 1)


def spawn(config: str | None, workdir: Path) -> tuple[subprocess.Popen[bytes], str, float]:
    """Start ``bot run`` pinned to core 0; return it, its URL and seconds to /ready."""
    port = free_port()
    command = [shutil.which("bot") or "bot", "run", "--host", "127.0.0.1", "--port", str(port)]
    if config:
        command += ["--config", str(Path(config).resolve())]
    pinned = (os.cpu_count() or 1) >= 2 and shutil.which("taskset")
    if pinned:
        command = ["taskset", "-c", "0", *command]
        os.sched_setaffinity(0, {1})
    env = dict(os.environ)
    env.setdefault("BOT__STORE__SQLITE__PATH", str(workdir / "bot.db"))
    stderr = open(workdir / "server.log", "wb")  # noqa: SIM115 - closed with the process
    start = time.perf_counter()
    proc = subprocess.Popen(command, cwd=workdir, env=env, stdout=subprocess.DEVNULL, stderr=stderr)
    url = f"http://127.0.0.1:{port}"
    import urllib.request

    while True:
        try:
            with urllib.request.urlopen(f"{url}/ready", timeout=1) as response:
                if response.status == 200:
                    return proc, url, time.perf_counter() - start
        except OSError:
            pass
        if proc.poll() is not None or time.perf_counter() - start > 30:
            proc.kill()
            tail = (workdir / "server.log").read_text(errors="replace")[-3000:]
            sys.exit(f"bot run did not become ready:\n{tail}")
        time.sleep(0.01)


def stop(proc: subprocess.Popen[bytes]) -> None:
    """SIGINT, then SIGKILL after 10 s."""
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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    target = parser.add_mutually_exclusive_group(required=True)
    target.add_argument("--url", help="a running bot")
    target.add_argument("--spawn", action="store_true", help="start `bot run` for the benchmark")
    parser.add_argument("--config", default=str(HERE.parent / "config.yml"), help="config file for --spawn (default: the project's)")
    parser.add_argument("-n", type=int, default=2000, help="messages per concurrency level")
    parser.add_argument("--senders", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, nargs="+", default=[1, 8, 32])
    parser.add_argument("--message", default="/greet")
    parser.add_argument("--expect-text", default=None, help="each reply must contain this text")
    parser.add_argument("--out", type=Path, default=HERE / "results" / "load.jsonl")
    args = parser.parse_args()
    store = ("redis" if os.environ.get("REDIS_URL") else "sqlite") if args.spawn else "unknown"
    base = {"bench": "load", "date": now(), "machine": machine_info(), "store": store}
    failed = False
    with tempfile.TemporaryDirectory(prefix="bench-load-") as tmp:
        proc = None
        if args.spawn:
            proc, url, ready_s = spawn(args.config, Path(tmp))
            time.sleep(2)
            emit({**base, "bench": "startup", "start_to_ready_s": round(ready_s, 3), "idle_rss_mb": rss_mb(proc.pid)}, args.out)
        else:
            url = args.url.rstrip("/")
        try:
            for concurrency in args.concurrency:
                result = asyncio.run(load(url, args.n, args.senders, concurrency, args.message, args.expect_text))
                extra = {"server_rss_mb": rss_mb(proc.pid)} if proc else {}
                emit({**base, "target": f"{url}/webhooks/rest/webhook", **result, **extra}, args.out)
                failed |= result["errors"] > 0
        finally:
            if proc is not None:
                stop(proc)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
