"""What the authorizer says about the tokens it refuses: one JSON line and one metric each, never the token."""

from __future__ import annotations

import io
import json
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest

from jwt_authorizer import DenyReason
from tests.authorizer.conftest import JWKS_PATH, AuthorizerFactory, Keys
from tests.authorizer.corpus import CASES, Material
from tests.authorizer.harness import UNAUTHORIZED, Authorizer
from tests.support.jwks_server import JwksServer

pytestmark = [
    pytest.mark.integration,
    pytest.mark.filterwarnings("ignore::jwt.warnings.InsecureKeyLengthWarning"),
]

MIN_SEGMENT = 12  # shorter segments ("e30" is "{}") could match by chance


class Utf8Stdout(io.TextIOWrapper):
    """Like Lambda's stdout: UTF-8, strict. A str a JSON line cannot encode is lost there, not here."""

    def __init__(self) -> None:
        super().__init__(io.BytesIO(), encoding="utf-8", errors="strict", write_through=True)

    def text(self) -> str:
        return self.buffer.getvalue().decode("utf-8")  # type: ignore[attr-defined]


@pytest.fixture
def lambda_stdout(corpus_authorizer: Authorizer) -> Iterator[Utf8Stdout]:
    """The authorizer's log lines go to a strict UTF-8 stream, as in Lambda."""
    handler = corpus_authorizer.app.logger.registered_handler
    stream = Utf8Stdout()
    previous = handler.setStream(stream)
    yield stream
    handler.setStream(previous)


def lines(text: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in text.splitlines() if line.startswith("{")]


def secret_parts(authorization: Any) -> list[str]:
    """The token, and its signature and payload segments, as they must never appear in a log."""
    if not isinstance(authorization, str) or not authorization.strip():
        return []
    token = authorization.split()[-1]
    parts = [authorization.strip(), token]
    segments = token.split(".")
    if len(segments) >= 3:
        parts += [segments[1], segments[-1]]
    return [part for part in parts if len(part) >= MIN_SEGMENT]


def test_corpus_denials_log_one_line_each_with_reason_and_never_the_token(
    material: Material,
    corpus_authorizer: Authorizer,
    lambda_stdout: Utf8Stdout,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # Given a warm container, when every corpus token arrives in turn
    assert corpus_authorizer.bearer(material.valid()) is not UNAUTHORIZED
    secrets: list[str] = []
    for case in CASES:
        authorization = case.authorization(material)
        secrets += secret_parts(authorization)
        assert corpus_authorizer.decide(authorization) is UNAUTHORIZED, case.name

    captured = capsys.readouterr()
    logged = lambda_stdout.text()
    everything = logged + captured.out + captured.err

    # Then each denial is one line, with its reason from the fixed set and the request's correlation id
    denials = [line for line in lines(logged) if line["message"] == "Access token denied"]
    assert [line["reason"] for line in denials] == [case.reason for case in CASES]
    assert {line["reason"] for line in denials} <= {reason.value for reason in DenyReason}
    assert [line["correlation_id"] for line in denials] == corpus_authorizer.request_ids[1:]
    assert all(line["level"] == "INFO" for line in lines(logged))
    assert "Logging error" not in captured.err
    # And no token, payload segment or signature segment appears anywhere in the output
    leaked = [secret[:40] for secret in secrets if secret in everything]
    assert leaked == []


def test_denial_line_names_kid_iss_and_sub_where_readable(
    material: Material, corpus_authorizer: Authorizer, lambda_stdout: Utf8Stdout
) -> None:
    corpus_authorizer.bearer(material.key.sign(headers={"kid": "retired-2025"}, sub="auth0|alice"))

    (line,) = lines(lambda_stdout.text())
    assert line["reason"] == "unknown_kid"
    assert (line["kid"], line["iss"], line["sub"]) == (
        "retired-2025",
        "https://tenant.example.auth0.com/",
        "auth0|alice",
    )
    assert line["service"] == "protected-api"


def test_decisions_are_counted_as_emf_metrics_by_outcome_and_reason(
    material: Material, corpus_authorizer: Authorizer, capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()
    for _ in range(3):
        corpus_authorizer.bearer(material.valid())
    for case in CASES:
        corpus_authorizer.decide(case.authorization(material))

    counted: Counter[tuple[str, str | None]] = Counter()
    for document in lines(capsys.readouterr().out):
        if "_aws" not in document:
            continue
        (directive,) = document["_aws"]["CloudWatchMetrics"]
        assert directive["Namespace"] == "ProtectedApi"
        assert {"Name": "AuthorizerDecisions", "Unit": "Count"} in directive["Metrics"]
        counted[(document["outcome"], document.get("reason"))] += int(sum(document["AuthorizerDecisions"]))

    expected = Counter({("allow", None): 3}) + Counter(("deny", case.reason) for case in CASES)
    assert counted == expected


def test_oversized_token_is_refused_before_any_decoding_or_fetch(
    jwks_server: JwksServer, keys: Keys, make_authorizer: AuthorizerFactory
) -> None:
    jwks_server.documents[JWKS_PATH] = {"keys": [keys.rsa.jwk()]}
    authorizer = make_authorizer(
        token_issuer="https://tenant.example.auth0.com/",
        audience="https://api.example.com",
        jwks_uri=jwks_server.url(JWKS_PATH),
    )
    # A real, readable token padded past the limit: were it decoded, its kid, iss and sub would show.
    huge = keys.rsa.sign(padding="x" * 200_000)

    assert authorizer.bearer(huge) is UNAUTHORIZED

    (line,) = authorizer.denials()
    assert line["reason"] == "token_too_large"
    assert not {"kid", "iss", "sub"} & line.keys()
    assert sum(jwks_server.hits.values()) == 0


def test_max_token_length_is_configurable(jwks_server: JwksServer, keys: Keys, serve_keys: Any) -> None:
    authorizer = serve_keys(keys.rsa, max_token_length=600)

    assert authorizer.bearer(keys.rsa.sign(padding="x" * 700)) is UNAUTHORIZED
    assert authorizer.last_reason() == "token_too_large"
    assert sum(jwks_server.hits.values()) == 0
