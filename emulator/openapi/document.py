"""Reading OpenAPI files and resolving ``$ref`` within and across them.

Every problem is a ``SpecError`` naming the file to open and the JSON pointer to look at: for a
dangling ``$ref`` that is the file holding the ``$ref`` and the pointer of the ``$ref`` itself.
"""

from __future__ import annotations

import copy
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote, urldefrag, urlsplit

from referencing import Registry, Resource
from referencing.exceptions import NoSuchResource
from referencing.jsonschema import DRAFT202012

from emulator.errors import SpecError
from emulator.openapi.dialect import (
    DESCENDING_KEYWORDS,
    apply_nullable,
    convert_node,
    map_subschemas,
)
from emulator.openapi.dialect import merge_ref_siblings as merge
from emulator.openapi.discovery import convert as read_discovery
from emulator.openapi.discovery import is_discovery
from emulator.openapi.repairs import RECURSIVE_ANCHOR, union_of_closed_members
from emulator.openapi.swagger2 import Origins, convert, is_swagger2
from emulator.yamlread import escape, read_data

__all__ = ["Documents", "Located", "SchemaInliner", "join", "read_document", "schema_of"]

_NOWHERE = 1 << 30  # a stack index no placeholder can have
_DEEP = 20_000


def read_document(path: Path) -> Any:
    """Parse one YAML or JSON file. ``OSError`` propagates: only the caller knows who asked."""
    return read_data(path, SpecError)


def join(pointer: str, *tokens: str) -> str:
    """``pointer`` extended by raw (unescaped) ``tokens``."""
    if len(tokens) == 1:  # the usual case, on every node the builder reads
        return f"{pointer}/{escape(str(tokens[0]))}"
    return pointer + "".join("/" + escape(str(token)) for token in tokens)


@dataclass(frozen=True, slots=True)
class Located:
    """A node of a parsed file and where it is, for error messages and ``$ref`` resolution."""

    file: Path
    pointer: str
    node: Any

    def child(self, key: str) -> Located:
        """``node[key]`` (``None`` when absent or when ``node`` is not a mapping)."""
        value = self.node.get(key) if isinstance(self.node, dict) else None
        return Located(self.file, join(self.pointer, key), value)

    def error(self, reason: str, *tokens: str) -> SpecError:
        """A ``SpecError`` at this node (or below it, by ``tokens``)."""
        return SpecError(str(self.file), join(self.pointer, *tokens), reason)


class Documents:
    """Every file of one spec, each read once, and ``$ref`` resolution between them."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._cache: dict[Path, Any] = {}
        self._paths: dict[tuple[Path, str], Path] = {}
        self._targets: dict[tuple[Path, str], Located] = {}
        self._origins: dict[Path, Origins] = {}  # of the Swagger 2.0 files, read as 3.0
        try:
            self.root_document = self.load(root)
        except OSError as exc:
            raise SpecError(str(root), "/", f"cannot read file: {exc.strerror or exc}") from None

    def load(self, file: Path) -> Any:
        """The parsed content of ``file`` (an absolute path); a Swagger 2.0 document or a
        discovery document is read as the OpenAPI 3.0 document it converts to (``swagger2``,
        ``discovery``)."""
        if file not in self._cache:
            document = self._cache[file] = read_document(file)
            if is_swagger2(document):  # references back into it read the 2.0 original
                converted, self._origins[file] = convert(document, lambda ref: self._raw(file, ref))
                self._cache[file] = converted
            elif is_discovery(document):
                self._cache[file] = read_discovery(document)
        return self._cache[file]

    def original(self, file: str, pointer: str) -> str:
        """Where ``pointer`` (into the document as read) is in ``file`` as its author wrote
        it: unchanged but in a Swagger 2.0 file, where the conversion moved things."""
        origins = self._origins.get(Path(file))
        return pointer if origins is None else origins.original(pointer)

    @property
    def converted(self) -> bool:
        """Whether some file of the spec was read from Swagger 2.0."""
        return bool(self._origins)

    def _raw(self, file: Path, ref: str) -> Any:
        """The node a 2.0 reference names, or the reference itself when it names nothing: the
        builder then reports it where it is used."""
        try:
            return self.resolve(Located(file, "", {"$ref": ref})).node
        except SpecError:
            return {"$ref": ref}

    def openapi_30(self, file: Path) -> bool:
        """Whether schemas in ``file`` are OpenAPI 3.0 ones (a file without its own
        ``openapi`` field, like a bare schema file, follows the root document)."""
        doc = self.load(file)
        version = doc.get("openapi") if isinstance(doc, dict) else None
        if not isinstance(version, str):
            version = str(self.root_document.get("openapi", ""))
        return version.startswith("3.0")

    def resolve(self, at: Located) -> Located:
        """The target of the ``$ref`` in ``at.node``, one step."""
        ref = at.node["$ref"]
        if not isinstance(ref, str):
            raise at.error("$ref must be a string", "$ref")
        # A vendor's spec names the same few hundred targets from thousands of places: each
        # (file, reference) is resolved once; documents never change once read.
        key = (at.file, ref)
        found = self._targets.get(key)
        if found is None:
            found = self._targets[key] = self._resolve(at, ref)
        return found

    def _resolve(self, at: Located, ref: str) -> Located:
        location, fragment = urldefrag(ref)
        if urlsplit(location).scheme or location.startswith("//"):
            raise at.error(f"$ref {ref!r}: only local files can be referenced", "$ref")
        file = self._file(at.file, location) if location else at.file
        try:
            node = self.load(file)
        except OSError as exc:
            reason = f"$ref {ref!r}: cannot read {file}: {exc.strerror or exc}"
            raise at.error(reason, "$ref") from None
        pointer = unquote(fragment)
        if pointer and not pointer.startswith("/"):
            raise at.error(f"$ref {ref!r}: the fragment must be a JSON pointer", "$ref")
        found = _descend(node, pointer)
        if isinstance(found, str):
            reason = f"$ref {ref!r}: {file} has nothing at {pointer!r} (no {found!r})"
            raise at.error(reason, "$ref")
        return Located(file, pointer, found[0])

    def _file(self, referrer: Path, location: str) -> Path:
        # Resolving a path asks the file system: a multi-file spec names the same few files
        # from thousands of references.
        key = (referrer.parent, location)
        if key not in self._paths:
            self._paths[key] = (referrer.parent / unquote(location)).resolve()
        return self._paths[key]

    def at(self, file: Path, pointer: str) -> Located:
        """The node at ``pointer`` in ``file`` (one already read), ``None`` if there is none."""
        found = _descend(self.load(file), pointer)
        return Located(file, pointer, None if isinstance(found, str) else found[0])

    def follow(self, at: Located, *, bare_only: bool = False) -> Located:
        """``at`` with its chain of ``$ref`` followed to a node that is not one. With
        ``bare_only``, stop at a ``$ref`` that has sibling keys (schemas give those meaning)."""
        seen: set[tuple[Path, str]] = set()
        while isinstance(at.node, dict) and "$ref" in at.node:
            if bare_only and len(at.node) > 1:
                break
            if (at.file, at.pointer) in seen:
                raise at.error("circular $ref: the chain of references never ends", "$ref")
            seen.add((at.file, at.pointer))
            at = self.resolve(at)
        return at


_TOO_DEEP = "the $ref graph under this schema is too deep to inline"


class SchemaInliner:
    """Schemas with every ``$ref`` inlined and converted to 2020-12. A ``$ref`` back into a
    schema being inlined stays a ``$ref`` to a resource in ``registry``.

    ``repaired`` gives the node to inline for a schema location: the spec's own, or the copy
    ``flaws.SchemaScan`` repaired (the default reads the documents as they are)."""

    def __init__(
        self, documents: Documents, repaired: Callable[[Located], Any] | None = None
    ) -> None:
        self._docs = documents
        self._repaired = repaired or (lambda at: at.node)
        self._stack: list[tuple[Path, str]] = []
        self._memo: dict[tuple[Path, str], Any] = {}
        self._resources: dict[str, Any] = {}
        # Lowest stack index a placeholder pointed at since the innermost `_ref` began.
        self._reach = _NOWHERE
        self._created: dict[str, Resource[Any]] = {}
        self.registry: Registry[Any] = Registry(retrieve=self._retrieve)  # type: ignore[call-arg]

    def schema(self, at: Located) -> Any:
        """``at.node`` as a self-contained schema, independent of every other one handed out."""
        at = Located(at.file, at.pointer, self._repaired(at))
        self._stack, self._reach = [(at.file, at.pointer)], _NOWHERE  # a ref back here recurses
        # The walk recurses along $ref chains: a vendor's deep graphs need more than the default.
        limit = sys.getrecursionlimit()
        sys.setrecursionlimit(max(limit, _DEEP))
        try:
            return copy.deepcopy(self._walk(at, moved=0))
        except (RecursionError, SpecError) as exc:
            error = exc if isinstance(exc, SpecError) else at.error(_TOO_DEEP)
            # named where its author wrote it (in a Swagger 2.0 file, its own pointer)
            where = self._docs.original(error.file, error.pointer)
            raise SpecError(error.file, where, error.reason) from None
        finally:
            self._stack = []
            sys.setrecursionlimit(limit)

    def _retrieve(self, uri: str) -> Resource[Any]:
        # Schemas are inlined lazily, so the registry grows after the spec is built: it asks
        # here for each recursive schema by the URI its `$ref` placeholders use.
        if uri not in self._resources:
            raise NoSuchResource(uri)
        if uri not in self._created:
            self._created[uri] = DRAFT202012.create_resource(copy.deepcopy(self._resources[uri]))
        return self._created[uri]

    # `moved` is the stack depth at which the walk last descended into a part of the instance.
    def _walk(self, at: Located, moved: int) -> Any:
        if not isinstance(at.node, dict):
            return at.node  # a boolean schema; anything else fails the metaschema check later
        if "$ref" in at.node:
            return self._ref(at, self._docs.follow(self._docs.resolve(at), bare_only=True), moved)
        if "$recursiveRef" in at.node:
            return self._ref(at, self._recursive_target(), moved, keyword="$recursiveRef")

        def sub(node: Any, rel: str) -> Any:
            keyword = rel.split("/")[1]
            child = Located(at.file, at.pointer + rel, node)
            return self._walk(child, len(self._stack) if keyword in DESCENDING_KEYWORDS else moved)

        walked = map_subschemas(at.node, sub)
        walked = union_of_closed_members(walked) or walked  # see repairs: closed allOf members
        return convert_node(walked, openapi_30=self._docs.openapi_30(at.file))

    def _recursive_target(self) -> Located:
        """Where a 2019-09 ``$recursiveRef`` points: the nearest schema being inlined that has
        ``$recursiveAnchor: true``, else the schema the walk started from."""
        for file, pointer in reversed(self._stack):
            node = self._repaired(self._docs.at(file, pointer))
            if isinstance(node, dict) and node.get(RECURSIVE_ANCHOR) is True:
                return Located(file, pointer, node)
        return self._docs.at(*self._stack[0])

    def _ref(self, at: Located, target: Located, moved: int, keyword: str = "$ref") -> Any:
        target = Located(target.file, target.pointer, self._repaired(target))
        key = (target.file, target.pointer)
        if key in self._stack:
            index = self._stack.index(key)
            if moved <= index:
                reason = "circular $ref that never descends into a property or item"
                raise at.error(reason, "$ref")
            self._reach = min(self._reach, index)
            inlined = self._placeholder(target)
        elif key in self._memo:
            inlined = self._memo[key]
        else:
            outer_reach, self._reach = self._reach, _NOWHERE
            self._stack.append(key)
            try:
                inlined = self._walk(target, moved)
            finally:
                self._stack.pop()
            # Placeholders only to this schema or to ones inside it: the result is the same
            # wherever the schema is reached from, so it can be reused.
            if self._reach >= len(self._stack):
                self._memo[key] = inlined
            self._reach = min(outer_reach, self._reach)
        siblings = {k: v for k, v in at.node.items() if k != keyword}
        nullable = siblings.pop("nullable", None) is True
        if siblings:
            inlined = merge(inlined, self._walk(Located(at.file, at.pointer, siblings), moved))
        return apply_nullable(inlined) if nullable else inlined

    def _placeholder(self, target: Located) -> dict[str, str]:
        uri = target.file.as_uri() + quote(target.pointer)
        if uri not in self._resources:
            self._resources[uri] = {}  # claims the URI so the walk below does not recurse here
            saved = self._stack, self._reach
            self._stack, self._reach = [(target.file, target.pointer)], _NOWHERE
            try:
                self._resources[uri] = self._walk(target, moved=0)
            finally:
                self._stack, self._reach = saved
        return {"$ref": uri}


def _descend(node: Any, pointer: str) -> tuple[Any] | str:
    """``(node at pointer,)``, or the token of ``pointer`` that leads nowhere."""
    for token in pointer.split("/")[1:]:
        token = token.replace("~1", "/").replace("~0", "~")
        if isinstance(node, dict) and token in node:
            node = node[token]
        elif isinstance(node, list) and token.isdigit() and int(token) < len(node):
            node = node[int(token)]
        else:
            return token
    return (node,)


def schema_of(at: Located) -> Located | None:
    """A parameter's or header's schema: ``schema``, or the one under its single ``content``."""
    if "schema" in at.node:
        return at.child("schema")
    content = at.node.get("content")
    if isinstance(content, dict) and len(content) == 1:
        (media_type,) = content
        return at.child("content").child(media_type).child("schema")
    return None
