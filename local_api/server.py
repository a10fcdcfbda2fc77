"""The HTTP side: a threaded server on 127.0.0.1, the dev issuer beside the API, access log, hot reload."""

from __future__ import annotations

import json
import logging
import threading
import time
import traceback
from collections.abc import Mapping
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

from local_api.cfn import DEFAULT_REGION, TemplateError, load_template, parameter_values, parse_parameter_overrides
from local_api.explorer import start_explorer
from local_api.gateway import MAX_REQUEST_BYTES, Gateway
from local_api.http import HttpRequest, HttpResponse
from local_api.issuer import DEFAULT_AUDIENCE, DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, DevIssuer, IssuerSettings
from local_api.model import AppModel, build_model, env_parameter

log = logging.getLogger("local_api")
access_log = logging.getLogger("local_api.access")

HOST = "127.0.0.1"
DEFAULT_PORT = 3010
# Environment variables that override the template parameter the authorizer's variable of that name uses.
PARAMETER_ENV_VARS = ("TOKEN_ISSUER", "AUDIENCE", "JWKS_URI")


def region_from_env(environ: Mapping[str, str]) -> str:
    return environ.get("AWS_REGION") or environ.get("AWS_DEFAULT_REGION") or DEFAULT_REGION


def parameter_overrides(template_path: Path, environ: Mapping[str, str]) -> dict[str, str]:
    """PARAMETER_OVERRIDES, then TOKEN_ISSUER / AUDIENCE / JWKS_URI for the parameters they feed."""
    template = load_template(template_path)
    overrides = parse_parameter_overrides(environ.get("PARAMETER_OVERRIDES", ""))
    for variable in PARAMETER_ENV_VARS:
        parameter = env_parameter(template, variable)
        if parameter and environ.get(variable):
            overrides[parameter] = environ[variable]
    return overrides


def dev_issuer_overrides(
    template_path: Path, overrides: Mapping[str, str], base_url: str
) -> tuple[dict[str, str], str] | None:
    """The parameters that point the authorizer at the embedded issuer, or None when an issuer is configured."""
    template = load_template(template_path)
    values = parameter_values(template, overrides)
    issuer_param = env_parameter(template, "TOKEN_ISSUER")
    audience_param = env_parameter(template, "AUDIENCE")
    if issuer_param and values.get(issuer_param):
        return None
    audience = (values.get(audience_param, "") if audience_param else "") or DEFAULT_AUDIENCE
    result = dict(overrides)
    if issuer_param:
        result[issuer_param] = base_url
    if audience_param:
        result[audience_param] = audience
    return result, audience


@dataclass
class RunnerOptions:
    template: Path
    port: int
    environ: Mapping[str, str]


class LocalApi:
    """The template's API (and the dev issuer), rebuilt when the template file changes."""

    def __init__(self, options: RunnerOptions, port: int):
        self.options = options
        self.port = port
        self.region = region_from_env(options.environ)
        self._lock = threading.Lock()
        self.issuer: DevIssuer | None = None
        # Origins whose pages may read the dev issuer's answers: the API explorer's, once it runs.
        self.browser_origins: frozenset[str] = frozenset()
        self.model, self.gateway = self._build()
        self._template_stamp = self._stamp()

    def _stamp(self) -> tuple[int, int]:
        stat = self.options.template.stat()
        return stat.st_mtime_ns, stat.st_size

    def _build(self) -> tuple[AppModel, Gateway]:
        template = self.options.template
        overrides = parameter_overrides(template, self.options.environ)
        dev = dev_issuer_overrides(template, overrides, f"http://localhost:{self.port}/")
        audience = None
        if dev is not None:
            overrides, audience = dev
        model = build_model(template, overrides, self.region)
        if dev is not None and audience is not None:
            env = self.options.environ
            settings = IssuerSettings(
                base_url=f"http://localhost:{self.port}/",
                audience=audience,
                client_id=env.get("DEV_CLIENT_ID") or DEFAULT_CLIENT_ID,
                client_secret=env.get("DEV_CLIENT_SECRET") or DEFAULT_CLIENT_SECRET,
                scopes=tuple(model.scopes_required()),
                token_ttl=int(env.get("DEV_TOKEN_TTL") or 3600),
            )
            # Keep the signing key across template reloads: tokens already handed out stay valid.
            if self.issuer is None:
                self.issuer = DevIssuer(settings)
            else:
                self.issuer.settings = settings
        else:
            self.issuer = None
        return model, Gateway(model, on_reload=lambda name: log.info("%s: code changed, new container", name))

    def _reload_template_if_changed(self) -> None:
        try:
            stamp = self._stamp()
        except FileNotFoundError:
            return
        if stamp == self._template_stamp:
            return
        with self._lock:
            if stamp == self._template_stamp:
                return
            self._template_stamp = stamp
            try:
                self.model, self.gateway = self._build()
                log.info("%s changed: routes and settings reloaded", self.options.template.name)
            except (TemplateError, OSError, ValueError) as error:
                log.error("%s changed but cannot be used (keeping the previous one): %s", self.options.template, error)

    def handle(self, request: HttpRequest) -> HttpResponse:
        self._reload_template_if_changed()
        gateway, issuer = self.gateway, self.issuer
        if issuer is not None and issuer.handles(request.path) and not gateway.has_resource(request.path):
            response = issuer.handle(request, self.browser_origins)
            response.auth = "-"
            return response
        return gateway.handle(request)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    app: LocalApi


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body go out in separate writes: with Nagle's algorithm on, each keep-alive answer
    # waited for the client's delayed ACK (~40 ms). make bench: 171 -> 523 requests/s with it off.
    disable_nagle_algorithm = True
    server: _Server

    def send_response(self, code: int, message: str | None = None) -> None:
        # No "Server: BaseHTTP" header: API Gateway does not send one.
        self.send_response_only(code, message)
        self.send_header("Date", self.date_time_string())

    def log_message(self, format: str, *args: object) -> None:
        pass  # one access-log line per request instead, without query strings (they may hold tokens)

    def _read_body(self) -> bytes | None:
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            chunks: list[bytes] = []
            total = 0
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline().strip():
                        pass
                    return b"".join(chunks)
                total += size
                if total > MAX_REQUEST_BYTES:
                    return None
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_REQUEST_BYTES:
            return None
        return self.rfile.read(length) if length else b""

    def _serve(self) -> None:
        started = time.monotonic()
        parts = urlsplit(self.path)
        body = self._read_body()
        too_large = body is None
        if too_large:
            self.close_connection = True
        request = HttpRequest(
            method=self.command,
            path=parts.path or "/",
            query=parse_qsl(parts.query, keep_blank_values=True),
            headers=list(self.headers.items()),
            body=body or b"",
            source_ip=self.client_address[0],
            oversized=too_large,
        )
        try:
            response = self.server.app.handle(request)
        except Exception:  # a bug in the runner itself: say so, keep serving
            log.error("local runner error:\n%s", traceback.format_exc())
            response = HttpResponse(500, [("Content-Type", "application/json")], b'{"message":"local runner error"}')
        self.send_response(response.status)
        for name, value in response.headers:
            if name.lower() not in ("content-length", "connection", "transfer-encoding"):
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(response.body)))
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(response.body)
        elapsed = (time.monotonic() - started) * 1000
        access_log.info(
            "%s %s %d %.0fms auth=%s fn=%s",
            self.command,
            parts.path,
            response.status,
            elapsed,
            response.auth,
            response.function or "-",
        )

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = _serve


def bind(port: int) -> _Server:
    """A server bound to 127.0.0.1:`port` (0: any free port), not yet serving."""
    return _Server((HOST, port), _Handler)


def banner(app: LocalApi) -> str:
    port = app.port
    lines = [f"Local API from {app.options.template} listening on http://{HOST}:{port}", ""]
    model = app.model
    width = max((len(r.path) for r in model.routes), default=10)
    for route in sorted(model.routes, key=lambda r: (r.path, r.method)):
        function = model.functions[route.function_id]
        if route.authorizer is None:
            access = "no token"
        else:
            access = f"token ({route.authorizer})"
            if function.required_scopes:
                access += f", scopes: {' '.join(function.required_scopes)}"
        url = f"http://localhost:{port}{route.path}"
        lines.append(f"  {route.method:<7} {url:<{width + 24}} {route.function_id:<24} {access}")
    issuer = app.issuer
    lines.append("")
    if issuer is not None:
        settings = issuer.settings
        secret = settings.client_secret if settings.client_secret == DEFAULT_CLIENT_SECRET else "$DEV_CLIENT_SECRET"
        body = json.dumps(
            {
                "client_id": settings.client_id,
                "client_secret": secret,
                "audience": settings.audience,
                "grant_type": "client_credentials",
            },
            separators=(",", ":"),
        )
        lines += [
            f"Development issuer: {issuer.issuer} (audience {settings.audience}, client {settings.client_id})",
            "Get a token:",
            f"  curl -s -X POST http://localhost:{port}/oauth/token -H 'content-type: application/json' -d '{body}'",
        ]
    else:
        lines.append("Tokens: from the issuer set by TOKEN_ISSUER (no development issuer).")
    lines += ["", "Ctrl-C to stop."]
    return "\n".join(lines)


def serve(options: RunnerOptions) -> int:
    try:
        server = bind(options.port)
    except OSError as error:
        log.error("cannot listen on %s:%s (%s): set PORT to a free port, or 0 for any", HOST, options.port, error)
        return 2
    port = server.server_address[1]
    try:
        server.app = LocalApi(options, port)
    except (TemplateError, OSError, ValueError) as error:
        server.server_close()
        log.error("cannot start: %s", error)
        return 2
    print(banner(server.app), flush=True)
    explorer = start_explorer(options.environ, api_url=f"http://{HOST}:{port}")
    if explorer is not None:
        server.app.browser_origins = frozenset(f"http://{host}:{explorer.port}" for host in (HOST, "localhost"))
    try:
        server.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        print("\nStopped.", flush=True)
    finally:
        server.server_close()
        if explorer is not None:
            explorer.stop()
    return 0
