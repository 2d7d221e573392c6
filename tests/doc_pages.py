"""The user documentation as the doc tests read it: its pages (README.md and every page under
docs/, at any depth), their fenced blocks with the directives above them, and their prose."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from tests.support import REPO

README = REPO / "README.md"
DOCS_DIR = REPO / "docs"
PAGES = [README, *sorted(DOCS_DIR.rglob("*.md"))]

_FENCE = re.compile(r"^(`{3,}|~{3,})\s*([\w+-]*)")
_DIRECTIVE = re.compile(r"^<!--(.*)-->$")


@dataclass(frozen=True)
class Block:
    doc: Path
    line: int
    lang: str
    text: str
    directives: dict[str, str] = field(default_factory=dict)
    end: int = 0  # the line of the closing fence

    @property
    def where(self) -> str:
        return f"{self.doc.relative_to(REPO)}:{self.line}"

    @property
    def runs(self) -> bool:
        return "no-test" not in self.directives and "file" not in self.directives


def parse(doc: Path) -> list[Block]:
    """Every fenced block of ``doc`` with the directives in the comments just above it."""
    lines = doc.read_text(encoding="utf-8").splitlines()
    blocks: list[Block] = []
    i = 0
    while i < len(lines):
        opened = _FENCE.match(lines[i])
        if not opened:
            i += 1
            continue
        fence, lang, start = opened.group(1), opened.group(2).lower(), i
        directives: dict[str, str] = {}
        j = i - 1
        while j >= 0 and (found := _DIRECTIVE.match(lines[j].strip())):
            for item in found.group(1).split(";"):
                key, _, value = item.strip().partition(":")
                directives[key.strip()] = value.strip()
            j -= 1
        i += 1
        while i < len(lines) and not lines[i].startswith(fence):
            i += 1
        body = "\n".join(lines[start + 1 : i]) + "\n"
        blocks.append(Block(doc, start + 1, lang, body, directives, end=i + 1))
        i += 1
    return blocks


def prose(doc: Path) -> Iterator[tuple[int, str]]:
    """(line number, text) of each line of ``doc`` outside its fenced blocks."""
    fenced = {n for b in parse(doc) for n in range(b.line, b.end + 1)}
    for number, text in enumerate(doc.read_text(encoding="utf-8").splitlines(), 1):
        if number not in fenced:
            yield number, text


def without_code_spans(text: str) -> str:
    """``text`` with its inline code spans blanked out."""
    return re.sub(r"(`+)(?:(?!\1).)+?\1", lambda m: " " * len(m.group(0)), text)


def code_spans(text: str) -> list[str]:
    return [m.group(2) for m in re.finditer(r"(`+)((?:(?!\1).)+?)\1", text)]


def slug(heading: str) -> str:
    """GitHub's anchor for a heading: its text, lower case, without punctuation, spaces as ``-``."""
    text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", heading)  # a link keeps its text
    text = re.sub(r"<[^>]+>", "", text).strip().lower()
    return re.sub(r"[^\w\- ]", "", text).replace(" ", "-")


def anchors(doc: Path) -> set[str]:
    """Every anchor a link into ``doc`` may name: its headings' slugs (repeats numbered)."""
    found: set[str] = set()
    seen: dict[str, int] = {}
    for _, text in prose(doc):
        heading = re.match(r"^#{1,6}\s+(.*?)\s*#*\s*$", text)
        if heading:
            base = slug(heading.group(1))
            count = seen.get(base, 0)
            seen[base] = count + 1
            found.add(base if count == 0 else f"{base}-{count}")
        found.update(re.findall(r"""<a\s+(?:id|name)=["']([^"']+)["']""", text))
    return found
