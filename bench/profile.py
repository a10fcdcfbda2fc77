"""Where the warm path spends its time: `python -m bench.profile [fresh|repeat] [N]` (cProfile, sorted by tottime).

Sets up its own JWKS server and tokens, like `make bench`, then profiles lambda_handler only.
For the cold path use `python -X importtime` (see bench/README.md).
"""

from __future__ import annotations

import cProfile
import os
import pstats
import sys
from contextlib import redirect_stdout

from bench.fixtures import authorizer_env, event, make_fixtures
from tests.support.jwks_server import JwksServer
from tests.support.lambdas import FakeLambdaContext, load_app


def main(mode: str = "fresh", count: int = 1000) -> None:
    with JwksServer() as server:
        issuer = server.base_url + "/"
        fx = make_fixtures(issuer, count + 1 if mode == "fresh" else 2, 0)
        server.serve_issuer(issuer, fx.jwks)
        os.environ.update(authorizer_env(issuer))
        sys.path.insert(0, os.environ["PYTHONPATH"].split(os.pathsep)[0])
        app = load_app("authorizer")
        tokens = fx.tokens[:count] if mode == "fresh" else [fx.tokens[0]] * count
        events = [event(token) for token in tokens]
        contexts = [FakeLambdaContext() for _ in tokens]
        with open(os.devnull, "w") as null, redirect_stdout(null):
            app.lambda_handler(event(fx.tokens[-1]), FakeLambdaContext())
            profiler = cProfile.Profile()
            profiler.enable()
            for request, context in zip(events, contexts, strict=True):
                app.lambda_handler(request, context)
            profiler.disable()
    stats = pstats.Stats(profiler)
    stats.sort_stats("tottime").print_stats(25)
    stats.sort_stats("cumulative").print_stats(30)


if __name__ == "__main__":
    main(*(sys.argv[1:2] or ["fresh"]), *(int(n) for n in sys.argv[2:3]))
