"""Claims: exp, nbf, iat with a configurable skew; iss exact; aud; a principal; odd types never crash."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

import pytest

from tests.authorizer.conftest import Keys
from tests.authorizer.forge import signed_bytes
from tests.authorizer.harness import UNAUTHORIZED, Authorizer, unique
from tests.support.keys import AUDIENCE, ISSUER, standard_claims

pytestmark = pytest.mark.integration

Serve = Callable[..., Authorizer]


@pytest.fixture
def authorizer(serve_keys: Serve, keys: Keys) -> Authorizer:
    return serve_keys(keys.rsa)


def test_token_without_exp_is_unauthorized(authorizer: Authorizer, keys: Keys) -> None:
    assert authorizer.bearer(keys.rsa.sign(exp=None)) is UNAUTHORIZED
    assert authorizer.last_reason() == "missing_claim"


def test_expired_token_is_unauthorized(authorizer: Authorizer, keys: Keys) -> None:
    assert authorizer.bearer(keys.rsa.sign(exp=int(time.time()) - 120)) is UNAUTHORIZED
    assert authorizer.last_reason() == "expired"


def test_token_expired_within_the_default_clock_skew_is_allowed(authorizer: Authorizer, keys: Keys) -> None:
    assert authorizer.bearer(keys.rsa.sign(exp=int(time.time()) - 10)) is not UNAUTHORIZED


def test_clock_skew_setting_widens_and_narrows_the_leeway(serve_keys: Serve, keys: Keys) -> None:
    token = keys.rsa.sign(exp=int(time.time()) - 10)

    assert serve_keys(keys.rsa, clock_skew_seconds=0).bearer(token) is UNAUTHORIZED
    assert serve_keys(keys.rsa, clock_skew_seconds=120).bearer(keys.rsa.sign(exp=int(time.time()) - 100)) is not (
        UNAUTHORIZED
    )


@pytest.mark.parametrize("claim", ["nbf", "iat"])
def test_token_not_yet_valid_beyond_the_skew_is_unauthorized(authorizer: Authorizer, keys: Keys, claim: str) -> None:
    assert authorizer.bearer(keys.rsa.sign(**{claim: int(time.time()) + 300})) is UNAUTHORIZED
    assert authorizer.last_reason() == "not_yet_valid"


@pytest.mark.parametrize("claim", ["nbf", "iat"])
def test_token_not_yet_valid_within_the_skew_is_allowed(authorizer: Authorizer, keys: Keys, claim: str) -> None:
    assert authorizer.bearer(keys.rsa.sign(**{claim: int(time.time()) + 10})) is not UNAUTHORIZED


def test_token_without_nbf_and_iat_is_allowed(authorizer: Authorizer, keys: Keys) -> None:
    assert authorizer.bearer(keys.rsa.sign(iat=None)) is not UNAUTHORIZED


@pytest.mark.parametrize(
    "iss",
    ["https://tenant.example.auth0.com", "https://tenant.example.auth0.com//", "HTTPS://tenant.example.auth0.com/"],
)
def test_issuer_must_match_exactly(authorizer: Authorizer, keys: Keys, iss: str) -> None:
    assert authorizer.bearer(keys.rsa.sign(iss=iss)) is UNAUTHORIZED
    assert authorizer.last_reason() == "wrong_issuer"


def test_issuer_missing_its_trailing_slash_is_explained_in_the_denial_log(authorizer: Authorizer, keys: Keys) -> None:
    authorizer.bearer(keys.rsa.sign(iss=ISSUER.rstrip("/")))

    hint = authorizer.denials()[-1]["hint"]
    assert "trailing slash" in hint
    assert "TOKEN_ISSUER" in hint


def test_configured_issuer_missing_the_trailing_slash_is_explained_in_the_denial_log(
    serve_keys: Serve, keys: Keys
) -> None:
    authorizer = serve_keys(keys.rsa, token_issuer=ISSUER.rstrip("/"))

    assert authorizer.bearer(keys.rsa.sign()) is UNAUTHORIZED
    assert "trailing slash" in authorizer.denials()[-1]["hint"]


def test_unrelated_wrong_issuer_gets_no_hint(authorizer: Authorizer, keys: Keys) -> None:
    authorizer.bearer(keys.rsa.sign(iss="https://evil.example/"))

    assert "hint" not in authorizer.denials()[-1]


@pytest.mark.parametrize(
    "aud", [AUDIENCE, [AUDIENCE], ["https://tenant.example.auth0.com/userinfo", AUDIENCE], [AUDIENCE, AUDIENCE]]
)
def test_audience_string_or_array_containing_it_is_allowed(authorizer: Authorizer, keys: Keys, aud: Any) -> None:
    assert authorizer.bearer(keys.rsa.sign(aud=aud)) is not UNAUTHORIZED


@pytest.mark.parametrize(
    ("aud", "reason"),
    [
        ("https://other.example.com", "wrong_audience"),
        (["https://other.example.com"], "wrong_audience"),
        (AUDIENCE + "/", "wrong_audience"),
        ([AUDIENCE + "x"], "wrong_audience"),
        (None, "missing_claim"),
        ([], "missing_claim"),
        ("", "missing_claim"),
        (42, "wrong_audience"),
        ({"aud": AUDIENCE}, "wrong_audience"),
        ([AUDIENCE, 1], "wrong_audience"),
    ],
)
def test_audience_not_naming_this_api_is_unauthorized(
    authorizer: Authorizer, keys: Keys, aud: Any, reason: str
) -> None:
    assert authorizer.bearer(keys.rsa.sign(aud=aud)) is UNAUTHORIZED
    assert authorizer.last_reason() == reason


def test_principal_is_client_id_when_sub_is_absent(authorizer: Authorizer, keys: Keys) -> None:
    answer = authorizer.bearer(keys.rsa.sign(sub=None, azp=None, client_id="machine-7"))

    assert answer["principalId"] == "machine-7"
    assert answer["context"]["sub"] == ""


def test_token_naming_no_principal_is_unauthorized(authorizer: Authorizer, keys: Keys) -> None:
    assert authorizer.bearer(keys.rsa.sign(sub=None, azp=None)) is UNAUTHORIZED
    assert authorizer.last_reason() == "missing_claim"


# Claims of unexpected types: each is either read defensively (an Allow, with no scope made up) or a 401.
ODD_CLAIMS: list[tuple[str, dict[str, Any], str | None, str | None]] = [
    # (name, claims, expected reason or None for an Allow, expected context scope for an Allow)
    ("scope object", {"scope": {"read:messages": True}}, None, ""),
    ("scope number", {"scope": 7}, None, ""),
    ("scope null", {"scope": None}, None, ""),
    ("scope array", {"scope": ["read:messages", "write:messages"]}, None, "read:messages write:messages"),
    ("scope array of odd items", {"scope": ["a", 1, None, {"b": 2}, ["c"]]}, None, "a"),
    ("scp number", {"scp": 3.5}, None, "read:messages"),
    ("permissions string", {"permissions": "admin:everything"}, None, "read:messages"),
    ("permissions object", {"permissions": {"admin": True}}, None, "read:messages"),
    ("scope with odd whitespace", {"scope": "  a\tb\nc  "}, None, "a b c"),
    ("client_id list", {"client_id": ["x"], "azp": None}, None, "read:messages"),
    ("azp number", {"azp": 12}, None, "read:messages"),
    ("gty object", {"gty": {"x": 1}}, None, "read:messages"),
    ("numeric sub", {"sub": 12345}, "invalid_claim", None),
    ("sub object", {"sub": {"id": 1}}, "invalid_claim", None),
    ("sub empty", {"sub": "", "azp": None}, "missing_claim", None),
    ("string exp", {"exp": str(int(time.time()) + 3600)}, "invalid_claim", None),
    ("boolean exp", {"exp": True}, None, None),
    ("float exp", {"exp": time.time() + 3600.5}, None, "read:messages"),
    ("exp object", {"exp": {"at": 1}}, None, None),
    ("exp list", {"exp": [1]}, None, None),
    ("exp huge", {"exp": 10**30}, None, None),
    ("exp negative", {"exp": -1}, "expired", None),
    ("string nbf", {"nbf": "yesterday"}, None, None),
    ("nbf list", {"nbf": [0]}, None, None),
    ("string iat", {"iat": "now"}, "invalid_claim", None),
    ("iat object", {"iat": {}}, "invalid_claim", None),
    ("iss list", {"iss": [ISSUER]}, "wrong_issuer", None),
    ("iss number", {"iss": 1}, "wrong_issuer", None),
    ("token_use number", {"token_use": 1}, "wrong_token_use", None),
    ("token_use id", {"token_use": "id"}, "wrong_token_use", None),
    ("jti number", {"jti": 5}, "invalid_claim", None),
    ("deeply nested extra claim", {"extra": [[[[[[[[[[{"a": 1}]]]]]]]]]]}, None, "read:messages"),
]


@pytest.mark.parametrize(
    ("claims", "reason", "scope"), [case[1:] for case in ODD_CLAIMS], ids=[case[0] for case in ODD_CLAIMS]
)
def test_claims_of_unexpected_types_never_raise_anything_but_unauthorized(
    authorizer: Authorizer, keys: Keys, claims: dict[str, Any], reason: str | None, scope: str | None
) -> None:
    # Signed over raw JSON: PyJWT would refuse to encode some of these shapes itself.
    payload = {**standard_claims(), **claims}
    token = signed_bytes(keys.rsa, json.dumps(payload).encode())

    answer = authorizer.bearer(token)

    if answer is UNAUTHORIZED:
        assert reason is None or authorizer.last_reason() == reason
        assert authorizer.last_reason() != "internal_error"
        assert scope is None, "a token expected to be allowed was refused"
    else:
        assert reason is None, f"expected a 401 ({reason})"
        assert all(isinstance(value, str) for value in answer["context"].values())
        if scope is not None:
            assert answer["context"]["scope"] == scope


def test_repeated_token_is_still_refused_once_expired(serve_keys: Serve, keys: Keys) -> None:
    """The verified-token cache never answers for a token past its exp (with no skew)."""
    authorizer = serve_keys(keys.rsa, clock_skew_seconds=0)
    token = unique(keys.rsa, exp=int(time.time()) + 2)
    assert authorizer.bearer(token) is not UNAUTHORIZED

    time.sleep(2.2)

    assert authorizer.bearer(token) is UNAUTHORIZED
    assert authorizer.last_reason() == "expired"
