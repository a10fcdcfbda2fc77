"""Fixtures for the authorizer tests: real keys, real JWKS servers on 127.0.0.1, fresh containers."""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from tests.authorizer.corpus import ALGORITHMS as CORPUS_ALGORITHMS
from tests.authorizer.corpus import Material
from tests.authorizer.harness import AUTHORIZER_ENV, Authorizer
from tests.support.jwks_server import JwksServer
from tests.support.keys import AUDIENCE, ISSUER, SigningKey, jwks
from tests.support.lambdas import load_app

AuthorizerFactory = Callable[..., Authorizer]


@pytest.fixture
def make_authorizer(monkeypatch: pytest.MonkeyPatch) -> Iterator[AuthorizerFactory]:
    """A factory of fresh authorizer containers configured by keyword (env var names in lower case).

    Powertools shares one handler per service name across module loads, so its stream is pointed at
    this test's buffer and put back afterwards.
    """
    handler = None
    original_stream = None

    def factory(**settings: Any) -> Authorizer:
        nonlocal handler, original_stream
        for name in AUTHORIZER_ENV:
            monkeypatch.delenv(name, raising=False)
        for name, value in settings.items():
            if value is not None:
                monkeypatch.setenv(name.upper(), str(value))
        app = load_app("authorizer")
        handler = app.logger.registered_handler
        buffer = io.StringIO()
        previous = handler.setStream(buffer)
        if original_stream is None:
            original_stream = previous
        return Authorizer(app=app, log=buffer)

    yield factory
    if handler is not None and original_stream is not None:
        handler.setStream(original_stream)


@dataclass(frozen=True)
class Keys:
    """Real keys, made once per session: RSA generation is the slow part of these tests."""

    rsa: SigningKey
    rsa_rotated: SigningKey
    rsa_foreign: SigningKey
    rsa_second_issuer: SigningKey
    by_alg: dict[str, SigningKey]


@pytest.fixture(scope="session")
def keys() -> Keys:
    by_alg = {
        alg: SigningKey.generate(alg)
        for alg in ("RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA")
    }
    return Keys(
        rsa=SigningKey.generate("RS256", kid="main-2026"),
        rsa_rotated=SigningKey.generate("RS256", kid="main-2027"),
        rsa_foreign=SigningKey.generate("RS256", kid="foreign"),
        rsa_second_issuer=SigningKey.generate("RS256", kid="second-issuer"),
        by_alg=by_alg,
    )


@pytest.fixture
def jwks_server() -> Iterator[JwksServer]:
    with JwksServer() as server:
        yield server


@pytest.fixture
def trap_server() -> Iterator[JwksServer]:
    """A second server that a token's header may point at: it must never receive a request."""
    with JwksServer() as server:
        yield server


@pytest.fixture
def auth0(jwks_server: JwksServer, keys: Keys, make_authorizer: AuthorizerFactory) -> Authorizer:
    """An authorizer for an Auth0-like tenant (https iss with a trailing slash), its JWKS served locally."""
    jwks_server.documents["/.well-known/jwks.json"] = jwks(keys.rsa)
    return make_authorizer(token_issuer=ISSUER, audience=AUDIENCE, jwks_uri=jwks_server.url("/.well-known/jwks.json"))


JWKS_PATH = "/jwks"


@pytest.fixture
def serve_keys(jwks_server: JwksServer, make_authorizer: AuthorizerFactory) -> Callable[..., Authorizer]:
    """Publish these keys at `jwks_server`/jwks and give a fresh authorizer for the Auth0-like issuer."""

    def serve(*published: SigningKey | dict[str, Any], **settings: Any) -> Authorizer:
        jwks_server.documents[JWKS_PATH] = jwks(*published)
        defaults = {"token_issuer": ISSUER, "audience": AUDIENCE, "jwks_uri": jwks_server.url(JWKS_PATH)}
        return make_authorizer(**{**defaults, **settings})

    return serve


@pytest.fixture(scope="session")
def corpus_keys() -> dict[str, SigningKey]:
    return {
        "ec": SigningKey.generate("ES256", kid="ec-2026"),
        "enc": SigningKey.generate("RS256", kid="enc-2026"),
        # 1024 bits: published by a careless issuer, and never to be used.
        "weak": SigningKey(
            "RS256",
            rsa.generate_private_key(public_exponent=65537, key_size=1024),  # noqa: S505
            kid="weak-1024",
        ),
    }


@pytest.fixture
def material(keys: Keys, corpus_keys: dict[str, SigningKey], trap_server: JwksServer) -> Material:
    trap_server.documents["/jwks"] = jwks(keys.rsa_foreign)
    return Material(
        key=keys.rsa,
        ec_key=corpus_keys["ec"],
        enc_key=corpus_keys["enc"],
        weak_key=corpus_keys["weak"],
        foreign=keys.rsa_foreign,
        trap_url=trap_server.base_url,
    )


@pytest.fixture
def corpus_authorizer(material: Material, jwks_server: JwksServer, make_authorizer: AuthorizerFactory) -> Authorizer:
    """The authorizer the corpus is written for (see tests/authorizer/corpus.py)."""
    jwks_server.documents[JWKS_PATH] = material.jwks()
    return make_authorizer(
        token_issuer=ISSUER,
        audience=AUDIENCE,
        jwks_uri=jwks_server.url(JWKS_PATH),
        algorithms=CORPUS_ALGORITHMS,
        metrics_flush_seconds=0,
    )
