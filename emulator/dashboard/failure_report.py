"""One self-contained HTML file from a snapshot: the dashboard's assets and data inlined.

The file loads nothing: styles and script are in the page, the snapshot is a JSON script
element the dashboard reads instead of asking the control plane, so it opens from a CI artifact
with no server and no network.
"""

from __future__ import annotations

import html
import json
from collections.abc import Mapping
from importlib import resources
from pathlib import Path
from typing import Any

__all__ = ["asset", "page", "render", "write"]

_ASSETS = resources.files("emulator.dashboard") / "assets"
CONTENT_TYPES = {".html": "text/html", ".css": "text/css", ".js": "text/javascript"}


def asset(name: str) -> str:
    """One of the page's files (``index.html``, ``dashboard.css``, ``dashboard.js``)."""
    return (_ASSETS / name).read_text(encoding="utf-8")


def page() -> str:
    """The live page: it loads its style and script from ``/_emulator/ui/``."""
    return (
        asset("index.html")
        .replace("<!--STYLE-->", '<link rel="stylesheet" href="ui/dashboard.css">')
        .replace("<!--SCRIPT-->", '<script src="ui/dashboard.js"></script>')
    )


def render(snapshot: Mapping[str, Any], title: str = "jobs-emulator report") -> str:
    """The report page: same markup, inline assets, the snapshot as data."""
    data = json.dumps(snapshot, separators=(",", ":"), default=str)
    # Inside <script>, "</script" or "<!--" in a string would end or confuse the element; "<"
    # only occurs inside JSON strings, where \u003c is the same character.
    data = data.replace("<", "\\u003c")
    inline = (
        f'<script type="application/json" id="snapshot">{data}</script>\n'
        f"<script>{asset('dashboard.js')}</script>"
    )
    text = asset("index.html").replace("<!--STYLE-->", f"<style>{asset('dashboard.css')}</style>")
    text = text.replace("<title>jobs-emulator</title>", f"<title>{html.escape(title)}</title>")
    return text.replace("<!--SCRIPT-->", inline)


def write(snapshot: Mapping[str, Any], path: Path, title: str | None = None) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render(snapshot, title or f"jobs-emulator: {path.stem}"), encoding="utf-8")
    return path
