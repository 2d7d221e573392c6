"""emulator.drafting.drafter: a spec in, a profile that loads, serves and plays its scenarios.

``exports.yaml`` is a made-up API with each shape the drafter reads; each guess is checked
here, and the unedited draft is built, served and driven through its three scenarios."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from emulator.bundle import build
from emulator.drafting import DraftError, draft_profile, write_draft
from emulator.http.server import LiveServer
from emulator.settings import Settings
from emulator.testing.handle import EmulatorHandle
from tests.support import DATA

SPEC = DATA / "drafting" / "exports.yaml"
KEY = {"X-Acme-Key": "k"}


@pytest.fixture(scope="module")
def draft() -> Any:
    return draft_profile(SPEC)


def test_the_job_actions_are_found_by_method_path_and_verb(draft: Any) -> None:
    assert draft.profile["operations"] == {
        "create": "createExport",
        "retrieve": "getExport",
        "retry": "retryExport",
        "cancel": "cancelExport",
        "list": "listExports",
        "delete": "deleteExport",
    }
    assert draft.resource == "/exports"


def test_ids_timestamps_statuses_and_auth_are_read_from_the_schema(draft: Any) -> None:
    profile = draft.profile
    assert profile["job"]["id"] == {"prefix": "exp_", "nanoid": 10}  # the example's shape
    assert profile["job"]["timestamps"] == "unix"  # created_at is an integer
    assert profile["job"]["stamps"] == {"cancelled_at": "cancelled"}
    assert profile["statuses"] == {
        "started": ["exporting"],
        "terminal": ["succeeded", "failed", "cancelled"],
        "failed": ["failed"],
    }
    assert profile["auth"] == {"kind": "api_key"}
    assert profile["cancel"]["immediate_from"] == ["pending", "exporting"]
    assert profile["retry"] == {"model": "reset", "status": 200, "from": ["failed", "cancelled"]}


def test_each_view_field_gets_a_template_by_name_and_type(draft: Any) -> None:
    job = draft.profile["views"]["job"]
    assert (job["id"], job["status"], job["created_at"]) == (
        "{job.id}",
        "{job.status}",
        "{job.created_at}",
    )
    assert job["dataset"] == "{request.body.dataset}"  # the request's own field
    assert job["format?"] == "{request.body.format}"  # optional, not nullable: left out
    assert job["download_url"] == "{result.download_url}"
    assert job["error"] == "{error.message}"
    assert (job["object"], job["rows"]) == ("export", 0)  # required constants the spec allows
    assert job["region?"] == "{fields.region}"
    assert draft.kinds["dataset"] == "echo_required"


def test_paging_and_errors_are_read_from_parameters_and_schemas(draft: Any) -> None:
    profile = draft.profile
    assert profile["list"] == {
        "style": "cursor",
        "after_param": "starting_after",
        "limit_param": "page_size",
        "default_limit": 25,
    }
    assert profile["views"]["page"] == {
        "object": "list",
        "data": "{items}",
        "has_more": "{has_more}",
        "next_cursor": "{next_token}",
    }
    # The error's type is an enum: each kind of error gets the value that names it.
    assert profile["errors"]["body"] == {"error": {"message": "{message}", "type": "{code}"}}
    kinds = profile["errors"]["kinds"]
    assert (kinds["not_found"], kinds["invalid_state"]["code"]) == (
        {"code": "not_found"},
        "conflict",
    )
    assert kinds["invalid_request"] == {"code": "invalid_request"}
    assert kinds["rate_limited"] == {"code": "invalid_request"}  # no value names it: the first


def test_each_guess_carries_a_comment_and_the_text_reads_back(draft: Any) -> None:
    text = draft.profile_text
    assert "  # guess: shaped like the spec's example 'exp_8fJ2kQ0aZ1'\n  id:" in text
    assert "    # guess: echoes the create request\n    dataset:" in text
    assert yaml.safe_load(text)["views"] == draft.profile["views"]
    assert set(draft.scenarios) == {"happy-path", "fail-then-retry", "cancel-while-running"}


def write(tmp_path: Path, spec: Path = SPEC, **kwargs: Any) -> Path:
    return write_draft(draft_profile(spec, **kwargs), spec, tmp_path)[0]


def test_the_unedited_draft_loads_serves_and_plays_its_scenarios(tmp_path: Path) -> None:
    app = build(profile=write(tmp_path), settings=Settings(manual_clock=True, strict=True))
    assert sorted(app.scenarios) == ["cancel-while-running", "fail-then-retry", "happy-path"]
    server = LiveServer(app).start()
    emulator = EmulatorHandle.for_server(server.url, "drafted")
    try:
        drive(emulator.client())
        assert emulator.violations() == []
    finally:
        emulator.close()
        server.stop()


def drive(http: httpx.Client) -> None:
    """Each scenario, over real HTTP, as the draft plays it without an edit."""
    create = http.post("/v2/exports", headers=KEY, json={"dataset": "sales"})
    assert create.status_code == 202, create.text
    job = create.json()
    assert job["id"].startswith("exp_") and job["status"] == "pending"
    statuses = [
        http.get(f"/v2/exports/{job['id']}", headers=KEY).json()["status"] for _ in range(4)
    ]
    assert statuses == ["pending", "exporting", "exporting", "succeeded"]
    failing = http.post(
        "/v2/exports",
        headers={**KEY, "X-Emulator-Scenario": "fail-then-retry"},
        json={"dataset": "sales"},
    ).json()["id"]
    seen = [http.get(f"/v2/exports/{failing}", headers=KEY).json() for _ in range(4)]
    assert seen[-1]["status"] == "failed" and seen[-1]["error"]
    assert http.post(f"/v2/exports/{failing}/retry", headers=KEY).status_code == 200
    cancelled = http.post(f"/v2/exports/{job['id']}/cancel", headers=KEY)
    assert cancelled.status_code == 409  # a finished export cannot be cancelled
    page = http.get("/v2/exports", headers=KEY, params={"page_size": 1}).json()
    assert page["has_more"] is True and len(page["data"]) == 1
    assert http.delete(f"/v2/exports/{job['id']}", headers=KEY).status_code == 204


def test_an_existing_draft_is_not_overwritten_unless_forced(tmp_path: Path) -> None:
    write(tmp_path)
    with pytest.raises(FileExistsError, match=r"acme-exports\.profile\.yaml exists"):
        write(tmp_path)
    write_draft(draft_profile(SPEC), SPEC, tmp_path, force=True)


def test_a_spec_without_a_job_resource_is_refused_with_what_one_looks_like(tmp_path: Path) -> None:
    spec = tmp_path / "plain.yaml"
    spec.write_text(
        "openapi: 3.1.0\ninfo: {title: Plain, version: '1'}\n"
        "paths: {/ping: {get: {responses: {'200': {description: ok}}}}}\n"
    )
    with pytest.raises(DraftError, match="no job resource: a job resource is a POST"):
        draft_profile(spec)
    with pytest.raises(DraftError, match="matching '/nothing'"):
        draft_profile(SPEC, resource="/nothing")


def test_a_202_with_operation_location_names_the_job_it_is_polled_at(tmp_path: Path) -> None:
    text = SPEC.read_text().replace(
        '"202": {$ref: "#/components/responses/Export"}',
        '"202": {description: Accepted., headers: {Operation-Location: {schema: {type: string}}}}',
    )
    spec = tmp_path / "monitor.yaml"
    spec.write_text(text)
    draft = draft_profile(spec)
    assert draft.profile["operations"]["create"] == {
        "operation": "createExport",
        "headers": {"Operation-Location": "{base_url}/exports/{job.id}"},
    }
    assert "Operation-Location: the status monitor /exports/{export_id}" in draft.profile_text
    assert build(profile=write_draft(draft, spec, tmp_path)[0]).profile is not None


def test_a_cancel_and_a_delete_answering_shapes_of_their_own_get_views_of_their_own(
    tmp_path: Path,
) -> None:
    tombstone = """"200":
          description: Deleted.
          content:
            application/json:
              schema:
                type: object
                required: [id, deleted]
                properties: {id: {type: string}, deleted: {type: boolean}}"""
    text = SPEC.read_text().replace('"204": {description: Deleted.}', tombstone)
    text = text.replace(
        """    post:
      operationId: cancelExport
      responses:
        "200": {$ref: "#/components/responses/Export"}""",
        """    post:
      operationId: cancelExport
      responses:
        "200":
          description: The cancel was accepted.
          content:
            application/json:
              schema:
                type: object
                required: [id, cancelled]
                properties: {id: {type: string}, cancelled: {type: boolean}}""",
    )
    spec = tmp_path / "views.yaml"
    spec.write_text(text)
    draft = draft_profile(spec)
    operations = draft.profile["operations"]
    assert operations["delete"] == "deleteExport"
    assert draft.profile["views"]["deleted"] == {"id": "{job.id}", "deleted": False}
    assert operations["cancel"] == {
        "operation": "cancelExport",
        "action": "cancel",
        "view": "cancelled",
    }
    assert draft.profile["views"]["cancelled"] == {"id": "{job.id}", "cancelled": False}
    app = build(profile=write_draft(draft, spec, tmp_path)[0], settings=Settings(strict=True))
    server = LiveServer(app).start()
    emulator = EmulatorHandle.for_server(server.url, "views")
    try:
        http = emulator.client()
        job = http.post("/v2/exports", headers=KEY, json={"dataset": "d"}).json()
        cancelled = http.post(f"/v2/exports/{job['id']}/cancel", headers=KEY)
        assert cancelled.json() == {"id": job["id"], "cancelled": False}
        deleted = http.delete(f"/v2/exports/{job['id']}", headers=KEY)
        assert deleted.json() == {"id": job["id"], "deleted": False}
        assert emulator.violations() == []
    finally:
        emulator.close()
        server.stop()


BATCHES = """
openapi: 3.0.3
info: {title: Batches, version: "1"}
paths:
  /batches:
    post:
      operationId: Batches_Start
      requestBody:
        content: {application/json: {schema: {type: object}}}
      responses:
        "202":
          description: Accepted.
          headers: {Operation-Location: {schema: {type: string}}}
    get:
      operationId: Batches_List
      parameters:
        - {name: $top, in: query, schema: {type: integer}}
        - {name: $skip, in: query, schema: {type: integer}}
        - {name: $maxpagesize, in: query, schema: {type: integer, default: 50}}
      responses:
        "200":
          description: A page.
          content:
            application/json:
              schema:
                type: object
                required: [value]
                properties:
                  value: {type: array, items: {$ref: "#/components/schemas/Batch"}}
                  "@nextLink": {type: string}
  /batches/{id}:
    parameters: [{name: id, in: path, required: true, schema: {type: string, format: uuid}}]
    get:
      operationId: Batches_Get
      responses:
        "200":
          description: A batch.
          content: {application/json: {schema: {$ref: "#/components/schemas/Batch"}}}
    delete:
      operationId: Batches_CancelBatch
      responses:
        "200":
          description: The batch, cancelling.
          content: {application/json: {schema: {$ref: "#/components/schemas/Batch"}}}
components:
  schemas:
    Batch:
      type: object
      required: [id, status, createdDateTimeUtc]
      properties:
        id: {type: string, format: uuid}
        status:
          type: string
          enum: [NotStarted, Running, Succeeded, Failed, Cancelling, Cancelled]
        createdDateTimeUtc:
          type: string
          pattern: '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(\\.\\d+)?$'
        lastActionDateTimeUtc: {type: string, format: date-time}
"""


def test_azure_shaped_names_a_delete_that_cancels_and_zoneless_times(tmp_path: Path) -> None:
    spec = tmp_path / "batches.yaml"
    spec.write_text(BATCHES)
    profile = draft_profile(spec).profile
    # DELETE named CancelBatch is the cancel, not a delete.
    assert profile["operations"]["cancel"] == "Batches_CancelBatch"
    assert "delete" not in profile["operations"]
    # $skip pages; $maxpagesize is the page's size ($top caps the whole listing).
    assert profile["list"] == {
        "style": "offset",
        "offset_param": "$skip",
        "limit_param": "$maxpagesize",
        "default_limit": 50,
    }
    assert profile["views"]["page"] == {"value": "{items}", "@nextLink?": "{next_url}"}
    # The creation time's pattern refuses a zone: RFC 3339 without one.
    assert profile["job"]["timestamps"] == "%Y-%m-%dT%H:%M:%S.%f"
    job = profile["views"]["job"]
    assert (job["createdDateTimeUtc"], job["lastActionDateTimeUtc?"]) == (
        "{job.created_at}",
        "{job.updated_at}",
    )
    assert profile["views"]["created"] == "none"  # 202 without a body
