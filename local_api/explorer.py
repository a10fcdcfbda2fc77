"""Serve the API explorer page (explorer/) on 127.0.0.1, on a port of its own.

The page must live on another origin than the API so that its calls are real cross-origin calls, as a
single-page app's are: CORS headers, preflights and exposed headers are then exercised, not bypassed.
Only the files directly in explorer/ with a known type are served, read-only; nothing else on disk is
reachable, whatever the request path says.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Mapping
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote, urlsplit

log = logging.getLogger("local_api")

EXPLORER_DIR = Path(__file__).resolve().parent.parent / "explorer"
PORT_VARIABLE = "EXPLORER_PORT"
DEFAULT_PORT = 3000
HOST = "127.0.0.1"

CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".json": "application/json",
    ".png": "image/png",
    ".svg": "image/svg+xml",
    ".ico": "image/x-icon",
}

# The page handles bearer tokens: it runs only its own scripts and styles, may call any API or issuer
# the user names (connect-src), and cannot be framed.
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "connect-src *; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}


class ExplorerConfigError(ValueError):
    """EXPLORER_PORT is not a port number."""


def port_from_env(environ: Mapping[str, str]) -> int:
    """The port from EXPLORER_PORT (default 3000; 0 picks a free one)."""
    raw = environ.get(PORT_VARIABLE, "").strip()
    if not raw:
        return DEFAULT_PORT
    try:
        port = int(raw)
    except ValueError:
        port = -1
    if not 0 <= port <= 65535:
        raise ExplorerConfigError(f"{PORT_VARIABLE}={raw!r} is not a port number (0 picks a free port)")
    return port


def resolve(root: Path, url_path: str) -> Path | None:
    """The file under `root` that `url_path` names, or None when it names nothing servable.

    Servable: "/" (index.html) or "/<name>" for a regular file directly in `root` whose suffix has a
    known content type, not hidden. Encoded separators, "..", back-slashes and NUL bytes name nothing.
    """
    path = unquote(urlsplit(url_path).path)
    if path == "/":
        path = "/index.html"
    name = path[1:] if path.startswith("/") else ""
    if not name or name.startswith(".") or any(c in name for c in "/\\\0") or name in ("..", "."):
        return None
    if Path(name).suffix.lower() not in CONTENT_TYPES:
        return None
    root = root.resolve()
    candidate = (root / name).resolve()
    # resolve() follows symlinks: a link pointing out of the folder is refused here.
    if candidate.parent != root or not candidate.is_file():
        return None
    return candidate


class ExplorerServer:
    """A threaded static file server for `root`, bound to 127.0.0.1; use as a context manager or start/stop."""

    def __init__(self, root: Path = EXPLORER_DIR, port: int = DEFAULT_PORT) -> None:
        self.root = root.resolve()
        self._server = ThreadingHTTPServer((HOST, port), _handler_for(self.root))
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.1}, name="explorer", daemon=True
        )

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}/"

    def page_url(self, api_url: str) -> str:
        """The page's address, telling it where the API is."""
        return f"{self.url}?api={quote(api_url, safe=':/')}"

    def start(self) -> ExplorerServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._thread.is_alive():
            self._server.shutdown()
            self._thread.join(timeout=5)
        self._server.server_close()

    def __enter__(self) -> ExplorerServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def start_explorer(environ: Mapping[str, str], api_url: str) -> ExplorerServer | None:
    """Start the explorer on EXPLORER_PORT and print its address (for the API at `api_url`).

    The API matters more than the page: a bad EXPLORER_PORT or a busy port logs an error and the runner
    goes on without the explorer (None).
    """
    try:
        port = port_from_env(environ)
        explorer = ExplorerServer(port=port).start()
    except (ExplorerConfigError, OSError) as error:
        log.error("API explorer not served (%s); set %s to a free port, or 0 for any", error, PORT_VARIABLE)
        return None
    print(f"API explorer: {explorer.page_url(api_url)}", flush=True)
    return explorer


def _handler_for(root: Path) -> type[BaseHTTPRequestHandler]:
    class ExplorerHandler(BaseHTTPRequestHandler):
        server_version = "local-api-explorer"
        sys_version = ""

        def log_message(self, format: str, *args: Any) -> None:
            log.debug("explorer: " + format, *args)

        def do_GET(self) -> None:
            self._serve(send_body=True)

        def do_HEAD(self) -> None:
            self._serve(send_body=False)

        def _serve(self, send_body: bool) -> None:
            path = resolve(root, self.path)
            if path is None:
                self._send(HTTPStatus.NOT_FOUND, b"Not found\n", "text/plain; charset=utf-8", send_body)
                return
            try:
                content = path.read_bytes()
            except OSError:
                self._send(HTTPStatus.NOT_FOUND, b"Not found\n", "text/plain; charset=utf-8", send_body)
                return
            self._send(HTTPStatus.OK, content, CONTENT_TYPES[path.suffix.lower()], send_body)

        def _refuse(self) -> None:
            self.close_connection = True
            self.send_response(HTTPStatus.METHOD_NOT_ALLOWED)
            self.send_header("Allow", "GET, HEAD")
            self.send_header("Content-Length", "0")
            self.end_headers()

        do_POST = do_PUT = do_DELETE = do_PATCH = do_OPTIONS = _refuse

        def _send(self, status: HTTPStatus, body: bytes, content_type: str, send_body: bool) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            for name, value in SECURITY_HEADERS.items():
                self.send_header(name, value)
            self.end_headers()
            if send_body:
                self.wfile.write(body)

    return ExplorerHandler
