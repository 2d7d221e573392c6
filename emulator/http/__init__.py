"""The HTTP layer: the ASGI app and everything on the request path.

``app`` adapts ASGI and assembles the collaborators; a request then reads top to bottom in
``pipeline.py``: ``routing`` finds the operation, the request checks of ``emulator.openapi``
validate it, ``auth`` applies the security rules, ``dispatch`` runs the job action of
``emulator.lifecycle`` bound to it (or synthesizes a stateless answer), ``envelope`` shapes
refusals in the provider's words, ``selfcheck`` holds the response to the spec and the
``messages.Trace`` of the exchange becomes its journal entry. ``control`` is the ``/_emulator``
control plane (``dashboard``: its page at ``/_emulator/ui`` and the views the page reads);
``crash`` answers what nothing else did; ``server`` runs the app with uvicorn.

May import: ``emulator.errors``, ``emulator.settings``, ``emulator.yamlread``,
``emulator.openapi``, ``emulator.lifecycle``, ``emulator.dashboard``. Never ``emulator.testing``
or the face (``emulator.cli``, ``emulator.bundle``).
"""
