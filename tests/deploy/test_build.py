"""What `sam build` packs for each function and layer: only what it needs, for arm64."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.deploy.sam import FUNCTIONS, HANDLERS, LAYERS, REPO

pytestmark = pytest.mark.deploy

ELF_MAGIC = b"\x7fELF"
EM_AARCH64 = 183
# The python3.11 runtime provides these; a build that packs them has pulled them in by accident.
RUNTIME_PROVIDED = {"boto3", "botocore", "s3transfer"}
# Zipped budgets, well above today's figures (README), to catch a dependency sneaking in.
ZIPPED_BUDGET = {"AuthorizerFunction": 8_000_000, "PowertoolsLayer": 3_000_000, "CommonLayer": 50_000}
HANDLER_ZIPPED_BUDGET = 10_000


def top_level_names(folder: Path) -> set[str]:
    return {p.name for p in folder.iterdir()}


def test_every_function_and_layer_is_built(sam_build_dir: Path) -> None:
    assert {p.name for p in sam_build_dir.iterdir() if p.is_dir()} == set(FUNCTIONS) | set(LAYERS)


@pytest.mark.parametrize("handler", HANDLERS)
def test_a_handler_ships_its_app_py_only(sam_build_dir: Path, handler: str) -> None:
    # requirements.txt is SAM's copy of the comment-only file saying where the dependencies come from.
    assert top_level_names(sam_build_dir / handler) <= {"app.py", "requirements.txt"}


def test_the_authorizer_ships_what_verifying_a_token_needs_and_no_more(sam_build_dir: Path) -> None:
    names = top_level_names(sam_build_dir / "AuthorizerFunction")
    assert {"jwt_authorizer", "jwt", "cryptography", "aws_lambda_powertools"} <= names
    assert not names & {"aws_xray_sdk", "pydantic", "fastjsonschema", "wrapt", "requests", "urllib3"}


def test_the_common_layer_holds_api_common_only(sam_build_dir: Path) -> None:
    layer = sam_build_dir / "CommonLayer" / "python"
    assert top_level_names(layer) == {"api_common"}
    assert not list(layer.rglob("__pycache__"))


def test_the_powertools_layer_holds_powertools_and_its_tracer(sam_build_dir: Path) -> None:
    assert {"aws_lambda_powertools", "aws_xray_sdk", "wrapt"} <= top_level_names(
        sam_build_dir / "PowertoolsLayer" / "python"
    )


def test_nothing_packs_what_the_runtime_already_provides(sam_build_dir: Path) -> None:
    for artifact in sam_build_dir.iterdir():
        if artifact.is_dir():
            site = artifact / "python" if artifact.name in LAYERS else artifact
            assert not top_level_names(site) & RUNTIME_PROVIDED, artifact.name


def test_every_native_library_is_built_for_arm64(sam_build_dir: Path) -> None:
    libraries = list(sam_build_dir.rglob("*.so"))
    assert libraries, "expected cryptography's and wrapt's native code"
    for library in libraries:
        header = library.read_bytes()[:20]
        assert header[:4] == ELF_MAGIC, library
        assert int.from_bytes(header[18:20], "little") == EM_AARCH64, library


def test_the_size_script_reports_every_artifact_within_budget(sam_build_dir: Path) -> None:
    result = subprocess.run(  # noqa: S603 - our own script with the test's interpreter
        [sys.executable, str(REPO / "scripts/build_sizes.py"), str(sam_build_dir), "--json"],
        capture_output=True,
        text=True,
        check=True,
    )
    rows = {row["name"]: row for row in json.loads(result.stdout)}

    assert set(rows) == set(FUNCTIONS) | set(LAYERS)
    for name, budget in ZIPPED_BUDGET.items():
        assert rows[name]["zipped_bytes"] < budget, rows[name]
    for handler in HANDLERS:
        assert rows[handler]["zipped_bytes"] < HANDLER_ZIPPED_BUDGET, rows[handler]
