"""The diary's permission. Which students a person reaches comes from dated data (``family.py``):
a student themself; a parent their children while the guardianship holds."""

from __future__ import annotations

from core.i18n import N_
from core.plugins.types import Permission

VIEW = "diary.view"

PERMISSIONS = (
    Permission(VIEW, N_("Read the diary: a student their own, a parent their children's"), frozenset({"student", "parent"})),
)
