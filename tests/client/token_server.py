"""A tiny OAuth token endpoint on 127.0.0.1 that counts the token requests it answers."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

CLIENT_ID = "test-client"
CLIENT_SECRET = "test-secret"


@dataclass
class TokenServer:
    url: str = ""
    expires_in: int = 3600
    requests: list[dict[str, str]] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def token_url(self) -> str:
        return self.url + "/oauth/token"

    @property
    def count(self) -> int:
        with self._lock:
            return len(self.requests)

    def answer(self, form: dict[str, str]) -> tuple[int, dict[str, object]]:
        with self._lock:
            self.requests.append(form)
            number = len(self.requests)
        if form.get("client_id") != CLIENT_ID or form.get("client_secret") != CLIENT_SECRET:
            return 401, {"error": "invalid_client", "error_description": "Unauthorized"}
        # Shaped like a JWT so it passes the gateway's validation expression, but signed by nobody.
        token = f"eyJhbGciOiJSUzI1NiJ9.eyJ0b2tlbiI6{number}fQ.c2lnbmF0dXJl"
        return 200, {"access_token": token, "token_type": "Bearer", "expires_in": self.expires_in}


@contextmanager
def running_token_server(expires_in: int = 3600) -> Iterator[TokenServer]:
    state = TokenServer(expires_in=expires_in)

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", 0))
            form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode(), keep_blank_values=True).items()}
            status, body = state.answer(form) if self.path == "/oauth/token" else (404, {"error": "not_found"})
            payload = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
