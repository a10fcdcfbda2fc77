"""`python -m local_api.invoke FUNCTION EVENT`: run one template function once, like `sam local invoke -e`.

The function gets its template environment (parameter defaults, PARAMETER_OVERRIDES, TOKEN_ISSUER,
AUDIENCE, JWKS_URI) and a Lambda context. Its result is printed as JSON on stdout; its logs go to stderr.
A failure prints `{"errorMessage": ..., "errorType": ...}` and exits 1.
With no issuer configured, the authorizer trusts the development issuer of `make run` on PORT (3010),
so a token from that server can be checked here too.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import os
import sys
from pathlib import Path

from local_api import environ
from local_api.cfn import TemplateError
from local_api.model import build_model
from local_api.runtime import FunctionError, LambdaFunction
from local_api.server import DEFAULT_PORT, dev_issuer_overrides, parameter_overrides, region_from_env


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m local_api.invoke", description=__doc__.splitlines()[0])
    parser.add_argument("function", help="logical id of the function in the template, e.g. PrivateFunction")
    parser.add_argument("event", help="event JSON file, e.g. events/private.json ('-' reads stdin)")
    parser.add_argument("--template", type=Path, default=Path("template.yaml"))
    args = parser.parse_args(argv)
    logging.basicConfig(stream=sys.stderr, level=logging.INFO, format="%(message)s")
    real_environment = dict(os.environ)
    template = args.template.resolve()
    try:
        overrides = parameter_overrides(template, real_environment)
        port = int(real_environment.get("PORT") or DEFAULT_PORT)
        dev = dev_issuer_overrides(template, overrides, f"http://localhost:{port}/")
        model = build_model(template, dev[0] if dev else overrides, region_from_env(real_environment))
    except (TemplateError, OSError, ValueError) as error:
        print(f"cannot read {args.template}: {error}", file=sys.stderr)
        return 2
    spec = model.functions.get(args.function)
    if spec is None:
        print(f"no function {args.function!r}; the template has: {', '.join(model.functions)}", file=sys.stderr)
        return 2
    try:
        text = sys.stdin.read() if args.event == "-" else Path(args.event).read_text(encoding="utf-8")
        event = json.loads(text)
    except (OSError, ValueError) as error:
        print(f"cannot read the event {args.event}: {error}", file=sys.stderr)
        return 2
    sys.dont_write_bytecode = True
    environ.install()
    output = sys.stdout
    # The function's own logs (Powertools writes to stdout) go to stderr: stdout carries only the result.
    with contextlib.redirect_stdout(sys.stderr):
        try:
            result = LambdaFunction(spec, model.region).invoke(event)
        except FunctionError as error:
            if error.stack:
                print("".join(error.stack).rstrip(), file=sys.stderr)
            print(json.dumps(error.payload(), separators=(",", ":")), file=output)
            return 1
    print(json.dumps(result, separators=(",", ":")), file=output)
    return 0


if __name__ == "__main__":
    sys.exit(main())
