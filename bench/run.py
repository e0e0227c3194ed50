"""TMF622 v5 benchmark: our server against a bare Starlette + SQLAlchemy baseline.

    .venv/bin/python bench/run.py                          # 100,000 orders on SQLite (make bench)
    .venv/bin/python bench/run.py --database postgresql    # 1,000,000 orders, throwaway PostgreSQL
    .venv/bin/python bench/run.py --quick                  # smoke run: 2,000 orders, short slices
    .venv/bin/python bench/run.py --database-url postgresql+psycopg://user:pw@127.0.0.1:5432/bench

Both servers run as real uvicorn subprocesses on 127.0.0.1 over identical databases (a copy of
one seeded SQLite file; on PostgreSQL a `<db>_bare` database created from the seeded one as a
template), with the same number of worker processes (`--workers`). `--database postgresql`
starts the same throwaway cluster the tests use (tests/fixtures/pgcluster.py). The load comes
from wrk (C, epoll; a Python client on 2 cores would be the bottleneck) driven by generated Lua
scripts: GET over thousands of seeded ids, the filtered list, POST of distinct bodies; at
concurrency 1 (latency) and 16 (throughput), in slices alternating between the servers.
Results: a table on stdout and a JSON file under bench/results/. Targets are reported as
PASS/MISS; a miss does not fail the run.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import os
import platform
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

import httpx

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
sys.path.insert(0, str(BENCH_DIR))
sys.path.insert(1, str(ROOT))  # tests.fixtures.pgcluster: the tests' throwaway PostgreSQL cluster

import seed as seeding  # noqa: E402  (bench/ is not a package)

RESULTS_DIR = BENCH_DIR / "results"
BASE = "/tmf-api/productOrderingManagement/v5/productOrder"
SCENARIOS = ("get", "list", "post")
# Targets from the issue.
TARGET_RATIO = 0.50  # GET by id, list and POST: requests/s at least 50% of the bare baseline
TARGET_LIST_P95_MS = 25.0  # filtered list p95 on PostgreSQL at 1,000,000 orders, concurrency 1
TARGET_LIST_ORDERS = 1_000_000
TARGET_RSS_MIB = 150.0  # per worker process (MB)
LIST_AGE_DAYS = 180  # creationDate.gt = seeding time minus this


# -- servers -------------------------------------------------------------------------------------
def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def proc_status(pid: int) -> dict[str, int]:
    """VmRSS / VmHWM of a process, in KiB."""
    out: dict[str, int] = {}
    with contextlib.suppress(OSError), open(f"/proc/{pid}/status", encoding="ascii") as fh:
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
    """User + system CPU time the process has used so far (0 once it is gone)."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as fh:
            fields = fh.read().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    ticks = os.sysconf("SC_CLK_TCK")
    return (int(fields[11]) + int(fields[12])) / ticks


def process_tree(pid: int) -> list[int]:
    """`pid` and all its descendants (uvicorn's worker processes), parents first."""
    out = [pid]
    for current in out:
        with contextlib.suppress(OSError):
            for task in os.listdir(f"/proc/{current}/task"):
                with open(f"/proc/{current}/task/{task}/children", encoding="ascii") as fh:
                    out += [int(child) for child in fh.read().split()]
    return out


class Server:
    def __init__(self, name: str, command: list[str], port: int, log: Path, workers: int) -> None:
        self.name = name
        self.command = command
        self.port = port
        self.log = log
        self.workers = workers
        self.base_url = f"http://127.0.0.1:{port}"
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 600.0) -> None:
        # Generous: on a shared 2-core machine two workers importing every API took over 100 s.
        self.log.parent.mkdir(parents=True, exist_ok=True)
        out = self.log.open("wb")
        self.proc = subprocess.Popen(self.command, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout
        answered_at: float | None = None
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(
                    f"{self.name} server exited:\n{self.log.read_text(errors='replace')[-3000:]}"
                )
            with contextlib.suppress(httpx.HTTPError):
                answered = httpx.get(f"{self.base_url}{BASE}?limit=1", timeout=5).status_code < 500
                # With several workers, wait (a while) until each has started serving.
                if answered:
                    answered_at = answered_at or time.monotonic()
                    if len(self.worker_pids()) >= self.workers or time.monotonic() - answered_at > 30:
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

    def pids(self) -> list[int]:
        return process_tree(self.pid)

    def worker_pids(self) -> list[int]:
        """The processes serving requests: the children when uvicorn supervises workers."""
        tree = self.pids()
        children = [pid for pid in tree[1:] if proc_status(pid).get("VmRSS", 0) > 30 * 1024]
        return children if self.workers > 1 and children else tree[:1]

    def cpu(self) -> float:
        return sum(cpu_seconds(pid) for pid in self.pids())

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.terminate()
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            for pid in reversed(self.pids()):
                with contextlib.suppress(OSError):
                    os.kill(pid, 9)
            self.proc.wait()


def serve_supports_workers() -> bool:
    out = subprocess.run(
        [sys.executable, "-m", "tmf_api", "serve", "--help"], cwd=ROOT, capture_output=True, text=True
    )
    return "--workers" in out.stdout


def ours_command(url: str, port: int, workers: int, pool_size: int) -> list[str]:
    command = [
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
        "--pool-size",
        str(pool_size),
    ]
    return [*command, "--workers", str(workers)] if workers != 1 else command


def bare_command(url: str, port: int, workers: int, pool_size: int) -> list[str]:
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
        "--workers",
        str(workers),
        "--pool-size",
        str(pool_size),
    ]


# -- load (wrk + Lua) ----------------------------------------------------------------------------
def ensure_wrk() -> str:
    """The wrk binary; installed with apt-get (Debian package `wrk`) when missing and running as root."""
    found = shutil.which("wrk")
    if found:
        return found
    if os.geteuid() == 0 and shutil.which("apt-get"):
        print("wrk not found: installing it with apt-get ...", flush=True)
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        subprocess.run(["apt-get", "update", "-qq"], check=True, env=env)
        subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], check=True, env=env)
        found = shutil.which("wrk")
    if not found:
        raise SystemExit("wrk is needed: apt-get install wrk (Debian/Ubuntu) or build it from source")
    return found


def _lua_string(text_: str) -> str:
    level = 0
    while f"]{'=' * level}]" in text_:
        level += 1
    return f"[{'=' * level}[{text_}]{'=' * level}]"


# Quantiles the done() hook reports per slice (0.1 % steps), merged over slices afterwards.
QUANTILES = [i / 10 for i in range(1, 1000)] + [99.9, 99.99]

LUA_TEMPLATE = """
local requests = {
%(requests)s
}
local headers = {["Content-Type"] = "application/json", ["Accept"] = "application/json"}
local threads = 0
function setup(thread)
  thread:set("offset", threads * 7919)
  threads = threads + 1
end
local n = 0
function request()
  n = n + 1
  local r = requests[((offset or 0) + n) %% #requests + 1]
  return wrk.format(r[1], r[2], headers, r[3])
end
local unexpected = 0
local first_error = nil
function response(status, hdrs, body)
  if not (%(expected)s) then
    unexpected = unexpected + 1
    if first_error == nil then first_error = tostring(status) .. " " .. string.sub(body or "", 1, 200) end
  end
end
function done(summary, latency, reqs)
  local e = summary.errors
  local q = {}
  for _, p in ipairs({%(quantiles)s}) do q[#q + 1] = string.format("%%.1f", latency:percentile(p)) end
  io.write("WRK_JSON {\\"requests\\":", summary.requests, ",\\"duration_us\\":", summary.duration,
    ",\\"errors\\":", e.connect + e.read + e.write + e.timeout + e.status,
    ",\\"quantiles_us\\":[", table.concat(q, ","), "]}\\n")
end
"""


@dataclass
class Workload:
    ids: list[str]
    list_query: str

    def requests(self, scenario: str) -> list[tuple[str, str, str | None]]:
        """(method, path, JSON body) the wrk script cycles through for a scenario."""
        if scenario == "get":
            return [("GET", f"{BASE}/{id_}", None) for id_ in self.ids]
        if scenario == "list":
            return [("GET", f"{BASE}?{self.list_query}", None)]
        return [
            ("POST", BASE, json.dumps(seeding.order_body(n), ensure_ascii=False)) for n in range(1000)
        ]

    def script(self, scenario: str, path: Path) -> Path:
        entries = []
        for method, target, body in self.requests(scenario):
            body_lua = _lua_string(body) if body is not None else "nil"
            entries.append(f"  {{{_lua_string(method)}, {_lua_string(target)}, {body_lua}}},")
        expected = {"get": "status == 200", "list": "status == 200 or status == 206", "post": "status == 201"}
        path.write_text(
            LUA_TEMPLATE
            % {
                "requests": "\n".join(entries),
                "expected": expected[scenario],
                "quantiles": ", ".join(str(q) for q in QUANTILES),
            },
            encoding="utf-8",
        )
        return path


@dataclass
class Result:
    server: str
    scenario: str
    concurrency: int
    workers: int
    requests: int
    errors: int
    seconds: float
    rps: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    server_cpu_ms_per_req: float
    peak_rss_mib_per_worker: list[float]
    peak_rss_scope: str


def run_wrk(
    wrk: str, url: str, script: Path, concurrency: int, seconds: float
) -> tuple[int, float, int, list[float]]:
    """(requests, seconds, errors, latency quantiles in ms) of one wrk run."""
    threads = min(concurrency, 2)
    out = subprocess.run(
        [
            wrk,
            f"-t{threads}",
            f"-c{concurrency}",
            f"-d{max(1, round(seconds))}s",
            "--timeout",
            "30s",
            "-s",
            str(script),
            url,
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    line = next((ln for ln in out.stdout.splitlines() if ln.startswith("WRK_JSON ")), None)
    if line is None:
        raise RuntimeError(f"wrk printed no summary:\n{out.stdout}\n{out.stderr}")
    data = json.loads(line.removeprefix("WRK_JSON "))
    return (
        int(data["requests"]),
        data["duration_us"] / 1e6,
        int(data["errors"]),
        [q / 1000 for q in data["quantiles_us"]],
    )


def start_py_spy(pid: int, output: Path, seconds: float) -> subprocess.Popen[bytes]:
    """py-spy (pip install py-spy) recording collapsed stacks of `pid` for `seconds`."""
    spy = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
    output.parent.mkdir(parents=True, exist_ok=True)
    return subprocess.Popen(
        [spy, "record", "--pid", str(pid), "--duration", str(max(1, round(seconds))), "--rate", "250",
         "--format", "raw", "--output", str(output), "--nonblocking"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def merged_quantile(slices: list[tuple[int, list[float]]], q: float) -> float:
    """A quantile over several runs, each given as (request count, its quantiles at QUANTILES)."""
    points: list[tuple[float, float]] = []
    for count, quantiles in slices:
        weight = count / len(quantiles)
        points += [(value, weight) for value in quantiles]
    if not points:
        return float("nan")
    points.sort()
    total = sum(w for _, w in points)
    running = 0.0
    for value, weight in points:
        running += weight
        if running >= q * total:
            return value
    return points[-1][0]


def run_scenario(
    wrk: str,
    servers: list[Server],
    work: Workload,
    scenario: str,
    concurrency: int,
    seconds: float,
    warmup: float,
    rounds: int,
    scripts: Path,
    profile: Path | None = None,
) -> list[Result]:
    """One scenario on every server, in `rounds` alternating slices so background load hits all alike.

    With `profile`, py-spy samples our server's workers during the first slice (collapsed stacks)."""
    script = work.script(scenario, scripts / f"{scenario}.lua")
    url_of = {server.name: server.base_url for server in servers}
    for server in servers:
        run_wrk(wrk, url_of[server.name], script, concurrency, warmup)
    scoped = all([reset_peak_rss(pid) for server in servers for pid in server.pids()])
    tallies: dict[str, dict[str, Any]] = {
        s.name: {"requests": 0, "seconds": 0.0, "errors": 0, "slices": [], "cpu": 0.0} for s in servers
    }
    for index in range(rounds):
        order = servers if index % 2 == 0 else list(reversed(servers))
        for server in order:
            tally = tallies[server.name]
            spies = []
            if profile is not None and index == 0 and server.name == "ours":
                spies = [
                    start_py_spy(pid, profile / f"{scenario}-c{concurrency}-{pid}.txt", seconds / rounds)
                    for pid in server.worker_pids()
                ]
            cpu_before = server.cpu()
            count, took, errors, quantiles = run_wrk(
                wrk, url_of[server.name], script, concurrency, seconds / rounds
            )
            tally["cpu"] += server.cpu() - cpu_before
            for spy in spies:
                spy.wait(timeout=60)
            tally["requests"] += count
            tally["seconds"] += took
            tally["errors"] += errors
            tally["slices"].append((count, quantiles))
    results = []
    for server in servers:
        tally = tallies[server.name]
        count = max(1, tally["requests"])
        results.append(
            Result(
                server=server.name,
                scenario=scenario,
                concurrency=concurrency,
                workers=server.workers,
                requests=tally["requests"],
                errors=tally["errors"],
                seconds=round(tally["seconds"], 3),
                rps=round(tally["requests"] / tally["seconds"], 1),
                p50_ms=round(merged_quantile(tally["slices"], 0.50), 2),
                p95_ms=round(merged_quantile(tally["slices"], 0.95), 2),
                p99_ms=round(merged_quantile(tally["slices"], 0.99), 2),
                server_cpu_ms_per_req=round(tally["cpu"] * 1000 / count, 2),
                peak_rss_mib_per_worker=[
                    round(proc_status(pid).get("VmHWM", 0) / 1024, 1) for pid in server.worker_pids()
                ],
                peak_rss_scope="scenario" if scoped else "since start",
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
        size = conn.scalar(text(f"SELECT pg_database_size('{name}')")) or 0
    admin.dispose()
    # The copy carries the statistics and visibility map of the seeded (vacuumed) database.
    bare_url = parsed.set(database=bare_name).render_as_string(hide_password=False)
    return (
        url,
        bare_url,
        info,
        {"database": "postgresql", "server_version": version, "size_mib": round(size / 2**20, 1)},
    )


def drop_bare_postgres(bare_url: str) -> None:
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    parsed = make_url(bare_url)
    admin = create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with contextlib.suppress(Exception), admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{parsed.database}"'))
    admin.dispose()


# Settings of the throwaway cluster for the benchmark: the tests' defaults, plus a cache that holds
# the 1,000,000-order database's hot indexes.
BENCH_PG_SETTINGS = {
    "shared_buffers": "512MB",
    "effective_cache_size": "2GB",
    "work_mem": "16MB",
    "max_wal_size": "4GB",  # no checkpoint storm while seeding
}


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


def machine(wrk: str) -> dict[str, Any]:
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
    wrk_version = subprocess.run([wrk, "--version"], capture_output=True, text=True).stdout.split("\n")[0]
    return {
        "nproc": len(os.sched_getaffinity(0)),
        "cpu": cpu,
        "memory": mem,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "packages": versions,
        "wrk": wrk_version.strip(),
    }


def print_table(results: list[Result]) -> None:
    bare = {(r.scenario, r.concurrency): r for r in results if r.server == "bare"}
    header = (
        f"{'scenario':<8} {'conc':>4} {'server':<5} {'req/s':>8} {'ratio':>6} {'p50 ms':>8} {'p95 ms':>8} "
        f"{'p99 ms':>8} {'cpu ms/req':>10} {'peak RSS MiB/worker':>19} {'errors':>6}"
    )
    print(header)
    print("-" * len(header))
    for r in sorted(results, key=lambda r: (r.concurrency, SCENARIOS.index(r.scenario), r.server != "ours")):
        base = bare.get((r.scenario, r.concurrency))
        ratio = f"{r.rps / base.rps:.2f}" if r.server == "ours" and base and base.rps else ""
        rss = ",".join(f"{v:.0f}" for v in r.peak_rss_mib_per_worker)
        print(
            f"{r.scenario:<8} {r.concurrency:>4} {r.server:<5} {r.rps:>8.1f} {ratio:>6} "
            f"{r.p50_ms:>8.2f} {r.p95_ms:>8.2f} "
            f"{r.p99_ms:>8.2f} {r.server_cpu_ms_per_req:>10.2f} {rss:>19} {r.errors:>6}"
        )


def evaluate_targets(results: list[Result], database: str, orders: int) -> list[dict[str, Any]]:
    by = {(r.server, r.scenario, r.concurrency): r for r in results}
    top = max(r.concurrency for r in results)
    targets = []
    for scenario, label in (("get", "GET by id"), ("list", "filtered list"), ("post", "POST")):
        ours, bare = by.get(("ours", scenario, top)), by.get(("bare", scenario, top))
        if ours and bare and bare.rps:
            ratio = ours.rps / bare.rps
            targets.append(
                {
                    "target": f"{label}: req/s >= {TARGET_RATIO:.0%} of bare "
                    f"(concurrency {top}, {ours.workers} worker(s) each)",
                    "measured": f"{ratio:.0%} ({ours.rps:.0f} vs {bare.rps:.0f} req/s)",
                    "met": ratio >= TARGET_RATIO,
                }
            )
    ours_list = by.get(("ours", "list", 1))
    if ours_list:
        targets.append(
            {
                "target": f"filtered list p95 < {TARGET_LIST_P95_MS:.0f} ms "
                f"(PostgreSQL, {TARGET_LIST_ORDERS:,} orders, concurrency 1)",
                "measured": f"{ours_list.p95_ms:.1f} ms ({database}, {orders:,} orders)",
                "met": ours_list.p95_ms < TARGET_LIST_P95_MS,
                "applies": database == "postgresql" and orders >= TARGET_LIST_ORDERS,
            }
        )
    peaks = [v for r in results if r.server == "ours" for v in r.peak_rss_mib_per_worker]
    if peaks:
        targets.append(
            {
                "target": f"RSS < {TARGET_RSS_MIB:.0f} MB per worker (peak over every scenario)",
                "measured": f"{max(peaks):.0f} MiB",
                "met": max(peaks) * 2**20 < TARGET_RSS_MIB * 1e6,
            }
        )
    return targets


# -- main ----------------------------------------------------------------------------------------
def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="TMF622 v5: our server vs a bare Starlette + SQLAlchemy baseline"
    )
    parser.add_argument(
        "--database",
        choices=("sqlite", "postgresql"),
        default="sqlite",
        help="sqlite (temporary file) or postgresql (the tests' throwaway cluster); default sqlite",
    )
    parser.add_argument(
        "--database-url",
        help="instead of --database: a SQLite file or postgresql+psycopg://... URL, WIPED and re-seeded",
    )
    parser.add_argument(
        "--orders", type=int, help="orders to seed (default: 100000 on SQLite, 1000000 on PostgreSQL)"
    )
    parser.add_argument("--quick", action="store_true", help="smoke run: 2,000 orders, short slices")
    parser.add_argument(
        "--seconds", type=float, help="measured seconds per scenario and server (default 12; --quick: 2)"
    )
    parser.add_argument(
        "--warmup", type=float, help="unmeasured seconds before each scenario (default 2; --quick: 1)"
    )
    parser.add_argument(
        "--concurrency", default="1,16", help="comma-separated concurrency levels (default 1,16)"
    )
    parser.add_argument(
        "--workers", type=int, default=1, help="worker processes of each server (default 1)"
    )
    parser.add_argument(
        "--pool-size",
        type=int,
        default=20,
        help="database connections per worker, both servers (default 20: above the 16 connections, "
        "so neither churns connections beyond a small pool)",
    )
    parser.add_argument("--rounds", type=int, default=4, help="alternating slices per scenario (default 4)")
    parser.add_argument("--scenarios", default=",".join(SCENARIOS), help="subset of get,list,post")
    parser.add_argument("--servers", default="ours,bare", help="subset of ours,bare")
    parser.add_argument(
        "--keep", action="store_true", help="keep the work directory (databases, server logs, Lua scripts)"
    )
    parser.add_argument(
        "--output", type=Path, help="JSON result file (default bench/results/<timestamp>.json)"
    )
    parser.add_argument(
        "--profile",
        type=Path,
        metavar="DIR",
        help="record py-spy collapsed stacks of our server per scenario into DIR (see bench/profile.py)",
    )
    args = parser.parse_args(argv)
    if args.database_url:
        args.database = "sqlite" if args.database_url.startswith("sqlite") else "postgresql"
    default_orders = 100_000 if args.database == "sqlite" else 1_000_000
    args.orders = args.orders or (2000 if args.quick else default_orders)
    args.seconds = args.seconds or (2.0 if args.quick else 12.0)
    args.warmup = args.warmup if args.warmup is not None else (1.0 if args.quick else 2.0)
    args.rounds = max(1, min(args.rounds, int(args.seconds)))
    args.concurrency_levels = [int(c) for c in args.concurrency.split(",") if c.strip()]
    args.scenario_list = [s for s in args.scenarios.split(",") if s]
    args.server_list = [s for s in args.servers.split(",") if s]
    unknown = set(args.scenario_list) - set(SCENARIOS)
    if unknown or set(args.server_list) - {"ours", "bare"}:
        parser.error(
            f"unknown scenario or server: {sorted(unknown | (set(args.server_list) - {'ours', 'bare'}))}"
        )
    if args.workers < 1:
        parser.error("--workers must be at least 1")
    return args


def _exit_on_sigterm(signum: int, _frame: Any) -> None:
    raise SystemExit(128 + signum)  # run the finally blocks: servers stopped, cluster removed


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, _exit_on_sigterm)
    started_at = dt.datetime.now(dt.UTC)
    wrk = ensure_wrk()
    if args.workers != 1 and "ours" in args.server_list and not serve_supports_workers():
        raise SystemExit("this revision's `tmf serve` has no --workers option: run with --workers 1")
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    workdir = Path(tempfile.mkdtemp(prefix="run-", dir=RESULTS_DIR))
    print(f"bench: {args.orders:,} orders on {args.database}, work dir {workdir}", flush=True)
    servers: list[Server] = []
    bare_url = ""
    cluster = None
    try:
        url = args.database_url
        if url is None and args.database == "postgresql":
            from tests.fixtures.pgcluster import start_cluster

            cluster = start_cluster(BENCH_PG_SETTINGS)
            url = cluster.new_database()
            print(f"throwaway PostgreSQL cluster on port {cluster.port} ({cluster.base_dir})", flush=True)
        t0 = time.perf_counter()
        ours_url, bare_url, info, db_info = prepare_databases(url, args.orders, workdir)
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
            make, server_url = commands[name]
            port = free_port()
            command = make(server_url, port, args.workers, args.pool_size)
            servers.append(Server(name, command, port, workdir / f"{name}.log", args.workers))
        for server in servers:
            t1 = time.perf_counter()
            server.start()
            print(
                f"{server.name} server up on {server.base_url} (pids {server.worker_pids()}) "
                f"in {time.perf_counter() - t1:.1f} s",
                flush=True,
            )
        serving = {server.name: len(server.worker_pids()) for server in servers}
        if len(set(serving.values())) > 1 or any(n != args.workers for n in serving.values()):
            # e.g. a `tmf serve` that accepts --workers but does not start processes yet
            print(f"WARNING: worker processes serving: {serving} (asked for {args.workers})", flush=True)
        equivalence = check_equivalence(servers[0], servers[1], work) if len(servers) == 2 else {}
        if equivalence:
            print(f"equivalence check: {json.dumps(equivalence, ensure_ascii=False)}", flush=True)
        results: list[Result] = []
        for concurrency in args.concurrency_levels:
            for scenario in args.scenario_list:
                for result in run_scenario(
                    wrk,
                    servers,
                    work,
                    scenario,
                    concurrency,
                    args.seconds,
                    args.warmup,
                    args.rounds,
                    workdir,
                    args.profile,
                ):
                    results.append(result)
                    print(
                        f"  {scenario:<5} c={concurrency:<2} {result.server:<5} {result.rps:8.1f} req/s"
                        f"  p50 {result.p50_ms:7.2f} ms  p95 {result.p95_ms:7.2f} ms"
                        f"  server cpu {result.server_cpu_ms_per_req:6.2f} ms/req"
                        f"  RSS/worker {result.peak_rss_mib_per_worker} MiB  errors {result.errors}",
                        flush=True,
                    )
        print()
        print_table(results)
        targets = evaluate_targets(results, db_info["database"], args.orders)
        if len(set(serving.values())) > 1:
            for t in targets:
                t["target"] += f" [worker processes differ: {serving}]"
        print()
        for t in targets:
            verdict = "PASS" if t["met"] else "MISS"
            note = "" if t.get("applies", True) else "  (indicative only: the target is for this other setup)"
            print(f"{verdict}  {t['target']}: {t['measured']}{note}")
        report = {
            "started_at": started_at.isoformat(timespec="seconds"),
            "command": " ".join([Path(sys.executable).name, *sys.argv]) if argv is None else " ".join(argv),
            "revision": source_revision(),
            "machine": machine(wrk),
            "database": db_info
            | {
                "orders": args.orders,
                "seed_seconds": round(info.seconds, 1),
            },
            "settings": {
                "seconds": args.seconds,
                "warmup": args.warmup,
                "rounds": args.rounds,
                "concurrency": args.concurrency_levels,
                "workers": args.workers,
                "pool_size": args.pool_size,
                "list_query": list_query,
            },
            "equivalence": equivalence,
            "worker_processes": serving,
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
        if bare_url.startswith("postgresql") and cluster is None:
            drop_bare_postgres(bare_url)
        if cluster is not None:
            cluster.destroy()
        if args.keep:
            print(f"work dir kept: {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
