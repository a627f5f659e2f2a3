"""The messaging plugin's own event: messages were sent (the e-mail copies follow it)."""

from __future__ import annotations

import dataclasses
from typing import ClassVar

from core.events import Event


@dataclasses.dataclass(frozen=True, kw_only=True)
class MessagesSent(Event):
    """Messages were sent: a new one, a broadcast's copies, or an answer."""

    name: ClassVar[str] = "messaging.messages_sent"
    message_ids: list[int] = dataclasses.field(default_factory=list)
