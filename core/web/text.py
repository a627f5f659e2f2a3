"""Text people typed, shown on pages: escaped first, then web addresses made links."""

from __future__ import annotations

import re

from markupsafe import Markup, escape

# Run over escaped text (or HTML with no links yet): quotes end an address, also as entities, so a
# link can never leave the attribute it is put in; trailing punctuation stays outside.
ADDRESS = re.compile(r"https?://(?:(?!&#34;|&#39;|&quot;)[^\s<>\"'])+(?<![.,;:!?)\]»])")


def link_addresses(escaped: str) -> str:
    """``escaped`` with its http(s) addresses as links that open in a new tab."""
    return ADDRESS.sub(lambda m: f'<a href="{m.group(0)}" rel="noopener noreferrer nofollow" target="_blank">'
                                 f"{m.group(0)}</a>", escaped)


def linkify(text: str | None) -> Markup:
    """Escape ``text`` and turn its http(s) addresses into links."""
    return Markup(link_addresses(str(escape(text or ""))))  # nosec B704 # escaped first; the links added hold no quote or <>
