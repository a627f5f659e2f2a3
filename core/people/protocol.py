"""The credentials protocol as a PDF (WeasyPrint): a table with a signature line per person, then
cut-out slips to hand out. Built in the request, in a worker thread (about 0.1 s for a class),
because the one-time passwords must not wait in storage for a background job."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from core.platform import Platform


def no_fetching() -> Any:
    """A WeasyPrint URL fetcher that loads nothing: whatever a document names is skipped."""
    from weasyprint.urls import URLFetcher, URLFetchingError  # heavy: imported on first use

    class NoFetching(URLFetcher):  # type: ignore[misc]
        def fetch(self, url: str, headers: Any = None) -> Any:
            raise URLFetchingError(f"the protocol loads nothing from outside: {url[:80]}")

    return NoFetching()


def protocol_pdf(platform: Platform, document: dict[str, Any]) -> bytes:
    from weasyprint import HTML  # heavy: imported on first use

    html = platform.jinja.get_template("core/people/credentials_protocol.html").render(**document)
    return HTML(string=html, url_fetcher=no_fetching()).write_pdf()  # type: ignore[no-any-return]
