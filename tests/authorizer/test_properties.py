"""Property-based tests of the entry point: whatever arrives, the answer is an Allow or exactly a 401."""

from __future__ import annotations

import json
import string
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jwt_authorizer import DenyReason
from tests.authorizer.conftest import Keys
from tests.authorizer.forge import b64url, compact, signed_bytes
from tests.authorizer.harness import UNAUTHORIZED, Authorizer
from tests.support.keys import standard_claims

pytestmark = pytest.mark.integration

# One warm container serves every example, as in production; examples are kept few enough for the
# whole tests/authorizer run to stay well under a minute and a half.
PROPERTY = settings(
    max_examples=100,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
REASONS = {reason.value for reason in DenyReason} - {"internal_error", "configuration_error"}

json_scalars = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20)
json_values = st.recursive(
    json_scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=12,
)
claim_names = st.sampled_from(
    ["iss", "sub", "aud", "exp", "nbf", "iat", "jti", "scope", "scp", "permissions", "client_id", "azp", "token_use"]
)
base64url_text = st.text(alphabet=string.ascii_letters + string.digits + "-_.", max_size=200)


@pytest.fixture
def authorizer(serve_keys: Any, keys: Keys) -> Authorizer:
    return serve_keys(keys.rsa)


def strings_in(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [text for item in value for text in strings_in(item)]
    return []


def assert_refused_for_a_known_reason(authorizer: Authorizer, answer: Any) -> None:
    assert answer is UNAUTHORIZED
    assert authorizer.last_reason() in REASONS


@PROPERTY
@given(prefix=st.text(max_size=40), suffix=st.text(max_size=40), with_token=st.booleans())
def test_any_authorization_string_is_an_allow_exactly_when_it_carries_the_valid_token(
    authorizer: Authorizer, keys: Keys, prefix: str, suffix: str, with_token: bool
) -> None:
    token = keys.rsa.sign()
    value = prefix + (token if with_token else "") + suffix
    parts = value.split()
    carries_it = len(parts) == 2 and parts[0].lower() == "bearer" and parts[1] == token

    answer = authorizer.decide(value)

    if carries_it:
        assert answer is not UNAUTHORIZED
        assert answer["principalId"] == "m2m-client@clients"
    else:
        assert_refused_for_a_known_reason(authorizer, answer)


@PROPERTY
@given(value=st.text(max_size=300) | st.builds("Bearer {}".format, base64url_text))
def test_any_string_is_unauthorized_never_an_error(authorizer: Authorizer, value: str) -> None:
    assert_refused_for_a_known_reason(authorizer, authorizer.decide(value))


@PROPERTY
@given(scheme=st.sampled_from(["Bearer", "bearer", "BEARER", "bEaReR"]), gap=st.text(" \t", min_size=1, max_size=3))
def test_valid_token_is_allowed_whatever_the_case_of_the_scheme_and_the_spacing(
    authorizer: Authorizer, keys: Keys, scheme: str, gap: str
) -> None:
    assert authorizer.decide(f"{scheme}{gap}{keys.rsa.sign()}{gap}") is not UNAUTHORIZED


@PROPERTY
@given(header=json_values, payload=json_values, signature=st.binary(max_size=300))
def test_arbitrary_json_segments_are_unauthorized(
    authorizer: Authorizer, header: Any, payload: Any, signature: bytes
) -> None:
    token = compact(header, payload, b64url(signature))

    assert_refused_for_a_known_reason(authorizer, authorizer.bearer(token))


@PROPERTY
@given(header=st.dictionaries(st.sampled_from(["alg", "kid", "typ", "crit", "jku", "jwk", "x5c", "cty"]), json_values))
def test_arbitrary_header_over_a_valid_payload_and_signature_is_unauthorized(
    authorizer: Authorizer, keys: Keys, header: dict[str, Any]
) -> None:
    _, payload, signature = keys.rsa.sign().split(".")
    token = f"{b64url(json.dumps(header).encode())}.{payload}.{signature}"

    answer = authorizer.bearer(token)

    assert_refused_for_a_known_reason(authorizer, answer)


@PROPERTY
@given(changes=st.dictionaries(claim_names | st.text(max_size=10), json_values, max_size=6))
def test_validly_signed_arbitrary_claims_are_an_allow_or_unauthorized(
    authorizer: Authorizer, keys: Keys, changes: dict[str, Any]
) -> None:
    claims = {**standard_claims(), **changes}
    token = signed_bytes(keys.rsa, json.dumps(claims).encode())

    answer = authorizer.bearer(token)

    if answer is UNAUTHORIZED:
        assert authorizer.last_reason() in REASONS
    else:
        assert isinstance(answer["principalId"], str) and answer["principalId"]
        assert all(isinstance(value, str) for value in answer["context"].values())
        # Nothing but the issuer's own claims may grant a scope.
        granted = set(answer["context"]["scope"].split())
        offered = set(" ".join(strings_in([claims.get(name) for name in ("scope", "scp", "permissions")])).split())
        assert granted <= offered
