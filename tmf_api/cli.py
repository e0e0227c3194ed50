"""`tmf` command line: serve the APIs, upgrade the database schema."""

from __future__ import annotations

import argparse
import dataclasses
import logging
import os
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from tmf_api.settings import (
    DATABASE,
    DELIVERY,
    SERVER,
    Settings,
    SettingsError,
    from_environ,
    options,
    resolve,
    to_environ,
)

SETTING = "setting:"  # argparse dest prefix of the options derived from Settings
# Flags older than the derived ones, kept working: flag -> (field, value it sets).
LEGACY_FLAGS = {"--no-dispatch": ("dispatch_events", False)}
SERVE_GROUPS = (DATABASE, DELIVERY, SERVER)
DISPATCH_GROUPS = (DATABASE, DELIVERY)
BILLING_GROUPS = (DATABASE, SERVER)


def add_settings(parser: argparse.ArgumentParser, groups: Sequence[str]) -> None:
    """One option per field of Settings in `groups`, named after the field (`--pool-size`)."""
    section = parser.add_argument_group(
        "settings", "each also read from the environment variable named (the command line wins)"
    )
    for option in options(groups):
        shown = option.format(option.default) or "none"
        help_text = f"{option.help} (${option.env}; default: {shown})"
        if option.kind is bool:
            section.add_argument(
                option.flag,
                dest=SETTING + option.name,
                action=argparse.BooleanOptionalAction,
                default=argparse.SUPPRESS,
                help=help_text,
            )
            continue

        def parse(text: str, option: Any = option) -> Any:
            try:
                return option.parse(text)
            except ValueError as exc:
                raise argparse.ArgumentTypeError(str(exc)) from None

        section.add_argument(
            option.flag,
            dest=SETTING + option.name,
            type=parse,
            default=argparse.SUPPRESS,
            metavar={int: "N", float: "NUMBER"}.get(option.kind, "TEXT"),
            help=help_text,
        )
    wanted = {option.name for option in options(groups)}
    for flag, (name, value) in LEGACY_FLAGS.items():
        if name in wanted:
            section.add_argument(
                flag,
                dest=SETTING + name,
                action="store_const",
                const=value,
                default=argparse.SUPPRESS,
                help=f"the same as --{'no-' if value is False else ''}{name.replace('_', '-')}",
            )


def settings_from(
    args: argparse.Namespace, groups: Sequence[str], environ: Mapping[str, str] | None = None
) -> Settings:
    """Settings from the command line, else the environment, else the defaults."""
    given = {k[len(SETTING) :]: v for k, v in vars(args).items() if k.startswith(SETTING)}
    values = resolve(given, os.environ if environ is None else environ, groups)
    if SERVER in groups and "simulate_fulfilment" not in values:
        # The simulator comes with the demo data unless told otherwise: the demo then lives.
        values["simulate_fulfilment"] = values.get("demo_data", Settings.demo_data)
    return Settings(**values)


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    from sid_model.db import upgrade
    from tmf_api.app import create_app
    from tmf_api.demo import load_demo_data

    settings = settings_from(args, SERVE_GROUPS)
    if settings.public_url is None:
        # hrefs name the address served, with its real port, unless a public URL is configured.
        settings = dataclasses.replace(settings, public_url=listening_url(args.host, args.port))
    if settings.adjustable_clock and settings.workers > 1:
        # The clock's offset lives in the process: workers would each keep their own time.
        print("tmf serve: --adjustable-clock serves one process only; drop --workers", file=sys.stderr)
        return 2
    # Once, before any worker starts: workers never migrate or load data themselves.
    upgrade(settings.database_url)
    app = create_app(settings)
    if settings.demo_data:
        loaded = load_demo_data(app, settings.base_url)
        logging.getLogger("tmf").info("demo data: %s", loaded or "database not empty, nothing loaded")
    workers = f", {settings.workers} workers" if settings.workers > 1 else ""
    print(
        f"Serving TM Forum APIs on http://{args.host}:{args.port}{workers}"
        "  (docs: /docs/, Swagger UI: /swagger)",
        flush=True,
    )
    if settings.workers == 1:
        uvicorn.run(
            app,
            host=args.host,
            port=args.port,
            log_level=args.log_level,
            log_config=access_log_config(),
            **settings.uvicorn_options(),
        )
        return 0
    app.sessions.kw["bind"].dispose()  # the workers open their own connections
    # uvicorn starts each worker process afresh from an import string; the settings reach them
    # through the environment, complete, so a worker builds exactly the app this process would.
    os.environ.update(to_environ(settings))
    uvicorn.run(
        "tmf_api.cli:worker_app",
        factory=True,
        workers=settings.workers,
        host=args.host,
        port=args.port,
        log_level=args.log_level,
        log_config=access_log_config(),
        **settings.uvicorn_options(),
    )
    return 0


class AccessLogWithoutQuery(logging.Filter):
    """uvicorn's access log names each request's path and query; filter values are a partner's
    data (`relatedParty.name=张伟`, phone numbers), so the query is cut off: the log keeps the path."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple) and len(args) == 5 and isinstance(args[2], str):
            record.args = (args[0], args[1], args[2].split("?", 1)[0], args[3], args[4])
        return True


def access_log_config() -> dict[str, Any]:
    """uvicorn's logging configuration with the query cut off access log lines (in every worker:
    uvicorn applies it in each process it starts)."""
    import copy

    from uvicorn.config import LOGGING_CONFIG

    config: dict[str, Any] = copy.deepcopy(LOGGING_CONFIG)
    config.setdefault("filters", {})["no_query"] = {"()": f"{__name__}.AccessLogWithoutQuery"}
    config["handlers"]["access"]["filters"] = ["no_query"]
    return config


def listening_url(host: str, port: int) -> str:
    """The base URL of `tmf serve --host … --port …` as a client on this machine reaches it."""
    if host in ("", "0.0.0.0", "::"):
        host = "127.0.0.1"  # every address: this machine's loopback is one of them
    if ":" in host:
        host = f"[{host}]"
    return f"http://{host}:{port}"


def worker_app() -> Any:
    """The app of one `tmf serve --workers N` process (uvicorn calls it in each worker)."""
    from tmf_api.app import create_app

    _configure_logging()
    return create_app(from_environ(os.environ))


def cmd_events_dead(args: argparse.Namespace) -> int:
    from sqlalchemy.orm import Session

    from sid_model import EventRecord, EventSubscription
    from sid_model.db import make_engine
    from tmf_api.delivery import dead_letters

    settings = settings_from(args, [DATABASE])
    with Session(make_engine(settings.database_url, **settings.engine_options())) as session:
        rows = dead_letters(session, args.limit)
        for delivery in rows:
            record = session.get(EventRecord, delivery.event_pk)
            subscription = session.get(EventSubscription, delivery.subscription_pk)
            print(
                f"{delivery.id}  {record.event_type if record else '?'}  attempts={delivery.attempts}  "
                f"callback={subscription.callback if subscription else '?'}  error: {delivery.last_error}"
            )
        print(f"{len(rows)} dead deliveries")
    return 0


def cmd_events_replay(args: argparse.Namespace) -> int:
    from sqlalchemy.orm import Session

    from sid_model.db import make_engine
    from tmf_api.delivery import replay

    if not args.all and not args.ids:
        print("name the deliveries to replay, or --all", file=sys.stderr)
        return 2
    settings = settings_from(args, [DATABASE])
    engine = make_engine(settings.database_url, **settings.engine_options())
    with Session(engine) as session, session.begin():
        count = replay(session, None if args.all else args.ids)
    print(f"{count} deliveries queued again")
    return 0


def cmd_events_dispatch(args: argparse.Namespace) -> int:
    """A dispatcher without an API server: more workers for a busy hub (PostgreSQL)."""
    import asyncio
    import signal

    from sqlalchemy.orm import sessionmaker

    from sid_model.db import make_engine
    from tmf_api.delivery import Dispatcher

    settings = settings_from(args, DISPATCH_GROUPS)
    engine = make_engine(settings.database_url, **settings.engine_options())
    dispatcher = Dispatcher(sessionmaker(engine), settings)

    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        await dispatcher.run(stop)

    asyncio.run(main())
    return 0


def cmd_db_upgrade(args: argparse.Namespace) -> int:
    from sid_model.db import upgrade

    upgrade(settings_from(args, [DATABASE]).database_url)
    print("database schema is up to date")
    return 0


def cmd_db_render(args: argparse.Namespace) -> int:
    from sqlalchemy.orm import sessionmaker

    from sid_model.db import make_engine, upgrade
    from tmf_api.app import build_runtimes
    from tmf_api.engine import rendered

    settings = settings_from(args, [DATABASE])
    upgrade(settings.database_url)
    services = [s for r in build_runtimes(settings) for s in r.services.values()]
    engine = make_engine(settings.database_url, **settings.engine_options())
    renderers = rendered.renderers(services)
    sessions = sessionmaker(engine, expire_on_commit=False, info={rendered.RENDERERS: renderers})
    for name, count in rendered.refresh(sessions, services).items():
        print(f"{name}: {count} rendered")
    engine.dispose()
    return 0


def cmd_billing_run(args: argparse.Namespace) -> int:
    """The bill run of one cycle: every billing account held here, or those named."""
    from sid_model.db import upgrade
    from tmf_api.apis.billing import BillingError
    from tmf_api.apis.rating import OPERATOR_TIME
    from tmf_api.apis.tmf678 import run_bill_cycle
    from tmf_api.app import build_core
    from tmf_api.engine.resource import utcnow

    settings = settings_from(args, BILLING_GROUPS)
    upgrade(settings.database_url)
    runtimes, sessions, _ = build_core(settings)
    now = utcnow()
    try:
        runs = run_bill_cycle(runtimes, sessions, args.cycle, args.account or None, now)
    except BillingError as error:
        print(f"tmf billing run: {error}", file=sys.stderr)
        return 2
    for run in runs:
        if run.bill is None:
            outcome = "nothing to bill"
        else:
            made = "already billed" if run.existing else f"recurring charges rated: {len(run.rated)}"
            outcome = f"bill {run.bill.bill_no} {run.bill.amount_due} {run.bill.currency} ({made})"
        start, end = (when.astimezone(OPERATOR_TIME) for when in (run.period.start, run.period.end or now))
        print(f"{run.account_id}  {start:%Y-%m-%d}..{end:%Y-%m-%d}  {outcome}")
    new = sum(1 for run in runs if run.bill is not None and not run.existing)
    print(f"cycle {args.cycle}: {len(runs)} accounts, {new} new bills")
    return 0


def cmd_conformance(args: argparse.Namespace) -> int:
    """Forward to the conformance suite (conformance/ depends on nothing in tmf_api)."""
    from conformance.cli import main as conformance_main

    result: int = conformance_main(args.conformance_args)
    return result


def cmd_docs_build(args: argparse.Namespace) -> int:
    """Write the documentation site (static, offline) generated from the project into --out."""
    import time

    from tmf_api.docsite import build

    started = time.perf_counter()
    pages = build(Path(args.out))
    print(f"docs site: {len(pages)} pages in {args.out} ({time.perf_counter() - started:.1f} s)")
    return 0


def cmd_scenario(args: argparse.Namespace) -> int:
    from tmf_api.scenario_cli import main as scenario_main

    return scenario_main(args)


def add_scenario_commands(parser: argparse.ArgumentParser) -> None:
    from tmf_api.scenario_cli import add_commands

    add_commands(parser)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="tmf", description="TM Forum Open API reference implementation")
    commands = parser.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", help="upgrade the schema and serve every API version")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8080)
    serve.add_argument(
        "--log-level", default="info", choices=["critical", "error", "warning", "info", "debug"]
    )
    add_settings(serve, SERVE_GROUPS)
    serve.set_defaults(func=cmd_serve)

    events = commands.add_parser("events", help="event delivery (the hub's outbox)")
    event_commands = events.add_subparsers(dest="events_command", required=True)
    dead = event_commands.add_parser("dead-letters", help="list deliveries that gave up")
    add_settings(dead, [DATABASE])
    dead.add_argument("--limit", type=int, default=100)
    dead.set_defaults(func=cmd_events_dead)
    again = event_commands.add_parser("replay", help="queue dead deliveries again")
    add_settings(again, [DATABASE])
    again.add_argument("ids", nargs="*", help="delivery ids (from dead-letters)")
    again.add_argument("--all", action="store_true", help="every dead delivery")
    again.set_defaults(func=cmd_events_replay)
    dispatch = event_commands.add_parser("dispatch", help="run a delivery worker without serving the APIs")
    add_settings(dispatch, DISPATCH_GROUPS)
    dispatch.set_defaults(func=cmd_events_dispatch)

    conformance = commands.add_parser(
        "conformance",
        help="run the conformance suite against any server of the APIs it knows (tmf conformance run --help)",
        add_help=False,
        prefix_chars="+",  # every option, --help included, belongs to the suite's own parser
    )
    conformance.add_argument("conformance_args", nargs=argparse.REMAINDER)
    conformance.set_defaults(func=cmd_conformance)

    scenario = commands.add_parser(
        "scenario", help="the operator's processes as runnable scenarios (tmf scenario list|run)"
    )
    add_scenario_commands(scenario)
    scenario.set_defaults(func=cmd_scenario)

    billing = commands.add_parser("billing", help="bill runs")
    billing_commands = billing.add_subparsers(dest="billing_command", required=True)
    run = billing_commands.add_parser(
        "run",
        help="bill one cycle: rate recurring charges from the inventory, one bill per account and period",
    )
    run.add_argument("--cycle", required=True, help="the cycle's month, YYYY-MM")
    run.add_argument("--account", action="append", help="a billing account id (repeatable; default: all)")
    add_settings(run, BILLING_GROUPS)
    run.set_defaults(func=cmd_billing_run)

    docs = commands.add_parser("docs", help="the documentation site generated from the project")
    docs_commands = docs.add_subparsers(dest="docs_command", required=True)
    docs_build = docs_commands.add_parser(
        "build", help="write the static site (works offline, from file:// or any static host)"
    )
    docs_build.add_argument("--out", required=True, help="the folder to write (replaced)")
    docs_build.set_defaults(func=cmd_docs_build)

    db = commands.add_parser("db", help="database schema")
    db_commands = db.add_subparsers(dest="db_command", required=True)
    db_upgrade = db_commands.add_parser("upgrade", help="apply Alembic migrations up to head")
    add_settings(db_upgrade, [DATABASE])
    db_upgrade.set_defaults(func=cmd_db_upgrade)
    db_render = db_commands.add_parser(
        "render", help="write the rendered forms rows lack or hold from an older version (after an upgrade)"
    )
    add_settings(db_render, [DATABASE])
    db_render.set_defaults(func=cmd_db_render)
    return parser


def _configure_logging() -> None:
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    # One line per delivered event is noise; failures are logged by the dispatcher itself.
    logging.getLogger("httpx").setLevel(logging.WARNING)


def main(argv: Sequence[str] | None = None) -> int:
    _configure_logging()
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        result: int = args.func(args)
    except SettingsError as exc:  # a bad value in the environment
        parser.exit(2, f"{parser.prog}: error: {exc}\n")
    return result


if __name__ == "__main__":
    sys.exit(main())
