"""A small school world for the security battery: two schools, one account per role in the home
school, an administrator and a teacher in the other school, and a way to act as any of them."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from core.access.roles import ROLES
from tests.support.families import add_people_targets
from tests.support.journal_targets import add_journal_targets, sync_ahead
from tests.support.people import add_school, add_user, csrf_from
from tests.support.structure import SmallSchool, add_small_school, add_structure_targets
from tests.support.timetable import add_timetable_targets

ANONYMOUS = "anonymous"
EVERY_ROLE = tuple(ROLES)


@dataclass
class Session:
    cookies: dict[str, str]
    csrf: str | None


@dataclass
class World:
    client: Any
    url: str
    home: int = 0
    other: int = 0
    target: int = 0  # an account of the home school that administrators manage
    target_name: str = "Целевой Учитель Тестович"
    stranger: int = 0  # a teacher of the other school
    third: int = 0
    neighbour: int = 0  # another account of the home school, right after the target
    stranger_name: str = "Чужой Учитель Сторонний"
    sessions: dict[str, Session] = field(default_factory=dict)
    structure: SmallSchool = field(default_factory=SmallSchool)  # the home school's year, class, pages ...
    other_structure: SmallSchool = field(default_factory=SmallSchool)  # the same in the other school
    per_role: dict[str, dict[str, Any]] = field(default_factory=dict)  # objects a POST row changes, one set per writer
    accounts: dict[str, int] = field(default_factory=dict)  # role → its home-school account
    people: dict[str, Any] = field(default_factory=dict)  # the class teacher's class, student and parent ...
    timetable: dict[str, Any] = field(default_factory=dict)  # the room, the timetables, a lesson ...
    journal: dict[str, Any] = field(default_factory=dict)  # lessons, an absence, a kind of work ...
    diary: dict[str, Any] = field(default_factory=dict)  # a standing refusal, a parent to record one for
    notices: dict[str, Any] = field(default_factory=dict)  # a notice for everyone, one for the secretaries only, files

    async def build(self) -> "World":
        # Empty schools on both sides of the home school, so its id ±1 belongs to nobody's own school.
        self.other = await add_school(self.url, "Другая школа")
        self.third = await add_school(self.url, "Третья школа")  # nobody here: a "swapped" probe
        self.home = await add_school(self.url, "Домашняя школа")
        await add_school(self.url, "Четвёртая школа")
        # The other school's people first, so that ids next to the target all belong to the home school.
        self.stranger = await add_user(self.url, "stranger", [("teacher", self.other)], full_name=self.stranger_name)
        await add_user(self.url, "admin-other", [("journal_admin", self.other)])
        for role in EVERY_ROLE:
            self.accounts[role] = await add_user(self.url, f"{role}-home", [(role, None if role == "operator" else self.home)])
        self.target = await add_user(self.url, "target", [("teacher", self.home)], full_name=self.target_name)
        self.neighbour = await add_user(self.url, "neighbour", [("teacher", self.home)])
        self.structure = await add_small_school(self.url, self.home, self.target)
        self.other_structure = await add_small_school(self.url, self.other, self.stranger)
        self.per_role = await add_structure_targets(self.url, self.home, self.structure, ("journal_admin", "operator"),
                                                    student=self.accounts["student"], teachers=(self.target, self.neighbour),
                                                    own_load=(self.accounts["teacher"], self.accounts["class_teacher"]))
        self.people, people_per_role = await add_people_targets(self.url, self.home, self.structure, self.accounts,
                                                                ("journal_admin", "operator", "secretary"))
        for role, own in people_per_role.items():  # the secretary manages people, not the structure
            self.per_role[role] = {**self.per_role.get(role, self.per_role["journal_admin"]), **own}
        self.timetable, timetable_per_role = await add_timetable_targets(self.url, self.home, self.structure, self.accounts, self.target)
        self.journal, journal_per_role = await add_journal_targets(self.url, self.home, self.structure, self.accounts, self.target)
        for role, own in (*timetable_per_role.items(), *journal_per_role.items()):
            self.per_role[role] = {**self.per_role.get(role, {}), **own}
        self.diary = await add_diary_targets(self.url, self.home)
        for role, own in (await add_messaging_targets(self.url, self.home, self.accounts, self.target)).items():
            self.per_role[role] = {**self.per_role.get(role, {}), **own}
        self.notices, notices_per_role = await add_noticeboard_targets(self.url, self.home, self.accounts)
        for role, own in notices_per_role.items():
            self.per_role[role] = {**self.per_role.get(role, {}), **own}
        for role in self.per_role:  # a writer of one part uses the administrator's objects of the others
            self.per_role[role] = {**self.per_role["journal_admin"], **self.per_role[role]}
        for who in (*EVERY_ROLE, "stranger", "admin-other"):
            await self.sign_in(who)
        self.sessions[ANONYMOUS] = Session({}, None)
        await sync_ahead(self.url, (self.home, self.other))  # reading the journal then writes nothing
        return self

    def values(self, role: str) -> dict[str, Any]:
        """What a matrix row's ``{placeholders}`` are filled with, for ``role``."""
        own = self.per_role.get(role) or self.per_role.get("journal_admin", {})
        return {"home": self.home, "target": self.target, "neighbour": self.neighbour, "role": role, "student": self.accounts.get("student"),
                **vars(self.structure), **self.people, **self.timetable, **self.journal, **self.diary, **self.notices, **own}

    async def sign_in(self, who: str) -> None:
        login = who if who in ("stranger", "admin-other") else f"{who}-home"
        self.client.cookies.clear()
        self.client.headers.pop("x-csrftoken", None)
        form = await self.client.get("/login")
        answer = await self.client.post("/login", data={
            "login": login, "password": "пароль-для-тестов", "_csrf_token": csrf_from(form.text)}, follow_redirects=False)
        assert answer.status_code == 303, (who, answer.status_code)
        page = await self.client.get("/school" if answer.headers["location"].startswith("/school") else "/")
        csrf = re.search(r'"x-csrftoken": "([^"]+)"', page.text)[1]
        if who == "operator":  # the operator works in every school: choose the home one
            await self.client.post("/school", data={"school_id": self.home, "next": "/"}, headers={"x-csrftoken": csrf})
        self.sessions[who] = Session(dict(self.client.cookies), csrf)

    async def request(self, who: str, method: str, path: str, *, csrf: str | None = "own", **kwargs: Any) -> Any:
        """Act as ``who``; ``csrf="own"`` sends their token, None none, anything else that value."""
        session = self.sessions[who]
        self.client.cookies.clear()
        for name, value in session.cookies.items():
            self.client.cookies.set(name, value, domain="testserver.local")
        headers = dict(kwargs.pop("headers", {}) or {})
        token = session.csrf if csrf == "own" else csrf
        if token and method != "GET":
            headers["x-csrftoken"] = token
        response = await self.client.request(method, path, headers=headers, follow_redirects=False, **kwargs)
        if method == "POST" and path == "/logout" and response.status_code == 303 and who != ANONYMOUS:
            await self.sign_in(who)  # keep the actor usable
        return response


async def add_diary_targets(url: str, school_id: int) -> dict[str, int]:
    """A parent whose refusal of the e-diary stands (the withdrawal row withdraws it) and a parent
    the record row records a refusal for; neither is the battery's parent account."""
    from datetime import date

    from plugins.diary.models import DiaryRefusal
    from tests.support.structure import writing

    refusing = await add_user(url, "refusing-parent", [("parent", school_id)], full_name="Отказавшийся Родитель")
    recorded = await add_user(url, "recorded-parent", [("parent", school_id)], full_name="Записываемый Родитель")
    async with writing(url) as session:
        refusal = DiaryRefusal(school_id=school_id, parent_id=refusing, refused_on=date(2026, 9, 1), document="Заявление мира")
        session.add(refusal)
        await session.flush()
        return {"diary_refusal": refusal.id, "diary_parent": recorded}


async def add_messaging_targets(url: str, school_id: int, accounts: dict[str, int], target: int) -> dict[str, dict[str, int]]:
    """For every role of the school: a conversation with the target teacher («Переписка мира»), a
    broadcast it sent («Рассылка мира»), and someone it may write to (a family writes to the
    director, of the administration; staff to the target teacher, of the staff)."""
    from plugins.messaging.models import (
        MessagingAttachment, MessagingBroadcast, MessagingFile, MessagingMessage, MessagingParticipant, MessagingReceipt,
        MessagingThread,
    )
    from tests.support.structure import writing

    found: dict[str, dict[str, int]] = {}
    async with writing(url) as session:
        document = MessagingFile(digest="0" * 64, size=9, content=b"%PDF-1.4\n")
        session.add(document)
        await session.flush()
        for role, account in accounts.items():
            if role == "operator":
                continue
            broadcast = MessagingBroadcast(school_id=school_id, sender_id=account, subject="Рассылка мира", body="Всем",
                                           groups="Сотрудники", recipients=1)
            session.add(broadcast)
            await session.flush()
            conversation = MessagingThread(school_id=school_id, subject="Переписка мира")
            copy = MessagingThread(school_id=school_id, subject="Рассылка мира", broadcast_id=broadcast.id)
            session.add_all([conversation, copy])
            await session.flush()
            incoming = MessagingMessage(thread_id=conversation.id, sender_id=target, body="Здравствуйте", search_key="мир")
            sent = MessagingMessage(thread_id=copy.id, sender_id=account, broadcast_id=broadcast.id, body="Всем", search_key="мир")
            session.add_all([incoming, sent,
                             MessagingParticipant(thread_id=conversation.id, user_id=account, has_incoming=True),
                             MessagingParticipant(thread_id=conversation.id, user_id=target),
                             MessagingParticipant(thread_id=copy.id, user_id=account),
                             MessagingParticipant(thread_id=copy.id, user_id=target, has_incoming=True)])
            await session.flush()
            session.add_all([MessagingReceipt(message_id=incoming.id, recipient_id=account, school_id=school_id, thread_id=conversation.id),
                             MessagingReceipt(message_id=sent.id, recipient_id=target, school_id=school_id, thread_id=copy.id)])
            file = MessagingAttachment(message_id=incoming.id, file_id=document.id, filename="справка.pdf",
                                       content_type="application/pdf", size=9)
            session.add(file)
            await session.flush()
            family = role in ("student", "parent")
            found[role] = {"msg_thread": conversation.id, "msg_broadcast": broadcast.id, "msg_attachment": file.id,
                           "msg_to": accounts["director"] if family else target}
    return found


async def add_noticeboard_targets(url: str, school_id: int, accounts: dict[str, int]) -> tuple[dict[str, int], dict[str, dict[str, int]]]:
    """A notice for the whole school («Объявление мира», with a file); three for the secretaries only
    («Секретное объявление», each with a file: probes of the middle one find the same answer on either
    side); and for every role an own notice to edit and withdraw («Своё объявление <role>», for the
    staff; the guard refuses those who may not write any)."""
    from plugins.noticeboard.models import NoticeboardAttachment, NoticeboardAudience, NoticeboardNotice, NoticeboardRevision
    from tests.support.structure import writing

    def notice(title: str, author: int) -> NoticeboardNotice:
        return NoticeboardNotice(school_id=school_id, title=title, body=f"<p>{title}</p>", author_id=author, search_key=title.lower())

    async def with_file(row: NoticeboardNotice, audience: NoticeboardAudience) -> int:
        session.add(row)
        await session.flush()
        audience.notice_id = row.id
        file = NoticeboardAttachment(notice_id=row.id, filename=f"{row.title}.pdf", content_type="application/pdf", size=9,
                                     content=b"%PDF-1.4\n")
        session.add_all([audience, file])
        await session.flush()
        return file.id

    per_role: dict[str, dict[str, int]] = {}
    async with writing(url) as session:
        secrets = [notice("Секретное объявление", accounts["director"]) for _ in range(3)]
        secret_files = [await with_file(row, NoticeboardAudience(scope="role", role="secretary", people="everyone"))
                        for row in secrets]
        public = notice("Объявление мира", accounts["director"])
        public_file = await with_file(public, NoticeboardAudience(scope="school", people="everyone"))
        for role, account in accounts.items():
            if role == "operator":
                continue
            own = notice(f"Своё объявление {role}", account)
            session.add(own)
            await session.flush()
            session.add_all([NoticeboardAudience(notice_id=own.id, scope="school", people="staff"),
                             NoticeboardRevision(notice_id=own.id, action="created", changed_by=account, title=own.title)])
            per_role[role] = {"nb_own": own.id}
        await session.flush()
        shared = {"nb_notice": public.id, "nb_attachment": public_file, "nb_private": secrets[1].id,
                  "nb_private_file": secret_files[1]}
    return shared, per_role
