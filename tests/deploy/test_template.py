"""What CloudFormation receives after the SAM transform, computed offline with aws-sam-translator.

Fast (no SAM CLI, no network): these run in `make test`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.deploy.sam import FUNCTIONS, HANDLERS, LAYERS, ROUTES, load_template, sandboxed_process_env, translate

CACHE_TTL = 123  # not the default, to see the parameter reach the authorizer


@pytest.fixture(scope="module")
def resources(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    with sandboxed_process_env(tmp_path_factory.mktemp("aws")):
        yield translate({"AuthorizerCacheTtl": CACHE_TTL})["Resources"]


@pytest.fixture(scope="module")
def openapi(resources: dict[str, Any]) -> dict[str, Any]:
    return resources["ProtectedApi"]["Properties"]["Body"]


def of_type(resources: dict[str, Any], type_: str) -> dict[str, dict[str, Any]]:
    return {name: r for name, r in resources.items() if r["Type"] == type_}


def test_the_authorizer_is_a_token_authorizer_on_the_authorization_header(openapi: dict[str, Any]) -> None:
    scheme = openapi["components"]["securitySchemes"]["JwtAuthorizer"]
    authorizer = scheme["x-amazon-apigateway-authorizer"]

    assert (scheme["type"], scheme["in"], scheme["name"]) == ("apiKey", "header", "Authorization")
    assert scheme["x-amazon-apigateway-authtype"] == "custom"
    assert authorizer["type"] == "token"
    assert authorizer["authorizerResultTtlInSeconds"] == CACHE_TTL
    assert authorizer["authorizerUri"]["Fn::Sub"][1]["__FunctionArn__"] == {"Fn::GetAtt": ["AuthorizerFunction", "Arn"]}


@pytest.mark.parametrize(
    ("header", "accepted"),
    [
        ("Bearer aaa.bbb.ccc", True),
        ("bearer eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln-_", True),
        ("BEARER aaa.bbb.ccc", True),
        ("BeArEr aaa.bbb.ccc", True),
        ("Bearerx aaa.bbb.ccc", False),
        ("Bearer aaa.bbb", False),
        ("Basic dXNlcjpwYXNz", False),
        ("Bearer aaa.bbb.ccc extra", False),
        ("aaa.bbb.ccc", False),
    ],
)
def test_the_validation_expression_lets_only_bearer_jwts_reach_the_authorizer(
    openapi: dict[str, Any], header: str, accepted: bool
) -> None:
    expression = openapi["components"]["securitySchemes"]["JwtAuthorizer"]["x-amazon-apigateway-authorizer"][
        "identityValidationExpression"
    ]
    assert bool(re.fullmatch(expression, header)) is accepted


def test_public_route_has_no_authorizer_and_private_routes_have_it(openapi: dict[str, Any]) -> None:
    security = {path: methods["get"]["security"] for path, methods in openapi["paths"].items()}

    assert set(security) == set(ROUTES)
    assert security["/api/public"] == [{"NONE": []}]
    assert security["/api/private"] == [{"JwtAuthorizer": []}]
    assert security["/api/private-scoped"] == [{"JwtAuthorizer": []}]


def test_each_route_invokes_its_own_function(openapi: dict[str, Any]) -> None:
    for path, function in ROUTES.items():
        integration = openapi["paths"][path]["get"]["x-amazon-apigateway-integration"]
        assert integration["type"] == "aws_proxy"
        assert f"${{{function}.Arn}}" in integration["uri"]["Fn::Sub"]


def test_cors_preflight_is_answered_by_the_gateway_without_the_authorizer(openapi: dict[str, Any]) -> None:
    for path in ROUTES:
        options = openapi["paths"][path]["options"]
        integration = options["x-amazon-apigateway-integration"]
        headers = integration["responses"]["default"]["responseParameters"]

        assert integration["type"] == "mock"
        assert "security" not in options
        assert headers["method.response.header.Access-Control-Allow-Headers"] == "'Authorization,Content-Type'"
        assert headers["method.response.header.Access-Control-Allow-Origin"] == {"Fn::Sub": "'${CorsAllowOrigin}'"}


@pytest.mark.parametrize("response_type", ["UNAUTHORIZED", "ACCESS_DENIED"])
def test_gateway_401_and_403_carry_a_bearer_challenge_json_and_cors(
    openapi: dict[str, Any], response_type: str
) -> None:
    response = openapi["x-amazon-apigateway-gateway-responses"][response_type]
    headers = response["responseParameters"]

    assert headers["gatewayresponse.header.WWW-Authenticate"].startswith("'Bearer error=")
    assert headers["gatewayresponse.header.Access-Control-Allow-Origin"] == {"Fn::Sub": "'${CorsAllowOrigin}'"}
    assert headers["gatewayresponse.header.Access-Control-Expose-Headers"] == "'WWW-Authenticate'"
    assert "application/json" in response["responseTemplates"]


def test_gateway_default_responses_carry_cors(openapi: dict[str, Any]) -> None:
    responses = openapi["x-amazon-apigateway-gateway-responses"]
    for response_type in ("MISSING_AUTHENTICATION_TOKEN", "DEFAULT_4XX", "DEFAULT_5XX"):
        assert "gatewayresponse.header.Access-Control-Allow-Origin" in responses[response_type]["responseParameters"]


def _function_name(reference: dict[str, Any]) -> str:
    """The logical id in {"Ref": id} or {"Fn::GetAtt": [id, "Arn"]}."""
    (value,) = reference.values()
    return value if isinstance(value, str) else value[0]


def test_every_lambda_permission_is_scoped_to_this_api(resources: dict[str, Any]) -> None:
    prefix = "arn:aws:execute-api:${AWS::Region}:${AWS::AccountId}:${__ApiId__}"
    # The only wildcards: any stage of this API for a route, any authorizer of this API.
    expected = {"AuthorizerFunction": f"{prefix}/authorizers/*"}
    expected.update({function: f"{prefix}/${{__Stage__}}/GET{path}" for path, function in ROUTES.items()})

    granted = {}
    for name, permission in of_type(resources, "AWS::Lambda::Permission").items():
        properties = permission["Properties"]
        source_arn, variables = properties["SourceArn"]["Fn::Sub"]

        assert properties["Principal"] == "apigateway.amazonaws.com", name
        assert properties["Action"] == "lambda:InvokeFunction", name
        assert variables["__ApiId__"] == {"Ref": "ProtectedApi"}, name
        assert variables.get("__Stage__", "*") == "*", name
        granted[_function_name(properties["FunctionName"])] = source_arn
    assert granted == expected


def test_each_function_role_may_only_write_its_own_logs_and_traces(resources: dict[str, Any]) -> None:
    for function in FUNCTIONS:
        properties = resources[function]["Properties"]
        role_name = properties["Role"]["Fn::GetAtt"][0]
        role = resources[role_name]["Properties"]
        statements = [s for p in role["Policies"] for s in p["PolicyDocument"]["Statement"]]

        assert role_name == f"{function}Role"
        assert role["AssumeRolePolicyDocument"]["Statement"][0]["Principal"] == {"Service": "lambda.amazonaws.com"}
        assert "ManagedPolicyArns" not in role
        assert all(s["Effect"] == "Allow" for s in statements)
        assert {(tuple(s["Action"]), str(s["Resource"])) for s in statements} == {
            (("logs:CreateLogStream", "logs:PutLogEvents"), str({"Fn::GetAtt": [f"{function}LogGroup", "Arn"]})),
            (("xray:PutTraceSegments", "xray:PutTelemetryRecords"), "*"),
        }
        assert properties["LoggingConfig"] == {"LogGroup": {"Ref": f"{function}LogGroup"}}


def test_no_role_but_the_functions_and_the_optional_api_gateway_log_role(resources: dict[str, Any]) -> None:
    roles = of_type(resources, "AWS::IAM::Role")
    assert set(roles) == {f"{f}Role" for f in FUNCTIONS} | {"ApiGatewayLogRole"}
    assert roles["ApiGatewayLogRole"]["Condition"] == "CreateApiGatewayLogRoleEnabled"
    assert roles["ApiGatewayLogRole"]["DeletionPolicy"] == "Retain"


def test_every_log_group_has_the_retention_parameter(resources: dict[str, Any]) -> None:
    log_groups = of_type(resources, "AWS::Logs::LogGroup")
    assert set(log_groups) == {f"{f}LogGroup" for f in FUNCTIONS} | {"ApiAccessLogGroup"}
    for log_group in log_groups.values():
        assert log_group["Properties"]["RetentionInDays"] == {"Ref": "LogRetentionDays"}


def test_the_only_stage_is_throttled_and_access_logged(resources: dict[str, Any]) -> None:
    stages = of_type(resources, "AWS::ApiGateway::Stage")
    (deployment,) = of_type(resources, "AWS::ApiGateway::Deployment").values()
    (stage,) = stages.values()
    properties = stage["Properties"]

    # A Deployment with a StageName would create SAM's extra, unthrottled "Stage" stage.
    assert "StageName" not in deployment["Properties"]
    assert properties["StageName"] == {"Ref": "StageName"}
    assert properties["MethodSettings"] == [
        {
            "HttpMethod": "*",
            "ResourcePath": "/*",
            "ThrottlingBurstLimit": {"Ref": "ThrottlingBurstLimit"},
            "ThrottlingRateLimit": {"Ref": "ThrottlingRateLimit"},
        }
    ]
    condition, enabled, disabled = properties["AccessLogSetting"]["Fn::If"]
    assert (condition, disabled) == ("AccessLoggingEnabled", {"Ref": "AWS::NoValue"})
    assert enabled["DestinationArn"] == {"Fn::GetAtt": ["ApiAccessLogGroup", "Arn"]}
    # One JSON object per request: CloudWatch Logs Insights and filter patterns read its fields.
    assert "authorizerError" in json.loads(enabled["Format"])


def test_handlers_get_powertools_and_api_common_from_layers(resources: dict[str, Any]) -> None:
    layer_ids = {name.rstrip("0123456789abcdef"): name for name in of_type(resources, "AWS::Lambda::LayerVersion")}
    assert set(layer_ids) == set(LAYERS)
    for handler in HANDLERS:
        assert resources[handler]["Properties"]["Layers"] == [
            {
                "Fn::If": [
                    "UsePublicPowertoolsLayer",
                    {"Ref": "PowertoolsLayerArn"},
                    {"Ref": layer_ids["PowertoolsLayer"]},
                ]
            },
            {"Ref": layer_ids["CommonLayer"]},
        ]
    assert "Layers" not in resources["AuthorizerFunction"]["Properties"]
    assert resources[layer_ids["PowertoolsLayer"]]["Condition"] == "BuildPowertoolsLayer"


def test_the_layer_conditions_are_complementary() -> None:
    conditions = load_template()["Conditions"]
    assert conditions["UsePublicPowertoolsLayer"] == {"Fn::Not": [conditions["BuildPowertoolsLayer"]]}
    assert conditions["BuildPowertoolsLayer"] == {"Fn::Equals": [{"Ref": "PowertoolsLayerArn"}, ""]}


def test_functions_and_layers_are_built_for_arm64(resources: dict[str, Any]) -> None:
    for function in FUNCTIONS:
        assert resources[function]["Properties"]["Architectures"] == ["arm64"]
        assert resources[function]["Properties"]["Runtime"] == "python3.11"
    for layer in of_type(resources, "AWS::Lambda::LayerVersion").values():
        assert layer["Properties"]["CompatibleArchitectures"] == ["arm64"]
    template = load_template()["Resources"]
    for layer in LAYERS:
        assert template[layer]["Metadata"]["BuildArchitecture"] == "arm64"


def test_the_layer_makefile_builds_for_the_template_architecture() -> None:
    makefile = (Path(__file__).resolve().parents[2] / "layers/common/Makefile").read_text()
    assert "PLATFORM ?= manylinux2014_aarch64" in makefile
    for layer in LAYERS:
        assert f"build-{layer}:" in makefile


def test_the_authorizer_gets_its_settings_under_the_documented_names(resources: dict[str, Any]) -> None:
    variables = resources["AuthorizerFunction"]["Properties"]["Environment"]["Variables"]
    assert variables["TOKEN_ISSUER"] == {"Ref": "TokenIssuer"}
    assert variables["AUDIENCE"] == {"Ref": "Audience"}
    assert variables["JWKS_URI"] == {"Ref": "JwksUri"}
    scoped = resources["PrivateScopedFunction"]["Properties"]["Environment"]["Variables"]
    assert scoped["REQUIRED_SCOPES"] == "read:messages"
