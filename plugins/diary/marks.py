"""A student's marks of a study period by subject, as the plugins give them through the
``diary_marks`` hook (the diary never imports them)."""

from __future__ import annotations

from typing import Any

from core.auth.services import CurrentUser
from core.plugins.calling import call_each
from core.plugins.types import DiarySubjectMarks
from plugins.diary.periods import Period


async def subject_marks(platform: Any, viewer: CurrentUser, student: int, period: Period) -> list[DiarySubjectMarks]:
    """Every plugin's subjects, in the order they give them."""
    found = await call_each(platform.hooks_for(viewer.disabled_modules).diary_marks, platform=platform, viewer=viewer,
                            student=student, period_id=period.id, start=period.starts_on, end=period.ends_on)
    return [line for _plugin, answer in found for line in answer if isinstance(line, DiarySubjectMarks)]

