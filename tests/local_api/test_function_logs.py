"""What the functions log when they share the runner's process: each line speaks of its own function."""

from __future__ import annotations

import json

import pytest
import requests

from tests.support.local_api import LocalApi, wait_for

pytestmark = pytest.mark.integration


def denial_lines(api: LocalApi) -> list[dict]:
    lines = [line for line in api.stdout().splitlines() if '"Access token denied"' in line]
    return [json.loads(line) for line in lines]


def test_a_denial_line_names_the_authorizer_not_the_handler_that_logged_before_it(
    project_api: LocalApi, http: requests.Session
) -> None:
    # Given a handler has just logged with its own Lambda context keys (Powertools, same service name)
    token = http.post(
        project_api.url("/oauth/token"),
        data={"grant_type": "client_credentials", "client_id": "local-client", "client_secret": "local-secret"},
        timeout=30,
    ).json()["access_token"]
    assert http.get(project_api.url("/api/private"), headers={"Authorization": f"Bearer {token}"}, timeout=30).ok
    before = len(denial_lines(project_api))

    # When the authorizer denies a token
    forged = token.rsplit(".", 1)[0] + ".Zm9yZ2Vk"
    response = http.get(project_api.url("/api/private"), headers={"Authorization": f"Bearer {forged}"}, timeout=30)

    # Then its log line carries the authorizer's context, not PrivateFunction's
    assert response.status_code == 401
    wait_for(lambda: len(denial_lines(project_api)) > before)
    line = denial_lines(project_api)[-1]
    assert line["function_name"] == "AuthorizerFunction"
    assert line["function_arn"].endswith(":function:AuthorizerFunction")
    assert line["reason"] == "bad_signature"
    assert token.rsplit(".", 1)[0] not in project_api.stdout() + project_api.stderr()
