"""TMF622 v5 benchmark: our server against a bare Starlette + SQLAlchemy baseline.

    .venv/bin/python bench/run.py                 # 100,000 orders on SQLite (make bench)
    .venv/bin/python bench/run.py --quick         # smoke run: 2,000 orders, few requests
    .venv/bin/python bench/run.py --database-url postgresql+psycopg://user:pw@127.0.0.1:5432/bench

Both servers run as real uvicorn subprocesses on 127.0.0.1 over identical databases (a copy of
one seeded SQLite file; on PostgreSQL a `<db>_bare` database created from the seeded one as a
template). A bounded load generator (httpx) sends a fixed number of requests per scenario after
a warm-up, at concurrency 1 (latency) and 8 (throughput). Results: a table on stdout and a JSON
file under bench/results/. Targets are reported as PASS/MISS; a miss does not fail the run.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import json
import os
import platform
import resource
import shutil
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

import httpx

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
sys.path.insert(0, str(BENCH_DIR))

import seed as seeding  # noqa: E402  (bench/ is not a package)

RESULTS_DIR = BENCH_DIR / "results"
BASE = "/tmf-api/productOrderingManagement/v5/productOrder"
SCENARIOS = ("get", "list", "post")
# Targets from the issue.
TARGET_RATIO = 0.40  # GET by id and POST: requests/s at least 40% of the bare baseline
TARGET_LIST_P95_MS = 50.0  # filtered list p95 on SQLite at 100,000 orders
LIST_AGE_DAYS = 180  # creationDate.gt = seeding time minus this


# -- servers -------------------------------------------------------------------------------------
def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def proc_status(pid: int) -> dict[str, int]:
    """VmRSS / VmHWM of a process, in KiB."""
    out: dict[str, int] = {}
    with open(f"/proc/{pid}/status", encoding="ascii") as fh:
        for line in fh:
            key, _, value = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                out[key] = int(value.split()[0])
    return out


def reset_peak_rss(pid: int) -> bool:
    """Reset VmHWM to the current RSS (Linux: `echo 5 > /proc/pid/clear_refs`)."""
    try:
        with open(f"/proc/{pid}/clear_refs", "w", encoding="ascii") as fh:
            fh.write("5")
        return True
    except OSError:
        return False


def cpu_seconds(pid: int) -> float:
    """User + system CPU time the process has used so far."""
    with open(f"/proc/{pid}/stat", encoding="ascii") as fh:
        fields = fh.read().rsplit(")", 1)[1].split()
    ticks = os.sysconf("SC_CLK_TCK")
    return (int(fields[11]) + int(fields[12])) / ticks


class Server:
    def __init__(self, name: str, command: list[str], port: int, log: Path) -> None:
        self.name = name
        self.command = command
        self.port = port
        self.log = log
        self.base_url = f"http://127.0.0.1:{port}"
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 90.0) -> None:
        self.log.parent.mkdir(parents=True, exist_ok=True)
        out = self.log.open("wb")
        self.proc = subprocess.Popen(self.command, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(
                    f"{self.name} server exited:\n{self.log.read_text(errors='replace')[-3000:]}"
                )
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{self.base_url}{BASE}?limit=1", timeout=5).status_code < 500:
                    return
            time.sleep(0.2)
        self.stop()
        raise RuntimeError(
            f"{self.name} server did not answer within {timeout}s:\n{self.log.read_text()[-3000:]}"
        )

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.terminate()
        try:
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def ours_command(url: str, port: int) -> list[str]:
    return [
        sys.executable,
        "-m",
        "tmf_api",
        "serve",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--database-url",
        url,
        "--no-demo-data",
        "--log-level",
        "warning",
    ]


def bare_command(url: str, port: int) -> list[str]:
    return [
        sys.executable,
        str(BENCH_DIR / "bare_app.py"),
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--database-url",
        url,
        "--log-level",
        "warning",
    ]


# -- requests ------------------------------------------------------------------------------------
@dataclass
class Workload:
    ids: list[str]
    list_query: str
    counter: int = 0

    def request(self, scenario: str, n: int) -> tuple[str, str, bytes | None]:
        """(method, path, JSON body) of the n-th request of a scenario."""
        if scenario == "get":
            return "GET", f"{BASE}/{self.ids[n % len(self.ids)]}", None
        if scenario == "list":
            return "GET", f"{BASE}?{self.list_query}", None
        body = json.dumps(seeding.order_body(n), ensure_ascii=False).encode("utf-8")
        return "POST", BASE, body


HEADERS = {"content-type": "application/json", "accept": "application/json"}
EXPECTED = {"get": {200}, "list": {200, 206}, "post": {201}}


@dataclass
class Result:
    server: str
    scenario: str
    concurrency: int
    requests: int
    errors: int
    seconds: float
    rps: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    mean_ms: float
    server_cpu_ms_per_req: float
    client_cpu_ms_per_req: float
    peak_rss_mib: float
    peak_rss_scope: str
    first_error: str | None = None


def percentile(sorted_values: list[float], q: float) -> float:
    if not sorted_values:
        return float("nan")
    index = min(len(sorted_values) - 1, max(0, round(q * (len(sorted_values) - 1))))
    return sorted_values[index]


async def _drive(
    base_url: str, work: Workload, scenario: str, first: int, count: int, concurrency: int
) -> tuple[list[float], int, str | None]:
    latencies: list[float] = []
    errors = 0
    first_error: str | None = None
    next_index = first
    end = first + count
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=base_url, limits=limits, timeout=60) as client:

        async def worker() -> None:
            nonlocal next_index, errors, first_error
            while next_index < end:
                n = next_index
                next_index += 1
                method, path, body = work.request(scenario, n)
                started = time.perf_counter()
                response = await client.request(method, path, content=body, headers=HEADERS)
                latencies.append(time.perf_counter() - started)
                if response.status_code not in EXPECTED[scenario]:
                    errors += 1
                    first_error = first_error or f"{response.status_code} {response.text[:300]}"

        await asyncio.gather(*(worker() for _ in range(concurrency)))
    return latencies, errors, first_error


def _drive_sequential(
    base_url: str, work: Workload, scenario: str, first: int, count: int
) -> tuple[list[float], int, str | None]:
    """Concurrency 1 with a plain synchronous client: the least client overhead per request."""
    latencies: list[float] = []
    errors = 0
    first_error: str | None = None
    with httpx.Client(base_url=base_url, timeout=60) as client:
        for n in range(first, first + count):
            method, path, body = work.request(scenario, n)
            started = time.perf_counter()
            response = client.request(method, path, content=body, headers=HEADERS)
            latencies.append(time.perf_counter() - started)
            if response.status_code not in EXPECTED[scenario]:
                errors += 1
                first_error = first_error or f"{response.status_code} {response.text[:300]}"
    return latencies, errors, first_error


@dataclass
class _Tally:
    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    first_error: str | None = None
    seconds: float = 0.0
    server_cpu: float = 0.0
    client_cpu: float = 0.0


def _client_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def run_scenario(
    servers: list[Server],
    work: Workload,
    scenario: str,
    count: int,
    warmup: int,
    concurrency: int,
    rounds: int,
) -> list[Result]:
    """One scenario on every server, in `rounds` alternating slices so background load hits all alike."""

    def drive(server: Server, first: int, n: int) -> tuple[list[float], int, str | None]:
        if concurrency == 1:
            return _drive_sequential(server.base_url, work, scenario, first, n)
        return asyncio.run(_drive(server.base_url, work, scenario, first, n, concurrency))

    # Request numbers keep growing across runs so POST bodies (external ids) stay distinct.
    for server in servers:
        drive(server, work.counter, warmup)
    work.counter += warmup
    scoped = all([reset_peak_rss(server.pid) for server in servers])
    tallies = {server.name: _Tally() for server in servers}
    rounds = max(1, min(rounds, count))
    sizes = [count // rounds + (1 if i < count % rounds else 0) for i in range(rounds)]
    first = work.counter
    for index, size in enumerate(sizes):
        order = servers if index % 2 == 0 else list(reversed(servers))
        for server in order:
            tally = tallies[server.name]
            cpu_before, client_before = cpu_seconds(server.pid), _client_cpu()
            started = time.perf_counter()
            latencies, errors, first_error = drive(server, first, size)
            tally.seconds += time.perf_counter() - started
            tally.server_cpu += cpu_seconds(server.pid) - cpu_before
            tally.client_cpu += _client_cpu() - client_before
            tally.latencies += latencies
            tally.errors += errors
            tally.first_error = tally.first_error or first_error
        first += size
    work.counter = first
    results = []
    for server in servers:
        tally = tallies[server.name]
        ordered = sorted(tally.latencies)
        status = proc_status(server.pid)
        results.append(
            Result(
                server=server.name,
                scenario=scenario,
                concurrency=concurrency,
                requests=count,
                errors=tally.errors,
                seconds=round(tally.seconds, 3),
                rps=round(count / tally.seconds, 1),
                p50_ms=round(percentile(ordered, 0.50) * 1000, 2),
                p95_ms=round(percentile(ordered, 0.95) * 1000, 2),
                p99_ms=round(percentile(ordered, 0.99) * 1000, 2),
                mean_ms=round(statistics.fmean(ordered) * 1000, 2),
                server_cpu_ms_per_req=round(tally.server_cpu * 1000 / count, 2),
                client_cpu_ms_per_req=round(tally.client_cpu * 1000 / count, 2),
                peak_rss_mib=round(status.get("VmHWM", 0) / 1024, 1),
                peak_rss_scope="scenario" if scoped else "since start",
                first_error=tally.first_error,
            )
        )
    return results


# -- databases -----------------------------------------------------------------------------------
def prepare_databases(
    url: str | None, orders: int, workdir: Path
) -> tuple[str, str, seeding.SeedInfo, dict[str, Any]]:
    """Seed one database, then give the bare server an identical copy. Returns both URLs."""
    if url is None or url.startswith("sqlite"):
        if url is None:
            path = workdir / "ours.db"
        else:
            from sqlalchemy.engine import make_url

            path = Path(make_url(url).database or "")
            if not path.name or path.name == ":memory:":
                raise SystemExit("--database-url: a SQLite URL must name a file")
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        ours_url = f"sqlite:///{path}"
        info = seeding.seed(ours_url, orders)
        # Fold the WAL into the main file so one file copy carries everything.
        with contextlib.closing(sqlite3.connect(path)) as conn:
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        bare_path = path.with_name(path.stem + "-bare" + path.suffix)
        for suffix in ("", "-wal", "-shm"):
            Path(f"{bare_path}{suffix}").unlink(missing_ok=True)
        shutil.copyfile(path, bare_path)
        extra = {
            "database": "sqlite",
            "sqlite_version": sqlite3.sqlite_version,
            "file_mib": round(path.stat().st_size / 2**20, 1),
        }
        return ours_url, f"sqlite:///{bare_path}", info, extra

    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    info = seeding.seed(url, orders)
    parsed = make_url(url)
    name = parsed.database or ""
    bare_name = f"{name}_bare"
    admin = create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{bare_name}"'))
        conn.execute(text(f'CREATE DATABASE "{bare_name}" TEMPLATE "{name}"'))
        version = conn.scalar(text("SHOW server_version"))
    admin.dispose()
    bare_url = parsed.set(database=bare_name).render_as_string(hide_password=False)
    with create_engine(bare_url, isolation_level="AUTOCOMMIT").connect() as conn:
        conn.execute(text("ANALYZE"))
    return url, bare_url, info, {"database": "postgresql", "server_version": version}


def drop_bare_postgres(bare_url: str) -> None:
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    parsed = make_url(bare_url)
    admin = create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with contextlib.suppress(Exception), admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{parsed.database}"'))
    admin.dispose()


# -- checks and report ---------------------------------------------------------------------------
def check_equivalence(ours: Server, bare: Server, work: Workload) -> dict[str, Any]:
    """Both servers must answer the list and a GET alike (same total, same page ids)."""
    out: dict[str, Any] = {}
    a = httpx.get(f"{ours.base_url}{BASE}?{work.list_query}", timeout=60)
    b = httpx.get(f"{bare.base_url}{BASE}?{work.list_query}", timeout=60)
    out["list_total"] = {"ours": a.headers.get("x-total-count"), "bare": b.headers.get("x-total-count")}
    out["list_page_same_ids"] = [d["id"] for d in a.json()] == [d["id"] for d in b.json()]
    out["list_page_bytes"] = {"ours": len(a.content), "bare": len(b.content)}
    g1 = httpx.get(f"{ours.base_url}{BASE}/{work.ids[0]}", timeout=60)
    g2 = httpx.get(f"{bare.base_url}{BASE}/{work.ids[0]}", timeout=60)
    out["get_bytes"] = {"ours": len(g1.content), "bare": len(g2.content)}
    out["ok"] = bool(
        a.status_code in (200, 206)
        and b.status_code in (200, 206)
        and g1.status_code == 200
        and g2.status_code == 200
        and out["list_total"]["ours"] == out["list_total"]["bare"]
        and out["list_page_same_ids"]
    )
    return out


def source_revision() -> str:
    """The commit benchmarked, marked `-dirty` when the working tree differs from it."""
    try:
        head = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=True
        )
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"], cwd=ROOT, capture_output=True, text=True
        )
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return head.stdout.strip() + ("-dirty" if dirty.stdout.strip() else "")


def machine() -> dict[str, Any]:
    cpu = ""
    with contextlib.suppress(OSError), open("/proc/cpuinfo", encoding="utf-8") as fh:
        cpu = next((line.split(":", 1)[1].strip() for line in fh if line.startswith("model name")), "")
    mem = ""
    with contextlib.suppress(OSError), open("/proc/meminfo", encoding="utf-8") as fh:
        mem = next((line.split(":", 1)[1].strip() for line in fh if line.startswith("MemTotal")), "")
    versions = {}
    for package in (
        "connexion",
        "starlette",
        "uvicorn",
        "SQLAlchemy",
        "httpx",
        "psycopg",
        "uvloop",
        "httptools",
    ):
        with contextlib.suppress(metadata.PackageNotFoundError):
            versions[package] = metadata.version(package)
    return {
        "nproc": len(os.sched_getaffinity(0)),
        "cpu": cpu,
        "memory": mem,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "packages": versions,
    }


def print_table(results: list[Result]) -> None:
    bare = {(r.scenario, r.concurrency): r for r in results if r.server == "bare"}
    header = (
        f"{'scenario':<8} {'conc':>4} {'server':<5} {'req/s':>8} {'ratio':>6} {'p50 ms':>8} {'p95 ms':>8} "
        f"{'p99 ms':>8} {'cpu ms/req':>10} {'peak RSS MiB':>12} {'errors':>6}"
    )
    print(header)
    print("-" * len(header))
    for r in sorted(results, key=lambda r: (r.concurrency, SCENARIOS.index(r.scenario), r.server != "ours")):
        base = bare.get((r.scenario, r.concurrency))
        ratio = f"{r.rps / base.rps:.2f}" if r.server == "ours" and base and base.rps else ""
        print(
            f"{r.scenario:<8} {r.concurrency:>4} {r.server:<5} {r.rps:>8.1f} {ratio:>6} "
            f"{r.p50_ms:>8.2f} {r.p95_ms:>8.2f} "
            f"{r.p99_ms:>8.2f} {r.server_cpu_ms_per_req:>10.2f} {r.peak_rss_mib:>12.1f} {r.errors:>6}"
        )


def evaluate_targets(results: list[Result], database: str, orders: int) -> list[dict[str, Any]]:
    by = {(r.server, r.scenario, r.concurrency): r for r in results}
    top = max(r.concurrency for r in results)
    targets = []
    for scenario, label in (("get", "GET by id"), ("post", "POST")):
        ours, bare = by.get(("ours", scenario, top)), by.get(("bare", scenario, top))
        if ours and bare and bare.rps:
            ratio = ours.rps / bare.rps
            targets.append(
                {
                    "target": f"{label}: req/s >= {TARGET_RATIO:.0%} of bare (concurrency {top})",
                    "measured": f"{ratio:.0%} ({ours.rps:.0f} vs {bare.rps:.0f} req/s)",
                    "met": ratio >= TARGET_RATIO,
                }
            )
    ours_list = by.get(("ours", "list", 1))
    if ours_list:
        applies = database == "sqlite" and orders >= 100_000
        targets.append(
            {
                "target": (
                    f"filtered list p95 < {TARGET_LIST_P95_MS:.0f} ms (SQLite, 100,000 orders, concurrency 1)"
                ),
                "measured": f"{ours_list.p95_ms:.1f} ms ({database}, {orders:,} orders)",
                "met": ours_list.p95_ms < TARGET_LIST_P95_MS,
                "applies": applies,
            }
        )
    return targets


# -- main ----------------------------------------------------------------------------------------
def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="TMF622 v5: our server vs a bare Starlette + SQLAlchemy baseline"
    )
    parser.add_argument(
        "--database-url",
        help="SQLite file or postgresql+psycopg://... URL, WIPED and re-seeded (default: temp SQLite)",
    )
    parser.add_argument("--orders", type=int, help="orders to seed (default 100000; --quick: 2000)")
    parser.add_argument("--quick", action="store_true", help="smoke run: 2,000 orders, few requests (< 60 s)")
    parser.add_argument(
        "--requests", type=int, help="requests per GET/POST scenario (default 2000; --quick: 200)"
    )
    parser.add_argument(
        "--list-requests", type=int, help="requests per list scenario (default 300; --quick: 50)"
    )
    parser.add_argument(
        "--warmup", type=int, help="unmeasured requests before each scenario (default 100; --quick: 20)"
    )
    parser.add_argument(
        "--concurrency", default="1,8", help="comma-separated concurrency levels (default 1,8)"
    )
    parser.add_argument("--rounds", type=int, default=4, help="alternating slices per scenario (default 4)")
    parser.add_argument("--scenarios", default=",".join(SCENARIOS), help="subset of get,list,post")
    parser.add_argument("--servers", default="ours,bare", help="subset of ours,bare")
    parser.add_argument(
        "--keep", action="store_true", help="keep the work directory (databases, server logs)"
    )
    parser.add_argument(
        "--output", type=Path, help="JSON result file (default bench/results/<timestamp>.json)"
    )
    args = parser.parse_args(argv)
    args.orders = args.orders or (2000 if args.quick else 100_000)
    args.requests = args.requests or (200 if args.quick else 2000)
    args.list_requests = args.list_requests or (50 if args.quick else 300)
    args.warmup = args.warmup if args.warmup is not None else (20 if args.quick else 100)
    args.concurrency_levels = [int(c) for c in args.concurrency.split(",") if c.strip()]
    args.scenario_list = [s for s in args.scenarios.split(",") if s]
    args.server_list = [s for s in args.servers.split(",") if s]
    unknown = set(args.scenario_list) - set(SCENARIOS)
    if unknown or set(args.server_list) - {"ours", "bare"}:
        parser.error(
            f"unknown scenario or server: {sorted(unknown | (set(args.server_list) - {'ours', 'bare'}))}"
        )
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    started_at = dt.datetime.now(dt.UTC)
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    workdir = Path(tempfile.mkdtemp(prefix="run-", dir=RESULTS_DIR))
    print(f"bench: {args.orders:,} orders, work dir {workdir}", flush=True)
    servers: list[Server] = []
    bare_url = ""
    try:
        t0 = time.perf_counter()
        ours_url, bare_url, info, db_info = prepare_databases(args.database_url, args.orders, workdir)
        print(
            f"seeded {info.orders:,} orders in {info.seconds:.1f} s "
            f"(+ copy: {time.perf_counter() - t0 - info.seconds:.1f} s)",
            flush=True,
        )
        since = (info.now - dt.timedelta(days=LIST_AGE_DAYS)).strftime("%Y-%m-%dT%H:%M:%S.000Z")
        list_query = (
            f"state=inProgress&productOrderItem.action=add&creationDate.gt={since}"
            "&sort=-creationDate&offset=0&limit=20"
        )
        work = Workload(ids=info.sample_ids, list_query=list_query)
        commands = {"ours": (ours_command, ours_url), "bare": (bare_command, bare_url)}
        for name in args.server_list:
            make, url = commands[name]
            port = free_port()
            servers.append(Server(name, make(url, port), port, workdir / f"{name}.log"))
        for server in servers:
            t1 = time.perf_counter()
            server.start()
            print(
                f"{server.name} server up on {server.base_url} (pid {server.pid}) "
                f"in {time.perf_counter() - t1:.1f} s",
                flush=True,
            )
        equivalence = check_equivalence(servers[0], servers[1], work) if len(servers) == 2 else {}
        if equivalence:
            print(f"equivalence check: {json.dumps(equivalence, ensure_ascii=False)}", flush=True)
        results: list[Result] = []
        for concurrency in args.concurrency_levels:
            for scenario in args.scenario_list:
                count = args.list_requests if scenario == "list" else args.requests
                warmup = min(args.warmup, max(5, count // 5)) if scenario == "list" else args.warmup
                for result in run_scenario(servers, work, scenario, count, warmup, concurrency, args.rounds):
                    results.append(result)
                    print(
                        f"  {scenario:<5} c={concurrency:<2} {result.server:<5} {result.rps:8.1f} req/s"
                        f"  p50 {result.p50_ms:7.2f} ms  p95 {result.p95_ms:7.2f} ms"
                        f"  server cpu {result.server_cpu_ms_per_req:6.2f} ms/req"
                        f"  client cpu {result.client_cpu_ms_per_req:5.2f} ms/req  errors {result.errors}",
                        flush=True,
                    )
                    if result.first_error:
                        print(f"    first error: {result.first_error}", flush=True)
        print()
        print_table(results)
        targets = evaluate_targets(results, db_info["database"], args.orders)
        print()
        for t in targets:
            verdict = "PASS" if t["met"] else "MISS"
            note = (
                ""
                if t.get("applies", True)
                else "  (indicative only: target is for SQLite at 100,000 orders)"
            )
            print(f"{verdict}  {t['target']}: {t['measured']}{note}")
        report = {
            "started_at": started_at.isoformat(timespec="seconds"),
            "command": " ".join([Path(sys.executable).name, *sys.argv]) if argv is None else " ".join(argv),
            "revision": source_revision(),
            "machine": machine(),
            "database": db_info
            | {
                "orders": args.orders,
                "seed_seconds": round(info.seconds, 1),
            },
            "settings": {
                "requests": args.requests,
                "list_requests": args.list_requests,
                "warmup": args.warmup,
                "concurrency": args.concurrency_levels,
                "list_query": list_query,
            },
            "equivalence": equivalence,
            "results": [asdict(r) for r in results],
            "targets": targets,
        }
        output = (
            args.output
            or RESULTS_DIR
            / f"bench-{started_at.strftime('%Y%m%dT%H%M%SZ')}-{db_info['database']}-{args.orders}.json"
        )
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(json.dumps(report, ensure_ascii=False, indent=2), encoding="utf-8")
        print(f"\nresults written to {output}")
        return 0
    finally:
        for server in servers:
            server.stop()
        if bare_url.startswith("postgresql"):
            drop_bare_postgres(bare_url)
        if args.keep:
            print(f"work dir kept: {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
