"""From a loaded OpenAPI document to the typed ``Spec``: operations, parameters, bodies,
responses and security. Schemas are checked once each here and inlined and compiled on first
use (``compiled.LazySchema``).

What is wrong inside an operation nothing binds is tolerated: a warning, and that part is
served unchecked. In a bound operation (or anywhere, with ``strict``) it refuses the spec.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable
from dataclasses import replace
from typing import Any

from emulator.errors import SpecError
from emulator.openapi.compiled import FixedSchema, HeaderSpec, LazySchema
from emulator.openapi.document import Documents, Located, SchemaInliner, join, schema_of
from emulator.openapi.flaws import Flaw, SchemaScan
from emulator.openapi.model import (
    MediaType,
    Operation,
    Parameter,
    ParameterLocation,
    RequestBody,
    ResponseSpec,
    SchemaSource,
    SecurityRequirement,
    Spec,
)
from emulator.openapi.path_template import requested_path
from emulator.openapi.security import requirements, security_schemes
from emulator.openapi.tolerance import tolerate, unchecked_operation, unservable
from emulator.openapi.webhook_bodies import declared_webhooks

__all__ = ["build_spec"]

_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
_PATH_ITEM_KEYS = frozenset({"$ref", "summary", "description", "servers", "parameters"})
_LOCATIONS: dict[object, ParameterLocation] = {
    "path": "path",
    "query": "query",
    "header": "header",
    "cookie": "cookie",
}
# OpenAPI: header parameters with these names SHALL be ignored (HTTP itself governs them).
_IGNORED_HEADERS = frozenset({"accept", "content-type", "authorization"})
_STATUS = re.compile(r"[1-5](?:[0-9]{2}|XX)|default")
_TEMPLATE_VARIABLE = re.compile(r"\{([^{}]+)\}")
_ANYTHING = FixedSchema({})


def build_spec(
    docs: Documents,
    root: Located,
    version: str,
    *,
    bound: Collection[str] | None = None,
    strict: bool = False,
) -> Spec:
    """The ``Spec`` of ``root`` (already checked to be OpenAPI 3.0/3.1). ``bound`` names the
    operations a profile binds (operationId or ``METHOD /path``; ``None``: all of them)."""
    scan = SchemaScan(docs)
    inliner = SchemaInliner(docs, scan.repaired)
    builder = _Builder(docs, inliner, root, scan)
    operations = builder.operations()  # before reading the registry: it grows as schemas load
    webhooks = declared_webhooks(docs, root, builder._content)
    warnings = tolerate(operations, bound, strict, builder.as_written(builder.unservable))
    info = root.node.get("info")
    title = info.get("title") if isinstance(info, dict) else None
    return Spec(
        path=root.file,
        openapi=version,
        title=title if isinstance(title, str) else "",
        operations=operations,
        security_schemes=builder.schemes,
        registry=inliner.registry,
        document=root.node,
        webhooks=webhooks,
        warnings=warnings,
        as_written=docs.original,
    )


class _Builder:
    def __init__(
        self, docs: Documents, inliner: SchemaInliner, root: Located, scan: SchemaScan
    ) -> None:
        self._docs = docs
        self._inliner = inliner
        self._root = root
        self.scan = scan
        self.unservable: list[Flaw] = []  # flaws outside any operation
        self._flaws: list[Flaw] = []  # of the operation being built, repaired or not
        self.schemes = security_schemes(docs, root.child("components").child("securitySchemes"))
        default = root.child("security")
        self._security: tuple[SecurityRequirement, ...] = ()
        if default.node is not None:
            self._security, repaired = requirements(default, self.schemes)
            self.unservable.extend(repaired)

    def operations(self) -> tuple[Operation, ...]:
        paths = self._root.child("paths")
        if paths.node is None:
            return ()
        if not isinstance(paths.node, dict):
            raise paths.error("`paths` must be a mapping of path templates to path items")
        operations: list[Operation] = []
        ids: set[str] = set()
        for template in paths.node:
            if template.startswith("x-"):
                continue
            if not template.startswith("/"):
                raise paths.error(f"path {template!r} must start with '/'", template)
            listed = paths.child(template)
            item = self._docs.follow(listed)
            if not isinstance(item.node, dict):
                raise listed.error("a path item must be a mapping")
            self.unservable += unservable(item, _METHODS, _PATH_ITEM_KEYS)
            self._flaws = []
            broken: SpecError | None = None
            try:
                common = self._parameters(item.child("parameters"))
            except SpecError as exc:  # the operations below are served unchecked, or refused
                common, broken = {}, exc
            common_flaws = list(self._flaws)
            for method in _METHODS:
                if method not in item.node:
                    continue
                pointer = join(listed.pointer, method)  # where it is listed in the root document
                self._flaws = list(common_flaws)
                at = item.child(method)
                try:
                    op = self._operation(template, self._followed(at), pointer, common, broken)
                except SpecError as exc:
                    (flaw,) = self.as_written([Flaw.of(exc, "broken")])
                    op = unchecked_operation(template, at, pointer, flaw)
                if op.operation_id is not None:
                    if op.operation_id in ids:
                        op = self._renamed(op, item.error("", method))
                    ids.add(op.operation_id or op.key)
                operations.append(op)
        return self._requested_without_fragments(operations)

    def _requested_without_fragments(self, operations: list[Operation]) -> tuple[Operation, ...]:
        """Operations whose path has a fragment (``/shared_items#folders``, how some vendors
        tell operations on one path apart) are requested without it: each is listed, as routed
        there where no other operation has that path and method, else as shadowed by the one
        that has (a request cannot say which of them it means)."""
        file = str(self._root.file)
        plain = [op for op in operations if requested_path(op.path) == op.path]
        taken = {(op.method, op.path): op for op in plain}
        out: list[Operation] = []
        for op in operations:
            path = requested_path(op.path)
            if path == op.path:
                out.append(op)
                continue
            rule = f"a path cannot carry a fragment: {op.method} {op.path} is requested as {path}"
            other = taken.setdefault((op.method, path), op)
            if other is op:
                repair = f"routed as {op.method} {path}"
                (found,) = self.as_written([Flaw(file, op.pointer, rule, repair, "path-fragment")])
                out.append(replace(op, repairs=(*op.repairs, found)))
            else:
                reason = f"{rule}, which {other.key} answers: no request can mean this one"
                (found,) = self.as_written(
                    [Flaw(file, op.pointer, reason, kind="shadowed-operation")]
                )
                out.append(replace(op, flaws=(*op.flaws, found)))
        return tuple(out)

    def _operation(
        self,
        template: str,
        at: Located,
        pointer: str,
        common: dict[Any, Parameter],
        broken: SpecError | None,
    ) -> Operation:
        if broken is not None:  # the path item's own parameters
            raise broken
        if not isinstance(at.node, dict):
            raise at.error("an operation must be a mapping")
        operation_id = at.node.get("operationId")
        if operation_id is not None and not isinstance(operation_id, str):
            raise at.error("operationId must be a string", "operationId")
        parameters = {**common, **self._parameters(at.child("parameters"))}
        declared = {name for name, location in parameters if location == "path"}
        for variable in _TEMPLATE_VARIABLE.findall(template):
            if variable not in declared:
                rule = f"path variable {{{variable}}} has no `in: path` parameter"
                repair = "read as a required path parameter that takes any string"
                self._flaws.append(_repaired(at, "", rule, repair, "missing-path-parameter"))
                parameters[(variable, "path")] = Parameter(variable, "path", True, _ANYTHING)
            declared.discard(variable)
        for name in sorted(declared):
            rule = f"path parameter {name!r} is not in {template!r}"
            repair = "the parameter is ignored: no request can carry it"
            self._flaws.append(_repaired(at, "/parameters", rule, repair, "stray-path-parameter"))
            del parameters[(name, "path")]
        own = at.child("security")  # present, even as [], it replaces the root's
        security = self._security
        if own.node is not None:
            security, repaired = requirements(own, self.schemes)
            self._flaws.extend(repaired)
        body = at.child("requestBody")
        return Operation(
            method=pointer.rsplit("/", 1)[1].upper(),
            path=template,
            operation_id=operation_id,
            parameters=tuple(parameters.values()),
            request_body=None if body.node is None else self._request_body(body),
            responses=self._responses(at.child("responses")),
            security=security,
            pointer=pointer,
            flaws=self.as_written(dict.fromkeys(f for f in self._flaws if not f.repaired)),
            repairs=self.as_written(dict.fromkeys(f for f in self._flaws if f.repaired)),
        )

    def _parameters(self, at: Located) -> dict[Any, Parameter]:
        if at.node is None:
            return {}
        if not isinstance(at.node, list):
            raise at.error("`parameters` must be a list")
        out: dict[Any, Parameter] = {}
        for index in range(len(at.node)):
            listed = _item(at, index)
            try:
                param = self._parameter(self._docs.follow(listed))
            except SpecError as exc:  # that parameter goes unchecked; the rest still count
                self._flaws.append(Flaw.of(exc, "bad-parameter"))
                continue
            if param is not None:
                out[(param.name, param.location)] = param
        return out

    def _parameter(self, at: Located) -> Parameter | None:
        node = at.node
        if not isinstance(node, dict):
            raise at.error("a parameter must be a mapping")
        name, location = node.get("name"), _LOCATIONS.get(node.get("in"))
        if not isinstance(name, str) or not name:
            raise at.error("a parameter needs a non-empty string `name`")
        if location is None:
            raise at.error(f"parameter {name!r}: `in` must be path, query, header or cookie")
        required = node.get("required", False)
        if location == "path" and required is not True:
            rule = f"path parameter {name!r} must be `required: true`"
            repair = "read as required: a path cannot leave it out"
            self._flaws.append(_repaired(at, "/required", rule, repair, "optional-path-parameter"))
            required = True
        if location == "header" and name.lower() in _IGNORED_HEADERS:
            return None
        source = self._schema(schema_of(at))
        style = node.get("style", "form" if location in ("query", "cookie") else "simple")
        explode = node.get("explode", style == "form")
        if not isinstance(style, str) or not isinstance(explode, bool):
            raise at.error(f"parameter {name!r}: bad `style`/`explode`")
        return Parameter(name, location, bool(required), source, style, explode)

    def _schema(self, at: Located | None) -> SchemaSource:
        """The schema at ``at`` (no schema: anything goes), inlined and compiled on first use;
        its flaws are found now and charged to the operation being built."""
        if at is None:
            return _ANYTHING
        flaws = self.scan.flaws_of(at.file, at.pointer, at.node)
        self._flaws.extend(flaws)
        return LazySchema(at, self._inliner, self.as_written(flaws))

    def _content(self, at: Located) -> dict[str, MediaType]:
        if at.node is None:
            return {}
        if not isinstance(at.node, dict):
            raise at.error("`content` must be a mapping of media types")
        out: dict[str, MediaType] = {}
        for media_type in at.node:
            media = at.child(media_type)
            if not isinstance(media.node, dict):
                raise media.error("a media type object must be a mapping")
            schema_at = media.child("schema")
            source = None if schema_at.node is None else self._schema(schema_at)
            out[media_type] = MediaType(media_type, source, self._examples(media))
        return out

    def _examples(self, media: Located) -> tuple[Any, ...]:
        found = [media.node["example"]] if "example" in media.node else []
        named = media.child("examples")
        if isinstance(named.node, dict):
            for name in named.node:
                example = self._docs.follow(named.child(name))
                if isinstance(example.node, dict) and "value" in example.node:
                    found.append(example.node["value"])
        # The spec's own objects: whoever serves one copies it first (``Synthesizer``).
        return tuple(found)

    def _request_body(self, listed: Located) -> RequestBody:
        at = self._docs.follow(listed)
        if not isinstance(at.node, dict):
            raise listed.error("a request body must be a mapping")
        return RequestBody(bool(at.node.get("required", False)), self._content(at.child("content")))

    def _responses(self, at: Located) -> dict[str, ResponseSpec]:
        if at.node is None:
            return {}
        if not isinstance(at.node, dict):
            raise at.error("`responses` must be a mapping of status codes")
        out: dict[str, ResponseSpec] = {}
        for status in at.node:
            if status.startswith("x-"):
                continue
            if not _STATUS.fullmatch(status):
                raise at.error("not a status code, a range like 4XX or default", status)
            listed = at.child(status)
            response = self._docs.follow(listed)
            if not isinstance(response.node, dict):
                raise listed.error("a response must be a mapping")
            description = response.node.get("description")
            out[status] = ResponseSpec(
                status=status,
                description=description if isinstance(description, str) else "",
                content=self._content(response.child("content")),
                headers=self._headers(response.child("headers")),
            )
        return out

    def _headers(self, at: Located) -> dict[str, HeaderSpec]:
        """Header objects as plain mappings: ``required``, ``description``, ``schema`` and its
        compiled ``validator``."""
        if at.node is None:
            return {}
        if not isinstance(at.node, dict):
            raise at.error("`headers` must be a mapping")
        out: dict[str, HeaderSpec] = {}
        for name in at.node:
            if name.lower() == "content-type":  # OpenAPI: ignored, `content` decides it
                continue
            header = self._docs.follow(at.child(name))
            if not isinstance(header.node, dict):
                raise at.error("a header must be a mapping", name)
            out[name] = HeaderSpec(
                header.node.get("required") is True,
                header.node.get("description", ""),
                self._schema(schema_of(header)),
            )
        return out

    def _followed(self, at: Located) -> Located:
        """The operation object at ``at``: a ``$ref`` there (which OpenAPI does not allow, but
        multi-file specs use) is followed."""
        if not isinstance(at.node, dict) or "$ref" not in at.node:
            return at
        target = self._docs.follow(at)
        rule = "an operation object cannot be a `$ref` in OpenAPI"
        repair = "the reference is followed, as its author meant"
        self._flaws.append(_repaired(at, "/$ref", rule, repair, "operation-ref"))
        return target

    def _renamed(self, op: Operation, at: SpecError) -> Operation:
        rule = f"duplicate operationId {op.operation_id!r}: an operationId names one operation"
        repair = f"this one is known by its route, {op.method} {op.path}"
        (flaw,) = self.as_written(
            [Flaw(at.file, at.pointer, rule, repair, "duplicate-operation-id")]
        )
        return replace(op, operation_id=None, repairs=(*op.repairs, flaw))

    def as_written(self, flaws: Iterable[Flaw]) -> tuple[Flaw, ...]:
        """``flaws`` named where their author wrote them: in a Swagger 2.0 file, its own
        pointers, not those of the 3.0 document it was read as. Each flaw passes here once."""
        if not self._docs.converted:
            return tuple(flaws)
        return tuple(replace(f, pointer=self._docs.original(f.file, f.pointer)) for f in flaws)


def _repaired(at: Located, where: str, rule: str, repair: str, kind: str) -> Flaw:
    return Flaw(str(at.file), at.pointer + where, rule, repair, kind)


def _item(at: Located, index: int) -> Located:
    return Located(at.file, join(at.pointer, str(index)), at.node[index])
