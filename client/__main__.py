"""`python -m client [PATH ...]`: get a token with the client-credentials grant and GET each path.

Settings come from flags or, failing those, the environment:
  ISSUER (or AUTH0_DOMAIN)  the issuer, e.g. https://YOUR_TENANT.auth0.com/ ; the token URL is {issuer}oauth/token
  TOKEN_URL                 an explicit token endpoint (issuers other than Auth0)
  CLIENT_ID, CLIENT_SECRET  the machine-to-machine application's credentials
  AUDIENCE                  the API identifier (the template's Audience)
  SCOPE                     optional: ask for fewer scopes than granted
  API_URL                   the API's base URL (the stack's ApiUrl output, or http://127.0.0.1:3010 locally)
Exit status: 0 every call succeeded, 1 the API refused a call (401/403), 2 configuration or token error.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Mapping, Sequence

from client.m2m_client import (
    ApiClient,
    ApiError,
    ClientCredentials,
    ConfigurationError,
    M2MClientError,
    TokenProvider,
    issuer_for_auth0_domain,
    token_url_for,
)

DEFAULT_PATHS = ("/api/public", "/api/private", "/api/private-scoped")


def parse_args(argv: Sequence[str] | None, environ: Mapping[str, str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m client", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("paths", nargs="*", default=list(DEFAULT_PATHS), help="API paths to GET (default: all three)")
    parser.add_argument("--issuer", default=environ.get("ISSUER"))
    parser.add_argument("--auth0-domain", default=environ.get("AUTH0_DOMAIN"))
    parser.add_argument("--token-url", default=environ.get("TOKEN_URL"))
    parser.add_argument("--client-id", default=environ.get("CLIENT_ID"))
    parser.add_argument("--client-secret", default=environ.get("CLIENT_SECRET"), help="prefer the environment")
    parser.add_argument("--audience", default=environ.get("AUDIENCE"))
    parser.add_argument("--scope", default=environ.get("SCOPE"))
    parser.add_argument("--api-url", default=environ.get("API_URL"))
    return parser.parse_args(argv)


def build_client(args: argparse.Namespace) -> ApiClient:
    token_url = args.token_url
    if not token_url:
        issuer = args.issuer or (issuer_for_auth0_domain(args.auth0_domain) if args.auth0_domain else None)
        if not issuer:
            raise ConfigurationError("set ISSUER (or AUTH0_DOMAIN, or TOKEN_URL)")
        token_url = token_url_for(issuer)
    if not args.api_url:
        raise ConfigurationError("set API_URL (the stack's ApiUrl output)")
    credentials = ClientCredentials(token_url, args.client_id, args.client_secret, args.audience, args.scope)
    return ApiClient(args.api_url, TokenProvider(credentials))


def main(argv: Sequence[str] | None = None, environ: Mapping[str, str] | None = None) -> int:
    args = parse_args(argv, os.environ if environ is None else environ)
    refused = False
    try:
        api = build_client(args)
        for path in args.paths:
            try:
                response = api.get(path)
            except ApiError as error:
                refused = True
                print(f"GET {path} -> {error.status}: {error}", file=sys.stderr)
                continue
            print(f"GET {path} -> {response.status} {json.dumps(response.body)}")
    except M2MClientError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    return 1 if refused else 0


if __name__ == "__main__":
    sys.exit(main())
