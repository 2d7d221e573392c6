"""``load_spec``: an OpenAPI file in, a ``Spec`` out (``load`` reads, ``build`` builds)."""

from __future__ import annotations

import os
import re
from collections.abc import Collection
from pathlib import Path

from emulator.openapi.build import build_spec
from emulator.openapi.document import Documents, Located
from emulator.openapi.model import Spec

__all__ = ["load_spec"]

_VERSION = re.compile(r"3\.[01]\.[0-9]+(?:-[0-9A-Za-z.-]+)?")


def load_spec(
    path: str | os.PathLike[str],
    *,
    bound: Collection[str] | None = None,
    strict: bool = False,
) -> Spec:
    """Load an OpenAPI 3.0/3.1 or Swagger 2.0 document (YAML or JSON, 2.0 read as the 3.0 it
    converts to) and every file it references. Raises
    ``SpecError`` naming the file and JSON pointer at fault where the document is no OpenAPI
    at all. Flaws inside it are repaired where their intent is clear and listed in
    ``Spec.warnings`` (``strict``: the first one refuses). ``bound`` names the operations whose
    validators are compiled now (``None``: all), so their late flaws are listed too; the rest
    compile on first use."""
    documents = Documents(Path(path).resolve())
    root = Located(documents.root, "", documents.root_document)
    if root.node is None:
        raise root.error("the file is empty; expected an OpenAPI 3.0.x or 3.1.x document")
    if not isinstance(root.node, dict):
        kind = "a list" if isinstance(root.node, list) else f"a {type(root.node).__name__}"
        raise root.error(f"an OpenAPI document must be a mapping at the top level, not {kind}")
    version = root.node.get("openapi")
    if not isinstance(version, str) or not _VERSION.fullmatch(version):
        if version is None and "swagger" in root.node:
            reason = f"Swagger {root.node['swagger']} is not supported: 2.0 and OpenAPI 3.x are"
        elif version is None:
            reason = "no `openapi` field; expected an OpenAPI 3.0.x or 3.1.x document"
        else:
            reason = f"unsupported OpenAPI version {version!r}; expected 3.0.x or 3.1.x"
        raise root.error(reason, "openapi")
    return build_spec(documents, root, version, bound=bound, strict=strict)
