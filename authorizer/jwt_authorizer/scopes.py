from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any


def granted_scopes(claims: Mapping[str, Any]) -> tuple[str, ...]:
    """The union of the scopes a token grants, in first-seen order.

    `scope` (RFC 8693/9068, Auth0, Keycloak, Cognito): a space-separated string, or an array.
    `scp` (Okta: an array; Entra ID: a space-separated string).
    `permissions` (Auth0 RBAC): an array.
    A claim of any other shape grants nothing: it is ignored rather than guessed at.
    """
    found: dict[str, None] = {}
    for scope in (
        *_words(claims.get("scope"), allow_string=True),
        *_words(claims.get("scp"), allow_string=True),
        *_words(claims.get("permissions"), allow_string=False),
    ):
        found.setdefault(scope)
    return tuple(found)


def _words(value: Any, *, allow_string: bool) -> Iterable[str]:
    if isinstance(value, str):
        return value.split() if allow_string else ()
    if isinstance(value, list):
        return [word for item in value if isinstance(item, str) for word in item.split()]
    return ()
