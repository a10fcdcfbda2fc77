"""Run the SAM CLI and the SAM transform offline, never against the user's AWS account or config."""

from __future__ import annotations

import copy
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from samtranslator.translator.transform import transform
from samtranslator.yaml_helper import yaml_parse

REPO = Path(__file__).resolve().parents[2]
TEMPLATE = REPO / "template.yaml"
SAMCONFIG = REPO / "samconfig.toml"
REGION = "us-east-1"

FUNCTIONS = ("AuthorizerFunction", "PublicFunction", "PrivateFunction", "PrivateScopedFunction")
HANDLERS = FUNCTIONS[1:]
LAYERS = ("CommonLayer", "PowertoolsLayer")
ROUTES = {
    "/api/public": "PublicFunction",
    "/api/private": "PrivateFunction",
    "/api/private-scoped": "PrivateScopedFunction",
}


def sam_executable() -> str:
    """The `sam` installed beside the interpreter running the tests (.venv/bin/sam)."""
    beside = Path(sys.executable).with_name("sam")
    found = str(beside) if beside.exists() else shutil.which("sam")
    assert found, "the SAM CLI is not installed: make test installs it from requirements-dev.txt"
    return found


def sandbox_env(home: Path, endpoint_url: str | None = None) -> dict[str, str]:
    """The environment for a SAM or boto3 call: dummy credentials, no ~/.aws, no profile, no telemetry.

    `home` is a scratch folder standing in for ~/.aws. With `endpoint_url` every AWS call goes to it.
    """
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(
        AWS_ACCESS_KEY_ID="testing",
        AWS_SECRET_ACCESS_KEY="testing",
        AWS_SESSION_TOKEN="testing",
        AWS_DEFAULT_REGION=REGION,
        AWS_REGION=REGION,
        AWS_CONFIG_FILE=str(home / "aws-config"),
        AWS_SHARED_CREDENTIALS_FILE=str(home / "aws-credentials"),
        AWS_EC2_METADATA_DISABLED="true",
        SAM_CLI_TELEMETRY="0",
    )
    if endpoint_url:
        env["AWS_ENDPOINT_URL"] = endpoint_url
    return env


def run_sam(args: list[str], env: Mapping[str, str], timeout: float = 300) -> subprocess.CompletedProcess[str]:
    """Run `sam <args>` in the repository; fail the test with SAM's own output when it fails."""
    result = subprocess.run(  # noqa: S603 - a fixed executable and arguments built by the tests
        [sam_executable(), *args],
        cwd=REPO,
        env=dict(env),
        capture_output=True,
        text=True,
        timeout=timeout,
        stdin=subprocess.DEVNULL,
        check=False,
    )
    assert result.returncode == 0, f"sam {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}"
    return result


def load_template(path: Path = TEMPLATE) -> dict[str, Any]:
    return yaml_parse(path.read_text())


class _NoManagedPolicies:
    """The transform looks managed policy names up in IAM; this template names none."""

    def load(self) -> dict[str, str]:
        return {}


def translate(parameter_values: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """template.yaml as CloudFormation would see it after the SAM transform, computed offline.

    Local CodeUri/ContentUri folders become placeholder S3 URIs, as `sam validate` does: the
    transform only accepts S3 locations.
    """
    template = copy.deepcopy(load_template())
    for resource in template["Resources"].values():
        properties = resource.get("Properties", {})
        for key in ("CodeUri", "ContentUri"):
            if isinstance(properties.get(key), str):
                properties[key] = f"s3://placeholder-bucket/{properties[key].strip('/')}"
    parameters = {"TokenIssuer": "https://tenant.example.com/", "Audience": "https://api.example.com"}
    parameters.update(parameter_values or {})
    return transform(template, parameters, _NoManagedPolicies())


@contextmanager
def sandboxed_process_env(home: Path) -> Iterator[None]:
    """This test process's own AWS settings (the transform reads the region) as in `sandbox_env`."""
    with pytest.MonkeyPatch.context() as patch:
        for name in [k for k in os.environ if k.startswith("AWS_")]:
            patch.delenv(name)
        for name, value in sandbox_env(home).items():
            if name.startswith("AWS_"):
                patch.setenv(name, value)
        yield
