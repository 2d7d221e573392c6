"""Drafting a profile and its scenarios from a spec alone: ``jobs-emulator init``.

``resource_finder`` finds the job resource of a spec (which operations create, poll, list,
retry, cancel and delete a job, and the job's schema); ``status_words`` sorts its statuses by
their names; ``field_templates`` turns each field of each answer into a template;
``paging_guess`` and ``error_envelope`` draft the list and error sections; ``job_naming``
the job's ids and names; ``scenario_draft`` the happy path, the failure and the cancel, and
``scenario_values`` what they carry; ``drafter`` puts them together and ``commented_yaml``
writes them with a comment at each guess.

Nothing here knows any provider by name: every decision is read from the spec (methods,
paths, operationIds, response codes and headers, schemas, names).

May import: ``emulator.errors``, ``emulator.yamlread`` and ``emulator.openapi``. Nothing of
lifecycles, HTTP or testing: a draft is text, checked by loading it like any profile.
"""

from emulator.drafting.drafter import Draft, DraftError, draft_profile, write_draft

__all__ = ["Draft", "DraftError", "draft_profile", "write_draft"]
