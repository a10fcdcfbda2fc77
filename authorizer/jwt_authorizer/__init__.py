"""Bearer-token (JWT) verification for an API Gateway TOKEN authorizer.

Nothing here knows about Lambda: `authorizer/app.py` wires it to the event.
"""

from jwt_authorizer.config import ConfigurationError, Settings
from jwt_authorizer.reasons import DenyReason, TokenRejectedError
from jwt_authorizer.validator import TokenValidator, VerifiedToken

__all__ = [
    "ConfigurationError",
    "DenyReason",
    "Settings",
    "TokenRejectedError",
    "TokenValidator",
    "VerifiedToken",
]
