"""Sign-in defences (FSTEC order No. 21, ИАФ.4 and УПД.6; OWASP ASVS 2.2): failures delay and then
lock one login *from one address*, so somebody guessing cannot lock a teacher out of the school
network and at home at once; one address is limited too, generously, because a school's
classrooms share one NAT address. Unknown logins are counted like known ones: the answers do
not tell whether a login exists."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.auth.models import LoginAttempt
from core.auth.services import normalize_login
from core.db.types import utcnow
from core.settings import SecuritySettings

KEEP_ATTEMPTS = timedelta(days=1)


@dataclass(frozen=True)
class LoginState:
    failures: int  # of this login from this address, within the window
    locked_until: datetime | None  # this login from this address, or the whole address

    def wait_minutes(self, now: datetime) -> int:
        assert self.locked_until is not None
        return max(1, math.ceil((self.locked_until - now).total_seconds() / 60))


class LoginGuard:
    def __init__(self, session: AsyncSession, settings: SecuritySettings) -> None:
        self.session = session
        self.settings = settings

    @property
    def window(self) -> timedelta:
        return timedelta(minutes=self.settings.lock_minutes)

    async def state(self, login: str, address: str, now: datetime | None = None) -> LoginState:
        """Failures of the pair and of the address in the window, in one statement."""
        now = now or utcnow()
        key = _key(login)
        pair = and_(LoginAttempt.login == key, LoginAttempt.address == address)
        row = (await self.session.execute(
            select(func.count().filter(pair), func.max(LoginAttempt.at).filter(pair), func.count(), func.max(LoginAttempt.at))
            .where(LoginAttempt.address == address, LoginAttempt.at > now - self.window)
        )).one()
        pair_count, pair_last, address_count, address_last = row
        locked_until = None
        if pair_count >= self.settings.lock_after:
            locked_until = pair_last + self.window
        if address_count >= self.settings.address_limit:
            locked_until = max(locked_until or address_last + self.window, address_last + self.window)
        return LoginState(failures=pair_count, locked_until=locked_until if locked_until and locked_until > now else None)

    def failed(self, login: str, address: str, step: str = "password", now: datetime | None = None) -> None:
        self.session.add(LoginAttempt(login=_key(login), address=address, step=step, at=now or utcnow()))

    async def succeeded(self, login: str, address: str) -> None:
        """A successful sign-in forgives this pair's earlier typos."""
        await self.session.execute(delete(LoginAttempt).where(LoginAttempt.login == _key(login), LoginAttempt.address == address))

    async def delete_old(self, now: datetime | None = None) -> int:
        result = await self.session.execute(delete(LoginAttempt).where(LoginAttempt.at < (now or utcnow()) - KEEP_ATTEMPTS))
        return result.rowcount or 0


def delay_after(failures: int) -> float:
    """Seconds to wait before answering a failure: nothing for a first typo, then growing."""
    return min(0.25 * (failures - 1), 1.0) if failures > 1 else 0.0


def _key(login: str) -> str:
    return normalize_login(login)[:64]
