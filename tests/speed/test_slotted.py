"""emulator.speed.slotted: the quicker __init__ and copy make what the dataclass makes."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

import pytest

from emulator.lifecycle.core.job import Event, Job
from emulator.speed.slotted import quick_init, slot_copier


@dataclass(frozen=True, slots=True)
class _Plain:
    a: int
    b: str = "b"
    c: list[int] = field(default_factory=list)


_Reference = _Plain.__init__
quick_init(_Plain)


def _made_by_the_dataclass(*args: object, **kwargs: object) -> _Plain:
    value = object.__new__(_Plain)
    _Reference(value, *args, **kwargs)
    return value


@pytest.mark.parametrize(
    ("args", "kwargs"), [((1,), {}), ((1, "x"), {}), ((), {"a": 1, "c": [2]}), ((1,), {"b": "y"})]
)
def test_quick_init_takes_the_same_arguments_and_defaults(
    args: tuple[object, ...], kwargs: dict[str, object]
) -> None:
    assert _Plain(*args, **kwargs) == _made_by_the_dataclass(*args, **kwargs)  # type: ignore[arg-type]


def test_a_default_factory_makes_a_new_value_each_time_and_frozen_stays_frozen() -> None:
    first, second = _Plain(1), _Plain(2)
    assert first.c == [] and first.c is not second.c
    with pytest.raises(dataclasses.FrozenInstanceError):
        first.a = 3  # type: ignore[misc]
    with pytest.raises(TypeError):
        _Plain()  # type: ignore[call-arg]
    with pytest.raises(TypeError):
        _Plain(1, nope=2)  # type: ignore[call-arg]


def test_jobs_and_events_are_made_quickly_and_copy_to_an_equal_value() -> None:
    assert "set_id" in Job.__init__.__code__.co_names  # the quick __init__, not the dataclass's
    job = Job("j", "s", b"{}", 1.0, 2.0, 3.0, events=(Event(1.0, "create"),))
    assert (job.polls, job.override, job.updated_at, job.events[0].variables) == (0, None, 2.0, {})
    copied = slot_copier(Job)(job)
    assert copied == job and copied is not job


def test_only_frozen_slotted_dataclasses_are_taken() -> None:
    @dataclass(slots=True)
    class Loose:
        a: int

    with pytest.raises(TypeError, match="not a frozen dataclass"):
        quick_init(Loose)
