from __future__ import annotations

import re
from typing import Any

from aws_lambda_powertools.utilities.data_classes.api_gateway_authorizer_event import (
    APIGatewayAuthorizerResponse,
    parse_api_gateway_arn,
)

METHOD_ARN = re.compile(r"arn:aws[a-z-]*:execute-api:[a-z0-9-]+:\d{12}:[A-Za-z0-9]+/[A-Za-z0-9_-]+/[A-Z*]+(/.*)?")


def allow_every_route(method_arn: str, principal_id: str, context: dict[str, str]) -> dict[str, Any]:
    """An Allow for every method and path of the stage the request came through.

    API Gateway caches the policy per token and reuses it for the API's other routes, so a policy
    naming only `method_arn` would answer 403 on the next route a cached token calls.
    """
    if not METHOD_ARN.fullmatch(method_arn):
        raise ValueError("methodArn is not an API Gateway method ARN")
    arn = parse_api_gateway_arn(method_arn)
    response = APIGatewayAuthorizerResponse(
        principal_id=principal_id,
        region=arn.region,
        aws_account_id=arn.aws_account_id,
        api_id=arn.api_id,
        stage=arn.stage,
        context=context,
        # from_route_arn() would drop the partition (aws-cn, aws-us-gov); keep it.
        partition=arn.partition,
    )
    response.allow_all_routes()
    return response.asdict()
