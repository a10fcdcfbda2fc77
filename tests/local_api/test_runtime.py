"""In-process Lambda pieces: the per-invocation environment overlay, and the sample events' shape."""

from __future__ import annotations

import json
import threading

from local_api import environ
from local_api.events import proxy_event, token_authorizer_event
from local_api.http import HttpRequest
from local_api.model import build_model
from tests.support.events import EVENTS_DIR, load_event
from tests.support.local_api import ROOT


def test_overlay_shows_each_context_its_own_values_over_the_real_environment() -> None:
    env = environ.OverlayEnviron({"REAL": "r", "TAG": "real"})
    seen: dict[str, tuple[str | None, str | None]] = {}
    barrier = threading.Barrier(2)

    def run(tag: str) -> None:
        with environ.overlay({"TAG": tag}):
            barrier.wait()  # both overlays active at once
            seen[tag] = (env.get("TAG"), env.get("REAL"))

    threads = [threading.Thread(target=run, args=(tag,)) for tag in ("a", "b")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert seen == {"a": ("a", "r"), "b": ("b", "r")}
    assert env["TAG"] == "real"


def test_writes_inside_an_overlay_stay_in_it() -> None:
    real = {"KEEP": "1"}
    env = environ.OverlayEnviron(real)

    with environ.overlay({}):
        env["NEW"] = "x"
        assert env["NEW"] == "x"
        assert dict(env) == {"NEW": "x", "KEEP": "1"}

    assert "NEW" not in env
    assert real == {"KEEP": "1"}


def test_sample_proxy_events_have_the_shape_the_runner_builds() -> None:
    request = HttpRequest(method="GET", path="/api/private", headers=[("Host", "localhost:3010")])
    built = proxy_event(
        request,
        resource_path="/api/private",
        path_parameters=None,
        stage_variables=None,
        api_id="abc",
        stage="prod",
        request_id="r",
        authorizer={"principalId": "p"},
    )
    for name in ("private", "private-scoped", "private-scoped-no-scope", "public"):
        event = load_event(name)
        assert set(event) == set(built), name
        context_keys = set(built["requestContext"]) - ({"authorizer"} if name == "public" else set())
        assert set(event["requestContext"]) == context_keys, name
        assert set(event["requestContext"]["identity"]) == set(built["requestContext"]["identity"]), name


def test_sample_events_target_routes_of_the_template() -> None:
    model = build_model(ROOT / "template.yaml")
    routes = {(route.method, route.path) for route in model.routes}

    for path in sorted(EVENTS_DIR.glob("*.json")):
        event = json.loads(path.read_text())
        if event.get("type") == "TOKEN":
            assert set(event) == set(token_authorizer_event("t", "arn"))
            assert event["methodArn"].endswith("/prod/GET/api/private")
        else:
            assert (event["httpMethod"], event["resource"]) in routes, path.name
