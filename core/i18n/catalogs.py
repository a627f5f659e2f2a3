"""Keeping the ``.po`` catalogs in step with the code (for developers: ``zhurnal i18n ...``).

Messages are extracted from Python (``_``, ``gettext``, ``ngettext``, ``N_``) and from Jinja
templates (``_``, ``gettext``, ``ngettext``, ``{% trans %}``) below an owner's package folder.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po, write_po

from core.i18n import DOMAIN, LOCALES

METHODS = [("**/templates/**.html", "jinja2"), ("**.py", "python")]
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "N_": None}
OPTIONS = {"**/templates/**.html": {"extensions": "jinja2.ext.i18n", "trimmed": "true"}}
SKIP = ("migrations", "static", "__pycache__")


@dataclass(frozen=True)
class Problem:
    locale: str
    msgid: str
    what: str

    def __str__(self) -> str:
        return f"{self.locale}: {self.what}: {self.msgid!r}"


def extract(package_dir: Path) -> Catalog:
    catalog = Catalog(domain=DOMAIN)
    for filename, lineno, message, comments, context in extract_from_dir(
        str(package_dir), METHODS, keywords=KEYWORDS, options_map=OPTIONS,
        callback=None, strip_comment_tags=True,
    ):
        if any(part in SKIP for part in Path(filename).parts):
            continue
        catalog.add(message, None, [(filename, lineno)], auto_comments=comments, context=context)
    return catalog


def po_path(catalog_dir: Path, locale: str) -> Path:
    return catalog_dir / locale / "LC_MESSAGES" / f"{DOMAIN}.po"


def read(path: Path, locale: str) -> Catalog:
    if not path.exists():
        return Catalog(locale=locale, domain=DOMAIN)
    with path.open("rb") as handle:
        return read_po(handle, locale=locale)


def update(package_dir: Path, catalog_dir: Path) -> list[Path]:
    """Add new msgids to every locale's catalog and drop vanished ones; returns the files written."""
    template = extract(package_dir)
    written = []
    for locale in LOCALES:
        path = po_path(catalog_dir, locale)
        catalog = read(path, locale)
        catalog.update(template, no_fuzzy_matching=True)
        catalog.obsolete.clear()
        catalog.project, catalog.version, catalog.fuzzy = "zhurnal", "", False
        catalog.msgid_bugs_address = catalog.copyright_holder = ""
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("wb") as handle:
            write_po(handle, catalog, width=100, omit_header=False, sort_output=True, include_lineno=False)
        written.append(path)
    return written


def check(package_dir: Path, catalog_dir: Path, locale: str = "ru") -> list[Problem]:
    """Every message of the code has a translation in ``locale`` (all plural forms, not fuzzy)."""
    catalog = read(po_path(catalog_dir, locale), locale)
    problems = []
    for message in extract(package_dir):
        if not message.id:
            continue
        found = catalog.get(message.id)
        msgid = message.id if isinstance(message.id, str) else message.id[0]
        if found is None:
            problems.append(Problem(locale, msgid, "missing"))
        elif found.fuzzy:
            problems.append(Problem(locale, msgid, "fuzzy"))
        elif isinstance(found.string, tuple):
            if len(found.string) != catalog.num_plurals or not all(found.string):
                problems.append(Problem(locale, msgid, f"needs {catalog.num_plurals} plural forms"))
        elif not found.string:
            problems.append(Problem(locale, msgid, "untranslated"))
    return problems
