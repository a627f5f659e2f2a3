"""Password hashing with argon2id, with OWASP's parameters (19 MiB, 2 passes, 1 lane; about
20 ms a hash here), so a batch of one-time passwords for a class is issued in a second. Hashes
made with other parameters are upgraded at the next sign-in. An unknown login is checked
against a dummy hash, so it costs the same time as a wrong password for a known one.
"""

from __future__ import annotations

import asyncio

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError


class Passwords:
    def __init__(self, hasher: PasswordHasher | None = None) -> None:
        self.hasher = hasher or PasswordHasher(time_cost=2, memory_cost=19456, parallelism=1, type=Type.ID)
        self._dummy = self.hasher.hash("zhurnal: no such account")

    def hash(self, password: str) -> str:
        return self.hasher.hash(password)

    def verify(self, password_hash: str | None, password: str) -> bool:
        """True when ``password`` matches; an absent hash costs as much as a wrong password."""
        try:
            return self.hasher.verify(password_hash or self._dummy, password) and password_hash is not None
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False

    def needs_rehash(self, password_hash: str) -> bool:
        return self.hasher.check_needs_rehash(password_hash)

    async def hash_async(self, password: str) -> str:
        """``hash`` in a worker thread: argon2 must not stall the event loop."""
        return await asyncio.to_thread(self.hash, password)

    async def verify_async(self, password_hash: str | None, password: str) -> bool:
        return await asyncio.to_thread(self.verify, password_hash, password)
