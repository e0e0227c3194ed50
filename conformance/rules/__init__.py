"""Every rule of the suite, registered in the order they run (schema and fuzzing last)."""

from conformance.rules import basic, fuzz, hub, lifecycle, query, schema, write  # noqa: F401
