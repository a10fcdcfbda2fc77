"""`python -m local_api.invoke` (what `make invoke` runs): one function, one event, like `sam local invoke -e`."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.local_api import CLEARED, ROOT

FIXTURES = Path(__file__).parent / "fixtures"
# Subprocesses, and the authorizer may look for the dev issuer on localhost:3010.
pytestmark = pytest.mark.integration


def invoke(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    environment = {key: value for key, value in os.environ.items() if key not in CLEARED}
    environment.update({"AWS_DEFAULT_REGION": "us-east-1", **(env or {})})
    return subprocess.run(  # noqa: S603
        [sys.executable, "-m", "local_api.invoke", *args],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_authorizer_with_the_sample_token_event_fails_unauthorized() -> None:
    result = invoke("AuthorizerFunction", "events/authorizer-token.json")

    assert result.returncode == 1
    assert json.loads(result.stdout) == {"errorMessage": "Unauthorized", "errorType": "Exception"}


@pytest.mark.parametrize(
    ("function", "event", "status"),
    [
        ("PublicFunction", "public", 200),
        ("PrivateFunction", "private", 200),
        ("PrivateScopedFunction", "private-scoped", 200),
        ("PrivateScopedFunction", "private-scoped-no-scope", 403),
    ],
)
def test_handlers_answer_their_sample_events(function: str, event: str, status: int) -> None:
    result = invoke(function, f"events/{event}.json")

    assert result.returncode == 0, result.stderr
    answer = json.loads(result.stdout)  # stdout holds the result only; the function's logs went to stderr
    assert answer["statusCode"] == status
    json.loads(answer["body"])


def test_function_sees_its_template_environment_with_parameter_overrides(tmp_path: Path) -> None:
    event = tmp_path / "event.json"
    event.write_text((ROOT / "events/public.json").read_text())

    result = invoke(
        "EchoFunction",
        str(event),
        "--template",
        str(FIXTURES / "fidelity.yaml"),
        env={"PARAMETER_OVERRIDES": "Greeting=hi Stage=dev"},
    )

    assert result.returncode == 0, result.stderr
    body = json.loads(json.loads(result.stdout)["body"])
    assert body["env"]["GREETING"] == "hi-dev"
    assert body["context"]["function_name"] == "EchoFunction"


def test_handler_exception_is_printed_like_sam_local_invoke() -> None:
    result = invoke("FailingFunction", "events/public.json", "--template", str(FIXTURES / "fidelity.yaml"))

    assert result.returncode == 1
    assert json.loads(result.stdout) == {"errorMessage": "the handler failed", "errorType": "ValueError"}


def test_unknown_function_is_a_usage_error() -> None:
    result = invoke("NoSuchFunction", "events/public.json")

    assert result.returncode == 2
    assert "PublicFunction" in result.stderr
