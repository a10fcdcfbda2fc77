"""Evaluate a Lambda authorizer's IAM policy against a method ARN, as API Gateway does.

An explicit Deny matching the request wins; otherwise a matching Allow is needed. `*` matches any run
of characters (slashes included) and `?` exactly one, in `Action` and `Resource` alike.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Mapping
from functools import lru_cache
from typing import Any

INVOKE_ACTION = "execute-api:Invoke"


class PolicyError(ValueError):
    """The authorizer returned something that is not a usable policy (API Gateway: a 500)."""


class Decision(enum.Enum):
    ALLOW = "allow"
    DENY = "explicit_deny"
    NO_ALLOW = "no_allow"


@lru_cache(maxsize=1024)
def _pattern(wildcard: str, ignore_case: bool) -> re.Pattern[str]:
    body = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in wildcard)
    return re.compile(body, re.DOTALL | (re.IGNORECASE if ignore_case else 0))


def wildcard_match(pattern: str, value: str, *, ignore_case: bool = False) -> bool:
    """IAM string matching: `*` any characters, `?` one character, the rest literal."""
    return _pattern(pattern, ignore_case).fullmatch(value) is not None


def _strings(value: Any, what: str) -> list[str]:
    values = [value] if isinstance(value, str) else value
    if not isinstance(values, list) or not values or not all(isinstance(item, str) for item in values):
        raise PolicyError(f"policy statement {what} must be a string or a list of strings")
    return values


def evaluate(policy: Any, method_arn: str, action: str = INVOKE_ACTION) -> Decision:
    """Whether `policy` (an IAM policy document) lets the caller invoke `method_arn`."""
    if not isinstance(policy, Mapping):
        raise PolicyError("policyDocument must be an object")
    statements = policy.get("Statement")
    if isinstance(statements, Mapping):
        statements = [statements]
    if not isinstance(statements, list):
        raise PolicyError("policyDocument.Statement must be a list")
    allowed = False
    for statement in statements:
        if not isinstance(statement, Mapping):
            raise PolicyError("a policy statement must be an object")
        effect = statement.get("Effect")
        if effect not in ("Allow", "Deny"):
            raise PolicyError("policy statement Effect must be Allow or Deny")
        if "Action" in statement:
            action_hit = any(
                wildcard_match(p, action, ignore_case=True) for p in _strings(statement["Action"], "Action")
            )
        elif "NotAction" in statement:
            action_hit = not any(
                wildcard_match(p, action, ignore_case=True) for p in _strings(statement["NotAction"], "NotAction")
            )
        else:
            raise PolicyError("policy statement needs Action")
        if "Resource" in statement:
            resource_hit = any(wildcard_match(p, method_arn) for p in _strings(statement["Resource"], "Resource"))
        elif "NotResource" in statement:
            resource_hit = not any(
                wildcard_match(p, method_arn) for p in _strings(statement["NotResource"], "NotResource")
            )
        else:
            raise PolicyError("policy statement needs Resource")
        if action_hit and resource_hit:
            if effect == "Deny":
                return Decision.DENY
            allowed = True
    return Decision.ALLOW if allowed else Decision.NO_ALLOW
