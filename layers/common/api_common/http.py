from __future__ import annotations

from collections.abc import Callable, Sequence

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, CORSConfig, Response
from aws_lambda_powertools.event_handler.middlewares import NextMiddleware

from api_common.scopes import granted_scopes, missing_scopes
from api_common.settings import HandlerSettings

Middleware = Callable[[APIGatewayRestResolver, NextMiddleware], Response]


def create_resolver(settings: HandlerSettings) -> APIGatewayRestResolver:
    """A REST resolver whose answers carry CORS headers a browser can read, errors included."""
    cors = CORSConfig(
        allow_origin=settings.cors_allow_origin,
        expose_headers=["WWW-Authenticate"],
        max_age=600,
    )
    return APIGatewayRestResolver(cors=cors)


def insufficient_scope(missing: Sequence[str]) -> Response:
    """RFC 6750 section 3.1: 403 with the scope the token lacks."""
    scope = " ".join(missing)
    return Response(
        status_code=403,
        content_type="application/json",
        body={
            "message": f"This token lacks the scope needed for this route: {scope}",
            "error": "insufficient_scope",
            "required_scopes": list(missing),
        },
        headers={"WWW-Authenticate": f'Bearer error="insufficient_scope", scope="{scope}"'},
    )


def require_scopes(required: Sequence[str]) -> Middleware:
    """A route middleware answering 403 unless the authorizer granted every scope in `required`."""
    if not required:
        # An empty list would open the route to any token: refuse to start instead.
        raise ValueError("require_scopes needs at least one scope (set REQUIRED_SCOPES in template.yaml)")

    def guard(app: APIGatewayRestResolver, next_middleware: NextMiddleware) -> Response:
        context = app.current_event.request_context.authorizer.raw_event
        missing = missing_scopes(required, granted_scopes(context))
        if missing:
            app.append_context(missing_scopes=missing)
            return insufficient_scope(missing)
        return next_middleware(app)

    return guard
