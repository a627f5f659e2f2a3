"""A notice's body: what an author typed (plain text or a small HTML subset) made safe to store and show.

Everything goes through nh3 with a short allow-list: no attribute but ``href`` on links (so no
``hx-*``, ``data-hx-*``, ``on*``, ``style``), links only to http(s) and mailto, opened in a new tab
without referrer. Plain text gets paragraphs and clickable addresses. The result is stable: cleaning
it again changes nothing, so a stored body can be re-checked at any time.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

import nh3
from markupsafe import escape

from core.i18n import folded
from core.i18n import gettext as _
from core.web.text import link_addresses

MAX_BODY = 20_000
EXCERPT_LIMIT = 200

_BLOCKS = frozenset({"p", "ul", "ol", "li", "h3", "h4", "blockquote"})
_TAGS = _BLOCKS | {"br", "strong", "b", "em", "i", "a"}
_CLEANER = nh3.Cleaner(
    tags=set(_TAGS), clean_content_tags={"script", "style"},
    attributes={"*": set(), "a": {"href"}},  # "*": not even the default title and lang
    url_schemes={"http", "https", "mailto"}, url_relative="deny",  # "/logout" is no scheme an author needs
    link_rel="noopener noreferrer nofollow", set_tag_attribute_values={"a": {"target": "_blank"}},
)
_MARKUP = re.compile(r"</?[A-Za-z][^>]*>|<!--")
_BLOCK_TAG = re.compile(r"<(?:%s)[\s>]" % "|".join(sorted(_BLOCKS)))
_BLANK_LINE = re.compile(r"\n[^\S\n]*\n\s*")


class NoticeTextError(ValueError):
    """A body that cannot be published; ``message`` is translated, ready to show."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def clean_notice_html(text: str) -> str:
    """Safe HTML for ``text``; :class:`NoticeTextError` if it is too long or nothing is left of it."""
    if len(text) > MAX_BODY:
        raise NoticeTextError(_("The text is too long: at most %(count)d characters.", count=MAX_BODY))
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    html = _CLEANER.clean(text) if _MARKUP.search(text) else str(escape(text))
    if not _BLOCK_TAG.search(html):
        html = _paragraphs(html)
    if "<a" not in html:
        html = link_addresses(html)  # no links yet, hence no attributes: every address found is text
    html = _CLEANER.clean(html).strip()  # normalizes what was added, so a second pass finds nothing to do
    if not plain_excerpt(html):
        raise NoticeTextError(_("The text is empty."))
    return html


def _paragraphs(html: str) -> str:
    """Blank lines part paragraphs, single newlines become line breaks."""
    chunks = (chunk.strip() for chunk in _BLANK_LINE.split(html.strip()))
    return "\n".join(f"<p>{chunk.replace(chr(10), '<br>' + chr(10))}</p>" for chunk in chunks if chunk)


def search_text(title: str, body: str) -> str:
    """What search looks through: the title and the body's text, folded (any case, ё as е)."""
    return folded(f"{title} {plain_excerpt(body, limit=len(body) + 1)}")


def plain_excerpt(html: str, limit: int = EXCERPT_LIMIT) -> str:
    """The text of a cleaned body, whitespace collapsed, cut at a word boundary with «…» past ``limit``."""
    reader = _TextReader()
    reader.feed(html)
    reader.close()
    text = " ".join("".join(reader.parts).split())
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]  # one character left for the ellipsis
    if not text[limit - 1].isspace() and " " in cut:  # a word runs over the cut: drop it whole
        cut = cut.rsplit(" ", 1)[0]
    return cut.rstrip(" ,;:.-—–") + "…"


class _TextReader(HTMLParser):
    """Collects text, with a space wherever a block or a line break would have parted words."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _BLOCKS or tag == "br":
            self.parts.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag in _BLOCKS:
            self.parts.append(" ")

    def handle_data(self, data: str) -> None:
        self.parts.append(data)
