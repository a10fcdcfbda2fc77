"""Deploy smoke test against a moto server on 127.0.0.1: `sam package` uploads every artifact, and
`sam deploy --no-execute-changeset` with samconfig.toml creates a change set with our parameters.

What this proves and what it does not: moto stores the uploaded artifacts and the change set, but
it runs neither the SAM transform (AWS::Serverless::* stay untransformed, conditions unevaluated)
nor any Lambda code. The transform is checked offline in test_template.py; the code in the other
test folders. Every AWS call goes to moto with dummy credentials: ~/.aws is never read.
"""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
import requests
from samtranslator.yaml_helper import yaml_parse

from tests.deploy.sam import (
    FUNCTIONS,
    HANDLERS,
    LAYERS,
    REGION,
    SAMCONFIG,
    run_sam,
    sandbox_env,
    sandboxed_process_env,
)

pytestmark = pytest.mark.deploy

BUCKET = "protected-api-artifacts"
PREFIX = "protected-api"  # samconfig.toml's s3_prefix
STACK = "protected-api"  # samconfig.toml's stack_name
SAMCONFIG_PARAMETERS = {
    "TokenIssuer": "https://YOUR_TENANT.auth0.com/",
    "Audience": "https://protected-api.example.com",
}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until_listening(server: subprocess.Popen[bytes], url: str, log_name: str) -> None:
    for _ in range(300):
        assert server.poll() is None, f"moto exited early, see {log_name}"
        try:
            requests.get(f"{url}/moto-api/", timeout=1)
            return
        except requests.ConnectionError:
            time.sleep(0.1)
    raise AssertionError(f"moto did not listen on {url}, see {log_name}")


@pytest.fixture(scope="module")
def moto_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A moto server on 127.0.0.1, as `localhost`: moto reads path-style template URLs only there."""
    port = free_port()
    log = (tmp_path_factory.mktemp("moto") / "moto.log").open("w")
    server = subprocess.Popen(  # noqa: S603 - moto's own server module with our interpreter
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://localhost:{port}"
    try:
        wait_until_listening(server, url, log.name)
        yield url
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        log.close()


@pytest.fixture(scope="module", autouse=True)
def _no_user_aws_config(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """boto3 in this process, too, sees only dummy credentials and no ~/.aws files."""
    with sandboxed_process_env(tmp_path_factory.mktemp("aws-process")):
        yield


@pytest.fixture(scope="module")
def aws_env(moto_url: str, tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    return sandbox_env(tmp_path_factory.mktemp("aws"), endpoint_url=moto_url)


@pytest.fixture(scope="module")
def aws(aws_env: dict[str, str]) -> boto3.session.Session:
    """boto3 against moto only: explicit endpoint and dummy credentials, no profile or config file."""
    return boto3.session.Session(
        aws_access_key_id=aws_env["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=aws_env["AWS_SECRET_ACCESS_KEY"],
        aws_session_token=aws_env["AWS_SESSION_TOKEN"],
        region_name=REGION,
    )


def client(aws: boto3.session.Session, aws_env: dict[str, str], service: str) -> Any:
    return aws.client(service, endpoint_url=aws_env["AWS_ENDPOINT_URL"])


@pytest.fixture(scope="module")
def packaged_template(
    sam_build_dir: Path, aws: boto3.session.Session, aws_env: dict[str, str], tmp_path_factory: pytest.TempPathFactory
) -> Path:
    client(aws, aws_env, "s3").create_bucket(Bucket=BUCKET)
    packaged = tmp_path_factory.mktemp("package") / "packaged.yaml"
    run_sam(
        [
            "package",
            "--config-file",
            str(SAMCONFIG),
            "--template-file",
            str(sam_build_dir / "template.yaml"),
            "--output-template-file",
            str(packaged),
            "--s3-bucket",
            BUCKET,
            "--s3-prefix",
            PREFIX,
        ],
        aws_env,
    )
    return packaged


def code_locations(template: dict[str, Any]) -> dict[str, str]:
    locations = {}
    for name, resource in template["Resources"].items():
        properties = resource.get("Properties", {})
        uri = properties.get("CodeUri") or properties.get("ContentUri")
        if uri:
            locations[name] = uri
    return locations


def test_sam_package_uploads_every_function_and_layer(
    packaged_template: Path, aws: boto3.session.Session, aws_env: dict[str, str], tmp_path: Path
) -> None:
    locations = code_locations(yaml_parse(packaged_template.read_text()))
    s3 = client(aws, aws_env, "s3")

    assert set(locations) == set(FUNCTIONS) | set(LAYERS)
    for name, uri in locations.items():
        bucket, _, key = uri.removeprefix("s3://").partition("/")
        assert bucket == BUCKET and key.startswith(f"{PREFIX}/"), uri
        s3.download_file(bucket, key, str(tmp_path / f"{name}.zip"))
    with zipfile.ZipFile(tmp_path / "AuthorizerFunction.zip") as archive:
        assert "jwt_authorizer/__init__.py" in archive.namelist()
    with zipfile.ZipFile(tmp_path / "CommonLayer.zip") as archive:
        assert "python/api_common/__init__.py" in archive.namelist()
    for handler in HANDLERS:
        with zipfile.ZipFile(tmp_path / f"{handler}.zip") as archive:
            assert "app.py" in archive.namelist()


def deploy(template: Path, env: dict[str, str], *extra: str) -> None:
    run_sam(
        [
            "deploy",
            "--config-file",
            str(SAMCONFIG),
            "--template-file",
            str(template),
            "--no-execute-changeset",
            # samconfig.toml asks before executing a change set: nothing to ask when none is executed.
            "--no-confirm-changeset",
            # samconfig.toml's resolve_s3 makes SAM create a managed-bucket stack whose outputs moto
            # does not fill in: use a bucket of our own instead.
            "--no-resolve-s3",
            "--s3-bucket",
            BUCKET,
            *extra,
        ],
        env,
    )


def change_set(aws: boto3.session.Session, aws_env: dict[str, str], stack: str) -> dict[str, Any]:
    cloudformation = client(aws, aws_env, "cloudformation")
    summaries = [s for s in cloudformation.list_change_sets(StackName=stack)["Summaries"] if s["StackName"] == stack]
    assert len(summaries) == 1, summaries
    return cloudformation.describe_change_set(ChangeSetName=summaries[0]["ChangeSetId"], StackName=stack)


def test_deploy_with_samconfig_creates_an_unexecuted_change_set_with_its_parameters(
    packaged_template: Path, aws: boto3.session.Session, aws_env: dict[str, str]
) -> None:
    deploy(packaged_template, aws_env)

    described = change_set(aws, aws_env, STACK)
    parameters = {p["ParameterKey"]: p["ParameterValue"] for p in described["Parameters"]}
    stack = client(aws, aws_env, "cloudformation").describe_stacks(StackName=STACK)["Stacks"][0]

    assert described["ExecutionStatus"] == "AVAILABLE"
    assert stack["StackStatus"] == "REVIEW_IN_PROGRESS"
    assert {k: parameters[k] for k in SAMCONFIG_PARAMETERS} == SAMCONFIG_PARAMETERS


def test_parameter_overrides_on_the_command_line_reach_the_change_set(
    packaged_template: Path, aws: boto3.session.Session, aws_env: dict[str, str]
) -> None:
    overrides = {
        "TokenIssuer": "https://issuer.example.com/",
        "Audience": "https://api.example.com",
        "AuthorizerCacheTtl": "60",
        "LogRetentionDays": "7",
        "ThrottlingRateLimit": "20",
    }
    deploy(
        packaged_template,
        aws_env,
        "--stack-name",
        "protected-api-overrides",
        "--parameter-overrides",
        *[f"{k}={v}" for k, v in overrides.items()],
    )

    described = change_set(aws, aws_env, "protected-api-overrides")
    parameters = {p["ParameterKey"]: p["ParameterValue"] for p in described["Parameters"]}
    assert {k: parameters[k] for k in overrides} == overrides
