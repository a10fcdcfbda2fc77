"""What the authorizer tests share: the TOKEN event, the answer as the tests see it, captured logs."""

from __future__ import annotations

import io
import json
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any

from tests.support.lambdas import FakeLambdaContext

METHOD_ARN = "arn:aws:execute-api:us-east-1:123456789012:abcdef1234/prod/GET/api/private"
AUTHORIZER_ENV = (
    "TOKEN_ISSUER",
    "AUDIENCE",
    "JWKS_URI",
    "ALGORITHMS",
    "ALLOWED_CLIENT_IDS",
    "REQUIRED_TYP",
    "CLOCK_SKEW_SECONDS",
    "JWKS_TIMEOUT_SECONDS",
    "JWKS_COOLDOWN_SECONDS",
    "JWKS_MAX_AGE_SECONDS",
    "MAX_TOKEN_LENGTH",
    "TOKEN_CACHE_SIZE",
    "TOKEN_CACHE_SECONDS",
    "METRICS_FLUSH_SECONDS",
)


class Unauthorized:
    """The one refusal API Gateway turns into a 401: `Exception("Unauthorized")`."""

    def __repr__(self) -> str:
        return "UNAUTHORIZED"


UNAUTHORIZED = Unauthorized()


def token_event(authorization: Any, method_arn: str = METHOD_ARN) -> dict[str, Any]:
    """The event API Gateway sends a TOKEN authorizer."""
    return {"type": "TOKEN", "authorizationToken": authorization, "methodArn": method_arn}


def is_allow(answer: Any) -> bool:
    """True for an Allow policy over the whole stage (wildcard method and path)."""
    if not isinstance(answer, dict):
        return False
    statements = answer["policyDocument"]["Statement"]
    return bool(statements) and all(
        statement["Effect"] == "Allow" and statement["Action"] == "execute-api:Invoke" for statement in statements
    )


@dataclass
class Authorizer:
    """One authorizer container: a fresh `app` module, its log lines captured."""

    app: ModuleType
    log: io.StringIO
    request_ids: list[str] = field(default_factory=list)

    def decide(self, authorization: Any, method_arn: str = METHOD_ARN) -> Any:
        """The policy dict for an Allow, UNAUTHORIZED for the 401; any other outcome propagates."""
        context = FakeLambdaContext()
        self.request_ids.append(context.aws_request_id)
        try:
            answer = self.app.lambda_handler(token_event(authorization, method_arn), context)
        except Exception as error:
            if type(error) is Exception and error.args == ("Unauthorized",):
                return UNAUTHORIZED
            raise
        assert is_allow(answer), f"the authorizer answered something other than an Allow or a 401: {answer!r}"
        return answer

    def bearer(self, token: str) -> Any:
        return self.decide(f"Bearer {token}")

    def records(self) -> list[dict[str, Any]]:
        return [json.loads(line) for line in self.log.getvalue().splitlines() if line.strip()]

    def denials(self) -> list[dict[str, Any]]:
        return [record for record in self.records() if record.get("message") == "Access token denied"]

    def last_reason(self) -> str:
        denials = self.denials()
        assert denials, "no denial was logged"
        return denials[-1]["reason"]

    def messages(self, text: str) -> list[dict[str, Any]]:
        return [record for record in self.records() if text in str(record.get("message"))]

    @property
    def validator(self) -> Any:
        return self.app.get_validator()


def timed(action: Callable[[], Any]) -> tuple[Any, float]:
    started = time.monotonic()
    result = action()
    return result, time.monotonic() - started


def unique(key: Any, **claims: Any) -> str:
    """A token never seen before (its own jti), so no cache can answer for it."""
    return key.sign(jti=uuid.uuid4().hex, **claims)
