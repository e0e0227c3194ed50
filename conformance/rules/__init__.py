"""Every rule of the suite, registered in the order they run (schema and fuzzing last)."""

from conformance.rules import basic, query, write, lifecycle, hub, schema, fuzz  # noqa: F401
