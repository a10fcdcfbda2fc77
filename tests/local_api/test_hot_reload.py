"""Code and template changes are picked up by the running server, without a restart."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import requests

from tests.support.local_api import ROOT, running_local_api, wait_for

pytestmark = pytest.mark.integration


@pytest.fixture
def project_copy(tmp_path: Path) -> Path:
    """template.yaml with the code the public route needs, in a scratch folder."""
    for folder in ("functions/public", "layers/common"):
        shutil.copytree(ROOT / folder, tmp_path / folder, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "template.yaml", tmp_path / "template.yaml")
    return tmp_path


def message(url: str) -> str:
    return requests.get(url, timeout=30).json().get("message", "")


def test_edited_handler_answers_without_restarting(project_copy: Path) -> None:
    with running_local_api(project_copy / "run", project_copy / "template.yaml") as api:
        url = api.url("/api/public")
        assert "public endpoint" in message(url)

        handler = project_copy / "functions/public/app.py"
        handler.write_text(handler.read_text().replace("Hello from a public endpoint!", "Edited while running!"))

        wait_for(lambda: message(url).startswith("Edited while running!"))
        assert "PublicFunction: code changed, new container" in api.stderr()


def test_edited_layer_reloads_the_functions_that_use_it(project_copy: Path) -> None:
    with running_local_api(project_copy / "run", project_copy / "template.yaml") as api:
        url = api.url("/api/public")
        assert requests.get(url, timeout=30).status_code == 200

        settings = project_copy / "layers/common/api_common/http.py"
        settings.write_text(settings.read_text().replace("max_age=600", "max_age=601"))

        wait_for(
            lambda: (
                "601"
                in requests.get(url, headers={"Origin": "http://a.example"}, timeout=30).headers.get(
                    "Access-Control-Max-Age", ""
                )
            )
        )


def test_edited_template_changes_routes_and_settings(project_copy: Path) -> None:
    env = {"TOKEN_ISSUER": "https://issuer.example/", "AUDIENCE": "https://api.example"}
    with running_local_api(project_copy / "run", project_copy / "template.yaml", env) as api:
        # With TOKEN_ISSUER set there is no development issuer
        assert requests.post(api.url("/oauth/token"), timeout=30).status_code == 403
        assert "no development issuer" in api.stdout()

        template = project_copy / "template.yaml"
        text = template.read_text()
        text = text.replace("Path: /api/public", "Path: /api/open")
        text = text.replace('Default: "*"', 'Default: "https://changed.example"', 1)  # CorsAllowOrigin
        template.write_text(text)

        def preflight_origin() -> str:
            return requests.options(api.url("/api/open"), timeout=30).headers.get("Access-Control-Allow-Origin", "")

        wait_for(lambda: preflight_origin() == "https://changed.example")
        assert requests.get(api.url("/api/public"), timeout=30).status_code == 403
        # The gateway now routes /api/open to PublicFunction (whose own router then answers 404)
        assert requests.get(api.url("/api/open"), timeout=30).status_code == 404
