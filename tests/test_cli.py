"""The ``bot`` command as a user runs it: real processes, real HTTP on loopback."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from tests.conftest import ROOT
from tests.redis_server import free_port

BOT = [sys.executable, "-m", "bot.cli"]


def run_bot(*args: str, env: dict[str, str] | None = None, input: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*BOT, *args], cwd=ROOT, env=env or os.environ.copy(), capture_output=True, text=True, input=input, timeout=60, check=False
    )


@contextmanager
def bot_server(env: dict[str, str], *args: str) -> Iterator[str]:
    """``bot run`` in a subprocess; yields its URL once /ready answers."""
    port = free_port()
    proc = subprocess.Popen(
        [*BOT, "run", "--host", "127.0.0.1", "--port", str(port), *args],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"{url}/ready", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                raise AssertionError(f"bot run did not become ready:\n{proc.communicate()[1][-3000:]}")
            time.sleep(0.05)
        yield url
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            _, err = proc.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            _, err = proc.communicate()
        assert "Traceback" not in err, err[-3000:]


def env_with(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("BOT") and k != "REDIS_URL"}
    env.update(extra)
    return env


def test_help_lists_each_subcommand_with_a_line() -> None:
    result = run_bot("--help")
    assert result.returncode == 0
    assert "serve the bot over HTTP" in result.stdout
    assert "chat with the bot in this terminal" in result.stdout
    commands = [line.split()[0] for line in result.stdout.split("positional arguments:")[1].split("options:")[0].splitlines()[2:] if line.strip() and not line.startswith(" " * 5)]
    assert commands == ["run", "shell", "train", "test", "validate", "visualize", "vectors"], "a subcommand appears only when it works"


def test_several_workers_need_redis() -> None:
    result = run_bot("run", "--workers", "2", env=env_with())
    assert result.returncode == 2
    assert "--workers 2 needs a store that processes share: set REDIS_URL" in result.stderr


def test_unreachable_redis_is_a_clear_startup_error() -> None:
    result = run_bot("run", env=env_with(REDIS_URL=f"redis://:pw@127.0.0.1:{free_port()}/0"))
    assert result.returncode == 1
    assert "cannot reach the Redis store" in result.stderr
    assert "Traceback" not in result.stderr
    assert ":pw@" not in result.stderr


def test_config_mistakes_are_reported_with_lines(tmp_path: Path) -> None:
    config = tmp_path / "config.yml"
    config.write_text("server:\n  prot: 80\nstore:\n  backend: mysql\n")
    result = run_bot("run", "--config", str(config), env=env_with())
    assert result.returncode == 2
    assert f"{config}:2: server.prot: unknown key; did you mean 'port'?" in result.stderr
    assert "store.backend: 'mysql' is not allowed" in result.stderr


@pytest.mark.slow
def test_greet_then_restart_keeps_the_conversation(tmp_path: Path) -> None:
    env = env_with(BOT__STORE__SQLITE__PATH=str(tmp_path / "bot.db"))
    with bot_server(env) as url:
        reply = httpx.post(f"{url}/webhooks/rest/webhook", json={"sender": "newcomer", "message": "/greet"}, timeout=10).json()
        assert reply[0]["text"] == "Hello! How can I help you today?"
    with bot_server(env) as url:
        tracker = httpx.get(f"{url}/conversations/newcomer/tracker", timeout=10).json()
    assert [e["event"] for e in tracker["events"]] == [
        "session_started", "user", "flow_started", "flow_stepped", "action", "flow_completed",
        "flow_started", "flow_stepped", "action", "flow_completed", "bot",
    ]
    assert tracker["events"][1]["text"] == "/greet"


@pytest.mark.slow
def test_two_servers_on_redis_share_conversations_in_order(redis_url: str) -> None:
    env = env_with(REDIS_URL=redis_url, BOT__STORE__REDIS__KEY_PREFIX=f"t{uuid.uuid4().hex[:10]}")
    with bot_server(env) as first, bot_server(env) as second, httpx.Client(timeout=10) as client:
        for sender in ("alice", "bob"):
            for n in range(6):
                url = (first, second)[n % 2]
                reply = client.post(f"{url}/webhooks/rest/webhook", json={"sender": sender, "message": f'/greet{{"n": {n}}}'}).json()
                assert reply[0]["recipient_id"] == sender
        for url in (first, second):
            tracker = client.get(f"{url}/conversations/alice/tracker").json()
            said = [e["text"] for e in tracker["events"] if e["event"] == "user"]
            assert said == [f'/greet{{"n": {n}}}' for n in range(6)]
            kinds = [e["event"] for e in tracker["events"] if e["event"] in ("user", "bot")]
            assert kinds == ["user", "bot"] * 6


def test_the_health_port_is_for_workers() -> None:
    result = run_bot("run", "--health-port", "9000", env=env_with())
    assert result.returncode == 2
    assert "--health-port is for --role worker; with --role all, /health and /ready are served on --port" in result.stderr


def test_a_split_role_needs_redis() -> None:
    for role in ("web", "worker"):
        result = run_bot("run", "--role", role, env=env_with())
        assert result.returncode == 2
        assert f"--role {role} needs a store that processes share: set REDIS_URL" in result.stderr


@contextmanager
def bot_worker(env: dict[str, str], *args: str) -> Iterator[subprocess.Popen[str]]:
    """``bot run --role worker`` in a subprocess; stopped with SIGTERM, which must be graceful."""
    proc = subprocess.Popen([*BOT, "run", "--role", "worker", *args], cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True)
    seen: list[str] = []
    try:
        assert proc.stderr is not None
        for line in proc.stderr:  # started once it says so
            seen.append(line)
            if "processing the inbox" in line:
                break
        else:
            raise AssertionError(f"bot run --role worker did not start:\n{''.join(seen)[-3000:]}")
        yield proc
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            _, err = proc.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            _, err = proc.communicate()
        err = "".join(seen) + err
        assert proc.returncode == 0, err[-3000:]
        assert "Traceback" not in err, err[-3000:]
        assert "role=worker" in err and "stopping" in err


@pytest.mark.slow
def test_web_and_worker_processes_split_the_work_on_redis(redis_url: str) -> None:
    env = env_with(REDIS_URL=redis_url, BOT__STORE__REDIS__KEY_PREFIX=f"t{uuid.uuid4().hex[:10]}")
    web_env = {**env, "BOT__SERVER__REPLY_TIMEOUT_SECONDS": "1"}
    with bot_server(web_env, "--role", "web") as web, httpx.Client(timeout=10) as client:
        # the web process only queues: with no worker yet, nobody answers, and the message waits
        late = client.post(f"{web}/webhooks/rest/webhook", json={"sender": "dana", "message": "/greet"})
        assert late.status_code == 504 and "stays queued" in late.text, late.text
        probes = free_port()
        with bot_worker(env), bot_worker(env, "--host", "127.0.0.1", "--health-port", str(probes)):
            for n in range(6):
                reply = client.post(f"{web}/webhooks/rest/webhook", json={"sender": "dana", "message": f'/greet{{"n": {n}}}'},
                                    timeout=20)
                assert reply.status_code == 200 and reply.json()[0]["recipient_id"] == "dana", reply.text
            # the second worker serves its probes, and only them
            health = client.get(f"http://127.0.0.1:{probes}/health")
            assert health.status_code == 200 and health.json()["role"] == "worker", health.text
            assert client.get(f"http://127.0.0.1:{probes}/ready").json()["status"] == "ready"
            assert client.post(f"http://127.0.0.1:{probes}/webhooks/rest/webhook", json={}).status_code == 404
        tracker = client.get(f"{web}/conversations/dana/tracker").json()
    said = [e["text"] for e in tracker["events"] if e["event"] == "user"]
    assert said == ["/greet", *[f'/greet{{"n": {n}}}' for n in range(6)]], "the queued message was processed first"


def test_shell_chats_and_shows_arabic_in_visual_order() -> None:
    from arabic_reshaper import reshape
    from bidi import get_display

    result = run_bot("shell", "--rtl", "visual", env=env_with(), input="مرحبا\n/greet\n2\n/stop\n")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    expected = get_display(reshape("أهلاً وسهلاً! كيف أقدر أساعدك اليوم؟"))
    assert any(line.endswith(expected) for line in lines), result.stdout
    assert any(line.endswith(f"2) {get_display(reshape('تتبع طلبي'))}") for line in lines)
    # "2" pressed the second button, whose payload /track_order has no response yet
    # button 2 is /track_order: the flow asks for the order number, in Arabic
    assert get_display(reshape("ما رقم طلبك؟ يبدو مثل A-12345.")) in result.stdout


def test_shell_keeps_logical_order_when_asked() -> None:
    result = run_bot("shell", "--rtl", "logical", env=env_with(), input="/greet\n")
    assert result.returncode == 0, result.stderr
    assert "bot> Hello! How can I help you today?" in result.stdout


@pytest.mark.slow
def test_workers_share_one_port_on_redis(redis_url: str) -> None:
    env = env_with(REDIS_URL=redis_url, BOT__STORE__REDIS__KEY_PREFIX=f"t{uuid.uuid4().hex[:10]}")
    with bot_server(env, "--workers", "2") as url, httpx.Client(timeout=10) as client:
        for n in range(8):
            reply = client.post(f"{url}/webhooks/rest/webhook", json={"sender": "carol", "message": f'/greet{{"n": {n}}}'})
            assert reply.status_code == 200 and reply.json()[0]["recipient_id"] == "carol"
        tracker = client.get(f"{url}/conversations/carol/tracker").json()
    assert [e["text"] for e in tracker["events"] if e["event"] == "user"] == [f'/greet{{"n": {n}}}' for n in range(8)]


def test_train_skips_unchanged_data(tmp_path: Path) -> None:
    from tests.nlu.test_pipeline import write_bot

    config = write_bot(tmp_path)
    first = run_bot("train", "--config", str(config), env=env_with())
    assert first.returncode == 0, first.stderr
    assert "trained in" in first.stdout and "3 intents" in first.stdout
    assert (tmp_path / ".bot" / "models" / "nlu.pkl").exists()
    second = run_bot("train", "--config", str(config), env=env_with())
    assert "model is up to date" in second.stdout
    forced = run_bot("train", "--config", str(config), "--force", env=env_with())
    assert "trained in" in forced.stdout


def test_train_reports_broken_data_with_lines(tmp_path: Path) -> None:
    from tests.nlu.test_pipeline import write_bot

    config = write_bot(tmp_path)
    (tmp_path / "nlu_data" / "en" / "bad.yml").write_text("nlu:\n- intnet: x\n  examples: |\n    - hi\n", encoding="utf-8")
    result = run_bot("train", "--config", str(config), env=env_with())
    assert result.returncode == 1
    assert "nlu_data/en/bad.yml:2" in result.stderr and "did you mean 'intent'" in result.stderr


def test_train_checks_the_flows_against_the_data_first(tmp_path: Path) -> None:
    from tests.nlu.test_pipeline import write_bot

    config = write_bot(tmp_path)
    (tmp_path / "flows").mkdir()
    (tmp_path / "flows" / "flows.yml").write_text(
        "flows:\n  refund:\n    description: d\n    nlu_trigger: [{intent: ask_refund}]\n    steps: [{action: utter_ok}]\n"
        "responses:\n  utter_ok: [{text: ok}]\n", encoding="utf-8")
    result = run_bot("train", "--config", str(config), env=env_with())
    assert result.returncode == 1
    assert "flows.yml:4" in result.stderr and "'ask_refund' has no NLU examples" in result.stderr
    assert "--skip-validation" in result.stderr
    assert not (tmp_path / ".bot" / "models" / "nlu.pkl").exists()
    forced = run_bot("train", "--config", str(config), "--skip-validation", env=env_with())
    assert forced.returncode == 0 and "trained in" in forced.stdout, forced.stderr


def test_test_nlu_cross_validates_and_writes_reports(tmp_path: Path) -> None:
    from tests.nlu.test_pipeline import write_bot

    config = write_bot(tmp_path)
    out = tmp_path / "report"
    result = run_bot("test", "nlu", "--config", str(config), "--cross-validation", "3", "--out", str(out), env=env_with())
    assert result.returncode == 0, result.stderr
    assert "accuracy" in result.stdout.lower()
    for name in ("intent_report.json", "errors.json", "confusion_matrix.png", "confusion_matrix.html", "report.md"):
        assert (out / name).exists(), name


def test_validate_warns_about_responses_whatsapp_could_not_send(tmp_path: Path) -> None:
    flows = tmp_path / "flows"
    flows.mkdir()
    (flows / "flows.yml").write_text(
        "flows:\n  f:\n    description: d\n    steps: [{action: utter_x}]\nresponses:\n  utter_x:\n    - text: Pick\n"
        "      buttons:\n        - {title: 'A very long button title here', payload: /a}\n", encoding="utf-8")
    result = run_bot("validate", str(flows), env=env_with())
    assert result.returncode == 0, "a warning, not an error"
    assert "title 'A very long button title here' is 29 characters; WhatsApp allows 20 [channel-limit]" in result.stdout
