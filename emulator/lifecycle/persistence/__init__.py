"""Where namespaces are kept when they must outlive the process: the backend protocol, the JSON
codec of jobs and journal entries, the write-through namespace and the SQLite state file.

May import: ``emulator.errors``, ``emulator.speed``, ``emulator.openapi`` and
``emulator.lifecycle.core``.
"""
