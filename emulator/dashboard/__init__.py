"""The dashboard: a job's life drawn against its client's requests, live or in a report.

``timeline`` turns a job's status history and its journal entries into bands and marks;
``snapshot`` gathers a namespace's timelines and journal into one JSON value (what
``GET /_emulator/journal/export`` answers and what a saved journal holds); ``failure_report``
inlines the page's assets and a snapshot into one self-contained HTML file, which ``command``
(``jobs-emulator report``) builds from a saved journal. The live page (``assets/``) is served by
``emulator.http.control.dashboard_routes`` and reads the same data from the control plane.

May import: ``emulator.errors``, ``emulator.openapi``, ``emulator.lifecycle``. Never HTTP, the
testing layer or the face.
"""
