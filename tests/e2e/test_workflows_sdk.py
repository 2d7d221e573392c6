"""Argo Workflows' own Python SDK (argo-workflows 6.7.18), unchanged, against a workflow API
whose resources the client names inside namespaces, with several verbs per action and actions
of the profile's own, over real HTTP. Each test runs twice (the ``workflows_server`` fixture):
over a hand-written 3.0 excerpt (tests/data/shapes/specs/workflows.yaml) and over Argo's own
published Swagger 2.0 spec, unmodified (tests/data/wild/argo_workflows), with one profile."""

from __future__ import annotations

from collections.abc import Iterator

import argo_workflows
import pytest
from argo_workflows.api.workflow_service_api import WorkflowServiceApi
from argo_workflows.exceptions import NotFoundException
from argo_workflows.model.container import Container
from argo_workflows.model.io_argoproj_workflow_v1alpha1_template import (
    IoArgoprojWorkflowV1alpha1Template as Template,
)
from argo_workflows.model.io_argoproj_workflow_v1alpha1_workflow import (
    IoArgoprojWorkflowV1alpha1Workflow as Workflow,
)
from argo_workflows.model.io_argoproj_workflow_v1alpha1_workflow_create_request import (
    IoArgoprojWorkflowV1alpha1WorkflowCreateRequest as CreateRequest,
)
from argo_workflows.model.io_argoproj_workflow_v1alpha1_workflow_resubmit_request import (
    IoArgoprojWorkflowV1alpha1WorkflowResubmitRequest as ResubmitRequest,
)
from argo_workflows.model.io_argoproj_workflow_v1alpha1_workflow_resume_request import (
    IoArgoprojWorkflowV1alpha1WorkflowResumeRequest as ResumeRequest,
)
from argo_workflows.model.io_argoproj_workflow_v1alpha1_workflow_retry_request import (
    IoArgoprojWorkflowV1alpha1WorkflowRetryRequest as RetryRequest,
)
from argo_workflows.model.io_argoproj_workflow_v1alpha1_workflow_spec import (
    IoArgoprojWorkflowV1alpha1WorkflowSpec as WorkflowSpec,
)
from argo_workflows.model.io_argoproj_workflow_v1alpha1_workflow_stop_request import (
    IoArgoprojWorkflowV1alpha1WorkflowStopRequest as StopRequest,
)
from argo_workflows.model.io_argoproj_workflow_v1alpha1_workflow_suspend_request import (
    IoArgoprojWorkflowV1alpha1WorkflowSuspendRequest as SuspendRequest,
)
from argo_workflows.model.io_argoproj_workflow_v1alpha1_workflow_terminate_request import (
    IoArgoprojWorkflowV1alpha1WorkflowTerminateRequest as TerminateRequest,
)
from argo_workflows.model.object_meta import ObjectMeta

from emulator.testing.handle import EmulatorHandle

from .e2e_support import assert_clean

SPEC = WorkflowSpec(
    entrypoint="main",
    templates=[Template(name="main", container=Container(image="alpine", command=["true"]))],
)


@pytest.fixture
def api(workflows: EmulatorHandle) -> Iterator[WorkflowServiceApi]:
    config = argo_workflows.Configuration(
        host=workflows.url,
        api_key={"BearerToken": "v0:token"},
        api_key_prefix={"BearerToken": "Bearer"},
    )
    with argo_workflows.ApiClient(config) as client:
        yield WorkflowServiceApi(client)


def submit(
    api: WorkflowServiceApi, namespace: str, labels: dict[str, str] | None = None, **metadata: str
) -> Workflow:
    meta = ObjectMeta(**metadata, labels=labels) if labels else ObjectMeta(**metadata)
    return api.create_workflow(
        namespace, CreateRequest(workflow=Workflow(metadata=meta, spec=SPEC))
    )


def phase(api: WorkflowServiceApi, name: str, namespace: str = "argo") -> tuple[str, str | None]:
    status = api.get_workflow(namespace, name).status
    return status.phase, status.get("message")


def test_names_come_from_the_request_or_its_prefix(
    api: WorkflowServiceApi, workflows: EmulatorHandle
) -> None:
    fixed = submit(api, "argo", name="fixed-name")
    assert (fixed.metadata.name, fixed.metadata.namespace) == ("fixed-name", "argo")
    generated = submit(api, "argo", generate_name="hello-")
    name = generated.metadata.name
    assert name.startswith("hello-") and len(name) == len("hello-") + 5
    assert api.get_workflow("argo", name).status.phase == "Pending"
    assert_clean(workflows)


def test_a_taken_name_is_a_conflict_in_its_namespace_only(
    api: WorkflowServiceApi, workflows: EmulatorHandle
) -> None:
    submit(api, "argo", name="fixed-name")
    with pytest.raises(argo_workflows.ApiException) as refused:
        submit(api, "argo", name="fixed-name")
    assert refused.value.status == 409
    assert '"fixed-name\\" already exists' in refused.value.body
    # The same name in another namespace is another workflow.
    other = submit(api, "other", name="fixed-name")
    assert other.metadata.namespace == "other"
    assert len(workflows.jobs.all()) == 2
    assert workflows.jobs.get("other/fixed-name")["view"]["metadata"]["namespace"] == "other"


def test_a_workflow_is_not_found_through_another_namespace(
    api: WorkflowServiceApi, workflows: EmulatorHandle
) -> None:
    name = submit(api, "argo", generate_name="hello-").metadata.name
    with pytest.raises(NotFoundException) as missing:
        api.get_workflow("other", name)
    assert f'workflows.argoproj.io \\"{name}\\" not found' in missing.value.body
    workflows.advance_to_next()
    workflows.advance_to_next()
    assert api.get_workflow("argo", name).status.phase == "Succeeded"
    assert api.list_workflows("other").items == []


def test_delete_is_scoped_by_namespace_and_frees_the_name(
    api: WorkflowServiceApi, workflows: EmulatorHandle
) -> None:
    submit(api, "argo", name="doomed")
    with pytest.raises(NotFoundException):  # not through another namespace
        api.delete_workflow("other", "doomed")
    assert api.get_workflow("argo", "doomed").metadata.name == "doomed"
    deleted = api.delete_workflow("argo", "doomed")
    assert deleted == {}  # an empty WorkflowDeleteResponse
    with pytest.raises(NotFoundException) as gone:
        api.get_workflow("argo", "doomed")
    assert 'workflows.argoproj.io \\"doomed\\" not found' in gone.value.body
    with pytest.raises(NotFoundException):
        api.delete_workflow("argo", "doomed")
    assert submit(api, "argo", name="doomed").status.phase == "Pending"  # the name is free
    assert_clean(workflows)


def test_a_list_has_no_default_limit_and_pages_when_asked(
    api: WorkflowServiceApi, workflows: EmulatorHandle
) -> None:
    names = [submit(api, "argo", generate_name="many-").metadata.name for _ in range(25)]
    submit(api, "elsewhere", name="not-listed")
    listed = api.list_workflows("argo")
    assert [w.metadata.name for w in listed.items] == names  # all 25: no default page size
    first = api.list_workflows("argo", list_options_limit="10")
    assert [w.metadata.name for w in first.items] == names[:10]
    rest = api.list_workflows(
        "argo", list_options_limit="20", list_options_continue=first.metadata._continue
    )
    assert [w.metadata.name for w in rest.items] == names[10:]
    assert "_continue" not in rest.metadata  # the last page
    assert_clean(workflows)


def test_stop_and_terminate_end_a_workflow_each_in_its_own_way(
    api: WorkflowServiceApi, workflows: EmulatorHandle
) -> None:
    stopped = submit(api, "argo", name="stopped").metadata.name
    terminated = submit(api, "argo", name="terminated").metadata.name
    workflows.clock.advance(5)  # both running now
    # Terminate ends it at once; stop lets the running step finish, then ends it.
    now = api.terminate_workflow("argo", terminated, TerminateRequest(name=terminated))
    assert (now.status.phase, now.status.message) == ("Failed", "Stopped with strategy 'Terminate'")
    asked = api.stop_workflow("argo", stopped, StopRequest(name=stopped))
    assert asked.status.phase == "Running"
    workflows.advance_to_next()
    assert phase(api, stopped) == ("Failed", "Stopped with strategy 'Stop'")
    journal = workflows.control("GET", "journal", method="PUT")["entries"]
    assert [e["action"] for e in journal] == ["terminate", "stop"]
    with pytest.raises(argo_workflows.ApiException) as refused:  # it is over already
        api.stop_workflow("argo", stopped, StopRequest(name=stopped))
    assert refused.value.status == 409
    assert "workflow stopped cannot be stopped while Failed" in refused.value.body
    assert_clean(workflows)


def test_retry_runs_the_same_workflow_again_and_resubmit_makes_a_new_one(
    api: WorkflowServiceApi, workflows: EmulatorHandle
) -> None:
    name = submit(api, "argo", labels={"outcome": "fail"}, name="flaky").metadata.name
    with pytest.raises(argo_workflows.ApiException) as early:  # retry only from Failed, Error
        api.retry_workflow("argo", name, RetryRequest(name=name))
    assert early.value.status == 409
    workflows.advance_to_next()
    workflows.advance_to_next()
    assert phase(api, name) == ("Failed", "child 'main' failed")
    retried = api.retry_workflow("argo", name, RetryRequest(name=name))
    assert (retried.metadata.name, retried.status.phase) == ("flaky", "Running")
    resubmitted = api.resubmit_workflow("argo", name, ResubmitRequest(name=name))
    new = resubmitted.metadata.name
    assert new.startswith("flaky-") and new != name and resubmitted.metadata.namespace == "argo"
    workflows.advance_to_next()
    assert phase(api, name)[0] == phase(api, new)[0] == "Succeeded"
    assert sorted(w.metadata.name for w in api.list_workflows("argo").items) == ["flaky", new]
    assert_clean(workflows)


def test_the_profiles_own_actions_move_the_workflow_as_its_scenario_says(
    api: WorkflowServiceApi, workflows: EmulatorHandle
) -> None:
    name = submit(api, "argo", labels={"suspendable": "yes"}, name="held").metadata.name
    workflows.clock.advance(50)
    assert api.suspend_workflow("argo", name, SuspendRequest(name=name)).status.phase == "Suspended"
    workflows.clock.advance(3600)
    assert phase(api, name)[0] == "Suspended"  # held until resumed
    with pytest.raises(argo_workflows.ApiException) as again:  # a suspended one has no suspend
        api.suspend_workflow("argo", name, SuspendRequest(name=name))
    assert again.value.status == 409
    assert api.resume_workflow("argo", name, ResumeRequest(name=name)).status.phase == "Running"
    workflows.clock.advance(60)  # the running state starts over
    assert phase(api, name)[0] == "Succeeded"
    assert_clean(workflows)
