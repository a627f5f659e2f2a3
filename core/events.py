"""Typed events and how to emit them.

An event is a frozen dataclass with a ``name`` of the form ``<owner>.<past_tense>``. Event types
shared between plugins live here, in core, so plugins never import each other; a plugin may also
declare event types only it handles. ``emit`` writes the event to the outbox in the caller's
transaction: if the transaction rolls back, the event never happened. After commit the
dispatcher (``core.outbox``) delivers it to every ``on_event`` implementation, at least once.
"""

from __future__ import annotations

import dataclasses
import json
from datetime import date, datetime
from typing import Any, ClassVar

from sqlalchemy.ext.asyncio import AsyncSession

from core.db.session import EVENTS_EMITTED

_EVENT_TYPES: dict[str, type["Event"]] = {}


@dataclasses.dataclass(frozen=True, kw_only=True)
class Event:
    """Base of all events. Subclasses set ``name`` and declare plain fields."""

    name: ClassVar[str] = ""
    school_id: int | None = None

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        owner, dot, what = cls.name.partition(".")
        if not (owner and dot and what and what.islower()):
            raise TypeError(f"{cls.__qualname__}.name must be '<owner>.<past_tense>', got {cls.name!r}")
        known = _EVENT_TYPES.get(cls.name)
        if known and (known.__module__, known.__qualname__) != (cls.__module__, cls.__qualname__):
            raise TypeError(f"event name {cls.name!r} is already used by {known.__module__}.{known.__qualname__}")
        _EVENT_TYPES[cls.name] = cls

    def to_payload(self) -> str:
        return json.dumps({f.name: _encode(getattr(self, f.name)) for f in dataclasses.fields(self)}, sort_keys=True)

    @classmethod
    def from_payload(cls, payload: str) -> "Event":
        data = json.loads(payload)
        return cls(**{f.name: _decode(data.get(f.name)) for f in dataclasses.fields(cls) if f.init})


def event_type(name: str) -> type[Event] | None:
    return _EVENT_TYPES.get(name)


def emit(session: AsyncSession, event: Event) -> None:
    """Record ``event`` in the outbox as part of ``session``'s transaction."""
    from core.outbox import OutboxEvent

    if not isinstance(event, Event) or not type(event).name:
        raise TypeError(f"emit() takes an Event subclass instance, got {event!r}")
    session.add(OutboxEvent(name=event.name, school_id=event.school_id, payload=event.to_payload()))
    session.sync_session.info[EVENTS_EMITTED] = True


def _encode(value: Any) -> Any:
    if isinstance(value, datetime):
        return {"$datetime": value.isoformat()}
    if isinstance(value, date):
        return {"$date": value.isoformat()}
    return value


def _decode(value: Any) -> Any:
    if isinstance(value, dict):
        if "$datetime" in value:
            return datetime.fromisoformat(value["$datetime"])
        if "$date" in value:
            return date.fromisoformat(value["$date"])
    return value


# ---- Core event types ------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True, kw_only=True)
class SchoolCreated(Event):
    """A school was added to the installation."""

    name: ClassVar[str] = "core.school_created"
    school_name: str


@dataclasses.dataclass(frozen=True, kw_only=True)
class ConsentWithdrawn(Event):
    """A person's consent to the processing of their personal data was withdrawn, wholly or for
    some purposes (``scopes``, comma-separated keys of ``core.people.consent.CONSENT_SCOPES``).
    Each plugin stops what it does for those purposes: e-mail copies, calendar feeds."""

    name: ClassVar[str] = "core.consent_withdrawn"
    person_id: int
    scopes: str


@dataclasses.dataclass(frozen=True, kw_only=True)
class TimetableChanged(Event):
    """The lessons of some dates changed: a change was recorded or withdrawn by the dispatcher.
    ``on_date`` (to ``ends_on`` for a long-term replacement; plus ``to_date`` for a move) are the
    dates affected; the pages, teachers and classes are those before and after the change, so a
    handler can tell everyone concerned (the journal, the diary, the noticeboard)."""

    name: ClassVar[str] = "core.timetable_changed"
    change_id: int
    kind: str
    on_date: date
    to_date: date | None = None
    ends_on: date | None = None
    subject_page_ids: list[int] = dataclasses.field(default_factory=list)
    teacher_ids: list[int] = dataclasses.field(default_factory=list)
    class_group_ids: list[int] = dataclasses.field(default_factory=list)
    withdrawn: bool = False


@dataclasses.dataclass(frozen=True, kw_only=True)
class TimetableEdited(Event):
    """A weekly timetable version changed (a lesson slot added or removed, a version created or
    deleted): the lessons from ``valid_from`` on may differ. Only versions not yet in force are
    editable, so the past never changes."""

    name: ClassVar[str] = "core.timetable_edited"
    academic_year_id: int
    valid_from: date


# ---- The journal's events (shared: the diary, messaging and reports listen) ------------------


@dataclasses.dataclass(frozen=True, kw_only=True)
class GradePosted(Event):
    """A mark was given to a student at a lesson."""

    name: ClassVar[str] = "journal.grade_posted"
    grade_id: int
    lesson_id: int
    student_id: int
    subject_page_id: int
    day: date
    mark: str
    work_kind: str
    teacher_id: int | None = None


@dataclasses.dataclass(frozen=True, kw_only=True)
class GradeChanged(Event):
    """A mark was changed or removed (``mark`` is "" when removed); ``old_mark`` is what it was."""

    name: ClassVar[str] = "journal.grade_changed"
    grade_id: int
    lesson_id: int
    student_id: int
    subject_page_id: int
    day: date
    old_mark: str
    mark: str
    changed_by: int | None = None


@dataclasses.dataclass(frozen=True, kw_only=True)
class AttendanceMarked(Event):
    """A student's attendance at a lesson was set, changed or cleared (``code`` "" is present)."""

    name: ClassVar[str] = "journal.attendance_marked"
    lesson_id: int
    student_id: int
    subject_page_id: int
    day: date
    number: int | None
    code: str
    old_code: str = ""
    is_absence: bool = False
    changed_by: int | None = None


@dataclasses.dataclass(frozen=True, kw_only=True)
class LessonFilled(Event):
    """A lesson got its topic for the first time."""

    name: ClassVar[str] = "journal.lesson_filled"
    lesson_id: int
    subject_page_id: int
    day: date
    teacher_id: int | None = None
    late: bool = False  # filled after the day of the lesson


@dataclasses.dataclass(frozen=True, kw_only=True)
class HomeworkSet(Event):
    """A lesson's homework was set or changed (``text`` "" with ``none`` True: no homework)."""

    name: ClassVar[str] = "journal.homework_set"
    lesson_id: int
    subject_page_id: int
    day: date
    due: date | None
    text: str
    none: bool = False
