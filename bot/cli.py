"""The ``bot`` command: one entry point, one subcommand per job."""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from bot import __version__
from bot.errors import BotError, ConfigError


def _settings(args: argparse.Namespace):  # type: ignore[no-untyped-def]
    from bot.config import load_settings

    return load_settings(Path(args.config) if args.config else None)


def cmd_run(args: argparse.Namespace) -> int:
    """Serve the bot over HTTP (``--role web``), process its messages (``--role worker``), or both."""
    import uvicorn

    from bot.logs import configure_logging

    settings = _settings(args)
    configure_logging(settings.logging.level, settings.logging.format)
    host = args.host or settings.server.host
    port = args.port or settings.server.port
    shared = {f"--workers {args.workers}": args.workers > 1, f"--role {args.role}": args.role != "all"}
    for option, needs_sharing in shared.items():
        if needs_sharing and settings.store.backend != "redis":
            msg = (
                f"{option} needs a store that processes share: set REDIS_URL "
                "(the SQLite store is served by one process, which has role all)"
            )
            raise ConfigError([msg], source="bot run")
    asyncio.run(_check_store(settings))
    if args.role == "worker":
        from bot.server.worker import run_worker

        if args.workers > 1:
            raise ConfigError(["--workers applies to web processes; start more `bot run --role worker` instead"],
                              source="bot run")
        return run_worker(settings, health_host=host, health_port=args.health_port)
    if args.health_port is not None:
        raise ConfigError([(f"--health-port is for --role worker; with --role {args.role}, /health and /ready are "
                           f"served on --port ({port})")], source="bot run")
    os.environ["BOT_ROLE"] = args.role
    common = {
        "host": host,
        "port": port,
        "log_config": None,
        "access_log": settings.server.access_log,
        "loop": "uvloop",
        "http": "httptools",
        "timeout_graceful_shutdown": 15,
    }
    if args.workers > 1:
        if settings.source:
            os.environ["BOT_CONFIG"] = str(settings.source)
        uvicorn.run("bot.server.app:app_from_environment", factory=True, workers=args.workers, **common)
        return 0
    from bot.engine import Engine
    from bot.server.app import create_app

    uvicorn.run(create_app(settings, engine=Engine(settings, role=args.role)), **common)
    return 0


async def _check_store(settings) -> None:  # type: ignore[no-untyped-def]
    """Open and close the configured store once, so a bad store fails before serving."""
    from bot.state.registry import create_store

    store = create_store(settings)
    await store.open()
    await store.close()


def cmd_shell(args: argparse.Namespace) -> int:
    """Chat with the bot in this terminal."""
    from bot.shell import run_shell

    settings = _settings(args)
    return asyncio.run(run_shell(settings, conversation_id=args.conversation_id, rtl=args.rtl, persist=args.persist,
                                 debug=args.debug))


def cmd_train(args: argparse.Namespace) -> int:
    """Train the NLU model from nlu_data/ (skipped when data and settings are unchanged)."""
    from bot.nlu.pipeline import model_summary
    from bot.nlu.trained import (
        current_fingerprint,
        nlu_files,
        train_from_settings,
        up_to_date_model,
    )

    settings = _settings(args)
    files = nlu_files(settings)
    if not files:
        print(f"no NLU data under {settings.paths.nlu_data}: nothing to train (the bot understands /intent payloads only)")
        return 0
    if not args.skip_validation and _flows_have_errors(settings):
        print("error: the flows have errors (above); fix them, or train anyway with --skip-validation", file=sys.stderr)
        return 1
    if not args.force and up_to_date_model(settings) is not None:
        print(f"model is up to date (fingerprint {current_fingerprint(settings)}); use --force to train anyway")
        return 0
    steps = ["reading data", "intents", "entities", "done"]
    bar = _Progress(steps, enabled=not args.quiet)
    bar.step("reading data")
    start = time.perf_counter()
    model = train_from_settings(settings, progress=bar.step)
    path = model.save(settings.paths.models)
    bar.close()
    for warning in model.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    summary = model_summary(model)
    print(f"trained in {time.perf_counter() - start:.1f}s from {len(files)} file(s): {summary['intents']} intents, "
          f"fallback threshold {summary['threshold']}, extractors {', '.join(summary['extractors'])}")
    print(f"model: {path} (fingerprint {summary['fingerprint']})")
    return 0


def _flows_have_errors(settings) -> bool:  # type: ignore[no-untyped-def]
    """Validate the flows against the NLU data to be trained (as Rasa does before training); print the errors."""
    from bot.flows.loader import load_flows
    from bot.flows.validate import validate
    from bot.nlu.data import load_nlu_dir

    if not settings.paths.flows.exists():
        return False
    languages = list(settings.languages.supported)
    intents = {e.intent for e in load_nlu_dir(settings.paths.nlu_data, languages).examples}
    loaded = load_flows([settings.paths.flows], languages=languages, root=Path.cwd())
    problems = validate(loaded, languages=languages, default_language=settings.languages.default, nlu_intents=intents)
    for problem in problems.errors:
        print(problem, file=sys.stderr)
    return bool(problems.errors)


def cmd_test_nlu(args: argparse.Namespace) -> int:
    """Measure the NLU: per-intent precision/recall/F1, confusion matrix, errors, entity scores."""
    from bot.nlu.data import load_nlu_dir, load_nlu_file
    from bot.nlu.evaluate import cross_validate, evaluate, format_summary, write_report
    from bot.nlu.trained import train_from_settings

    settings = _settings(args)
    languages = list(settings.languages.supported)
    data = load_nlu_dir(settings.paths.nlu_data, languages)
    if not data.examples:
        print(f"no NLU data under {settings.paths.nlu_data}: nothing to test")
        return 1
    if args.test_data:
        path = Path(args.test_data)
        test = load_nlu_dir(path, languages) if path.is_dir() else load_nlu_file(path)
        report = evaluate(train_from_settings(settings), test.examples, notes=[f"model trained on {settings.paths.nlu_data}, tested on {path}"])
    else:
        from bot.nlu.vectors import load_vectors

        vectors = load_vectors(settings.nlu.vectors) if settings.nlu.vectors is not None else None
        report = cross_validate(data, folds=args.cross_validation, languages=languages, vectors=vectors)
    paths = write_report(report, Path(args.out))
    print(format_summary(report))
    print("written: " + ", ".join(str(p) for p in paths))
    return 0


def cmd_test_conversations(args: argparse.Namespace) -> int:
    """Replay the conversation tests (tests/conversations by default) and show a diff per failing
    turn. Exit 1 if any test case fails."""
    from bot.testing import run_conversation_tests

    settings = _settings(args)
    return run_conversation_tests(
        settings, [Path(p) for p in args.paths], select=args.select, fail_fast=args.fail_fast,
        verbose=args.verbose, junit=Path(args.junit) if args.junit else None,
    )


_TEST_KINDS = ("nlu", "conversations", "e2e", "-h", "--help")


def _default_test_kind(argv: list[str]) -> list[str]:
    """``bot test [PATHS/OPTIONS]`` means ``bot test conversations ...``."""
    if argv[:1] == ["test"] and (len(argv) == 1 or argv[1] not in _TEST_KINDS):
        return ["test", "conversations", *argv[1:]]
    return argv


def cmd_validate(args: argparse.Namespace) -> int:
    """Check flows, slots, responses, actions and NLU triggers; print every problem with
    file:line:column. Exit 1 if there is any error (warnings alone exit 0)."""
    from bot.flows.loader import load_flows
    from bot.flows.validate import validate
    from bot.nlu.data import load_nlu_dir, load_nlu_file

    settings = _settings(args)
    languages = list(settings.languages.supported)
    folders = [Path(p) for p in args.paths] or [settings.paths.flows]
    missing = [str(p) for p in folders if not p.exists()]
    if missing:
        print(f"error: no such file or folder: {', '.join(missing)}", file=sys.stderr)
        return 1
    nlu_paths = [Path(p) for p in args.nlu] if args.nlu else [settings.paths.nlu_data]
    intents: set[str] | None = None
    for path in nlu_paths:
        if path.exists():
            data = load_nlu_dir(path, languages) if path.is_dir() else load_nlu_file(path)
            intents = (intents or set()) | {e.intent for e in data.examples}
    loaded = load_flows(folders, languages=languages, root=Path.cwd())
    problems = validate(loaded, languages=languages, default_language=settings.languages.default, nlu_intents=intents)
    _check_channel_limits(settings, loaded)
    for problem in problems.items:
        print(problem)
    definition = loaded.definition
    print(f"{len(definition.flows)} flows, {len(definition.slots)} slots, {len(loaded.responses.names())} responses in "
          f"{len(loaded.files)} file(s): {len(problems.errors)} error(s), {len(problems.warnings)} warning(s)")
    return 1 if problems.errors else 0


def _check_channel_limits(settings, loaded) -> None:  # type: ignore[no-untyped-def]
    """Warn about responses an enabled channel could not send as written (WhatsApp's button titles...)."""
    from bot.channels import ChannelRegistry
    from bot.core.messages import OutboundContent, OutButtons, OutText
    from bot.responses.rich import fill_rich

    registry = ChannelRegistry.from_entry_points()
    channels = {name: registry.create(name, options or {}) for name, options in settings.channels.items() if name in registry.names()}
    for name, variations in sorted(loaded.responses.by_name.items()):
        for index, variation in enumerate(variations):
            text = variation.text or ""
            content: OutboundContent = (fill_rich(variation.rich, text, str) if variation.rich is not None
                                        else OutButtons(text=text, buttons=variation.buttons) if variation.buttons else OutText(text=text))
            for channel_name, channel in channels.items():
                if variation.channel and variation.channel != channel_name:
                    continue
                for problem in channel.check(content):
                    loaded.problems.warning("channel-limit", loaded.response_where.get(name, name),
                                            f"response {name!r} (variation {index + 1}) cannot go to {channel_name} as written: {problem}")


def cmd_visualize(args: argparse.Namespace) -> int:
    """Draw each flow as a diagram: an HTML page with every flow, plus one SVG (and PNG) per flow."""
    from bot.flows.defaults import load_project
    from bot.flows.visualize import write_diagrams

    settings = _settings(args)
    languages = list(settings.languages.supported)
    folders = [Path(p) for p in args.paths] or [settings.paths.flows]
    loaded = load_project(folders, languages=languages, default_language=settings.languages.default, root=Path.cwd())
    for problem in loaded.problems.errors:
        print(problem, file=sys.stderr)
    written = write_diagrams(loaded.definition, Path(args.out), formats=tuple(args.format.split(",")), flows=args.flow or None)
    for path in written:
        print(path)
    return 1 if loaded.problems.errors else 0


def cmd_vectors(args: argparse.Namespace) -> int:
    """Distill word vectors from a BERT-style encoder (a folder, wheel or zip with config.json,
    vocab.txt and model.safetensors) for the intent classifier; then set nlu.vectors to the file."""
    from bot.nlu.vectors import distill

    source, out = Path(args.source), Path(args.out)
    start = time.perf_counter()
    show = not args.quiet and sys.stderr.isatty()

    def progress(done: int, total: int) -> None:
        if show:
            _draw_bar(done / total, f"{done}/{total} pieces")

    vectors = distill(source, progress=progress)
    if show:
        print(file=sys.stderr)
    vectors.save(out)
    print(f"distilled {len(vectors.vocab.tokens)} word pieces x {vectors.dimensions} from {source} in {time.perf_counter() - start:.1f}s")
    print(f"written: {out}; to use it, add to config.yml:\n  nlu:\n    vectors: {out}")
    return 0


def _draw_bar(fraction: float, label: str) -> None:
    """Redraw a one-line progress bar on stderr."""
    filled = int(30 * fraction)
    print(f"\r[{'#' * filled}{'.' * (30 - filled)}] {label}", end="", file=sys.stderr, flush=True)


class _Progress:
    """A one-line progress bar on stderr."""

    def __init__(self, steps: list[str], *, enabled: bool) -> None:
        self.steps = steps
        self.enabled = enabled and sys.stderr.isatty()
        self.done = 0

    def step(self, name: str) -> None:
        self.done = min(len(self.steps), self.steps.index(name) + 1 if name in self.steps else self.done + 1)
        if self.enabled:
            _draw_bar(self.done / len(self.steps), f"{name:<14}")

    def close(self) -> None:
        if self.enabled:
            print(file=sys.stderr)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``bot``."""
    parser = argparse.ArgumentParser(prog="bot", description="A conversational framework for businesses on WhatsApp.")
    parser.add_argument("--version", action="version", version=f"bot {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    run = sub.add_parser("run", help="serve the bot over HTTP (REST channel, tracker, health)", description=cmd_run.__doc__)
    run.add_argument("--config", help="config file (default: $BOT_CONFIG or ./config.yml; embedded defaults if absent)")
    run.add_argument("--host", help="interface to listen on (default: server.host)")
    run.add_argument("--port", type=int, help="port to listen on (default: server.port, 5005)")
    run.add_argument("--workers", type=int, default=1, help="web processes (more than 1 needs REDIS_URL)")
    run.add_argument(
        "--role", choices=("all", "web", "worker"), default="all",
        help="all: take messages in and process them (default); web: only take them in and acknowledge them; "
             "worker: only process the inbox and deliver the outbox, no HTTP (web and worker need REDIS_URL)",
    )
    run.add_argument("--health-port", type=int, help="with --role worker: serve /health and /ready on this port "
                     "(on --host); without it a worker serves no HTTP")
    run.set_defaults(handler=cmd_run)

    shell = sub.add_parser("shell", help="chat with the bot in this terminal (Arabic shown right to left)", description=cmd_shell.__doc__)
    shell.add_argument("--config", help="config file (default: $BOT_CONFIG or ./config.yml)")
    shell.add_argument("--conversation-id", default="shell", help="conversation id to use (default: shell)")
    shell.add_argument(
        "--rtl", choices=("auto", "visual", "logical"), default="auto",
        help="how to show right-to-left text: visual reorders it for terminals without bidi support",
    )
    shell.add_argument("--persist", action="store_true", help="use the configured store instead of a throw-away one")
    shell.add_argument("--debug", action="store_true", help="after each turn show the parse, the commands, the slots and the stack")
    shell.set_defaults(handler=cmd_shell)

    train = sub.add_parser("train", help="train the NLU model from nlu_data/ (skips unchanged data)", description=cmd_train.__doc__)
    train.add_argument("--config", help="config file (default: $BOT_CONFIG or ./config.yml)")
    train.add_argument("--force", action="store_true", help="train even if data and settings are unchanged")
    train.add_argument("--quiet", action="store_true", help="no progress bar")
    train.add_argument("--skip-validation", action="store_true", help="train even if the flows have errors")
    train.set_defaults(handler=cmd_train)

    test = sub.add_parser(
        "test", help="replay conversation tests; `bot test nlu` measures understanding",
        description="Test the bot. `bot test [PATHS...]` runs the conversation tests (same as `bot test conversations`).",
    )
    test_sub = test.add_subparsers(dest="what", metavar="WHAT", required=True)
    talk = test_sub.add_parser("conversations", aliases=["e2e"], help="replay conversation tests (Rasa e2e format), the default",
                               description=cmd_test_conversations.__doc__)
    talk.add_argument("paths", nargs="*", help="test files or folders (default: tests/conversations beside config.yml)")
    talk.add_argument("--config", help="config file (default: $BOT_CONFIG or ./config.yml)")
    talk.add_argument("-k", dest="select", metavar="SUBSTRING", help="run only the test cases whose name contains this")
    talk.add_argument("--fail-fast", action="store_true", help="stop at the first failing test case")
    talk.add_argument("--verbose", "-v", action="store_true", help="print every turn, passing ones too")
    talk.add_argument("--junit", metavar="FILE", help="also write the results as JUnit XML")
    talk.set_defaults(handler=cmd_test_conversations)
    nlu = test_sub.add_parser("nlu", help="per-intent scores, confusion matrix, errors, entity scores", description=cmd_test_nlu.__doc__)
    nlu.add_argument("--config", help="config file (default: $BOT_CONFIG or ./config.yml)")
    nlu.add_argument("--cross-validation", type=int, default=5, metavar="N", help="folds when no --test-data is given (default 5)")
    nlu.add_argument("--test-data", help="an NLU YAML file or folder to test a model trained on all of nlu_data/ against")
    nlu.add_argument("--out", default=".bot/results/nlu", help="folder for the report files (default .bot/results/nlu)")
    nlu.set_defaults(handler=cmd_test_nlu)

    check = sub.add_parser("validate", help="check flows, slots, responses and actions (file:line:column)", description=cmd_validate.__doc__)
    check.add_argument("paths", nargs="*", help="flows/domain files or folders (default: paths.flows of config.yml)")
    check.add_argument("--nlu", action="append", default=[], metavar="PATH",
                       help="NLU data whose intents triggers may use (default: paths.nlu_data); repeatable")
    check.add_argument("--config", help="config file (default: $BOT_CONFIG or ./config.yml)")
    check.set_defaults(handler=cmd_validate)
    draw = sub.add_parser("visualize", help="draw flows as diagrams", description=cmd_visualize.__doc__)
    draw.add_argument("paths", nargs="*", help="flow files or folders (default: paths.flows)")
    draw.add_argument("--config", help="config file (default: $BOT_CONFIG or ./config.yml)")
    draw.add_argument("--out", default=".bot/diagrams", help="output folder (default: .bot/diagrams)")
    draw.add_argument("--format", default="html,svg", help="comma-separated: html, svg, png (png needs matplotlib)")
    draw.add_argument("--flow", action="append", help="only this flow (repeatable); patterns only when named")
    draw.set_defaults(handler=cmd_visualize)

    vectors = sub.add_parser("vectors", help="distill optional word vectors from a BERT-style encoder",
                             description=cmd_vectors.__doc__)
    vectors.add_argument("source", help="folder, wheel or zip with config.json, vocab.txt and model.safetensors")
    vectors.add_argument("--out", default=".bot/vectors.npz", help="where to write the vectors (default .bot/vectors.npz)")
    vectors.add_argument("--quiet", action="store_true", help="no progress bar")
    vectors.set_defaults(handler=cmd_vectors)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``bot`` command."""
    args = build_parser().parse_args(_default_test_kind(list(sys.argv[1:] if argv is None else argv)))
    try:
        return int(args.handler(args) or 0)
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except BotError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
