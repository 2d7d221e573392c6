"""Job lifecycles, pure: profiles and scenarios as typed values, the engine, jobs and their store.

Nothing here knows HTTP. Five rooms: ``core`` (the engine takes a job, its scenario, ``now`` and
an event and returns the next job; ``action_table`` says what each action is, and its handlers
in ``actions`` apply a client's create, retrieve, retry, cancel or delete on one namespace;
``namespace`` holds one isolated world of jobs, clock, journal and counters), ``load``
(profile, scenario and webhook-event files into values), ``render`` (templates and views),
``persistence`` (state backends) and ``webhooks`` (events, outbox, signing).

May import: ``emulator.errors``, ``emulator.yamlread``, ``emulator.speed``, ``emulator.openapi``
(violations and schemas as values). Never ``emulator.http``, ``emulator.testing`` or the face.
"""
