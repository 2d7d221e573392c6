"""Job lifecycles, pure: profiles and scenarios as typed values, the engine, jobs and their store.

Nothing here knows HTTP. The engine takes a job, its scenario, ``now`` and an event and returns the
next job; ``actions`` applies a client's create, retrieve, retry, cancel or delete on one
namespace; ``views`` renders a job through the profile's templates; ``namespace`` holds one
isolated world (jobs, clock, journal, counters).

May import: ``emulator.errors``, ``emulator.yamlread``, ``emulator.openapi`` (violations and
schemas as values). Never ``emulator.http``, ``emulator.testing`` or the face.
"""
