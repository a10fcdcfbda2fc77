"""How the runner turns its environment into template parameters, and when it runs the development issuer."""

from __future__ import annotations

from local_api.issuer import DEFAULT_AUDIENCE
from local_api.server import dev_issuer_overrides, parameter_overrides, region_from_env
from tests.support.local_api import ROOT

TEMPLATE = ROOT / "template.yaml"
BASE_URL = "http://localhost:3010/"


def test_issuer_variables_override_the_parameters_the_authorizer_reads() -> None:
    env = {
        "TOKEN_ISSUER": "https://tenant.example/",
        "AUDIENCE": "https://api.example",
        "JWKS_URI": "https://k.example",
    }

    assert parameter_overrides(TEMPLATE, env) == {
        "TokenIssuer": "https://tenant.example/",
        "Audience": "https://api.example",
        "JwksUri": "https://k.example",
    }


def test_parameter_overrides_set_any_parameter_and_the_issuer_variables_win() -> None:
    env = {
        "PARAMETER_OVERRIDES": "AuthorizerCacheTtl=0 TokenIssuer=https://a.example/",
        "TOKEN_ISSUER": "https://b.example/",
    }

    assert parameter_overrides(TEMPLATE, env) == {"AuthorizerCacheTtl": "0", "TokenIssuer": "https://b.example/"}


def test_empty_issuer_variables_are_ignored() -> None:
    assert parameter_overrides(TEMPLATE, {"TOKEN_ISSUER": "", "AUDIENCE": ""}) == {}


def test_without_an_issuer_the_development_issuer_is_used_with_the_default_audience() -> None:
    result = dev_issuer_overrides(TEMPLATE, {}, BASE_URL)

    assert result == ({"TokenIssuer": BASE_URL, "Audience": DEFAULT_AUDIENCE}, DEFAULT_AUDIENCE)


def test_development_issuer_keeps_a_configured_audience() -> None:
    result = dev_issuer_overrides(TEMPLATE, {"Audience": "https://mine.example"}, BASE_URL)

    assert result == ({"TokenIssuer": BASE_URL, "Audience": "https://mine.example"}, "https://mine.example")


def test_a_configured_issuer_means_no_development_issuer() -> None:
    assert dev_issuer_overrides(TEMPLATE, {"TokenIssuer": "https://tenant.example/"}, BASE_URL) is None


def test_region_comes_from_the_usual_variables() -> None:
    assert region_from_env({}) == "us-east-1"
    assert region_from_env({"AWS_DEFAULT_REGION": "eu-west-1"}) == "eu-west-1"
    assert region_from_env({"AWS_REGION": "eu-central-1", "AWS_DEFAULT_REGION": "eu-west-1"}) == "eu-central-1"
