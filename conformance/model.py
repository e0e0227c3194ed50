"""Rules, outcomes and the exceptions a rule uses to fail or skip."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from conformance.http import Exchange
    from conformance.runner import Context

ALL_VERSIONS = ("v4", "v5")
# Every status a rule can end with, in the order the summaries list them.
STATUSES = ("passed", "failed", "blocked", "skipped", "not-run")


class RuleFailure(Exception):
    """A rule found the server non-conformant."""

    def __init__(
        self,
        message: str,
        *,
        expected: str = "",
        actual: str = "",
        exchange: Exchange | None = None,
        curl: str = "",
    ) -> None:
        super().__init__(message)
        self.curl = curl
        self.message = message
        self.expected = expected
        self.actual = actual
        self.exchange = exchange


class SetupFailure(RuleFailure):
    """A step a rule needs (creating a resource, subscribing) failed; ``owner`` is the rule checking it.

    The runner reports the owner (or the first rule to hit the step) as failed and every other rule
    hitting the same step as blocked by it, so that one root cause is reported once.
    """

    def __init__(self, failure: RuleFailure, owner: str) -> None:
        super().__init__(
            failure.message,
            expected=failure.expected,
            actual=failure.actual,
            exchange=failure.exchange,
            curl=failure.curl,
        )
        self.owner = owner


class RuleSkipped(Exception):
    """The rule applies but could not run (the server lacks data, no official document …).

    A skip counts: the run exits 0 with skips only under --allow-skips.
    """

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class RuleNotRun(RuleSkipped):
    """The rule does not apply to this API or version, or the user turned it off: not a skip."""


class RunAborted(Exception):
    """The run cannot be made at all (exit code 2)."""


class MissingPackage(RunAborted):
    """A Python package the suite needs is not installed: a setup error, never a rule's failure."""


@dataclass(frozen=True)
class Rule:
    id: str
    description: str
    reference: str
    func: Callable[[Context], None]
    versions: tuple[str, ...] = ALL_VERSIONS
    apis: tuple[str, ...] | None = None  # None: every API
    group: str = "TMF630"

    def applies(self, api: str, version: str) -> str | None:
        """None when the rule applies, else why not."""
        if self.apis is not None and api not in self.apis:
            return f"only for {', '.join(self.apis)}"
        if version not in self.versions:
            return f"only for API version {', '.join(self.versions)}"
        return None


@dataclass
class Outcome:
    rule: Rule
    status: str  # passed | failed | skipped | blocked | not-run
    seconds: float = 0.0
    message: str = ""
    expected: str = ""
    actual: str = ""
    curl: str = ""
    checks: int = 0
    details: list[str] = field(default_factory=list)
    blocked_by: str = ""  # blocked: the id of the failed rule this one depends on

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.rule.id,
            "description": self.rule.description,
            "reference": self.rule.reference,
            "status": self.status,
            "seconds": round(self.seconds, 3),
            "message": self.message,
            "expected": self.expected,
            "actual": self.actual,
            "request": self.curl,
            "blockedBy": self.blocked_by or None,
        }


RULES: list[Rule] = []


def rule(
    id: str,
    description: str,
    reference: str,
    *,
    versions: tuple[str, ...] = ALL_VERSIONS,
    apis: tuple[str, ...] | None = None,
) -> Callable[[Callable[[Context], None]], Callable[[Context], None]]:
    """Register a rule function under a stable id."""

    def register(func: Callable[[Context], None]) -> Callable[[Context], None]:
        if any(r.id == id for r in RULES):
            raise ValueError(f"duplicate rule id {id}")
        RULES.append(Rule(id, description, reference, func, versions, apis, id.split(".", 1)[0]))
        return func

    return register
