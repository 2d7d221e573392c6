"""The lifecycle's core: jobs and scenarios as values, the pure engine, the job actions, and a
namespace's store, clock, journal, faults and evictions.

May import: ``emulator.errors``, ``emulator.speed``, ``emulator.openapi`` (violations as values),
``emulator.lifecycle.render`` (the templates a profile carries, the views an action answers
with) and ``emulator.lifecycle.webhooks`` (the events a profile declares, a namespace's outbox).
"""
