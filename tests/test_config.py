"""Settings from config.yml and the environment: defaults, every problem at once, overrides, secrets."""

from __future__ import annotations

import pickle
from pathlib import Path

import pytest
from pydantic import ValidationError

from bot.config import Settings, load_settings
from bot.errors import ConfigError

ROOT = Path(__file__).resolve().parent.parent


def write(tmp_path: Path, text: str, name: str = "config.yml") -> Path:
    """Write ``text`` as a config file under ``tmp_path`` and return its path."""
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def problems(path: Path | None, environ: dict[str, str] | None = None) -> list[str]:
    """The problems ``load_settings`` reports for ``path`` (failing if it loads)."""
    with pytest.raises(ConfigError) as caught:
        load_settings(path, environ={} if environ is None else environ)
    for problem in caught.value.problems:
        assert "Input should" not in problem and "pydantic" not in problem, problem
    return caught.value.problems


def test_defaults_without_a_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    settings = load_settings(environ={})
    assert settings.source is None
    assert settings.root == tmp_path.resolve()
    assert settings.version == "1"
    assert settings.languages.default == "en"
    assert settings.languages.supported == ("en", "ar", "zh")
    assert (settings.server.host, settings.server.port) == ("127.0.0.1", 5005)
    assert settings.server.max_body_bytes == 1_048_576
    assert settings.server.reply_timeout_seconds == 30
    assert settings.server.access_log is False
    assert settings.store.backend == "sqlite"
    assert settings.store.sqlite.path == tmp_path.resolve() / ".bot" / "bot.db"
    assert settings.store.sqlite.synchronous == "normal"
    assert (settings.store.redis.url, settings.store.redis.key_prefix) == (None, "bot")
    assert settings.store.dedupe_ttl_seconds == 604_800
    assert (settings.store.lock_ttl_seconds, settings.store.claim_idle_seconds) == (30, 60)
    assert settings.dispatcher.concurrency == 64
    assert settings.channels == {"rest": {}, "whatsapp": {}}
    assert settings.paths.responses == tmp_path.resolve() / "flows" / "responses.yml"
    assert settings.paths.flows == tmp_path.resolve() / "flows"
    assert settings.paths.nlu_data == tmp_path.resolve() / "nlu_data"
    assert (settings.logging.level, settings.logging.format) == ("info", "text")


def test_the_project_config_is_the_defaults() -> None:
    settings = load_settings(ROOT / "config.yml", environ={})
    assert settings.source == str(ROOT / "config.yml")
    assert settings.root == ROOT
    assert settings.model_dump() == Settings.model_validate({}, context={"root": ROOT}).model_dump()


def test_bot_config_names_the_file(tmp_path: Path) -> None:
    path = write(tmp_path, "dispatcher:\n  concurrency: 3\n", "elsewhere.yml")
    assert load_settings(environ={"BOT_CONFIG": str(path)}).dispatcher.concurrency == 3
    (missing,) = problems(None, {"BOT_CONFIG": str(tmp_path / "nope.yml")})
    assert "nope.yml: no such file" in missing


def test_empty_file_and_empty_sections_mean_defaults(tmp_path: Path) -> None:
    assert load_settings(write(tmp_path, ""), environ={}).server.port == 5005
    settings = load_settings(write(tmp_path, "server:\nchannels:\n  rest:\n"), environ={})
    assert settings.server.port == 5005
    assert settings.channels == {"rest": {}}


def test_every_problem_is_reported_at_once_with_its_line(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "version: '1'\n"
        "server:\n"
        "  port: 70000\n"
        "  host: 127.0.0.1\n"
        "store:\n"
        "  sqlite:\n"
        "    synchronous: off\n"
        "  backend: mysql\n",
    )
    assert problems(path) == [
        f"{path}:3: server.port: 70000 must be at most 65535",
        f"{path}:7: store.sqlite.synchronous: False is not allowed; allowed: full, normal",
        f"{path}:8: store.backend: 'mysql' is not allowed; allowed: redis, sqlite",
    ]


def test_list_items_and_types_are_named(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "languages:\n"
        "  supported:\n"
        "    - en\n"
        "    - ar\n"
        "    - fr\n"
        "dispatcher:\n"
        "  concurrency: many\n"
        "logging: [info]\n",
    )
    assert problems(path) == [
        f"{path}:5: languages.supported.2: 'fr' is not allowed; allowed: ar, en, zh",
        f"{path}:7: dispatcher.concurrency: 'many' is not a valid integer",
        f"{path}:8: logging: expected a mapping, got a list ['info']",
    ]


def test_unknown_keys_suggest_the_closest_known_key(tmp_path: Path) -> None:
    path = write(tmp_path, "server:\n  host: 0.0.0.0\n  prot: 8080\nstroe: {}\n")
    assert problems(path) == [
        (f"{path}:3: server.prot: unknown key; did you mean 'port'? "
        "known keys: access_log, host, max_body_bytes, port, reply_timeout_seconds"),
        (f"{path}:4: stroe: unknown key; did you mean 'store'? "
        "known keys: actions, channels, dispatcher, flows, languages, logging, nlu, paths, server, store, version"),
    ]


def test_unknown_key_without_a_close_match_lists_the_known_keys(tmp_path: Path) -> None:
    (problem,) = problems(write(tmp_path, "logging:\n  colour: true\n"))
    assert problem.endswith(":2: logging.colour: unknown key; known keys: format, level")


def test_duplicate_keys_are_reported(tmp_path: Path) -> None:
    path = write(tmp_path, "server:\n  port: 1\n  port: 2\n")
    assert problems(path) == [f"{path}:3: server.port: duplicate key; the value at line 2 is ignored"]


def test_broken_yaml_names_line_and_column(tmp_path: Path) -> None:
    path = write(tmp_path, "server:\n  port: 5005\n  host: [127.0.0.1\nstore: {}\n")
    (problem,) = problems(path)
    # the unclosed "[" is where the mistake is; where the parser gave up is said too
    assert problem.startswith(f"{path}:3:9: invalid YAML: while parsing a flow sequence")
    assert "(at line 4)" in problem


def test_top_level_must_be_a_mapping(tmp_path: Path) -> None:
    (problem,) = problems(write(tmp_path, "- server\n- store\n"))
    assert ":1: the top level must be a mapping of sections" in problem
    assert "not a list" in problem


def test_default_language_must_be_supported(tmp_path: Path) -> None:
    path = write(tmp_path, "languages:\n  supported: [ar, zh]\n  default: en\n")
    assert problems(path) == [f"{path}:3: languages.default: 'en' is not in languages.supported (ar, zh)"]


def test_relative_paths_are_resolved_from_the_config_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    path = write(tmp_path / "deploy", "store:\n  sqlite:\n    path: data/bot.db\npaths:\n  flows: /abs/flows\n")
    settings = load_settings(Path("deploy/config.yml"), environ={})
    folder = (tmp_path / "deploy").resolve()
    assert settings.root == folder
    assert settings.source == str(path.resolve())
    assert settings.store.sqlite.path == folder / "data" / "bot.db"
    assert settings.paths.flows == Path("/abs/flows")
    assert settings.paths.responses == folder / "flows" / "responses.yml"


def test_redis_url_selects_the_redis_backend(tmp_path: Path) -> None:
    url = "redis://:secret@localhost:6379/0"
    settings = load_settings(write(tmp_path, "store:\n  backend: sqlite\n"), environ={"REDIS_URL": url})
    assert (settings.store.backend, settings.store.redis.url) == ("redis", url)
    assert load_settings(write(tmp_path, ""), environ={"REDIS_URL": ""}).store.backend == "sqlite"


def test_named_and_generic_variables_override_the_file(tmp_path: Path) -> None:
    path = write(tmp_path, "server:\n  port: 6000\ndispatcher:\n  concurrency: 2\n")
    environ = {
        "BOT_HOST": "0.0.0.0",
        "BOT_PORT": "7000",
        "BOT__DISPATCHER__CONCURRENCY": "8",
        "BOT__Logging__Format": "json",
        "BOT__SERVER__ACCESS_LOG": "true",
        "BOT__STORE__SQLITE__PATH": "other.db",
    }
    settings = load_settings(path, environ=environ)
    assert (settings.server.host, settings.server.port) == ("0.0.0.0", 7000)
    assert settings.dispatcher.concurrency == 8
    assert settings.logging.format == "json"
    assert settings.server.access_log is True
    assert settings.store.sqlite.path == tmp_path.resolve() / "other.db"


def test_bad_environment_values_name_the_variable(tmp_path: Path) -> None:
    environ = {"BOT__SERVER__PORT": "abc", "BOT__SERVER__PROT": "1", "BOT__STORE__BACKEND": "redis", "BOT____X": "1"}
    assert problems(write(tmp_path, "server:\n  host: h\n"), environ) == [
        "environment BOT____X: not an override; write BOT__SECTION__KEY, e.g. BOT__SERVER__PORT",
        "environment BOT__SERVER__PORT: server.port: 'abc' is not a valid integer",
        ("environment BOT__SERVER__PROT: server.prot: unknown key; did you mean 'port'? "
        "known keys: access_log, host, max_body_bytes, port, reply_timeout_seconds"),
        ("environment BOT__STORE__BACKEND: store.backend: 'redis' needs a URL; "
        "set REDIS_URL (or store.redis.url without a password)"),
    ]


@pytest.mark.parametrize(
    "url", ["redis://:pw@cache:6379/0", "redis://app:pw@cache:6379/0", "rediss://cache:6380/0?password=pw"]
)
def test_a_password_in_the_file_is_rejected(tmp_path: Path, url: str) -> None:
    path = write(tmp_path, f"store:\n  backend: redis\n  redis:\n    url: {url}\n")
    assert problems(path, {"REDIS_URL": "redis://:pw@cache:6379/0"}) == [
        f"{path}:4: store.redis.url: contains a password; secrets come only from the environment: set REDIS_URL instead"
    ]


def test_a_url_without_password_in_the_file_is_fine(tmp_path: Path) -> None:
    path = write(tmp_path, "store:\n  backend: redis\n  redis:\n    url: redis://app@cache:6379/0\n")
    settings = load_settings(path, environ={})
    assert (settings.store.backend, settings.store.redis.url) == ("redis", "redis://app@cache:6379/0")


def test_redis_without_a_url_is_an_error(tmp_path: Path) -> None:
    path = write(tmp_path, "store:\n  redis:\n    key_prefix: 'my bot'\n  backend: redis\n")
    assert problems(path) == [
        f"{path}:3: store.redis.key_prefix: 'my bot' is not allowed; use only [A-Za-z0-9_-]+",
        f"{path}:4: store.backend: 'redis' needs a URL; set REDIS_URL (or store.redis.url without a password)",
    ]


def test_settings_are_frozen_and_survive_pickling(tmp_path: Path) -> None:
    settings = load_settings(write(tmp_path, "server:\n  port: 6001\n"), environ={})
    with pytest.raises(ValidationError):
        settings.server.port = 1  # type: ignore[misc]
    copy = pickle.loads(pickle.dumps(settings))
    assert copy == settings
    assert (copy.root, copy.source, copy.server.port) == (settings.root, settings.source, 6001)
    assert load_settings(Path(copy.source), environ={}) == settings
