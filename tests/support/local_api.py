"""Start the local API (`python -m local_api`) on a free port of 127.0.0.1 for a test, and stop it.

Shared by every test that needs the running API: the local runner's own tests, the client and
browser tests. Output goes to files (never a pipe that could fill up and block the server).
"""

from __future__ import annotations

import contextlib
import os
import re
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LISTENING = re.compile(r"listening on http://127\.0\.0\.1:(\d+)")
# Settings a developer's shell may hold that would change what the server does.
CLEARED = ("TOKEN_ISSUER", "AUDIENCE", "JWKS_URI", "PARAMETER_OVERRIDES", "PORT", "DEV_CLIENT_ID", "DEV_CLIENT_SECRET")


@dataclass
class LocalApi:
    process: subprocess.Popen[bytes]
    port: int
    stdout_path: Path
    stderr_path: Path

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def url(self, path: str) -> str:
        return self.base_url + path

    def stdout(self) -> str:
        return self.stdout_path.read_text(encoding="utf-8", errors="replace")

    def stderr(self) -> str:
        return self.stderr_path.read_text(encoding="utf-8", errors="replace")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)


def start_local_api(
    workdir: Path,
    template: Path | None = None,
    env: Mapping[str, str] | None = None,
    timeout: float = 60.0,
) -> LocalApi:
    """A running local API for `template` (default: the project's), with `env` added to a clean environment."""
    environment = {key: value for key, value in os.environ.items() if key not in CLEARED}
    environment.update({"AWS_DEFAULT_REGION": "us-east-1", "AWS_REGION": "us-east-1", "PYTHONUNBUFFERED": "1"})
    # The API explorer `make run` also serves: on any free port, so parallel servers never collide on 3000.
    environment["EXPLORER_PORT"] = "0"
    environment.update(env or {})
    workdir.mkdir(parents=True, exist_ok=True)
    stdout_path, stderr_path = workdir / "local_api.out", workdir / "local_api.err"
    command = [sys.executable, "-m", "local_api", "--port", "0", "--template", str(template or ROOT / "template.yaml")]
    with stdout_path.open("wb") as stdout, stderr_path.open("wb") as stderr:
        process = subprocess.Popen(command, cwd=ROOT, env=environment, stdout=stdout, stderr=stderr)  # noqa: S603
    api = LocalApi(process, 0, stdout_path, stderr_path)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = LISTENING.search(api.stdout())
        if found:
            api.port = int(found.group(1))
            return api
        if process.poll() is not None:
            raise RuntimeError(f"the local API exited ({process.returncode}):\n{api.stderr()}")
        time.sleep(0.05)
    api.stop()
    raise RuntimeError(f"the local API did not start within {timeout:.0f}s:\n{api.stderr()}")


@contextlib.contextmanager
def running_local_api(
    workdir: Path, template: Path | None = None, env: Mapping[str, str] | None = None
) -> Iterator[LocalApi]:
    """`start_local_api` that always stops the server when the block ends."""
    api = start_local_api(workdir, template, env)
    try:
        yield api
    finally:
        api.stop()


def wait_for(condition: Callable[[], object], timeout: float = 20.0, interval: float = 0.1) -> None:
    """Poll `condition()` until it is truthy; fail after `timeout` seconds (generous: machines are shared)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(interval)
    raise AssertionError(f"condition not met within {timeout:.0f}s")
