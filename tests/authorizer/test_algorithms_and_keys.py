"""Which algorithms and keys may verify a token: the allow-list, the key's shape, the JWKS only."""

from __future__ import annotations

import base64
import json

import jwt
import jwt.warnings
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from tests.authorizer.conftest import AuthorizerFactory, Keys
from tests.authorizer.forge import compact, hmac_signed
from tests.authorizer.harness import UNAUTHORIZED, Authorizer
from tests.support.jwks_server import JwksServer
from tests.support.keys import AUDIENCE, ISSUER, SigningKey, jwks, standard_claims

pytestmark = pytest.mark.integration

ALL_ALGORITHMS = ("RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA")


def authorizer_for(
    server: JwksServer, make_authorizer: AuthorizerFactory, *published: SigningKey | dict, **settings: str
) -> Authorizer:
    server.documents["/jwks"] = jwks(*published)
    return make_authorizer(token_issuer=ISSUER, audience=AUDIENCE, jwks_uri=server.url("/jwks"), **settings)


@pytest.mark.parametrize("alg", ALL_ALGORITHMS)
def test_each_supported_algorithm_is_allowed_when_listed(
    jwks_server: JwksServer, keys: Keys, make_authorizer: AuthorizerFactory, alg: str
) -> None:
    key = keys.by_alg[alg]
    authorizer = authorizer_for(jwks_server, make_authorizer, key, algorithms=alg)

    assert authorizer.bearer(key.sign())["context"]["scope"] == "read:messages"


@pytest.mark.parametrize("alg", [alg for alg in ALL_ALGORITHMS if alg != "RS256"])
def test_algorithm_not_listed_is_refused_before_any_key_lookup(
    jwks_server: JwksServer, keys: Keys, make_authorizer: AuthorizerFactory, alg: str
) -> None:
    key = keys.by_alg[alg]
    authorizer = authorizer_for(jwks_server, make_authorizer, key)  # ALGORITHMS defaults to RS256

    assert authorizer.bearer(key.sign()) is UNAUTHORIZED
    assert authorizer.last_reason() == "alg_not_allowed"
    assert jwks_server.count("/jwks") == 0


def test_several_algorithms_may_be_listed_at_once(
    jwks_server: JwksServer, keys: Keys, make_authorizer: AuthorizerFactory
) -> None:
    listed = ("RS256", "PS384", "ES256", "EdDSA")
    authorizer = authorizer_for(
        jwks_server, make_authorizer, *(keys.by_alg[alg] for alg in listed), algorithms=" , ".join(listed)
    )

    for alg in listed:
        assert authorizer.bearer(keys.by_alg[alg].sign()) is not UNAUTHORIZED
    assert authorizer.bearer(keys.by_alg["ES384"].sign()) is UNAUTHORIZED


@pytest.mark.parametrize(
    "header",
    [
        {"alg": "none"},
        {"alg": "None"},
        {"alg": "NONE"},
        {"alg": "HS256"},
        {"alg": "HS384"},
        {"alg": "HS512"},
        {"alg": "RSA-OAEP"},
        {"alg": "XS256"},
        {"alg": ""},
        {"alg": None},
        {"alg": ["RS256"]},
        {"typ": "JWT"},
    ],
    ids=lambda header: repr(header.get("alg", "absent")),
)
def test_none_hmac_and_unknown_algorithms_are_refused_before_any_key_lookup(
    jwks_server: JwksServer, keys: Keys, make_authorizer: AuthorizerFactory, header: dict
) -> None:
    authorizer = authorizer_for(jwks_server, make_authorizer, keys.rsa, algorithms="RS256,ES256,EdDSA")
    token = compact({**header, "kid": keys.rsa.kid}, standard_claims(), signature="c2lnbmF0dXJl")

    assert authorizer.bearer(token) is UNAUTHORIZED
    assert authorizer.last_reason() == "alg_not_allowed"
    assert sum(jwks_server.hits.values()) == 0


@pytest.mark.parametrize("form", ["pem", "der", "modulus", "jwk_json"])
def test_hmac_keyed_with_the_published_public_key_is_refused_before_any_key_lookup(
    jwks_server: JwksServer, keys: Keys, make_authorizer: AuthorizerFactory, form: str
) -> None:
    authorizer = authorizer_for(jwks_server, make_authorizer, keys.rsa)
    public = keys.rsa.private_key.public_key()
    secret = {
        "pem": public.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo),
        "der": public.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo),
        "modulus": public.public_numbers().n.to_bytes(256, "big"),
        "jwk_json": json.dumps(keys.rsa.jwk()).encode(),
    }[form]

    assert (
        authorizer.bearer(hmac_signed({"kid": keys.rsa.kid, "typ": "JWT"}, standard_claims(), secret)) is UNAUTHORIZED
    )
    assert authorizer.last_reason() == "alg_not_allowed"
    assert jwks_server.count("/jwks") == 0


def test_alg_must_fit_the_key_type(jwks_server: JwksServer, keys: Keys, make_authorizer: AuthorizerFactory) -> None:
    rsa_key, ec_key = keys.rsa, keys.by_alg["ES256"]
    authorizer = authorizer_for(jwks_server, make_authorizer, rsa_key, ec_key, algorithms="RS256,ES256")

    # Header says ES256 but names the RSA key; then RS256 naming the EC key.
    es256_naming_rsa = SigningKey(alg="ES256", private_key=ec_key.private_key, kid=rsa_key.kid).sign()
    rs256_naming_ec = SigningKey(alg="RS256", private_key=rsa_key.private_key, kid=ec_key.kid).sign()

    assert authorizer.bearer(es256_naming_rsa) is UNAUTHORIZED
    assert authorizer.last_reason() == "key_mismatch"
    assert authorizer.bearer(rs256_naming_ec) is UNAUTHORIZED
    assert authorizer.last_reason() == "key_mismatch"


def test_alg_must_fit_the_curve(jwks_server: JwksServer, keys: Keys, make_authorizer: AuthorizerFactory) -> None:
    # A P-384 key published without alg: it can verify ES384, never ES256.
    p384 = keys.by_alg["ES384"]
    without_alg = {name: value for name, value in p384.jwk().items() if name != "alg"}
    authorizer = authorizer_for(jwks_server, make_authorizer, without_alg, algorithms="ES256,ES384")
    es256_naming_p384 = SigningKey(alg="ES256", private_key=keys.by_alg["ES256"].private_key, kid=p384.kid).sign()

    assert authorizer.bearer(es256_naming_p384) is UNAUTHORIZED
    assert authorizer.last_reason() == "key_mismatch"
    assert authorizer.bearer(p384.sign()) is not UNAUTHORIZED


def test_alg_must_equal_the_jwk_alg_when_the_jwk_has_one(
    jwks_server: JwksServer, keys: Keys, make_authorizer: AuthorizerFactory
) -> None:
    # The RSA key is published for PS256 only: an RS256 signature by the same key is refused.
    authorizer = authorizer_for(jwks_server, make_authorizer, keys.rsa.jwk(alg="PS256"), algorithms="RS256,PS256")
    as_ps256 = SigningKey(alg="PS256", private_key=keys.rsa.private_key, kid=keys.rsa.kid)

    assert authorizer.bearer(keys.rsa.sign()) is UNAUTHORIZED
    assert authorizer.last_reason() == "key_mismatch"
    assert authorizer.bearer(as_ps256.sign()) is not UNAUTHORIZED


def test_rsa_key_shorter_than_2048_bits_is_never_used(
    jwks_server: JwksServer, make_authorizer: AuthorizerFactory
) -> None:
    weak = SigningKey(
        alg="RS256",
        private_key=rsa.generate_private_key(public_exponent=65537, key_size=1024),  # noqa: S505 (the point)
        kid="weak-1024",
    )
    authorizer = authorizer_for(jwks_server, make_authorizer, weak)

    with pytest.warns(jwt.warnings.InsecureKeyLengthWarning):
        token = weak.sign()

    assert authorizer.bearer(token) is UNAUTHORIZED
    assert authorizer.last_reason() == "key_mismatch"


@pytest.mark.parametrize("parameter", ["jku", "x5u", "jwk", "x5c"])
def test_key_location_headers_are_never_followed_nor_used(
    jwks_server: JwksServer,
    trap_server: JwksServer,
    keys: Keys,
    make_authorizer: AuthorizerFactory,
    parameter: str,
) -> None:
    attacker = keys.rsa_foreign
    trap_server.documents["/keys"] = jwks(attacker)
    value = {
        "jku": trap_server.url("/keys"),
        "x5u": trap_server.url("/cert.pem"),
        "jwk": attacker.jwk(),
        "x5c": [base64.b64encode(b"not really a certificate").decode()],
    }[parameter]
    authorizer = authorizer_for(jwks_server, make_authorizer, keys.rsa)

    # With the attacker's own kid, and with the trusted kid.
    for kid in (attacker.kid, keys.rsa.kid):
        token = attacker.sign(headers={parameter: value, "kid": kid})
        assert authorizer.bearer(token) is UNAUTHORIZED
    assert [record["reason"] for record in authorizer.denials()] == ["unknown_kid", "bad_signature"]
    assert sum(trap_server.hits.values()) == 0


@pytest.mark.parametrize(
    "extension",
    [
        {"crit": ["exp"], "exp": 1},
        {"crit": ["http://example.com/unknown"], "http://example.com/unknown": True},
        {"crit": ["b64"], "b64": True},
        {"crit": ["b64"]},
        {"crit": []},
        {"crit": "b64"},
        {"crit": [1]},
    ],
    ids=repr,
)
def test_crit_header_is_refused(
    jwks_server: JwksServer, keys: Keys, make_authorizer: AuthorizerFactory, extension: dict
) -> None:
    authorizer = authorizer_for(jwks_server, make_authorizer, keys.rsa)
    token = keys.rsa.sign(headers=extension)

    assert authorizer.bearer(token) is UNAUTHORIZED
    assert authorizer.last_reason() == "unsupported_crit"


def test_encryption_keys_in_the_jwks_are_ignored(
    jwks_server: JwksServer, keys: Keys, make_authorizer: AuthorizerFactory
) -> None:
    enc_by_use, enc_by_ops = keys.rsa_foreign, keys.rsa_rotated
    ops_only = {name: value for name, value in enc_by_ops.jwk(key_ops=["encrypt"]).items() if name != "use"}
    authorizer = authorizer_for(jwks_server, make_authorizer, keys.rsa, enc_by_use.jwk(use="enc"), ops_only)

    assert authorizer.bearer(enc_by_use.sign()) is UNAUTHORIZED
    assert authorizer.last_reason() == "unknown_kid"
    assert authorizer.bearer(enc_by_ops.sign()) is UNAUTHORIZED
    assert authorizer.last_reason() == "unknown_kid"
    # Only one signing key remains, so even a token without kid is unambiguous.
    assert authorizer.bearer(keys.rsa.sign(include_kid=False)) is not UNAUTHORIZED


def test_token_without_kid_is_allowed_when_the_jwks_holds_exactly_one_signing_key(
    jwks_server: JwksServer, keys: Keys, make_authorizer: AuthorizerFactory
) -> None:
    authorizer = authorizer_for(jwks_server, make_authorizer, keys.rsa)

    assert authorizer.bearer(keys.rsa.sign(include_kid=False)) is not UNAUTHORIZED


def test_token_without_kid_is_unauthorized_when_the_jwks_holds_several_signing_keys(
    jwks_server: JwksServer, keys: Keys, make_authorizer: AuthorizerFactory
) -> None:
    authorizer = authorizer_for(jwks_server, make_authorizer, keys.rsa, keys.rsa_rotated)

    assert authorizer.bearer(keys.rsa.sign(include_kid=False)) is UNAUTHORIZED
    assert authorizer.last_reason() == "missing_kid"


def test_jwk_without_kid_verifies_only_tokens_without_kid(
    jwks_server: JwksServer, keys: Keys, make_authorizer: AuthorizerFactory
) -> None:
    jwk = {k: v for k, v in keys.rsa.jwk().items() if k != "kid"}
    authorizer = authorizer_for(jwks_server, make_authorizer, jwk)

    assert authorizer.bearer(keys.rsa.sign(include_kid=False)) is not UNAUTHORIZED
    assert authorizer.bearer(keys.rsa.sign()) is UNAUTHORIZED
    assert authorizer.last_reason() == "unknown_kid"


@pytest.mark.parametrize("algorithms", ["HS256", "none", "RS256,HS256", "rs256", " , "])
def test_unsafe_or_unknown_algorithms_setting_refuses_every_token(
    jwks_server: JwksServer, keys: Keys, make_authorizer: AuthorizerFactory, algorithms: str
) -> None:
    authorizer = authorizer_for(jwks_server, make_authorizer, keys.rsa, algorithms=algorithms)

    answer = authorizer.bearer(keys.rsa.sign())

    if algorithms.strip(" ,"):
        assert answer is UNAUTHORIZED
        assert authorizer.last_reason() == "configuration_error"
    else:  # an empty list falls back to the default, RS256
        assert answer is not UNAUTHORIZED


def test_rsa_public_key_from_the_jwks_is_the_only_verifier(
    jwks_server: JwksServer, keys: Keys, make_authorizer: AuthorizerFactory
) -> None:
    """A token signed by a key the JWKS does not publish, reusing the published kid, is refused."""
    authorizer = authorizer_for(jwks_server, make_authorizer, keys.rsa)
    impostor = SigningKey(alg="RS256", private_key=keys.rsa_foreign.private_key, kid=keys.rsa.kid)
    public_numbers = RSAAlgorithm.to_jwk(keys.rsa.private_key.public_key(), as_dict=True)

    assert authorizer.bearer(impostor.sign(headers={"jwk": public_numbers})) is UNAUTHORIZED
    assert authorizer.last_reason() == "bad_signature"
