"""Shared pytest configuration: fixtures live in tests/fixtures/ and are loaded as plugins."""

from __future__ import annotations

import pytest

pytest_plugins = [
    "tests.fixtures.reference",
    "tests.fixtures.databases",
    "tests.fixtures.app",
    "tests.fixtures.listener",
]

# `make test` runs `-n 2 --dist loadfile`: each module runs whole on one worker, and modules are
# handed out in collection order as workers free up. The longest modules (per-module totals of a
# full run, longest first) are collected first, so that none of them starts last and keeps one
# worker busy alone at the end while the other is idle (longest-processing-time-first). A module
# missing here keeps its place after these; a stale order costs only balance, never a check.
LONGEST_FIRST = (
    "tests/conformance/test_against_our_server.py",
    "tests/ctk/test_official_ctk.py",
    "tests/conformance/test_defects.py",
    "tests/api/test_fuzz_own_documents.py",
    "tests/test_packaging.py",
    "tests/events/test_delivery_faults.py",
    "tests/api/test_tmf678.py",
    "tests/api/test_fuzz_official_documents.py",
    "tests/api/test_versions.py",
    "tests/adapter/test_conditional.py",
    "tests/api/test_tmf620.py",
    "tests/test_simulator.py",
    "tests/api/test_public_url.py",
    "tests/events/test_hub_subscriptions.py",
    "tests/events/test_listener_side.py",
    "tests/api/test_statement_counts.py",
    "tests/test_cli.py",
    "tests/conformance/test_outcomes.py",
    "tests/test_lint.py",
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    rank = {path: place for place, path in enumerate(LONGEST_FIRST)}
    # sorted() is stable: within a module, and among the modules not listed, the order is kept.
    items[:] = sorted(items, key=lambda item: rank.get(item.nodeid.split("::", 1)[0], len(rank)))
