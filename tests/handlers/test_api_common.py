"""The handlers' shared layer: settings, and reading the scopes the authorizer granted."""

from __future__ import annotations

from typing import Any

import pytest

from api_common import HandlerSettings, granted_scopes, missing_scopes


@pytest.mark.parametrize(
    ("context", "expected"),
    [
        ({"scope": "read:messages write:messages"}, {"read:messages", "write:messages"}),
        ({"scope": "  read:messages  "}, {"read:messages"}),
        ({"scope": ""}, set()),
        ({}, set()),
        (None, set()),
        ({"scope": 42}, set()),
        ({"scope": ["read:messages"]}, set()),
    ],
)
def test_granted_scopes_are_read_from_the_space_separated_context_value(
    context: dict[str, Any] | None, expected: set[str]
) -> None:
    assert granted_scopes(context) == expected


def test_missing_scopes_keep_the_required_order() -> None:
    assert missing_scopes(["b", "a", "c"], frozenset({"a"})) == ["b", "c"]


def test_settings_read_scopes_separated_by_spaces_or_commas() -> None:
    settings = HandlerSettings.from_env({"REQUIRED_SCOPES": "read:messages, write:messages", "CORS_ALLOW_ORIGIN": ""})

    assert settings.required_scopes == ("read:messages", "write:messages")
    assert settings.cors_allow_origin == "*"
