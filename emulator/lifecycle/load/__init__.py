"""Reading profile, scenario and webhook-event files into the core's typed values; every mistake
names the file and the path inside it.

May import: ``emulator.errors``, ``emulator.yamlread``, ``emulator.speed`` and the other rooms of
``emulator.lifecycle``. Nothing imports this room but the assembly (``emulator.bundle``) and the
load-time checks.
"""
