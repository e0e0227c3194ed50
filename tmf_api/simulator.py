"""The fulfilment simulator: the server moves orders and tickets along as a real back end would.

Rules are data (mappings/fulfilment.yaml). Every move is a state PATCH through the v5 API's
service, in its own transaction, so lifecycles, the APIs' rules (item completion, billing,
resolution dates) and change events happen exactly as for a client's PATCH.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

from sqlalchemy import CursorResult, select, update
from sqlalchemy.orm import Session, sessionmaker

from tmf_api.engine.document import JSON
from tmf_api.engine.mapping import MAPPINGS_ROOT
from tmf_api.engine.patch import MERGE_PATCH
from tmf_api.engine.resource import ApiRuntime, RequestContext, ResourceService, utcnow
from tmf_api.errors import TMFError
from tmf_api.resources import load_yaml
from tmf_api.settings import DEFAULT_BASE_URL

log = logging.getLogger("tmf.simulator")

DEFAULT_RULES = MAPPINGS_ROOT / "fulfilment.yaml"

_DURATION = re.compile(
    r"^P(?:(?P<days>\d+)D)?"
    r"(?:T(?:(?P<hours>\d+)H)?(?:(?P<minutes>\d+)M)?(?:(?P<seconds>\d+(?:\.\d+)?)S)?)?$"
)


def parse_delay(value: Any, where: str) -> dt.timedelta:
    """An ISO 8601 duration (days to fractional seconds) or a plain number of seconds."""
    if isinstance(value, int | float) and not isinstance(value, bool) and value >= 0:
        return dt.timedelta(seconds=value)
    match = _DURATION.match(value) if isinstance(value, str) else None
    if match is None or value in ("P", "PT") or str(value).endswith("T"):
        raise ValueError(f"{where}: {value!r} is not a duration (PT5S, PT1M30S, PT0.5S or seconds)")
    parts = {k: float(v) for k, v in match.groupdict().items() if v}
    return dt.timedelta(**parts)


@dataclass(frozen=True)
class Case:
    """One possible end of a step, chosen by the attributes of the resource document."""

    name: str
    to: str
    when: dict[str, frozenset[str]] = field(default_factory=dict)
    match: dict[str, re.Pattern[str]] = field(default_factory=dict)
    set: dict[str, Any] = field(default_factory=dict)

    def matches(self, doc: JSON) -> bool:
        return all(
            any(str(v) in accepted for v in _values(doc, path)) for path, accepted in self.when.items()
        ) and all(
            any(pattern.search(str(v)) for v in _values(doc, path)) for path, pattern in self.match.items()
        )


@dataclass(frozen=True)
class Step:
    from_state: str
    after: dt.timedelta
    cases: tuple[Case, ...]

    def choose(self, doc: JSON) -> Case | None:
        return next((case for case in self.cases if case.matches(doc)), None)

    @property
    def needs_document(self) -> bool:
        # Rendering a row is the costly part; a step with one unconditional case needs none.
        return len(self.cases) > 1 or bool(self.cases[0].when or self.cases[0].match)


@dataclass(frozen=True)
class ResourceRules:
    resource: str
    since: str | None
    steps: dict[str, Step]


@dataclass(frozen=True)
class FulfilmentRules:
    tick: dt.timedelta
    batch: int
    resources: dict[str, ResourceRules]


def load_rules(path: Path = DEFAULT_RULES) -> FulfilmentRules:
    """Read and check a rules file; a malformed one is a ValueError naming the file and place."""
    with path.open(encoding="utf-8") as fh:
        raw = load_yaml(fh) or {}
    where = str(path)
    try:
        resources = {
            name: _resource_rules(name, spec or {}, f"{where}: {name}")
            for name, spec in (raw.get("resources") or {}).items()
        }
        batch = int(raw.get("batch", 200))
        if batch < 1:
            raise ValueError(f"{where}: batch must be at least 1")
        tick = parse_delay(raw.get("tick", 0.5), f"{where}: tick")
    except (KeyError, TypeError, AttributeError, re.error) as exc:
        raise ValueError(f"{where}: malformed rules ({exc!r})") from None
    return FulfilmentRules(tick=tick, batch=batch, resources=resources)


def _resource_rules(name: str, spec: dict[str, Any], where: str) -> ResourceRules:
    steps: dict[str, Step] = {}
    for index, raw in enumerate(spec.get("steps") or []):
        at = f"{where}, step {index + 1}"
        source = str(raw["from"])
        if source in steps:
            raise ValueError(f"{at}: a second step from {source!r}")
        if ("to" in raw) == ("cases" in raw):
            raise ValueError(f"{at}: give either `to` or `cases`")
        cases: tuple[Case, ...]
        if "to" in raw:
            cases = (
                Case(name=f"{source} -> {raw['to']}", to=str(raw["to"]), set=dict(raw.get("set") or {})),
            )
        else:
            cases = tuple(
                Case(
                    name=str(case.get("name") or f"case {n + 1}"),
                    to=str(case["to"]),
                    when={k: frozenset(map(str, _as_list(v))) for k, v in (case.get("when") or {}).items()},
                    match={k: re.compile(str(v)) for k, v in (case.get("match") or {}).items()},
                    set=dict(raw.get("set") or {}) | dict(case.get("set") or {}),
                )
                for n, case in enumerate(raw["cases"])
            )
            if not cases:
                raise ValueError(f"{at}: `cases` is empty")
        steps[source] = Step(source, parse_delay(raw["after"], f"{at}, after"), cases)
    since = spec.get("since")
    return ResourceRules(name, str(since) if since is not None else None, steps)


class _Refused(Exception):
    """A move the rules or the API refused: recorded and retried with backoff."""


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _values(doc: Any, path: str) -> Iterable[Any]:
    """The values at a dotted path, through arrays (any element may match)."""
    current: list[Any] = [doc]
    for name in path.split("."):
        found: list[Any] = []
        for value in current:
            for item in value if isinstance(value, list) else [value]:
                if isinstance(item, dict) and item.get(name) is not None:
                    found.append(item[name])
        current = found
    for value in current:
        yield from value if isinstance(value, list) else [value]


@dataclass
class Stuck:
    """A row the simulator could not move on: why, how often it tried, and when it tries again."""

    state: str
    reason: str
    attempts: int
    retry_at: dt.datetime | None  # None: given up until the row's state changes


@dataclass
class _Target:
    """One simulated resource: its rules, the v5 service moving it and the columns read."""

    rules: ResourceRules
    service: ResourceService
    state_attribute: str
    state_column: str
    since_column: str | None
    # id -> (state, when first seen in it): the clock for rows with no `since` attribute.
    seen: dict[str, tuple[str, dt.datetime]] = field(default_factory=dict)
    # id -> what could not be done: retried with backoff, then given up (never a retry every tick).
    stuck: dict[str, Stuck] = field(default_factory=dict)


class FulfilmentSimulator:
    """Moves due rows one step per tick. `run(stop)` loops; `tick(now)` is one pass (for tests).

    A move the API refuses (a 4xx other than a lost race, a broken rule) is retried after
    `retry_base` doubling per attempt, `max_attempts` times in all; then the row is given up in that
    state, recorded in `stuck` with the reason (logged once), until something else moves it.
    """

    retry_base = dt.timedelta(seconds=5)
    max_attempts = 5

    def __init__(
        self,
        runtimes: list[ApiRuntime],
        sessions: sessionmaker[Session],
        *,
        rules_path: Path | None = None,
        clock: Callable[[], dt.datetime] | None = None,
        tick_seconds: float | None = None,
        base_url: str | None = None,
    ) -> None:
        self.sessions = sessions
        self.clock = clock or utcnow
        self.rules = load_rules(rules_path or DEFAULT_RULES)
        self.tick_seconds = self.rules.tick.total_seconds() if tick_seconds is None else tick_seconds
        # Hrefs in documents and events are built on the server's base URL (settings.public_url).
        default = runtimes[0].settings.base_url if runtimes else DEFAULT_BASE_URL
        self.ctx = RequestContext(base_url or default)
        self.targets = [
            target
            for rules in self.rules.resources.values()
            if (target := self._target(runtimes, rules)) is not None
        ]

    @staticmethod
    def _target(runtimes: list[ApiRuntime], rules: ResourceRules) -> _Target | None:
        # v5 reads every row whatever version wrote it, so one service per resource suffices.
        services = [
            r.services[rules.resource]
            for r in runtimes
            if r.mapping.version == "v5" and rules.resource in r.services
        ]
        if not services:
            log.info("fulfilment: %s is not served (no v5 API has it); not simulated", rules.resource)
            return None
        service = services[0]
        lifecycle = service.lifecycle
        attribute = service.resource.state_attribute
        state = service.node.column_for(attribute) if attribute else None
        if lifecycle is None or attribute is None or state is None:
            raise ValueError(f"fulfilment: {rules.resource} has no lifecycle to simulate")
        for step in rules.steps.values():
            for case in step.cases:
                if not lifecycle.can_move(step.from_state, case.to):
                    # Fail at start-up: a step the lifecycle refuses would silently never happen.
                    raise ValueError(
                        f"fulfilment: {rules.resource} {step.from_state} -> {case.to} is not a transition "
                        f"of its lifecycle (allowed: {', '.join(lifecycle.allowed(step.from_state))})"
                    )
        since = service.node.column_for(rules.since) if rules.since else None
        if rules.since and since is None:
            raise ValueError(f"fulfilment: {rules.resource} has no attribute {rules.since!r} (since)")
        return _Target(rules, service, attribute, state.column, since.column if since else None)

    # -- the loop -----------------------------------------------------------------------------
    async def run(self, stop: asyncio.Event) -> None:
        """Tick until `stop` is set. Database work runs in a thread, never on the event loop."""
        log.info("fulfilment simulator started (tick %.2fs)", self.tick_seconds)
        while not stop.is_set():
            try:
                await asyncio.to_thread(self.tick, self.clock())
            except Exception:
                # A bad pass (database briefly unavailable, locked) must not end the simulation.
                log.exception("fulfilment simulator: tick failed; retrying next tick")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), self.tick_seconds)
        log.info("fulfilment simulator stopped")

    def tick(self, now: dt.datetime) -> int:
        """One pass at time `now`: move every due row one step; return how many moved."""
        return sum(self._tick_target(target, now) for target in self.targets)

    def stuck(self) -> dict[tuple[str, str], Stuck]:
        """What the simulator could not do, by (resource, id)."""
        return {(t.service.resource.path, id_): s for t in self.targets for id_, s in t.stuck.items()}

    def _tick_target(self, target: _Target, now: dt.datetime) -> int:
        moved = 0
        due = [(i, state) for i, state in self._due(target, now) if self._may_try(target, i, state, now)]
        for id_, state in due[: self.rules.batch]:
            try:
                reached = self._move(target, id_, state)
            except _Refused as refused:
                self._record_failure(target, id_, state, str(refused), now)
                continue
            target.stuck.pop(id_, None)
            if reached is not None:
                moved += 1
                # The next step's delay runs from this move, not from when a later pass sees it.
                target.seen[id_] = (reached, now)
        return moved

    @staticmethod
    def _may_try(target: _Target, id_: str, state: str, now: dt.datetime) -> bool:
        stuck = target.stuck.get(id_)
        if stuck is None or stuck.state != state:  # never failed, or moved on since
            target.stuck.pop(id_, None)
            return True
        return stuck.retry_at is not None and now >= stuck.retry_at

    def _record_failure(self, target: _Target, id_: str, state: str, reason: str, now: dt.datetime) -> None:
        path = target.service.resource.path
        previous = target.stuck.get(id_)
        attempts = previous.attempts + 1 if previous is not None else 1
        if attempts >= self.max_attempts:
            target.stuck[id_] = Stuck(state, reason, attempts, None)
            log.warning(
                "fulfilment: gave up moving %s %s from %s after %d attempts: %s",
                path, id_, state, attempts, reason,
            )  # fmt: skip
            return
        delay = self.retry_base * 2 ** (attempts - 1)
        target.stuck[id_] = Stuck(state, reason, attempts, now + delay)
        if previous is None:  # one line per row, not one per attempt
            log.warning(
                "fulfilment: %s %s not moved from %s (retrying with backoff): %s", path, id_, state, reason
            )

    def _due(self, target: _Target, now: dt.datetime) -> list[tuple[str, str]]:
        """(id, state) of the rows whose step is due, longest waiting first."""
        entity: Any = target.service.entity
        state_col = getattr(entity, target.state_column)
        columns = [entity.id, state_col]
        if target.since_column is not None:
            columns.append(getattr(entity, target.since_column))
        stmt = select(*columns).where(state_col.in_(list(target.rules.steps)))
        with self.sessions() as session:
            rows = session.execute(stmt).all()
        seen: dict[str, tuple[str, dt.datetime]] = {}
        waiting: list[tuple[dt.datetime, str, str]] = []
        for row in rows:
            id_, state = str(row[0]), str(row[1])
            entered: dt.datetime | None = row[2] if target.since_column is not None else None
            if entered is None:
                previous = target.seen.get(id_)
                entered = previous[1] if previous is not None and previous[0] == state else now
                seen[id_] = (state, entered)
            if now >= entered + target.rules.steps[state].after:
                waiting.append((entered, id_, state))
        # Forget rows that left the simulated states (final, held, deleted …) so memory stays bounded.
        target.seen = seen
        present = {str(row[0]) for row in rows}
        target.stuck = {id_: stuck for id_, stuck in target.stuck.items() if id_ in present}
        return [(id_, state) for _, id_, state in sorted(waiting)]

    def _move(self, target: _Target, id_: str, state: str) -> str | None:
        """Move one row on from `state` in its own transaction; the state reached, or None."""
        service = target.service
        path = service.resource.path
        step = target.rules.steps[state]
        entity: Any = service.entity
        state_col = getattr(entity, target.state_column)
        try:
            with self.sessions.begin() as session:
                # Claim the row: the UPDATE takes its write lock, so of several workers (or a client
                # PATCHing at the same moment) only one moves it from `state`; the others match 0 rows.
                claim = (
                    update(entity)
                    .where(entity.id == id_, state_col == state)
                    .values({state_col: state})
                    .execution_options(synchronize_session=False)
                )
                result = cast(CursorResult[Any], session.execute(claim))
                if result.rowcount != 1:
                    log.debug("fulfilment: %s %s is no longer %s; skipped", path, id_, state)
                    return None
                doc: JSON = {}
                if step.needs_document:
                    doc = service.document(
                        session.scalars(select(entity).where(entity.id == id_)).one(), self.ctx
                    )
                case = step.choose(doc)
                lifecycle = service.lifecycle
                if case is None:
                    raise _Refused(f"no case of the step from {state} matches")
                if lifecycle is None or not lifecycle.can_move(state, case.to):
                    return None  # checked at start-up; kept so a bad path can never be forced
                body = case.set | {target.state_attribute: case.to}
                service.patch(session, id_, MERGE_PATCH, body, self.ctx)
        except TMFError as exc:
            # 409: another worker or a client moved it first; 404: deleted meanwhile. Both are normal.
            if exc.status in (404, 409):
                log.debug("fulfilment: %s %s not moved from %s: %s", path, id_, state, exc)
                return None
            raise _Refused(f"{exc.status} {exc.message}") from None
        log.info("fulfilment: %s %s %s -> %s (%s)", path, id_, state, case.to, case.name)
        return case.to
