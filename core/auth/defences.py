"""Sign-in defences (FSTEC order No. 21, ИАФ.4 and УПД.6; OWASP ASVS 2.2): failures delay and then
lock one login *from one address*, so somebody guessing cannot lock a teacher out of the school
network and at home at once; one address is limited too, generously, because a school's
classrooms share one NAT address. Unknown logins are counted like known ones: the answers do
not tell whether a login exists."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, delete, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.auth.models import LoginAttempt
from core.auth.services import normalize_login
from core.db.types import utcnow
from core.settings import SecuritySettings

KEEP_ATTEMPTS = timedelta(days=1)
CODE_LOCK_FACTOR = 2  # wrong codes of one login from all addresses: twice the per-address lock


@dataclass(frozen=True)
class LoginState:
    failures: int  # of this login from this address, within the window
    locked_until: datetime | None  # this login from this address, or the whole address
    attempt_id: int | None = None  # the attempt just counted, to forgive when it succeeds

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

    async def state(self, login: str, address: str, step: str = "password", *, now: datetime | None = None) -> LoginState:
        """Failures of the pair and of the address in the window, in one statement. The code step
        also counts the login's wrong codes from every address: with the password known, only
        a million codes stand between an attacker of many addresses and the account."""
        now = now or utcnow()
        key = _key(login)
        pair = and_(LoginAttempt.login == key, LoginAttempt.address == address)
        here = LoginAttempt.address == address
        codes = and_(LoginAttempt.login == key, LoginAttempt.step == "code")
        row = (await self.session.execute(
            select(func.count().filter(pair), func.max(LoginAttempt.at).filter(pair), func.count().filter(here),
                   func.max(LoginAttempt.at).filter(here), func.count().filter(codes), func.max(LoginAttempt.at).filter(codes))
            .where(or_(here, codes), LoginAttempt.at > now - self.window)
        )).one()
        pair_count, pair_last, address_count, address_last, code_count, code_last = row
        ends = []
        if pair_count >= self.settings.lock_after:
            ends.append(pair_last + self.window)
        if address_count >= self.settings.address_limit:
            ends.append(address_last + self.window)
        if step == "code" and code_count >= CODE_LOCK_FACTOR * self.settings.lock_after:
            ends.append(code_last + self.window)
        locked_until = max(ends) if ends else None
        return LoginState(failures=pair_count, locked_until=locked_until if locked_until and locked_until > now else None)

    async def attempt(self, login: str, address: str, step: str = "password", *, now: datetime | None = None) -> LoginState:
        """Count an attempt *before* its password or code is checked (as a failure, forgiven if it
        succeeds), so parallel guesses see each other; a refused attempt is not counted."""
        state = await self.state(login, address, step, now=now)
        if state.locked_until is not None:
            return state
        attempt = self.failed(login, address, step, now=now)
        await self.session.flush()
        return LoginState(state.failures, None, attempt.id)

    async def forgive(self, attempt_id: int | None) -> None:
        """The counted attempt succeeded: it was no failure."""
        if attempt_id is not None:
            await self.session.execute(delete(LoginAttempt).where(LoginAttempt.id == attempt_id))

    def failed(self, login: str, address: str, step: str = "password", *, now: datetime | None = None) -> LoginAttempt:
        attempt = LoginAttempt(login=_key(login), address=address, step=step, at=now or utcnow())
        self.session.add(attempt)
        return attempt

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
