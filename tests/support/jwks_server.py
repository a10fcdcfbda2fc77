"""A real JWKS/OIDC discovery server on 127.0.0.1 that the tests can make misbehave."""

from __future__ import annotations

import json
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class JwksServer:
    """Serves JSON documents by path; `fault` makes every answer fail in one chosen way.

    Faults: None (healthy), "500", "not_json", "empty_keys", "slow" (sleeps `delay` s before
    answering), "drip" (sends headers then one byte per second), "reset" (closes the connection).
    """

    def __init__(self) -> None:
        self.documents: dict[str, Any] = {}
        self.fault: str | None = None
        self.delay = 10.0
        self.hits: Counter[str] = Counter()
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def url(self, path: str) -> str:
        return self.base_url + path

    def serve_issuer(self, issuer: str, keys: dict[str, Any], jwks_path: str = "/.well-known/jwks.json") -> None:
        """Publish a discovery document for `issuer` pointing at `keys` under `jwks_path`."""
        self.documents["/.well-known/openid-configuration"] = {"issuer": issuer, "jwks_uri": self.url(jwks_path)}
        self.documents[jwks_path] = keys

    def count(self, path: str) -> int:
        with self._lock:
            return self.hits[path]

    def __enter__(self) -> JwksServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                with server._lock:
                    server.hits[self.path] += 1
                fault = server.fault
                document = server.documents.get(self.path)
                if fault == "reset":
                    self.connection.close()
                    return
                if fault == "slow":
                    server._stop.wait(server.delay)
                if document is None:
                    self._send(404, b'{"error":"not found"}')
                elif fault == "500":
                    self._send(500, b"<html>Internal Server Error</html>")
                elif fault == "not_json":
                    self._send(200, b"<html>this is not JSON</html>")
                elif fault == "empty_keys":
                    self._send(200, b'{"keys": []}')
                elif fault == "drip":
                    self._drip(json.dumps(document).encode())
                else:
                    self._send(200, json.dumps(document).encode())

            def _send(self, status: int, body: bytes) -> None:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def _drip(self, body: bytes) -> None:
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                for byte in body:
                    if server._stop.wait(1.0):
                        return
                    try:
                        self.wfile.write(bytes([byte]))
                        self.wfile.flush()
                    except OSError:
                        return

        return Handler


def wait_until(predicate: Any, timeout: float = 10.0, interval: float = 0.05) -> bool:
    """Poll `predicate` until it holds or `timeout` passes (no timed assertion: a generous bound)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return bool(predicate())
