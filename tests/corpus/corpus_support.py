"""The corpus: published job APIs nobody here wrote, each with its unmodified spec (gzipped),
a profile finished by hand from the draft of ``jobs-emulator init``, and its scenarios
(``tests/data/corpus/NAME/``, source and license in its ``SOURCE.md``)."""

from __future__ import annotations

import difflib
import gzip
import json
import re
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import yaml

from tests.support import DATA

CORPUS = DATA / "corpus"
NAMES = (
    "mistral",
    "together",
    "assemblyai",
    "videointelligence",
    "documenttranslation",
    "vertexai",
)


def packed_spec(name: str) -> Path:
    (found,) = sorted((CORPUS / name).glob("*.gz"))
    return found


def unpack(name: str, into: Path) -> Path:
    """The spec as published, next to nothing else (``into/NAME/openapi.yaml``)."""
    packed = packed_spec(name)
    target = into / name / packed.name.removesuffix(".gz")
    target.parent.mkdir(parents=True, exist_ok=True)
    if not target.exists():
        target.write_bytes(gzip.decompress(packed.read_bytes()))
    return target


def finished_profile(name: str) -> Path:
    return CORPUS / name / "specs" / f"{name}.profile.yaml"


def finished_scenarios(name: str) -> dict[str, str]:
    folder = CORPUS / name / "scenarios" / name
    return {p.stem: p.read_text() for p in sorted(folder.glob("*.yaml"))}


# -- how far a draft is from the finished profile ------------------------------------------

_IGNORED = {"name", "spec", "scenarios"}


def leaves(data: Any, path: str = "") -> Iterator[tuple[str, str]]:
    """Every setting of a profile as (dotted key, value as JSON); lists are one value."""
    if isinstance(data, Mapping) and data and "$if" not in data:
        for key, value in data.items():
            yield from leaves(value, f"{path}.{key}" if path else str(key))
    else:
        yield path, json.dumps(data, sort_keys=True)


def fields_right(draft: Mapping[str, Any], finished: Mapping[str, Any]) -> tuple[int, int]:
    """(settings of the finished profile the draft has the same, settings in all)."""
    want = {k: v for k, v in leaves(finished) if k.split(".")[0] not in _IGNORED}
    got = dict(leaves(draft))
    return sum(got.get(k) == v for k, v in want.items()), len(want)


def _meaningful(text: str) -> list[str]:
    """Lines a person reads: no comments, no blank lines, no spec path, no name."""
    out = []
    for line in text.splitlines():
        bare = re.sub(r"\s+#.*$", "", line).rstrip()
        if not bare.strip() or bare.lstrip().startswith("#"):
            continue
        if re.match(r"^(spec|name|scenarios):", bare):
            continue
        out.append(bare)
    return out


def lines_changed(draft: str, finished: str) -> int:
    """Lines added, removed or rewritten to turn ``draft`` into ``finished``."""
    matcher = difflib.SequenceMatcher(None, _meaningful(draft), _meaningful(finished), False)
    changed = 0
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag != "equal":
            changed += max(i2 - i1, j2 - j1)
    return changed


def load_yaml(text: str) -> Any:
    return yaml.safe_load(text)
