"""Headless Chromium for the browser tests: Debian's chromium driven by Playwright, or a clear skip."""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.support.local_api import ROOT, running_local_api, wait_for

ARTIFACTS = ROOT / "test-artifacts"

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


@pytest.fixture(scope="session")
def artifacts() -> Path:
    """test-artifacts/ (git-ignored): screenshots a CI run keeps for people to look at."""
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


EXPLORER_LINE = re.compile(r"API explorer: (http://\S+)")


@dataclass(frozen=True)
class RunningApi:
    api_url: str  # http://127.0.0.1:<port>
    explorer_url: str  # the page, told where the API is


@pytest.fixture(scope="module")
def local_runner(artifacts: Path, request: pytest.FixtureRequest) -> Iterator[RunningApi]:
    """`python -m local_api` (what `make run` starts), API and explorer each on a free port of 127.0.0.1.

    One per test module: each test gets a fresh browser context, so no token survives from one to the next.
    """
    workdir = artifacts / f"local-api-{request.module.__name__.rsplit('.', 1)[-1]}"
    with running_local_api(workdir, env={"EXPLORER_PORT": "0"}) as api:
        wait_for(lambda: EXPLORER_LINE.search(api.stdout()))
        explorer = EXPLORER_LINE.search(api.stdout())
        assert explorer is not None
        yield RunningApi(api_url=api.base_url, explorer_url=explorer.group(1))
