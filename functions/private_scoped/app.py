"""GET /api/private-scoped: a valid token with the scopes REQUIRED_SCOPES names (template.yaml)."""

from aws_lambda_powertools import Logger, Tracer
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from api_common import HandlerSettings, create_resolver, require_scopes

logger = Logger()
tracer = Tracer()
settings = HandlerSettings.from_env()
app = create_resolver(settings)


@app.get("/api/private-scoped", middlewares=[require_scopes(settings.required_scopes)])
def private_scoped() -> dict[str, str]:
    return {
        "message": "Hello from a private endpoint! You need to be authenticated "
        f"and have the scope {' '.join(settings.required_scopes)} to see this."
    }


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@tracer.capture_lambda_handler
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    return app.resolve(event, context)
