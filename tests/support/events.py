"""The sample events in events/, the same files `sam local invoke -e` and `make invoke` take."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

EVENTS_DIR = Path(__file__).resolve().parents[2] / "events"


def load_event(name: str) -> dict[str, Any]:
    """A fresh copy of events/<name>.json (tests may change it freely)."""
    with (EVENTS_DIR / f"{name}.json").open() as file:
        return copy.deepcopy(json.load(file))
