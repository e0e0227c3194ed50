"""`tmf scenario list` and `tmf scenario run NAME|--all`: the operator's processes against a server.

Exit codes: 0 every step of every scenario met its expectation, 1 a step failed, 2 a usage error
or a server that cannot be reached (or started).
"""

from __future__ import annotations

import argparse
import contextlib
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

import httpx

from tmf_api import scenarios

READY_PATH = "/tmf-api/productOrderingManagement/v4/productOrder?limit=1"
START_TIMEOUT_S = 90.0


def add_commands(parser: argparse.ArgumentParser) -> None:
    commands = parser.add_subparsers(dest="scenario_command", required=True)
    listing = commands.add_parser("list", help="list the scenarios")
    listing.add_argument("--dir", type=Path, default=scenarios.SCENARIOS, help="the scenarios' folder")
    go = commands.add_parser("run", help="run scenarios against a server (by default a throwaway one)")
    go.add_argument("names", nargs="*", metavar="NAME", help="scenario ids (see `tmf scenario list`)")
    go.add_argument("--all", action="store_true", help="every scenario")
    go.add_argument(
        "--variant", choices=("v4", "v5"), help="only this variant (default: each the scenario has)"
    )
    go.add_argument("--base-url", help="the server's root, e.g. http://127.0.0.1:8080 (default: start one)")
    go.add_argument("--report-dir", type=Path, help="write JUnit XML and JSON reports here")
    go.add_argument("--dir", type=Path, default=scenarios.SCENARIOS, help="the scenarios' folder")


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextlib.contextmanager
def throwaway_server(options: Sequence[str]) -> Iterator[str]:
    """`tmf serve` with the demo data on a temporary SQLite database; its base URL."""
    with tempfile.TemporaryDirectory(prefix="tmf-scenario-") as folder:
        port = _free_port()
        command = [
            sys.executable, "-m", "tmf_api", "serve", "--host", "127.0.0.1", "--port", str(port),
            "--database-url", f"sqlite:///{Path(folder) / 'scenario.db'}", "--demo-data", *options,
        ]  # fmt: skip
        log = Path(folder) / "server.log"
        with log.open("wb") as out:
            process = subprocess.Popen(
                command, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL
            )
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + START_TIMEOUT_S
            while True:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise ConnectionError(
                        f"tmf serve did not start: {log.read_text(errors='replace')[-2000:]}"
                    )
                with contextlib.suppress(httpx.TransportError):
                    if httpx.get(base + READY_PATH, timeout=5).status_code < 500:
                        break
                time.sleep(0.2)
            yield base
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _reachable(base_url: str) -> bool:
    try:
        httpx.get(base_url + READY_PATH, timeout=10)
    except httpx.HTTPError:
        return False
    return True


def main(args: argparse.Namespace) -> int:
    try:
        found = scenarios.available(args.dir)
    except (OSError, scenarios.ScenarioError) as error:
        print(f"tmf scenario: {error}", file=sys.stderr)
        return 2
    if args.scenario_command == "list":
        for s in found.values():
            print(f"{s.id}  [{', '.join(s.variants)}; {len(s.steps)} steps]\n    {s.title}\n    {s.process}")
        return 0
    if args.all == bool(args.names):
        print("tmf scenario run: name scenarios or pass --all (not both)", file=sys.stderr)
        return 2
    unknown = [n for n in args.names if n not in found]
    if unknown:
        print(f"tmf scenario run: unknown {', '.join(unknown)} (see `tmf scenario list`)", file=sys.stderr)
        return 2
    chosen = list(found.values()) if args.all else [found[n] for n in args.names]
    runs = [(s, v) for s in chosen for v in s.variants if args.variant in (None, v)]
    try:
        with contextlib.ExitStack() as stack:
            if args.base_url:
                base = args.base_url.rstrip("/")
                if not _reachable(base):
                    print(f"tmf scenario run: {base} does not answer", file=sys.stderr)
                    return 2
            else:
                options = sorted({o for s in chosen for o in s.server_options})
                base = stack.enter_context(throwaway_server(options))
            results = []
            for scenario, variant in runs:
                result = scenarios.run(scenario, variant, base)
                scenarios.print_result(result, sys.stdout)
                results.append(result)
    except (ConnectionError, scenarios.ScenarioError) as error:
        print(f"tmf scenario run: {error}", file=sys.stderr)
        return 2
    print("\nSummary")
    for r in results:
        failed = [s for s in r.steps if s.status == "failed"]
        verdict = f"FAILED at step {failed[0].index} ({failed[0].name})" if failed else "passed"
        print(f"  {r.key}: {len(r.steps)} steps, {verdict} in {r.seconds:.1f} s")
    if args.report_dir:
        for path in scenarios.write_reports(results, args.report_dir):
            print(f"report: {path}")
    return 0 if all(r.passed for r in results) else 1
