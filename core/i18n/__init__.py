"""Translations: English msgids, ``ru`` (default) and ``en`` catalogs, a per-request locale.

Catalogs are ``.po`` files (core's in ``core/i18n/<locale>/LC_MESSAGES/messages.po``, a plugin's
in ``<plugin package>/i18n/...``), compiled in memory when the app starts: no manual compile
step. The locale of the current request lives in a context variable; ``gettext``/``ngettext``
read it, in Python code and (newstyle) in templates alike.
"""

from __future__ import annotations

import io
from contextvars import ContextVar
from datetime import date, datetime
from pathlib import Path
from typing import Iterable
from zoneinfo import ZoneInfo

from babel.dates import format_date as babel_format_date
from babel.dates import format_datetime as babel_format_datetime
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal
from babel.support import Translations

LOCALES = ("ru", "en")
DEFAULT_LOCALE = "ru"
CORE_CATALOGS = Path(__file__).parent
DOMAIN = "messages"

_current_locale: ContextVar[str] = ContextVar("zhurnal_locale", default=DEFAULT_LOCALE)
_catalogs: ContextVar[dict[str, Translations] | None] = ContextVar("zhurnal_catalogs", default=None)


def load_catalog(folder: Path, locale: str) -> Translations | None:
    """Compile ``folder/<locale>/LC_MESSAGES/messages.po`` in memory; None when absent."""
    po = folder / locale / "LC_MESSAGES" / f"{DOMAIN}.po"
    if not po.exists():
        return None
    with po.open("rb") as handle:
        catalog = read_po(handle, locale=locale)
    buffer = io.BytesIO()
    write_mo(buffer, catalog, use_fuzzy=False)
    buffer.seek(0)
    return Translations(fp=buffer, domain=DOMAIN)


def load_translations(folders: Iterable[Path]) -> dict[str, Translations]:
    """One merged catalog per locale from core's folder and each plugin's."""
    merged: dict[str, Translations] = {}
    for locale in LOCALES:
        combined = Translations(domain=DOMAIN)
        for folder in [CORE_CATALOGS, *folders]:
            catalog = load_catalog(folder, locale)
            if catalog is not None:
                combined.merge(catalog)
                combined.plural = catalog.plural  # type: ignore[attr-defined]
        merged[locale] = combined
    return merged


def activate(catalogs: dict[str, Translations], locale: str) -> None:
    """Make ``locale`` the current one for this request (or task)."""
    _catalogs.set(catalogs)
    _current_locale.set(locale if locale in LOCALES else DEFAULT_LOCALE)


def current_locale() -> str:
    return _current_locale.get()


def _translations() -> Translations | None:
    catalogs = _catalogs.get()
    return catalogs.get(_current_locale.get()) if catalogs else None


def translate(message: str) -> str:
    """The current locale's text for ``message``, unformatted (templates format it themselves)."""
    translations = _translations()
    return translations.gettext(message) if translations else message


def translate_plural(singular: str, plural: str, n: int) -> str:
    translations = _translations()
    return translations.ngettext(singular, plural, n) if translations else (singular if n == 1 else plural)


def gettext(message: str, **variables: object) -> str:
    text = translate(message)
    return text % variables if variables else text


def ngettext(singular: str, plural: str, n: int, **variables: object) -> str:
    """The plural form for ``n`` (Russian has three); ``%(num)d`` in the text is ``n``."""
    variables.setdefault("num", n)
    return translate_plural(singular, plural, n) % variables


_ = gettext


def N_(message: str) -> str:
    """Mark a string for extraction; translate it with ``gettext`` when it is shown."""
    return message


def folded(text: str) -> str:
    """A search and sort key: case-insensitive for Cyrillic too (SQLite's lower() is ASCII-only), ё as е."""
    return text.casefold().replace("ё", "е")


def like_pattern(query: str) -> str:
    """A LIKE pattern (``escape="\\"``) finding ``query`` anywhere in a :func:`folded` key, its
    ``%`` and ``_`` taken literally, runs of spaces as one."""
    escaped = folded(" ".join(query.split())).replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def format_date(value: date, format: str = "long") -> str:
    return babel_format_date(value, format=format, locale=current_locale())


def format_datetime(value: datetime, timezone: str | None = None, format: str = "medium") -> str:
    tzinfo = ZoneInfo(timezone) if timezone else None
    return babel_format_datetime(value, format=format, tzinfo=tzinfo, locale=current_locale())


def format_number(value: float | int, format: str | None = None) -> str:
    return format_decimal(value, format=format, locale=current_locale())
