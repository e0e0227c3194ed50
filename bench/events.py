"""Event hub benchmark: delivery latency and the outbox's cost to a POST, at 1, 100 and 1,000 subscriptions.

    .venv/bin/python bench/events.py                 # SQLite in a temporary folder (~2-3 min)
    .venv/bin/python bench/events.py --quick         # smoke run, fewer requests
    .venv/bin/python bench/events.py --database-url postgresql+psycopg://u@127.0.0.1/a \\
        --cost-database-url postgresql+psycopg://u@127.0.0.1/b   # two EMPTY PostgreSQL databases

Two real `tmf serve` subprocesses on loopback, each on its own database:

- latency server (dispatching): for each subscription count, sequential trouble ticket POSTs
  (TMF621 v4); after each, wait until every subscriber has the event. Latency = listener
  arrival − POST response received by the client (the change is committed before the response
  is sent; the dispatcher is woken at commit, so a delivery may even arrive first: small
  negative values are kept). All subscriptions match every event; they all point at one
  threaded HTTP listener in this process (tests/events/faults_support.py) answering 204.
- cost server (`--no-dispatch`): the same POST, sequentially, with 0, 1, 100, 1,000 matching
  subscriptions; req/s and p50/p95, as ratios to 0 subscriptions: the cost of writing the
  outbox (event row + one delivery row per subscription) in the change's transaction.

Target (printed PASS/MISS, never a failing exit code): delivery p95 < 200 ms at 100 subscriptions.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.events.faults_support import (  # noqa: E402
    TT_V4,
    CallbackListener,
    ServerProcess,
    subscribe,
    ticket_v4,
)

COUNTS = (1, 100, 1000)
TARGET_SUBSCRIPTIONS, TARGET_P95_MS = 100, 200.0


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    k = (len(ordered) - 1) * q
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def add_subscriptions(client: httpx.Client, listener: CallbackListener, have: int, want: int) -> int:
    for n in range(have, want):
        subscribe(client, listener.url(f"/sub/{n}"))
    return want


def post_ticket(client: httpx.Client, marker: str) -> tuple[str, float, float]:
    started = time.perf_counter()
    response = client.post(f"{TT_V4}/troubleTicket", json=ticket_v4(marker))
    answered = time.perf_counter()
    if response.status_code != 201:
        raise RuntimeError(f"POST failed: {response.status_code} {response.text[:300]}")
    return response.json()["id"], started, answered


def measure_latency(
    client: httpx.Client, listener: CallbackListener, subscriptions: int, events: int, wait_s: float
) -> dict[str, Any]:
    """Sequential POSTs; after each, wait for all `subscriptions` deliveries (bounded)."""
    all_ms: list[float] = []
    last_ms: list[float] = []
    missing = 0
    for i in range(events):
        seen = len(listener.received)
        ticket, _, answered = post_ticket(client, f"latency {subscriptions} {i}")
        deadline = time.monotonic() + wait_s
        while time.monotonic() < deadline:
            mine = [r for r in listener.received[seen:] if r.resource_id == ticket]
            if len(mine) >= subscriptions:
                break
            time.sleep(0.002)
        mine = [r for r in listener.received[seen:] if r.resource_id == ticket]
        missing += max(subscriptions - len(mine), 0)
        lags = [(r.at - answered) * 1000 for r in mine]
        all_ms += lags
        if lags:
            last_ms.append(max(lags))
    return {
        "subscriptions": subscriptions,
        "events": events,
        "deliveries": len(all_ms),
        "missing": missing,
        "p50_ms": percentile(all_ms, 0.50),
        "p95_ms": percentile(all_ms, 0.95),
        "max_ms": max(all_ms) if all_ms else float("nan"),
        "last_p50_ms": percentile(last_ms, 0.50),
        "last_p95_ms": percentile(last_ms, 0.95),
    }


def measure_cost(client: httpx.Client, subscriptions: int, requests: int, warmup: int) -> dict[str, Any]:
    for i in range(warmup):
        post_ticket(client, f"warmup {subscriptions} {i}")
    times: list[float] = []
    began = time.perf_counter()
    for i in range(requests):
        _, started, answered = post_ticket(client, f"cost {subscriptions} {i}")
        times.append((answered - started) * 1000)
    elapsed = time.perf_counter() - began
    return {
        "subscriptions": subscriptions,
        "requests": requests,
        "req_s": requests / elapsed,
        "p50_ms": percentile(times, 0.50),
        "p95_ms": percentile(times, 0.95),
    }


def machine() -> str:
    cpu = "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    system = f"{platform.system()} {platform.release()}"
    return f"{os.cpu_count()} CPUs ({cpu}), {system}, Python {platform.python_version()}"


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--database-url", help="EMPTY database for the latency server (default: SQLite, temporary)"
    )
    parser.add_argument("--cost-database-url", help="EMPTY database for the --no-dispatch cost server")
    parser.add_argument("--quick", action="store_true", help="few requests, for a smoke run")
    parser.add_argument("--counts", default=",".join(map(str, COUNTS)), help="subscription counts")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    counts = [int(c) for c in args.counts.split(",")]
    quick = args.quick
    # bounded loops: events per latency stage and POSTs per cost stage, by subscription count
    latency_events = {1: 20 if quick else 100, 100: 10 if quick else 40, 1000: 2 if quick else 3}
    cost_requests = {0: 50 if quick else 300, 1: 50 if quick else 300, 100: 50 if quick else 300,
                     1000: 20 if quick else 100}  # fmt: skip
    with tempfile.TemporaryDirectory(prefix="tmf-bench-events-") as folder:
        latency_url = args.database_url or f"sqlite:///{Path(folder) / 'latency.db'}"
        cost_url = args.cost_database_url or f"sqlite:///{Path(folder) / 'cost.db'}"
        database = latency_url.split(":", 1)[0]
        print(
            f"event benchmark {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC; {machine()}; database {database}"
        )
        listener = CallbackListener().start()
        latency_server = ServerProcess(latency_url).start()
        cost_server = ServerProcess(cost_url, "--no-dispatch").start()
        latency_rows: list[dict[str, Any]] = []
        cost_rows: list[dict[str, Any]] = []
        try:
            with (
                httpx.Client(base_url=latency_server.base_url, timeout=60) as lat,
                httpx.Client(base_url=cost_server.base_url, timeout=60) as cost,
            ):
                for i in range(5):  # warm up the latency server (no subscriptions yet)
                    post_ticket(lat, f"warmup {i}")
                cost_rows.append(measure_cost(cost, 0, cost_requests[0], 20))
                have_lat = have_cost = 0
                for count in counts:
                    have_lat = add_subscriptions(lat, listener, have_lat, count)
                    have_cost = add_subscriptions(cost, listener, have_cost, count)
                    post_ticket(lat, f"warmup {count}")  # first event at this count: not measured
                    time.sleep(min(0.5 + count / 200, 10))
                    row = measure_latency(
                        lat, listener, count, latency_events.get(count, 10), 30 + count / 20
                    )
                    latency_rows.append(row)
                    print(
                        f"latency subs={count:5d} events={row['events']:3d} "
                        f"deliveries={row['deliveries']:5d} "
                        f"p50={row['p50_ms']:8.1f} ms p95={row['p95_ms']:8.1f} ms max={row['max_ms']:8.1f} ms"
                        f" | last subscriber p50={row['last_p50_ms']:8.1f} p95={row['last_p95_ms']:8.1f} ms"
                        f" | missing={row['missing']}",
                        flush=True,
                    )
                    cost_rows.append(measure_cost(cost, count, cost_requests.get(count, 100), 10))
        finally:
            latency_server.kill()
            cost_server.kill()
            listener.close()
    base = cost_rows[0]
    print("\nPOST /troubleTicket (v4), concurrency 1, server with --no-dispatch:")
    print(f"{'subs':>5} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8} {'req/s ratio':>12} {'p95 ratio':>10}")
    for row in cost_rows:
        print(
            f"{row['subscriptions']:5d} {row['req_s']:8.1f} {row['p50_ms']:8.2f} {row['p95_ms']:8.2f} "
            f"{row['req_s'] / base['req_s']:12.2f} {row['p95_ms'] / base['p95_ms']:10.2f}"
        )
    target = next((r for r in latency_rows if r["subscriptions"] == TARGET_SUBSCRIPTIONS), None)
    if target is not None:
        verdict = "PASS" if target["p95_ms"] < TARGET_P95_MS and not target["missing"] else "MISS"
        print(
            f"\n{verdict}  delivery p95 < {TARGET_P95_MS:.0f} ms at {TARGET_SUBSCRIPTIONS} subscriptions: "
            f"{target['p95_ms']:.1f} ms ({database})"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
