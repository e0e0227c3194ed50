"""What the kits skip on lists: operators, OR/AND, sort, paging headers and 206."""

from __future__ import annotations

import re
from typing import Any

from conformance.model import rule
from conformance.profile import Resource
from conformance.runner import Context

P1 = "TMF630 REST API Design Guidelines Part 1"
EARLY, LATE = "2000-01-01T00:00:00Z", "2999-01-01T00:00:00Z"


def _exact(
    ctx: Context, resource: Resource, params: Any, expected: list[str], what: str, ordered: bool = False
) -> None:
    exchange, ids = ctx.list_ids(resource, params, what=what)
    same = ids == expected if ordered else sorted(ids) == sorted(expected)
    ctx.check(
        same,
        f"{what}: the server returned {ids or 'nothing'}",
        f"{'in this order ' if ordered else ''}{expected or 'an empty list'}",
        exchange,
    )


def _filter_value(ctx: Context, resource: Resource, doc: dict[str, Any]) -> tuple[str, str, str]:
    spec = resource.filter
    assert spec is not None
    attribute = str(spec["attribute"])
    value = doc.get(attribute)
    if value is None:
        exchange = ctx.get(ctx.url(resource, doc["id"]), resource)
        value = (exchange.json or {}).get(attribute) if isinstance(exchange.json, dict) else None
    ctx.check(
        isinstance(value, str),
        f"{resource.path} {doc['id']} has no string {attribute} to filter on",
        f"a string {attribute}",
    )
    others = spec.get("other")
    choices = others if isinstance(others, list) else [others]
    other = next(str(o) for o in [*choices, "cf-no-such-value"] if o is not None and o != value)
    return attribute, str(value), other


def _filterable(r: Resource) -> bool:
    return r.filter is not None


@rule(
    "TMF630.filter.eq",
    "attr=value (and attr.eq=value) returns the resources holding that value and no other.",
    f"{P1}, 'Filtering' (equality); official v4/v5 CTK (filter on POSTed values)",
)
def filter_eq(ctx: Context) -> None:
    for resource in ctx.resources(_filterable, "no attribute to filter on"):
        doc = ctx.sample(resource)[0]
        attribute, value, other = _filter_value(ctx, resource, doc)
        base = ctx.restrict(resource, [doc])
        _exact(ctx, resource, base, [doc["id"]], f"GET {resource.path}?{next(iter(base))}=…")
        _exact(ctx, resource, {"id": doc["id"]}, [doc["id"]], f"GET {resource.path}?id=…")
        _exact(
            ctx, resource, base | {attribute: value}, [doc["id"]], f"GET {resource.path}?{attribute}={value}"
        )
        _exact(
            ctx,
            resource,
            base | {f"{attribute}.eq": value},
            [doc["id"]],
            f"GET {resource.path}?{attribute}.eq={value}",
        )
        _exact(ctx, resource, base | {attribute: other}, [], f"GET {resource.path}?{attribute}={other}")


def _at(doc: dict[str, Any], dotted: str) -> Any:
    """The value at a dotted attribute path (`validFor.startDateTime`), or None."""
    value: Any = doc
    for name in dotted.split("."):
        value = value.get(name) if isinstance(value, dict) else None
    return value


def _dated(ctx: Context, op: str) -> None:
    for resource in ctx.resources(lambda r: r.date is not None, "no date attribute to compare"):
        doc = ctx.sample(resource)[0]
        date = resource.date
        assert date is not None
        when = _at(doc, date)
        ctx.check(isinstance(when, str), f"{resource.path} {doc['id']} has no {date}", f"a {date} date-time")
        base = ctx.restrict(resource, [doc])
        hit, edge = (EARLY, when) if op == "gt" else (LATE, when)
        _exact(
            ctx,
            resource,
            base | {f"{date}.{op}": str(hit)},
            [doc["id"]],
            f"GET {resource.path}?{date}.{op}={hit}",
        )
        _exact(
            ctx,
            resource,
            base | {f"{date}.{op}": str(edge)},
            [],
            f"GET {resource.path}?{date}.{op}={edge} "
            "(its own value: strictly " + ("greater" if op == "gt" else "less") + " excludes it)",
        )
        _exact(
            ctx,
            resource,
            base | {f"{date}.{op}e": str(edge)},
            [doc["id"]],
            f"GET {resource.path}?{date}.{op}e={edge}",
        )


@rule(
    "TMF630.filter.gt",
    "attr.gt=v (and .gte) compare date-times: strictly later, or later or equal.",
    f"{P1}, 'Filtering' (operators .gt .gte)",
)
def filter_gt(ctx: Context) -> None:
    _dated(ctx, "gt")


@rule(
    "TMF630.filter.lt",
    "attr.lt=v (and .lte) compare date-times: strictly earlier, or earlier or equal.",
    f"{P1}, 'Filtering' (operators .lt .lte)",
)
def filter_lt(ctx: Context) -> None:
    _dated(ctx, "lt")


@rule(
    "TMF630.filter.ne",
    "attr.ne=v excludes the resources holding v and keeps the others.",
    f"{P1}, 'Filtering' (operator .ne)",
)
def filter_ne(ctx: Context) -> None:
    for resource in ctx.resources(_filterable, "no attribute to filter on"):
        doc = ctx.sample(resource)[0]
        attribute, value, other = _filter_value(ctx, resource, doc)
        base = ctx.restrict(resource, [doc])
        _exact(
            ctx,
            resource,
            base | {f"{attribute}.ne": value},
            [],
            f"GET {resource.path}?{attribute}.ne={value}",
        )
        _exact(
            ctx,
            resource,
            base | {f"{attribute}.ne": other},
            [doc["id"]],
            f"GET {resource.path}?{attribute}.ne={other}",
        )


@rule(
    "TMF630.filter.regex",
    "attr*=re and attr.regex=re keep the resources whose value matches re.",
    f"{P1}, 'Filtering' (regular expressions)",
)
def filter_regex(ctx: Context) -> None:
    for resource in ctx.resources(_filterable, "no attribute to filter on"):
        doc = ctx.sample(resource)[0]
        attribute, value, _ = _filter_value(ctx, resource, doc)
        base = ctx.restrict(resource, [doc])
        pattern = f"^{re.escape(value[:2])}"
        for form in (f"{attribute}*", f"{attribute}.regex"):
            _exact(
                ctx, resource, base | {form: pattern}, [doc["id"]], f"GET {resource.path}?{form}={pattern}"
            )
            _exact(
                ctx,
                resource,
                base | {form: "^cf-no-such-value$"},
                [],
                f"GET {resource.path}?{form}=^cf-no-such-value$",
            )


@rule(
    "TMF630.filter.or",
    "A comma-separated value, or a repeated parameter, means OR.",
    f"{P1}, 'Filtering' (OR: comma and repeated parameter)",
)
def filter_or(ctx: Context) -> None:
    for resource in ctx.resources(lambda r: True, "no resources"):
        first, second = ctx.sample(resource, 2)[:2]
        both = [first["id"], second["id"]]
        ((name, joined),) = ctx.restrict(resource, [first, second]).items()
        _exact(ctx, resource, {name: joined}, both, f"GET {resource.path}?{name}=a,b")
        _exact(
            ctx,
            resource,
            [(name, v) for v in joined.split(",")],
            both,
            f"GET {resource.path}?{name}=a&{name}=b",
        )


@rule(
    "TMF630.filter.and",
    "Different parameters are combined with AND.",
    f"{P1}, 'Filtering' (AND across parameters)",
)
def filter_and(ctx: Context) -> None:
    for resource in ctx.resources(
        lambda r: bool(r.creatable and r.marker) or r.date is not None,
        "no resource with a second attribute to combine",
    ):
        first, second = ctx.sample(resource, 2)[:2]
        params = ctx.restrict(resource, [first, second])
        if "id" in params:
            date = resource.date
            ctx.check(
                date is not None and _at(first, date) is not None,
                "no second attribute to combine",
                f"{resource.path} rows with a date",
            )
            assert date is not None
            last = _at(first, date)
            wanted = [d["id"] for d in (first, second) if _at(d, date) is not None and _at(d, date) <= last]
            _exact(
                ctx,
                resource,
                params | {f"{date}.lte": last},
                wanted,
                f"GET {resource.path}?id=a,b&{date}.lte=…",
            )
        else:
            _exact(
                ctx,
                resource,
                params | {"id": second["id"]},
                [second["id"]],
                f"GET {resource.path}?{next(iter(params))}=a,b&id=b",
            )


@rule(
    "TMF630.filter.unknown-attribute-400",
    "A filter on an attribute the resource does not have is refused with 400, not ignored.",
    f"{P1}, 'Filtering' and 'Response codes' (400 Bad Request)",
)
def filter_unknown(ctx: Context) -> None:
    for resource in ctx.resources(lambda r: True, "no resources"):
        exchange = ctx.get(ctx.url(resource), resource, params={"cfNoSuchAttribute": "x"})
        ctx.expect_status(exchange, 400, what=f"GET {resource.path}?cfNoSuchAttribute=x")


@rule("TMF630.sort", "sort=a orders ascending, sort=-a descending.", f"{P1}, 'Sorting'")
def sort(ctx: Context) -> None:
    for resource in ctx.resources(lambda r: True, "no resources"):
        rows = ctx.sample(resource, 2)
        key = resource.marker if resource.creatable and resource.marker else "id"
        ordered = sorted(rows, key=lambda d: str(ctx.marker_of(resource, d) if key != "id" else d["id"]))
        ids = [d["id"] for d in ordered]
        params = ctx.restrict(resource, rows)
        _exact(ctx, resource, params | {"sort": key}, ids, f"GET {resource.path}?sort={key}", ordered=True)
        _exact(
            ctx,
            resource,
            params | {"sort": f"-{key}"},
            ids[::-1],
            f"GET {resource.path}?sort=-{key}",
            ordered=True,
        )


def _paging(ctx: Context, check: str) -> None:
    for resource in ctx.resources(lambda r: True, "no resources"):
        rows = ctx.sample(resource, 2)
        key = resource.marker if resource.creatable and resource.marker else "id"
        ordered = [
            d["id"]
            for d in sorted(rows, key=lambda d: str(ctx.marker_of(resource, d) if key != "id" else d["id"]))
        ]
        params = ctx.restrict(resource, rows) | {"sort": key}
        n = len(rows)
        whole = ctx.get(ctx.url(resource), resource, params=params)
        page = ctx.get(ctx.url(resource), resource, params=params | {"offset": "1", "limit": "1"})
        for exchange, count, what in ((whole, n, "the whole result"), (page, 1, "offset=1&limit=1")):
            if check == "total":
                ctx.check(
                    exchange.header("x-total-count") == str(n),
                    f"GET {resource.path} ({what}): X-Total-Count is {exchange.header('x-total-count')}",
                    f"X-Total-Count: {n}",
                    exchange,
                )
            elif check == "result":
                ctx.check(
                    exchange.header("x-result-count") == str(count),
                    f"GET {resource.path} ({what}): X-Result-Count is {exchange.header('x-result-count')}",
                    f"X-Result-Count: {count}",
                    exchange,
                )
        if check == "206":
            ctx.expect_status(whole, 200, what=f"GET {resource.path} (every match on one page)")
            ctx.expect_status(page, 206, what=f"GET {resource.path}?offset=1&limit=1 (a partial page)")
            got = [r.get("id") for r in page.json or [] if isinstance(r, dict)]
            ctx.check(
                got == ordered[1:2],
                f"GET {resource.path}?offset=1&limit=1 returned {got}",
                f"the second resource in order: {ordered[1:2]}",
                page,
            )


@rule(
    "TMF630.paging.total-count",
    "Every list carries X-Total-Count: the number of matches over all pages.",
    f"{P1}, 'Pagination' (X-Total-Count)",
)
def paging_total(ctx: Context) -> None:
    _paging(ctx, "total")


@rule(
    "TMF630.paging.result-count",
    "Every list carries X-Result-Count: the number of elements returned.",
    f"{P1}, 'Pagination' (X-Result-Count)",
)
def paging_result(ctx: Context) -> None:
    _paging(ctx, "result")


@rule(
    "TMF630.paging.partial-206",
    "offset/limit return that slice with 206 Partial Content when it is not the whole result; "
    "the whole result is 200.",
    f"{P1}, 'Pagination' (offset, limit, 206 Partial Content)",
)
def paging_206(ctx: Context) -> None:
    _paging(ctx, "206")
