"""Typed settings: config.yml (optional) overridden by the environment, checked all at once.

Precedence, lowest first: the defaults below, the config file, ``REDIS_URL`` / ``BOT_HOST`` /
``BOT_PORT``, then ``BOT__SECTION__KEY=value`` (a YAML scalar). Empty variables are ignored.
Every problem is collected and raised together as one ``ConfigError`` whose lines name
``file:line`` (or the environment variable), the dotted path, the bad value and what is allowed.
Secrets (the Redis password) come only from the environment.
"""

from __future__ import annotations

import copy
import difflib
import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import parse_qs, urlsplit

import yaml
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    StringConstraints,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from bot.config_yaml import LineMap, read_mapping
from bot.errors import ConfigError

__all__ = [
    "Backend", "DispatcherSettings", "Language", "LanguageSettings", "LoggingSettings", "NluSettings", "PathSettings",
    "RedisSettings", "ServerSettings", "Settings", "SqliteSettings", "StoreSettings", "load_settings",
]  # fmt: skip

Language = Literal["en", "ar", "zh"]
Backend = Literal["sqlite", "redis"]
ENV_PREFIX = "BOT__"
_CHECK = "config_check"  # our own errors; ctx has the message, and for cross-field checks the field and its inputs
_LAST = 1 << 30  # sort key that puts environment problems after the file's


def _check(message: str, field: str = "", uses: tuple[str, ...] = ()) -> PydanticCustomError:
    return PydanticCustomError(_CHECK, "{message}", {"field": field, "uses": uses, "message": message})


def _resolve(value: Path, info: ValidationInfo) -> Path:
    root = Path((info.context or {}).get("root") or Path.cwd())
    path = value.expanduser()
    return path if path.is_absolute() else (root / path).resolve()


ConfigPath = Annotated[Path, AfterValidator(_resolve)]
"""A path; relative ones are taken from the config file's folder (cwd without a file)."""


class _Section(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", validate_default=True)

    @model_validator(mode="before")
    @classmethod
    def _empty_is_default(cls, data: Any) -> Any:
        return {} if data is None else data  # `server:` with nothing under it means defaults


class LanguageSettings(_Section):
    """Languages the bot speaks; ``default`` is used until a conversation's language is known."""

    default: Language = "en"
    supported: Annotated[tuple[Language, ...], Field(min_length=1)] = ("en", "ar", "zh")

    @model_validator(mode="after")
    def _default_is_supported(self) -> LanguageSettings:
        if self.default not in self.supported:
            message = f"{self.default!r} is not in languages.supported ({', '.join(self.supported)})"
            raise _check(message, "default", ("default", "supported"))
        return self


class ServerSettings(_Section):
    """The HTTP server."""

    host: Annotated[str, Field(min_length=1)] = "127.0.0.1"
    port: Annotated[int, Field(ge=1, le=65535)] = 5005
    max_body_bytes: Annotated[int, Field(gt=0)] = 1_048_576
    reply_timeout_seconds: Annotated[float, Field(gt=0)] = 30.0
    access_log: bool = False


class SqliteSettings(_Section):
    """The embedded store: one file, one process."""

    path: ConfigPath = Path(".bot/bot.db")
    synchronous: Literal["normal", "full"] = "normal"


class RedisSettings(_Section):
    """The shared store for several workers; the URL normally comes from ``REDIS_URL``."""

    url: str | None = None
    key_prefix: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_-]+$")] = "bot"

    @field_validator("url")
    @classmethod
    def _is_redis_url(cls, url: str | None) -> str | None:
        if url is not None and not url.startswith(("redis://", "rediss://", "unix://")):
            raise _check(f"{url!r} is not a Redis URL; use redis://, rediss:// or unix://")
        return url


class StoreSettings(_Section):
    """Where conversations, the inbox and dedupe keys live."""

    backend: Backend = "sqlite"
    sqlite: SqliteSettings = Field(default_factory=dict)  # type: ignore[assignment]  # validated into the section
    redis: RedisSettings = Field(default_factory=dict)  # type: ignore[assignment]  # validated into the section
    dedupe_ttl_seconds: Annotated[int, Field(gt=0)] = 604_800
    lock_ttl_seconds: Annotated[float, Field(gt=0)] = 30.0
    claim_idle_seconds: Annotated[float, Field(gt=0)] = 60.0

    @model_validator(mode="after")
    def _redis_has_url(self) -> StoreSettings:
        if self.backend == "redis" and not self.redis.url:
            message = "'redis' needs a URL; set REDIS_URL (or store.redis.url without a password)"
            raise _check(message, "backend", ("backend", "redis.url"))
        return self


class DispatcherSettings(_Section):
    """How many conversations one process works on at once."""

    concurrency: Annotated[int, Field(ge=1)] = 64


class PathSettings(_Section):
    """Where the bot's data files are (absolute after loading)."""

    responses: ConfigPath = Path("flows/responses.yml")
    flows: ConfigPath = Path("flows")
    nlu_data: ConfigPath = Path("nlu_data")
    models: ConfigPath = Path(".bot/models")


class NluSettings(_Section):
    """Understanding: when a message counts as out of scope (``nlu_fallback``), optional word vectors."""

    fallback_threshold: Annotated[float, Field(ge=0, le=1)] | None = None
    max_in_scope_loss: Annotated[float, Field(ge=0, le=1)] = 0.01
    default_threshold: Annotated[float, Field(ge=0, le=1)] = 0.3
    vectors: ConfigPath | None = None  # word vectors from `bot vectors`; off by default


class FlowSettingsSection(_Section):
    """How the flows engine behaves where the flows do not say."""

    max_invalid_answers: Annotated[int, Field(ge=1)] = 3
    on_too_many_invalid: Literal["cannot_handle", "human_handoff"] = "cannot_handle"
    clarify_margin: Annotated[float, Field(ge=0, le=1)] = 0.1


class ActionSettings(_Section):
    """Custom actions: rasa_sdk actions in this process (``module``) and/or on an action server."""

    module: str | None = None  # a package name or a folder (relative to config.yml), e.g. "actions"
    endpoint: str | None = None  # an action server's webhook URL, e.g. http://127.0.0.1:5055/webhook
    timeout_seconds: Annotated[float, Field(gt=0)] = 10.0


class LoggingSettings(_Section):
    """Log level and format."""

    level: Literal["debug", "info", "warning", "error"] = "info"
    format: Literal["text", "json"] = "text"


class Settings(_Section):
    """Everything config.yml and the environment decide; ``root`` and ``source`` say where from."""

    version: Literal["1"] = "1"
    languages: LanguageSettings = Field(default_factory=dict)  # type: ignore[assignment]  # validated into the section
    server: ServerSettings = Field(default_factory=dict)  # type: ignore[assignment]  # validated into the section
    store: StoreSettings = Field(default_factory=dict)  # type: ignore[assignment]  # validated into the section
    dispatcher: DispatcherSettings = Field(default_factory=dict)  # type: ignore[assignment]  # validated into the section
    channels: dict[str, dict[str, Any]] = Field(default_factory=lambda: {"rest": dict[str, Any](), "whatsapp": dict[str, Any]()})
    nlu: NluSettings = Field(default_factory=dict)  # type: ignore[assignment]  # validated into the section
    paths: PathSettings = Field(default_factory=dict)  # type: ignore[assignment]  # validated into the section
    logging: LoggingSettings = Field(default_factory=dict)  # type: ignore[assignment]  # validated into the section
    flows: FlowSettingsSection = Field(default_factory=dict)  # type: ignore[assignment]  # validated into the section
    actions: ActionSettings = Field(default_factory=dict)  # type: ignore[assignment]  # validated into the section
    _root: Path = PrivateAttr(default_factory=Path.cwd)
    _source: str | None = PrivateAttr(default=None)

    @field_validator("version", mode="before")
    @classmethod
    def _version_as_text(cls, value: Any) -> Any:
        return str(value) if isinstance(value, int) and not isinstance(value, bool) else value

    @field_validator("channels", mode="before")
    @classmethod
    def _channel_options(cls, value: Any) -> Any:
        if isinstance(value, Mapping):  # `rest:` with nothing under it means no options
            return {name: {} if options is None else options for name, options in value.items()}
        return {} if value is None else value

    def model_post_init(self, context: Any) -> None:
        """Remember where the settings came from (given as validation context)."""
        if isinstance(context, Mapping):
            self._root = Path(context.get("root") or Path.cwd())
            self._source = context.get("source")

    @property
    def root(self) -> Path:
        """Folder of the config file (cwd without one); relative paths were resolved from it."""
        return self._root

    @property
    def source(self) -> str | None:
        """Absolute path of the config file, or None when the defaults were used."""
        return self._source


def load_settings(path: Path | None = None, environ: Mapping[str, str] | None = None) -> Settings:
    """Load ``path`` (default ``$BOT_CONFIG``, else ./config.yml if present) and apply the environment."""
    env = os.environ if environ is None else environ
    required = path is not None or bool(env.get("BOT_CONFIG"))
    candidate = Path(path) if path is not None else Path(env.get("BOT_CONFIG") or "config.yml")
    file: Path | None = candidate if required or candidate.exists() else None
    data: dict[str, Any] = {}
    lines = LineMap()
    label = "environment"
    problems: list[tuple[int, str]] = []  # (line, text); environment problems sort last
    if file is not None:
        label = str(file)
        data, lines = read_mapping(file, label, sections=list(Settings.model_fields))
        problems += [(line, f"{label}:{line}: {dotted}: duplicate key; the value at line {earlier} is ignored")
                     for dotted, line, earlier in lines.duplicates]
        problems += _secrets_in_file(data, lines, label)
    env_paths = _apply_environment(data, env, problems)
    root = file.resolve().parent if file is not None else Path.cwd()
    source = str(file.resolve()) if file is not None else None
    settings, errors = _validate(data, {"root": root, "source": source})
    problems += [_problem(error, lines, label, file is not None, env_paths) for error in errors]
    if problems or settings is None:
        raise ConfigError([text for _, text in sorted(problems, key=lambda p: p[0])], source=label)
    return settings


def _validate(data: dict[str, Any], context: dict[str, Any]) -> tuple[Settings | None, list[Any]]:
    try:
        return Settings.model_validate(data, context=context), []
    except ValidationError as exc:
        errors = exc.errors()
    # pydantic skips a section's cross-field checks when one of its fields is bad: run them
    # again without the bad values, keeping those whose inputs were all fine.
    bad = [error["loc"] for error in errors if error["type"] != _CHECK]
    trimmed = copy.deepcopy(data)
    for loc in bad:
        _pop(trimmed, loc)
    try:
        Settings.model_validate(trimmed, context=context)
    except ValidationError as exc:
        for error in exc.errors():
            ctx = error.get("ctx") or {}
            uses = [error["loc"] + tuple(use.split(".")) for use in ctx.get("uses", ())]
            if ctx.get("field") and error not in errors and not any(_overlap(u, b) for u in uses for b in bad):
                errors.append(error)
    return None, errors


def _pop(data: dict[Any, Any], loc: tuple[Any, ...]) -> None:
    node = data
    for depth, key in enumerate(loc):
        if not isinstance(node, dict) or key not in node:
            return
        if depth == len(loc) - 1 or not isinstance(node[key], dict):
            del node[key]
            return
        node = node[key]


def _secrets_in_file(data: dict[str, Any], lines: LineMap, label: str) -> list[tuple[int, str]]:
    store = data.get("store")
    redis = store.get("redis") if isinstance(store, dict) else None
    url = redis.get("url") if isinstance(redis, dict) else None
    if not isinstance(url, str):
        return []
    try:
        parts = urlsplit(url)
    except ValueError:
        return []  # a malformed URL is reported by the validator
    if parts.password is None and "password" not in parse_qs(parts.query):
        return []
    line = lines.line_of("store.redis.url")
    advice = "contains a password; secrets come only from the environment: set REDIS_URL instead"
    return [(line, f"{label}:{line}: store.redis.url: {advice}")]


def _apply_environment(
    data: dict[str, Any], env: Mapping[str, str], problems: list[tuple[int, str]]
) -> dict[tuple[str, ...], str]:
    """Write the overrides into ``data``; return which variable set each path."""
    overrides: list[tuple[tuple[str, ...], Any, str]] = []
    if env.get("REDIS_URL"):
        overrides.append((("store", "redis", "url"), env["REDIS_URL"], "REDIS_URL"))
        overrides.append((("store", "backend"), "redis", "REDIS_URL"))
    if env.get("BOT_HOST"):
        overrides.append((("server", "host"), env["BOT_HOST"], "BOT_HOST"))
    if env.get("BOT_PORT"):
        overrides.append((("server", "port"), _scalar(env["BOT_PORT"]), "BOT_PORT"))
    for name in sorted(env):
        if not name.upper().startswith(ENV_PREFIX) or not env[name]:
            continue
        keys = tuple(key.lower() for key in name[len(ENV_PREFIX):].split("__"))
        if not all(keys):
            advice = "not an override; write BOT__SECTION__KEY, e.g. BOT__SERVER__PORT"
            problems.append((_LAST, f"environment {name}: {advice}"))
            continue
        overrides.append((keys, _scalar(env[name]), name))
    applied: dict[tuple[str, ...], str] = {}
    for keys, value, name in overrides:
        node = data
        for key in keys[:-1]:
            if node.get(key) is None:
                node[key] = {}
            node = node[key]
            if not isinstance(node, dict):
                break  # the file's own value is wrong there; that error is reported
        else:
            node[keys[-1]] = value
            applied[keys] = name
    return applied


def _scalar(text: str) -> Any:
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError:
        return text


def _problem(
    error: Any, lines: LineMap, label: str, has_file: bool, env_paths: dict[tuple[str, ...], str]
) -> tuple[int, str]:
    """The problem ``error`` as (sort line, text) naming file:line or the variable that set it."""
    loc = tuple(str(part) for part in error["loc"])
    ctx = error.get("ctx") or {}
    if error["type"] == _CHECK and ctx.get("field"):
        loc += (ctx["field"],)
    dotted = ".".join(loc)
    text = f"{dotted}: {_describe(error, loc)}"
    variable = next((name for keys, name in env_paths.items() if _overlap(keys, loc)), None)
    if variable is None and not (has_file and dotted in lines.lines) and error["type"] == _CHECK:
        variable = next((name for keys, name in env_paths.items() if keys[: len(loc) - 1] == loc[:-1]), None)
    if variable is not None or not has_file:
        return _LAST, f"environment {variable or '(defaults)'}: {text}"
    line = lines.line_of(dotted)
    return line, f"{label}:{line}: {text}"


def _overlap(keys: tuple[Any, ...], loc: tuple[Any, ...]) -> bool:
    return keys[: len(loc)] == loc or loc[: len(keys)] == keys


def _describe(error: Any, loc: tuple[str, ...]) -> str:
    kind, value, ctx = error["type"], error.get("input"), error.get("ctx") or {}
    shown = _show(value)
    if kind == "extra_forbidden":
        known = list(_model_at(loc[:-1]).model_fields)
        guess = difflib.get_close_matches(loc[-1], known, n=1)
        hint = f"; did you mean {guess[0]!r}?" if guess else ";"
        return f"unknown key{hint} known keys: {', '.join(sorted(known))}"
    if kind in ("literal_error", "enum"):
        allowed = sorted(re.findall(r"'([^']*)'", str(ctx.get("expected", ""))))
        return f"{shown} is not allowed; allowed: {', '.join(allowed)}"
    if kind in _EXPECTED:
        return f"expected {_EXPECTED[kind]}, got {_got(value)}"
    if kind in _MESSAGES:
        return _MESSAGES[kind].format(**{**ctx, "shown": shown, "pattern": str(ctx.get("pattern")).strip("^$")})
    return f"{shown}: {error.get('msg')}"


_EXPECTED = {
    "int_type": "an integer", "float_type": "a number", "bool_type": "true or false", "string_type": "text",
    "dict_type": "a mapping", "model_type": "a mapping", "tuple_type": "a list", "list_type": "a list",
}  # fmt: skip
_MESSAGES = {
    _CHECK: "{message}",
    "missing": "is required but missing",
    "int_parsing": "{shown} is not a valid integer",
    "int_from_float": "{shown} is not a whole number",
    "float_parsing": "{shown} is not a valid number",
    "bool_parsing": "{shown} is not a valid boolean; use true or false",
    "greater_than": "{shown} must be greater than {gt:g}",
    "greater_than_equal": "{shown} must be at least {ge:g}",
    "less_than": "{shown} must be less than {lt:g}",
    "less_than_equal": "{shown} must be at most {le:g}",
    "string_pattern_mismatch": "{shown} is not allowed; use only {pattern}",
    "string_too_short": "must not be empty",
    "too_short": "must not be empty",
}


def _model_at(loc: tuple[str, ...]) -> type[BaseModel]:
    model: type[BaseModel] = Settings
    for key in loc:
        annotation = model.model_fields[key].annotation
        assert isinstance(annotation, type) and issubclass(annotation, BaseModel)
        model = annotation
    return model


def _show(value: Any) -> str:
    return text if len(text := repr(value)) <= 60 else text[:57] + "..."


def _got(value: Any) -> str:
    if value is None:
        return "nothing"
    kinds = {bool: "a boolean", int: "a number", float: "a number", str: "text", list: "a list", dict: "a mapping"}
    return f"{kinds.get(type(value), type(value).__name__)} {_show(value)}"
