"""Row 6: the local runner (`python -m local_api`) under 8 concurrent clients on loopback."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from bench.fixtures import ROOT


def local_runner(seconds: float, say: Callable[[str], None]) -> dict[str, Any]:
    if not (ROOT / "local_api" / "__main__.py").exists():
        return {"skipped": "local_api/__main__.py does not exist yet"}
    return {"skipped": "not written yet"}
