"""The explorer's static server: only explorer/'s own files, with the right types, on 127.0.0.1."""

from __future__ import annotations

import http.client
from collections.abc import Iterator
from pathlib import Path

import pytest

from local_api.explorer import (
    CONTENT_TYPES,
    EXPLORER_DIR,
    ExplorerConfigError,
    ExplorerServer,
    port_from_env,
    resolve,
)


@pytest.fixture
def site(tmp_path: Path) -> Path:
    root = tmp_path / "site"
    root.mkdir()
    (root / "index.html").write_text("<!doctype html><title>x</title>")
    (root / "app.js").write_text("export {};")
    (root / "style.css").write_text("body{}")
    (root / ".hidden.js").write_text("secret")
    (root / "notes.txt").write_text("not a served type")
    (root / "sub").mkdir()
    (root / "sub" / "deep.js").write_text("nested")
    (tmp_path / "outside.js").write_text("outside")
    (root / "link.js").symlink_to(tmp_path / "outside.js")
    return root


@pytest.mark.parametrize(
    ("url_path", "name"),
    [
        ("/", "index.html"),
        ("/index.html", "index.html"),
        ("/app.js?v=1", "app.js"),
        ("/style.css#top", "style.css"),
        ("/%61pp.js", "app.js"),
    ],
)
def test_files_directly_in_the_folder_are_served(site: Path, url_path: str, name: str) -> None:
    assert resolve(site, url_path) == (site / name).resolve()


@pytest.mark.parametrize(
    "url_path",
    [
        "/../outside.js",
        "/%2e%2e/outside.js",
        "/..%2foutside.js",
        "/..%5coutside.js",
        "/sub/deep.js",
        "/sub%2fdeep.js",
        "//etc/passwd",
        "/.hidden.js",
        "/notes.txt",
        "/link.js",
        "/missing.js",
        "/app.js%00.html",
        "/sub",
        "",
        "app.js",
    ],
)
def test_anything_else_names_nothing(site: Path, url_path: str) -> None:
    assert resolve(site, url_path) is None


@pytest.mark.parametrize(("value", "port"), [(None, 3000), ("", 3000), ("0", 0), ("3001", 3001)])
def test_port_comes_from_explorer_port(value: str | None, port: int) -> None:
    environ = {} if value is None else {"EXPLORER_PORT": value}
    assert port_from_env(environ) == port


@pytest.mark.parametrize("value", ["web", "-1", "70000"])
def test_a_bad_explorer_port_is_a_clear_error(value: str) -> None:
    with pytest.raises(ExplorerConfigError, match="EXPLORER_PORT"):
        port_from_env({"EXPLORER_PORT": value})


def test_the_explorer_folder_has_only_servable_files() -> None:
    for path in EXPLORER_DIR.iterdir():
        assert path.suffix in CONTENT_TYPES, path


@pytest.fixture
def server(site: Path) -> Iterator[ExplorerServer]:
    with ExplorerServer(root=site, port=0) as running:
        yield running


def _request(server: ExplorerServer, method: str, path: str) -> http.client.HTTPResponse:
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=5)
    connection.request(method, path)
    response = connection.getresponse()
    response.read()
    connection.close()
    return response


@pytest.mark.integration
@pytest.mark.parametrize(
    ("path", "content_type"),
    [
        ("/", "text/html; charset=utf-8"),
        ("/app.js", "text/javascript; charset=utf-8"),
        ("/style.css", "text/css; charset=utf-8"),
    ],
)
def test_files_are_served_with_their_content_type(server: ExplorerServer, path: str, content_type: str) -> None:
    response = _request(server, "GET", path)

    assert response.status == 200
    assert response.getheader("Content-Type") == content_type
    assert response.getheader("X-Content-Type-Options") == "nosniff"
    assert "frame-ancestors 'none'" in response.getheader("Content-Security-Policy", "")


@pytest.mark.integration
def test_traversal_over_http_is_not_found(server: ExplorerServer) -> None:
    assert _request(server, "GET", "/../outside.js").status == 404
    assert _request(server, "GET", "/%2e%2e/outside.js").status == 404


@pytest.mark.integration
def test_only_get_and_head_are_allowed(server: ExplorerServer) -> None:
    assert _request(server, "HEAD", "/").status == 200
    response = _request(server, "POST", "/")
    assert response.status == 405
    assert response.getheader("Allow") == "GET, HEAD"


@pytest.mark.integration
def test_it_listens_on_loopback_only(server: ExplorerServer) -> None:
    assert server._server.server_address[0] == "127.0.0.1"
    assert server.url == f"http://127.0.0.1:{server.port}/"
    assert server.page_url("http://127.0.0.1:3010") == f"http://127.0.0.1:{server.port}/?api=http://127.0.0.1:3010"
