"""A machine-to-machine client for the protected API (client-credentials grant, cached token)."""

from client.m2m_client import (
    ApiClient,
    ApiError,
    ApiResponse,
    ClientCredentials,
    ConfigurationError,
    InvalidClientError,
    IssuerUnreachableError,
    M2MClientError,
    TokenProvider,
    TokenRequestError,
    issuer_for_auth0_domain,
    parse_bearer_challenge,
    token_url_for,
)

__all__ = [
    "ApiClient",
    "ApiError",
    "ApiResponse",
    "ClientCredentials",
    "ConfigurationError",
    "InvalidClientError",
    "IssuerUnreachableError",
    "M2MClientError",
    "TokenProvider",
    "TokenRequestError",
    "issuer_for_auth0_domain",
    "parse_bearer_challenge",
    "token_url_for",
]
