"""The three route handlers, driven by the sample events in events/."""

from __future__ import annotations

import json
from types import ModuleType

import pytest

from tests.support.events import load_event
from tests.support.lambdas import FakeLambdaContext, load_app

INSUFFICIENT_SCOPE = 'Bearer error="insufficient_scope", scope="read:messages"'


@pytest.fixture
def scoped_app(monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    # Given the environment template.yaml gives PrivateScopedFunction
    monkeypatch.setenv("REQUIRED_SCOPES", "read:messages")
    monkeypatch.setenv("CORS_ALLOW_ORIGIN", "*")
    return load_app("functions/private_scoped")


def call(app: ModuleType, event: dict, context: FakeLambdaContext) -> tuple[int, dict, dict]:
    response = app.lambda_handler(event, context)
    headers = {name.lower(): value for name, value in (response.get("headers") or {}).items()}
    for name, values in (response.get("multiValueHeaders") or {}).items():
        headers.setdefault(name.lower(), ",".join(values))
    return response["statusCode"], headers, json.loads(response["body"])


def with_scope(event: dict, scope: str | None) -> dict:
    if scope is None:
        event["requestContext"].pop("authorizer", None)
    else:
        event["requestContext"]["authorizer"]["scope"] = scope
    return event


@pytest.mark.parametrize(
    ("code_dir", "event_name"),
    [("functions/public", "public"), ("functions/private", "private")],
)
def test_open_and_private_routes_answer_a_json_message(
    code_dir: str, event_name: str, lambda_context: FakeLambdaContext
) -> None:
    status, headers, body = call(load_app(code_dir), load_event(event_name), lambda_context)

    assert status == 200
    assert headers["content-type"].startswith("application/json")
    assert isinstance(body["message"], str) and body["message"]


def test_scoped_route_answers_200_when_the_scope_was_granted(
    scoped_app: ModuleType, lambda_context: FakeLambdaContext
) -> None:
    status, _, body = call(scoped_app, load_event("private-scoped"), lambda_context)

    assert status == 200
    assert "read:messages" in body["message"]


def test_scoped_route_answers_403_with_an_rfc6750_challenge_when_the_scope_is_missing(
    scoped_app: ModuleType, lambda_context: FakeLambdaContext
) -> None:
    status, headers, body = call(scoped_app, load_event("private-scoped-no-scope"), lambda_context)

    assert status == 403
    assert headers["www-authenticate"] == INSUFFICIENT_SCOPE
    assert body["error"] == "insufficient_scope"
    assert body["required_scopes"] == ["read:messages"]


@pytest.mark.parametrize(
    "granted",
    [None, "", "read:message", "read:messages:all", "xread:messages", "READ:MESSAGES", "write:messages"],
    ids=["no-authorizer-context", "empty", "prefix", "longer", "suffix", "other-case", "other-scope"],
)
def test_scope_must_be_granted_exactly(
    granted: str | None, scoped_app: ModuleType, lambda_context: FakeLambdaContext
) -> None:
    event = with_scope(load_event("private-scoped"), granted)

    status, headers, _ = call(scoped_app, event, lambda_context)

    assert status == 403
    assert headers["www-authenticate"] == INSUFFICIENT_SCOPE


def test_scope_is_found_among_others(scoped_app: ModuleType, lambda_context: FakeLambdaContext) -> None:
    event = with_scope(load_event("private-scoped"), "openid write:messages read:messages profile")

    status, _, _ = call(scoped_app, event, lambda_context)

    assert status == 200


def test_a_browser_can_read_the_challenge_of_a_403(scoped_app: ModuleType, lambda_context: FakeLambdaContext) -> None:
    event = load_event("private-scoped-no-scope")
    event["headers"]["Origin"] = "http://localhost:3000"
    event.setdefault("multiValueHeaders", {})["Origin"] = ["http://localhost:3000"]

    status, headers, _ = call(scoped_app, event, lambda_context)

    assert status == 403
    assert headers["access-control-allow-origin"] == "*"
    assert "www-authenticate" in headers["access-control-expose-headers"].lower()


def test_scoped_function_refuses_to_start_without_required_scopes(monkeypatch: pytest.MonkeyPatch) -> None:
    # An empty REQUIRED_SCOPES would open the route to every valid token: fail at cold start instead.
    monkeypatch.delenv("REQUIRED_SCOPES", raising=False)

    with pytest.raises(ValueError, match="REQUIRED_SCOPES"):
        load_app("functions/private_scoped")
