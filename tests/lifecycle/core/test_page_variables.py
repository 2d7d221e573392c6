"""emulator.lifecycle.core.listing: every variable a page view can name, filled in each paging
style over a walk through the pages (count, limit, current URL, next and previous links and
tokens, and the total an offset page knows); a variable a style cannot fill is refused at load.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from emulator import ProfileError, Settings, build

SPEC = {
    "openapi": "3.1.0",
    "info": {"title": "pages", "version": "1"},
    "paths": {
        "/jobs": {
            "post": {
                "operationId": "create",
                "responses": {"201": {"$ref": "#/components/responses/Any"}},
            },
            "get": {
                "operationId": "list",
                "parameters": [
                    {"name": "limit", "in": "query", "schema": {"type": "integer"}},
                    {"name": "offset", "in": "query", "schema": {"type": "integer"}},
                ],
                "responses": {"200": {"$ref": "#/components/responses/Any"}},
            },
        },
        "/jobs/{id}": {
            "get": {
                "operationId": "get",
                "parameters": [
                    {"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}
                ],
                "responses": {"200": {"$ref": "#/components/responses/Any"}},
            }
        },
    },
    "components": {
        "responses": {
            "Any": {
                "description": "anything",
                "content": {"application/json": {"schema": {"type": "object"}}},
            }
        }
    },
}
PAGE_VARIABLES = ["items", "count", "limit", "first_id", "last_id", "has_more", "url"]
LINKS = ["next_url", "next_token", "prev_url", "prev_token"]


def served(tmp_path: Path, listing: dict[str, Any], variables: list[str]) -> TestClient:
    (tmp_path / "pages.json").write_text(json.dumps(SPEC))
    (tmp_path / "scenarios").mkdir(exist_ok=True)
    (tmp_path / "scenarios" / "one.yaml").write_text("attempts: [{states: [{status: done}]}]")
    profile = {
        "name": "pages",
        "spec": "pages.json",
        "operations": {"create": "create", "retrieve": "get", "list": "list"},
        "statuses": {"terminal": ["done"]},
        "list": {"default_limit": 2, **listing},
        "views": {
            "job": {"id": "{job.id}"},
            "page": {name: f"{{{name}}}" for name in variables},
        },
    }
    path = tmp_path / "pages.profile.json"
    path.write_text(json.dumps(profile))
    app = build(profile=path, scenarios=tmp_path / "scenarios", settings=Settings(strict=True))
    return TestClient(app, base_url="http://e")


def test_an_offset_page_fills_every_variable(tmp_path: Path) -> None:
    http = served(tmp_path, {}, [*PAGE_VARIABLES, *LINKS, "total", "offset"])
    ids = [http.post("/jobs").json()["id"] for _ in range(5)]
    first = http.get("/jobs").json()
    assert [i["id"] for i in first["items"]] == ids[::-1][:2]
    assert (first["count"], first["limit"], first["total"], first["offset"]) == (2, 2, 5, 0)
    assert (first["first_id"], first["last_id"], first["has_more"]) == (ids[4], ids[3], True)
    assert first["url"] == "http://e/jobs"
    assert (first["next_url"], first["next_token"]) == ("http://e/jobs?offset=2", 2)
    assert (first["prev_url"], first["prev_token"]) == (None, None)
    last = http.get("/jobs", params={"offset": 4, "limit": 3}).json()
    assert (last["count"], last["limit"], last["has_more"], last["next_url"]) == (1, 3, False, None)
    assert last["url"] == "http://e/jobs?offset=4&limit=3"
    assert last["prev_url"] == "http://e/jobs?offset=1&limit=3"


def test_a_cursor_page_fills_every_variable_it_can_know(tmp_path: Path) -> None:
    listing = {"style": "cursor", "after_param": "before_id", "before_param": "after_id"}
    http = served(tmp_path, listing, [*PAGE_VARIABLES, *LINKS])
    ids = [http.post("/jobs").json()["id"] for _ in range(5)]
    first = http.get("/jobs").json()
    assert (first["count"], first["limit"], first["has_more"]) == (2, 2, True)
    assert first["next_url"] == f"http://e/jobs?before_id={ids[3]}"
    assert first["prev_url"] is None  # the newest page has nothing before it
    second = http.get(first["next_url"]).json()
    assert [i["id"] for i in second["items"]] == [ids[2], ids[1]]
    assert second["url"] == f"http://e/jobs?before_id={ids[3]}"
    assert (second["prev_url"], second["prev_token"]) == (
        f"http://e/jobs?after_id={ids[2]}",
        ids[2],
    )
    back = http.get(second["prev_url"]).json()  # the previous page: the one we came from
    assert [i["id"] for i in back["items"]] == [ids[4], ids[3]]
    assert back["next_url"] == f"http://e/jobs?before_id={ids[3]}"


@pytest.mark.parametrize("name", ["total", "offset"])
def test_a_variable_a_cursor_page_cannot_fill_is_refused_at_load(tmp_path: Path, name: str) -> None:
    with pytest.raises(ProfileError) as info:
        served(tmp_path, {"style": "cursor"}, ["items", name])
    assert info.value.pointer == "/views/page"
    assert info.value.reason.startswith(f"{{{name}}} is not known to a cursor-style list")
