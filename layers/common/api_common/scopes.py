from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

# The authorizer puts the granted scopes, space-separated, under this context key.
SCOPE_CONTEXT_KEY = "scope"


def granted_scopes(authorizer_context: Mapping[str, Any] | None) -> frozenset[str]:
    """The scopes the authorizer granted, read from `requestContext.authorizer`."""
    if not authorizer_context:
        return frozenset()
    value = authorizer_context.get(SCOPE_CONTEXT_KEY)
    if not isinstance(value, str):
        return frozenset()
    return frozenset(value.split())


def missing_scopes(required: Iterable[str], granted: frozenset[str]) -> list[str]:
    """Required scopes absent from `granted`, in the order they were required."""
    return [scope for scope in required if scope not in granted]
