"""An event type only the test plugin uses (shared event types live in core.events)."""

from __future__ import annotations

import dataclasses
from typing import ClassVar

from core import Event


@dataclasses.dataclass(frozen=True, kw_only=True)
class NoteAdded(Event):
    name: ClassVar[str] = "testplugin.note_added"
    note_id: int
    text: str
