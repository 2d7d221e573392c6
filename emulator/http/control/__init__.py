"""The control plane under ``/_emulator``: clock, jobs, scenarios, journal, namespaces, webhooks,
the dashboard's routes, the control token, and the redaction of what leaves through it.

May import: what ``emulator.http`` may, and the request path of ``emulator.http`` (envelopes,
dispatch, the response check) and ``emulator.http.delivery``.
"""
