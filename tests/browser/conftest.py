"""Headless Chromium for the browser tests: Debian's chromium driven by Playwright, or a clear skip."""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"

# Flags that keep Chromium quiet and self-contained on a CI machine without a display or outside network.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def chromium_path() -> str | None:
    """CHROMIUM names the browser binary; otherwise the `chromium` on PATH (Debian's package)."""
    return os.environ.get("CHROMIUM") or shutil.which("chromium")


def missing_browser_reason() -> str | None:
    if importlib.util.find_spec("playwright") is None:
        return "playwright is not installed (pip install -r requirements-browser.txt, or make test-browser)"
    path = chromium_path()
    if path is None:
        return "no chromium on PATH (apt-get install chromium, or set CHROMIUM to a Chromium binary)"
    if not os.access(path, os.X_OK):
        return f"CHROMIUM={path} is not an executable file"
    return None


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    reason = missing_browser_reason()
    if reason is not None:
        if os.environ.get("BROWSER_TESTS_REQUIRED"):
            pytest.fail(f"BROWSER_TESTS_REQUIRED is set but {reason}")
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        # Playwright gives the browser a fresh temporary profile (user data dir) and removes it on close.
        chromium = playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def artifacts() -> Path:
    """test-artifacts/ (git-ignored): screenshots a CI run keeps for people to look at."""
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


ROOT = Path(__file__).resolve().parents[2]
# Variables that would point the runner at a real issuer instead of its embedded development one.
_ISSUER_VARIABLES = ("TOKEN_ISSUER", "AUDIENCE", "JWKS_URI", "PARAMETER_OVERRIDES", "PORT", "EXPLORER_PORT")


@dataclass(frozen=True)
class RunningApi:
    api_url: str  # http://127.0.0.1:<port>
    explorer_url: str  # the page, told where the API is


def _wait_for_banner(process: subprocess.Popen[bytes], log_path: Path, timeout: float = 30.0) -> RunningApi:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        text = log_path.read_text(errors="replace")
        api = re.search(r"listening on (http://127\.0\.0\.1:\d+)", text)
        explorer = re.search(r"API explorer: (http://\S+)", text)
        if api and explorer:
            return RunningApi(api_url=api.group(1), explorer_url=explorer.group(1))
        if process.poll() is not None:
            break
        time.sleep(0.1)
    raise AssertionError(f"the local runner did not start (exit code {process.poll()}):\n{log_path.read_text()}")


@pytest.fixture
def local_runner(artifacts: Path, request: pytest.FixtureRequest) -> Iterator[RunningApi]:
    """`python -m local_api` (what `make run` starts), API and explorer each on a free port of 127.0.0.1."""
    env = {name: value for name, value in os.environ.items() if name not in _ISSUER_VARIABLES}
    env.update(EXPLORER_PORT="0", PYTHONUNBUFFERED="1")
    log_path = artifacts / f"local-api-{request.node.name}.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "local_api", "--port", "0"],
            cwd=ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            yield _wait_for_banner(process, log_path)
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)
