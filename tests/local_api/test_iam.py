"""IAM evaluation of an authorizer's policy against a method ARN, with API Gateway's wildcards."""

from __future__ import annotations

from typing import Any

import pytest

from local_api.iam import Decision, PolicyError, evaluate, wildcard_match

ARN = "arn:aws:execute-api:us-east-1:123456789012:abc123/prod/GET/api/private"


@pytest.mark.parametrize(
    ("pattern", "value", "matches"),
    [
        ("arn:aws:execute-api:us-east-1:123456789012:abc123/prod/*/*", ARN, True),  # * spans slashes
        ("arn:aws:execute-api:*:*:abc123/*", ARN, True),
        ("arn:aws:execute-api:us-east-1:123456789012:abc123/prod/GET/api/privat?", ARN, True),
        ("arn:aws:execute-api:us-east-1:123456789012:abc123/prod/GET/api/priv?", ARN, False),  # ? is one character
        ("arn:aws:execute-api:us-east-1:123456789012:abc123/prod/POST/*", ARN, False),
        ("arn:aws:execute-api:us-east-1:123456789012:abc123/prod/GET/api/private", ARN, True),
        ("arn:aws:execute-api:us-east-1:123456789012:abc123/prod/GET/api", ARN, False),
        ("arn:aws:execute-api:us-east-1:123456789012:abc123/prod/get/api/private", ARN, False),  # case matters
        ("arn:aws:execute-api:us-east-1:123456789012:abc123/prod/GET/api/(private)", ARN, False),  # no regex
        ("*", ARN, True),
    ],
)
def test_wildcard_matching(pattern: str, value: str, matches: bool) -> None:
    assert wildcard_match(pattern, value) is matches


def policy(*statements: dict[str, Any]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def statement(effect: str, resource: Any, action: Any = "execute-api:Invoke") -> dict[str, Any]:
    return {"Effect": effect, "Action": action, "Resource": resource}


def test_matching_allow_allows() -> None:
    assert evaluate(policy(statement("Allow", "arn:aws:execute-api:*:*:abc123/prod/*/*")), ARN) is Decision.ALLOW


def test_explicit_deny_wins_whatever_the_order() -> None:
    allow = statement("Allow", "*")
    deny = statement("Deny", [ARN])

    assert evaluate(policy(allow, deny), ARN) is Decision.DENY
    assert evaluate(policy(deny, allow), ARN) is Decision.DENY


def test_allow_for_another_method_is_no_allow() -> None:
    other = ARN.replace("/GET/", "/POST/")

    assert evaluate(policy(statement("Allow", other)), ARN) is Decision.NO_ALLOW
    assert evaluate(policy(), ARN) is Decision.NO_ALLOW


@pytest.mark.parametrize("action", ["execute-api:*", "*", "EXECUTE-API:invoke", ["s3:GetObject", "execute-api:Invoke"]])
def test_action_wildcards_and_lists(action: Any) -> None:
    assert evaluate(policy(statement("Allow", ARN, action)), ARN) is Decision.ALLOW


def test_other_action_does_not_allow() -> None:
    assert evaluate(policy(statement("Allow", ARN, "execute-api:ManageConnections")), ARN) is Decision.NO_ALLOW


def test_single_statement_object_is_accepted() -> None:
    assert evaluate({"Version": "2012-10-17", "Statement": statement("Allow", ARN)}, ARN) is Decision.ALLOW


@pytest.mark.parametrize(
    "document",
    [
        None,
        "Allow",
        {"Version": "2012-10-17"},
        {"Statement": "Allow everything"},
        policy({"Effect": "Maybe", "Action": "*", "Resource": "*"}),
        policy({"Effect": "Allow", "Resource": "*"}),
        policy({"Effect": "Allow", "Action": "*"}),
        policy({"Effect": "Allow", "Action": "*", "Resource": 42}),
        policy({"Effect": "Allow", "Action": [], "Resource": "*"}),
    ],
    ids=[
        "none",
        "string",
        "no-statement",
        "statement-string",
        "bad-effect",
        "no-action",
        "no-resource",
        "number",
        "empty",
    ],
)
def test_malformed_policies_are_errors(document: Any) -> None:
    with pytest.raises(PolicyError):
        evaluate(document, ARN)
