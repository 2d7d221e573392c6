"""The request bodies a spec declares for the requests its API sends: OpenAPI 3.1 ``webhooks``
(by name) and ``callbacks`` (as ``<operation>#<callback>``, operation by operationId or
``"METHOD /path"``), so a payload can be checked against them like a response."""

from __future__ import annotations

from collections.abc import Callable

from emulator.openapi.document import Documents, Located
from emulator.openapi.model import MediaType

__all__ = ["declared_webhooks"]

_METHODS = ("post", "put", "patch", "get", "delete")
Content = Callable[[Located], dict[str, MediaType]]


def declared_webhooks(docs: Documents, root: Located, content: Content) -> dict[str, MediaType]:
    found: dict[str, MediaType] = {}
    hooks = root.child("webhooks")
    if isinstance(hooks.node, dict):
        for name in hooks.node:
            media = _body(docs, hooks.child(name), content)
            if media is not None:
                found[name] = media
    paths = root.child("paths")
    if not isinstance(paths.node, dict):
        return found
    for template in paths.node:
        item = docs.follow(paths.child(template))
        if not isinstance(item.node, dict):
            continue
        for method in _METHODS:
            op = item.child(method)
            callbacks = op.child("callbacks")
            if not isinstance(op.node, dict) or not isinstance(callbacks.node, dict):
                continue
            key = op.node.get("operationId") or f"{method.upper()} {template}"
            for name in callbacks.node:
                callback = docs.follow(callbacks.child(name))
                if not isinstance(callback.node, dict):
                    continue
                for expression in callback.node:
                    media = _body(docs, callback.child(expression), content)
                    if media is not None:
                        found[f"{key}#{name}"] = media
                        break
    return found


def _body(docs: Documents, listed: Located, content: Content) -> MediaType | None:
    """The JSON body of the first method of a path item that declares one."""
    item = docs.follow(listed)
    if not isinstance(item.node, dict):
        return None
    for method in _METHODS:
        body = item.child(method).child("requestBody")
        if body.node is None:
            continue
        declared = content(docs.follow(body).child("content"))
        media = declared.get("application/json") or next(iter(declared.values()), None)
        if media is not None:
            return media
    return None
