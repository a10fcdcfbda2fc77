"""Per-invocation environment variables in one process.

Every function must see its own template variables while it runs, even when requests for different
functions run at the same time on different threads. `install()` replaces `os.environ`, once, by a
mapping that looks first in a dict held in a ContextVar (set around each import and invocation) and
then in the real environment. `os.getenv` reads `os.environ`, so Powertools and the handlers' settings
see the overlay without knowing about it.
"""

from __future__ import annotations

import contextlib
import contextvars
import os
from collections.abc import Iterator, Mapping, MutableMapping
from typing import Any

_overlay: contextvars.ContextVar[dict[str, str] | None] = contextvars.ContextVar("local_api_env", default=None)


class OverlayEnviron(MutableMapping[str, str]):
    """`os.environ` with the current invocation's variables on top; writes during one stay in it."""

    def __init__(self, real: MutableMapping[str, str]):
        self.real = real

    def __getitem__(self, key: str) -> str:
        overlay = _overlay.get()
        if overlay is not None and key in overlay:
            return overlay[key]
        return self.real[key]

    def __setitem__(self, key: str, value: str) -> None:
        overlay = _overlay.get()
        if overlay is not None:
            overlay[key] = value
        else:
            self.real[key] = value

    def __delitem__(self, key: str) -> None:
        overlay = _overlay.get()
        if overlay is not None and key in overlay:
            del overlay[key]
        else:
            self.real.__delitem__(key)

    def __iter__(self) -> Iterator[str]:
        overlay = _overlay.get() or {}
        yield from overlay
        yield from (key for key in list(self.real) if key not in overlay)

    def __len__(self) -> int:
        return sum(1 for _ in self)

    def copy(self) -> dict[str, str]:
        return dict(self)

    def __repr__(self) -> str:
        return f"OverlayEnviron({len(self)} variables)"

    # os._Environ has these; some libraries call them.
    def __getattr__(self, name: str) -> Any:
        if name == "real":
            raise AttributeError(name)
        return getattr(self.real, name)


def install() -> OverlayEnviron:
    """Replace `os.environ` by the overlay (idempotent)."""
    if not isinstance(os.environ, OverlayEnviron):
        # Replacing, not clearing, is the point: the real variables stay underneath.
        os.environ = OverlayEnviron(os.environ)  # type: ignore[assignment]  # noqa: B003
    return os.environ  # type: ignore[return-value]


@contextlib.contextmanager
def overlay(values: Mapping[str, str]) -> Iterator[None]:
    """Within this block (this thread or task only), every OverlayEnviron shows `values` on top."""
    token = _overlay.set(dict(values))
    try:
        yield
    finally:
        _overlay.reset(token)


@contextlib.contextmanager
def variables(values: Mapping[str, str]) -> Iterator[None]:
    """Within this block (this thread or task only), `os.environ` shows `values` over the real environment."""
    install()
    with overlay(values):
        yield
