"""Tokens shaped like each major issuer's are accepted, with the right scopes; the JWKS is found by discovery."""

from __future__ import annotations

import time
from typing import Any

import jwt
import pytest

from tests.authorizer.conftest import AuthorizerFactory, Keys
from tests.authorizer.harness import UNAUTHORIZED, Authorizer
from tests.support.jwks_server import JwksServer
from tests.support.keys import AUDIENCE, ISSUER, SigningKey, jwks

pytestmark = pytest.mark.integration


def publish_issuer(server: JwksServer, prefix: str, jwks_path: str, *keys: SigningKey | dict[str, Any]) -> str:
    """Serve an OpenID discovery document for the issuer `base_url + prefix`, its JWKS at `jwks_path`."""
    issuer = server.url(prefix)
    discovery = issuer.rstrip("/") + "/.well-known/openid-configuration"
    server.documents[discovery.removeprefix(server.base_url)] = {
        "issuer": issuer,
        "jwks_uri": server.url(jwks_path),
        "id_token_signing_alg_values_supported": ["RS256"],
    }
    server.documents[jwks_path] = jwks(*keys)
    return issuer


def claims_at(now: float | None = None, **claims: Any) -> dict[str, Any]:
    """A token's claims with only `iat`/`exp` preset: each test states the issuer's own shape."""
    now = time.time() if now is None else now
    return {"iat": int(now), "exp": int(now) + 3600, **claims}


def sign(key: SigningKey, claims: dict[str, Any], **headers: Any) -> str:
    """`claims` exactly as given (no Auth0 defaults), signed by `key` with its kid."""
    return jwt.encode(claims, key.private_key, algorithm=key.alg, headers={"kid": key.kid, **headers})


# --- Auth0 -----------------------------------------------------------------------------------------


def test_auth0_token_with_string_audience_is_allowed_with_its_scopes(auth0: Authorizer, keys: Keys) -> None:
    token = keys.rsa.sign(scope="read:messages write:messages")

    answer = auth0.bearer(token)

    assert answer["principalId"] == "m2m-client@clients"
    assert answer["context"] == {
        "scope": "read:messages write:messages",
        "sub": "m2m-client@clients",
        "client_id": "m2m-client",
    }


def test_auth0_user_token_with_userinfo_audience_array_and_rbac_permissions_is_allowed(
    auth0: Authorizer, keys: Keys
) -> None:
    token = keys.rsa.sign(
        sub="auth0|64f0c0ffee",
        aud=[AUDIENCE, "https://tenant.example.auth0.com/userinfo"],
        scope="openid profile email read:messages",
        permissions=["read:messages", "delete:messages"],
        azp="spa-client-id",
        gty=None,
    )

    answer = auth0.bearer(token)

    assert answer["principalId"] == "auth0|64f0c0ffee"
    assert answer["context"]["scope"] == "openid profile email read:messages delete:messages"
    assert answer["context"]["client_id"] == "spa-client-id"


def test_auth0_discovery_at_the_tenant_root_finds_the_jwks(
    jwks_server: JwksServer, keys: Keys, make_authorizer: AuthorizerFactory
) -> None:
    issuer = publish_issuer(jwks_server, "/", "/.well-known/jwks.json", keys.rsa)
    authorizer = make_authorizer(token_issuer=issuer, audience=AUDIENCE)

    answer = authorizer.bearer(keys.rsa.sign(iss=issuer, gty="client-credentials"))

    assert answer["context"]["scope"] == "read:messages"
    assert jwks_server.count("/.well-known/openid-configuration") == 1


# --- Okta, Entra ID, Keycloak: JWKS at their own paths, found by discovery alone --------------------


def test_okta_token_with_scp_array_is_allowed_via_discovery(
    jwks_server: JwksServer, keys: Keys, make_authorizer: AuthorizerFactory
) -> None:
    issuer = publish_issuer(jwks_server, "/oauth2/default", "/oauth2/default/v1/keys", keys.rsa)
    authorizer = make_authorizer(token_issuer=issuer, audience="api://default")
    token = sign(
        keys.rsa,
        claims_at(
            ver=1,
            jti="AT.okta-jti",
            iss=issuer,
            aud="api://default",
            cid="0oa1okta2client",
            uid="00u1okta2user",
            sub="alice@example.com",
            scp=["read:messages", "openid"],
        ),
    )

    answer = authorizer.bearer(token)

    assert answer["principalId"] == "alice@example.com"
    assert answer["context"]["scope"] == "read:messages openid"
    assert jwks_server.count("/.well-known/jwks.json") == 0


def test_entra_id_token_with_scp_string_is_allowed_via_discovery(
    jwks_server: JwksServer, keys: Keys, make_authorizer: AuthorizerFactory
) -> None:
    tenant = "72f988bf-86f1-41af-91ab-2d7cd011db47"
    issuer = publish_issuer(jwks_server, f"/{tenant}/v2.0", f"/{tenant}/discovery/v2.0/keys", keys.rsa)
    api_client_id = "6e74172b-be56-4843-9ff4-e66a39bb12e3"
    authorizer = make_authorizer(token_issuer=issuer, audience=api_client_id)
    token = sign(
        keys.rsa,
        claims_at(
            iss=issuer,
            aud=api_client_id,
            azp="a3f1c2d4-caller-app",
            oid="690222be-ff1a-4d56-abd1-7e4f7d38e474",
            sub="AAAAAAAAAAAAAAAAAAAAAIkzqFVrSaSaFHy782bbtaQ",
            tid=tenant,
            scp="Messages.Read User.Read",
            ver="2.0",
        ),
    )

    answer = authorizer.bearer(token)

    assert answer["context"]["scope"] == "Messages.Read User.Read"
    assert answer["context"]["client_id"] == "a3f1c2d4-caller-app"


def test_keycloak_token_with_scope_string_is_allowed_via_discovery(
    jwks_server: JwksServer, keys: Keys, make_authorizer: AuthorizerFactory
) -> None:
    issuer = publish_issuer(jwks_server, "/realms/demo", "/realms/demo/protocol/openid-connect/certs", keys.rsa)
    authorizer = make_authorizer(token_issuer=issuer, audience="messages-api")
    token = sign(
        keys.rsa,
        claims_at(
            iss=issuer,
            aud=["messages-api", "account"],
            sub="f1b2c3d4-0000-4000-8000-keycloakuser",
            typ="Bearer",
            azp="web-app",
            scope="openid profile email read:messages",
            realm_access={"roles": ["offline_access"]},
            preferred_username="alice",
        ),
    )

    answer = authorizer.bearer(token)

    assert answer["context"]["scope"] == "openid profile email read:messages"


# --- Cognito: no aud; client_id checked against ALLOWED_CLIENT_IDS --------------------------------------


@pytest.fixture
def cognito(jwks_server: JwksServer, keys: Keys, make_authorizer: AuthorizerFactory) -> tuple[Authorizer, str]:
    issuer = publish_issuer(jwks_server, "/us-east-1_AbCdEf123", "/us-east-1_AbCdEf123/.well-known/jwks.json", keys.rsa)
    authorizer = make_authorizer(token_issuer=issuer, audience="", allowed_client_ids="7abc1cognito2client, other")
    return authorizer, issuer


def cognito_access_claims(issuer: str, **overrides: Any) -> dict[str, Any]:
    return claims_at(
        iss=issuer,
        sub="4c1d7f2e-cognito-user",
        token_use="access",
        scope="messages/read aws.cognito.signin.user.admin",
        auth_time=int(time.time()),
        client_id="7abc1cognito2client",
        username="alice",
        jti="cognito-jti",
        origin_jti="cognito-origin-jti",
        event_id="cognito-event",
        version=2,
        **overrides,
    )


def test_cognito_access_token_without_aud_is_allowed_by_client_id(cognito: tuple[Authorizer, str], keys: Keys) -> None:
    authorizer, issuer = cognito

    answer = authorizer.bearer(sign(keys.rsa, cognito_access_claims(issuer)))

    assert answer["principalId"] == "4c1d7f2e-cognito-user"
    assert answer["context"]["scope"] == "messages/read aws.cognito.signin.user.admin"
    assert answer["context"]["client_id"] == "7abc1cognito2client"


def test_cognito_machine_token_without_sub_uses_client_id_as_principal(
    cognito: tuple[Authorizer, str], keys: Keys
) -> None:
    authorizer, issuer = cognito
    claims = cognito_access_claims(issuer)
    del claims["sub"], claims["username"]

    answer = authorizer.bearer(sign(keys.rsa, claims))

    assert answer["principalId"] == "7abc1cognito2client"


def test_cognito_access_token_from_another_client_is_unauthorized(cognito: tuple[Authorizer, str], keys: Keys) -> None:
    authorizer, issuer = cognito
    claims = {**cognito_access_claims(issuer), "client_id": "someone-else"}

    assert authorizer.bearer(sign(keys.rsa, claims)) is UNAUTHORIZED
    assert authorizer.last_reason() == "client_not_allowed"


def test_cognito_id_token_is_unauthorized(cognito: tuple[Authorizer, str], keys: Keys) -> None:
    authorizer, issuer = cognito
    id_token = sign(
        keys.rsa,
        claims_at(
            iss=issuer,
            sub="4c1d7f2e-cognito-user",
            aud="7abc1cognito2client",
            token_use="id",
            email="alice@example.com",
            auth_time=int(time.time()),
        ),
    )

    assert authorizer.bearer(id_token) is UNAUTHORIZED
    assert authorizer.last_reason() == "wrong_token_use"


# --- RFC 9068 -------------------------------------------------------------------------------------------


def rfc9068_claims() -> dict[str, Any]:
    return claims_at(
        iss=ISSUER, aud=AUDIENCE, sub="5ba552d67", client_id="s6BhdRkqt3", jti="dbe39bf3", scope="read:messages"
    )


@pytest.mark.parametrize("typ", ["at+jwt", "application/at+jwt", "AT+JWT"])
def test_rfc9068_token_is_allowed_when_required_typ_is_set(
    jwks_server: JwksServer, keys: Keys, make_authorizer: AuthorizerFactory, typ: str
) -> None:
    jwks_server.documents["/jwks"] = jwks(keys.rsa)
    authorizer = make_authorizer(
        token_issuer=ISSUER, audience=AUDIENCE, jwks_uri=jwks_server.url("/jwks"), required_typ="at+jwt"
    )

    answer = authorizer.bearer(sign(keys.rsa, rfc9068_claims(), typ=typ))

    assert answer["principalId"] == "5ba552d67"
    assert answer["context"]["scope"] == "read:messages"


@pytest.mark.parametrize("typ", ["JWT", None, "id+jwt", "at+jwt+extra"])
def test_token_without_at_jwt_typ_is_unauthorized_when_required_typ_is_set(
    jwks_server: JwksServer, keys: Keys, make_authorizer: AuthorizerFactory, typ: str | None
) -> None:
    jwks_server.documents["/jwks"] = jwks(keys.rsa)
    authorizer = make_authorizer(
        token_issuer=ISSUER, audience=AUDIENCE, jwks_uri=jwks_server.url("/jwks"), required_typ="at+jwt"
    )
    # typ=None drops the header parameter altogether.
    token = sign(keys.rsa, rfc9068_claims(), typ=typ)

    assert authorizer.bearer(token) is UNAUTHORIZED
    assert authorizer.last_reason() == "wrong_typ"


def test_rfc9068_token_is_allowed_without_required_typ(auth0: Authorizer, keys: Keys) -> None:
    assert auth0.bearer(sign(keys.rsa, rfc9068_claims(), typ="at+jwt"))["context"]["client_id"] == "s6BhdRkqt3"


# --- Discovery ----------------------------------------------------------------------------------------------


def test_discovery_is_fetched_once_per_container_while_the_jwks_is_refetched(
    jwks_server: JwksServer, keys: Keys, make_authorizer: AuthorizerFactory
) -> None:
    issuer = publish_issuer(jwks_server, "/tenant", "/tenant/keys/v3", keys.rsa)
    authorizer = make_authorizer(token_issuer=issuer, audience=AUDIENCE, jwks_cooldown_seconds="0.05")

    for round_ in range(4):
        assert authorizer.bearer(keys.rsa.sign(iss=issuer)) is not UNAUTHORIZED
        assert authorizer.bearer(keys.rsa.sign(iss=issuer, headers={"kid": f"unknown-{round_}"})) is UNAUTHORIZED
        time.sleep(0.06)

    assert jwks_server.count("/tenant/.well-known/openid-configuration") == 1
    assert jwks_server.count("/tenant/keys/v3") >= 3
    assert jwks_server.count("/tenant/.well-known/jwks.json") == 0


def test_discovery_is_fetched_again_by_a_new_container(
    jwks_server: JwksServer, keys: Keys, make_authorizer: AuthorizerFactory
) -> None:
    issuer = publish_issuer(jwks_server, "/tenant", "/tenant/keys/v3", keys.rsa)
    for _ in range(2):
        authorizer = make_authorizer(token_issuer=issuer, audience=AUDIENCE)
        assert authorizer.bearer(keys.rsa.sign(iss=issuer)) is not UNAUTHORIZED

    assert jwks_server.count("/tenant/.well-known/openid-configuration") == 2


def test_well_known_jwks_is_the_fallback_only_when_discovery_is_unavailable(
    jwks_server: JwksServer, keys: Keys, make_authorizer: AuthorizerFactory
) -> None:
    # No discovery document at all (404): the Auth0 location is the fallback.
    jwks_server.documents["/.well-known/jwks.json"] = jwks(keys.rsa)
    issuer = jwks_server.url("/")
    authorizer = make_authorizer(token_issuer=issuer, audience=AUDIENCE)

    assert authorizer.bearer(keys.rsa.sign(iss=issuer)) is not UNAUTHORIZED
    assert jwks_server.count("/.well-known/openid-configuration") == 1
    assert jwks_server.count("/.well-known/jwks.json") == 1


def test_discovery_answering_json_that_is_no_document_is_refused_without_fallback(
    jwks_server: JwksServer, keys: Keys, make_authorizer: AuthorizerFactory
) -> None:
    issuer = jwks_server.url("/")
    jwks_server.documents["/.well-known/jwks.json"] = jwks(keys.rsa)
    jwks_server.documents["/.well-known/openid-configuration"] = "<html>maintenance</html>"  # JSON, not an object
    authorizer = make_authorizer(token_issuer=issuer, audience=AUDIENCE)

    assert authorizer.bearer(keys.rsa.sign(iss=issuer)) is UNAUTHORIZED
    assert authorizer.last_reason() == "jwks_unavailable"
    assert jwks_server.count("/.well-known/jwks.json") == 0


def test_working_discovery_is_never_second_guessed_by_the_fallback(
    jwks_server: JwksServer, keys: Keys, make_authorizer: AuthorizerFactory
) -> None:
    # Discovery names a JWKS that is missing; an attacker-planted /.well-known/jwks.json must not be used.
    issuer = publish_issuer(jwks_server, "/", "/keys/v2", keys.rsa)
    del jwks_server.documents["/keys/v2"]
    jwks_server.documents["/.well-known/jwks.json"] = jwks(keys.rsa_foreign)
    authorizer = make_authorizer(token_issuer=issuer, audience=AUDIENCE)

    assert authorizer.bearer(keys.rsa_foreign.sign(iss=issuer)) is UNAUTHORIZED
    assert authorizer.last_reason() == "jwks_unavailable"
    assert jwks_server.count("/.well-known/jwks.json") == 0


def test_discovery_document_naming_another_issuer_is_not_trusted(
    jwks_server: JwksServer, keys: Keys, make_authorizer: AuthorizerFactory
) -> None:
    issuer = publish_issuer(jwks_server, "/tenant", "/tenant/keys", keys.rsa)
    jwks_server.documents["/tenant/.well-known/openid-configuration"]["issuer"] = "https://evil.example/"
    authorizer = make_authorizer(token_issuer=issuer, audience=AUDIENCE)

    assert authorizer.bearer(keys.rsa.sign(iss=issuer)) is UNAUTHORIZED
    assert authorizer.last_reason() == "jwks_unavailable"
    assert jwks_server.count("/tenant/keys") == 0


# --- Several issuers --------------------------------------------------------------------------------------


@pytest.fixture
def two_issuers(jwks_server: JwksServer, keys: Keys, make_authorizer: AuthorizerFactory) -> tuple[Authorizer, str, str]:
    # Both JWKS hold a key with the same kid: only the issuer's own key may verify its tokens.
    key_a = keys.rsa
    key_b = SigningKey(alg="RS256", private_key=keys.rsa_second_issuer.private_key, kid=key_a.kid)
    issuer_a = publish_issuer(jwks_server, "/a/", "/a/keys", key_a)
    issuer_b = publish_issuer(jwks_server, "/b/", "/b/keys", key_b, keys.rsa_second_issuer)
    authorizer = make_authorizer(token_issuer=f"{issuer_a}, {issuer_b}", audience=AUDIENCE)
    return authorizer, issuer_a, issuer_b


def test_each_of_several_issuers_is_allowed_with_its_own_keys(
    two_issuers: tuple[Authorizer, str, str], keys: Keys
) -> None:
    authorizer, issuer_a, issuer_b = two_issuers

    assert authorizer.bearer(keys.rsa.sign(iss=issuer_a))["context"]["scope"] == "read:messages"
    assert authorizer.bearer(keys.rsa_second_issuer.sign(iss=issuer_b, scope="b:read"))["context"]["scope"] == "b:read"


def test_issuer_a_key_never_verifies_a_token_claiming_issuer_b(
    two_issuers: tuple[Authorizer, str, str], keys: Keys
) -> None:
    authorizer, _, issuer_b = two_issuers

    # Same kid in both key sets, signed by A, claiming B.
    assert authorizer.bearer(keys.rsa.sign(iss=issuer_b)) is UNAUTHORIZED
    assert authorizer.last_reason() == "bad_signature"
    # A kid only A publishes, claiming B.
    only_a = SigningKey(alg="RS256", private_key=keys.rsa.private_key, kid="only-in-a")
    assert authorizer.bearer(only_a.sign(iss=issuer_b)) is UNAUTHORIZED
    assert authorizer.last_reason() == "unknown_kid"


def test_token_claiming_an_unconfigured_issuer_is_unauthorized_without_any_fetch(
    jwks_server: JwksServer, two_issuers: tuple[Authorizer, str, str], keys: Keys
) -> None:
    authorizer, _, _ = two_issuers

    assert authorizer.bearer(keys.rsa.sign(iss="https://evil.example/")) is UNAUTHORIZED
    assert authorizer.last_reason() == "wrong_issuer"
    assert sum(jwks_server.hits.values()) == 0


def test_several_issuers_with_a_jwks_uri_each_use_only_their_own(
    jwks_server: JwksServer, keys: Keys, make_authorizer: AuthorizerFactory
) -> None:
    jwks_server.documents["/a/keys"] = jwks(keys.rsa)
    jwks_server.documents["/b/keys"] = jwks(keys.rsa_second_issuer)
    issuer_b = "https://b.example.com/"
    authorizer = make_authorizer(
        token_issuer=f"{ISSUER},{issuer_b}",
        audience=AUDIENCE,
        jwks_uri=f"{jwks_server.url('/a/keys')},{jwks_server.url('/b/keys')}",
    )

    assert authorizer.bearer(keys.rsa.sign()) is not UNAUTHORIZED
    assert authorizer.bearer(keys.rsa_second_issuer.sign(iss=issuer_b)) is not UNAUTHORIZED
    assert authorizer.bearer(keys.rsa_second_issuer.sign()) is UNAUTHORIZED  # B's key, claiming A
    assert authorizer.last_reason() == "unknown_kid"
    assert (jwks_server.count("/a/keys"), jwks_server.count("/b/keys")) == (1, 1)
