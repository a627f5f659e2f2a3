"""The notice sanitizer: attacks come out harmless, the allowed subset survives, a second pass changes nothing."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.i18n import gettext as _
from plugins.noticeboard.text import MAX_BODY, NoticeTextError, clean_notice_html, plain_excerpt
from tests.security.payloads import PAYLOADS

REL = 'target="_blank" rel="noopener noreferrer nofollow"'
ALLOWED = {"p", "br", "ul", "ol", "li", "strong", "b", "em", "i", "a", "h3", "h4", "blockquote"}
# Looked for in the markup only: in text, escaped, «onmouseover=» is just words.
DANGER = re.compile(r"\son\w+\s*=|javascript:|hx-|data-|style=|class=|id=", re.IGNORECASE)


class _Markup(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, attrs))


def assert_safe(html: str) -> None:
    """Only allowed tags; only href/target/rel on links; addresses only http(s) and mailto."""
    assert "<script" not in html.lower()
    tags = re.findall(r"<[^<>]*>", re.sub(r'href="(https?://|mailto:)[^"]*"', "", html))
    assert not any(DANGER.search(tag) for tag in tags), html
    reader = _Markup()
    reader.feed(html)
    for tag, attrs in reader.tags:
        assert tag in ALLOWED, html
        assert {name for name, _value in attrs} <= ({"href", "target", "rel"} if tag == "a" else set()), html
        href = dict(attrs).get("href")
        assert href is None or re.match(r"(https?://|mailto:)", href), html


def clean_or_none(text: str) -> str | None:
    try:
        return clean_notice_html(text)
    except NoticeTextError:
        return None


@pytest.mark.parametrize("payload", PAYLOADS)
def test_payload_comes_out_harmless(payload: str) -> None:
    for text in (payload, f"Текст {payload} и дальше", f"<p>{payload}</p>\n\n{payload}"):
        html = clean_or_none(text)
        if html is not None:
            assert_safe(html)


@pytest.mark.parametrize("payload", PAYLOADS)
def test_payload_cleaning_is_stable(payload: str) -> None:
    html = clean_or_none(payload)
    assert html is None or clean_notice_html(html) == html


@pytest.mark.parametrize("href", [
    "javascript:alert(1)", "JaVaScRiPt:alert(1)", "jav&#x61;script:alert(1)", "&#106;avascript:alert(1)",
    "java\nscript:alert(1)", "java\tscript:alert(1)", " javascript:alert(1)", "\njavascript:alert(1)",
    "data:text/html,<script>alert(1)</script>", "vbscript:msgbox(1)", "/logout", "//evil.example/",
])
def test_unsafe_link_loses_its_address(href: str) -> None:
    html = clean_notice_html(f'<a href="{href}" onclick="x()" hx-get="/logout">ссылка</a>')
    assert html == f"<p><a {REL}>ссылка</a></p>"


@pytest.mark.parametrize("href", ["https://school.example/a?b=1&amp;c=2", "http://school.example/",
                                  "mailto:head@school.example"])
def test_safe_link_is_kept_with_rel_and_new_tab(href: str) -> None:
    html = clean_notice_html(f'<a href="{href}" target="_top" rel="opener" class="x" id="y">ссылка</a>')
    assert html == f'<p><a href="{href}" {REL}>ссылка</a></p>'


def test_allowed_markup_survives() -> None:
    text = ("<h3>Собрание</h3><p><strong>Важно</strong>, <b>очень</b>, <em>срочно</em>, <i>сегодня</i><br>в 18:00</p>"
            "<ul><li>один</li></ul><ol><li>два</li></ol><h4>Итог</h4><blockquote>цитата</blockquote>")
    assert clean_notice_html(text) == text


def test_attributes_and_other_tags_are_stripped_text_kept() -> None:
    text = ('<div class="c" id="i" style="color:red" hx-post="/x" data-hx-get="/y" onclick="z()">'
            '<span>текст</span> <u>ещё</u></div><p title="t" lang="ru" data-x="1">абзац</p>')
    assert clean_notice_html(text) == "текст ещё<p>абзац</p>"


def test_script_and_style_contents_are_dropped() -> None:
    html = clean_notice_html("<p>до<script>alert(1)</script><style>p{color:red}</style> после</p>")
    assert html == "<p>до после</p>"


def test_plain_text_gets_paragraphs_line_breaks_and_links() -> None:
    text = "Родители 5А!\r\n\r\n  Собрание завтра,\nв 18:00.\n\n\n\nПодробнее: https://school.example/a?x=1&y=2."
    assert clean_notice_html(text) == (
        "<p>Родители 5А!</p>\n<p>Собрание завтра,<br>\nв 18:00.</p>\n"
        '<p>Подробнее: <a href="https://school.example/a?x=1&amp;y=2" '
        f'{REL}>https://school.example/a?x=1&amp;y=2</a>.</p>')


def test_plain_text_is_escaped_not_parsed() -> None:
    assert clean_notice_html("5 < 6 & 7 > 3, \"кавычки\" и 'апостроф'") == (
        "<p>5 &lt; 6 &amp; 7 &gt; 3, \"кавычки\" и 'апостроф'</p>")


def test_address_never_takes_a_quote_along() -> None:
    html = clean_notice_html('см. "https://school.example/"onmouseover=alert(1)')
    assert f'<a href="https://school.example/" {REL}>https://school.example/</a>' in html
    assert_safe(html)


def test_addresses_inside_markup_become_links_unless_the_author_linked() -> None:
    assert clean_notice_html("<p><b>см.</b> http://a.example</p>") == (
        f'<p><b>см.</b> <a href="http://a.example" {REL}>http://a.example</a></p>')
    linked = f'<p><a href="https://b.example" {REL}>тут</a> и http://a.example</p>'
    assert clean_notice_html(linked) == linked


@pytest.mark.parametrize("text", ["", "   \n\n  ", "<p></p>", "<script>alert(1)</script>", "<img src=x>"])
def test_empty_result_is_refused(text: str) -> None:
    with pytest.raises(NoticeTextError) as caught:
        clean_notice_html(text)
    assert caught.value.message == _("The text is empty.")


def test_oversize_text_is_refused() -> None:
    assert clean_notice_html("я" * MAX_BODY)
    with pytest.raises(NoticeTextError) as caught:
        clean_notice_html("я" * (MAX_BODY + 1))
    assert caught.value.message == _("The text is too long: at most %(count)d characters.", count=MAX_BODY)


html_bits = st.sampled_from([
    "<p>", "</p>", "<b>", "</b>", "<i>", "<ul>", "<li>", "</ul>", "<h3>", "<blockquote>", "<br>", "<div>",
    '<a href="https://x.example">', '<a href="javascript:alert(1)">', "</a>", "<script>", "</script>", "<style>",
    "<!--", "-->", "&amp;", "&lt;", "&#34;", "&quot;", "\n", "\n\n", " ", "http://x.example/a", "https://y.example.",
    '"', "'", "<", ">", "&", "слово", "hx-get=/x", " onclick=x()", "<img src=x onerror=alert(1)>", "\r\n", "\t",
] + PAYLOADS)


@settings(max_examples=400, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(st.text(max_size=300), st.lists(st.one_of(html_bits, st.text(max_size=5)), max_size=40).map("".join)))
def test_cleaning_is_idempotent_and_safe(text: str) -> None:
    html = clean_or_none(text)
    if html is not None:
        assert clean_notice_html(html) == html
        assert_safe(html)


def test_excerpt_is_the_text_with_whitespace_collapsed() -> None:
    html = clean_notice_html("<h3>Собрание</h3><p>Завтра<br>в&nbsp;18:00 &amp; <b>не</b>опаздывать</p>"
                             "<ul><li>раз</li><li>два</li></ul>")
    assert plain_excerpt(html) == "Собрание Завтра в 18:00 & неопаздывать раз два"


@pytest.mark.parametrize(("text", "limit", "expected"), [
    ("один два три", 12, "один два три"),
    ("один два три", 11, "один два…"),
    ("один два три", 9, "один два…"),  # "два" fits whole
    ("один два, три", 10, "один два…"),  # no comma before the ellipsis
    ("одиндватри", 5, "один…"),  # a single long word is cut inside
])
def test_excerpt_cuts_at_a_word_boundary(text: str, limit: int, expected: str) -> None:
    excerpt = plain_excerpt(clean_notice_html(text), limit)
    assert excerpt == expected
    assert len(excerpt) <= limit
