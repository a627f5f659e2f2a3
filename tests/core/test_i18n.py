"""Translations: every message has Russian, plurals follow Russian rules, dates and numbers too."""

from __future__ import annotations

import asyncio
import re
from datetime import date, datetime, timezone
from pathlib import Path

import pytest

from core import i18n
from core.i18n import catalogs
from core.plugins.manager import discover

ROOT = Path(__file__).parents[2]


def owners() -> list[tuple[str, Path, Path]]:
    found = [("core", ROOT / "core", ROOT / "core" / "i18n")]
    for name, info in discover().items():
        package = Path(info.entry_point.load().__file__).parent
        found.append((name, package, package / "i18n"))
    return found


@pytest.mark.parametrize(("owner", "package", "folder"), owners(), ids=lambda v: v if isinstance(v, str) else "")
def test_every_message_has_a_russian_translation(owner, package, folder):
    problems = catalogs.check(package, folder)
    assert not problems, f"{owner}: run `zhurnal i18n update {owner}` and translate:\n" + "\n".join(map(str, problems))


@pytest.mark.parametrize(("owner", "package", "folder"), owners(), ids=lambda v: v if isinstance(v, str) else "")
def test_every_translation_formats_like_its_message(owner, package, folder):
    """Pages format every message with ``%`` (newstyle gettext): a translation with a stray «%» or
    a placeholder its message lacks breaks the page that shows it."""
    from babel.messages.pofile import read_po

    problems = []
    for path in folder.glob("*/LC_MESSAGES/*.po"):
        for message in read_po(path.open("rb")):
            if not message.id:
                continue  # the catalog's header
            ids = message.id if isinstance(message.id, (list, tuple)) else (message.id,)
            strings = message.string if isinstance(message.string, (list, tuple)) else (message.string,)
            names = {name: 1 for text in ids for name in re.findall(r"%\((\w+)\)", text or "")}
            for text in strings:
                try:
                    text % names if names else text % {}
                except (ValueError, KeyError, TypeError) as error:
                    problems.append(f"{path.parent.parent.name}: {text!r}: {error}")
    assert not problems, f"{owner}:\n" + "\n".join(problems)


@pytest.mark.parametrize(("owner", "package", "folder"), owners(), ids=lambda v: v if isinstance(v, str) else "")
def test_no_message_carries_markup(owner, package, folder):
    """Jinja marks a translation safe: «<p>» in a message becomes a real tag on the page (a hint
    naming the notice board's HTML tags once opened an unclosed link over the rest of the editor).
    Messages name markup in words; values with «<» come in through placeholders, escaped."""
    from babel.messages.pofile import read_po

    problems = []
    for path in folder.glob("*/LC_MESSAGES/*.po"):
        for message in read_po(path.open("rb")):
            if not message.id:
                continue
            texts = [*(message.id if isinstance(message.id, (list, tuple)) else (message.id,)),
                     *(message.string if isinstance(message.string, (list, tuple)) else (message.string,))]
            problems += [f"{path.parent.parent.name}: {text!r}" for text in texts if text and re.search(r"<[A-Za-z/!]|&\w+;", text)]
    assert not problems, f"{owner}:\n" + "\n".join(problems)


def test_no_two_catalogs_translate_one_message_differently():
    """Catalogs are merged into one: a message core or another plugin already translates would
    change its words on their pages too (the mail's «%(num)d new» once turned the people import's
    «1 новый» into «1 новое»). A plugin gives its own message a wording of its own."""
    from babel.messages.pofile import read_po

    seen: dict[tuple[str, str], tuple[str, object]] = {}
    problems = []
    for owner, _package, folder in owners():
        for path in folder.glob("*/LC_MESSAGES/*.po"):
            locale = path.parent.parent.name
            for message in read_po(path.open("rb")):
                if not message.id:
                    continue
                key = (locale, message.id if isinstance(message.id, str) else message.id[0])
                translation = tuple(message.string) if isinstance(message.string, (list, tuple)) else message.string
                if key in seen and seen[key][1] != translation:
                    problems.append(f"{key}: {seen[key][0]} {seen[key][1]!r}, {owner} {translation!r}")
                seen.setdefault(key, (owner, translation))
    assert not problems, "\n".join(problems)


def test_the_check_notices_a_missing_translation(tmp_path):
    package = tmp_path / "somepkg"
    (package / "templates").mkdir(parents=True)
    (package / "code.py").write_text('from core.i18n import gettext as _\n_("Home")\n_("Never translated")\n')
    (package / "templates" / "page.html").write_text('{{ ngettext("%(num)d cat", "%(num)d cats", 3) }}')
    catalogs.update(package, package / "i18n")
    problems = {p.msgid: p.what for p in catalogs.check(package, package / "i18n")}
    assert problems == {"Home": "untranslated", "Never translated": "untranslated", "%(num)d cat": "needs 3 plural forms"}


@pytest.fixture
def russian():
    translations = i18n.load_translations([])
    i18n.activate(translations, "ru")
    yield translations
    i18n.activate(translations, "ru")


@pytest.mark.parametrize(
    ("count", "expected"),
    [(1, "1 модуль"), (2, "2 модуля"), (4, "4 модуля"), (5, "5 модулей"), (11, "11 модулей"), (12, "12 модулей"),
     (21, "21 модуль"), (22, "22 модуля"), (25, "25 модулей"), (101, "101 модуль"), (111, "111 модулей"), (0, "0 модулей")],
)
def test_russian_has_three_plural_forms(russian, count, expected):
    assert i18n.ngettext("%(num)d module", "%(num)d modules", count) == expected


def test_english_plurals(russian):
    i18n.activate(russian, "en")
    assert [i18n.ngettext("%(num)d module", "%(num)d modules", n) for n in (1, 2, 5)] == ["1 module", "2 modules", "5 modules"]


def test_plugin_catalogs_are_merged_with_cores():
    from tests.testplugin import __file__ as plugin_file

    translations = i18n.load_translations([Path(plugin_file).parent / "i18n"])
    i18n.activate(translations, "ru")
    assert i18n.gettext("Notes") == "Заметки" and i18n.gettext("Home") == "Главная"
    assert i18n.ngettext("%(num)d note", "%(num)d notes", 3) == "3 заметки"


def test_dates_and_numbers_in_russian(russian):
    assert i18n.format_date(date(2026, 9, 1)) == "1 сентября 2026\u202fг."  # CLDR: narrow no-break space
    assert i18n.format_date(date(2026, 9, 1), "short") == "01.09.2026"
    assert i18n.format_number(1234567.5) == "1\xa0234\xa0567,5"
    moment = datetime(2026, 9, 1, 3, 30, tzinfo=timezone.utc)
    assert i18n.format_datetime(moment, "Asia/Yekaterinburg", "short") == "01.09.2026, 08:30"


async def test_the_locale_belongs_to_the_request():
    translations = i18n.load_translations([])

    async def speak(locale: str) -> str:
        i18n.activate(translations, locale)
        await asyncio.sleep(0.01)
        return i18n.gettext("Home")

    assert await asyncio.gather(speak("ru"), speak("en"), speak("ru")) == ["Главная", "Home", "Главная"]


def test_an_unknown_locale_falls_back_to_russian():
    translations = i18n.load_translations([])
    i18n.activate(translations, "de")
    assert i18n.current_locale() == "ru" and i18n.gettext("Home") == "Главная"
