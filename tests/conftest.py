from __future__ import annotations

import pytest

from tests.support.lambdas import FakeLambdaContext


@pytest.fixture
def lambda_context() -> FakeLambdaContext:
    return FakeLambdaContext()


@pytest.fixture(autouse=True)
def _quiet_powertools(monkeypatch: pytest.MonkeyPatch) -> None:
    """No X-Ray daemon and no EMF on stdout in tests; region set so nothing looks for AWS config."""
    monkeypatch.setenv("POWERTOOLS_TRACE_DISABLED", "true")
    monkeypatch.setenv("POWERTOOLS_SERVICE_NAME", "protected-api")
    monkeypatch.setenv("POWERTOOLS_METRICS_NAMESPACE", "ProtectedApi")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
