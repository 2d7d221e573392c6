"""Webhooks over HTTP: the scheduler on the emulator's clock, and sending one delivery.

May import: ``emulator.errors``, ``emulator.settings``, ``emulator.speed``, ``emulator.openapi``,
``emulator.lifecycle`` and ``emulator.checks`` (a payload is checked before it is sent).
"""
