"""PATCH documents: JSON Merge Patch (RFC 7386), JSON Patch (RFC 6902) and TMF630 JSON Patch Query.

Each function returns a new document and never mutates its input; a patch that cannot apply
raises TMFError 400 naming the operation.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl

from tmf_api.engine.document import copy_json
from tmf_api.errors import bad_request

MERGE_PATCH = "application/merge-patch+json"
JSON = "application/json"
JSON_PATCH = "application/json-patch+json"
JSON_PATCH_QUERY = "application/json-patch-query+json"


def merge_patch(target: Any, patch: Any) -> Any:
    if not isinstance(patch, dict):
        return copy_json(patch)
    result = copy_json(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = merge_patch(result.get(key), value)
    return result


def _unescape(token: str) -> str:
    return token.replace("~1", "/").replace("~0", "~")


def _tokens(pointer: str, where: str) -> list[str]:
    if pointer == "":
        return []
    if not pointer.startswith("/"):
        raise bad_request(f"{where}: path {pointer!r} must start with '/'")
    return [_unescape(t) for t in pointer[1:].split("/")]


def _index(container: list[Any], token: str, where: str, *, for_add: bool = False) -> int:
    if for_add and token == "-":
        return len(container)
    if not token.isdigit() or (token != "0" and token.startswith("0")):
        raise bad_request(f"{where}: {token!r} is not an array index")
    index = int(token)
    if index > len(container) or (index == len(container) and not for_add):
        raise bad_request(f"{where}: index {index} is out of range")
    return index


def _parent(doc: Any, tokens: list[str], where: str) -> Any:
    current = doc
    for token in tokens[:-1]:
        if isinstance(current, dict):
            if token not in current:
                raise bad_request(f"{where}: no attribute {token!r} on the path")
            current = current[token]
        elif isinstance(current, list):
            current = current[_index(current, token, where)]
        else:
            raise bad_request(f"{where}: cannot descend into a plain value at {token!r}")
    return current


def _get(doc: Any, tokens: list[str], where: str) -> Any:
    if not tokens:
        return doc
    parent = _parent(doc, tokens, where)
    last = tokens[-1]
    if isinstance(parent, dict):
        if last not in parent:
            raise bad_request(f"{where}: no attribute {last!r} on the path")
        return parent[last]
    if isinstance(parent, list):
        return parent[_index(parent, last, where)]
    raise bad_request(f"{where}: cannot descend into a plain value")


def _remove(doc: Any, tokens: list[str], where: str) -> Any:
    if not tokens:
        raise bad_request(f"{where}: cannot remove the whole document")
    parent = _parent(doc, tokens, where)
    last = tokens[-1]
    if isinstance(parent, dict):
        if last not in parent:
            raise bad_request(f"{where}: no attribute {last!r} to remove")
        return parent.pop(last)
    if isinstance(parent, list):
        return parent.pop(_index(parent, last, where))
    raise bad_request(f"{where}: cannot remove from a plain value")


def _add(doc: Any, tokens: list[str], value: Any, where: str) -> Any:
    if not tokens:
        return value
    parent = _parent(doc, tokens, where)
    last = tokens[-1]
    if isinstance(parent, dict):
        parent[last] = value
    elif isinstance(parent, list):
        parent.insert(_index(parent, last, where, for_add=True), value)
    else:
        raise bad_request(f"{where}: cannot add into a plain value")
    return doc


def _apply_one(doc: Any, op: dict[str, Any], tokens: list[str], where: str) -> Any:
    kind = op.get("op")
    if kind in ("add", "replace", "test") and "value" not in op:
        raise bad_request(f"{where}: '{kind}' needs a 'value'")
    if kind == "add":
        return _add(doc, tokens, copy_json(op["value"]), where)
    if kind == "remove":
        _remove(doc, tokens, where)
        return doc
    if kind == "replace":
        if tokens:
            _get(doc, tokens, where)  # the target must exist
        return (
            _add(doc, tokens, copy_json(op["value"]), where)
            if not tokens
            else _replace(doc, tokens, op["value"], where)
        )
    if kind in ("move", "copy"):
        source = op.get("from")
        if not isinstance(source, str):
            raise bad_request(f"{where}: '{kind}' needs a 'from' pointer")
        from_tokens = _tokens(source, where)
        if kind == "move":
            if tokens[: len(from_tokens)] == from_tokens and tokens != from_tokens:
                raise bad_request(f"{where}: cannot move a value into itself")
            value = _remove(doc, from_tokens, where)
        else:
            value = copy_json(_get(doc, from_tokens, where))
        return _add(doc, tokens, value, where)
    if kind == "test":
        if _get(doc, tokens, where) != op["value"]:
            raise bad_request(f"{where}: test failed", reason="Test Failed")
        return doc
    raise bad_request(f"{where}: unknown op {kind!r}")


def _replace(doc: Any, tokens: list[str], value: Any, where: str) -> Any:
    parent = _parent(doc, tokens, where)
    last = tokens[-1]
    if isinstance(parent, dict):
        parent[last] = copy_json(value)
    else:
        parent[_index(parent, last, where)] = copy_json(value)
    return doc


def _check_ops(ops: Any) -> list[dict[str, Any]]:
    if not isinstance(ops, list) or not all(isinstance(op, dict) for op in ops):
        raise bad_request("A JSON Patch body must be an array of operation objects")
    for number, op in enumerate(ops):
        if not isinstance(op.get("path"), str):
            raise bad_request(f"JSON Patch operation {number}: 'path' must be a string")
    return ops


def json_patch(target: Any, ops: Any) -> Any:
    doc = copy_json(target)
    for number, op in enumerate(_check_ops(ops)):
        where = f"JSON Patch operation {number} ({op.get('op')} {op['path']})"
        doc = _apply_one(doc, op, _tokens(op["path"], where), where)
    return doc


def _expand_query_path(doc: Any, path: str, where: str) -> list[list[str]]:
    """TMF630 JSON Patch Query: `/productOrderItem/state?productOrderItem.id=1` → concrete pointers.

    The query's attribute paths are absolute from the document root; each array met on the way is
    narrowed to the elements whose attributes match every condition that lies below it.
    """
    pointer, _, raw_query = path.partition("?")
    conditions = [(k.split("."), v) for k, v in parse_qsl(raw_query, keep_blank_values=True)]
    tokens = _tokens(pointer, where)
    results: list[list[str]] = []

    def matches(element: Any, rest: list[str], value: str) -> bool:
        current = element
        for name in rest:
            if isinstance(current, dict) and name in current:
                current = current[name]
            else:
                return False
        return str(current).lower() == value.lower() if isinstance(current, bool) else str(current) == value

    def walk(node: Any, depth: int, concrete: list[str], logical: list[str]) -> None:
        if isinstance(node, list):
            relevant = [(c[len(logical) :], v) for c, v in conditions if c[: len(logical)] == logical]
            if depth < len(tokens) and tokens[depth].isdigit():
                index = int(tokens[depth])
                if index < len(node):
                    walk(node[index], depth + 1, [*concrete, tokens[depth]], logical)
                return
            for index, element in enumerate(node):
                if all(matches(element, rest, value) for rest, value in relevant):
                    walk(element, depth, [*concrete, str(index)], logical)
            return
        if depth == len(tokens):
            results.append(concrete)
            return
        name = tokens[depth]
        if isinstance(node, dict) and (name in node or depth == len(tokens) - 1):
            walk(node.get(name), depth + 1, [*concrete, name], [*logical, name])

    walk(doc, 0, [], [])
    return results


def json_patch_query(target: Any, ops: Any) -> Any:
    doc = copy_json(target)
    for number, op in enumerate(_check_ops(ops)):
        where = f"JSON Patch Query operation {number} ({op.get('op')} {op['path']})"
        if "?" not in op["path"]:
            doc = _apply_one(doc, op, _tokens(op["path"], where), where)
            continue
        targets = _expand_query_path(doc, op["path"], where)
        if not targets:
            raise bad_request(f"{where}: the query selects nothing")
        # Removing from an array shifts later indexes: apply from the last match backwards.
        for tokens in sorted(targets, key=lambda t: [int(x) if x.isdigit() else -1 for x in t], reverse=True):
            doc = _apply_one(doc, op, tokens, where)
    return doc


def top_level_names(media_type: str, patch: Any) -> set[str]:
    """The first-level attributes a patch touches, to check against server-owned ones."""
    if media_type in (MERGE_PATCH, JSON):
        return set(patch) if isinstance(patch, dict) else set()
    names: set[str] = set()
    for op in _check_ops(patch):
        for key in ("path", "from"):
            pointer = op.get(key)
            if isinstance(pointer, str) and pointer.startswith("/"):
                names.add(_unescape(pointer[1:].split("/", 1)[0].split("?", 1)[0]))
            elif pointer == "":
                names.add("")
    return names
