from __future__ import annotations

from pathlib import Path

import pytest

from tests.deploy.sam import TEMPLATE, run_sam, sandbox_env


@pytest.fixture(scope="session")
def sam_build_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One `sam build` (arm64, no container) shared by the deploy tests, outside the work tree."""
    root = tmp_path_factory.mktemp("sam")
    build_dir = root / "build"
    run_sam(
        ["build", "--template-file", str(TEMPLATE), "--build-dir", str(build_dir), "--cache-dir", str(root / "cache")],
        sandbox_env(root),
        timeout=600,
    )
    return build_dir
