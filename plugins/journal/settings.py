"""The journal's settings a school chooses (regulation: the journal administrator): kinds of work
and their weights, attendance codes, whether double marks («3/5») are allowed, the threshold from
which a period mark rounds up, and the subjects marked зачёт / незачёт.

Nothing here rewrites the past: a mark keeps the weight it was posted with, an archived kind of
work or code stays on the marks and entries that have it, and a code's text never changes once
it exists (entries store the text).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import time
from decimal import Decimal

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.i18n import folded
from core.i18n import gettext as _
from core.structure.common import lock_school, owned
from core.structure.models import Subject
from plugins.journal.models import JournalAttendanceCode, JournalSettings, JournalSubjectScale, JournalWorkKind
from plugins.journal.deadlines import DEFAULT_DEADLINE
from plugins.journal.rules import AMENDING_ROLES, BUILTIN_SCALES, JournalRules, ensure_defaults, load_rules, rules_changed

NAME_MAX = 100
CODE_PATTERN = re.compile(r"[^\W\d_]{1,4}")  # one to four letters: Н, Б, ОП
_WEIGHT = re.compile(r"\d{1,2}(?:[.,]\d{1,2})?")
_THRESHOLD = re.compile(r"0?[.,]\d{1,2}")
DEFAULT_SCALE = "five_point"


class SettingsRefused(ValueError):
    """Nothing was saved: ``errors`` (field → message); ``status`` 422 for bad input, 409 for a
    stale form (``errors`` then says what is stored now)."""

    def __init__(self, errors: dict[str, str], status: int = 422) -> None:
        super().__init__(next(iter(errors.values())))
        self.errors, self.status = errors, status


@dataclass(frozen=True)
class KindInput:
    name: str
    weight: str
    archived: bool = False
    shown: str = ""  # the row as the form showed it (``shown_as``): a stale form is refused
    marks_days: str = ""  # its marks may come this many days after the lesson; "" on the lesson's day


def shown_as(row: "JournalWorkKind | JournalAttendanceCode") -> str:
    """What an edit form showed of a kind or a code, to tell whether it changed since."""
    if isinstance(row, JournalWorkKind):
        return f"{row.name}|{row.weight_hundredths}|{int(row.is_archived)}|{row.marks_days or ''}"
    return f"{row.name}|{int(row.is_absence)}|{int(row.excused)}|{int(row.is_archived)}"


@dataclass(frozen=True)
class CodeInput:
    code: str
    name: str
    is_absence: bool
    excused: bool
    archived: bool = False
    shown: str = ""


@dataclass(frozen=True)
class FinalsInput:
    """The final-mark rules as typed on the settings page."""

    open_days: str
    early: bool
    min_marks: str
    comment_gap: str
    amend_roles: tuple[str, ...]
    fill_deadline: str = "17:00"


def _whole(text: str, field: str, low: int, high: int) -> int:
    text = text.strip()
    if not (text.isascii() and text.isdigit() and len(text) <= 3 and low <= int(text) <= high):
        raise SettingsRefused({field: _("Enter a whole number from %(low)d to %(high)d.", low=low, high=high)})
    return int(text)


_TIME = re.compile(r"([01]?\d|2[0-3])[:.]([0-5]\d)")


EARLIEST_DEADLINE = time(12, 0)  # earlier, every lesson of the afternoon would be late before it is given


def parse_time_of_day(text: str, field: str) -> time:
    """«17:00» or «17.00» → 17:00, from 12:00 to 23:59; anything else is refused."""
    match = _TIME.fullmatch(text.strip())
    if match is None:
        raise SettingsRefused({field: _("Enter the time as hours and minutes, e.g. 17:00.")})
    found = time(int(match.group(1)), int(match.group(2)))
    if found < EARLIEST_DEADLINE:
        raise SettingsRefused({field: _("Lessons are filled by a time from 12:00 to 23:59.")})
    return found


def parse_finals(finals: FinalsInput) -> dict[str, object]:
    """The columns of the final-mark rules; bad input refused with the field's message."""
    gap = finals.comment_gap.strip()
    if not _WEIGHT.fullmatch(gap) or not 10 <= int(Decimal(gap.replace(",", ".")) * 100) <= 400:
        raise SettingsRefused({"finals_comment_gap": _("Enter a number of points from 0,1 to 4, e.g. 1 or 1,5.")})
    roles = [role for role in AMENDING_ROLES if role in finals.amend_roles]
    return {"fill_deadline": parse_time_of_day(finals.fill_deadline, "fill_deadline"),"finals_open_days": _whole(finals.open_days, "finals_open_days", 0, 60),
            "finals_early": finals.early,
            "finals_min_marks": _whole(finals.min_marks, "finals_min_marks", 0, 20),
            "finals_comment_gap_hundredths": int(Decimal(gap.replace(",", ".")) * 100),
            "amend_closed_roles": ",".join(roles)}


@dataclass
class SettingsView:
    """What the settings page shows."""

    settings: JournalSettings | None
    rules: JournalRules
    subjects: list[Subject]

    @property
    def version(self) -> int:
        return self.settings.version if self.settings else 0

    @property
    def fill_deadline(self) -> time:
        return self.settings.fill_deadline if self.settings else DEFAULT_DEADLINE


def parse_weight(text: str) -> int:
    """«1,5» or «1.5» → 150 hundredths; from 0,01 to 10."""
    text = text.strip()
    if not _WEIGHT.fullmatch(text):
        raise SettingsRefused({"weight": _("Enter the weight as a number from 0,01 to 10, e.g. 1,5.")})
    hundredths = int(Decimal(text.replace(",", ".")) * 100)
    if not 1 <= hundredths <= 1000:
        raise SettingsRefused({"weight": _("The weight is from 0,01 to 10.")})
    return hundredths


def parse_marks_days(text: str) -> int | None:
    """How many days after the lesson a kind's marks may come: "" (on the lesson's day) or 1 to 30."""
    text = text.strip()
    if not text:
        return None
    if not (text.isascii() and text.isdigit() and len(text) <= 2 and 1 <= int(text) <= 30):
        raise SettingsRefused({"marks_days": _("Enter a number of days from 1 to 30, or leave it empty.")})
    return int(text)


def parse_threshold(text: str) -> int:
    """«0,5» or «0.65» → hundredths; from 0,50 to 0,99."""
    text = text.strip()
    if not _THRESHOLD.fullmatch(text):
        raise SettingsRefused({"final_threshold": _("Enter the threshold as a fraction from 0,50 to 0,99, e.g. 0,6.")})
    hundredths = int(Decimal(text.replace(",", ".")) * 100)
    if not 50 <= hundredths <= 99:
        raise SettingsRefused({"final_threshold": _("The threshold is from 0,50 to 0,99.")})
    return hundredths


def _name(text: str, field: str = "name") -> str:
    name = " ".join(text.split())
    if not name:
        raise SettingsRefused({field: _("Enter a name.")})
    if len(name) > NAME_MAX:
        raise SettingsRefused({field: _("Too long: at most %(count)d characters.", count=NAME_MAX)})
    return name


class SettingsService:
    def __init__(self, session: AsyncSession, school_id: int) -> None:
        self.session, self.school_id = session, school_id

    async def has_defaults(self) -> bool:
        """Whether the school has kinds of work and attendance codes (a read, one statement)."""
        kinds = select(func.count()).select_from(JournalWorkKind).where(JournalWorkKind.school_id == self.school_id)
        codes = select(func.count()).select_from(JournalAttendanceCode).where(JournalAttendanceCode.school_id == self.school_id)
        found = (await self.session.execute(select(kinds.scalar_subquery(), codes.scalar_subquery()))).one()
        return bool(found[0] and found[1])

    async def add_defaults(self) -> None:
        """The default kinds and codes, once (the school's row serialises two first visits)."""
        await lock_school(self.session, self.school_id)
        await ensure_defaults(self.session, self.school_id)

    async def view(self) -> SettingsView:
        settings = await self.session.scalar(select(JournalSettings).where(JournalSettings.school_id == self.school_id))
        subjects = list((await self.session.execute(select(Subject).where(
            Subject.school_id == self.school_id, Subject.is_archived.is_(False))
            .order_by(Subject.sort_order, Subject.name, Subject.id))).scalars())
        return SettingsView(settings, await load_rules(self.session, self.school_id), subjects)

    # ---- double marks, the rounding threshold, final marks and closed periods --------------------

    async def save_rules(self, allow_double_marks: bool, threshold: str, version: str,
                         finals: FinalsInput | None = None) -> JournalSettings:
        hundredths = parse_threshold(threshold)
        finals_values = parse_finals(finals) if finals is not None else None
        await lock_school(self.session, self.school_id)
        settings = await self.session.scalar(select(JournalSettings).where(JournalSettings.school_id == self.school_id))
        stored = settings.version if settings else 0  # a school without the row has the defaults, version 0
        if version.strip() != str(stored):
            double, threshold = (settings.allow_double_marks, settings.final_threshold_hundredths) if settings else (True, 50)
            raise SettingsRefused({"form": _(
                "Nothing was saved: someone changed these settings meanwhile. Now: double marks %(double)s, "
                "threshold %(threshold)s.", double=_("allowed") if double else _("not allowed"),
                threshold=str(Decimal(threshold) / 100).replace(".", ","))}, 409)
        if settings is None:
            settings = JournalSettings(school_id=self.school_id, version=0)
            self.session.add(settings)
            await self.session.flush()  # the columns' defaults, to compare with
        wanted = {"allow_double_marks": allow_double_marks, "final_threshold_hundredths": hundredths, **(finals_values or {})}
        if any(getattr(settings, name) != value for name, value in wanted.items()):
            for name, value in wanted.items():
                setattr(settings, name, value)
            settings.version = stored + 1
            settings.rules_version = (settings.rules_version or 0) + 1
        await self.session.flush()
        return settings

    # ---- kinds of work ---------------------------------------------------------------------------

    async def create_kind(self, wanted: KindInput) -> JournalWorkKind:
        name, hundredths, days = _name(wanted.name), parse_weight(wanted.weight), parse_marks_days(wanted.marks_days)
        await lock_school(self.session, self.school_id)
        await self._unique_kind(name, None)
        last = await self.session.scalar(select(func.max(JournalWorkKind.sort_order)).where(
            JournalWorkKind.school_id == self.school_id))
        kind = JournalWorkKind(school_id=self.school_id, name=name, weight_hundredths=hundredths, marks_days=days,
                               sort_order=(last if last is not None else -1) + 1)
        self.session.add(kind)
        await self.session.flush()
        await rules_changed(self.session, self.school_id)
        return kind

    async def update_kind(self, kind_id: int, wanted: KindInput) -> dict[str, tuple[object, object]]:
        """Rename, reweigh (new marks only: posted marks keep their weight), archive or restore;
        the changes made, field → (old, new)."""
        kind = await owned(self.session, JournalWorkKind, kind_id, self.school_id)
        name, hundredths, days = _name(wanted.name), parse_weight(wanted.weight), parse_marks_days(wanted.marks_days)
        await lock_school(self.session, self.school_id)
        await self.session.refresh(kind)
        _refuse_stale(kind, wanted.shown)
        await self._unique_kind(name, kind.id)
        if wanted.archived and not kind.is_archived and await self._active_count(JournalWorkKind) <= 1:
            raise SettingsRefused({"archived": _("At least one kind of work must stay in use.")})
        return await self._change(kind, name=name, weight_hundredths=hundredths, is_archived=wanted.archived,
                                  marks_days=days)

    async def _unique_kind(self, name: str, own_id: int | None) -> None:
        names = (await self.session.execute(select(JournalWorkKind.id, JournalWorkKind.name).where(
            JournalWorkKind.school_id == self.school_id))).all()
        if any(folded(other) == folded(name) and kind_id != own_id for kind_id, other in names):
            raise SettingsRefused({"name": _("The school already has a kind of work named «%(name)s».", name=name)})

    # ---- attendance codes ------------------------------------------------------------------------

    async def create_code(self, wanted: CodeInput) -> JournalAttendanceCode:
        text = wanted.code.strip().upper()
        if not CODE_PATTERN.fullmatch(text):
            raise SettingsRefused({"code": _("The code is one to four letters, e.g. «Н» or «ОП».")})
        name = _name(wanted.name)
        await lock_school(self.session, self.school_id)
        taken = await self.session.scalar(select(JournalAttendanceCode.id).where(
            JournalAttendanceCode.school_id == self.school_id, JournalAttendanceCode.code == text))
        if taken is not None:
            raise SettingsRefused({"code": _("The school already has the code «%(code)s».", code=text)})
        last = await self.session.scalar(select(func.max(JournalAttendanceCode.sort_order)).where(
            JournalAttendanceCode.school_id == self.school_id))
        code = JournalAttendanceCode(school_id=self.school_id, code=text, name=name, is_absence=wanted.is_absence,
                                     excused=wanted.is_absence and wanted.excused,
                                     sort_order=(last if last is not None else -1) + 1)
        self.session.add(code)
        await self.session.flush()
        await rules_changed(self.session, self.school_id)
        return code

    async def update_code(self, code_id: int, wanted: CodeInput) -> dict[str, tuple[object, object]]:
        """Rename, change what the code means, archive or restore it; its text stays."""
        code = await owned(self.session, JournalAttendanceCode, code_id, self.school_id)
        name = _name(wanted.name)
        await lock_school(self.session, self.school_id)
        await self.session.refresh(code)
        _refuse_stale(code, wanted.shown)
        if wanted.archived and not code.is_archived and await self._active_count(JournalAttendanceCode) <= 1:
            raise SettingsRefused({"archived": _("At least one attendance code must stay in use.")})
        return await self._change(code, name=name, is_absence=wanted.is_absence, excused=wanted.is_absence and wanted.excused,
                            is_archived=wanted.archived)

    # ---- scales ----------------------------------------------------------------------------------

    async def save_scale(self, subject_id: int | None, scale: str) -> tuple[Subject, str]:
        """The subject's scale: five-point (the default: no row) or another built-in one."""
        subject = await self.session.get(Subject, subject_id) if subject_id is not None else None
        if subject is None or subject.school_id != self.school_id:
            raise SettingsRefused({"subject_id": _("Choose a subject from the list.")})
        if scale not in BUILTIN_SCALES:
            raise SettingsRefused({"scale": _("Choose a scale from the list.")})
        await lock_school(self.session, self.school_id)
        row = await self.session.scalar(select(JournalSubjectScale).where(
            JournalSubjectScale.school_id == self.school_id, JournalSubjectScale.subject_id == subject.id))
        if scale == DEFAULT_SCALE:
            await self.session.execute(delete(JournalSubjectScale).where(
                JournalSubjectScale.school_id == self.school_id, JournalSubjectScale.subject_id == subject.id))
        elif row is None:
            self.session.add(JournalSubjectScale(school_id=self.school_id, subject_id=subject.id, scale=scale))
        else:
            row.scale = scale
        await self.session.flush()
        await rules_changed(self.session, self.school_id)
        return subject, scale

    # ---- shared ----------------------------------------------------------------------------------

    async def _active_count(self, model: type) -> int:
        return await self.session.scalar(select(func.count()).select_from(model).where(
            model.school_id == self.school_id, model.is_archived.is_(False))) or 0

    async def _change(self, row: object, **values: object) -> dict[str, tuple[object, object]]:
        changes = {name: (getattr(row, name), value) for name, value in values.items() if getattr(row, name) != value}
        for name, (_old, new) in changes.items():
            setattr(row, name, new)
        if changes:
            await rules_changed(self.session, self.school_id)
        return changes


def _refuse_stale(row: "JournalWorkKind | JournalAttendanceCode", shown: str) -> None:
    """Someone saved this row after the form was shown: refuse, naming what is stored now."""
    if shown and shown != shown_as(row):
        raise SettingsRefused({"name": _("Someone changed this meanwhile; now: %(name)s.", name=row.name)}, status=409)
