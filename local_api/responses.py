"""API Gateway's own answers (gateway responses), shaped by the template's `GatewayResponses`.

A type the template does not customise inherits DEFAULT_4XX or DEFAULT_5XX from the template when
those exist, keeping its own status code; otherwise API Gateway's built-in answer applies.
Response templates are Velocity; the runner substitutes the `$context` variables gateway responses
use, `$context.error.messageString` being the message already JSON-quoted (or `null`).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass

from local_api.http import HttpRequest, HttpResponse
from local_api.model import ApiSpec, GatewayResponseSpec

DEFAULT_STATUS = {
    "ACCESS_DENIED": 403,
    "API_CONFIGURATION_ERROR": 500,
    "AUTHORIZER_CONFIGURATION_ERROR": 500,
    "AUTHORIZER_FAILURE": 500,
    "BAD_REQUEST_BODY": 400,
    "BAD_REQUEST_PARAMETERS": 400,
    "INTEGRATION_FAILURE": 504,
    "INTEGRATION_TIMEOUT": 504,
    "MISSING_AUTHENTICATION_TOKEN": 403,
    "REQUEST_TOO_LARGE": 413,
    "RESOURCE_NOT_FOUND": 404,
    "THROTTLED": 429,
    "UNAUTHORIZED": 401,
    "UNSUPPORTED_MEDIA_TYPE": 415,
}

ERROR_TYPES = {
    "ACCESS_DENIED": "AccessDeniedException",
    "AUTHORIZER_CONFIGURATION_ERROR": "AuthorizerConfigurationException",
    "AUTHORIZER_FAILURE": "AuthorizerFailureException",
    "MISSING_AUTHENTICATION_TOKEN": "MissingAuthenticationTokenException",
    "REQUEST_TOO_LARGE": "RequestTooLargeException",
    "UNAUTHORIZED": "UnauthorizedException",
    "DEFAULT_5XX": "InternalServerErrorException",
}

DEFAULT_TEMPLATE = '{"message":$context.error.messageString}'
# What API Gateway answers for an authorizer's Deny when ACCESS_DENIED is not customised.
ACCESS_DENIED_TEMPLATE = '{"Message":$context.error.messageString}'

_VARIABLE = re.compile(r"\$!?\{context\.([A-Za-z0-9_.]+)\}|\$!?context\.([A-Za-z0-9_]+(?:\.[A-Za-z0-9_]+)*)")


@dataclass(frozen=True)
class GatewayError:
    """One of the gateway's own answers: its type, message, and status when it is not the type's default."""

    kind: str
    message: str | None
    status: int | None = None


def message_string(message: str | None) -> str:
    """`$context.error.messageString`: the message as a JSON string literal, or `null`."""
    return "null" if message is None else json.dumps(message)


def render_template(template: str, context: Mapping[str, str]) -> str:
    """Substitute `$context.x.y` variables; unknown ones stay as written, as Velocity leaves them."""

    def replace(match: re.Match[str]) -> str:
        return context.get(match.group(1) or match.group(2), match.group(0))

    return _VARIABLE.sub(replace, template)


def _header_value(mapping: str, request: HttpRequest) -> str | None:
    if len(mapping) >= 2 and mapping[0] == mapping[-1] == "'":
        return mapping[1:-1]
    for prefix, values in (
        ("method.request.header.", lambda name: request.header_values(name)),
        ("method.request.querystring.", lambda name: request.query_values(name)),
    ):
        if mapping.startswith(prefix):
            found = values(mapping[len(prefix) :])
            return found[-1] if found else None
    return None


def _specs(api: ApiSpec, kind: str, status: int) -> tuple[GatewayResponseSpec | None, GatewayResponseSpec | None]:
    own = api.gateway_responses.get(kind)
    inherited = api.gateway_responses.get("DEFAULT_5XX" if status >= 500 else "DEFAULT_4XX")
    return own, inherited


def render(api: ApiSpec, error: GatewayError, request: HttpRequest, context: Mapping[str, str]) -> HttpResponse:
    """The HTTP answer API Gateway gives for `error` on `api`."""
    status = error.status or DEFAULT_STATUS.get(error.kind, 500)
    own, inherited = _specs(api, error.kind, status)
    spec = own or inherited
    if own is not None and own.status:
        status = own.status
    templates: Mapping[str, str] = spec.templates if spec and spec.templates else {}
    if templates:
        content_type = "application/json" if "application/json" in templates else next(iter(templates))
        template = templates[content_type]
    else:
        content_type = "application/json"
        template = ACCESS_DENIED_TEMPLATE if error.kind == "ACCESS_DENIED" and spec is None else DEFAULT_TEMPLATE
    variables = {
        **context,
        "error.message": "null" if error.message is None else error.message,
        "error.messageString": message_string(error.message),
        "error.responseType": error.kind,
    }
    body = render_template(template, variables)
    headers: list[tuple[str, str]] = [("Content-Type", content_type)]
    for name, mapping in (spec.headers if spec else {}).items():
        value = _header_value(mapping, request)
        if value is not None:
            headers.append((name, value))
    headers.append(("x-amzn-RequestId", context.get("requestId", "")))
    headers.append(
        ("x-amzn-ErrorType", ERROR_TYPES.get(error.kind, ERROR_TYPES["DEFAULT_5XX"] if status >= 500 else ""))
    )
    return HttpResponse(status=status, headers=[(k, v) for k, v in headers if v != ""], body=body.encode())
