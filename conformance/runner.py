"""Runs the rules of one API version against a server and collects their outcomes."""

from __future__ import annotations

import contextlib
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from conformance.http import Client, Exchange
from conformance.model import (
    RULES,
    MissingPackage,
    Outcome,
    Rule,
    RuleFailure,
    RuleNotRun,
    RuleSkipped,
    RunAborted,
    SetupFailure,
)
from conformance.official import OfficialSpec
from conformance.profile import Resource, VersionProfile


@dataclass
class Options:
    base_url: str
    api: str
    version: str
    headers: dict[str, str] = field(default_factory=dict)
    official: OfficialSpec | None = None
    official_problem: str = ""
    fuzz_examples: int = 0
    seed: int = 0
    only: list[str] = field(default_factory=list)
    callback_host: str = "127.0.0.1"
    event_timeout: float = 5.0


class Context:
    """What a rule works with: the server, the profile, and the resources made so far."""

    def __init__(self, options: Options, profile: VersionProfile) -> None:
        self.options = options
        self.profile = profile
        self.api = options.api
        self.version = options.version
        self.base_url = options.base_url.rstrip("/")
        self.client = Client(options.headers)
        self.run_id = uuid.uuid4().hex[:8]
        self._counter = 0
        self._samples: dict[str, list[dict[str, Any]]] = {}
        self.created: list[tuple[Resource, str]] = []
        self.checks = 0
        self.notes: list[str] = []
        self.extras: dict[str, Any] = {}  # state rules share (the hub session)
        self.closers: list[Callable[[], None]] = []
        self.ours: set[str] = set()  # ids of resources the suite made or chose to test with

    # -- addresses and requests ------------------------------------------------------------------
    def url(self, resource: Resource | str, id_: str | None = None, *, slash: bool = False) -> str:
        path = resource if isinstance(resource, str) else resource.path
        url = f"{self.base_url}/{path}"
        if id_ is not None:
            url += f"/{id_}"
        return url + ("/" if slash else "")

    def request(self, method: str, url: str, resource: Resource | None = None, **kw: Any) -> Exchange:
        return self.client.request(method, url, resource=resource.path if resource else None, **kw)

    def get(self, url: str, resource: Resource | None = None, **kw: Any) -> Exchange:
        return self.request("GET", url, resource, **kw)

    # -- checks ----------------------------------------------------------------------------------
    def fail(
        self, message: str, expected: str = "", exchange: Exchange | None = None, actual: str = ""
    ) -> None:
        exchange = exchange or self.client.last
        if not actual and exchange is not None:
            actual = exchange.summary()
        raise RuleFailure(message, expected=expected, actual=actual, exchange=exchange)

    def check(
        self,
        condition: bool,
        message: str,
        expected: str = "",
        exchange: Exchange | None = None,
        actual: str = "",
    ) -> None:
        self.checks += 1
        if not condition:
            self.fail(message, expected, exchange, actual)

    def expect_status(self, exchange: Exchange, *statuses: int, what: str = "") -> None:
        wanted = " or ".join(str(s) for s in statuses)
        self.check(
            exchange.status in statuses,
            f"{what or exchange.method + ' ' + exchange.url} answered {exchange.status or 'nothing'}, "
            f"expected {wanted}",
            f"HTTP {wanted}",
            exchange,
        )

    def expect_json(self, exchange: Exchange, kind: type, what: str) -> Any:
        body = exchange.json
        self.check(
            isinstance(body, kind),
            f"{what}: the body is not a JSON {'array' if kind is list else 'object'}",
            f"a JSON {'array' if kind is list else 'object'}",
            exchange,
        )
        return body

    # -- resources -------------------------------------------------------------------------------
    def resources(self, predicate: Callable[[Resource], bool], why: str) -> list[Resource]:
        found = [r for r in self.profile.resources if predicate(r)]
        if not found:
            raise RuleNotRun(f"does not apply to {self.api} {self.version}: {why}")
        # What the suite can create first: checked (and failures found) before a resource the server
        # must already hold skips the rest of the rule for want of rows.
        return sorted(found, key=lambda r: not r.creatable)

    def new_marker(self, suffix: str = "") -> str:
        self._counter += 1
        return f"cf-{self.run_id}-{self._counter:03d}{suffix}"

    @contextlib.contextmanager
    def setup_step(self, owner: str) -> Iterator[None]:
        """A failure inside is a failed setup step, checked by the rule ``owner``."""
        try:
            yield
        except SetupFailure:
            raise
        except RuleFailure as failure:
            raise SetupFailure(failure, owner) from None

    def create(self, resource: Resource, marker: str | None = None) -> dict[str, Any]:
        marker = marker or self.new_marker()
        exchange = self.request("POST", self.url(resource), resource, json_body=resource.body(marker))
        if exchange.status != 201 or not isinstance(exchange.json, dict) or "id" not in exchange.json:
            with self.setup_step(CREATE_RULE):
                self.fail(
                    f"could not create a {resource.schema} to test with (POST {resource.path})",
                    "HTTP 201 with the created resource (an object with an id)",
                    exchange,
                )
        doc: dict[str, Any] = exchange.json
        self.created.append((resource, str(doc["id"])))
        self.ours.add(str(doc["id"]))
        return doc

    def marker_of(self, resource: Resource, doc: dict[str, Any]) -> Any:
        value: Any = doc
        for name in (resource.marker or "id").split("."):
            value = value.get(name) if isinstance(value, dict) else None
        return value

    def sample(self, resource: Resource, need: int = 1) -> list[dict[str, Any]]:
        """Three resources to query: made by the suite (markers …-b, …-c, …-a) or already stored."""
        if resource.path not in self._samples:
            if resource.creatable:
                prefix = self.new_marker()
                self._samples[resource.path] = [self.create(resource, f"{prefix}-{s}") for s in "bca"]
                # A decoy outside the sample: a filter a server ignores then shows (counts, lists).
                self.create(resource, f"{self.new_marker()}-decoy")
            else:
                with self.setup_step(LIST_RULE):
                    exchange = self.get(self.url(resource), resource, params={"limit": "4"})
                    self.expect_status(exchange, 200, 206)
                    rows = self.expect_json(exchange, list, f"GET {resource.path}")
                # With a fourth row left out, filters that a server ignores show up in the results.
                self._samples[resource.path] = [r for r in rows if isinstance(r, dict) and "id" in r][:3]
                self.ours.update(str(r["id"]) for r in self._samples[resource.path])
        rows = self._samples[resource.path]
        if len(rows) < need:
            setup = resource.setup or f"add {resource.schema} rows to the server"
            raise RuleSkipped(
                f"needs at least {need} {resource.schema}{'s' if need > 1 else ''} and the server holds "
                f"{len(rows)} (clients cannot create them): {setup}"
            )
        return rows

    def restrict(self, resource: Resource, docs: list[dict[str, Any]]) -> dict[str, str]:
        """Filter parameters selecting exactly ``docs`` among everything the server holds."""
        if resource.creatable and resource.marker:
            return {resource.marker: ",".join(str(self.marker_of(resource, d)) for d in docs)}
        return {"id": ",".join(str(d["id"]) for d in docs)}

    def list_ids(
        self, resource: Resource, params: dict[str, str] | list[tuple[str, str]], *, what: str
    ) -> tuple[Exchange, list[str]]:
        exchange = self.get(self.url(resource), resource, params=params)
        self.expect_status(exchange, 200, 206, what=what)
        rows = self.expect_json(exchange, list, what)
        return exchange, [str(r.get("id")) for r in rows if isinstance(r, dict)]

    def cleanup(self) -> None:
        for close in self.closers:
            with contextlib.suppress(Exception):
                close()
        self.closers.clear()
        for resource, id_ in reversed(self.created):
            if resource.deletable:
                with contextlib.suppress(Exception):
                    self.client.http.delete(self.url(resource, id_))
        self.created.clear()


# The rules that check the setup steps other rules build on (a failure of theirs blocks the others).
CREATE_RULE = "TMF630.create.status-201"
LIST_RULE = "TMF630.list.status-200"


def preflight(options: Options, profile: VersionProfile) -> None:
    """Exit code 2 when the server cannot be reached at all."""
    import httpx

    first = profile.resources[0]
    url = f"{options.base_url.rstrip('/')}/{first.path}"
    try:
        response = httpx.get(url, params={"limit": "1"}, headers=options.headers, timeout=10.0)
    except httpx.HTTPError as error:
        raise RunAborted(f"cannot reach {url}: {type(error).__name__}: {error}") from None
    if response.status_code in (401, 403):
        raise RunAborted(f"{url} answered {response.status_code}: pass credentials with --header")


@dataclass
class RunResult:
    api: str
    version: str
    base_url: str
    seconds: float
    seed: int
    outcomes: list[Outcome]

    @property
    def failed(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.status == "failed"]

    def count(self, status: str) -> int:
        return sum(1 for o in self.outcomes if o.status == status)

    def conformant(self, allow_skips: bool = False) -> bool:
        """Every rule that applies passed (or, with ``allow_skips``, passed or was skipped)."""
        accepted = {"passed", "not-run"} | ({"skipped"} if allow_skips else set())
        return all(o.status in accepted for o in self.outcomes)


def all_rules() -> list[Rule]:
    import conformance.rules  # noqa: F401  (registers every rule)

    return list(RULES)


def selected_rules(only: list[str]) -> list[Rule]:
    rules = all_rules()
    if not only:
        return rules
    return [
        r for r in rules if any(r.id == o or r.id.startswith(o.rstrip("*").rstrip(".") + ".") for o in only)
    ]


@contextlib.contextmanager
def _timed() -> Iterator[Callable[[], float]]:
    start = time.perf_counter()
    yield lambda: time.perf_counter() - start


def _blocked(
    outcome: Outcome, failure: SetupFailure, rule: Rule, done: dict[str, Outcome], first: dict[str, str]
) -> None:
    """Mark ``outcome`` blocked when another rule already failed on the same setup step."""
    if failure.owner == rule.id:
        return
    owner = done.get(failure.owner)
    root = ""
    if owner is not None and owner.status in ("failed", "blocked"):
        root = owner.blocked_by or owner.rule.id
    elif failure.owner in first:
        root = first[failure.owner]
    if root:
        outcome.status, outcome.blocked_by = "blocked", root
        outcome.message = f"blocked by {root}: {failure.message}"
    else:  # the first rule to hit it: the others are blocked by this one
        first[failure.owner] = rule.id


def _run_rule(ctx: Context, rule: Rule, done: dict[str, Outcome], first: dict[str, str]) -> Outcome:
    try:
        rule.func(ctx)
    except RuleSkipped as skip:
        return Outcome(rule, "not-run" if isinstance(skip, RuleNotRun) else "skipped", message=skip.reason)
    except ImportError as error:  # a package of the suite itself is missing: not the server's fault
        name = getattr(error, "name", None) or str(error)
        raise MissingPackage(
            f"{rule.id} needs the Python package {name!r}, which is missing: {error}"
        ) from None
    except RuleFailure as failure:
        outcome = Outcome(
            rule,
            "failed",
            message=failure.message,
            expected=failure.expected,
            actual=failure.actual,
            curl=failure.curl or (failure.exchange.curl() if failure.exchange else ""),
        )
        if isinstance(failure, SetupFailure):
            _blocked(outcome, failure, rule, done, first)
        return outcome
    # A response the rule could not even read; schemathesis and hypothesis raise groups (not Exceptions).
    except (Exception, BaseExceptionGroup) as error:
        last = ctx.client.last
        return Outcome(
            rule,
            "failed",
            message=f"unexpected response ({type(error).__name__}: {error})",
            actual=last.summary() if last else "",
            curl=last.curl() if last else "",
        )
    return Outcome(rule, "passed")


def run(options: Options, profile: VersionProfile, rules: list[Rule]) -> RunResult:
    preflight(options, profile)
    ctx = Context(options, profile)
    chosen = {r.id for r in rules}
    done: dict[str, Outcome] = {}
    first: dict[str, str] = {}  # setup step owner -> the first rule that failed on it
    started = time.perf_counter()
    try:
        for rule in rules:
            why_not = rule.applies(options.api, options.version)
            if why_not is not None:
                done[rule.id] = Outcome(rule, "not-run", message=f"does not apply: {why_not}")
                continue
            before = ctx.checks
            with _timed() as elapsed:
                outcome = _run_rule(ctx, rule, done, first)
            outcome.seconds = elapsed()
            outcome.checks = ctx.checks - before
            done[rule.id] = outcome
    finally:
        ctx.cleanup()
        ctx.client.close()
    # Every rule of the catalogue is reported, those left out by --only as not run.
    outcomes = [
        done.get(r.id) or Outcome(r, "not-run", message="not selected (--only)")
        for r in all_rules()
        if r.id in chosen or options.only
    ]
    return RunResult(
        options.api, options.version, options.base_url, time.perf_counter() - started, options.seed, outcomes
    )
