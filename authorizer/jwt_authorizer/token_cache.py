"""Recently verified tokens, so that a token presented again costs no signature check.

Machine-to-machine callers reuse one token until it expires, and API Gateway's own result cache
only covers its TTL (and nothing when it is 0). An entry is keyed by a SHA-256 of the token (the
token itself is never kept), lives no longer than the token's `exp` nor `max_age`, and the whole
cache is dropped when the issuer's keys change, so a key removed from the JWKS stops vouching at once.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Callable
from typing import Generic, TypeVar

T = TypeVar("T")


def token_digest(token: str) -> bytes:
    """The cache key of a token: computed once per decision, and the token itself is never kept."""
    return hashlib.sha256(token.encode()).digest()


class VerifiedTokenCache(Generic[T]):
    def __init__(self, max_entries: int = 1024, max_age: float = 300.0, clock: Callable[[], float] = time.time) -> None:
        self._max_entries = max_entries
        self._max_age = max_age
        self._clock = clock
        self._entries: dict[bytes, tuple[T, float]] = {}
        self._generation: object = None
        self._lock = threading.Lock()

    def get(self, digest: bytes, generation: object) -> T | None:
        """The value kept for `token_digest(token)`, if still valid under this key `generation`."""
        if self._max_entries <= 0:
            return None
        with self._lock:
            if generation != self._generation:
                self._entries.clear()
                self._generation = generation
                return None
            entry = self._entries.get(digest)
            if entry is None:
                return None
            if self._clock() >= entry[1]:
                del self._entries[digest]
                return None
            return entry[0]

    def put(self, digest: bytes, value: T, expires_at: float, generation: object) -> None:
        """Keep `value` until `expires_at` (the token's exp) or `max_age` from now, whichever is first."""
        if self._max_entries <= 0:
            return
        valid_until = min(expires_at, self._clock() + self._max_age)
        with self._lock:
            if generation != self._generation:
                self._entries.clear()
                self._generation = generation
            while len(self._entries) >= self._max_entries:
                # Oldest first: dicts keep insertion order.
                del self._entries[next(iter(self._entries))]
            self._entries[digest] = (value, valid_until)

    def __len__(self) -> int:
        return len(self._entries)
