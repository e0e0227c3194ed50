"""Shared pytest configuration: fixtures live in tests/fixtures/ and are loaded as plugins."""

pytest_plugins = [
    "tests.fixtures.reference",
    "tests.fixtures.databases",
    "tests.fixtures.app",
    "tests.fixtures.listener",
]
