"""Rules, outcomes and the exceptions a rule uses to fail or skip."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from conformance.http import Exchange
    from conformance.runner import Context

ALL_VERSIONS = ("v4", "v5")


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


class RuleSkipped(Exception):
    """The rule does not apply (to this API, version, or server's data)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class RunAborted(Exception):
    """The run cannot be made at all (exit code 2)."""


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
    status: str  # passed | failed | skipped
    seconds: float = 0.0
    message: str = ""
    expected: str = ""
    actual: str = ""
    curl: str = ""
    checks: int = 0
    details: list[str] = field(default_factory=list)

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
