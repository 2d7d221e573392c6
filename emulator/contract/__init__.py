"""Contract checks of a running service: conformance to a spec, drift from scenarios, recording.

``conformance`` runs schemathesis (its Python API) against any base URL, one operation at a
time, then ``journey`` walks the profile's job actions (create, poll, retry/cancel, list) the
way a client would; ``report`` turns the findings into a summary, JSON and JUnit XML.
``replay`` plays a scenario's client journey against a target and names every difference
from what the scenario expects; ``record`` stands in front of a real service, forwards
everything and writes what it saw as scenario files. ``target`` is the one place that talks
to the service, and only to the base URL it was given.

May import: ``emulator.errors``, ``emulator.settings``, ``emulator.yamlread``,
``emulator.speed``, ``emulator.openapi``, ``emulator.lifecycle``, ``emulator.checks``,
``emulator.http``, ``emulator.bundle``. Never
``emulator.testing`` or ``emulator.cli``.
"""
