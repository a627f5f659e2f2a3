"""Publishing, editing and withdrawing notices, and the board as one person sees it.

Every publication, edit and withdrawal writes a revision with what the notice said. An edit of a
notice someone else changed after the form was shown is refused (its ``version``). The director
and the deputy edit and withdraw any notice; others their own.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from litestar.exceptions import NotFoundException
from sqlalchemy import ColumnElement, and_, case, delete, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from core.auth.services import CurrentUser
from core.db.types import utcnow
from core.i18n import like_pattern
from core.i18n import gettext as _
from core.web.uploads import FileLink, Upload, UploadLimits
from plugins.noticeboard.audience import ANYONE, Belonging, Target, belonging, beyond_message, beyond_rights, reaches, reaching, target_value
from plugins.noticeboard.models import (
    NoticeboardAttachment, NoticeboardAudience, NoticeboardNotice, NoticeboardRead, NoticeboardRevision,
)
from plugins.noticeboard.text import NoticeTextError, clean_notice_html, search_text

TITLE_MAX = 200
LIMITS = UploadLimits(files=5, file_size=10 * 2**20, total=20 * 2**20)


class NoticeError(ValueError):
    """Nothing was published: ``errors`` (field → message); ``status`` 409 for a stale form."""

    def __init__(self, errors: dict[str, str], status: int = 422) -> None:
        super().__init__(next(iter(errors.values())))
        self.errors, self.status = errors, status


@dataclass(frozen=True)
class NoticeInput:
    title: str
    body: str
    targets: tuple[Target, ...]
    publish_at: datetime | None = None  # None: now
    expire_at: datetime | None = None
    pinned: bool = False
    uploads: tuple[Upload, ...] = ()  # files to add
    remove: tuple[int, ...] = ()  # attachments to drop (an edit)


@dataclass(frozen=True)
class BoardNotice:
    notice: NoticeboardNotice
    unread: bool


@dataclass(frozen=True)
class NoticeView:
    """A notice as its page shows it to one person."""

    notice: NoticeboardNotice
    targets: tuple[Target, ...]
    attachments: tuple[FileLink, ...]
    may_change: bool  # the author, the director, the deputy
    unread: bool


def state_of(notice: NoticeboardNotice, now: datetime) -> str:
    """«withdrawn», «scheduled», «expired» or «current»."""
    if notice.withdrawn_at is not None:
        return "withdrawn"
    if notice.publish_at > now:
        return "scheduled"
    if notice.expire_at is not None and notice.expire_at <= now:
        return "expired"
    return "current"


async def targets_of(session: AsyncSession, notice_ids: list[int]) -> dict[int, list[Target]]:
    """Each notice's audience: one statement for any number of notices."""
    found: dict[int, list[Target]] = {}
    for row in (await session.execute(select(NoticeboardAudience).where(
            NoticeboardAudience.notice_id.in_(notice_ids or [0])))).scalars():
        found.setdefault(row.notice_id, []).append(Target(row.scope, row.people, row.scope_id, row.role))
    return found


class NoticeService:
    def __init__(self, session: AsyncSession, user: CurrentUser, today: date) -> None:
        self.session, self.user, self.today = session, user, today
        self.school_id = user.school_id or 0
        self._who: Belonging | None = None

    async def publish(self, wanted: NoticeInput, form_errors: dict[str, str] | None = None) -> NoticeboardNotice:
        """Publish (``form_errors``: what the form alone showed wrong, reported with the rest)."""
        errors = dict(form_errors or {})
        if wanted.pinned and not self.user.roles & ANYONE:
            errors["pinned"] = _("Only the director and the deputy pin notices.")
        title, body, publish_at = await self._checked(wanted, wanted.targets, list(wanted.targets), errors, notice_id=0)
        notice = NoticeboardNotice(school_id=self.school_id, title=title, body=body, author_id=self.user.id,
                                   publish_at=publish_at, expire_at=wanted.expire_at, pinned=wanted.pinned,
                                   search_key=search_text(title, body))
        self.session.add(notice)
        await self.session.flush()
        self._set_audience(notice, wanted.targets)
        self._attach(notice, wanted.uploads)
        self.session.add(NoticeboardRead(notice_id=notice.id, user_id=self.user.id))  # nothing new to its author
        self._revise(notice, "created", wanted.targets, [upload.filename for upload in wanted.uploads])
        await self.session.flush()
        return notice

    async def edit(self, notice_id: int, wanted: NoticeInput, version: int,
                   form_errors: dict[str, str] | None = None) -> NoticeboardNotice:
        """Save an edit. What the editor may not address (a class a teacher no longer teaches, the
        deputy's additions to a teacher's notice) is not in their form: it is kept, as is the pin
        for those who do not pin. A changed title or text is new again to everyone who read it."""
        notice = await self.own(notice_id)
        if notice.version != version:
            raise NoticeError({"form": _("Someone changed this notice meanwhile. What you typed is kept here: open the notice in a new tab to compare, then save again.")}, 409)
        existing = (await self._targets_of([notice.id])).get(notice.id, [])
        kept = await beyond_rights(self.session, self.user, existing, self.today)
        targets = tuple(dict.fromkeys([*wanted.targets, *kept]))
        added = [target for target in wanted.targets if target not in existing]
        pinned = wanted.pinned if self.user.roles & ANYONE else notice.pinned
        title, body, publish_at = await self._checked(wanted, targets, added, dict(form_errors or {}), notice_id=notice.id)
        if (title, body) != (notice.title, notice.body):
            await self.session.execute(delete(NoticeboardRead).where(NoticeboardRead.notice_id == notice.id,
                                                                     NoticeboardRead.user_id != self.user.id))
        notice.title, notice.body, notice.publish_at = title, body, publish_at
        notice.search_key = search_text(title, body)
        notice.expire_at, notice.pinned = wanted.expire_at, pinned
        notice.updated_at, notice.updated_by, notice.version = utcnow(), self.user.id, notice.version + 1
        await self.session.execute(delete(NoticeboardAudience).where(NoticeboardAudience.notice_id == notice.id))
        self._set_audience(notice, targets)
        await self.session.execute(delete(NoticeboardAttachment).where(
            NoticeboardAttachment.notice_id == notice.id, NoticeboardAttachment.id.in_(wanted.remove or (0,))))
        self._attach(notice, wanted.uploads)
        await self.session.flush()
        self._revise(notice, "edited", targets, await self._file_names(notice.id))
        await self.session.flush()
        return notice

    async def withdraw(self, notice_id: int) -> NoticeboardNotice:
        notice = await self.own(notice_id)
        if notice.withdrawn_at is None:
            notice.withdrawn_at, notice.withdrawn_by, notice.version = utcnow(), self.user.id, notice.version + 1
            self._revise(notice, "withdrawn", (), await self._file_names(notice.id))
            await self.session.flush()
        return notice

    async def _files_problem(self, notice_id: int, wanted: NoticeInput) -> str | None:
        """The files kept and added stay within the limits (the uploads were checked one by one)."""
        kept = (await self.session.execute(select(NoticeboardAttachment.size).where(
            NoticeboardAttachment.notice_id == notice_id, NoticeboardAttachment.id.not_in(wanted.remove or (0,))))).scalars().all()
        sizes = [*kept, *(len(upload.content) for upload in wanted.uploads)]
        if len(sizes) > LIMITS.files:
            return _("At most %(count)d files.", count=LIMITS.files)
        if sum(sizes) > LIMITS.total:
            return _("The files come to more than %(size)s MB together.", size=LIMITS.total // 2**20)
        return None

    async def _file_names(self, notice_id: int) -> list[str]:
        return list((await self.session.execute(select(NoticeboardAttachment.filename).where(
            NoticeboardAttachment.notice_id == notice_id).order_by(NoticeboardAttachment.id))).scalars())

    def _attach(self, notice: NoticeboardNotice, uploads: tuple[Upload, ...]) -> None:
        self.session.add_all(NoticeboardAttachment(
            notice_id=notice.id, filename=upload.filename, content_type=upload.content_type, size=len(upload.content),
            content=upload.content, added_by=self.user.id) for upload in uploads)

    async def board(self, *, query: str = "", unread_only: bool = False, offset: int = 0, limit: int = 20,
                    now: datetime | None = None) -> list[BoardNotice]:
        """The notices meant for the person (and their own) that are on the board now, pinned first,
        newest first, each with whether it is unread; ``limit + 1`` rows tell there is more. A few
        statements, whatever the number of notices: who the person is, then one query in SQL."""
        condition = await self._on_my_board(now or utcnow())
        unread = ~select(NoticeboardRead.id).where(NoticeboardRead.notice_id == NoticeboardNotice.id,
                                                   NoticeboardRead.user_id == self.user.id).exists()
        statement = select(NoticeboardNotice, unread.label("unread")).where(condition)
        if query:
            statement = statement.where(NoticeboardNotice.search_key.like(like_pattern(query), escape="\\"))
        if unread_only:
            statement = statement.where(unread)
        rows = (await self.session.execute(statement.order_by(
            NoticeboardNotice.pinned.desc(), NoticeboardNotice.publish_at.desc(), NoticeboardNotice.id.desc())
            .offset(offset).limit(limit + 1))).all()
        return [BoardNotice(notice, bool(is_unread)) for notice, is_unread in rows]

    async def counts(self, now: datetime | None = None) -> tuple[int, int]:
        """(on the board for the person, of them unread): the nav's badge and the dashboard's block."""
        condition = await self._on_my_board(now or utcnow())
        read = select(NoticeboardRead.id).where(NoticeboardRead.notice_id == NoticeboardNotice.id,
                                                NoticeboardRead.user_id == self.user.id).exists()
        total, unread = (await self.session.execute(select(
            func.count(NoticeboardNotice.id), func.count(case((~read, NoticeboardNotice.id)))).where(condition))).one()
        return int(total), int(unread)

    async def _on_my_board(self, now: datetime) -> ColumnElement[bool]:
        who = await self._belonging()
        reached = select(NoticeboardAudience.id).where(NoticeboardAudience.notice_id == NoticeboardNotice.id,
                                                       reaching(who)).exists()
        return and_(NoticeboardNotice.school_id == self.school_id, NoticeboardNotice.withdrawn_at.is_(None),
                    NoticeboardNotice.publish_at <= now,
                    or_(NoticeboardNotice.expire_at.is_(None), NoticeboardNotice.expire_at > now),
                    or_(NoticeboardNotice.author_id == self.user.id, reached))

    async def mark_read(self, notice_id: int) -> None:
        found = await self.session.scalar(select(NoticeboardRead.id).where(
            NoticeboardRead.notice_id == notice_id, NoticeboardRead.user_id == self.user.id))
        if found is None:
            try:
                async with self.session.begin_nested():  # the same notice opened in two tabs at once
                    self.session.add(NoticeboardRead(notice_id=notice_id, user_id=self.user.id))
            except IntegrityError:
                pass

    async def view(self, notice_id: int, now: datetime | None = None) -> NoticeView:
        """A notice the person may open: one meant for them once published and not withdrawn (also
        after it expired: the diary of a past week links to it); any state for its author, the
        director and the deputy. Anything else, and another school's, is a 404."""
        now = now or utcnow()
        notice = await self.session.scalar(select(NoticeboardNotice).where(
            NoticeboardNotice.id == notice_id, NoticeboardNotice.school_id == self.school_id))
        if notice is None:
            raise NotFoundException()
        targets = tuple((await self._targets_of([notice.id])).get(notice.id, []))
        may_change = notice.author_id == self.user.id or bool(self.user.roles & ANYONE)
        if not may_change:
            published = notice.withdrawn_at is None and notice.publish_at <= now
            if not published or not self._sees(notice, list(targets), await self._belonging()):
                raise NotFoundException()
        files = tuple(FileLink(*row, route="/noticeboard/attachments") for row in (await self.session.execute(
            select(NoticeboardAttachment.id, NoticeboardAttachment.filename, NoticeboardAttachment.size).where(
                NoticeboardAttachment.notice_id == notice.id).order_by(NoticeboardAttachment.id))).all())
        read = await self.session.scalar(select(NoticeboardRead.id).where(
            NoticeboardRead.notice_id == notice.id, NoticeboardRead.user_id == self.user.id))
        return NoticeView(notice, targets, files, may_change, read is None)

    async def managed(self, *, everyone_s: bool, query: str = "", offset: int = 0, limit: int = 20) -> list[NoticeboardNotice]:
        """Notices in every state, newest first: the person's own, or (``everyone_s``, the director
        and the deputy) the whole school's; one more than ``limit`` tells there is a next page."""
        statement = select(NoticeboardNotice).where(NoticeboardNotice.school_id == self.school_id)
        if not (everyone_s and self.user.roles & ANYONE):
            statement = statement.where(NoticeboardNotice.author_id == self.user.id)
        if query:
            statement = statement.where(NoticeboardNotice.search_key.like(like_pattern(query), escape="\\"))
        return list((await self.session.execute(statement.order_by(
            NoticeboardNotice.created_at.desc(), NoticeboardNotice.id.desc()).offset(offset).limit(limit + 1))).scalars())

    async def history(self, notice_id: int) -> tuple[NoticeboardNotice, list[NoticeboardRevision]]:
        """Every publication, edit and withdrawal of a notice the person may change, newest first."""
        notice = await self.own(notice_id, lock=False)
        revisions = list((await self.session.execute(select(NoticeboardRevision).where(
            NoticeboardRevision.notice_id == notice.id).order_by(NoticeboardRevision.id.desc()))).scalars())
        return notice, revisions

    async def attachment(self, attachment_id: int, now: datetime | None = None) -> NoticeboardAttachment:
        """A file of a notice the person may open (checked before the file is read); else 404."""
        notice_id = await self.session.scalar(select(NoticeboardAttachment.notice_id).where(
            NoticeboardAttachment.id == attachment_id))
        if notice_id is None:
            raise NotFoundException()
        await self.view(notice_id, now)
        row = await self.session.get(NoticeboardAttachment, attachment_id)
        assert row is not None
        return row

    async def readers(self, notice_id: int) -> int:
        """How many people besides its author have opened the notice."""
        return await self.session.scalar(select(func.count(NoticeboardRead.id)).join(
            NoticeboardNotice, NoticeboardNotice.id == NoticeboardRead.notice_id).where(
            NoticeboardRead.notice_id == notice_id, NoticeboardRead.user_id != func.coalesce(NoticeboardNotice.author_id, 0))) or 0

    # ---- helpers ------------------------------------------------------------------------------

    async def _belonging(self) -> Belonging:
        """Whom the person belongs to today: asked once per service (the block asks the list and the counts)."""
        if self._who is None:
            self._who = await belonging(self.session, self.user, self.today)
        return self._who

    def _sees(self, notice: NoticeboardNotice, targets: list[Target], who: Belonging) -> bool:
        return notice.author_id == self.user.id or any(reaches(target, who) for target in targets)

    async def _targets_of(self, notice_ids: list[int]) -> dict[int, list[Target]]:
        return await targets_of(self.session, notice_ids)

    async def _checked(self, wanted: NoticeInput, targets: tuple[Target, ...], added: list[Target], errors: dict[str, str], *,
                       notice_id: int) -> tuple[str, str, datetime]:
        """The title, the cleaned text and the publication time; NoticeError with every problem at once."""
        title = " ".join(wanted.title.split())
        if not title or len(title) > TITLE_MAX:
            errors["title"] = _("Enter a title of at most %(count)d characters.", count=TITLE_MAX)
        body = ""
        try:
            body = clean_notice_html(wanted.body)
        except NoticeTextError as error:
            errors["body"] = error.message
        publish_at = wanted.publish_at or utcnow()
        if wanted.expire_at is not None and wanted.expire_at <= publish_at:
            errors.setdefault("expire_at", _("The notice must expire after it is published."))
        if not targets:
            errors.setdefault("audience", _("Choose whom the notice is for."))
        elif await beyond_rights(self.session, self.user, added, self.today):
            errors.setdefault("audience", beyond_message(self.user))
        problem = await self._files_problem(notice_id, wanted)
        if problem:
            errors.setdefault("attachments", problem)
        if errors:
            raise NoticeError(errors)
        return title, body, publish_at

    async def own(self, notice_id: int, *, lock: bool = True) -> NoticeboardNotice:
        """A notice of the school the person may change: their own, or any for the director and deputy."""
        statement = select(NoticeboardNotice).where(NoticeboardNotice.id == notice_id, NoticeboardNotice.school_id == self.school_id)
        notice = await self.session.scalar(statement.with_for_update() if lock else statement)
        if notice is None or (notice.author_id != self.user.id and not self.user.roles & ANYONE):
            raise NotFoundException()
        return notice

    def _set_audience(self, notice: NoticeboardNotice, targets: tuple[Target, ...]) -> None:
        self.session.add_all(NoticeboardAudience(notice_id=notice.id, scope=t.scope, scope_id=t.scope_id, role=t.role,
                                                 people=t.people) for t in dict.fromkeys(targets))

    def _revise(self, notice: NoticeboardNotice, action: str, targets: tuple[Target, ...], files: list[str] | None = None) -> None:
        self.session.add(NoticeboardRevision(
            notice_id=notice.id, action=action, changed_by=self.user.id, title=notice.title, body=notice.body,
            audience="; ".join(target_value(target) for target in targets), publish_at=notice.publish_at,
            expire_at=notice.expire_at, pinned=notice.pinned, files="\n".join(files or [])))
