"""Lifecycles per API: legal moves are applied, illegal ones refused and the state left alone."""

from __future__ import annotations

import json
from typing import Any

from conformance.model import rule
from conformance.profile import APIS, Resource, top_level
from conformance.runner import Context

MERGE = "application/merge-patch+json"


def _move(ctx: Context, resource: Resource, id_: str, state: str) -> Any:
    lifecycle = resource.lifecycle or {}
    body = dict((resource.patch or {}).get("base") or {}) | {lifecycle["attribute"]: state}
    return ctx.request(
        "PATCH", ctx.url(resource, id_), resource, content=json.dumps(body), content_type=MERGE
    )


def legal(ctx: Context) -> None:
    for resource in ctx.resources(
        lambda r: r.creatable and bool((r.lifecycle or {}).get("legal_path")),
        "no lifecycle the suite can walk on a resource it creates",
    ):
        lifecycle = resource.lifecycle or {}
        attribute = lifecycle["attribute"]
        doc = ctx.create(resource)
        current = doc.get(attribute)
        for state in lifecycle["legal_path"]:
            exchange = _move(ctx, resource, doc["id"], state)
            ctx.expect_status(
                exchange, 200, what=f"PATCH {resource.path} {attribute} {current} → {state} (legal)"
            )
            body = exchange.json if isinstance(exchange.json, dict) else {}
            ctx.check(
                body.get(attribute) == state,
                f"PATCH {attribute} → {state} answered {body.get(attribute)!r}",
                f"{attribute} = {state}",
                exchange,
            )
            current = state


def illegal(ctx: Context) -> None:
    for resource in ctx.resources(lambda r: r.lifecycle is not None, "no lifecycle in the profile"):
        lifecycle = resource.lifecycle or {}
        attribute = lifecycle["attribute"]
        transitions: dict[str, list[str]] = lifecycle["transitions"]
        every = set(transitions) | {s for targets in transitions.values() for s in targets}
        if resource.creatable:
            doc = ctx.create(resource)
        else:
            doc = ctx.sample(resource)[0]
            fresh = ctx.get(ctx.url(resource, doc["id"]), resource)
            doc = fresh.json if isinstance(fresh.json, dict) else doc
        current = doc.get(attribute)
        ctx.check(
            isinstance(current, str), f"{resource.path} {doc.get('id')} has no {attribute}", f"a {attribute}"
        )
        candidates = _illegal_targets(lifecycle, every, current)
        # A new resource may be in a state every other one follows (a TMF654 reservation: confirmed,
        # released or failed): the legal path leads to one from which a move is illegal.
        walk = list(lifecycle.get("legal_path", [])) if resource.creatable else []
        while not candidates and walk:
            step = walk.pop(0)
            ctx.expect_status(
                _move(ctx, resource, doc["id"], step), 200, what=f"PATCH {resource.path} {attribute} → {step}"
            )
            current = step
            candidates = _illegal_targets(lifecycle, every, current)
        ctx.check(bool(candidates), f"no illegal move from {current}", "a state with an illegal move")
        target = candidates[0]
        exchange = _move(ctx, resource, doc["id"], target)
        ctx.check(
            400 <= exchange.status < 500,
            f"PATCH {resource.path} {attribute} {current} → {target} (illegal) answered {exchange.status}",
            "a 4xx refusal (409 Conflict), state unchanged",
            exchange,
        )
        again = ctx.get(ctx.url(resource, doc["id"]), resource)
        now = again.json.get(attribute) if isinstance(again.json, dict) else None
        ctx.check(
            now == current,
            f"after a refused move to {target} the {attribute} is {now!r}",
            f"{attribute} still {current}",
            again,
        )


def _illegal_targets(lifecycle: dict[str, Any], every: set[str], current: Any) -> list[str]:
    """The states a move from `current` may not reach: the profile's preferred ones first."""
    allowed = set(lifecycle["transitions"].get(str(current), [])) | {str(current)}
    candidates = [s for s in lifecycle.get("illegal", []) if s not in allowed]
    return candidates + sorted(every - allowed - set(candidates))


REF = "{api} user guide (state diagram); TMF630 Part 1 'Response codes' (409 Conflict)"
# Each profile with a lifecycle gets the illegal-move rule; one with a walkable legal path also the
# legal-move rule (TMF678's bills are produced by billing: a legal move would change real data).
_LIFECYCLES = {api: top_level(api).get("lifecycle") or {} for api in APIS}
for api in (a for a, lifecycle in _LIFECYCLES.items() if lifecycle.get("legal_path")):
    rule(
        f"{api}.lifecycle.legal-transition",
        "Each move along a legal path of the lifecycle (from a new resource) is applied with 200.",
        REF.format(api=api),
        apis=(api,),
    )(legal)
for api in (a for a, lifecycle in _LIFECYCLES.items() if lifecycle):
    rule(
        f"{api}.lifecycle.illegal-transition",
        "A move the lifecycle does not allow is refused (4xx, preferably 409) and the state is unchanged.",
        REF.format(api=api),
        apis=(api,),
    )(illegal)
