"""The bad-token corpus, as data: each case a name, how its Authorization value is made, the expected answer.

Every case must make the authorizer raise exactly `Exception("Unauthorized")` (API Gateway's 401)
and log one denial with `reason`. Tokens are built from `Material` (real keys, real servers), so a
case is a recipe rather than a frozen string: a frozen token would simply expire.

The authorizer under test: issuer ISSUER, audience AUDIENCE, ALGORITHMS=RS256,ES256, and a JWKS
holding `key` (RS256), `ec_key` (ES256), `enc_key` (use: enc) and `weak_key` (RSA 1024).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec

from tests.authorizer.forge import b64url, compact, hmac_signed, segment, signed_bytes, split
from tests.support.keys import AUDIENCE, ISSUER, SigningKey, standard_claims

ALGORITHMS = "RS256,ES256"
UNAUTHORIZED = "Unauthorized"


@dataclass(frozen=True)
class Material:
    key: SigningKey
    ec_key: SigningKey
    enc_key: SigningKey
    weak_key: SigningKey
    foreign: SigningKey
    trap_url: str

    def jwks(self) -> dict[str, Any]:
        return {
            "keys": [
                self.key.jwk(),
                self.ec_key.jwk(),
                self.enc_key.jwk(use="enc", alg="RSA-OAEP"),
                self.weak_key.jwk(),
            ]
        }

    def valid(self, **claims: Any) -> str:
        return self.key.sign(**claims)

    def public_pem(self) -> bytes:
        return self.key.private_key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )


@dataclass(frozen=True)
class Case:
    name: str
    authorization: Callable[[Material], Any]
    reason: str
    answer: str = UNAUTHORIZED


def bearer(build: Callable[[Material], str]) -> Callable[[Material], str]:
    return lambda m: f"Bearer {build(m)}"


def _claims(**overrides: Any) -> dict[str, Any]:
    return {**standard_claims(), **overrides}


def _header(m: Material, **extra: Any) -> dict[str, Any]:
    return {"alg": "RS256", "typ": "JWT", "kid": m.key.kid, **extra}


def _swap_payload(m: Material) -> str:
    header, _, signature = split(m.valid())
    return f"{header}.{segment(_claims(scope='admin:everything'))}.{signature}"


def _swap_header(m: Material) -> str:
    _, payload, signature = split(m.valid())
    return f"{segment(_header(m, typ='at+jwt'))}.{payload}.{signature}"


def _flip_signature(m: Material) -> str:
    header, payload, signature = split(m.valid())
    flipped = ("B" if signature[10] == "A" else "A").join((signature[:10], signature[11:]))
    return f"{header}.{payload}.{flipped}"


def _foreign_signature(m: Material) -> str:
    header, payload, _ = split(m.valid())
    return f"{header}.{payload}.{split(m.valid(sub='someone-else'))[2]}"


def _ec_signed(m: Material, signature: bytes) -> str:
    header = segment({"alg": "ES256", "typ": "JWT", "kid": m.ec_key.kid})
    return f"{header}.{segment(_claims())}.{b64url(signature)}"


def _ec_der_signature(m: Material) -> str:
    header = segment({"alg": "ES256", "typ": "JWT", "kid": m.ec_key.kid})
    payload = segment(_claims())
    der = m.ec_key.private_key.sign(f"{header}.{payload}".encode(), ec.ECDSA(hashes.SHA256()))
    return f"{header}.{payload}.{b64url(der)}"


def _raw_header(text: str, m: Material) -> str:
    """A header segment from literal JSON text (duplicate keys, NaN, ...), signed by the trusted key."""
    header = b64url(text.encode())
    payload = segment(_claims())
    signature = split(m.valid())[2]
    return f"{header}.{payload}.{signature}"


def _payload_text(text: str) -> Callable[[Material], str]:
    return lambda m: signed_bytes(m.key, text.encode())


NOW = time.time

CASES: list[Case] = [
    # --- The Authorization value itself -------------------------------------------------------
    Case("no authorizationToken", lambda m: None, "missing_token"),
    Case("empty value", lambda m: "", "missing_token"),
    Case("whitespace only", lambda m: " \t ", "missing_token"),
    Case("authorizationToken is a number", lambda m: 12345, "missing_token"),
    Case("authorizationToken is a list", lambda m: ["Bearer", "x"], "missing_token"),
    Case("scheme only", lambda m: "Bearer", "malformed"),
    Case("scheme and a space", lambda m: "Bearer ", "malformed"),
    Case("Basic credentials", lambda m: "Basic dXNlcjpwYXNzd29yZA==", "malformed"),
    Case("valid token without a scheme", lambda m: m.valid(), "malformed"),
    Case("two tokens", lambda m: f"Bearer {m.valid()} {m.valid()}", "malformed"),
    Case("scheme twice", lambda m: f"Bearer Bearer {m.valid()}", "malformed"),
    Case("token split by a newline", lambda m: "Bearer " + m.valid().replace(".", "\n.", 1), "malformed"),
    Case("200 KB token", lambda m: "Bearer " + m.valid() + "A" * 200_000, "token_too_large"),
    Case("one character over the limit", lambda m: "Bearer " + "A" * (10240 - 7 + 1), "token_too_large"),
    # --- Segments and encoding -----------------------------------------------------------------
    Case("two segments", bearer(lambda m: m.valid().rsplit(".", 1)[0]), "malformed"),
    Case("four segments", bearer(lambda m: m.valid() + ".c2ln"), "malformed"),
    Case("five segments (JWE shape)", bearer(lambda m: "eyJhbGciOiJSU0EtT0FFUCJ9.a2V5.aXY.Y2lwaGVy.dGFn"), "malformed"),
    Case("stripped signature", bearer(lambda m: m.valid().rsplit(".", 1)[0] + "."), "malformed"),
    Case("empty header segment", bearer(lambda m: "." + m.valid().split(".", 1)[1]), "malformed"),
    Case("standard base64 characters", bearer(lambda m: m.valid()[:-4] + "+/+/"), "malformed"),
    Case("base64 padding", bearer(lambda m: m.valid() + "=="), "malformed"),
    Case("percent-encoded dot", bearer(lambda m: m.valid().replace(".", "%2E", 1)), "malformed"),
    Case("non-ASCII lookalike letter", bearer(lambda m: m.valid().replace("e", "\u0435", 1)), "malformed"),
    Case("NUL byte", bearer(lambda m: m.valid()[:20] + "\x00" + m.valid()[20:]), "malformed"),
    Case("header is not JSON", bearer(lambda m: f"{b64url(b'not json')}.{segment(_claims())}.c2ln"), "malformed"),
    Case("header is a JSON array", bearer(lambda m: compact(["RS256"], _claims())), "malformed"),
    Case("header is a JSON string", bearer(lambda m: compact("RS256", _claims())), "malformed"),
    Case("header base64 of impossible length", bearer(lambda m: "eyJhbGciOiJSUzI1NiJ9x.e30.c2ln"), "malformed"),
    Case("header nested 5000 deep", bearer(lambda m: f"{b64url(b'[' * 5000)}.e30.c2ln"), "malformed"),
    Case("payload is not JSON (validly signed)", bearer(_payload_text("this is not JSON")), "malformed"),
    Case("payload is a JSON array (validly signed)", bearer(_payload_text('["sub", "exp"]')), "malformed"),
    Case("payload is a JSON string (validly signed)", bearer(_payload_text('"admin"')), "malformed"),
    Case("payload is JSON null (validly signed)", bearer(_payload_text("null")), "malformed"),
    Case("payload nested 6000 deep (validly signed)", bearer(_payload_text("[" * 6000)), "malformed"),
    # --- alg ------------------------------------------------------------------------------------------
    *(
        Case(
            f"alg {alg!r} without signature",
            bearer(lambda m, alg=alg: compact(_header(m, alg=alg), _claims(), "")),
            "malformed",
        )
        for alg in ("none", "None", "NONE", "nOnE")
    ),
    *(
        Case(
            f"alg {alg!r} with a signature",
            bearer(lambda m, alg=alg: compact(_header(m, alg=alg), _claims())),
            "alg_not_allowed",
        )
        for alg in ("none", "None", "NONE", "nOnE", "none ")
    ),
    Case("alg missing", bearer(lambda m: compact({"typ": "JWT", "kid": m.key.kid}, _claims())), "alg_not_allowed"),
    Case("alg null", bearer(lambda m: compact(_header(m, alg=None), _claims())), "alg_not_allowed"),
    Case("alg a number", bearer(lambda m: compact(_header(m, alg=256), _claims())), "alg_not_allowed"),
    Case("alg a list", bearer(lambda m: compact(_header(m, alg=["RS256"]), _claims())), "alg_not_allowed"),
    Case("alg lower case", bearer(lambda m: compact(_header(m, alg="rs256"), _claims())), "alg_not_allowed"),
    Case(
        "alg with a trailing space", bearer(lambda m: compact(_header(m, alg="RS256 "), _claims())), "alg_not_allowed"
    ),
    Case("alg unknown", bearer(lambda m: compact(_header(m, alg="XS256"), _claims())), "alg_not_allowed"),
    Case(
        "duplicate alg, the last one none",
        bearer(lambda m: _raw_header(f'{{"alg":"RS256","kid":"{m.key.kid}","alg":"none"}}', m)),
        "alg_not_allowed",
    ),
    Case(
        "HS256 keyed with the public key PEM",
        bearer(lambda m: hmac_signed(_header(m), _claims(), m.public_pem())),
        "alg_not_allowed",
    ),
    Case(
        "HS256 keyed with the public key modulus",
        bearer(
            lambda m: hmac_signed(
                _header(m), _claims(), m.key.private_key.public_key().public_numbers().n.to_bytes(256, "big")
            )
        ),
        "alg_not_allowed",
    ),
    Case(
        "HS256 keyed with the public JWK as JSON",
        bearer(lambda m: hmac_signed(_header(m), _claims(), json.dumps(m.key.jwk()).encode())),
        "alg_not_allowed",
    ),
    Case(
        "HS256 keyed with the modulus as base64url text",
        bearer(lambda m: hmac_signed(_header(m), _claims(), m.key.jwk()["n"].encode())),
        "alg_not_allowed",
    ),
    Case(
        "HS384 keyed with the public key PEM",
        bearer(lambda m: hmac_signed(_header(m), _claims(), m.public_pem(), "HS384")),
        "alg_not_allowed",
    ),
    Case(
        "HS512 keyed with the public key PEM",
        bearer(lambda m: hmac_signed(_header(m), _claims(), m.public_pem(), "HS512")),
        "alg_not_allowed",
    ),
    Case(
        "PS256 by the trusted key (not in ALGORITHMS)",
        bearer(lambda m: SigningKey("PS256", m.key.private_key, m.key.kid).sign()),
        "alg_not_allowed",
    ),
    Case(
        "RS512 by the trusted key (not in ALGORITHMS)",
        bearer(lambda m: SigningKey("RS512", m.key.private_key, m.key.kid).sign()),
        "alg_not_allowed",
    ),
    Case(
        "ES256 naming the RSA key",
        bearer(lambda m: SigningKey("ES256", m.ec_key.private_key, m.key.kid).sign()),
        "key_mismatch",
    ),
    Case(
        "RS256 naming the EC key",
        bearer(lambda m: SigningKey("RS256", m.key.private_key, m.ec_key.kid).sign()),
        "key_mismatch",
    ),
    # --- kid and the JWKS -----------------------------------------------------------------------------
    Case("unknown kid", bearer(lambda m: m.key.sign(headers={"kid": "no-such-key"})), "unknown_kid"),
    Case(
        "kid path traversal",
        bearer(lambda m: m.key.sign(headers={"kid": "../../../../../../etc/passwd"})),
        "unknown_kid",
    ),
    Case("kid naming /dev/null", bearer(lambda m: m.key.sign(headers={"kid": "/dev/null"})), "unknown_kid"),
    Case(
        "kid SQL injection", bearer(lambda m: m.key.sign(headers={"kid": "x' UNION SELECT 'secret' --"})), "unknown_kid"
    ),
    Case(
        "kid is a URL of the second server",
        bearer(lambda m: m.key.sign(headers={"kid": m.trap_url + "/kid"})),
        "unknown_kid",
    ),
    Case(
        "kid with CR LF (log injection)",
        bearer(lambda m: m.key.sign(headers={"kid": 'x"\r\n{"level":"INFO"}'})),
        "unknown_kid",
    ),
    Case("kid with a lone surrogate", bearer(lambda m: m.key.sign(headers={"kid": "\ud800kid"})), "unknown_kid"),
    Case("kid of 300 characters", bearer(lambda m: m.key.sign(headers={"kid": "k" * 300})), "malformed"),
    Case("kid of 6000 characters", bearer(lambda m: m.key.sign(headers={"kid": "k" * 6000})), "malformed"),
    Case("kid empty", bearer(lambda m: m.key.sign(headers={"kid": ""})), "malformed"),
    Case("kid a number", bearer(lambda m: compact(_header(m, kid=7), _claims())), "malformed"),
    Case("kid null", bearer(lambda m: compact(_header(m, kid=None), _claims())), "malformed"),
    Case("kid an object", bearer(lambda m: compact(_header(m, kid={"$ne": ""}), _claims())), "malformed"),
    Case("no kid while the JWKS holds several keys", bearer(lambda m: m.key.sign(include_kid=False)), "missing_kid"),
    Case("kid of an encryption key (use: enc)", bearer(lambda m: m.enc_key.sign()), "unknown_kid"),
    Case("kid of a 1024-bit RSA key", bearer(lambda m: m.weak_key.sign()), "key_mismatch"),
    Case(
        "foreign key with a known kid",
        bearer(lambda m: SigningKey("RS256", m.foreign.private_key, m.key.kid).sign()),
        "bad_signature",
    ),
    Case("foreign key with its own kid", bearer(lambda m: m.foreign.sign()), "unknown_kid"),
    # --- Keys offered by the token itself: never fetched, never used ------------------------------
    Case(
        "jku at the second server",
        bearer(lambda m: m.foreign.sign(headers={"jku": m.trap_url + "/jwks"})),
        "unknown_kid",
    ),
    Case(
        "jku at the second server, trusted kid",
        bearer(lambda m: m.foreign.sign(headers={"jku": m.trap_url + "/jwks", "kid": m.key.kid})),
        "bad_signature",
    ),
    Case(
        "x5u at the second server",
        bearer(lambda m: m.foreign.sign(headers={"x5u": m.trap_url + "/cert.pem"})),
        "unknown_kid",
    ),
    Case(
        "embedded jwk, trusted kid",
        bearer(lambda m: m.foreign.sign(headers={"jwk": m.foreign.jwk(kid=m.key.kid), "kid": m.key.kid})),
        "bad_signature",
    ),
    Case(
        "embedded jwk, no kid",
        bearer(lambda m: m.foreign.sign(headers={"jwk": m.foreign.jwk()}, include_kid=False)),
        "missing_kid",
    ),
    Case(
        "x5c chain", bearer(lambda m: m.foreign.sign(headers={"x5c": [b64url(b"attacker certificate")]})), "unknown_kid"
    ),
    # --- crit -------------------------------------------------------------------------------------
    Case(
        "crit with an unknown extension",
        bearer(lambda m: m.key.sign(headers={"crit": ["urn:x"], "urn:x": 1})),
        "unsupported_crit",
    ),
    Case("crit naming exp", bearer(lambda m: m.key.sign(headers={"crit": ["exp"], "exp": 1})), "unsupported_crit"),
    Case(
        "unencoded payload (b64: false)",
        bearer(lambda m: m.key.sign(headers={"crit": ["b64"], "b64": False})),
        "malformed",
    ),
    # --- Signature -------------------------------------------------------------------------------------
    Case("payload swapped under a valid signature", bearer(_swap_payload), "bad_signature"),
    Case("header swapped under a valid signature", bearer(_swap_header), "bad_signature"),
    Case("signature of another token", bearer(_foreign_signature), "bad_signature"),
    Case("signature with one character changed", bearer(lambda m: _flip_signature(m)), "bad_signature"),
    Case("signature truncated", bearer(lambda m: m.valid()[:-22]), "bad_signature"),
    Case("signature of a single byte", bearer(lambda m: m.valid().rsplit(".", 1)[0] + ".AA"), "bad_signature"),
    Case("ES256 signature all zeros (r = s = 0)", bearer(lambda m: _ec_signed(m, bytes(64))), "bad_signature"),
    Case("ES256 signature in DER, not raw r||s", bearer(_ec_der_signature), "bad_signature"),
    # --- Claims ----------------------------------------------------------------------------------------
    Case("expired", bearer(lambda m: m.valid(exp=int(NOW()) - 3600)), "expired"),
    Case("expired at the epoch", bearer(lambda m: m.valid(exp=0)), "expired"),
    Case("not yet valid (nbf)", bearer(lambda m: m.valid(nbf=int(NOW()) + 3600)), "not_yet_valid"),
    Case("issued in the future (iat)", bearer(lambda m: m.valid(iat=int(NOW()) + 3600)), "not_yet_valid"),
    Case("wrong issuer", bearer(lambda m: m.valid(iss="https://evil.example/")), "wrong_issuer"),
    Case("issuer without its trailing slash", bearer(lambda m: m.valid(iss=ISSUER.rstrip("/"))), "wrong_issuer"),
    Case(
        "issuer as a list",
        bearer(lambda m: signed_bytes(m.key, json.dumps(_claims(iss=[ISSUER])).encode())),
        "wrong_issuer",
    ),
    Case("wrong audience", bearer(lambda m: m.valid(aud="https://other-api.example.com")), "wrong_audience"),
    Case(
        "audience array without this API",
        bearer(lambda m: m.valid(aud=["https://a.example", "https://b.example"])),
        "wrong_audience",
    ),
    Case("audience prefix of this API", bearer(lambda m: m.valid(aud=AUDIENCE[:-1])), "wrong_audience"),
    Case("no exp", bearer(lambda m: m.valid(exp=None)), "missing_claim"),
    Case("no iss", bearer(lambda m: m.valid(iss=None)), "missing_claim"),
    Case("no aud", bearer(lambda m: m.valid(aud=None)), "missing_claim"),
    Case("no sub and no client id", bearer(lambda m: m.valid(sub=None, azp=None)), "missing_claim"),
    Case("numeric sub", bearer(lambda m: signed_bytes(m.key, json.dumps(_claims(sub=42)).encode())), "invalid_claim"),
    Case("exp as a string", bearer(lambda m: m.valid(exp=str(int(NOW()) + 3600))), "invalid_claim"),
    Case("exp NaN", bearer(lambda m: signed_bytes(m.key, json.dumps(_claims(exp=float("nan"))).encode())), "malformed"),
    Case(
        "exp Infinity",
        bearer(lambda m: signed_bytes(m.key, json.dumps(_claims(exp=float("inf"))).encode())),
        "malformed",
    ),
    Case("ID token (token_use: id)", bearer(lambda m: m.valid(token_use="id")), "wrong_token_use"),
]
