"""Frozen values that hooks return (never loose dicts)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any, Mapping

from core.i18n import N_


@dataclass(frozen=True)
class NavItem:
    """An entry of the main navigation.

    ``label`` is already translated (hooks run inside the request's locale). ``badge`` is a
    short count shown beside the label (unread messages), or None. With ``badge_url`` the page
    asks that address for the badge again every ``BADGE_POLL_SECONDS`` (the answer is
    ``core/_nav_badge.html``, rendered with ``item``); mark its route ``"background": True``.
    """

    id: str  # DOM id suffix: the link gets id "nav-<id>"
    label: str
    url: str
    section: int = 50  # lower sections come first
    order: int = 50
    badge: int | str | None = None
    badge_url: str | None = None


BADGE_POLL_SECONDS = 60  # unread counts: fresh enough for mail, a request a minute per open page


@dataclass(frozen=True)
class Widget:
    """A block of the dashboard.

    Either ``template`` (rendered with ``context`` inside the dashboard) or ``url`` (a partial
    loaded after the page, for slow widgets; the URL also works as a plain link).
    """

    id: str  # DOM id suffix: the block gets id "widget-<id>"
    title: str
    template: str | None = None
    context: Mapping[str, Any] = field(default_factory=dict)
    url: str | None = None
    order: int = 50

    def __post_init__(self) -> None:
        if (self.template is None) == (self.url is None):
            raise ValueError(f"widget {self.id!r} needs exactly one of template and url")


@dataclass(frozen=True)
class Permission:
    """A kind of action, named ``<owner>.<verb>``, and the roles that have it by default.

    ``description`` is an English msgid shown (translated) to administrators.
    """

    name: str
    description: str
    roles: frozenset[str]

    def __post_init__(self) -> None:
        if not re.fullmatch(r"[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*", self.name):
            raise ValueError(f"permission name must be '<owner>.<verb>' in lower-case Latin letters, got {self.name!r}")


AUDIT_CATEGORIES: dict[str, str] = {
    "sign_in": N_("Sign-in and sessions"),
    "credentials": N_("Passwords and the second factor"),
    "access": N_("Accounts, roles and access"),
    "personal_data": N_("Personal data"),
    "structure": N_("School structure and timetable"),
    "journal": N_("Journal"),
    "communication": N_("Messages, announcements and feeds"),
    "export": N_("Exports and prints"),
    "settings": N_("Settings"),
}


@dataclass(frozen=True)
class AuditEvent:
    """An action the audit log records, named like a permission (``<owner>.<what>``).

    ``category`` is a key of ``AUDIT_CATEGORIES``; ``description`` an English msgid, shown
    translated in the audit viewer and its catalogue.
    """

    action: str
    category: str
    description: str

    def __post_init__(self) -> None:
        if not re.fullmatch(r"[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*", self.action):
            raise ValueError(f"audit action must be '<owner>.<what>' in lower-case Latin letters, got {self.action!r}")
        if self.category not in AUDIT_CATEGORIES:
            raise ValueError(f"audit action {self.action!r}: unknown category {self.category!r}")


@dataclass(frozen=True)
class UserTextField:
    """A form field where people type text others will see: the security battery stores attack
    payloads through it and opens every page that shows it in a browser.

    ``form`` is the route name that accepts the field; ``shown_on`` the route names of pages that
    display it.
    """

    form: str
    field: str
    shown_on: tuple[str, ...]


@dataclass(frozen=True)
class GradeScale:
    """A scale of marks (``grade_scale`` hook).

    ``marks``: the allowed single marks, best first. ``numeric``: whether marks are numbers that
    average (five-point) or not (pass/fail). ``passing``: the marks that pass. ``allows_double``:
    whether «3/5»-style double marks are possible on this scale (if the school allows them).
    """

    code: str  # "five_point", "pass_fail", ...
    title: str  # an English msgid, shown translated
    marks: tuple[str, ...]
    passing: frozenset[str]
    numeric: bool = True
    allows_double: bool = True

    def __post_init__(self) -> None:
        if not self.marks or not self.passing <= set(self.marks):
            raise ValueError(f"scale {self.code!r}: passing marks must be some of its marks")

    def value(self, mark: str) -> Decimal | None:
        """The number a single mark counts as in an average; None on a scale that does not average."""
        return Decimal(mark) if self.numeric else None


FIVE_POINT = GradeScale("five_point", N_("Five-point"), ("5", "4", "3", "2", "1"), frozenset({"5", "4", "3"}))
PASS_FAIL = GradeScale("pass_fail", N_("Pass / fail"), ("зач", "незач"), frozenset({"зач"}), numeric=False,
                       allows_double=False)


@dataclass(frozen=True)
class DiaryGrade:
    """A mark as a student's diary shows it."""

    mark: str  # "5", "3/5", "зач"
    work_kind: str  # «Контрольная работа»
    weight: Decimal
    note: str = ""
    posted_at: datetime | None = None  # when it was given or last changed: what is new since a family's last visit
    day: date | None = None  # the lesson's day (the marks of a period list it; a week's lines know it)


@dataclass(frozen=True)
class DiaryEntry:
    """One line of a student's diary a plugin contributes: a lesson with what happened in it."""

    day: date
    number: int | None  # the lesson's number in the day (ordering); None for entries that are not lessons
    subject: str
    starts_at: time | None = None
    ends_at: time | None = None
    topic: str = ""
    homework: str = ""  # plain text, may contain links (rendered escaped, links made clickable)
    homework_due: date | None = None
    grades: tuple[DiaryGrade, ...] = ()
    attendance: str = ""  # the attendance code («Н», «Б», «ОП»); "" when present
    replaced: bool = False  # «замена»: someone else gave the lesson
    source: str = ""  # the plugin's name
    key: str = ""  # stable across changes of the entry (a calendar's UID): "<plugin>-<what>-<id>"
    teacher: str = ""  # who gives it (the substitute, when replaced)
    room: str = ""
    cancelled: bool = False  # the timetable cancelled it: shown struck out, nothing else in it
    attendance_reason: str = ""  # the class teacher's note on an absence («справка»)
    excused: bool = False  # the absence has a good reason
    attendance_at: datetime | None = None  # when the absence was marked: what is new since a family's last visit
    url: str = ""  # where the entry is told in full (a notice's page): the diary links its topic there


@dataclass(frozen=True)
class DiarySubjectMarks:
    """A subject's marks of a study period as a student's diary shows them (``diary_marks`` hook):
    every mark with its day, the weighted average with the formula that gives it, and the final
    marks given so far."""

    subject_id: int  # core ``subject.id``: the diary's address of the subject's page
    subject: str
    grades: tuple[DiaryGrade, ...] = ()  # oldest first, each with its ``day``
    teachers: tuple[str, ...] = ()
    average: str = ""  # «4,33»; "" without marks or on a scale that does not average
    formula: str = ""  # «(5·2 + 3·1)/3 = 4,33»
    period_mark: str = ""  # the chosen period's mark
    period_marks: tuple[tuple[int, str], ...] = ()  # (study period id, mark) of every period of the year given so far
    year_mark: str = ""
    exam_mark: str = ""
    final_mark: str = ""  # итоговая (grades 9 and 11)
    ungraded: bool = False  # the subject takes no marks in this period («без отметок»)
    source: str = ""


@dataclass(frozen=True)
class RecipientGroup:
    """A named group of people a plugin offers as recipients of a message; ``user_ids`` are accounts.

    ``about`` says, for a recipient, which students (accounts) the message concerns: a parent of a
    failing student is told about their own child, never about the others of the group."""

    id: str  # stable: "<plugin>-<what>-<object id>"
    label: str  # already translated
    user_ids: tuple[int, ...]
    about: Mapping[int, tuple[int, ...]] = field(default_factory=dict)
