"""zhurnal core: the public API for plugin authors.

    from core import hookimpl, Base, Event, emit

Plugins import ``core`` only, never each other.
"""

import pluggy

from core.db.base import Base
from core.db.types import UTCDateTime, utcnow
from core.events import Event, emit

hookimpl = pluggy.HookimplMarker("zhurnal")

__all__ = ["Base", "Event", "UTCDateTime", "emit", "hookimpl", "utcnow"]
