"""Lambda entry point of the TOKEN authorizer: wiring only; the checks live in jwt_authorizer."""

from __future__ import annotations

import os
from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.utilities.typing import LambdaContext

from jwt_authorizer import ConfigurationError, DenyReason, Settings, TokenRejectedError, TokenValidator
from jwt_authorizer.policy import allow_every_route
from jwt_authorizer.validator import token_summary
from telemetry import DecisionMetrics

logger = Logger()
# A namespace is required to publish; a missing setting must not turn a decision into a 500.
metrics = Metrics(namespace=os.getenv("POWERTOOLS_METRICS_NAMESPACE") or "ProtectedApi")
decisions = DecisionMetrics(metrics, logger)

# Built on the first request and kept for the container's life: it holds the JWKS and token caches.
_validator: TokenValidator | None = None


def get_validator() -> TokenValidator:
    global _validator
    if _validator is None:
        _validator = TokenValidator(Settings.from_env(), log=logger)
    return _validator


# No @logger.inject_lambda_context: it costs about 20 us on every request (measured), and only a
# denial logs anything; the Lambda context goes into that line instead (see _log_denial).
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    event = event if isinstance(event, dict) else {}
    authorization = event.get("authorizationToken")
    cold_start = _validator is None
    try:
        verified = get_validator().verify_authorization(authorization)
        policy = allow_every_route(str(event.get("methodArn", "")), verified.principal_id, verified.context())
    except TokenRejectedError as rejection:
        denial = rejection
    except ConfigurationError as error:
        denial = TokenRejectedError(DenyReason.CONFIGURATION_ERROR, str(error))
        logger.error("Authorizer misconfigured: every token is refused", extra={"error": str(error)})
    except Exception as error:  # anything unforeseen must still be a 401, never a 500
        denial = TokenRejectedError(DenyReason.INTERNAL_ERROR, type(error).__name__)
        logger.error("Unexpected error while verifying a token", extra={"error_type": type(error).__name__})
    else:
        decisions.allow()
        return policy

    _log_denial(denial, authorization, context, cold_start)
    decisions.deny(denial.reason)
    # Exactly this message: API Gateway answers 401 for it, and 500 for any other.
    raise Exception("Unauthorized")


def _log_denial(denial: TokenRejectedError, authorization: Any, context: LambdaContext, cold_start: bool) -> None:
    max_length = _validator.settings.max_token_length if _validator else Settings.max_token_length
    request_id = getattr(context, "aws_request_id", "")
    logger.info(
        "Access token denied",
        extra={
            "reason": denial.reason.value,
            "detail": denial.detail[:300],
            **({"hint": denial.hint} if denial.hint else {}),
            **token_summary(authorization, max_length),
            # What inject_lambda_context would add, set on this line only: in the local runner, where
            # all functions share one process, the handlers' Powertools keys would otherwise show here.
            "correlation_id": request_id,
            "function_request_id": request_id,
            "function_name": getattr(context, "function_name", ""),
            "function_arn": getattr(context, "invoked_function_arn", ""),
            "function_memory_size": getattr(context, "memory_limit_in_mb", 0),
            "cold_start": cold_start,
        },
    )
