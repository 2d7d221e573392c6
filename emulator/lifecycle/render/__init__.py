"""What a job looks like on the wire: the template language, the context a view is filled
from, and the cache of rendered views.

May import: ``emulator.speed`` and ``emulator.lifecycle.core`` (the job, scenario and profile
values a view reads).
"""
