"""HTML to PDF: the one module that imports WeasyPrint.

A render may read only the app's own static files (from disk, never over HTTP) and data: URIs.
Everything else a document could name (http(s), file:, ftp:, a path that climbs out of the
static folder) is refused, and a refusal stops the render: the board pack's own HTML names only
its stylesheet, so any other request means something is wrong, and a half-styled PDF must not go
to a board. User text reaches the HTML escaped (Jinja autoescape), so it can never add a request.

Imports no Flask: the caller passes the static folder and the URL it is served at.
"""

from __future__ import annotations

import logging
import mimetypes
from pathlib import Path
from urllib.parse import unquote, urlsplit

from weasyprint import HTML
from weasyprint.urls import FatalURLFetchingError, URLFetcher, URLFetcherResponse

log = logging.getLogger(__name__)

# The documents' base URL. ".invalid" never resolves (RFC 2606); the fetcher maps its static
# path to the static folder on disk and nothing is ever fetched from it over the network.
ORIGIN = "https://board-pack.invalid"


class PackRenderError(RuntimeError):
    """The PDF could not be made; the message says why, in words a page can show."""


class ResourceRefused(ValueError):
    """A document asked for something other than a static file of the app or a data: URI."""


class StaticOnlyFetcher(URLFetcher):
    """Serves `ORIGIN + static_url_path + /...` from `static_folder` and data: URIs; refuses
    every other URL. Redirects are off and there is no HTTP at all."""

    def __init__(self, static_folder: str | Path, static_url_path: str = "/static") -> None:
        super().__init__(
            allowed_protocols=("data", "https"), allow_redirects=False, fail_on_errors=True, timeout=1
        )
        self.static_folder = Path(static_folder).resolve()
        self.prefix = ORIGIN + static_url_path.rstrip("/") + "/"
        self.refused: list[str] = []
        self.served: list[str] = []

    def fetch(self, url: str, headers: dict[str, str] | None = None) -> URLFetcherResponse:
        if url.lower().startswith("data:"):
            # urllib's data: handler decodes the URI in memory.
            return super().fetch(url, headers)
        path = self._static_path(url)
        if path is None:
            self.refused.append(url)
            log.warning("Board pack render refused a resource: %s", url[:200])
            raise ResourceRefused(f"The board pack may use only the app's own static files; refused {url[:200]}")
        self.served.append(url)
        content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        return URLFetcherResponse(url, path.read_bytes(), {"Content-Type": content_type})

    def _static_path(self, url: str) -> Path | None:
        """The file on disk a URL names, or None unless it is a file inside the static folder."""
        if not url.startswith(self.prefix):
            return None
        parts = urlsplit(url)
        relative = unquote(parts.path[len(self.prefix) - len(ORIGIN):])
        if "\\" in relative or "\x00" in relative:
            return None
        candidate = (self.static_folder / relative).resolve()
        if not candidate.is_relative_to(self.static_folder) or not candidate.is_file():
            return None
        return candidate


def render_pdf(html: str, *, static_folder: str | Path, static_url_path: str = "/static") -> bytes:
    """The PDF of `html`, or PackRenderError (never a partial PDF)."""
    fetcher = StaticOnlyFetcher(static_folder, static_url_path)
    try:
        document = HTML(string=html, base_url=ORIGIN + "/", url_fetcher=fetcher)
        pdf = document.write_pdf()
    except FatalURLFetchingError as error:
        cause = error.__cause__ or error
        raise PackRenderError(f"The board pack could not be made into a PDF: {cause}") from error
    except Exception as error:  # WeasyPrint's own failures: layout, fonts, a broken stylesheet
        log.exception("Board pack render failed")
        raise PackRenderError(
            f"The board pack could not be made into a PDF ({type(error).__name__}: {error})."
        ) from error
    if not pdf or not pdf.startswith(b"%PDF-"):
        raise PackRenderError("The board pack could not be made into a PDF: WeasyPrint returned no document.")
    return pdf
