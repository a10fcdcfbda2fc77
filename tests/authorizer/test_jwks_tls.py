"""Keys over TLS: the certificate is verified, and an https issuer's keys never travel over plain http.

A throwaway CA (trusted through SSL_CERT_FILE, which ssl.create_default_context() honours) signs a
certificate for 127.0.0.1; the real JWKS server's listening socket is wrapped in TLS.
"""

from __future__ import annotations

import datetime
import ipaddress
import ssl
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from tests.authorizer.conftest import AuthorizerFactory, Keys
from tests.authorizer.harness import UNAUTHORIZED
from tests.support.jwks_server import JwksServer
from tests.support.keys import AUDIENCE, jwks

pytestmark = pytest.mark.integration


def _certificate(subject: str, public_key: Any, issuer: str, signer: Any, *, ca: bool) -> x509.Certificate:
    now = datetime.datetime.now(datetime.UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)]))
        .issuer_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, issuer)]))
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(hours=1))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
    )
    if not ca:
        builder = builder.add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False
        )
    return builder.sign(signer, hashes.SHA256())


@pytest.fixture(scope="module")
def tls_files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("tls")
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_cert = _certificate("test CA", ca_key.public_key(), "test CA", ca_key, ca=True)
    leaf_key = ec.generate_private_key(ec.SECP256R1())
    leaf_cert = _certificate("127.0.0.1", leaf_key.public_key(), "test CA", ca_key, ca=False)
    files = {"ca": folder / "ca.pem", "cert": folder / "cert.pem", "key": folder / "key.pem"}
    files["ca"].write_bytes(ca_cert.public_bytes(serialization.Encoding.PEM))
    files["cert"].write_bytes(leaf_cert.public_bytes(serialization.Encoding.PEM))
    files["key"].write_bytes(
        leaf_key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    return files


def _server_context(tls_files: dict[str, Path]) -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(tls_files["cert"], tls_files["key"])
    return context


@pytest.fixture
def trusted_ca(tls_files: dict[str, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SSL_CERT_FILE", str(tls_files["ca"]))


@pytest.fixture
def tls_server(tls_files: dict[str, Path]) -> Iterator[tuple[JwksServer, str]]:
    """The real JWKS server, spoken to over TLS; yields it and its https base URL."""
    server = JwksServer()
    inner = server._server  # tests/support has no TLS switch: wrap its listening socket here
    inner.socket = _server_context(tls_files).wrap_socket(inner.socket, server_side=True)
    with server:
        yield server, server.base_url.replace("http://", "https://")


@pytest.fixture
def redirecting_tls_server(tls_files: dict[str, Path]) -> Iterator[tuple[ThreadingHTTPServer, list[str]]]:
    """An https server answering every GET with a redirect to `server.location`."""
    requests: list[str] = []

    class Redirect(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            pass

        def do_GET(self) -> None:
            requests.append(self.path)
            self.send_response(302)
            self.send_header("Location", self.server.location)  # type: ignore[attr-defined]
            self.send_header("Content-Length", "0")
            self.end_headers()

    server = ThreadingHTTPServer(("127.0.0.1", 0), Redirect)
    server.daemon_threads = True
    server.socket = _server_context(tls_files).wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield server, requests
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


def test_keys_found_by_discovery_over_tls_are_used(
    trusted_ca: None, tls_server: tuple[JwksServer, str], keys: Keys, make_authorizer: AuthorizerFactory
) -> None:
    server, base = tls_server
    issuer = base + "/"
    server.documents["/.well-known/openid-configuration"] = {"issuer": issuer, "jwks_uri": base + "/keys"}
    server.documents["/keys"] = jwks(keys.rsa)
    authorizer = make_authorizer(token_issuer=issuer, audience=AUDIENCE)

    assert authorizer.bearer(keys.rsa.sign(iss=issuer)) is not UNAUTHORIZED


def test_jwks_from_a_server_with_an_untrusted_certificate_is_refused(
    tls_server: tuple[JwksServer, str], keys: Keys, make_authorizer: AuthorizerFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    server, base = tls_server
    server.documents["/keys"] = jwks(keys.rsa)
    monkeypatch.delenv("SSL_CERT_FILE", raising=False)
    authorizer = make_authorizer(token_issuer=base + "/", audience=AUDIENCE, jwks_uri=base + "/keys")

    assert authorizer.bearer(keys.rsa.sign(iss=base + "/")) is UNAUTHORIZED
    assert authorizer.last_reason() == "jwks_unavailable"


def test_https_issuer_discovery_naming_a_plain_http_jwks_is_refused(
    trusted_ca: None,
    tls_server: tuple[JwksServer, str],
    jwks_server: JwksServer,
    keys: Keys,
    make_authorizer: AuthorizerFactory,
) -> None:
    # Over plain http anyone on the path could swap the keys: an https issuer's keys must stay on TLS.
    server, base = tls_server
    issuer = base + "/"
    server.documents["/.well-known/openid-configuration"] = {"issuer": issuer, "jwks_uri": jwks_server.url("/keys")}
    jwks_server.documents["/keys"] = jwks(keys.rsa)
    authorizer = make_authorizer(token_issuer=issuer, audience=AUDIENCE)

    assert authorizer.bearer(keys.rsa.sign(iss=issuer)) is UNAUTHORIZED
    assert authorizer.last_reason() == "jwks_unavailable"
    assert jwks_server.count("/keys") == 0


def test_redirect_from_https_to_plain_http_is_not_followed(
    trusted_ca: None,
    redirecting_tls_server: tuple[ThreadingHTTPServer, list[str]],
    jwks_server: JwksServer,
    keys: Keys,
    make_authorizer: AuthorizerFactory,
) -> None:
    redirector, requests = redirecting_tls_server
    redirector.location = jwks_server.url("/keys")  # type: ignore[attr-defined]
    jwks_server.documents["/keys"] = jwks(keys.rsa)
    base = f"https://127.0.0.1:{redirector.server_address[1]}"
    authorizer = make_authorizer(token_issuer=base + "/", audience=AUDIENCE, jwks_uri=base + "/keys")

    assert authorizer.bearer(keys.rsa.sign(iss=base + "/")) is UNAUTHORIZED
    assert requests == ["/keys"]
    assert jwks_server.count("/keys") == 0


def test_redirect_from_https_to_https_is_followed(
    trusted_ca: None,
    redirecting_tls_server: tuple[ThreadingHTTPServer, list[str]],
    tls_server: tuple[JwksServer, str],
    keys: Keys,
    make_authorizer: AuthorizerFactory,
) -> None:
    redirector, _ = redirecting_tls_server
    server, base = tls_server
    server.documents["/keys"] = jwks(keys.rsa)
    redirector.location = base + "/keys"  # type: ignore[attr-defined]
    start = f"https://127.0.0.1:{redirector.server_address[1]}"
    authorizer = make_authorizer(token_issuer=start + "/", audience=AUDIENCE, jwks_uri=start + "/keys")

    assert authorizer.bearer(keys.rsa.sign(iss=start + "/")) is not UNAUTHORIZED
