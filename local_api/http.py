"""Plain request and response values, so the gateway logic never touches sockets."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class HttpRequest:
    method: str
    path: str  # as sent, percent-encoded, without the query string
    query: list[tuple[str, str]] = field(default_factory=list)
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""
    source_ip: str = "127.0.0.1"
    # The body was over API Gateway's 10 MB limit and was not read.
    oversized: bool = False

    def header(self, name: str) -> str | None:
        """The last value of header `name` (case-insensitive), as API Gateway's `headers` keeps it."""
        values = self.header_values(name)
        return values[-1] if values else None

    def header_values(self, name: str) -> list[str]:
        lower = name.lower()
        return [value for key, value in self.headers if key.lower() == lower]

    def query_values(self, name: str) -> list[str]:
        return [value for key, value in self.query if key == name]


@dataclass
class HttpResponse:
    status: int
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""
    # For the access log only.
    function: str | None = None
    auth: str = "none"

    def header(self, name: str) -> str | None:
        lower = name.lower()
        values = [value for key, value in self.headers if key.lower() == lower]
        return values[-1] if values else None
