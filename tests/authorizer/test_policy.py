"""The Allow policy is written out by hand (importing Powertools' class costs ~30 ms of cold start):
it must stay exactly what Powertools' APIGatewayAuthorizerResponse builds."""

from __future__ import annotations

import pytest
from aws_lambda_powertools.utilities.data_classes.api_gateway_authorizer_event import APIGatewayAuthorizerResponse

from jwt_authorizer.policy import allow_every_route


@pytest.mark.parametrize(
    "method_arn",
    [
        "arn:aws:execute-api:us-east-1:123456789012:abcdef1234/prod/GET/api/private",
        "arn:aws-cn:execute-api:cn-north-1:123456789012:abcdef1234/v1/POST/api/items/42",
        "arn:aws-us-gov:execute-api:us-gov-west-1:123456789012:a1b2c3/dev_stage/*",
    ],
)
def test_allow_policy_is_what_powertools_builds_for_the_whole_stage(method_arn: str) -> None:
    # Given a method ARN of some stage
    _, partition, _, region, account, rest = method_arn.split(":", 5)
    api_id, stage = rest.split("/")[:2]
    powertools = APIGatewayAuthorizerResponse(
        principal_id="client@clients",
        region=region,
        aws_account_id=account,
        api_id=api_id,
        stage=stage,
        context={"scope": "read:messages"},
        partition=partition,
    )
    powertools.allow_all_routes()

    # When the authorizer allows a token through it
    ours = allow_every_route(method_arn, "client@clients", {"scope": "read:messages"})

    # Then the answer is the one Powertools would have given
    assert ours == powertools.asdict()
