"""One API version's mapping assembled from its per-resource files (mappings/<API>/<resource>.yaml).

Each file holds its resource's mapping in one generation's form; `versions: {v5: …}` is the other
generation's difference, applied as a JSON Merge Patch (RFC 7386). Nodes may start from the shared
templates of mappings/common/nodes.yaml (`like: RelatedParty`). tmf_api.registry finds the files;
tmf_api.engine.mapping checks the result.
"""

from __future__ import annotations

from typing import Any

from tmf_api.engine.patch import merge_patch


def _for_version(spec: dict[str, Any], version: str) -> dict[str, Any]:
    """A mapping part with its overlay for `version` applied, and the overlays dropped."""
    base = {k: v for k, v in spec.items() if k != "versions"}
    overlay = (spec.get("versions") or {}).get(version)
    merged: dict[str, Any] = merge_patch(base, overlay) if overlay else base
    return merged


def _node_for_version(
    name: str,
    spec: dict[str, Any],
    overlay: dict[str, Any] | None,
    version: str,
    templates: dict[str, Any],
    where: str,
) -> dict[str, Any]:
    """A node for `version`: its template (if `like`), then the node itself, then its overlay."""
    node = dict(spec)
    template_name = node.pop("like", None)
    if template_name is not None:
        if template_name not in templates:
            raise ValueError(f"{where}: node {name} is like unknown template {template_name!r}")
        node = merge_patch(_for_version(templates[template_name], version), node)
    if overlay:
        node = merge_patch(node, overlay)
    if "entity" not in node or "attributes" not in node:
        raise ValueError(f"{where}: node {name} needs an entity and attributes")
    return node


def assemble(
    api: str,
    version: str,
    name: str,
    resource_files: dict[str, dict[str, Any]],
    templates: dict[str, Any],
    hub: dict[str, Any],
) -> dict[str, Any]:
    """One API version's mapping from its per-resource files, overlays applied, hub added.

    `resource_files` maps a collection path to its file's content; a file with `only: [v5]`
    belongs to those versions alone. Two files may name the same node only if they define it alike.
    """
    resources: dict[str, Any] = {}
    nodes: dict[str, Any] = {}
    for path, raw in resource_files.items():
        where = f"{api} {path}"
        unknown = set(raw) - {"only", "resource", "nodes", "versions"}
        if unknown:
            raise ValueError(f"{where}: unknown keys {sorted(unknown)}")
        if version not in raw.get("only", [version]):
            continue
        overlay = (raw.get("versions") or {}).get(version) or {}
        resources[path] = merge_patch(raw["resource"], overlay.get("resource") or {})
        for node_name, spec in raw.get("nodes", {}).items():
            node_overlay = (overlay.get("nodes") or {}).get(node_name)
            node = _node_for_version(node_name, spec, node_overlay, version, templates, where)
            if node_name in nodes and nodes[node_name] != node:
                raise ValueError(f"{where}: node {node_name} is defined differently by another resource")
            nodes[node_name] = node
        for node_name in overlay.get("nodes") or {}:
            if node_name not in raw.get("nodes", {}):
                raise ValueError(f"{where}: the {version} overlay changes unknown node {node_name!r}")
    # The generic TMF630 part 2 hub (mappings/common/hub.yaml), in every API version.
    nodes["EventSubscription"] = hub["node"]
    resources["hub"] = {
        "node": "EventSubscription",
        **hub["schemas"]["v4" if version == "v4" else "v5"],
        "server_owned": hub["server_owned"],
        "on_create": hub["on_create"],
        "scope": {"api": api, "version": version},
    }
    return {"api": api, "version": version, "name": name, "resources": resources, "nodes": nodes}
