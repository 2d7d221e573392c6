"""The spec's own request examples against their own schemas.

A vendor's example that fails its schema is listed as a warning (the file, the place and the
reason): a client written from the docs' example would be refused by the emulator, and by a
strict provider, so the author should hear of it before a test does.
"""

from __future__ import annotations

from collections.abc import Iterable

from emulator.openapi.flaws import Flaw
from emulator.openapi.model import Operation, Spec
from emulator.yamlread import escape

__all__ = ["check_request_examples"]


def check_request_examples(spec: Spec, operations: Iterable[Operation]) -> list[Flaw]:
    """A warning for each request body example of ``operations`` its schema refuses."""
    found: list[Flaw] = []
    for op in operations:
        if op.request_body is None:
            continue
        for media_type, media in op.request_body.content.items():
            if not media.examples:
                continue  # its validator is not compiled for nothing
            validator = media.validator
            if validator is None:
                continue
            for index, example in enumerate(media.examples):
                error = next(iter(validator.iter_errors(example)), None)
                if error is None:
                    continue
                where = "/".join(str(p) for p in error.absolute_path)
                content = f"{op.pointer}/requestBody/content/{escape(media_type)}"
                pointer = spec.as_written(str(spec.path), content)
                reason = (
                    f"{op.key}: the spec's request example {index + 1} fails its own schema "
                    f"at '{where}': {error.message}"
                )
                found.append(Flaw(str(spec.path), pointer, reason, kind="failing-example"))
    return found
