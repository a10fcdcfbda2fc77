"""API Gateway (REST API, Lambda proxy integration) in-process: routing, authorizers, CORS, responses.

`Gateway.handle` turns an `HttpRequest` into an `HttpResponse` exactly as the template's API would,
including the parts other local emulators skip: the identity-source check before the authorizer, the
authorizer result cache shared by every route, IAM evaluation of the policy against the real method
ARN, the 500 for a malformed authorizer answer, gateway responses, and the 502 for a failing function.
"""

from __future__ import annotations

import base64
import json
import logging
import threading
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

from local_api import events, iam
from local_api.http import HttpRequest, HttpResponse
from local_api.model import ApiSpec, AppModel, AuthorizerSpec, Route
from local_api.responses import GatewayError, render
from local_api.runtime import FunctionError, LambdaFunction

log = logging.getLogger("local_api")

UNAUTHORIZED = "Unauthorized"
NOT_AUTHORIZED = "User is not authorized to access this resource"
EXPLICIT_DENY = "User is not authorized to access this resource with an explicit deny"
MISSING_TOKEN = "Missing Authentication Token"
INTERNAL_ERROR = "Internal server error"
MAX_REQUEST_BYTES = 10 * 1024 * 1024
MAX_RESPONSE_BYTES = 6 * 1024 * 1024
MAX_CACHE_ENTRIES = 10_000
PROXY_RESPONSE_KEYS = frozenset({"statusCode", "headers", "multiValueHeaders", "body", "isBase64Encoded"})


class _RejectedError(Exception):
    """Stop handling the request with this gateway answer."""

    def __init__(self, error: GatewayError, auth: str = "none"):
        super().__init__(error.kind)
        self.error = error
        self.auth = auth


class MalformedResponseError(ValueError):
    """The function's answer is not a valid Lambda proxy response (API Gateway: 502)."""


@dataclass(frozen=True)
class CachedAuthorization:
    principal_id: str
    policy: Any
    context: dict[str, str]
    expires: float


@dataclass(frozen=True)
class _Match:
    api: ApiSpec
    resource: str
    path_parameters: dict[str, str]
    route: Route | None  # None: the resource exists, but not for this method


def _segments(path: str) -> list[str]:
    return [segment for segment in path.split("/") if segment]


def _match_resource(template: str, path_segments: list[str]) -> tuple[tuple[int, ...], dict[str, str]] | None:
    """(rank, path parameters) when `path_segments` fit the resource template; lower rank = more specific."""
    parts = _segments(template)
    params: dict[str, str] = {}
    rank: list[int] = []
    for index, part in enumerate(parts):
        if part.startswith("{") and part.endswith("+}"):
            rest = path_segments[index:]
            if not rest:
                return None
            params[part[1:-2]] = "/".join(rest)
            rank.append(2)
            return tuple(rank), params
        if index >= len(path_segments):
            return None
        if part.startswith("{") and part.endswith("}"):
            params[part[1:-1]] = path_segments[index]
            rank.append(1)
        elif part != path_segments[index]:
            return None
        else:
            rank.append(0)
    if len(parts) != len(path_segments):
        return None
    return tuple(rank), params


def context_string(value: Any) -> str:
    """How API Gateway hands an authorizer context value to the integration: always a string."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


class AuthorizerCache:
    """Authorizer results per (authorizer, identity-source value), shared by every route of the API."""

    def __init__(self, clock: Callable[[], float] = time.monotonic):
        self._entries: dict[tuple[str, str, str], CachedAuthorization] = {}
        self._lock = threading.Lock()
        self._clock = clock

    def get(self, key: tuple[str, str, str]) -> CachedAuthorization | None:
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None and entry.expires <= self._clock():
                del self._entries[key]
                return None
            return entry

    def put(self, key: tuple[str, str, str], entry: CachedAuthorization) -> None:
        with self._lock:
            if len(self._entries) >= MAX_CACHE_ENTRIES:  # a token per request must not grow it for ever
                now = self._clock()
                self._entries = {k: v for k, v in self._entries.items() if v.expires > now}
            self._entries[key] = entry

    def now(self) -> float:
        return self._clock()


class Gateway:
    """Every API of one template, served together (as `sam local start-api` does)."""

    def __init__(self, model: AppModel, on_reload: Callable[[str], None] | None = None):
        self.model = model
        self.functions = {
            logical_id: LambdaFunction(spec, model.region, on_reload) for logical_id, spec in model.functions.items()
        }
        self.cache = AuthorizerCache()

    # Routing -------------------------------------------------------------------------------------

    def _match(self, method: str, path: str) -> _Match | None:
        path_segments = [unquote(segment) for segment in _segments(path)]
        best: tuple[tuple[int, ...], str, str, dict[str, str]] | None = None
        for route in self.model.routes:
            found = _match_resource(route.path, path_segments)
            if found is None:
                continue
            rank, params = found
            if best is None or rank < best[0]:
                best = (rank, route.api, route.path, params)
        if best is None:
            return None
        _, api_name, resource, params = best
        candidates = [r for r in self.model.routes if r.api == api_name and r.path == resource]
        chosen = next((r for r in candidates if r.method == method), None)
        if chosen is None:
            chosen = next((r for r in candidates if r.method == "ANY"), None)
        return _Match(self.model.apis[api_name], resource, params, chosen)

    def has_resource(self, path: str) -> bool:
        return self._match("GET", path) is not None

    # Requests ------------------------------------------------------------------------------------

    def _context_variables(self, api: ApiSpec, request: HttpRequest, request_id: str, resource: str) -> dict[str, str]:
        return {
            "requestId": request_id,
            "extendedRequestId": request_id,
            "apiId": api.api_id,
            "stage": api.stage,
            "httpMethod": request.method,
            "path": f"/{api.stage}{request.path}",
            "resourcePath": resource,
            "identity.sourceIp": request.source_ip,
            "identity.userAgent": request.header("User-Agent") or "",
        }

    def _default_api(self) -> ApiSpec | None:
        return next(iter(self.model.apis.values()), None)

    def handle(self, request: HttpRequest) -> HttpResponse:
        request_id = str(uuid.uuid4())
        match = self._match(request.method, request.path)
        api = match.api if match else self._default_api()
        if api is None:  # a template without any API: nothing is routable
            body = json.dumps({"message": MISSING_TOKEN}).encode()
            return HttpResponse(403, [("Content-Type", "application/json")], body)
        variables = self._context_variables(api, request, request_id, match.resource if match else "")
        try:
            if request.oversized or len(request.body) > MAX_REQUEST_BYTES:
                raise _RejectedError(GatewayError("REQUEST_TOO_LARGE", "Request Too Long"))
            if match is None:
                raise _RejectedError(GatewayError("MISSING_AUTHENTICATION_TOKEN", MISSING_TOKEN))
            explicit_options = match.route is not None and match.route.method == "OPTIONS"
            if request.method == "OPTIONS" and api.cors and not explicit_options:
                auth = "none"
                if api.authorize_preflight and api.default_authorizer:
                    _, auth = self._authorize(api, api.authorizers[api.default_authorizer], request, match)
                response = self._preflight(api, match.resource)
                response.auth = auth
                return self._finish(response, request_id)
            if match.route is None:
                raise _RejectedError(GatewayError("MISSING_AUTHENTICATION_TOKEN", MISSING_TOKEN))
            route = match.route
            authorizer_context: dict[str, Any] | None = None
            auth = "none"
            if route.authorizer is not None:
                authorizer_context, auth = self._authorize(api, api.authorizers[route.authorizer], request, match)
            response = self._integrate(api, route, match, request, request_id, authorizer_context)
            response.auth = auth
            return self._finish(response, request_id)
        except _RejectedError as reject:
            response = render(api, reject.error, request, variables)
            response.auth = reject.auth
            response.function = match.route.function_id if match and match.route else None
            return response

    def _finish(self, response: HttpResponse, request_id: str) -> HttpResponse:
        response.headers.append(("x-amzn-RequestId", request_id))
        response.headers.append(("x-amz-apigw-id", base64.b64encode(uuid.UUID(request_id).bytes[:8]).decode()))
        return response

    def _preflight(self, api: ApiSpec, resource: str) -> HttpResponse:
        cors = api.cors
        assert cors is not None
        headers = [("Content-Type", "application/json"), ("Access-Control-Allow-Origin", cors.allow_origin)]
        if cors.allow_headers:
            headers.append(("Access-Control-Allow-Headers", cors.allow_headers))
        methods = cors.allow_methods
        if not methods:
            # SAM's default: the resource's methods plus OPTIONS (every method for ANY), sorted.
            routed = {r.method for r in self.model.routes if r.api == api.logical_id and r.path == resource}
            everything = {"DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT"}
            methods = ",".join(sorted(everything if "ANY" in routed else routed | {"OPTIONS"}))
        headers.append(("Access-Control-Allow-Methods", methods))
        if cors.max_age is not None:
            headers.append(("Access-Control-Max-Age", cors.max_age))
        if cors.allow_credentials:
            headers.append(("Access-Control-Allow-Credentials", "true"))
        return HttpResponse(200, headers, b"{}\n")

    # Authorizers ---------------------------------------------------------------------------------

    def _identity(self, spec: AuthorizerSpec, request: HttpRequest) -> str | None:
        if spec.payload_type == "TOKEN":
            token = request.header(spec.header)
            if not token:
                return None
            if spec.validation is not None and not spec.validation.fullmatch(token):
                return None
            return token
        values: list[str] = []
        for name in spec.headers:
            value = request.header(name)
            if not value:
                return None
            values.append(value)
        for name in spec.query_strings:
            found = request.query_values(name)
            if not found:
                return None
            values.append(found[-1])
        return "\x00".join(values)

    def _authorizer_event(
        self, api: ApiSpec, spec: AuthorizerSpec, request: HttpRequest, match: _Match, identity: str, arn: str
    ) -> dict[str, Any]:
        if spec.payload_type == "TOKEN":
            return events.token_authorizer_event(identity, arn)
        event = events.proxy_event(
            request,
            resource_path=match.resource,
            path_parameters=match.path_parameters,
            stage_variables=api.stage_variables,
            api_id=api.api_id,
            stage=api.stage,
            request_id=str(uuid.uuid4()),
            authorizer=None,
        )
        for key in ("body", "isBase64Encoded"):
            event.pop(key, None)
        return {"type": "REQUEST", "methodArn": arn, **event}

    def _authorize(
        self, api: ApiSpec, spec: AuthorizerSpec, request: HttpRequest, match: _Match
    ) -> tuple[dict[str, Any], str]:
        """The `requestContext.authorizer` for an authorized request and "hit"/"miss"; else _RejectedError."""
        identity = self._identity(spec, request)
        if identity is None:
            raise _RejectedError(GatewayError("UNAUTHORIZED", UNAUTHORIZED), auth="rejected")
        arn = events.method_arn(self.model.region, api.api_id, api.stage, request.method, request.path)
        key = (api.logical_id, spec.name, identity)
        cached = self.cache.get(key) if spec.ttl > 0 else None
        status = "hit" if cached else "miss"
        latency = 0
        if cached is None:
            event = self._authorizer_event(api, spec, request, match, identity, arn)
            started = time.monotonic()
            try:
                answer = self.functions[spec.function_id].invoke(event)
            except FunctionError as error:
                if error.message == UNAUTHORIZED:
                    raise _RejectedError(GatewayError("UNAUTHORIZED", UNAUTHORIZED), auth=status) from None
                kind = (
                    "AUTHORIZER_FAILURE" if error.error_type == "Sandbox.Timedout" else "AUTHORIZER_CONFIGURATION_ERROR"
                )
                # The message may quote the token: never let it reach the log.
                details = f"{error.error_type}: {error.message}\n{''.join(error.stack)}".rstrip()
                log.warning("authorizer %s failed: %s", spec.name, details.replace(identity, "<identity>"))
                raise _RejectedError(GatewayError(kind, None), auth=status) from None
            latency = int((time.monotonic() - started) * 1000)
            try:
                cached = self._checked_answer(answer, spec.ttl)
            except (iam.PolicyError, ValueError) as problem:
                log.warning("authorizer %s answered something API Gateway rejects: %s", spec.name, problem)
                raise _RejectedError(GatewayError("AUTHORIZER_CONFIGURATION_ERROR", None), auth=status) from None
            if spec.ttl > 0:
                self.cache.put(key, cached)
        decision = iam.evaluate(cached.policy, arn)
        if decision is iam.Decision.DENY:
            raise _RejectedError(GatewayError("ACCESS_DENIED", EXPLICIT_DENY), auth=status)
        if decision is iam.Decision.NO_ALLOW:
            raise _RejectedError(GatewayError("ACCESS_DENIED", NOT_AUTHORIZED), auth=status)
        return {**cached.context, "principalId": cached.principal_id, "integrationLatency": latency}, status

    def _checked_answer(self, answer: Any, ttl: int) -> CachedAuthorization:
        if not isinstance(answer, Mapping):
            raise ValueError("the authorizer's answer is not an object")
        principal = answer.get("principalId")
        if not isinstance(principal, str) or not principal:
            raise ValueError("principalId is missing or not a string")
        policy = answer.get("policyDocument")
        iam.evaluate(policy, "arn:aws:execute-api:validation")  # raises PolicyError when malformed
        context = answer.get("context") or {}
        if not isinstance(context, Mapping):
            raise ValueError("context is not an object")
        for name, value in context.items():
            if not isinstance(value, (str, int, float, bool)):
                raise ValueError(f"context value {name!r} is not a string, number or boolean")
        strings = {str(name): context_string(value) for name, value in context.items()}
        return CachedAuthorization(principal, policy, strings, self.cache.now() + ttl)

    # Integration ---------------------------------------------------------------------------------

    def _integrate(
        self,
        api: ApiSpec,
        route: Route,
        match: _Match,
        request: HttpRequest,
        request_id: str,
        authorizer: dict[str, Any] | None,
    ) -> HttpResponse:
        event = events.proxy_event(
            request,
            resource_path=route.path,
            path_parameters=match.path_parameters,
            stage_variables=api.stage_variables,
            api_id=api.api_id,
            stage=api.stage,
            request_id=request_id,
            authorizer=authorizer,
            binary_media_types=api.binary_media_types,
        )
        try:
            result = self.functions[route.function_id].invoke(event, request_id=request_id)
            if len(json.dumps(result)) > MAX_RESPONSE_BYTES:
                raise MalformedResponseError("response payload over Lambda's 6 MB limit")
            response = self._proxy_response(result, request, api)
        except (FunctionError, MalformedResponseError) as error:
            detail = f"{error.error_type}: {error.message}" if isinstance(error, FunctionError) else str(error)
            log.warning("%s failed: %s", route.function_id, detail)
            if isinstance(error, FunctionError) and error.stack:
                log.warning("%s", "".join(error.stack).rstrip())
            failure = GatewayError("DEFAULT_5XX", INTERNAL_ERROR, status=502)
            variables = self._context_variables(api, request, request_id, route.path)
            response = render(api, failure, request, variables)
            response.headers = [(k, v) for k, v in response.headers if k.lower() != "x-amzn-requestid"]
        response.function = route.function_id
        return response

    def _proxy_response(self, result: Any, request: HttpRequest, api: ApiSpec) -> HttpResponse:
        if not isinstance(result, dict):
            raise MalformedResponseError("the response is not a JSON object")
        unknown = set(result) - PROXY_RESPONSE_KEYS
        if unknown:
            raise MalformedResponseError(f"unexpected field(s) {sorted(unknown)}")
        status = result.get("statusCode")
        try:
            status = int(status)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            raise MalformedResponseError("statusCode is missing or not an integer") from None
        if not 100 <= status <= 599:
            raise MalformedResponseError(f"statusCode {status} is out of range")
        headers: list[tuple[str, str]] = []
        multi = result.get("multiValueHeaders") or {}
        single = result.get("headers") or {}
        if not isinstance(multi, dict) or not isinstance(single, dict):
            raise MalformedResponseError("headers and multiValueHeaders must be objects")
        for name, values in multi.items():
            if not isinstance(values, list) or not all(isinstance(v, (str, int, float, bool)) for v in values):
                raise MalformedResponseError(f"multiValueHeaders[{name!r}] must be a list of strings")
            headers.extend((name, str(value)) for value in values)
        in_multi = {name.lower() for name in multi}
        for name, value in single.items():
            if not isinstance(value, (str, int, float, bool)):
                raise MalformedResponseError(f"headers[{name!r}] must be a string")
            if name.lower() not in in_multi:
                headers.append((name, str(value)))
        body = result.get("body")
        if body is not None and not isinstance(body, str):
            raise MalformedResponseError("body must be a string")
        encoded = result.get("isBase64Encoded", False)
        if not isinstance(encoded, bool):
            raise MalformedResponseError("isBase64Encoded must be a boolean")
        if not any(name.lower() == "content-type" for name, _ in headers):
            headers.append(("Content-Type", "application/json"))
        payload = (body or "").encode()
        if encoded and body and self._accepts_binary(request, api):
            try:
                payload = base64.b64decode(body, validate=True)
            except ValueError:
                raise MalformedResponseError("isBase64Encoded body is not base64") from None
        return HttpResponse(status, headers, payload)

    @staticmethod
    def _accepts_binary(request: HttpRequest, api: ApiSpec) -> bool:
        """API Gateway decodes a base64 body only when the request's Accept names a binary media type."""
        accepted = [item.split(";")[0].strip() for item in (request.header("Accept") or "").split(",") if item.strip()]
        return any(
            events.media_type_matches(binary, item) or events.media_type_matches(item, binary)
            for binary in api.binary_media_types
            for item in accepted
        )
