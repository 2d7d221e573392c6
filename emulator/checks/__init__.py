"""Everything ``check`` proves at load: names resolve, every view and payload a scenario can make
fits the spec.

May import: ``emulator.errors``, ``emulator.yamlread``, ``emulator.speed``, ``emulator.openapi``
and ``emulator.lifecycle``. Never ``emulator.http``, ``emulator.testing`` or the face.
"""
