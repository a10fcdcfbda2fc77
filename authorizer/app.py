"""Lambda entry point of the TOKEN authorizer: wiring only; the checks live in jwt_authorizer."""

from __future__ import annotations

import os
from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.data_classes.api_gateway_authorizer_event import (
    APIGatewayAuthorizerTokenEvent,
)
from aws_lambda_powertools.utilities.typing import LambdaContext

from jwt_authorizer import ConfigurationError, DenyReason, Settings, TokenRejectedError, TokenValidator
from jwt_authorizer.policy import allow_every_route
from jwt_authorizer.validator import token_summary

logger = Logger()
# A namespace is required to flush; never let a missing setting turn a decision into a 500.
metrics = Metrics(namespace=os.getenv("POWERTOOLS_METRICS_NAMESPACE") or "ProtectedApi")

# Built on the first request and kept for the container's life: it holds the JWKS cache.
_validator: TokenValidator | None = None


def get_validator() -> TokenValidator:
    global _validator
    if _validator is None:
        _validator = TokenValidator(Settings.from_env(), log=logger)
    return _validator


@logger.inject_lambda_context(clear_state=True)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    logger.set_correlation_id(context.aws_request_id)
    try:
        return _decide(event)
    finally:
        _flush_metrics()


def _decide(event: dict[str, Any]) -> dict[str, Any]:
    request = APIGatewayAuthorizerTokenEvent(event if isinstance(event, dict) else {})
    authorization = request.get("authorizationToken")
    try:
        verified = get_validator().verify_authorization(authorization)
        policy = allow_every_route(str(request.get("methodArn", "")), verified.principal_id, verified.context())
    except TokenRejectedError as rejection:
        denial = rejection
    except ConfigurationError as error:
        logger.error("Authorizer misconfigured: every token is refused", extra={"error": str(error)})
        denial = TokenRejectedError(DenyReason.CONFIGURATION_ERROR, str(error))
    except Exception as error:  # anything unforeseen must still be a 401, never a 500
        logger.error("Unexpected error while verifying a token", extra={"error_type": type(error).__name__})
        denial = TokenRejectedError(DenyReason.INTERNAL_ERROR, type(error).__name__)
    else:
        logger.debug("Access token allowed", extra={"principal_id": verified.principal_id})
        _count("allow")
        return policy

    max_length = _validator.settings.max_token_length if _validator else 10240
    logger.info(
        "Access token denied",
        extra={
            "reason": denial.reason.value,
            "detail": denial.detail[:300],
            **({"hint": denial.hint} if denial.hint else {}),
            **token_summary(authorization, max_length),
        },
    )
    _count("deny", denial.reason)
    # Exactly this message: API Gateway answers 401 for it, and 500 for any other.
    raise Exception("Unauthorized")


def _count(outcome: str, reason: DenyReason | None = None) -> None:
    metrics.add_dimension(name="outcome", value=outcome)
    if reason is not None:
        metrics.add_dimension(name="reason", value=reason.value)
    metrics.add_metric(name="AuthorizerDecisions", unit=MetricUnit.Count, value=1)


def _flush_metrics() -> None:
    try:
        metrics.flush_metrics()
    except Exception as error:  # a metrics problem must not change the answer
        logger.warning("Could not flush metrics", extra={"error_type": type(error).__name__})
