"""Frozen values that hooks return (never loose dicts)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Mapping


@dataclass(frozen=True)
class NavItem:
    """An entry of the main navigation.

    ``label`` is already translated (hooks run inside the request's locale). ``badge`` is a
    short count shown beside the label (unread messages), or None.
    """

    id: str  # DOM id suffix: the link gets id "nav-<id>"
    label: str
    url: str
    section: int = 50  # lower sections come first
    order: int = 50
    badge: int | str | None = None


@dataclass(frozen=True)
class Widget:
    """A block of the dashboard.

    Either ``template`` (rendered with ``context`` inside the dashboard) or ``url`` (a partial
    loaded after the page, for slow widgets; the URL also works as a plain link).
    """

    id: str  # DOM id suffix: the block gets id "widget-<id>"
    title: str
    template: str | None = None
    context: Mapping[str, Any] = field(default_factory=dict)
    url: str | None = None
    order: int = 50

    def __post_init__(self) -> None:
        if (self.template is None) == (self.url is None):
            raise ValueError(f"widget {self.id!r} needs exactly one of template and url")


@dataclass(frozen=True)
class Permission:
    """A kind of action, named ``<owner>.<verb>``, and the roles that have it by default.

    ``description`` is an English msgid shown (translated) to administrators.
    """

    name: str
    description: str
    roles: frozenset[str]

    def __post_init__(self) -> None:
        if not re.fullmatch(r"[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*", self.name):
            raise ValueError(f"permission name must be '<owner>.<verb>' in lower-case Latin letters, got {self.name!r}")


@dataclass(frozen=True)
class UserTextField:
    """A form field where people type text others will see: the security battery stores attack
    payloads through it and opens every page that shows it in a browser.

    ``form`` is the route name that accepts the field; ``shown_on`` the route names of pages that
    display it.
    """

    form: str
    field: str
    shown_on: tuple[str, ...]
