"""Load a Lambda's `app.py` the way a fresh container would: a new module, nothing shared."""

from __future__ import annotations

import importlib.util
import itertools
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parents[2]
_counter = itertools.count()


def load_app(code_dir: str) -> ModuleType:
    """A fresh copy of `<code_dir>/app.py` (relative to the repo root), as a new container loads it."""
    path = ROOT / code_dir / "app.py"
    spec = importlib.util.spec_from_file_location(f"_test_app_{next(_counter)}", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@dataclass
class FakeLambdaContext:
    """The attributes Powertools and our handlers read from a Lambda context."""

    function_name: str = "test-function"
    function_version: str = "$LATEST"
    memory_limit_in_mb: int = 256
    invoked_function_arn: str = "arn:aws:lambda:us-east-1:123456789012:function:test-function"
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    log_group_name: str = "/aws/lambda/test-function"
    log_stream_name: str = "2026/12/03/[$LATEST]0123456789abcdef"

    def get_remaining_time_in_millis(self) -> int:
        return 10_000
