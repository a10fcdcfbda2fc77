"""`python -m local_api`: serve the template's API on http://127.0.0.1:3010 (env PORT, or --port)."""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
from pathlib import Path
from types import FrameType

from local_api import environ
from local_api.server import DEFAULT_PORT, RunnerOptions, serve


def _stop(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m local_api", description=__doc__)
    parser.add_argument("--template", type=Path, default=Path("template.yaml"), help="SAM template (template.yaml)")
    parser.add_argument(
        "--port",
        type=int,
        default=int(os.environ.get("PORT") or DEFAULT_PORT),
        help="port on 127.0.0.1 (env PORT; 0 picks a free one)",
    )
    args = parser.parse_args(argv)
    logging.basicConfig(stream=sys.stderr, level=logging.INFO, format="%(message)s")
    # Function logs (stdout) and the access log (stderr) must show up at once, even through a pipe.
    sys.stdout.reconfigure(line_buffering=True)  # type: ignore[union-attr]
    sys.dont_write_bytecode = True  # no __pycache__ in the functions' folders from a local run
    real_environment = dict(os.environ)
    environ.install()
    signal.signal(signal.SIGTERM, _stop)
    return serve(RunnerOptions(template=args.template.resolve(), port=args.port, environ=real_environment))


if __name__ == "__main__":
    sys.exit(main())
