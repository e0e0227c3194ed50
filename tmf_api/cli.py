"""`tmf` command line: serve the APIs, upgrade the database schema."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Sequence

from tmf_api.settings import Settings


def _database_url(args: argparse.Namespace) -> str:
    return args.database_url or os.environ.get("TMF_DATABASE_URL") or Settings.database_url


def _add_database_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--database-url",
        help="SQLAlchemy URL (sqlite:///path or postgresql+psycopg://user:pass@host/db); "
        "default: $TMF_DATABASE_URL, else a SQLite file under ./var/",
    )


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    from sid_model.db import upgrade
    from tmf_api.app import create_app
    from tmf_api.demo import load_demo_data

    url = _database_url(args)
    simulate = args.demo_data if args.simulate_fulfilment is None else args.simulate_fulfilment
    settings = Settings(
        database_url=url,
        demo_data=args.demo_data,
        public_base_url=args.public_base_url,
        simulate_fulfilment=simulate,
        dispatch_events=not args.no_dispatch,
        delivery_max_attempts=args.delivery_max_attempts,
    )
    upgrade(url)
    app = create_app(settings)
    if settings.demo_data:
        loaded = load_demo_data(app)
        logging.getLogger("tmf").info("demo data: %s", loaded or "database not empty, nothing loaded")
    print(f"Serving TM Forum APIs on http://{args.host}:{args.port}  (Swagger UI: /docs)", flush=True)
    uvicorn.run(app, host=args.host, port=args.port, log_level=args.log_level)
    return 0


def cmd_events_dead(args: argparse.Namespace) -> int:
    from sqlalchemy.orm import Session

    from sid_model import EventRecord, EventSubscription
    from sid_model.db import make_engine
    from tmf_api.delivery import dead_letters

    with Session(make_engine(_database_url(args))) as session:
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
    with Session(make_engine(_database_url(args))) as session, session.begin():
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

    dispatcher = Dispatcher(sessionmaker(make_engine(_database_url(args))), Settings())

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

    upgrade(_database_url(args))
    print("database schema is up to date")
    return 0


def cmd_conformance(args: argparse.Namespace) -> int:
    """Forward to the conformance suite (conformance/ depends on nothing in tmf_api)."""
    from conformance.cli import main as conformance_main

    result: int = conformance_main(args.conformance_args)
    return result


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="tmf", description="TM Forum Open API reference implementation")
    commands = parser.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", help="upgrade the schema and serve every API version")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8080)
    _add_database_option(serve)
    demo = serve.add_mutually_exclusive_group()
    demo.add_argument(
        "--demo-data", dest="demo_data", action="store_true", help="load demo data into an empty database"
    )
    demo.add_argument(
        "--no-demo-data", dest="demo_data", action="store_false", help="do not load demo data (default)"
    )
    serve.add_argument("--public-base-url", help="base of absolute hrefs when behind a proxy")
    simulate = serve.add_mutually_exclusive_group()
    simulate.add_argument(
        "--simulate-fulfilment",
        dest="simulate_fulfilment",
        action="store_true",
        default=None,
        help="move orders and tickets along by themselves (mappings/fulfilment.yaml); on with --demo-data",
    )
    simulate.add_argument("--no-simulate-fulfilment", dest="simulate_fulfilment", action="store_false")
    serve.add_argument(
        "--no-dispatch",
        action="store_true",
        help="do not deliver events from this process (other workers do)",
    )
    serve.add_argument(
        "--delivery-max-attempts",
        type=int,
        default=Settings.delivery_max_attempts,
        help="attempts before an event delivery becomes a dead letter (default %(default)s)",
    )
    serve.add_argument(
        "--log-level", default="info", choices=["critical", "error", "warning", "info", "debug"]
    )
    serve.set_defaults(func=cmd_serve, demo_data=False)

    events = commands.add_parser("events", help="event delivery (the hub's outbox)")
    event_commands = events.add_subparsers(dest="events_command", required=True)
    dead = event_commands.add_parser("dead-letters", help="list deliveries that gave up")
    _add_database_option(dead)
    dead.add_argument("--limit", type=int, default=100)
    dead.set_defaults(func=cmd_events_dead)
    again = event_commands.add_parser("replay", help="queue dead deliveries again")
    _add_database_option(again)
    again.add_argument("ids", nargs="*", help="delivery ids (from dead-letters)")
    again.add_argument("--all", action="store_true", help="every dead delivery")
    again.set_defaults(func=cmd_events_replay)
    dispatch = event_commands.add_parser("dispatch", help="run a delivery worker without serving the APIs")
    _add_database_option(dispatch)
    dispatch.set_defaults(func=cmd_events_dispatch)

    conformance = commands.add_parser(
        "conformance",
        help="run the conformance suite against any TMF622/TMF621/TMF678 server (tmf conformance run --help)",
        add_help=False,
        prefix_chars="+",  # every option, --help included, belongs to the suite's own parser
    )
    conformance.add_argument("conformance_args", nargs=argparse.REMAINDER)
    conformance.set_defaults(func=cmd_conformance)

    db = commands.add_parser("db", help="database schema")
    db_commands = db.add_subparsers(dest="db_command", required=True)
    db_upgrade = db_commands.add_parser("upgrade", help="apply Alembic migrations up to head")
    _add_database_option(db_upgrade)
    db_upgrade.set_defaults(func=cmd_db_upgrade)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    # One line per delivered event is noise; failures are logged by the dispatcher itself.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    args = build_parser().parse_args(argv)
    result: int = args.func(args)
    return result


if __name__ == "__main__":
    sys.exit(main())
