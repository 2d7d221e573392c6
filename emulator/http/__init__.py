"""The HTTP layer: the ASGI app and everything on the request path.

``app`` adapts ASGI and assembles the collaborators; a request then reads top to bottom in
``pipeline.py``: ``routing`` finds the operation, the request checks of ``emulator.openapi``
validate it, ``auth`` applies the security rules, ``dispatch`` runs the job action of
``emulator.lifecycle`` bound to it (or synthesizes a stateless answer), ``envelope`` shapes
refusals in the provider's words, ``response_check`` holds the response to the spec and the
``messages.Trace`` of the exchange becomes its journal entry. ``crash`` answers what nothing else
did; ``server`` runs the app with uvicorn. Two rooms sit beside the request path: ``control``, the
``/_emulator`` control plane (the dashboard's routes among it), and ``delivery``, webhooks sent
on the emulator's clock.

May import: ``emulator.errors``, ``emulator.settings``, ``emulator.yamlread``, ``emulator.speed``,
``emulator.openapi``, ``emulator.lifecycle``, ``emulator.dashboard``. Never ``emulator.testing``
or the face (``emulator.cli``, ``emulator.bundle``).
"""
