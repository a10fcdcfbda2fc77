"""What the runner serves, read from the template: functions, APIs, routes, authorizers, CORS, gateway responses.

SAM semantics reproduced here: `Globals` merged into each resource (maps merged, lists added, scalars
and intrinsics replaced), the implicit `ServerlessRestApi` for Api events without `RestApiId`, the default
authorizer and `Authorizer: NONE`, the 300-second default authorizer cache. Resource types the runner does
not serve are ignored.
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from local_api.cfn import ACCOUNT_ID, DEFAULT_REGION, Resolver, TemplateError, load_template, parameter_values

log = logging.getLogger("local_api")

FUNCTION_TYPES = ("AWS::Serverless::Function",)
API_TYPE = "AWS::Serverless::Api"
LAYER_TYPE = "AWS::Serverless::LayerVersion"
IMPLICIT_API = "ServerlessRestApi"
IMPLICIT_STAGE = "Prod"
DEFAULT_AUTHORIZER_TTL = 300
REQUIRED_SCOPES_VAR = "REQUIRED_SCOPES"


@dataclass(frozen=True)
class FunctionSpec:
    logical_id: str
    name: str
    code_dir: Path
    handler: str
    layer_dirs: tuple[Path, ...]
    environment: Mapping[str, str]
    timeout: float
    memory_mb: int
    runtime: str

    @property
    def required_scopes(self) -> tuple[str, ...]:
        return tuple(self.environment.get(REQUIRED_SCOPES_VAR, "").replace(",", " ").split())


@dataclass(frozen=True)
class AuthorizerSpec:
    name: str
    function_id: str
    payload_type: str  # TOKEN or REQUEST
    ttl: int
    header: str = "Authorization"
    validation: re.Pattern[str] | None = None
    # REQUEST authorizers: the identity sources, all required.
    headers: tuple[str, ...] = ()
    query_strings: tuple[str, ...] = ()


@dataclass(frozen=True)
class CorsSpec:
    allow_origin: str
    allow_headers: str | None
    allow_methods: str | None
    max_age: str | None
    allow_credentials: bool


@dataclass(frozen=True)
class GatewayResponseSpec:
    status: int | None
    headers: Mapping[str, str]
    templates: Mapping[str, str]


@dataclass(frozen=True)
class Route:
    api: str
    method: str  # upper case, or ANY
    path: str
    function_id: str
    authorizer: str | None
    event_name: str


@dataclass
class ApiSpec:
    logical_id: str
    api_id: str
    stage: str
    cors: CorsSpec | None = None
    gateway_responses: dict[str, GatewayResponseSpec] = field(default_factory=dict)
    binary_media_types: tuple[str, ...] = ()
    authorizers: dict[str, AuthorizerSpec] = field(default_factory=dict)
    default_authorizer: str | None = None
    authorize_preflight: bool = True
    stage_variables: dict[str, str] | None = None
    iam_default: bool = False


@dataclass
class AppModel:
    template_path: Path
    parameters: dict[str, str]
    region: str
    functions: dict[str, FunctionSpec]
    apis: dict[str, ApiSpec]
    routes: list[Route]

    def scopes_required(self) -> list[str]:
        """Every scope any function of the template requires, in template order."""
        scopes: list[str] = []
        for function in self.functions.values():
            scopes.extend(scope for scope in function.required_scopes if scope not in scopes)
        return scopes


def _is_intrinsic(value: Any) -> bool:
    return (isinstance(value, dict) and len(value) == 1 and next(iter(value)) in ("Ref", "Condition")) or (
        isinstance(value, dict) and len(value) == 1 and str(next(iter(value))).startswith("Fn::")
    )


def merge_globals(global_value: Any, local_value: Any) -> Any:
    """SAM's Globals rule: maps merge, lists add up (globals first), anything else the resource's own wins."""
    if isinstance(global_value, dict) and isinstance(local_value, dict):
        if _is_intrinsic(global_value) or _is_intrinsic(local_value):
            return local_value
        merged = dict(global_value)
        for key, value in local_value.items():
            merged[key] = merge_globals(global_value[key], value) if key in global_value else value
        return merged
    if isinstance(global_value, list) and isinstance(local_value, list):
        return global_value + local_value
    return local_value


def api_id_for(logical_id: str) -> str:
    """A stable, realistic-looking 10-character REST API id."""
    digest = hashlib.sha256(logical_id.encode()).digest()
    alphabet = "abcdefghijklmnopqrstuvwxyz0123456789"
    return "".join(alphabet[byte % len(alphabet)] for byte in digest[:10])


def _env_string(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dict, list)) or value is None:
        return ""
    return str(value)


def _strip_quotes(value: Any) -> str:
    """SAM's CORS and header values are quoted literals ("'*'"); numbers are allowed for MaxAge."""
    text = str(value)
    if len(text) >= 2 and text[0] == text[-1] == "'":
        return text[1:-1]
    return text


def env_parameter(template: Mapping[str, Any], variable: str) -> str | None:
    """The parameter a function's environment variable is a plain `!Ref` of (TOKEN_ISSUER -> TokenIssuer)."""
    parameters = template.get("Parameters") or {}
    sources = [((template.get("Globals") or {}).get("Function") or {})]
    sources += [
        (resource.get("Properties") or {})
        for resource in (template.get("Resources") or {}).values()
        if isinstance(resource, dict) and resource.get("Type") in FUNCTION_TYPES
    ]
    for properties in sources:
        value = ((properties.get("Environment") or {}).get("Variables") or {}).get(variable)
        if isinstance(value, dict) and set(value) == {"Ref"} and value["Ref"] in parameters:
            return str(value["Ref"])
    return None


class _Builder:
    def __init__(self, template: dict[str, Any], template_path: Path, parameters: dict[str, str], region: str):
        self.template = template
        self.base = template_path.parent
        self.template_path = template_path
        self.parameters = parameters
        self.region = region
        self.resources: dict[str, Any] = {
            key: value for key, value in (template.get("Resources") or {}).items() if isinstance(value, dict)
        }
        self.globals = template.get("Globals") or {}
        refs: dict[str, str] = {}
        for logical_id, resource in self.resources.items():
            if resource.get("Type") == API_TYPE:
                refs[logical_id] = api_id_for(logical_id)
            elif resource.get("Type") in FUNCTION_TYPES:
                name = (resource.get("Properties") or {}).get("FunctionName")
                refs[logical_id] = name if isinstance(name, str) else logical_id
            elif resource.get("Type") == LAYER_TYPE:
                refs[logical_id] = self.layer_arn(logical_id, region)
        self.resolver = Resolver(template, parameters, region=region, resource_refs=refs)
        self.api_ids = {refs[k]: k for k, r in self.resources.items() if r.get("Type") == API_TYPE}

    @staticmethod
    def layer_arn(logical_id: str, region: str) -> str:
        return f"arn:aws:lambda:{region}:{ACCOUNT_ID}:layer:{logical_id}:1"

    def enabled(self, resource: Mapping[str, Any]) -> bool:
        condition = resource.get("Condition")
        return condition is None or self.resolver.condition(str(condition))

    def properties(self, resource: Mapping[str, Any], globals_key: str) -> dict[str, Any]:
        merged = merge_globals(self.globals.get(globals_key) or {}, resource.get("Properties") or {})
        return self.resolver.resolve(merged)

    def layer_dir(self, arn: Any) -> Path | None:
        reference = next((k for k, v in self.resolver.resource_refs.items() if v == arn), None)
        resource = self.resources.get(reference or "")
        if not resource or resource.get("Type") != LAYER_TYPE:
            if arn:
                log.warning("layer %s is not a local AWS::Serverless::LayerVersion: ignored", arn)
            return None
        content = self.resolver.resolve((resource.get("Properties") or {}).get("ContentUri"))
        if not isinstance(content, str):
            log.warning("layer %s has no local ContentUri: ignored", reference)
            return None
        directory = (self.base / content).resolve()
        build_method = (resource.get("Metadata") or {}).get("BuildMethod")
        # Without a build step the layer is shipped as is, and Lambda puts its python/ folder on the path.
        if not build_method and (directory / "python").is_dir():
            directory = directory / "python"
        return directory

    def function(self, logical_id: str, resource: Mapping[str, Any]) -> FunctionSpec | None:
        props = self.properties(resource, "Function")
        code_uri = props.get("CodeUri")
        if props.get("PackageType") == "Image" or not isinstance(code_uri, str):
            log.warning("function %s has no local CodeUri: the runner cannot run it", logical_id)
            return None
        layer_dirs: list[Path] = []
        for arn in props.get("Layers") or []:
            directory = self.layer_dir(arn)
            if directory is not None and directory not in layer_dirs:
                layer_dirs.append(directory)
        variables = (props.get("Environment") or {}).get("Variables") or {}
        return FunctionSpec(
            logical_id=logical_id,
            name=self.resolver.resource_refs.get(logical_id, logical_id),
            code_dir=(self.base / code_uri).resolve(),
            handler=str(props.get("Handler") or ""),
            layer_dirs=tuple(layer_dirs),
            environment={str(key): _env_string(value) for key, value in variables.items()},
            timeout=float(props.get("Timeout") or 3),
            memory_mb=int(props.get("MemorySize") or 128),
            runtime=str(props.get("Runtime") or ""),
        )

    def authorizer(self, name: str, config: Mapping[str, Any], functions: Mapping[str, FunctionSpec]) -> AuthorizerSpec:
        arn = config.get("FunctionArn")
        if not isinstance(arn, str) or ":function:" not in arn:
            raise TemplateError(f"authorizer {name}: only Lambda authorizers (FunctionArn) run locally")
        function_name = arn.rsplit(":function:", 1)[1].split(":")[0]
        function_id = next((f.logical_id for f in functions.values() if f.name == function_name), None)
        if function_id is None:
            raise TemplateError(f"authorizer {name}: function {function_name} is not in the template")
        identity = config.get("Identity") or {}
        ttl = int(identity.get("ReauthorizeEvery", DEFAULT_AUTHORIZER_TTL))
        payload_type = str(config.get("FunctionPayloadType") or "TOKEN").upper()
        if payload_type == "REQUEST":
            return AuthorizerSpec(
                name=name,
                function_id=function_id,
                payload_type=payload_type,
                ttl=ttl,
                headers=tuple(identity.get("Headers") or ()),
                query_strings=tuple(identity.get("QueryStrings") or ()),
            )
        expression = identity.get("ValidationExpression")
        return AuthorizerSpec(
            name=name,
            function_id=function_id,
            payload_type="TOKEN",
            ttl=ttl,
            header=str(identity.get("Header") or "Authorization"),
            validation=re.compile(str(expression)) if expression else None,
        )

    def api(self, logical_id: str, props: Mapping[str, Any], functions: Mapping[str, FunctionSpec]) -> ApiSpec:
        stage = str(props.get("StageName") or IMPLICIT_STAGE)
        api = ApiSpec(logical_id=logical_id, api_id=api_id_for(logical_id), stage=stage)
        cors = props.get("Cors")
        if isinstance(cors, str):
            cors = {"AllowOrigin": cors}
        if isinstance(cors, dict) and cors.get("AllowOrigin"):
            api.cors = CorsSpec(
                allow_origin=_strip_quotes(cors["AllowOrigin"]),
                allow_headers=_strip_quotes(cors["AllowHeaders"]) if cors.get("AllowHeaders") else None,
                allow_methods=_strip_quotes(cors["AllowMethods"]) if cors.get("AllowMethods") else None,
                max_age=_strip_quotes(cors["MaxAge"]) if cors.get("MaxAge") is not None else None,
                allow_credentials=cors.get("AllowCredentials") is True,
            )
        for kind, spec in (props.get("GatewayResponses") or {}).items():
            spec = spec or {}
            status = spec.get("StatusCode")
            api.gateway_responses[str(kind)] = GatewayResponseSpec(
                status=int(status) if status not in (None, "") else None,
                headers={
                    str(k): str(v) for k, v in ((spec.get("ResponseParameters") or {}).get("Headers") or {}).items()
                },
                templates={str(k): str(v) for k, v in (spec.get("ResponseTemplates") or {}).items()},
            )
        variables = props.get("Variables")
        if isinstance(variables, dict) and variables:
            api.stage_variables = {str(k): _env_string(v) for k, v in variables.items()}
        api.binary_media_types = tuple(str(t).replace("~1", "/") for t in props.get("BinaryMediaTypes") or ())
        auth = props.get("Auth") or {}
        for name, config in (auth.get("Authorizers") or {}).items():
            api.authorizers[str(name)] = self.authorizer(str(name), config or {}, functions)
        default = auth.get("DefaultAuthorizer")
        api.default_authorizer = str(default) if default and default != "AWS_IAM" else None
        api.iam_default = default == "AWS_IAM"
        api.authorize_preflight = auth.get("AddDefaultAuthorizerToCorsPreflight", True) is not False
        return api

    def build(self) -> AppModel:
        functions: dict[str, FunctionSpec] = {}
        raw_events: list[tuple[str, str, dict[str, Any]]] = []
        for logical_id, resource in self.resources.items():
            if resource.get("Type") not in FUNCTION_TYPES or not self.enabled(resource):
                continue
            spec = self.function(logical_id, resource)
            if spec is None:
                continue
            functions[logical_id] = spec
            for event_name, event in ((resource.get("Properties") or {}).get("Events") or {}).items():
                if isinstance(event, dict) and event.get("Type") == "Api":
                    raw_events.append(
                        (logical_id, str(event_name), self.resolver.resolve(event.get("Properties") or {}))
                    )

        apis: dict[str, ApiSpec] = {}
        for logical_id, resource in self.resources.items():
            if resource.get("Type") == API_TYPE and self.enabled(resource):
                apis[logical_id] = self.api(logical_id, self.properties(resource, "Api"), functions)

        routes: list[Route] = []
        for function_id, event_name, props in raw_events:
            rest_api_id = props.get("RestApiId")
            api_logical = self.api_ids.get(str(rest_api_id), str(rest_api_id)) if rest_api_id else IMPLICIT_API
            if api_logical not in apis:
                if api_logical != IMPLICIT_API:
                    raise TemplateError(f"{function_id}.{event_name}: RestApiId {rest_api_id} is not a Serverless::Api")
                implicit_props = self.resolver.resolve(self.globals.get("Api") or {})
                apis[IMPLICIT_API] = self.api(IMPLICIT_API, implicit_props, functions)
            api = apis[api_logical]
            auth = props.get("Auth") or {}
            authorizer = auth.get("Authorizer", api.default_authorizer)
            if authorizer == "AWS_IAM" or (authorizer is None and api.iam_default):
                log.warning("%s.%s uses AWS_IAM: served WITHOUT authorization locally", function_id, event_name)
                authorizer = None
            elif authorizer in ("NONE", None):
                authorizer = None
            elif authorizer not in api.authorizers:
                raise TemplateError(f"{function_id}.{event_name}: no authorizer {authorizer} on {api_logical}")
            method = str(props.get("Method", "")).upper()
            routes.append(
                Route(
                    api=api_logical,
                    method="ANY" if method in ("ANY", "X-AMAZON-APIGATEWAY-ANY-METHOD") else method,
                    path="/" + str(props.get("Path", "")).strip("/"),
                    function_id=function_id,
                    authorizer=authorizer,
                    event_name=event_name,
                )
            )
        return AppModel(self.template_path, self.parameters, self.region, functions, apis, routes)


def build_model(
    template_path: Path, overrides: Mapping[str, str] | None = None, region: str = DEFAULT_REGION
) -> AppModel:
    """Read `template_path` with the given parameter overrides into what the runner serves."""
    template = load_template(template_path)
    parameters = parameter_values(template, overrides or {})
    return _Builder(template, template_path.resolve(), parameters, region).build()
