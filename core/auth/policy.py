"""The password rules (OWASP ASVS 2.1, NIST SP 800-63B): length, not a common password, not the
person's own name, login or school; no composition rule and no periodic change unless the school
chose them. Passphrases are welcome: up to 256 characters, spaces and any letters."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Iterable

from core.access.roles import STAFF
from core.i18n import gettext as _

MIN_PASSWORD = 8
MIN_STAFF_PASSWORD = 12  # staff reach many children's records
MAX_PASSWORD = 256
# Roles that must use a second factor when the school asks for it ("admins" mode).
ADMINISTRATIVE_ROLES = frozenset({"journal_admin", "director", "deputy", "engineer", "operator"})
# Common choices of Russian-speaking users that the English-based list lacks.
LOCAL_COMMON = (
    "йцукен", "йцукенг", "йцукенгшщз", "пароль", "парольпароль", "qwertyйцукен", "1q2w3e4r", "1q2w3e4r5t", "zaq12wsx",
    "q1w2e3r4", "q1w2e3r4t5", "qazwsxedc", "school", "shkola", "школа", "zhurnal", "журнал", "dnevnik", "дневник",
    "parol", "privet", "привет", "ghbdtn", "gfhjkm", "qwerty", "qwertyuiop", "asdfghjkl", "zxcvbnm", "123qwe", "qwe123",
    "love", "lubov", "любовь", "natasha", "наташа", "masha", "маша", "sasha", "саша", "uchitel", "учитель",
)


@dataclass(frozen=True)
class PasswordRules:
    """What applies to one person: staff need longer passwords; the school may add a rule."""

    staff: bool = False
    needs_letters_and_digits: bool = False
    personal_words: tuple[str, ...] = ()  # surname, first name, login, school names


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    """The 30 000 most common passwords of the breach corpora zxcvbn ships, and local ones."""
    from zxcvbn.frequency_lists import FREQUENCY_LISTS

    return frozenset(FREQUENCY_LISTS["passwords"]) | frozenset(LOCAL_COMMON)


def _stem(text: str) -> str:
    """Letters only: «Qwerty123!» and «qwerty» are the same guess."""
    return re.sub(r"[\W\d_]+", "", text.casefold())


def password_problem(password: str, rules: PasswordRules = PasswordRules()) -> str | None:
    """Why ``password`` is refused, in words for the person, or None."""
    minimum = MIN_STAFF_PASSWORD if rules.staff else MIN_PASSWORD
    if len(password) < minimum:
        return _("A password needs at least %(count)d characters.", count=minimum)
    if len(password) > MAX_PASSWORD:
        return _("A password can be at most %(count)d characters long.", count=MAX_PASSWORD)
    folded = password.casefold()
    if len(set(folded)) < 4:
        return _("This password repeats too few characters. A phrase of several words is easier to remember and harder to guess.")
    common = common_passwords()
    stem = _stem(password)
    if folded in common or "".join(folded.split()) in common or (len(stem) >= 4 and stem in common):
        return _("This password is among the most common ones and is guessed first. A phrase of several words is easier to remember and harder to guess.")
    for word in _words(rules.personal_words):
        rest = _stem(folded.replace(word, ""))
        if word in folded and len(rest) < 4:
            return _("The password must not be your name, your login or the school's name.")
    if rules.needs_letters_and_digits and not (re.search(r"[^\W\d_]", password) and re.search(r"\d", password)):
        return _("The school's rule: a password contains both letters and digits.")
    return None


def _words(words: Iterable[str]) -> set[str]:
    found: set[str] = set()
    for text in words:
        for word in re.split(r"[\s.\-_«»\"№]+", text.casefold()):
            if len(word) >= 3 and not word.isdigit():
                found.add(word)
    return found


def is_staff(roles: Iterable[str]) -> bool:
    return any(role in STAFF or role == "operator" for role in roles)
