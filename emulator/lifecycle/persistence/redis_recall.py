"""What a worker remembers of the namespaces and jobs its requests last saw, to skip a read.

A request on shared state first reads the namespace's settings and the job its path names
(``PREFETCH``), then commits. A worker that serves a namespace's requests one after another
(one emulator in front of a test suite; a client whose connection stays on one worker) already
holds what its last commit left there. ``Recall`` keeps that, and a request naming a job it
holds runs on it at once: its commit checks inside Redis that every remembered value it used is
still current (the generation, the clock and every setting, the job and its poll count, the
webhook subscriptions' version), so a request never acts on what another worker has changed. If
anything changed, the commit writes nothing and answers with the values as they are now; the
request runs again on those, without a round trip of its own.

Where workers keep changing the same jobs (two workers polling one job in turn), remembering
mostly fails its checks and costs a wasted run each time. ``Recall`` counts how its recent
attempts fared, and when too many failed it stops offering what it holds for a while, so
requests read first as they would without it; then it tries again.

Bounded: it forgets everything once it holds more than ``max_bytes`` of jobs or more than
``max_namespaces`` namespaces, as the request path's other memos do.
"""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["Recall", "Remembered"]


@dataclass(slots=True)
class Remembered:
    """One namespace as the last commit of this worker left it."""

    meta: dict[str, bytes]
    # The webhook subscriptions hash (with its version field), when the API has webhooks.
    subs: dict[str, bytes] | None
    # By job id: its record and its poll count (None: absent).
    jobs: dict[str, tuple[bytes | None, bytes | None]] = field(default_factory=dict)


class Recall:
    """This worker's ``Remembered`` namespaces, by key prefix (see the module docstring)."""

    # Of the last WINDOW requests that ran on what was remembered, at most MOST_FAILED may have
    # met a change; past that, nothing is offered for the next PAUSE requests.
    WINDOW = 64
    MOST_FAILED = 16
    PAUSE = 1024

    def __init__(self, max_bytes: int = 16 << 20, max_namespaces: int = 1024) -> None:
        self.max_bytes = max_bytes
        self.max_namespaces = max_namespaces
        self._spaces: dict[str, Remembered] = {}
        self._bytes = 0
        self._tried = 0
        self._failed = 0
        self._paused = 0
        # How often a request ran on what was remembered, how often that met a change, and how
        # often remembering was paused.
        self.hits = 0
        self.misses = 0
        self.pauses = 0

    def offer(self, base: str, job_id: str, hooks: bool) -> Remembered | None:
        """The namespace under ``base`` with job ``job_id`` in it, if remembered and if
        remembering pays now."""
        if self._paused:
            self._paused -= 1
            return None
        space = self._spaces.get(base)
        if space is None or job_id not in space.jobs or (hooks and space.subs is None):
            return None
        return space

    def outcome(self, conflicted: bool) -> None:
        """How a request that ran on what was remembered fared at its commit."""
        self._tried += 1
        if conflicted:
            self.misses += 1
            self._failed += 1
        else:
            self.hits += 1
        if self._failed > self.MOST_FAILED:
            self._paused = self.PAUSE
            self.pauses += 1
        if self._tried >= self.WINDOW or self._paused:
            self._tried = self._failed = 0

    def keep(
        self,
        base: str,
        meta: dict[str, bytes],
        subs: dict[str, bytes] | None,
        job_id: str,
        job: tuple[bytes | None, bytes | None],
    ) -> None:
        """What a commit just left of the namespace and of one job. ``meta`` is kept as given
        (its transaction is over); a request running on it takes a copy."""
        space = self._spaces.get(base)
        if space is None:
            if len(self._spaces) >= self.max_namespaces:
                self.clear()
            space = self._spaces[base] = Remembered(meta, subs)
        else:
            space.meta = meta
            space.subs = subs
        old = space.jobs.get(job_id)
        self._bytes += _size(job) - (_size(old) if old is not None else 0)
        space.jobs[job_id] = job
        if self._bytes > self.max_bytes:
            self.clear()

    def forget(self, base: str) -> None:
        """Everything of the namespace under ``base`` (reset, freed, its webhooks changed)."""
        space = self._spaces.pop(base, None)
        if space is not None:
            self._bytes -= sum(_size(job) for job in space.jobs.values())

    def clear(self) -> None:
        self._spaces.clear()
        self._bytes = 0

    def __len__(self) -> int:
        return sum(len(space.jobs) for space in self._spaces.values())


def _size(job: tuple[bytes | None, bytes | None]) -> int:
    record, polls = job
    return len(record or b"") + len(polls or b"") + 64
