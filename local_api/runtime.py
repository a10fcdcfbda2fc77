"""Run a template function in-process the way a Lambda container would.

Each function's module is loaded in isolation: its handler file under a unique module name, its own
modules and its layers' modules resolved from its CodeUri and layer directories only (a ContextVar says
which function is importing), then taken out of `sys.modules` so another function with a module of the
same name gets its own. A changed file under those directories means a new "container": the module is
loaded again, so module-level state (a JWKS cache, a settings object) starts afresh, as after a deploy.
"""

from __future__ import annotations

import contextlib
import contextvars
import importlib.abc
import importlib.machinery
import importlib.util
import itertools
import json
import logging
import os
import sys
import threading
import time
import traceback
import uuid
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from local_api import environ
from local_api.cfn import ACCOUNT_ID
from local_api.model import FunctionSpec

log = logging.getLogger("local_api")

_IMPORT_LOCK = threading.RLock()
_generation = itertools.count(1)
_import_dirs: contextvars.ContextVar[tuple[str, ...]] = contextvars.ContextVar("local_api_import_dirs", default=())


class FunctionError(Exception):
    """The function failed: it raised, timed out, or returned something Lambda cannot serialise."""

    def __init__(self, error_type: str, message: str, stack: Sequence[str] = ()):
        super().__init__(message)
        self.error_type = error_type
        self.message = message
        self.stack = list(stack)

    def payload(self) -> dict[str, str]:
        """What `sam local invoke` prints for a failed invocation."""
        return {"errorMessage": self.message, "errorType": self.error_type}


class _FunctionFinder(importlib.abc.MetaPathFinder):
    """Finds top-level modules in the directories of the function being loaded or invoked."""

    def find_spec(self, fullname: str, path: Any, target: Any = None) -> importlib.machinery.ModuleSpec | None:
        dirs = _import_dirs.get()
        if not dirs or path is not None:
            return None
        return importlib.machinery.PathFinder.find_spec(fullname, list(dirs))


def _install_finder() -> None:
    if not any(isinstance(finder, _FunctionFinder) for finder in sys.meta_path):
        # First, as Lambda puts /var/task and /opt/python before the runtime's own packages.
        sys.meta_path.insert(0, _FunctionFinder())


class _FreshSourceLoader(importlib.machinery.SourceFileLoader):
    """Compiles the handler file from source every time: a cached .pyc could hide a quick edit."""

    def get_code(self, fullname: str) -> Any:
        return compile(self.get_data(self.path), self.path, "exec", dont_inherit=True)


class LambdaContext:
    """The context object a Python Lambda handler receives."""

    def __init__(self, spec: FunctionSpec, region: str, request_id: str | None = None):
        self.function_name = spec.name
        self.function_version = "$LATEST"
        self.invoked_function_arn = f"arn:aws:lambda:{region}:{ACCOUNT_ID}:function:{spec.name}"
        self.memory_limit_in_mb = spec.memory_mb
        self.aws_request_id = request_id or str(uuid.uuid4())
        self.log_group_name = f"/aws/lambda/{spec.name}"
        self.log_stream_name = f"{datetime.now(UTC):%Y/%m/%d}/[$LATEST]{uuid.uuid4().hex}"
        self.identity = None
        self.client_context = None
        self._deadline = time.monotonic() + spec.timeout

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))


def lambda_environment(spec: FunctionSpec, region: str) -> dict[str, str]:
    """What the function sees: quiet Powertools defaults, its template variables, then Lambda's own."""
    return {
        # X-Ray and CloudWatch EMF have nowhere to go locally; the template may still turn them on.
        "POWERTOOLS_TRACE_DISABLED": "true",
        "POWERTOOLS_METRICS_DISABLED": "true",
        **spec.environment,
        "AWS_LAMBDA_FUNCTION_NAME": spec.name,
        "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(spec.memory_mb),
        "AWS_LAMBDA_FUNCTION_TIMEOUT": str(int(spec.timeout)),
        "AWS_LAMBDA_LOG_GROUP_NAME": f"/aws/lambda/{spec.name}",
        "AWS_REGION": region,
        "AWS_DEFAULT_REGION": region,
        "AWS_SAM_LOCAL": "true",
        "LAMBDA_TASK_ROOT": str(spec.code_dir),
        "_HANDLER": spec.handler,
    }


def _under(path: str | None, dirs: Sequence[Path]) -> bool:
    if not path:
        return False
    resolved = Path(path).resolve()
    return any(resolved.is_relative_to(directory) for directory in dirs)


def _tree_signature(dirs: Sequence[Path]) -> tuple[tuple[str, int, int], ...]:
    entries: list[tuple[str, int, int]] = []

    def walk(directory: str) -> None:
        try:
            with os.scandir(directory) as scan:
                for entry in scan:
                    if entry.name.startswith(".") or entry.name == "__pycache__" or entry.name.endswith(".pyc"):
                        continue
                    if entry.is_dir(follow_symlinks=False):
                        walk(entry.path)
                    elif entry.is_file():
                        stat = entry.stat()
                        entries.append((entry.path, stat.st_mtime_ns, stat.st_size))
        except FileNotFoundError:
            pass

    for directory in dirs:
        walk(str(directory))
    return tuple(sorted(entries))


class LambdaFunction:
    """One template function: loaded on first use, reloaded when its files change."""

    def __init__(self, spec: FunctionSpec, region: str, on_reload: Callable[[str], None] | None = None):
        self.spec = spec
        self.region = region
        self.environment = lambda_environment(spec, region)
        self._dirs = (spec.code_dir, *spec.layer_dirs)
        self._lock = threading.Lock()
        self._handler: Callable[[Any, Any], Any] | None = None
        self._signature: tuple[tuple[str, int, int], ...] | None = None
        self._module_name: str | None = None
        self._on_reload = on_reload

    @contextlib.contextmanager
    def _running(self) -> Iterator[None]:
        token = _import_dirs.set(tuple(str(directory) for directory in self._dirs))
        try:
            with environ.variables(self.environment):
                yield
        finally:
            _import_dirs.reset(token)

    def _evict(self) -> None:
        for name, module in list(sys.modules.items()):
            if _under(getattr(module, "__file__", None), self._dirs):
                sys.modules.pop(name, None)

    def _load(self) -> Callable[[Any, Any], Any]:
        module_path, _, attribute = self.spec.handler.rpartition(".")
        if not module_path or not attribute:
            raise FunctionError("Runtime.MalformedHandlerName", f"Bad handler '{self.spec.handler}'")
        file = self.spec.code_dir / (module_path.replace(".", "/") + ".py")
        name = f"_local_api_{self.spec.logical_id}_{next(_generation)}"
        _install_finder()
        with _IMPORT_LOCK, self._running():
            self._evict()
            loader = _FreshSourceLoader(name, str(file))
            spec = importlib.util.spec_from_file_location(name, file, loader=loader)
            if spec is None or not file.is_file():
                raise FunctionError("Runtime.ImportModuleError", f"Unable to import module '{module_path}': no {file}")
            module = importlib.util.module_from_spec(spec)
            sys.modules[name] = module  # dataclasses and pydantic look their module up there
            try:
                spec.loader.exec_module(module)  # type: ignore[union-attr]
            except SyntaxError as exc:
                sys.modules.pop(name, None)
                raise FunctionError(
                    "Runtime.UserCodeSyntaxError", f"Syntax error in module '{module_path}': {exc}"
                ) from exc
            except Exception as exc:
                sys.modules.pop(name, None)
                raise FunctionError(
                    "Runtime.ImportModuleError",
                    f"Unable to import module '{module_path}': {exc}",
                    traceback.format_exception(exc),
                ) from exc
            finally:
                self._evict()
        handler = getattr(module, attribute, None)
        if not callable(handler):
            sys.modules.pop(name, None)
            raise FunctionError("Runtime.HandlerNotFound", f"Handler '{attribute}' missing on module '{module_path}'")
        if self._module_name:
            sys.modules.pop(self._module_name, None)
        self._module_name = name
        return handler

    def handler(self) -> Callable[[Any, Any], Any]:
        """The handler, (re)loaded if the function's or its layers' files changed since the last load."""
        signature = _tree_signature(self._dirs)
        with self._lock:
            if self._handler is None or signature != self._signature:
                reloading = self._handler is not None
                self._handler = None
                self._signature = signature
                self._handler = self._load()
                if reloading and self._on_reload:
                    self._on_reload(self.spec.logical_id)
            return self._handler

    def invoke(self, event: Any, request_id: str | None = None, timeout: float | None = None) -> Any:
        """Run the handler on a JSON copy of `event`; its JSON-serialisable result, or FunctionError."""
        try:
            handler = self.handler()
        except FunctionError:
            with self._lock:
                self._handler = None  # try again on the next call
            raise
        context = LambdaContext(self.spec, self.region, request_id)
        payload = json.loads(json.dumps(event))
        outcome: dict[str, Any] = {}

        def run() -> None:
            with self._running():
                try:
                    outcome["result"] = handler(payload, context)
                except BaseException as exc:
                    outcome["error"] = exc

        worker = threading.Thread(
            target=contextvars.copy_context().run, args=(run,), name=f"lambda-{self.spec.logical_id}", daemon=True
        )
        worker.start()
        limit = self.spec.timeout if timeout is None else timeout
        worker.join(limit)
        if worker.is_alive():
            raise FunctionError("Sandbox.Timedout", f"Task timed out after {limit:.2f} seconds")
        if "error" in outcome:
            exc = outcome["error"]
            raise FunctionError(type(exc).__name__, str(exc), traceback.format_exception(exc)) from exc
        try:
            return json.loads(json.dumps(outcome.get("result")))
        except (TypeError, ValueError) as exc:
            raise FunctionError("Runtime.MarshalError", f"Unable to marshal response: {exc}") from exc
