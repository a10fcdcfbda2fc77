"""The authorizer's settings: defaults, bounds and clear errors (unit: no network)."""

from __future__ import annotations

import pytest

from jwt_authorizer import ConfigurationError, Settings

ISSUER = "https://tenant.example.auth0.com/"
MINIMAL = {"TOKEN_ISSUER": ISSUER, "AUDIENCE": "https://api.example.com"}


def test_defaults_are_safe_and_documented() -> None:
    settings = Settings.from_env(MINIMAL)

    assert settings.issuers == (ISSUER,)
    assert settings.audience == "https://api.example.com"
    assert settings.jwks_uris is None  # OpenID discovery
    assert settings.algorithms == {"RS256"}
    assert settings.allowed_client_ids == frozenset()
    assert settings.required_typ is None
    assert settings.clock_skew_seconds == 30
    assert settings.jwks_timeout_seconds == 3
    assert settings.jwks_cooldown_seconds == 30
    assert settings.jwks_max_age_seconds == 3600
    assert settings.max_token_length == 10240
    assert settings.token_cache_size == 1024
    assert settings.token_cache_seconds == 300


def test_several_issuers_each_with_its_jwks_uri() -> None:
    settings = Settings.from_env(
        {**MINIMAL, "TOKEN_ISSUER": f"{ISSUER}, https://b.example/", "JWKS_URI": "https://a/keys,https://b/keys"}
    )

    assert settings.jwks_uri_for(ISSUER) == "https://a/keys"
    assert settings.jwks_uri_for("https://b.example/") == "https://b/keys"


def test_cognito_style_settings_need_no_audience() -> None:
    settings = Settings.from_env({"TOKEN_ISSUER": ISSUER, "ALLOWED_CLIENT_IDS": "abc, def"})

    assert settings.audience is None
    assert settings.allowed_client_ids == {"abc", "def"}


@pytest.mark.parametrize(
    ("environ", "names"),
    [
        ({"AUDIENCE": "x"}, "TOKEN_ISSUER"),
        ({"TOKEN_ISSUER": "tenant.example.auth0.com", "AUDIENCE": "x"}, "TOKEN_ISSUER"),
        ({"TOKEN_ISSUER": "http://tenant.example.auth0.com/", "AUDIENCE": "x"}, "TOKEN_ISSUER"),
        ({"TOKEN_ISSUER": "http://10.0.0.5:8080/realms/app", "AUDIENCE": "x"}, "TOKEN_ISSUER"),
        ({**MINIMAL, "JWKS_URI": "http://tenant.example.auth0.com/.well-known/jwks.json"}, "JWKS_URI"),
        ({**MINIMAL, "JWKS_URI": "ftp://tenant.example.auth0.com/jwks"}, "JWKS_URI"),
        ({"TOKEN_ISSUER": ISSUER}, "AUDIENCE"),
        ({**MINIMAL, "ALGORITHMS": "HS256"}, "ALGORITHMS"),
        ({**MINIMAL, "ALGORITHMS": "none"}, "ALGORITHMS"),
        ({**MINIMAL, "JWKS_URI": "https://a/keys,https://b/keys"}, "JWKS_URI"),
        ({**MINIMAL, "JWKS_TIMEOUT_SECONDS": "60"}, "JWKS_TIMEOUT_SECONDS"),
        ({**MINIMAL, "JWKS_TIMEOUT_SECONDS": "0"}, "JWKS_TIMEOUT_SECONDS"),
        ({**MINIMAL, "JWKS_TIMEOUT_SECONDS": "10"}, "JWKS_TIMEOUT_SECONDS"),
        ({**MINIMAL, "JWKS_COOLDOWN_SECONDS": "0"}, "JWKS_COOLDOWN_SECONDS"),
        ({**MINIMAL, "CLOCK_SKEW_SECONDS": "a minute"}, "CLOCK_SKEW_SECONDS"),
        ({**MINIMAL, "CLOCK_SKEW_SECONDS": "-5"}, "CLOCK_SKEW_SECONDS"),
        ({**MINIMAL, "CLOCK_SKEW_SECONDS": "3600"}, "CLOCK_SKEW_SECONDS"),
        ({**MINIMAL, "JWKS_COOLDOWN_SECONDS": "nan"}, "JWKS_COOLDOWN_SECONDS"),
        ({**MINIMAL, "MAX_TOKEN_LENGTH": "100"}, "MAX_TOKEN_LENGTH"),
    ],
)
def test_wrong_setting_is_a_clear_configuration_error(environ: dict[str, str], names: str) -> None:
    with pytest.raises(ConfigurationError, match=names):
        Settings.from_env(environ)


@pytest.mark.parametrize("issuer", ["http://localhost:3010/", "http://127.0.0.1:8080/realms/app", "http://[::1]:9000"])
def test_plain_http_issuers_are_for_this_machine_only(issuer: str) -> None:
    assert Settings.from_env({"TOKEN_ISSUER": issuer, "AUDIENCE": "x"}).issuers == (issuer,)
