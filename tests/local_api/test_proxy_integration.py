"""Lambda proxy events (payload v1), proxy responses, routing, CORS and gateway answers, over real HTTP."""

from __future__ import annotations

import base64
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from tests.support.local_api import LocalApi

pytestmark = pytest.mark.integration

ORIGIN = "https://app.example"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"


def allow() -> dict[str, str]:
    return {"Authorization": f"Bearer allow-all.{uuid.uuid4().hex[:12]}"}


def test_proxy_event_is_complete(fidelity_api: LocalApi, http: requests.Session) -> None:
    response = http.get(
        fidelity_api.url("/items/42?a=1&a=2&b=x"),
        headers={**allow(), "X-Custom": "v", "User-Agent": "local-test"},
    )

    assert response.status_code == 200
    event = response.json()["event"]
    assert event["resource"] == "/items/{id}"
    assert event["path"] == "/items/42"
    assert event["httpMethod"] == "GET"
    assert event["headers"]["X-Custom"] == "v"
    assert event["multiValueHeaders"]["X-Custom"] == ["v"]
    assert event["queryStringParameters"] == {"a": "2", "b": "x"}
    assert event["multiValueQueryStringParameters"] == {"a": ["1", "2"], "b": ["x"]}
    assert event["pathParameters"] == {"id": "42"}
    assert event["stageVariables"] == {"color": "blue"}
    assert event["body"] is None
    assert event["isBase64Encoded"] is False
    context = event["requestContext"]
    assert context["requestId"] == response.headers["x-amzn-RequestId"]
    assert context["stage"] == "test"
    assert context["resourcePath"] == "/items/{id}"
    assert context["httpMethod"] == "GET"
    assert context["identity"]["sourceIp"] == "127.0.0.1"
    assert context["identity"]["userAgent"] == "local-test"
    assert isinstance(context["requestTimeEpoch"], int)
    assert context["accountId"] == "123456789012"
    assert context["authorizer"]["principalId"] == "user-allow-all"


def test_route_without_authorizer_has_no_authorizer_context(fidelity_api: LocalApi, http: requests.Session) -> None:
    response = http.get(fidelity_api.url("/open"))

    assert response.status_code == 200
    event = response.json()["event"]
    assert "authorizer" not in event["requestContext"]
    assert event["queryStringParameters"] is None
    assert event["pathParameters"] is None


def test_text_body_is_passed_as_a_string(fidelity_api: LocalApi, http: requests.Session) -> None:
    response = http.post(fidelity_api.url("/echo"), json={"hello": "world"}, headers=allow())

    event = response.json()["event"]
    assert event["body"] == '{"hello": "world"}'
    assert event["isBase64Encoded"] is False


def test_binary_media_type_body_is_base64_encoded(fidelity_api: LocalApi, http: requests.Session) -> None:
    response = http.post(fidelity_api.url("/echo"), data=PNG, headers={**allow(), "Content-Type": "image/png"})

    event = response.json()["event"]
    assert event["isBase64Encoded"] is True
    assert base64.b64decode(event["body"]) == PNG


def test_static_segment_wins_over_a_path_parameter(fidelity_api: LocalApi, http: requests.Session) -> None:
    response = http.get(fidelity_api.url("/items/special"), headers=allow())

    assert response.json()["env"]["FUNCTION_TAG"] == "other"


def test_greedy_path_and_any_method(fidelity_api: LocalApi, http: requests.Session) -> None:
    response = http.put(fidelity_api.url("/files/a/b/c.txt"), data="x", headers=allow())

    assert response.status_code == 200
    event = response.json()["event"]
    assert event["pathParameters"] == {"proxy": "a/b/c.txt"}
    assert event["resource"] == "/files/{proxy+}"
    assert event["httpMethod"] == "PUT"


@pytest.mark.parametrize(("method", "path"), [("GET", "/nowhere"), ("DELETE", "/echo"), ("GET", "/never")])
def test_unknown_route_or_method_is_missing_authentication_token(
    method: str, path: str, fidelity_api: LocalApi, http: requests.Session
) -> None:
    response = http.request(method, fidelity_api.url(path), headers={"Origin": ORIGIN})

    assert response.status_code == 403
    # No MISSING_AUTHENTICATION_TOKEN in this template: DEFAULT_4XX shapes it, the status stays 403
    assert response.json() == {"message": "Missing Authentication Token", "type": "MISSING_AUTHENTICATION_TOKEN"}
    assert response.headers["Access-Control-Allow-Origin"] == ORIGIN
    assert response.headers["X-Echo-Origin"] == ORIGIN  # method.request.header.Origin mapping
    assert response.headers["x-amzn-ErrorType"] == "MissingAuthenticationTokenException"


def test_cors_preflight_is_answered_from_the_template_without_the_authorizer(
    fidelity_api: LocalApi, http: requests.Session
) -> None:
    response = http.options(
        fidelity_api.url("/echo"),
        headers={"Origin": ORIGIN, "Access-Control-Request-Method": "POST"},
    )

    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == ORIGIN
    assert response.headers["Access-Control-Allow-Headers"] == "Authorization,Content-Type"
    # No AllowMethods in the template: SAM's default, the resource's methods plus OPTIONS
    assert response.headers["Access-Control-Allow-Methods"] == "GET,OPTIONS,POST"
    assert response.headers["Access-Control-Max-Age"] == "600"
    assert "auth=none" in fidelity_api.stderr().split("OPTIONS /echo 200", 1)[1].splitlines()[0]


def test_preflight_on_an_api_without_cors_is_missing_authentication_token(
    fidelity_api: LocalApi, http: requests.Session
) -> None:
    response = http.options(fidelity_api.url("/plain/echo"), headers={"Origin": ORIGIN})

    assert response.status_code == 403
    assert response.json() == {"message": "Missing Authentication Token"}


def test_builtin_gateway_answers_without_gateway_responses_in_the_template(
    fidelity_api: LocalApi, http: requests.Session
) -> None:
    def call(behaviour: str) -> requests.Response:
        headers = {"Authorization": f"Bearer {behaviour}.{uuid.uuid4().hex[:12]}"}
        return http.get(fidelity_api.url("/plain/echo"), headers=headers)

    assert call("deny").json() == {"Message": "User is not authorized to access this resource with an explicit deny"}
    assert call("elsewhere").json() == {"Message": "User is not authorized to access this resource"}
    assert call("unauthorized").json() == {"message": "Unauthorized"}
    assert call("boom").json() == {"message": None}
    assert http.get(fidelity_api.url("/plain/echo")).status_code == 401
    assert "Access-Control-Allow-Origin" not in call("deny").headers


def test_handler_exception_is_502_internal_server_error(fidelity_api: LocalApi, http: requests.Session) -> None:
    response = http.get(fidelity_api.url("/fail"))

    assert response.status_code == 502
    assert response.json() == {"message": "Internal server error"}
    assert response.headers["Access-Control-Allow-Origin"] == ORIGIN  # DEFAULT_5XX's header


def test_function_running_past_its_timeout_is_502(fidelity_api: LocalApi, http: requests.Session) -> None:
    # SlowFunction has Timeout: 1 in the template
    response = http.get(fidelity_api.url("/slow?sleep=3"))

    assert response.status_code == 502
    assert response.json() == {"message": "Internal server error"}
    assert "Task timed out after 1.00 seconds" in fidelity_api.stderr()


@pytest.mark.parametrize("kind", ["not-an-object", "body-not-a-string", "unknown-field", "no-status"])
def test_malformed_proxy_response_is_502(kind: str, fidelity_api: LocalApi, http: requests.Session) -> None:
    response = http.get(fidelity_api.url(f"/malformed?kind={kind}"))

    assert response.status_code == 502
    assert response.json() == {"message": "Internal server error"}


def test_multi_value_headers_are_sent_and_win_over_single_ones(fidelity_api: LocalApi, http: requests.Session) -> None:
    response = http.get(fidelity_api.url("/multi"))

    assert response.status_code == 201
    assert response.raw.headers.getlist("Set-Cookie") == ["a=1; Path=/", "b=2; Path=/"]
    assert response.raw.headers.getlist("X-Single") == ["from-multi"]
    assert response.text == "created"


def test_base64_body_is_decoded_when_the_accept_header_names_a_binary_type(
    fidelity_api: LocalApi, http: requests.Session
) -> None:
    binary = http.get(fidelity_api.url("/binary"), headers={"Accept": "image/png"})
    text = http.get(fidelity_api.url("/binary"), headers={"Accept": "application/json"})

    assert binary.content == PNG
    assert base64.b64decode(text.content) == PNG  # as API Gateway: passed through as base64 text


def test_each_function_runs_with_its_own_environment_and_a_lambda_context(
    fidelity_api: LocalApi, http: requests.Session
) -> None:
    body = http.get(fidelity_api.url("/open")).json()

    assert body["env"] == {
        "FUNCTION_TAG": "echo",
        "GREETING": "hello-test",  # Globals, with !Sub of two parameters
        "SHARED": "from-function",  # the function's own value wins over Globals
        "AWS_LAMBDA_FUNCTION_NAME": "EchoFunction",
        "AWS_REGION": "us-east-1",
        "AWS_SAM_LOCAL": "true",
        "POWERTOOLS_TRACE_DISABLED": "true",
        "POWERTOOLS_METRICS_DISABLED": "true",
    }
    assert body["tag_at_import"] == "echo"
    context = body["context"]
    assert context["function_name"] == "EchoFunction"
    assert context["memory_limit_in_mb"] == 192
    assert context["invoked_function_arn"] == "arn:aws:lambda:us-east-1:123456789012:function:EchoFunction"
    assert 0 < context["remaining_ms"] <= 5000


def test_conditional_resources_follow_their_condition(fidelity_api: LocalApi, http: requests.Session) -> None:
    assert http.get(fidelity_api.url("/extra")).json()["env"]["FUNCTION_TAG"] == "extra"
    assert http.get(fidelity_api.url("/never")).status_code == 403


def test_concurrent_requests_each_see_their_own_function_environment(fidelity_api: LocalApi) -> None:
    token = allow()

    def call(index: int) -> tuple[str, str, str, int]:
        path = "/echo" if index % 2 else "/other"
        response = requests.get(fidelity_api.url(f"{path}?sleep=0.2&n={index}"), headers=token, timeout=60)
        body = response.json()
        expected = "echo" if index % 2 else "other"
        return expected, body["env"]["FUNCTION_TAG"], body["getenv_tag"], response.status_code

    with ThreadPoolExecutor(max_workers=16) as pool:
        results = list(pool.map(call, range(32)))

    assert all(status == 200 for *_, status in results)
    assert all(expected == seen == via_getenv for expected, seen, via_getenv, _ in results)
