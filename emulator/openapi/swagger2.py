"""Swagger 2.0 documents read as OpenAPI 3.0, at load, so the rest of the emulator serves them
like any 3.0 spec and profiles bind their operations unchanged.

No converter on PyPI is well kept (the maintained one, swagger2openapi, is a Node program), so
this converts the 2.0 constructs that shape requests and answers: ``definitions`` (kept where
they are too, so every ``#/definitions/...`` reference still resolves, in this file or from
another), ``parameters`` (``body`` and ``formData`` become the request body; the others get a
``schema`` and a style from ``collectionFormat``), ``responses`` (``schema`` and ``examples``
per ``produces`` media type, ``headers``), ``consumes``/``produces``, ``securityDefinitions``
and ``host`` + ``basePath`` + ``schemes``. Parameter and response ``$ref``s are inlined as they
are converted (``resolve`` reads them, across files too). Schemas keep their 2.0 form, which
the 3.0 dialect reads (``x-nullable`` as ``nullable``, ``type: file`` by ``repairs``).

What is wrong in a 2.0 file must be named where its author wrote it, not where the conversion
put it: ``Origins`` maps each converted position back (a response schema's
``/responses/200/content/application~1json/schema`` is the 2.0 file's ``/responses/200/schema``,
a query parameter's ``schema`` is the parameter itself, a ``$ref``'d parameter is where it is
defined).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import unquote

from emulator.yamlread import escape

__all__ = ["Origins", "convert", "is_swagger2"]

# A 2.0 `$ref` (a local or cross-file JSON reference) -> the node it names.
Resolve = Callable[[str], Any]

_METHODS = ("get", "put", "post", "delete", "options", "head", "patch")
_SCHEMA_KEYS = (
    "type",
    "format",
    "items",
    "enum",
    "default",
    "maximum",
    "exclusiveMaximum",
    "minimum",
    "exclusiveMinimum",
    "maxLength",
    "minLength",
    "pattern",
    "maxItems",
    "minItems",
    "uniqueItems",
    "multipleOf",
    "x-nullable",
)
# collectionFormat -> (style, explode) for query parameters; path and header ones are `simple`.
_QUERY_STYLES = {
    "csv": ("form", False),
    "multi": ("form", True),
    "ssv": ("spaceDelimited", False),
    "pipes": ("pipeDelimited", False),
    "tsv": ("form", False),  # 3.0 has no tab style; read as comma-separated, the closest
}
_JSON = "application/json"
_FORM = "application/x-www-form-urlencoded"
_MULTIPART = "multipart/form-data"


def is_swagger2(document: Any) -> bool:
    return isinstance(document, dict) and str(document.get("swagger", "")).startswith("2.")


class Origins:
    """Where the parts of a converted document were written in the 2.0 file: each noted
    position of the converted document, and everything under it, maps to its original."""

    def __init__(self) -> None:
        self._at: dict[str, str] = {}

    def note(self, converted: str, original: str) -> None:
        if converted != original:
            self._at[converted] = original

    def original(self, pointer: str) -> str:
        """``pointer`` (into the converted document) as a pointer into the 2.0 file: the
        nearest noted position at or above it, mapped, with the rest of the way unchanged."""
        head, rest = pointer, ""
        while True:
            found = self._at.get(head)
            if found is not None:
                return found + rest
            if not head:
                return pointer
            head, _, last = head.rpartition("/")
            rest = f"/{last}{rest}"


def convert(document: Mapping[str, Any], resolve: Resolve) -> tuple[dict[str, Any], Origins]:
    """The OpenAPI 3.0.3 reading of the Swagger 2.0 ``document``, and where each converted
    part came from in it."""
    converter = _Converter(document, resolve)
    return converter.document(), converter.origins


def _at(pointer: str, *tokens: str) -> str:
    return pointer + "".join(f"/{escape(token)}" for token in tokens)


# A node of the 2.0 document and where it is written there.
_Placed = tuple[str, Any]


class _Converter:
    def __init__(self, doc: Mapping[str, Any], resolve: Resolve) -> None:
        self.doc = doc
        self.resolve = resolve
        self.consumes = _media_list(doc.get("consumes"))
        self.produces = _media_list(doc.get("produces"))
        self.origins = Origins()

    def document(self) -> dict[str, Any]:
        doc = self.doc
        out: dict[str, Any] = {
            k: v for k, v in doc.items() if k.startswith("x-") or k in ("tags", "externalDocs")
        }
        out["openapi"] = "3.0.3"
        out["info"] = doc.get("info", {"title": "", "version": ""})
        servers = self.servers()
        if servers:
            out["servers"] = servers
        for key in ("security", "parameters", "responses"):
            if key in doc:  # parameters and responses stay for references from other files
                out[key] = doc[key]
        out["paths"] = self.paths()
        components: dict[str, Any] = {}
        definitions = doc.get("definitions")
        if isinstance(definitions, dict):
            components["schemas"] = definitions
            self.origins.note("/components/schemas", "/definitions")
            out["definitions"] = definitions  # where `#/definitions/...` references still point
        schemes = doc.get("securityDefinitions")
        if isinstance(schemes, dict):
            components["securitySchemes"] = {
                name: _security_scheme(s) for name, s in schemes.items() if isinstance(s, dict)
            }
            self.origins.note("/components/securitySchemes", "/securityDefinitions")
        if components:
            out["components"] = components
        return out

    def servers(self) -> list[dict[str, Any]]:
        host, base = self.doc.get("host"), self.doc.get("basePath", "")
        base = base if isinstance(base, str) else ""
        templated = self.parameterized_host(base)
        if templated:
            return [templated]
        if not isinstance(host, str) or not host:
            return [{"url": base}] if base else []
        schemes = self.doc.get("schemes")
        schemes = [s for s in schemes if isinstance(s, str)] if isinstance(schemes, list) else []
        scheme = "https" if "https" in schemes or not schemes else schemes[0]
        return [{"url": f"{scheme}://{host}{base}"}]

    def parameterized_host(self, base: str) -> dict[str, Any] | None:
        """The server of Azure's ``x-ms-parameterized-host`` (``{endpoint}/translator/v1.0``),
        its parameters as variables: the part after the host is where the paths live."""
        extension = self.doc.get("x-ms-parameterized-host")
        if not isinstance(extension, dict):
            return None
        template = extension.get("hostTemplate")
        if not isinstance(template, str) or not template:
            return None
        variables: dict[str, Any] = {}
        for param in extension.get("parameters") or []:
            if isinstance(param, dict) and "$ref" in param:
                param = self.resolve(param["$ref"])
            if isinstance(param, dict) and isinstance(param.get("name"), str):
                # A host parameter has no default to speak of: the client always gives it.
                default = param.get("default", "https://localhost")
                variables[param["name"]] = {"default": str(default)}
        prefix = "" if extension.get("useSchemePrefix") is False else "https://"
        server: dict[str, Any] = {"url": f"{prefix}{template}{base}"}
        if variables:
            server["variables"] = variables
        return server

    def paths(self) -> dict[str, Any]:
        paths = self.doc.get("paths")
        if not isinstance(paths, dict):
            return {}
        out: dict[str, Any] = {}
        for template, listed in paths.items():
            here = _at("/paths", template)
            origin, item = self.followed((here, listed))
            self.origins.note(here, origin)
            if not isinstance(item, dict):
                out[template] = item  # the loader names what is wrong with it
                continue
            common = self.parameters(_at(origin, "parameters"), item.get("parameters"))
            converted: dict[str, Any] = {k: v for k, v in item.items() if k.startswith("x-")}
            for key in ("summary", "description"):
                if key in item:
                    converted[key] = item[key]
            for method in _METHODS:
                if method in item:
                    placed = (_at(origin, method), item[method])
                    converted[method] = self.operation(_at(here, method), placed, common)
            out[template] = converted
        return out

    def parameters(self, pointer: str, listed: Any) -> list[_Placed]:
        if not isinstance(listed, list):
            return []
        return [self.followed((f"{pointer}/{i}", p)) for i, p in enumerate(listed)]

    def followed(self, placed: _Placed) -> _Placed:
        """The node a chain of ``$ref``s ends at, and where: a reference within the file is
        read where it points; one into another file stays where it is written here."""
        pointer, node = placed
        seen = 0
        while isinstance(node, dict) and "$ref" in node and seen < 32:
            ref = node["$ref"]
            if isinstance(ref, str) and ref.startswith("#"):
                pointer = unquote(ref[1:])
            node, seen = self.resolve(ref), seen + 1
        return pointer, node

    def operation(self, here: str, placed: _Placed, common: list[_Placed]) -> Any:
        origin, op = placed
        self.origins.note(here, origin)
        if not isinstance(op, dict):
            return op
        out = {
            k: v
            for k, v in op.items()
            if k not in ("parameters", "responses", "consumes", "produces", "schemes")
        }
        consumes = _media_list(op.get("consumes")) or self.consumes or [_JSON]
        produces = _media_list(op.get("produces")) or self.produces or [_JSON]
        params: dict[tuple[Any, ...], _Placed] = {}
        own = self.parameters(_at(origin, "parameters"), op.get("parameters"))
        for where, param in [*common, *own]:
            key = (param.get("name"), param.get("in")) if isinstance(param, dict) else (id(param),)
            params[key] = (where, param)  # an operation's own parameter replaces the path item's
        body = [(w, p) for w, p in params.values() if _located(p) == "body"]
        form = [(w, p) for w, p in params.values() if _located(p) == "formData"]
        others = [(w, p) for w, p in params.values() if _located(p) not in ("body", "formData")]
        if others:
            out["parameters"] = [_parameter(p) for _, p in others]
            for i, (where, _) in enumerate(others):
                self.origins.note(_at(here, "parameters", str(i)), where)
                # its schema is made of the parameter's own type keywords
                self.origins.note(_at(here, "parameters", str(i), "schema"), where)
        if body:
            where, param = body[0]
            out["requestBody"] = _body(param, consumes)
            self.origins.note(_at(here, "requestBody"), where)
            for media in out["requestBody"]["content"]:
                self.origins.note(_at(here, "requestBody", "content", media), where)
        elif form:
            out["requestBody"] = _form([p for _, p in form], consumes)
            self.origins.note(_at(here, "requestBody"), _at(origin, "parameters"))
            for media in out["requestBody"]["content"]:
                schema = _at(here, "requestBody", "content", media, "schema")
                self.origins.note(schema, _at(origin, "parameters"))
                properties = _at(schema, "properties")
                for where, param in form:
                    self.origins.note(_at(properties, str(param.get("name"))), where)
        responses = op.get("responses")
        if isinstance(responses, dict):
            out["responses"] = {
                status: self.response(
                    _at(here, "responses", status),
                    (_at(origin, "responses", status), response),
                    produces,
                )
                for status, response in responses.items()
            }
        return out

    def response(self, here: str, placed: _Placed, produces: list[str]) -> Any:
        origin, response = self.followed(placed)
        self.origins.note(here, origin)
        if not isinstance(response, dict):
            return response
        out = {k: v for k, v in response.items() if k not in ("schema", "examples", "headers")}
        out.setdefault("description", "")
        examples = response.get("examples")
        examples = examples if isinstance(examples, dict) else {}
        if "schema" in response:
            out["content"] = {}
            for media in dict.fromkeys([*produces, *examples]):
                content = out["content"][media] = {"schema": response["schema"]}
                self.origins.note(_at(here, "content", media), origin)
                if media in examples:
                    content["example"] = examples[media]
                    self.origins.note(
                        _at(here, "content", media, "example"), _at(origin, "examples", media)
                    )
        headers = response.get("headers")
        if isinstance(headers, dict):
            out["headers"] = {}
            for name, listed in headers.items():
                where, header = self.followed((_at(origin, "headers", name), listed))
                out["headers"][name] = _header(header)
                self.origins.note(_at(here, "headers", name), where)
                self.origins.note(_at(here, "headers", name, "schema"), where)
        return out


def _located(param: Any) -> Any:
    return param.get("in") if isinstance(param, dict) else None


def _media_list(value: Any) -> list[str]:
    return [m for m in value if isinstance(m, str)] if isinstance(value, list) else []


def _schema_of(node: Mapping[str, Any]) -> dict[str, Any]:
    """A 2.0 parameter's, header's or ``items``' own type keywords as a schema."""
    schema = {k: node[k] for k in _SCHEMA_KEYS if k in node}
    if isinstance(schema.get("items"), dict):
        schema["items"] = _schema_of(schema["items"])
    if schema.get("type") == "file":
        schema["type"], schema["format"] = "string", "binary"
    return schema


def _parameter(param: Any) -> Any:
    if not isinstance(param, dict) or "$ref" in param:
        return param  # a reference to nothing: the loader names it
    out = {k: v for k, v in param.items() if k not in (*_SCHEMA_KEYS, "collectionFormat")}
    out.pop("allowEmptyValue", None)
    out["schema"] = _schema_of(param)
    if param.get("type") == "array":
        style, explode = _QUERY_STYLES.get(param.get("collectionFormat", "csv"), ("form", False))
        if param.get("in") in ("query", "cookie"):
            out["style"], out["explode"] = style, explode
        else:
            out["style"], out["explode"] = "simple", False
    return out


def _body(param: Mapping[str, Any], consumes: list[str]) -> dict[str, Any]:
    schema = param.get("schema", {})
    out: dict[str, Any] = {"content": {m: {"schema": schema} for m in consumes}}
    if "description" in param:
        out["description"] = param["description"]
    if param.get("required") is True:
        out["required"] = True
    return out


def _form(params: list[dict[str, Any]], consumes: list[str]) -> dict[str, Any]:
    properties = {p["name"]: _schema_of(p) for p in params if isinstance(p.get("name"), str)}
    for param in params:
        if isinstance(param.get("name"), str) and "description" in param:
            properties[param["name"]]["description"] = param["description"]
    required = [p["name"] for p in params if p.get("required") is True and "name" in p]
    schema: dict[str, Any] = {"type": "object", "properties": properties}
    if required:
        schema["required"] = required
    has_file = any(p.get("type") == "file" for p in params)
    media = [m for m in consumes if m in (_FORM, _MULTIPART)]
    if not media:
        media = [_MULTIPART if has_file else _FORM]
    return {"content": {m: {"schema": schema} for m in media}, "required": bool(required)}


def _header(header: Any) -> Any:
    if not isinstance(header, dict):
        return header  # the loader names what is wrong with it
    out: dict[str, Any] = {"schema": _schema_of(header)}
    if "description" in header:
        out["description"] = header["description"]
    return out


def _security_scheme(scheme: Mapping[str, Any]) -> dict[str, Any]:
    kind = scheme.get("type")
    described = {"description": scheme["description"]} if "description" in scheme else {}
    if kind == "basic":
        return {"type": "http", "scheme": "basic", **described}
    if kind == "apiKey":
        return {"type": "apiKey", "name": scheme.get("name"), "in": scheme.get("in"), **described}
    if kind == "oauth2":
        flow = {"scopes": scheme.get("scopes") or {}}
        for key in ("authorizationUrl", "tokenUrl"):
            if key in scheme:
                flow[key] = scheme[key]
        name = {
            "implicit": "implicit",
            "password": "password",
            "application": "clientCredentials",
            "accessCode": "authorizationCode",
        }.get(str(scheme.get("flow")), "implicit")
        return {"type": "oauth2", "flows": {name: flow}, **described}
    return dict(scheme)
