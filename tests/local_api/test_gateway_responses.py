"""Gateway responses: the template's customisations, inheritance from DEFAULT_4XX/5XX, built-in defaults."""

from __future__ import annotations

import json

from local_api.http import HttpRequest
from local_api.model import ApiSpec, GatewayResponseSpec
from local_api.responses import GatewayError, message_string, render, render_template

REQUEST = HttpRequest(method="GET", path="/x", headers=[("Origin", "https://app.example")])
CONTEXT = {"requestId": "req-1", "stage": "prod"}


def api(**responses: GatewayResponseSpec) -> ApiSpec:
    spec = ApiSpec(logical_id="Api", api_id="abc", stage="prod")
    spec.gateway_responses.update(responses)
    return spec


def test_message_string_is_the_json_quoted_message() -> None:
    assert message_string('say "hi"') == '"say \\"hi\\""'
    assert message_string(None) == "null"


def test_template_variables_are_substituted_and_unknown_ones_left() -> None:
    rendered = render_template(
        '{"m":$context.error.messageString,"id":"${context.requestId}","x":"$context.unknown"}',
        {"error.messageString": '"boom"', "requestId": "r1"},
    )

    assert rendered == '{"m":"boom","id":"r1","x":"$context.unknown"}'


def test_builtin_answers_when_the_template_customises_nothing() -> None:
    denied = render(
        api(), GatewayError("ACCESS_DENIED", "User is not authorized to access this resource"), REQUEST, CONTEXT
    )
    unauthorized = render(api(), GatewayError("UNAUTHORIZED", "Unauthorized"), REQUEST, CONTEXT)
    config = render(api(), GatewayError("AUTHORIZER_CONFIGURATION_ERROR", None), REQUEST, CONTEXT)

    assert (denied.status, json.loads(denied.body)) == (
        403,
        {"Message": "User is not authorized to access this resource"},
    )
    assert (unauthorized.status, json.loads(unauthorized.body)) == (401, {"message": "Unauthorized"})
    assert (config.status, json.loads(config.body)) == (500, {"message": None})
    assert config.header("x-amzn-ErrorType") == "AuthorizerConfigurationException"
    assert denied.header("x-amzn-RequestId") == "req-1"


def test_customised_type_uses_its_status_headers_and_template() -> None:
    spec = GatewayResponseSpec(
        status=401,
        headers={"WWW-Authenticate": "'Bearer'", "Access-Control-Allow-Origin": "method.request.header.Origin"},
        templates={"application/json": '{"error":"invalid_token","message":$context.error.messageString}'},
    )

    response = render(api(UNAUTHORIZED=spec), GatewayError("UNAUTHORIZED", "Unauthorized"), REQUEST, CONTEXT)

    assert response.status == 401
    assert json.loads(response.body) == {"error": "invalid_token", "message": "Unauthorized"}
    assert response.header("WWW-Authenticate") == "Bearer"
    assert response.header("Access-Control-Allow-Origin") == "https://app.example"


def test_uncustomised_type_inherits_default_4xx_but_keeps_its_status() -> None:
    default_4xx = GatewayResponseSpec(
        status=None,
        headers={"Access-Control-Allow-Origin": "'*'"},
        templates={"application/json": '{"m":$context.error.messageString}'},
    )

    response = render(
        api(DEFAULT_4XX=default_4xx),
        GatewayError("MISSING_AUTHENTICATION_TOKEN", "Missing Authentication Token"),
        REQUEST,
        CONTEXT,
    )

    assert response.status == 403
    assert json.loads(response.body) == {"m": "Missing Authentication Token"}
    assert response.header("Access-Control-Allow-Origin") == "*"


def test_integration_failure_is_502_shaped_by_default_5xx() -> None:
    default_5xx = GatewayResponseSpec(status=None, headers={"Access-Control-Allow-Origin": "'*'"}, templates={})

    response = render(
        api(DEFAULT_5XX=default_5xx), GatewayError("DEFAULT_5XX", "Internal server error", status=502), REQUEST, CONTEXT
    )

    assert response.status == 502
    assert json.loads(response.body) == {"message": "Internal server error"}
    assert response.header("Access-Control-Allow-Origin") == "*"
