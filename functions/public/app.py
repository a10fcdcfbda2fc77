"""GET /api/public: open to anyone, no token needed."""

from aws_lambda_powertools import Logger, Tracer
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from api_common import HandlerSettings, create_resolver

logger = Logger()
tracer = Tracer()
app = create_resolver(HandlerSettings.from_env())


@app.get("/api/public")
def public() -> dict[str, str]:
    return {"message": "Hello from a public endpoint! You don't need to be authenticated to see this."}


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@tracer.capture_lambda_handler
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    return app.resolve(event, context)
