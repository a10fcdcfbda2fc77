"""`python -m local_api` serves the explorer beside the API, and its dev issuer answers the page cross-origin."""

from __future__ import annotations

import re
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from tests.support.local_api import LocalApi, running_local_api, wait_for

pytestmark = pytest.mark.integration

EXPLORER_LINE = re.compile(r"API explorer: (http://127\.0\.0\.1:\d+/)\?api=(\S+)")


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalApi]:
    with running_local_api(tmp_path_factory.mktemp("explorer-runner"), env={"EXPLORER_PORT": "0"}) as running:
        yield running


def explorer_line(api: LocalApi) -> re.Match[str]:
    wait_for(lambda: EXPLORER_LINE.search(api.stdout()))
    found = EXPLORER_LINE.search(api.stdout())
    assert found is not None
    return found


def test_the_banner_gives_the_page_address_with_the_api_address(api: LocalApi) -> None:
    page_url, api_url = explorer_line(api).groups()

    assert api_url == api.base_url
    assert page_url != api.base_url + "/"  # another origin than the API


def test_the_page_and_its_module_are_served(api: LocalApi) -> None:
    page_url = explorer_line(api).group(1)

    page = requests.get(page_url, timeout=5)
    module = requests.get(page_url + "explorer.js", timeout=5)

    assert page.status_code == 200 and page.headers["Content-Type"] == "text/html; charset=utf-8"
    assert 'src="explorer.js"' in page.text
    assert module.status_code == 200 and module.headers["Content-Type"] == "text/javascript; charset=utf-8"


def test_the_dev_issuer_answers_a_cross_origin_form_post_readably(api: LocalApi) -> None:
    page_origin = explorer_line(api).group(1).rstrip("/")

    # What the page sends: form-encoded, a CORS simple request (no preflight).
    answer = requests.post(
        api.url("/oauth/token"),
        data={"grant_type": "client_credentials", "client_id": "local-client", "client_secret": "local-secret"},
        headers={"Origin": page_origin},
        timeout=5,
    )
    refused = requests.post(
        api.url("/oauth/token"),
        data={"grant_type": "client_credentials", "client_id": "local-client", "client_secret": "wrong"},
        headers={"Origin": page_origin},
        timeout=5,
    )

    assert answer.status_code == 200 and answer.headers["Access-Control-Allow-Origin"] == page_origin
    assert refused.status_code == 401 and refused.headers["Access-Control-Allow-Origin"] == page_origin


@pytest.mark.parametrize("origin", ["https://evil.example", "http://127.0.0.1:1", "null"])
def test_other_web_pages_cannot_read_tokens_from_the_dev_issuer(api: LocalApi, origin: str) -> None:
    # The development client secret is public: were the answer readable from any origin, any page open
    # in the developer's browser could mint a token and read the protected routes.
    answer = requests.post(
        api.url("/oauth/token"),
        data={"grant_type": "client_credentials", "client_id": "local-client", "client_secret": "local-secret"},
        headers={"Origin": origin},
        timeout=5,
    )

    assert answer.status_code == 200  # a server cannot refuse; the browser withholds the answer
    assert "Access-Control-Allow-Origin" not in answer.headers


def test_a_busy_explorer_port_leaves_the_api_running(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with running_local_api(tmp_path, env={"EXPLORER_PORT": str(port)}) as api:
            wait_for(lambda: "API explorer not served" in api.stderr())

            assert requests.get(api.url("/api/public"), timeout=5).status_code == 200
            assert "API explorer:" not in api.stdout()
