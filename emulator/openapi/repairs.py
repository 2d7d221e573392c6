"""The named repairs of schema flaws that published specs carry, one schema node at a time.

A vendor's schema that breaks a rule of JSON Schema usually still says what its author meant:
``required: [id, id]`` means ``required: [id]``. Each ``Repair`` here finds one such flaw class
in a node and (given ``apply``) rewrites that node, which is always the emulator's own copy, so
the rest of the schema keeps validating and shaping answers. ``flaws.SchemaScan`` runs them over
every schema location of a spec at load; the ``allOf`` union needs the inlined members and is
applied by ``document.SchemaInliner`` through ``union_of_closed_members``.

The classes were found by loading published specs (see tests/data/wild), not guessed.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from emulator.openapi.overlap import branches_overlap
from emulator.yamlread import escape

__all__ = [
    "RECURSIVE_ANCHOR",
    "REPAIRS",
    "TRIGGERS",
    "Finding",
    "Repair",
    "closed_members_conflict",
    "union_of_closed_members",
]

# What a 2019-09 `$recursiveAnchor: true` is renamed to in the emulator's copy: the inliner
# reads it to resolve `$recursiveRef`, and the `x-` prefix makes the dialect drop it after.
RECURSIVE_ANCHOR = "x-emulator-recursive-anchor"

# A member schema (``allOf`` entry, with its ``$ref`` followed) or None when it cannot be read.
Resolve = Callable[[Any], Mapping[str, Any] | None]


@dataclass(frozen=True, slots=True)
class Finding:
    """One flaw found in a node: ``where`` is relative to that node (``""`` for itself)."""

    kind: str
    where: str
    rule: str
    repair: str


@dataclass(frozen=True, slots=True)
class Repair:
    """A flaw class: ``find(node, legacy, resolve, apply)`` reports what is wrong with
    ``node`` (a schema mapping) and, with ``apply``, repairs it in place. ``legacy``: the node
    is in an OpenAPI 3.1 document, where 3.0 keywords are flaws."""

    kind: str
    find: Callable[[dict[str, Any], bool, Resolve, bool], list[Finding]]
    keys: frozenset[str]  # the keywords it looks at: a node with none of them is not visited


def _duplicate_required(
    node: dict[str, Any], legacy: bool, resolve: Resolve, apply: bool
) -> list[Finding]:
    names = node.get("required")
    if not isinstance(names, list) or len(names) == len(_unique(names)):
        return []
    if apply:
        node["required"] = _unique(names)
    rule = "`required` must list each name once"
    return [Finding("duplicate-required", "/required", rule, "the repeated names are dropped")]


def _duplicate_enum(
    node: dict[str, Any], legacy: bool, resolve: Resolve, apply: bool
) -> list[Finding]:
    values = node.get("enum")
    if not isinstance(values, list) or len(values) == len(_unique(values)):
        return []
    if apply:
        node["enum"] = _unique(values)
    rule = "`enum` should list each value once"
    return [Finding("duplicate-enum", "/enum", rule, "the repeated values are dropped")]


def _boolean_required(
    node: dict[str, Any], legacy: bool, resolve: Resolve, apply: bool
) -> list[Finding]:
    props = node.get("properties")
    if not isinstance(props, dict):
        return []
    found: list[Finding] = []
    for name, sub in props.items():
        if isinstance(sub, dict) and isinstance(sub.get("required"), bool):
            flag = sub["required"]
            where = f"/properties/{escape(name)}/required"
            rule = "`required` is a list of property names, not a boolean on a property"
            what = "the property is added to the parent's `required` list" if flag else "dropped"
            found.append(Finding("boolean-required", where, rule, what))
            if apply:
                del sub["required"]
                if flag:
                    listed = node.get("required")
                    listed = listed if isinstance(listed, list) else []
                    node["required"] = _unique([*listed, name])
    return found


def _file_type(node: dict[str, Any], legacy: bool, resolve: Resolve, apply: bool) -> list[Finding]:
    declared = node.get("type")
    if declared != "file" and not (isinstance(declared, list) and "file" in declared):
        return []
    if apply:
        if isinstance(declared, list):
            node["type"] = _unique(["string" if t == "file" else t for t in declared])
        else:
            node["type"] = "string"
        node.setdefault("format", "binary")
    rule = "`type: file` is Swagger 2.0, not a JSON Schema type"
    return [Finding("file-type", "/type", rule, "read as `type: string, format: binary`")]


def _recursive_keywords(
    node: dict[str, Any], legacy: bool, resolve: Resolve, apply: bool
) -> list[Finding]:
    found: list[Finding] = []
    if "$recursiveAnchor" in node:
        rule = "`$recursiveAnchor` is JSON Schema 2019-09, not 2020-12"
        repair = "read with its 2019-09 meaning: `$recursiveRef` inside refers to this schema"
        found.append(Finding("2019-09-recursion", "/$recursiveAnchor", rule, repair))
        if apply:
            node[RECURSIVE_ANCHOR] = node.pop("$recursiveAnchor") is True
    if "$recursiveRef" in node:
        rule = "`$recursiveRef` is JSON Schema 2019-09, not 2020-12"
        repair = "read as a `$ref` to the nearest enclosing `$recursiveAnchor` schema"
        found.append(Finding("2019-09-recursion", "/$recursiveRef", rule, repair))
    return found


def _legacy_nullable(
    node: dict[str, Any], legacy: bool, resolve: Resolve, apply: bool
) -> list[Finding]:
    if not legacy or "nullable" not in node:
        return []
    rule = "`nullable` is an OpenAPI 3.0 keyword; 3.1 writes `type: [..., 'null']`"
    return [Finding("nullable-in-3.1", "/nullable", rule, "read as 3.0 meant: null is accepted")]


def _legacy_exclusive_bound(
    node: dict[str, Any], legacy: bool, resolve: Resolve, apply: bool
) -> list[Finding]:
    if not legacy:
        return []
    rule = "a boolean `{}` is OpenAPI 3.0; 3.1 writes the bound itself"
    repair = "read as 3.0 meant: a modifier of minimum/maximum"
    return [
        Finding("boolean-exclusive-bound", f"/{key}", rule.format(key), repair)
        for key in ("exclusiveMinimum", "exclusiveMaximum")
        if isinstance(node.get(key), bool)
    ]


def _closed_members(
    node: dict[str, Any], legacy: bool, resolve: Resolve, apply: bool
) -> list[Finding]:
    members = node.get("allOf")
    if not isinstance(members, list):
        return []
    resolved = [resolve(member) for member in members]
    if not closed_members_conflict(node, resolved):
        return []
    rule = (
        "`additionalProperties: false` beside or inside `allOf` forbids the properties the "
        "other members declare, so no object passes"
    )
    repair = (
        "validated as the union of the members: the closed members are opened and the "
        "`allOf` gets `unevaluatedProperties: false`"
    )
    return [Finding("closed-allof-members", "/allOf", rule, repair)]


def _referenced_properties(
    node: dict[str, Any], legacy: bool, resolve: Resolve, apply: bool
) -> list[Finding]:
    props = node.get("properties")
    if not isinstance(props, dict) or set(props) != {"$ref"} or not isinstance(props["$ref"], str):
        return []
    ref = props["$ref"]
    target = resolve(props)
    if target is None:
        return []  # a reference to nothing: the meta-schema check reports it unrepaired
    if apply:
        location, _, fragment = ref.partition("#")
        node["properties"] = {
            name: {"$ref": f"{location}#{fragment}/{escape(name)}"} for name in target
        }
    rule = "`properties` is a `$ref` to a map of properties; a `$ref` must name a schema"
    repair = "read as the referenced map: each property refers to its schema there"
    return [Finding("ref-as-properties", "/properties/$ref", rule, repair)]


def _overlapping_one_of(
    node: dict[str, Any], legacy: bool, resolve: Resolve, apply: bool
) -> list[Finding]:
    branches = node.get("oneOf")
    if not isinstance(branches, list) or len(branches) < 2:
        return []
    if not branches_overlap([resolve(branch) for branch in branches]):
        return []
    if apply:
        either = node.pop("oneOf")
        if "anyOf" in node:  # both: keep the author's anyOf beside this one
            node["allOf"] = [*node.get("allOf", []), {"anyOf": either}]
        else:
            node["anyOf"] = either
    rule = (
        "`oneOf` branches that overlap (a value one of them describes also satisfies "
        "another), so the values in the overlap match more than one and fail `oneOf`"
    )
    repair = "read as `anyOf`: a value is valid when it is one of the shapes listed"
    return [Finding("overlapping-oneof", "/oneOf", rule, repair)]


def _type_beside_branches(
    node: dict[str, Any], legacy: bool, resolve: Resolve, apply: bool
) -> list[Finding]:
    declared = node.get("type")
    if not isinstance(declared, str):
        return []
    for keyword in ("oneOf", "anyOf"):
        branches = node.get(keyword)
        if not isinstance(branches, list):
            continue
        kinds = [b.get("type") if isinstance(b, dict) else None for b in branches]
        if all(isinstance(k, str) for k in kinds) and any(
            k != declared and not (k == "integer" and declared == "number") for k in kinds
        ):
            if apply:
                del node["type"]
            rule = f"`type: {declared}` beside a `{keyword}` whose branches name other types"
            repair = f"the branches' types are read: the `type` beside the `{keyword}` is dropped"
            return [Finding("type-beside-branches", "/type", rule, repair)]
    return []


def _unmapped_discriminator(
    node: dict[str, Any], legacy: bool, resolve: Resolve, apply: bool
) -> list[Finding]:
    """A ``discriminator`` without ``mapping`` picks a branch by its schema's name, so when
    the named property never takes those names (``type: {enum: [b64_json]}`` in a schema
    named ``ImageResponseDataB64``) no value satisfies it. The property's own values are
    what tell the branches apart: they become the mapping."""
    told = node.get("discriminator")
    if not isinstance(told, dict) or "mapping" in told:
        return []
    name = told.get("propertyName")
    branches = node.get("oneOf", node.get("anyOf"))
    if not isinstance(name, str) or not isinstance(branches, list):
        return []
    mapping: dict[str, str] = {}
    for branch in branches:
        ref = branch.get("$ref") if isinstance(branch, dict) else None
        values = _values_of(resolve(branch), name)
        if not isinstance(ref, str) or values is None:
            return []  # a branch told apart otherwise: the author's discriminator stands
        implicit = ref.rsplit("/", 1)[-1]
        if implicit in values:
            return []
        mapping.update((str(value), ref) for value in values)
    if apply:
        node["discriminator"] = {**told, "mapping": mapping}
    names = ", ".join(sorted({ref.rsplit("/", 1)[-1] for ref in mapping.values()}))
    rule = (
        f"`discriminator` on {name!r} without a `mapping` picks a branch by its schema's name "
        f"({names}), which {name!r} never takes ({', '.join(mapping)}): no value satisfies it"
    )
    repair = f"the mapping is read from the values {name!r} takes in each branch"
    return [Finding("unmapped-discriminator", "/discriminator", rule, repair)]


def _values_of(schema: Mapping[str, Any] | None, name: str) -> list[Any] | None:
    """The values the property ``name`` of ``schema`` is limited to (``const``/``enum``)."""
    props = schema.get("properties") if schema is not None else None
    prop = props.get(name) if isinstance(props, Mapping) else None
    if not isinstance(prop, Mapping):
        return None
    if "const" in prop:
        return [prop["const"]]
    values = prop.get("enum")
    return list(values) if isinstance(values, list) and values else None


def _unreadable_pattern(
    node: dict[str, Any], legacy: bool, resolve: Resolve, apply: bool
) -> list[Finding]:
    pattern = node.get("pattern")
    if not isinstance(pattern, str) or _readable(pattern):
        return []
    if apply:
        del node["pattern"]
    rule = f"`pattern` {pattern!r} is not a regular expression Python's `re` can read"
    repair = "the pattern is not checked (the rest of the schema is)"
    return [Finding("unreadable-pattern", "/pattern", rule, repair)]


@functools.lru_cache(maxsize=4096)
def _readable(pattern: str) -> bool:
    try:
        re.compile(pattern)
    except (re.error, OverflowError, RecursionError):
        return False
    return True


REPAIRS = (
    Repair("duplicate-required", _duplicate_required, frozenset({"required"})),
    Repair("duplicate-enum", _duplicate_enum, frozenset({"enum"})),
    Repair("boolean-required", _boolean_required, frozenset({"properties"})),
    Repair("file-type", _file_type, frozenset({"type"})),
    Repair(
        "2019-09-recursion", _recursive_keywords, frozenset({"$recursiveAnchor", "$recursiveRef"})
    ),
    Repair("nullable-in-3.1", _legacy_nullable, frozenset({"nullable"})),
    Repair(
        "boolean-exclusive-bound",
        _legacy_exclusive_bound,
        frozenset({"exclusiveMinimum", "exclusiveMaximum"}),
    ),
    Repair("closed-allof-members", _closed_members, frozenset({"allOf"})),
    Repair("unreadable-pattern", _unreadable_pattern, frozenset({"pattern"})),
    Repair("ref-as-properties", _referenced_properties, frozenset({"properties"})),
    Repair("type-beside-branches", _type_beside_branches, frozenset({"oneOf", "anyOf"})),
    Repair("overlapping-oneof", _overlapping_one_of, frozenset({"oneOf"})),
    Repair("unmapped-discriminator", _unmapped_discriminator, frozenset({"discriminator"})),
)
# Every keyword some repair looks at: most schema nodes have none and cost one set test.
TRIGGERS = frozenset().union(*(repair.keys for repair in REPAIRS))


def _declared(schema: Mapping[str, Any] | None) -> set[str]:
    if schema is None:
        return set()
    props = schema.get("properties")
    return set(props) if isinstance(props, Mapping) else set()


def _closed(schema: Mapping[str, Any] | None) -> bool:
    return schema is not None and schema.get("additionalProperties") is False


def closed_members_conflict(
    parent: Mapping[str, Any], members: list[Mapping[str, Any] | None]
) -> bool:
    """Whether ``parent``'s ``allOf`` (``members``, ``$ref``s followed) has a closed schema
    (``additionalProperties: false``, the parent's or a member's) that forbids a property
    another one declares: then no object satisfies them all, which no author means."""
    if len(members) < 2 and not _closed(parent):
        return False
    every = [parent, *members]
    declared = set().union(*(_declared(s) for s in every))
    return any(
        _closed(schema) and "patternProperties" not in schema and declared - _declared(schema)
        for schema in every
        if schema is not None
    )


def union_of_closed_members(node: Mapping[str, Any]) -> dict[str, Any] | None:
    """``node`` (inlined: its ``allOf`` members are schemas, not ``$ref``s) with its closed
    members opened and ``unevaluatedProperties: false`` over the whole, when they conflict;
    None when they do not. Members are copied, never changed: they may be shared."""
    members = node.get("allOf")
    if not isinstance(members, list):
        return None
    readable = [m if isinstance(m, Mapping) else None for m in members]
    if not closed_members_conflict(node, readable):
        return None
    opened = [
        {k: v for k, v in m.items() if k != "additionalProperties"} if _closed(m) else m
        for m in members
        if m is not None
    ]
    out = {k: v for k, v in node.items() if k != "additionalProperties"}
    out["allOf"] = opened
    out["unevaluatedProperties"] = False
    return out


def _unique(values: list[Any]) -> list[Any]:
    """``values`` without repeats (``1`` and ``True`` are different values here, as in JSON);
    the list itself when it has none."""
    try:
        if len({(type(v), v) for v in values}) == len(values):
            return values
    except TypeError:  # an object or array among them: compare the slow way
        pass
    out: list[Any] = []
    for value in values:
        if not any(value == kept and type(value) is type(kept) for kept in out):
            out.append(value)
    return out
