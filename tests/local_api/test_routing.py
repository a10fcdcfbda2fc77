"""Resource matching as API Gateway does it: static segments before parameters, greedy `{proxy+}` last."""

from __future__ import annotations

import pytest

from local_api.gateway import _match_resource, context_string


@pytest.mark.parametrize(
    ("template", "path", "params"),
    [
        ("/api/public", "/api/public", {}),
        ("/items/{id}", "/items/42", {"id": "42"}),
        ("/files/{proxy+}", "/files/a/b/c", {"proxy": "a/b/c"}),
        ("/", "/", {}),
    ],
)
def test_matching_resources_give_their_path_parameters(template: str, path: str, params: dict[str, str]) -> None:
    found = _match_resource(template, [s for s in path.split("/") if s])

    assert found is not None
    assert found[1] == params


@pytest.mark.parametrize(
    ("template", "path"),
    [
        ("/api/public", "/api/private"),
        ("/items/{id}", "/items"),
        ("/items/{id}", "/items/1/2"),
        ("/files/{proxy+}", "/files"),
    ],
)
def test_other_paths_do_not_match(template: str, path: str) -> None:
    assert _match_resource(template, [s for s in path.split("/") if s]) is None


def test_static_segment_ranks_before_a_parameter_and_a_parameter_before_greedy() -> None:
    segments = ["items", "special"]
    static = _match_resource("/items/special", segments)
    parameter = _match_resource("/items/{id}", segments)
    greedy = _match_resource("/items/{proxy+}", segments)

    assert static is not None and parameter is not None and greedy is not None
    assert static[0] < parameter[0] < greedy[0]


@pytest.mark.parametrize(("value", "text"), [(True, "true"), (False, "false"), (3, "3"), (1.5, "1.5"), ("s", "s")])
def test_authorizer_context_values_become_strings(value: object, text: str) -> None:
    assert context_string(value) == text
