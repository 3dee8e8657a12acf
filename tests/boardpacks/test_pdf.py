"""The one WeasyPrint module: what its fetcher serves and refuses, and a failed render."""

from __future__ import annotations

import http.server
import threading
from pathlib import Path

import pytest

from app.boardpacks.pdf import ORIGIN, PackRenderError, ResourceRefused, StaticOnlyFetcher, render_pdf

STATIC = Path(__file__).resolve().parents[2] / "app" / "static"


class _Counting(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802
        # Every request is redirected elsewhere: a fetcher that followed redirects would show.
        self.send_response(302)
        self.send_header("Location", "http://127.0.0.1:1/elsewhere")
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def listener():  # type: ignore[no-untyped-def]
    """A real HTTP server on 127.0.0.1 that counts the connections it accepts."""
    accepted = []

    class Server(http.server.HTTPServer):
        def get_request(self):  # type: ignore[no-untyped-def]
            connection = super().get_request()
            accepted.append(connection[1])
            return connection

    server = Server(("127.0.0.1", 0), _Counting)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1], accepted
    server.shutdown()
    server.server_close()


@pytest.fixture
def fetcher() -> StaticOnlyFetcher:
    return StaticOnlyFetcher(STATIC, "/static")


def test_a_static_file_is_served_from_disk(fetcher):
    response = fetcher.fetch(f"{ORIGIN}/static/css/pack.css")
    assert response.read() == (STATIC / "css" / "pack.css").read_bytes()
    assert response.content_type == "text/css"


def test_a_data_uri_is_allowed(fetcher):
    assert fetcher.fetch("data:text/plain;base64,aGVsbG8=").read() == b"hello"


@pytest.mark.parametrize("url", [
    "file:///etc/passwd",
    f"{ORIGIN}/static/../../../../etc/passwd",
    f"{ORIGIN}/static/%2e%2e/%2e%2e/config.py",
    f"{ORIGIN}/static/..%2f..%2fapp%2fconfig.py",
    f"{ORIGIN}/static/css/no-such-file.css",
    f"{ORIGIN}/static/css",  # a folder
    f"{ORIGIN}/sign-in",
    "ftp://127.0.0.1/x",
    "https://example.org/x.png",
])
def test_everything_else_is_refused(fetcher, url):
    with pytest.raises(ResourceRefused):
        fetcher.fetch(url)
    assert fetcher.refused == [url]


@pytest.mark.parametrize("scheme", ["http", "https"])
def test_http_and_a_redirect_are_refused_without_a_connection(fetcher, listener, scheme):
    port, accepted = listener
    with pytest.raises(ResourceRefused):
        fetcher.fetch(f"{scheme}://127.0.0.1:{port}/redirects")
    assert accepted == []


def test_a_document_asking_for_anything_else_fails_whole_with_a_clear_error(listener):
    port, accepted = listener
    html = f'<p>Hello</p><img src="http://127.0.0.1:{port}/x.png">'
    with pytest.raises(PackRenderError, match="refused http://127.0.0.1"):
        render_pdf(html, static_folder=STATIC)
    assert accepted == []


def test_a_document_with_its_stylesheet_renders(tmp_path):
    pdf = render_pdf('<link rel="stylesheet" href="/static/css/pack.css"><p>Board</p>', static_folder=STATIC)
    assert pdf.startswith(b"%PDF-") and pdf.rstrip().endswith(b"%%EOF")


def test_a_missing_stylesheet_is_a_render_error_not_an_unstyled_pdf(tmp_path):
    with pytest.raises(PackRenderError):
        render_pdf('<link rel="stylesheet" href="/static/css/pack.css"><p>Board</p>', static_folder=tmp_path)
