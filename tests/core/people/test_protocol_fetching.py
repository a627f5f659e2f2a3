"""The credentials protocol's PDF loads nothing from outside: a resource a document names (an
image, a stylesheet, a local file) is skipped, and the PDF is still made."""

from __future__ import annotations

import http.server
import threading

from core.people.protocol import no_fetching


def test_a_named_resource_is_skipped_and_never_requested():
    from weasyprint import HTML

    asked: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 (the standard library's name)
            asked.append(self.path)
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        base = f"http://127.0.0.1:{server.server_port}"
        html = (f'<link rel="stylesheet" href="{base}/style.css"><p>Протокол</p><img src="{base}/logo.png">'
                '<img src="file:///etc/passwd">')
        pdf = HTML(string=html, url_fetcher=no_fetching()).write_pdf()
    finally:
        server.shutdown()
    assert pdf.startswith(b"%PDF-") and asked == []
