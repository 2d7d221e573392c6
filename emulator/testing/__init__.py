"""Testing with the emulator: the pytest plugin, the fixture's handle, journal queries, and the
in-process transport that serves the ASGI app to an httpx client without a socket.

May import anything below the face: ``emulator.errors``, ``emulator.settings``,
``emulator.speed``, ``emulator.openapi``, ``emulator.lifecycle``, ``emulator.checks``,
``emulator.http``, ``emulator.dashboard``, and
``emulator.bundle`` to build emulators. Nothing else in the package imports this layer.
"""
