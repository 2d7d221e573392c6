"""The HTTP layer: the ASGI app and everything on the request path.

A request reads top to bottom in ``pipeline.py``: ``routing`` finds the operation, the request
checks of ``emulator.openapi`` validate it, ``auth`` applies the security rules, the job actions of
``emulator.lifecycle`` answer it, ``envelope`` shapes refusals in the provider's words, the
self-check holds the response to the spec and the journal records the exchange. ``control`` is the
``/_emulator`` control plane; ``server`` runs the app with uvicorn (foreground or a thread).

May import: ``emulator.errors``, ``emulator.settings``, ``emulator.yamlread``,
``emulator.openapi``, ``emulator.lifecycle``. Never ``emulator.testing`` or the face
(``emulator.cli``, ``emulator.bundle``).
"""
