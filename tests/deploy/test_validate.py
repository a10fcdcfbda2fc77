"""`sam validate --lint` (cfn-lint) and plain `sam validate` (the SAM transform): each catches
errors the other misses, e.g. only the plain one sees a broken reference. In `make test`."""

from __future__ import annotations

import pytest

from tests.deploy.sam import TEMPLATE, run_sam, sandbox_env


@pytest.mark.parametrize("lint", [True, False], ids=["lint", "transform"])
def test_sam_validate_accepts_the_template(tmp_path, lint: bool) -> None:
    args = ["validate", "--template-file", str(TEMPLATE), "--region", "us-east-1"]
    result = run_sam([*args, "--lint"] if lint else args, sandbox_env(tmp_path), timeout=180)
    assert "is a valid SAM Template" in result.stdout + result.stderr
