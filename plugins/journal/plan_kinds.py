"""Kinds of lesson in a calendar-thematic plan (КТП) and how a teacher's file names them.

A plan item's kind says what the lesson is: an ordinary lesson, a контрольная, a practical or
laboratory work ... Files name kinds in many ways («К/р», «контр. работа», «Лаб. раб.»); a topic
such as «Контрольная работа № 2 по теме …» says its kind itself when the file has no such column.
"""

from __future__ import annotations

import re

from core.i18n import N_, folded

# code → label (English msgid; shown through gettext)
LESSON_KINDS: dict[str, str] = {
    "lesson": N_("lesson"),
    "test": N_("test (контрольная работа)"),
    "quiz": N_("short test (проверочная работа)"),
    "practical": N_("practical work"),
    "laboratory": N_("laboratory work"),
    "dictation": N_("dictation"),
    "essay": N_("essay or summary (сочинение, изложение)"),
    "review": N_("revision"),
    "project": N_("project"),
    "excursion": N_("excursion"),
}
DEFAULT_KIND = "lesson"

# Word stems (casefolded, ё → е) that name a kind; the first match wins, so longer names come first.
_KIND_STEMS: tuple[tuple[str, str], ...] = (
    ("проверочн", "quiz"), ("самостоятельн", "quiz"), ("тест", "quiz"), ("с/р", "quiz"),
    ("контрольн", "test"), ("к/р", "test"), ("кр", "test"), ("контр", "test"),
    ("практическ", "practical"), ("практикум", "practical"), ("пр/р", "practical"), ("п/р", "practical"),
    ("практ", "practical"),
    ("лабораторн", "laboratory"), ("л/р", "laboratory"), ("лаб", "laboratory"),
    ("диктант", "dictation"), ("сочинени", "essay"), ("изложени", "essay"),
    ("повторени", "review"), ("обобщени", "review"),
    ("проект", "project"), ("экскурси", "excursion"),
    ("урок", "lesson"), ("изучени", "lesson"), ("комбинир", "lesson"), ("открыти", "lesson"),
)
# The words a topic starts with that make its kind plain («Контрольная работа № 2 …»).
_TOPIC_KINDS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"^(итоговая\s+)?контрольная\s+работа"), "test"),
    (re.compile(r"^(входная|административная)\s+контрольная"), "test"),
    (re.compile(r"^проверочная\s+работа"), "quiz"),
    (re.compile(r"^практическая\s+работа"), "practical"),
    (re.compile(r"^лабораторная\s+работа"), "laboratory"),
    (re.compile(r"^(контрольный\s+)?(словарный\s+)?диктант"), "dictation"),
    (re.compile(r"^(сочинение|изложение)"), "essay"),
)


def kind_from_text(text: str) -> str | None:
    """The kind a cell names («К/р», «Лабораторная работа», «урок»), None when it names none."""
    key = folded(text).strip().rstrip(".")
    if not key:
        return DEFAULT_KIND
    for code, label in LESSON_KINDS.items():
        if key in (code, folded(label)):
            return code
    words = re.split(r"[\s.,;()]+", key)
    for stem, code in _KIND_STEMS:
        if "/" in stem or len(stem) <= 2:
            if stem in words or key == stem:
                return code
        elif any(word.startswith(stem) for word in words):
            return code
    return None


def kind_from_topic(topic: str) -> str:
    """The kind a topic's first words say, else an ordinary lesson."""
    key = folded(topic).strip()
    for pattern, code in _TOPIC_KINDS:
        if pattern.match(key):
            return code
    return DEFAULT_KIND
