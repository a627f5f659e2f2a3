"""The audit log's viewer for the journal administrator: the school's records with filters, the
catalogue of actions, the chain heads to keep elsewhere, and the retention."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

from litestar import Request, Response, get, post
from sqlalchemy import and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.access.roles import ROLES
from core.access.scope import account_in_school, current_school
from core.audit.chain import chain_heads
from core.audit.log import RESULTS, record
from core.audit.models import AuditPurge, AuditRecord, AuditSeal
from core.auth.models import UserAccount
from core.di import FromQuery, NamedDependency, URLEncodedBody
from core.i18n import N_, folded
from core.i18n import gettext as _
from core.platform import Platform
from core.plugins.types import AUDIT_CATEGORIES
from core.school.models import AUDIT_RETENTION_DAYS, School
from core.web.pages import flash, redirect, render
from core.web.sessions import current_user

VIEW = {"permission": "core.view_audit"}
SETTINGS = {"permission": "core.manage_modules"}
PAGE_SIZE = 50
MAX_PEOPLE = 200  # a name filter matching more people than this is too vague to be useful

# The commonest keys of records' details and kinds of objects, named for people; others show as written.
DETAIL_LABELS = {
    "login": N_("login"), "reason": N_("reason"), "role": N_("role"), "field": N_("field"), "old": N_("was"), "new": N_("became"),
    "lesson": N_("lesson"), "student": N_("student"), "subject_page": N_("subject page"), "until": N_("until"), "step": N_("step"),
    "via": N_("via"), "title": N_("title"), "count": N_("count"), "name": N_("name"), "full_name": N_("full name"),
    "class": N_("class"), "subject": N_("subject"), "teacher": N_("teacher"), "permission": N_("permission"), "enabled": N_("on"),
    "before": N_("before"), "after": N_("after"), "filename": N_("file"), "user_ids": N_("accounts"), "term": N_("period"),
}
OBJECT_LABELS = {
    "user": N_("account"), "user_account": N_("account"), "person": N_("person"), "class_group": N_("class"),
    "study_group": N_("study group"), "subject": N_("subject"), "subject_page": N_("subject page"), "school": N_("school"),
    "module": N_("module"), "route": N_("page"), "journal_lesson": N_("lesson"), "journal_attendance": N_("attendance"),
    "journal_grade": N_("mark"), "journal_final": N_("final mark"), "journal_lesson_plan": N_("lesson plan"),
    "noticeboard_notice": N_("announcement"), "timetable_change": N_("timetable change"), "academic_year": N_("school year"),
}


@dataclass(frozen=True)
class AuditQuery:
    """The viewer's filters, checked; ``problems`` says what was ignored and why."""

    start: date | None = None
    end: date | None = None
    who: str = ""
    category: str = ""
    action: str = ""
    result: str = ""
    object: str = ""
    before: int | None = None
    problems: tuple[str, ...] = ()

    @property
    def link(self) -> dict[str, str]:
        """The filters as query parameters, for the next page's link."""
        values = {"start": self.start.isoformat() if self.start else "", "end": self.end.isoformat() if self.end else "",
                  "who": self.who, "category": self.category, "action": self.action, "result": self.result, "object": self.object}
        return {key: value for key, value in values.items() if value}


def _date(text: str, problems: list[str], label: str) -> date | None:
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        problems.append(_("The date “%(field)s” is not a date; it was ignored.", field=label))
        return None


def parse_query(platform: Platform, start: str, end: str, who: str, category: str, action: str, result: str, object: str,
                before: str) -> AuditQuery:
    problems: list[str] = []
    first, last = _date(start[:10], problems, _("From")), _date(end[:10], problems, _("To"))
    if first and last and first > last:
        problems.append(_("The period ends before it starts; the dates were swapped."))
        first, last = last, first
    return AuditQuery(
        start=first, end=last, who=" ".join(who.split())[:100],
        category=category if category in AUDIT_CATEGORIES else "",
        action=action if action in platform.audit_events else "",
        result=result if result in RESULTS else "",
        object=object.strip()[:130] if ":" in object else "",
        before=int(before) if before.isdigit() and len(before) < 12 else None, problems=tuple(problems))


def _local_midnight(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time(), zone).astimezone(timezone.utc)


async def _people_named(session: AsyncSession, school_id: int, who: str) -> list[int]:
    needle = folded(who)
    accounts = await session.execute(select(UserAccount.id, UserAccount.login, UserAccount.full_name)
                                     .where(account_in_school(UserAccount.id, school_id)))  # type: ignore[arg-type]
    return [row.id for row in accounts if needle in folded(row.login) or needle in folded(row.full_name)]


SIGN_IN_TROUBLE = ("core.login_failed", "core.login_locked")


def _in_school(school_id: int) -> Any:
    """The school's records, and the failed sign-ins and lockouts of its people recorded before a
    school is known (not their other school-less records: those may be another school's business)."""
    return or_(AuditRecord.school_id == school_id,
               and_(AuditRecord.school_id.is_(None), AuditRecord.action.in_(SIGN_IN_TROUBLE),
                    account_in_school(AuditRecord.actor_id, school_id)))  # type: ignore[arg-type]


async def find_records(session: AsyncSession, platform: Platform, school: School, query: AuditQuery) -> tuple[list[Any], bool, int]:
    """A page of records, newest first: (rows, whether older ones exist, people matched by name)."""
    conditions = [_in_school(school.id)]
    zone = ZoneInfo(school.timezone)
    if query.start:
        conditions.append(AuditRecord.at >= _local_midnight(query.start, zone))
    if query.end:
        conditions.append(AuditRecord.at < _local_midnight(query.end + timedelta(days=1), zone))
    if query.action:
        conditions.append(AuditRecord.action == query.action)
    elif query.category:
        conditions.append(AuditRecord.action.in_([e.action for e in platform.audit_events.values() if e.category == query.category]))
    if query.result:
        conditions.append(AuditRecord.result == query.result)
    if query.object:
        object_type, _sep, object_id = query.object.partition(":")
        conditions.extend([AuditRecord.object_type == object_type[:64], AuditRecord.object_id == object_id[:64]])
    matched = 0
    if query.who:
        people = await _people_named(session, school.id, query.who)
        matched = len(people)
        conditions.append(AuditRecord.actor_id.in_(people[:MAX_PEOPLE]))
    if query.before:
        conditions.append(AuditRecord.id < query.before)
    rows = (await session.execute(
        select(AuditRecord, UserAccount.full_name, UserAccount.login).outerjoin(UserAccount, UserAccount.id == AuditRecord.actor_id)
        .where(*conditions).order_by(AuditRecord.id.desc()).limit(PAGE_SIZE + 1))).all()
    return rows[:PAGE_SIZE], len(rows) > PAGE_SIZE, matched


def _details(text: str | None) -> list[tuple[str, str]]:
    if not text:
        return []
    try:
        values = json.loads(text)
    except ValueError:
        return [("", text)]
    if not isinstance(values, dict):
        return [("", text)]
    return [(_(DETAIL_LABELS[key]) if key in DETAIL_LABELS else key, value if isinstance(value, str) else json.dumps(value, ensure_ascii=False))
            for key, value in values.items()]


async def chain_state(session: AsyncSession, school_id: int) -> dict[str, Any]:
    """When the school's records were last sealed, how many wait, and what retention removed."""
    last_seal = (await session.execute(select(AuditSeal.sealed_at, AuditSeal.through_id).where(AuditSeal.school_id == school_id)
                                       .order_by(AuditSeal.id.desc()).limit(1))).first()
    sealed_through = await session.scalar(select(func.max(AuditSeal.through_id))) or 0
    waiting = await session.scalar(select(func.count()).where(AuditRecord.school_id == school_id, AuditRecord.id > sealed_through))
    purge = (await session.execute(select(AuditPurge.older_than, AuditPurge.records).where(AuditPurge.school_id == school_id)
                                   .order_by(AuditPurge.id.desc()).limit(1))).first()
    return {"sealed_at": last_seal.sealed_at if last_seal else None, "waiting": waiting or 0, "purge": purge}


@get("/admin/audit", name="core:audit", opt=VIEW)
async def audit_page(request: Request, platform: NamedDependency[Platform], db_session: NamedDependency[AsyncSession],
                     start: FromQuery[str] = "", end: FromQuery[str] = "", who: FromQuery[str] = "", category: FromQuery[str] = "",
                     action: FromQuery[str] = "", result: FromQuery[str] = "", object: FromQuery[str] = "",
                     before: FromQuery[str] = "") -> Response[str]:
    user = current_user(request)
    school = await db_session.get_one(School, current_school(user))
    query = parse_query(platform, start, end, who, category, action, result, object, before)
    rows, more, matched = await find_records(db_session, platform, school, query)
    events = platform.audit_events
    return await render(request, "core/audit.html", {
        "query": query, "rows": rows, "more": more, "matched": matched, "max_people": MAX_PEOPLE, "events": events,
        "categories": AUDIT_CATEGORIES, "roles": ROLES, "details": _details, "timezone": school.timezone, "school": school,
        "chain": await chain_state(db_session, school.id), "can_set_retention": platform.permissions.allows(user.roles, "core.manage_modules"),
        "actions": sorted(events.values(), key=lambda e: (list(AUDIT_CATEGORIES).index(e.category), _(e.description))),
        "retention_range": AUDIT_RETENTION_DAYS, "object_labels": OBJECT_LABELS,
    }, partial=("core/_audit_table.html", "core-audit-table"))


@get("/admin/audit/events", name="core:audit_events", opt=VIEW)
async def audit_events_page(request: Request, platform: NamedDependency[Platform]) -> Response[str]:
    by_category: dict[str, list[Any]] = {key: [] for key in AUDIT_CATEGORIES}
    for event in platform.audit_events.values():
        by_category[event.category].append(event)
    return await render(request, "core/audit_events.html", {"categories": AUDIT_CATEGORIES, "by_category": by_category})


@get("/admin/audit/heads", name="core:audit_heads", opt=VIEW)
async def audit_heads(request: Request, platform: NamedDependency[Platform]) -> Response[bytes]:
    """The school's chain head as JSON: kept outside the database, it shows later whether the log was cut or rewritten."""
    school_id = current_school(current_user(request))
    async with platform.db.writing() as session:
        heads = await chain_heads(session, school_id)
        record(session, "core.audit_heads_exported", connection=request, details={"batch": heads[0]["batch"] if heads else None})
    body = json.dumps({"chains": heads}, indent=1).encode()
    filename = f"audit-heads-school-{school_id}-{date.today().isoformat()}.json"
    return Response(body, media_type="application/json", headers={"Content-Disposition": f'attachment; filename="{filename}"'})


@dataclass
class RetentionForm:
    days: str = ""


@post("/admin/audit/retention", name="core:audit_retention", opt=SETTINGS)
async def set_retention(request: Request, platform: NamedDependency[Platform], data: URLEncodedBody[RetentionForm]) -> Response[str]:
    school_id = current_school(current_user(request))
    days = int(data.days) if data.days.strip().isdigit() and len(data.days.strip()) < 6 else None
    if days not in AUDIT_RETENTION_DAYS:
        flash(request, _("Keep the audit log from %(low)d to %(high)d days.", low=AUDIT_RETENTION_DAYS.start,
                         high=AUDIT_RETENTION_DAYS.stop - 1), "error")
        return redirect(request, "/admin/audit")
    async with platform.db.writing() as session:
        school = await session.get_one(School, school_id)
        if school.audit_retention_days != days:
            record(session, "core.audit_retention_changed", connection=request, object_type="school", object_id=school_id,
                   details={"old": school.audit_retention_days, "new": days})
            school.audit_retention_days = days
    flash(request, _("The audit log keeps records for %(days)d days.", days=days))
    return redirect(request, "/admin/audit")


ROUTES = [audit_page, audit_events_page, audit_heads, set_retention]
