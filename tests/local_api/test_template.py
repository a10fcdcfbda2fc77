"""Template loading: CloudFormation short tags, intrinsic functions, parameters, Globals, the runner's model."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from local_api.cfn import Resolver, TemplateError, load_template, parameter_values, parse_parameter_overrides
from local_api.model import IMPLICIT_API, build_model, env_parameter, merge_globals
from tests.support.local_api import ROOT

FIXTURES = Path(__file__).parent / "fixtures"


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "template.yaml"
    path.write_text(text)
    return path


def resolve(node: Any, parameters: dict[str, str] | None = None, template: dict[str, Any] | None = None) -> Any:
    template = template or {"Resources": {}}
    template.setdefault("Parameters", {name: {"Type": "String"} for name in parameters or {}})
    return Resolver(template, parameters or {}).resolve(node)


def test_short_tags_load_as_their_long_forms(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
Resources:
  R:
    Type: X
    Properties:
      A: !Ref Name
      B: !GetAtt Fn.Arn
      C: !Sub "${A}-b"
      D: !Sub ["${x}", {x: !Ref Name}]
      E: !If [Cond, 1, 2]
      F: !Join [",", [a, !Select [0, !Split ["/", "p/q"]]]]
      G: !Not [!Equals [a, b]]
      H: !And [!Or [!Condition C1, !Condition C2], !Condition C3]
      I: "2010-09-09"
""",
    )

    properties = load_template(path)["Resources"]["R"]["Properties"]

    assert properties["A"] == {"Ref": "Name"}
    assert properties["B"] == {"Fn::GetAtt": ["Fn", "Arn"]}
    assert properties["C"] == {"Fn::Sub": "${A}-b"}
    assert properties["D"] == {"Fn::Sub": ["${x}", {"x": {"Ref": "Name"}}]}
    assert properties["E"] == {"Fn::If": ["Cond", 1, 2]}
    assert properties["F"] == {"Fn::Join": [",", ["a", {"Fn::Select": [0, {"Fn::Split": ["/", "p/q"]}]}]]}
    assert properties["G"] == {"Fn::Not": [{"Fn::Equals": ["a", "b"]}]}
    assert properties["H"]["Fn::And"][0] == {"Fn::Or": [{"Condition": "C1"}, {"Condition": "C2"}]}
    assert properties["I"] == "2010-09-09"


INTRINSICS = [
    ("ref-parameter", {"Ref": "Name"}, "api"),
    ("sub-string", {"Fn::Sub": "${Name}-${AWS::Region}-${AWS::AccountId}"}, "api-us-east-1-123456789012"),
    ("sub-list", {"Fn::Sub": ["${x}.${AWS::URLSuffix}", {"x": {"Ref": "Name"}}]}, "api.amazonaws.com"),
    ("sub-literal", {"Fn::Sub": "${!Literal}"}, "${Literal}"),
    ("join", {"Fn::Join": ["-", ["a", {"Ref": "Name"}]]}, "a-api"),
    ("select-split", {"Fn::Select": [1, {"Fn::Split": [",", "x,y,z"]}]}, "y"),
    ("equals", {"Fn::Equals": [{"Ref": "Name"}, "api"]}, True),
    ("not", {"Fn::Not": [{"Fn::Equals": ["a", "a"]}]}, False),
    ("and-or", {"Fn::And": [{"Fn::Or": [False, True]}, True]}, True),
    ("partition", {"Ref": "AWS::Partition"}, "aws"),
    ("base64", {"Fn::Base64": "hi"}, "aGk="),
]


@pytest.mark.parametrize(("node", "value"), [c[1:] for c in INTRINSICS], ids=[c[0] for c in INTRINSICS])
def test_intrinsic_functions_resolve(node: Any, value: Any) -> None:
    assert resolve(node, {"Name": "api"}) == value


def test_conditions_drive_fn_if_and_no_value_removes_the_property() -> None:
    template = {
        "Parameters": {"Env": {"Type": "String"}},
        "Conditions": {
            "IsProd": {"Fn::Equals": [{"Ref": "Env"}, "prod"]},
            "NotProd": {"Fn::Not": [{"Condition": "IsProd"}]},
        },
        "Resources": {},
    }
    node = {
        "Level": {"Fn::If": ["IsProd", "WARN", "DEBUG"]},
        "Extra": {"Fn::If": ["NotProd", {"Ref": "AWS::NoValue"}, "x"]},
        "List": ["a", {"Fn::If": ["IsProd", "b", {"Ref": "AWS::NoValue"}]}],
    }

    assert Resolver(template, {"Env": "prod"}).resolve(node) == {"Level": "WARN", "Extra": "x", "List": ["a", "b"]}
    assert Resolver(template, {"Env": "dev"}).resolve(node) == {"Level": "DEBUG", "List": ["a"]}


def test_resource_refs_and_attributes_never_fail() -> None:
    template = {"Resources": {"Fn": {"Type": "AWS::Serverless::Function"}, "Bucket": {"Type": "AWS::S3::Bucket"}}}
    resolver = Resolver(template, {})

    assert resolver.resolve({"Fn::GetAtt": ["Fn", "Arn"]}) == "arn:aws:lambda:us-east-1:123456789012:function:Fn"
    assert resolver.resolve({"Ref": "Bucket"}) == "Bucket"
    assert resolver.resolve({"Fn::GetAtt": ["Bucket", "Arn"]}) == "Bucket.Arn"
    assert "unresolved" in resolver.resolve({"Fn::ImportValue": "Shared"})


def test_parameter_overrides_read_like_sam() -> None:
    assert parse_parameter_overrides("A=1 B='two words' C=") == {"A": "1", "B": "two words", "C": ""}
    assert parse_parameter_overrides("ParameterKey=A,ParameterValue=x=y") == {"A": "x=y"}
    with pytest.raises(TemplateError):
        parse_parameter_overrides("novalue")


def test_parameter_values_use_defaults_and_check_constraints() -> None:
    template = {
        "Parameters": {
            "Level": {"Type": "String", "Default": "INFO", "AllowedValues": ["INFO", "DEBUG"]},
            "Ttl": {"Type": "Number", "Default": 300, "MinValue": 0, "MaxValue": 3600},
            "Issuer": {"Type": "String"},
        },
        "Resources": {},
    }

    assert parameter_values(template, {}) == {"Level": "INFO", "Ttl": "300", "Issuer": ""}
    assert parameter_values(template, {"Ttl": "0"})["Ttl"] == "0"
    for bad in ({"Level": "TRACE"}, {"Ttl": "9999"}, {"Ttl": "soon"}, {"Unknown": "x"}):
        with pytest.raises(TemplateError):
            parameter_values(template, bad)


def test_globals_merge_like_sam() -> None:
    merged = merge_globals(
        {"Timeout": 10, "Environment": {"Variables": {"A": "g", "B": "g"}}, "Layers": ["g"], "Tags": {"Ref": "X"}},
        {"Timeout": 3, "Environment": {"Variables": {"B": "f"}}, "Layers": ["f"], "Tags": {"t": "1"}},
    )

    assert merged == {
        "Timeout": 3,
        "Environment": {"Variables": {"A": "g", "B": "f"}},
        "Layers": ["g", "f"],
        "Tags": {"t": "1"},
    }


def test_project_template_model() -> None:
    model = build_model(ROOT / "template.yaml", {"TokenIssuer": "https://issuer.example/", "Audience": "aud"})

    routes = {route.path: route for route in model.routes}
    assert set(routes) == {"/api/public", "/api/private", "/api/private-scoped"}
    assert routes["/api/public"].authorizer is None
    assert routes["/api/private"].authorizer == routes["/api/private-scoped"].authorizer == "JwtAuthorizer"
    api = model.apis["ProtectedApi"]
    authorizer = api.authorizers["JwtAuthorizer"]
    assert authorizer.function_id == "AuthorizerFunction"
    assert authorizer.ttl == 300
    assert authorizer.validation is not None and authorizer.validation.fullmatch("Bearer a.b.c")
    assert not api.authorize_preflight
    assert api.cors is not None and api.cors.allow_origin == "*"
    assert {"UNAUTHORIZED", "ACCESS_DENIED", "DEFAULT_4XX", "DEFAULT_5XX"} <= set(api.gateway_responses)
    environment = model.functions["AuthorizerFunction"].environment
    assert environment["TOKEN_ISSUER"] == "https://issuer.example/"
    assert environment["AUDIENCE"] == "aud"
    assert environment["POWERTOOLS_SERVICE_NAME"] == "protected-api"  # from Globals
    assert model.functions["PrivateScopedFunction"].required_scopes == ("read:messages",)
    assert model.scopes_required() == ["read:messages"]
    assert ROOT / "layers/common" in model.functions["PublicFunction"].layer_dirs


def test_env_parameter_finds_the_parameter_an_environment_variable_references() -> None:
    template = load_template(ROOT / "template.yaml")

    assert env_parameter(template, "TOKEN_ISSUER") == "TokenIssuer"
    assert env_parameter(template, "AUDIENCE") == "Audience"
    assert env_parameter(template, "JWKS_URI") == "JwksUri"
    assert env_parameter(template, "NOT_THERE") is None


def test_fixture_template_model_ignores_other_resource_types_and_false_conditions() -> None:
    model = build_model(FIXTURES / "fidelity.yaml", {"WithExtra": "no"})

    assert "ExtraFunction" not in model.functions
    assert "NeverFunction" in model.functions  # its condition is the negation
    assert set(model.apis) == {"Api", "PlainApi"}
    assert model.apis["Api"].binary_media_types == ("image/png",)
    assert model.apis["Api"].stage_variables == {"color": "blue"}


def test_api_events_without_rest_api_id_use_the_implicit_api(tmp_path: Path) -> None:
    template = {
        "Transform": "AWS::Serverless-2016-10-31",
        "Globals": {"Api": {"Cors": "'*'"}},
        "Resources": {
            "Fn": {
                "Type": "AWS::Serverless::Function",
                "Properties": {
                    "CodeUri": "fn/",
                    "Handler": "app.handler",
                    "Events": {"Get": {"Type": "Api", "Properties": {"Path": "/hello", "Method": "ANY"}}},
                },
            }
        },
    }
    model = build_model(write(tmp_path, yaml.safe_dump(template)))

    (route,) = model.routes
    assert route.api == IMPLICIT_API
    assert route.method == "ANY"
    assert model.apis[IMPLICIT_API].stage == "Prod"
    assert model.apis[IMPLICIT_API].cors is not None
