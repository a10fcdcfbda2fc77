"""The events API Gateway sends to Lambda: proxy events (payload v1) and authorizer events."""

from __future__ import annotations

import base64
import hashlib
import time
import uuid
from datetime import UTC, datetime
from typing import Any
from urllib.parse import unquote

from local_api.cfn import ACCOUNT_ID
from local_api.http import HttpRequest


def method_arn(region: str, api_id: str, stage: str, method: str, path: str) -> str:
    """`arn:aws:execute-api:{region}:{account}:{api}/{stage}/{METHOD}/{path}`, with the concrete path."""
    return f"arn:aws:execute-api:{region}:{ACCOUNT_ID}:{api_id}/{stage}/{method}/{path.lstrip('/')}"


def media_type_matches(pattern: str, media_type: str) -> bool:
    """`image/*` matches `image/png`; `*/*` matches anything."""
    want_main, _, want_sub = pattern.strip().lower().partition("/")
    main, _, sub = media_type.split(";")[0].strip().lower().partition("/")
    return want_main in ("*", main) and want_sub in ("*", sub)


def _single_and_multi(pairs: list[tuple[str, str]]) -> tuple[dict[str, str] | None, dict[str, list[str]] | None]:
    if not pairs:
        return None, None
    single: dict[str, str] = {}
    multi: dict[str, list[str]] = {}
    for key, value in pairs:
        single[key] = value  # the last value wins, as in API Gateway
        multi.setdefault(key, []).append(value)
    return single, multi


def trace_id() -> str:
    return f"Root=1-{int(time.time()):08x}-{uuid.uuid4().hex[:24]}"


def request_context(
    request: HttpRequest,
    *,
    api_id: str,
    stage: str,
    resource_path: str,
    request_id: str,
    authorizer: dict[str, Any] | None,
) -> dict[str, Any]:
    now = datetime.now(UTC)
    host = request.header("Host") or "localhost"
    context: dict[str, Any] = {
        "resourceId": hashlib.sha256(resource_path.encode()).hexdigest()[:6],
        "resourcePath": resource_path,
        "httpMethod": request.method,
        "extendedRequestId": base64.b32encode(uuid.uuid4().bytes).decode()[:16],
        "requestTime": now.strftime("%d/%b/%Y:%H:%M:%S +0000"),
        "path": f"/{stage}{request.path}",
        "accountId": ACCOUNT_ID,
        "protocol": "HTTP/1.1",
        "stage": stage,
        "domainPrefix": host.split(".")[0].split(":")[0],
        "requestTimeEpoch": int(now.timestamp() * 1000),
        "requestId": request_id,
        "identity": {
            "cognitoIdentityPoolId": None,
            "accountId": None,
            "cognitoIdentityId": None,
            "caller": None,
            "sourceIp": request.source_ip,
            "principalOrgId": None,
            "accessKey": None,
            "cognitoAuthenticationType": None,
            "cognitoAuthenticationProvider": None,
            "userArn": None,
            "userAgent": request.header("User-Agent"),
            "user": None,
        },
        "domainName": host,
        "apiId": api_id,
    }
    if authorizer is not None:
        context["authorizer"] = authorizer
    return context


def proxy_event(
    request: HttpRequest,
    *,
    resource_path: str,
    path_parameters: dict[str, str] | None,
    stage_variables: dict[str, str] | None,
    api_id: str,
    stage: str,
    request_id: str,
    authorizer: dict[str, Any] | None,
    binary_media_types: tuple[str, ...] = (),
) -> dict[str, Any]:
    """A Lambda proxy integration event (payload format 1.0) for `request`."""
    forwarded = [
        ("X-Amzn-Trace-Id", trace_id()),
        ("X-Forwarded-For", request.source_ip),
        ("X-Forwarded-Port", (request.header("Host") or "").rpartition(":")[2] or "80"),
        ("X-Forwarded-Proto", "http"),
    ]
    names = {key.lower() for key, _ in request.headers}
    headers, multi_headers = _single_and_multi(
        request.headers + [(key, value) for key, value in forwarded if key.lower() not in names]
    )
    query, multi_query = _single_and_multi(request.query)
    content_type = request.header("Content-Type") or ""
    body: str | None = None
    is_base64 = False
    if request.body:
        if content_type and any(media_type_matches(t, content_type) for t in binary_media_types):
            body, is_base64 = base64.b64encode(request.body).decode(), True
        else:
            body = request.body.decode("utf-8", errors="replace")
    return {
        "resource": resource_path,
        "path": unquote(request.path),
        "httpMethod": request.method,
        "headers": headers,
        "multiValueHeaders": multi_headers,
        "queryStringParameters": query,
        "multiValueQueryStringParameters": multi_query,
        "pathParameters": path_parameters or None,
        "stageVariables": stage_variables or None,
        "requestContext": request_context(
            request,
            api_id=api_id,
            stage=stage,
            resource_path=resource_path,
            request_id=request_id,
            authorizer=authorizer,
        ),
        "body": body,
        "isBase64Encoded": is_base64,
    }


def token_authorizer_event(token: str, arn: str) -> dict[str, Any]:
    return {"type": "TOKEN", "authorizationToken": token, "methodArn": arn}
