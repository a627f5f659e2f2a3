"""The monthly report of users' activity (regulation 4.4, 6.2): per person and per role, for one
calendar month of the school's time zone, from the audit log and the live sessions.

Four statements whatever the school's size: the accounts, their roles, their counts in the audit
log for the month, their sessions' last requests.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timezone
from zoneinfo import ZoneInfo

from sqlalchemy import case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.access.roles import ROLES
from core.access.scope import account_in_school
from core.audit.models import AuditRecord
from core.auth.models import RoleGrant, UserAccount, UserSession

REMINDER_DAYS = range(20, 24)  # regulation 6.2 and the school's practice: the report is made between the 20th and the 23rd


@dataclass(frozen=True)
class PersonActivity:
    user_id: int
    full_name: str
    login: str
    roles: tuple[str, ...]
    blocked: bool
    logins: int  # sign-ins during the month
    failures: int  # failed sign-ins during the month
    journal_actions: int  # changes of the journal's records (marks, attendance, topics, finals, plans)
    other_changes: int  # every other recorded action done during the month
    last_login: datetime | None
    last_seen: datetime | None  # the latest request of a session still open

    @property
    def active(self) -> bool:
        return self.logins > 0 or self.journal_actions > 0 or self.other_changes > 0


@dataclass(frozen=True)
class RoleActivity:
    role: str
    accounts: int
    active: int
    logins: int
    journal_actions: int

    @property
    def active_share(self) -> int:
        """Per cent of the role's accounts active during the month."""
        return round(100 * self.active / self.accounts) if self.accounts else 0


@dataclass(frozen=True)
class ActivityReport:
    month: date  # its first day
    people: list[PersonActivity]
    roles: list[RoleActivity]

    def filename(self) -> str:
        return f"activity-{self.month:%Y-%m}.xlsx"


def month_bounds(month: date, zone: str) -> tuple[datetime, datetime]:
    """The month's first and next month's first moment in the school's time zone, in UTC."""
    following = date(month.year + month.month // 12, month.month % 12 + 1, 1)
    tz = ZoneInfo(zone)
    return (datetime.combine(month, time(), tz).astimezone(timezone.utc),
            datetime.combine(following, time(), tz).astimezone(timezone.utc))


async def activity_report(session: AsyncSession, school_id: int, zone: str, month: date) -> ActivityReport:
    start, end = month_bounds(month.replace(day=1), zone)
    accounts = (await session.execute(
        select(UserAccount.id, UserAccount.full_name, UserAccount.login, UserAccount.is_blocked, UserAccount.last_login_at)
        .where(account_in_school(UserAccount.id, school_id)).order_by(UserAccount.full_name, UserAccount.id))).all()  # type: ignore[arg-type]
    roles: dict[int, list[str]] = {}
    for user_id, role in await session.execute(select(RoleGrant.user_id, RoleGrant.role).where(RoleGrant.school_id == school_id)
                                               .order_by(RoleGrant.role)):
        roles.setdefault(user_id, []).append(role)
    counts = await _counts(session, school_id, start, end)
    seen = dict((await session.execute(
        select(UserSession.user_id, func.max(UserSession.last_seen_at)).where(account_in_school(UserSession.user_id, school_id))  # type: ignore[arg-type]
        .group_by(UserSession.user_id))).all())
    people = [PersonActivity(row.id, row.full_name, row.login, tuple(roles.get(row.id, ())), row.is_blocked,
                             *counts.get(row.id, (0, 0, 0, 0)), last_login=row.last_login_at, last_seen=seen.get(row.id))
              for row in accounts]
    return ActivityReport(month.replace(day=1), people, _by_role(people))


async def _counts(session: AsyncSession, school_id: int, start: datetime, end: datetime) -> dict[int, tuple[int, int, int, int]]:
    """(sign-ins, failed sign-ins, journal actions, other changes) per person during [start, end)."""
    sign_in = AuditRecord.action == "core.login"
    failure = AuditRecord.action == "core.login_failed"
    journal = AuditRecord.action.like("journal.%")
    other = (AuditRecord.school_id == school_id) & (AuditRecord.result == "ok") & ~sign_in & ~journal \
        & AuditRecord.action.notin_(("core.logout", "core.school_chosen"))
    rows = await session.execute(
        select(AuditRecord.actor_id, func.sum(case((sign_in, 1), else_=0)), func.sum(case((failure, 1), else_=0)),
               func.sum(case((journal & (AuditRecord.school_id == school_id), 1), else_=0)), func.sum(case((other, 1), else_=0)))
        .where(AuditRecord.at >= start, AuditRecord.at < end, AuditRecord.actor_id.is_not(None),
               account_in_school(AuditRecord.actor_id, school_id))  # type: ignore[arg-type]
        .group_by(AuditRecord.actor_id))
    return {actor: (int(a or 0), int(b or 0), int(c or 0), int(d or 0)) for actor, a, b, c, d in rows}


def _by_role(people: list[PersonActivity]) -> list[RoleActivity]:
    found = []
    for role in ROLES:
        holders = [p for p in people if role in p.roles]
        if holders:
            found.append(RoleActivity(role, len(holders), sum(p.active for p in holders), sum(p.logins for p in holders),
                                      sum(p.journal_actions for p in holders)))
    return found
