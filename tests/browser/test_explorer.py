"""The API explorer in headless Chromium: real cross-origin calls from the page to the local runner."""

from __future__ import annotations

import base64
import json
import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.browser.conftest import RunningApi
from tests.support.local_api import ROOT

pytestmark = pytest.mark.browser

INSUFFICIENT_SCOPE = 'WWW-Authenticate: Bearer error="insufficient_scope", scope="read:messages"'
INVALID_TOKEN = 'WWW-Authenticate: Bearer error="invalid_token"'
# EXPLORER_DOCS_SCREENSHOT=1 also refreshes the README's screenshot (committed, so not on every run; shrink it
# with `pngquant --quality 70-90` before committing).
DOCS_SCREENSHOT = ROOT / "docs" / "explorer.png"


@pytest.fixture
def page(browser: Any, local_runner: RunningApi) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1100, "height": 900})
    page = context.new_page()
    page.console_messages = []
    page.on("console", lambda message: page.console_messages.append(message.text))
    page.on("pageerror", lambda error: page.console_messages.append(f"page error: {error}"))
    page.goto(local_runner.explorer_url)
    page.wait_for_selector("body[data-ready='true']")
    try:
        yield page
    finally:
        context.close()


def get_token(page: Any, *, with_scope: bool) -> str:
    """Ask the development issuer for a token from the page; returns the token the page received."""
    page.get_by_label("read:messages").set_checked(with_scope)
    with page.expect_response(lambda response: response.url.endswith("/oauth/token")) as answer:
        page.get_by_role("button", name="Get a token").click()
    assert answer.value.status == 200
    page.get_by_role("status").filter(has_text="Token set").wait_for()
    return answer.value.json()["access_token"]


def call(page: Any, path: str, expected_status: int) -> Any:
    """Click the route's button and wait until its card shows `expected_status`; returns the card."""
    from playwright.sync_api import expect

    card = page.locator(f"article[data-route='{path}']")
    page.get_by_role("button", name=f"Call GET {path}", exact=True).click()
    expect(card).not_to_have_attribute("data-status", "pending")
    expect(card).to_have_attribute("data-status", str(expected_status))
    expect(card.get_by_test_id("status")).to_have_text(str(expected_status))
    return card


def send(page: Any, label: str) -> None:
    page.get_by_role("radio", name=label).check()


def test_explorer_walks_through_public_private_and_scoped_routes(page: Any, artifacts: Path) -> None:
    from playwright.sync_api import expect

    # Given a token without the read:messages scope
    token = get_token(page, with_scope=False)
    expect(page.locator("#token-details")).to_contain_text("Decoded, NOT verified")
    expect(page.locator("#jwt-payload")).to_contain_text('"aud"')

    # When the page calls each route with it, then public and private pass and the scoped route says why not
    call(page, "/api/public", 200)
    private = call(page, "/api/private", 200)
    expect(private).to_contain_text("The authorizer accepted the token")
    scoped = call(page, "/api/private-scoped", 403)
    # Readable only because the API exposes WWW-Authenticate to cross-origin callers.
    expect(scoped.locator(".why")).to_contain_text(INSUFFICIENT_SCOPE)
    expect(scoped.locator("table.headers tr", has_text="www-authenticate")).to_contain_text(
        'Bearer error="insufficient_scope", scope="read:messages"'
    )
    expect(scoped.locator(".status-line")).to_contain_text("Missing scope")
    page.screenshot(path=str(artifacts / "explorer-insufficient-scope.png"), full_page=True)
    if os.environ.get("EXPLORER_DOCS_SCREENSHOT"):
        DOCS_SCREENSHOT.parent.mkdir(exist_ok=True)
        page.locator("section", has=page.locator("#calls-heading")).screenshot(path=str(DOCS_SCREENSHOT))

    # When no token is sent, then the private route is 401 with its challenge readable
    send(page, "None (no token)")
    private = call(page, "/api/private", 401)
    expect(private.locator(".why")).to_contain_text(INVALID_TOKEN)
    expect(private.locator(".status-line")).to_contain_text("No token")

    # When a malformed token is sent, then the gateway refuses it as well
    send(page, "A malformed one (not a JWT)")
    private = call(page, "/api/private", 401)
    expect(private.locator(".status-line")).to_contain_text("Malformed token")

    # Given a token with the scope, when the scoped route is called, then it is 200
    scoped_token = get_token(page, with_scope=True)
    send(page, "The current token")
    scoped = call(page, "/api/private-scoped", 200)
    expect(scoped.locator(".why")).to_contain_text("carries read:messages")
    page.screenshot(path=str(artifacts / "explorer-scoped-ok.png"), full_page=True)

    # The tokens never reached the console or the browser's storage.
    logged = "\n".join(page.console_messages)
    assert token not in logged and scoped_token not in logged
    assert page.evaluate("localStorage.length + sessionStorage.length") == 0


def test_pasted_token_is_decoded_and_an_opaque_one_is_explained(page: Any) -> None:
    from playwright.sync_api import expect

    # Given a pasted token that is not a JWT (as Auth0 issues without an audience)
    page.get_by_label("Access token (JWT)").fill("Bearer opaque-token-value")
    page.get_by_role("button", name="Use this token").click()

    # Then the page says it cannot read it, and the API refuses it
    expect(page.get_by_role("status")).to_contain_text("not a readable JWT")
    private = call(page, "/api/private", 401)
    expect(private.locator(".status-line")).to_contain_text("Malformed token")


def _unsigned_jwt(payload: dict[str, Any]) -> str:
    """A JWT-shaped token with a made-up signature: the page decodes it, the API refuses it."""

    def part(data: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()

    return f"{part({'alg': 'RS256', 'typ': 'JWT'})}.{part(payload)}.c2lnbmF0dXJl"


def test_pasted_expired_token_is_explained_as_expired(page: Any) -> None:
    from playwright.sync_api import expect

    # Given a pasted token that expired an hour ago
    expired = _unsigned_jwt({"iss": "https://example.auth0.com/", "sub": "someone", "exp": int(time.time()) - 3600})
    page.get_by_label("Access token (JWT)").fill(expired)
    page.get_by_role("button", name="Use this token").click()
    expect(page.locator("#token-summary")).to_contain_text("ago: expired")

    # When the private route is called with it, then the 401 is explained as an expired token
    private = call(page, "/api/private", 401)
    expect(private.locator(".status-line")).to_contain_text("Expired token")
