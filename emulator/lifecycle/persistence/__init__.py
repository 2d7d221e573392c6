"""Where namespaces are kept when they must outlive the process or be shared between
processes: the backend protocol, the JSON codec of jobs and journal entries, the write-through
namespace and the SQLite state file (``--state-file``), and the namespaces Redis keeps for every
worker and host of a deployment (``--state redis://...``: ``redis_*``).

May import: ``emulator.errors``, ``emulator.speed``, ``emulator.openapi``,
``emulator.lifecycle.core`` and ``emulator.lifecycle.webhooks`` (a namespace's outbox).
"""
