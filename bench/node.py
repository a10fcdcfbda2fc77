"""Row 7: the same tokens verified by Node's aws-jwt-verify and jsonwebtoken (installed into bench/node)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any


def compare(work: Path, rounds: int, say: Callable[[str], None]) -> dict[str, Any]:
    return {"skipped": "not written yet"}
