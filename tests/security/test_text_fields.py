"""Every field where someone types text is in the stored-XSS run, or is named here with why not.

The forms are read off the pages themselves (every GET row of the matrix, as every role it
allows), so a new form, or a new field of an old one, fails here until it is declared through the
``user_text_fields`` hook, which the browser run then fills with payloads and opens."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from core.plugins.calling import call_sync_each
from tests.security.matrix import MATRIX, fill
from tests.security.world import World

# Typed text that no page shows back to anyone as text.
NEVER_SHOWN = {
    "password", "current", "repeat",  # passwords: checked, hashed, never shown
    "login",  # sign-in names: letters, digits, dots and dashes only, refused otherwise
    "username",  # the account's own login beside a password, for password managers; not sent back
}
# Typed text that is checked against a strict form before it is kept, so it cannot carry markup.
STRICT = {
    "phone": "digits, spaces and + ( ) -", "rep_phone": "as phone",
    "email": "an address; refused unless it parses as one",
    "address": "an e-mail address for copies, as above",
    "code": "a one-time or two-factor code (digits, never shown back), or an attendance code: one to four letters",
    "value": "a mark or attendance code of the scale, refused otherwise",
    "mark": "a student's marks in a lesson's or final marks' row (new-12, period-12): marks of the scale only",
    "bells": "lesson times as HH:MM-HH:MM: only the times are kept",
    "hours": "a number",
    "weight": "a number",
    "letter": "a class's letter: letters, digits and dashes, at most 10",
}
# Names of people are refused when they hold anything but letters, spaces, dashes and apostrophes
# (tests/security/test_name_fields.py stores every payload through each of these and sees it refused).
NAMES = {"last_name", "first_name", "middle_name", "full_name", "rep_full_name"}


class Forms(HTMLParser):
    """The POST forms of a page: (action, the names of its text and file fields)."""

    TEXT_TYPES = {"", "text", "search", "email", "tel", "url"}
    NUMBERS = {"numeric", "decimal"}  # a text input for a number: the route parses it as one or refuses it

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[tuple[str, set[str]]] = []
        self.current: set[str] | None = None
        self.owners: dict[str, set[str]] = {}  # form id -> its fields (inputs with form="...")
        self.pending: list[tuple[str, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = {key: value or "" for key, value in attrs}
        if tag == "form":
            self.current = None
            if found.get("method", "get").lower() == "post" or "hx-post" in found:
                self.current = set()
                self.forms.append((found.get("hx-post") or found.get("action", ""), self.current))
                if found.get("id"):
                    self.owners[found["id"]] = self.current
            return
        typed = found.get("type", "").lower()
        typed_in = tag == "textarea" or tag == "input" and (
            typed == "file" or typed in self.TEXT_TYPES and found.get("inputmode") not in self.NUMBERS)
        if typed_in and found.get("name"):
            if found.get("form"):
                self.pending.append((found["form"], found["name"]))
            elif self.current is not None:
                self.current.add(found["name"])

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self.current = None

    def close(self) -> None:
        super().close()
        for owner, name in self.pending:
            if owner in self.owners:
                self.owners[owner].add(name)


def post_routes(world: World) -> list[tuple[re.Pattern[str], str]]:
    """(path pattern, route name) of every POST route, static paths first."""
    found = []
    for route in world.client.app.routes:
        for handler in getattr(route, "route_handlers", []):
            if "POST" in handler.http_methods:
                pattern = re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(route.path))
                found.append((route.path.count("{"), re.compile(f"^{pattern}$"), handler.name))
    return [(pattern, name) for _params, pattern, name in sorted(found, key=lambda item: item[0])]


def route_of(action: str, routes: list[tuple[re.Pattern[str], str]]) -> str | None:
    path = action.split("?", 1)[0].split("#", 1)[0]
    return next((name for pattern, name in routes if pattern.match(path)), None)


def exempt(field: str) -> bool:
    return field in NEVER_SHOWN or field in STRICT or field in NAMES


async def test_every_text_field_is_in_the_xss_run(world: World, make_platform, tally):
    platform = make_platform(plugins=None)  # the world's plugins
    declared = {(field.form, field.field) for _plugin, fields in call_sync_each(platform.hook.user_text_fields, platform=platform)
                for field in fields}
    routes = post_routes(world)
    seen: dict[tuple[str, str], str] = {}
    unknown_actions = set()
    for name, row in MATRIX.items():
        if row.method != "GET" or 200 not in row.success:
            continue
        for role in sorted(row.allowed):
            response = await world.request(role, "GET", fill(row.path, world, role))
            if response.status_code != 200 or "text/html" not in response.headers.get("content-type", ""):
                continue
            parser = Forms()
            parser.feed(response.text)
            parser.close()
            for action, fields in parser.forms:
                route = route_of(action or fill(row.path, world, role), routes)
                if route is None:
                    unknown_actions.add(action)
                    continue
                for field in fields:  # per-student fields once: "period-12-comment" and "period-13-comment" are one
                    seen.setdefault((route, canonical(field)), name)
    assert not unknown_actions, f"forms posting to no route: {sorted(unknown_actions)}"
    missing = sorted(f"{route} field {field!r} (on {page})" for (route, field), page in seen.items()
                     if (route, field) not in declared and not exempt(field))
    tally["form text fields"] += len(seen)
    tally["form text fields missed"] += len(missing)
    assert not missing, "text fields the XSS run does not fill; declare them in a user_text_fields hook:\n" + "\n".join(missing)
    assert len(seen) > 50, len(seen)  # the pages were read


def canonical(field: str) -> str:
    """A per-student field by what it holds: "period-12-comment" is a comment, "new-12" a mark."""
    return "mark" if re.fullmatch(r"[a-z]+-\d+", field) else re.sub(r"^[a-z]+-\d+-", "", field)
