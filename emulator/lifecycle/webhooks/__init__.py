"""Webhooks without HTTP: the events a profile declares, subscriptions and delivery faults, a
namespace's outbox of deliveries due, and signing.

May import: ``emulator.speed``, ``emulator.lifecycle.core`` (jobs and scenarios) and
``emulator.lifecycle.render`` (payloads are templates).
"""
