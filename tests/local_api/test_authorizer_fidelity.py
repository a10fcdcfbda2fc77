"""API Gateway's Lambda-authorizer semantics, reproduced by the local runner (issue 4), over real HTTP."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
import requests

from tests.support.local_api import LocalApi

pytestmark = pytest.mark.integration

ORIGIN = "https://app.example"


def token(behaviour: str) -> str:
    """`Bearer <behaviour>.<nonce>`: a fresh authorizer-cache key for each test."""
    return f"Bearer {behaviour}.{uuid.uuid4().hex[:12]}"


def calls(log: Path, value: str) -> int:
    return log.read_text(encoding="utf-8").splitlines().count(value)


def test_missing_identity_header_is_401_without_calling_the_authorizer(
    fidelity_api: LocalApi, http: requests.Session
) -> None:
    response = http.get(fidelity_api.url("/echo"))

    assert response.status_code == 401
    assert response.json()["error"] == "invalid_token"
    assert response.headers["WWW-Authenticate"] == 'Bearer error="invalid_token"'


def test_header_failing_the_validation_expression_is_401_without_calling_the_authorizer(
    fidelity_api: LocalApi, authorizer_log: Path, http: requests.Session
) -> None:
    # Given a value the authorizer would allow, but that the template's ValidationExpression refuses
    value = "Bearer allow-all.UPPERCASE"

    response = http.get(fidelity_api.url("/echo"), headers={"Authorization": value})

    assert response.status_code == 401
    assert calls(authorizer_log, value) == 0


def test_unauthorized_from_the_authorizer_is_401_shaped_by_the_template(
    fidelity_api: LocalApi, http: requests.Session
) -> None:
    response = http.get(fidelity_api.url("/echo"), headers={"Authorization": token("unauthorized")})

    assert response.status_code == 401
    body = response.json()
    # $context.error.messageString is the message already JSON-quoted
    assert body["detail"] == "Unauthorized"
    assert body["requestId"] == response.headers["x-amzn-RequestId"]
    assert response.headers["Access-Control-Allow-Origin"] == ORIGIN
    assert response.headers["x-amzn-ErrorType"] == "UnauthorizedException"


def test_allow_result_is_cached_per_token_and_shared_by_every_route(
    fidelity_api: LocalApi, authorizer_log: Path, http: requests.Session
) -> None:
    value = token("allow-all")

    first = http.get(fidelity_api.url("/echo"), headers={"Authorization": value})
    second = http.get(fidelity_api.url("/other"), headers={"Authorization": value})
    third = http.get(fidelity_api.url("/items/7"), headers={"Authorization": value})

    assert [first.status_code, second.status_code, third.status_code] == [200, 200, 200]
    assert calls(authorizer_log, value) == 1
    contexts = [r.json()["event"]["requestContext"]["authorizer"] for r in (first, second, third)]
    assert len({c["calls"] for c in contexts}) == 1
    assert contexts[1]["integrationLatency"] == 0


def test_wrong_authorizer_allowing_only_its_method_arn_gets_403_on_the_next_route_from_the_cache(
    fidelity_api: LocalApi, authorizer_log: Path, http: requests.Session
) -> None:
    # Given an authorizer that Allows only the methodArn it was called for (a classic mistake)
    value = token("allow-own")

    # When one token calls two routes within the cache TTL
    first = http.get(fidelity_api.url("/echo"), headers={"Authorization": value})
    second = http.get(fidelity_api.url("/other"), headers={"Authorization": value})

    # Then the second is refused from the cached policy, exactly as in AWS
    assert first.status_code == 200
    assert second.status_code == 403
    assert second.json() == {"message": "User is not authorized to access this resource", "type": "ACCESS_DENIED"}
    assert second.headers["x-amzn-ErrorType"] == "AccessDeniedException"
    assert calls(authorizer_log, value) == 1


def test_explicit_deny_is_403(fidelity_api: LocalApi, http: requests.Session) -> None:
    response = http.get(fidelity_api.url("/echo"), headers={"Authorization": token("deny")})

    assert response.status_code == 403
    assert response.json()["message"] == "User is not authorized to access this resource with an explicit deny"
    assert response.headers["Access-Control-Allow-Origin"] == ORIGIN


def test_explicit_deny_wins_over_an_allow_matching_the_same_arn(fidelity_api: LocalApi, http: requests.Session) -> None:
    # Given Allow */* plus Deny on GET oth?r (an IAM `?` wildcard)
    value = token("deny-other")

    allowed = http.get(fidelity_api.url("/echo"), headers={"Authorization": value})
    denied = http.get(fidelity_api.url("/other"), headers={"Authorization": value})

    assert allowed.status_code == 200
    assert denied.status_code == 403


def test_policy_without_a_matching_allow_is_403(fidelity_api: LocalApi, http: requests.Session) -> None:
    response = http.get(fidelity_api.url("/echo"), headers={"Authorization": token("elsewhere")})

    assert response.status_code == 403
    assert response.json()["message"] == "User is not authorized to access this resource"


@pytest.mark.parametrize("behaviour", ["boom", "bad-context", "no-principal", "malformed"])
def test_authorizer_errors_and_malformed_answers_are_500_authorizer_configuration_errors(
    behaviour: str, fidelity_api: LocalApi, http: requests.Session
) -> None:
    response = http.get(fidelity_api.url("/echo"), headers={"Authorization": token(behaviour)})

    assert response.status_code == 500
    assert response.json() == {"message": None}
    assert response.headers["x-amzn-ErrorType"] == "AuthorizerConfigurationException"
    assert response.headers["Access-Control-Allow-Origin"] == ORIGIN


def test_context_values_reach_the_handler_as_strings(fidelity_api: LocalApi, http: requests.Session) -> None:
    response = http.get(fidelity_api.url("/echo"), headers={"Authorization": token("typed")})

    assert response.status_code == 200
    authorizer = response.json()["event"]["requestContext"]["authorizer"]
    assert authorizer["flag"] == "true"
    assert authorizer["off"] == "false"
    assert authorizer["count"] == "3"
    assert authorizer["ratio"] == "1.5"
    assert authorizer["principalId"] == "user-typed"
    assert isinstance(authorizer["integrationLatency"], int)


def test_reauthorize_every_zero_calls_the_authorizer_for_every_request(
    fidelity_api: LocalApi, authorizer_log: Path, http: requests.Session
) -> None:
    value = f"allow-all.{uuid.uuid4().hex[:12]}"  # the NoCache authorizer reads X-Token, without validation

    for _ in range(3):
        assert http.get(fidelity_api.url("/uncached"), headers={"X-Token": value}).status_code == 200

    assert calls(authorizer_log, value) == 3


def test_cache_is_per_authorizer_and_per_api(
    fidelity_api: LocalApi, authorizer_log: Path, http: requests.Session
) -> None:
    # PlainApi's authorizer has ReauthorizeEvery 0: its calls never use Api's cache
    value = token("allow-all")

    assert http.get(fidelity_api.url("/echo"), headers={"Authorization": value}).status_code == 200
    assert http.get(fidelity_api.url("/plain/echo"), headers={"Authorization": value}).status_code == 200
    assert http.get(fidelity_api.url("/plain/echo"), headers={"Authorization": value}).status_code == 200

    assert calls(authorizer_log, value) == 3


def test_request_authorizer_needs_every_identity_source_and_gets_the_request(
    fidelity_api: LocalApi, authorizer_log: Path, http: requests.Session
) -> None:
    client = f"allow-all.{uuid.uuid4().hex[:12]}"

    without_query = http.get(fidelity_api.url("/by-request"), headers={"X-Api-Client": client})
    allowed = http.get(fidelity_api.url("/by-request?tenant=t1"), headers={"X-Api-Client": client})
    cached = http.get(fidelity_api.url("/by-request?tenant=t1"), headers={"X-Api-Client": client})

    assert without_query.status_code == 401
    assert (allowed.status_code, cached.status_code) == (200, 200)
    assert allowed.json()["event"]["requestContext"]["authorizer"]["event_type"] == "REQUEST"
    assert calls(authorizer_log, client) == 1


def test_access_log_says_cache_hit_or_miss_and_never_shows_the_token(
    fidelity_api: LocalApi, http: requests.Session
) -> None:
    value = token("allow-all")
    http.get(fidelity_api.url("/echo?secret=shh"), headers={"Authorization": value})
    http.get(fidelity_api.url("/other"), headers={"Authorization": value})

    log = fidelity_api.stderr()
    assert "GET /echo 200 " in log
    assert "auth=miss fn=EchoFunction" in log
    assert "auth=hit fn=OtherFunction" in log
    assert value.split()[1] not in log
    assert "shh" not in log


def test_authorizer_error_messages_quoting_the_token_are_redacted_in_the_log(
    fidelity_api: LocalApi, http: requests.Session
) -> None:
    value = token("boom")  # this authorizer puts the token in its exception message

    assert http.get(fidelity_api.url("/echo"), headers={"Authorization": value}).status_code == 500

    log = fidelity_api.stderr()
    assert "the authorizer crashed on <identity>" in log
    assert value.split(".")[1] not in log
