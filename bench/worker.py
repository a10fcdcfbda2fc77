"""Measurements that run inside a fresh process: `python -m bench.worker <scenario> <result.json> [args]`.

The figures go to the result file as JSON: stdout belongs to the authorizer (Powertools prints
one EMF line per decision there).
"""

from __future__ import annotations

import base64
import io
import json
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from statistics import median
from typing import Any

import jwt
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding
from cryptography.hazmat.primitives.serialization import load_pem_public_key

from bench.fixtures import AUDIENCE, Fixtures, event
from tests.support.lambdas import FakeLambdaContext, load_app

CHUNK = 1000  # fresh tokens per candidate and round
BATCHES = 10  # turns per round: each candidate is timed over CHUNK // BATCHES tokens at a time


class Unbuffered(io.TextIOBase):
    """What the Lambda Python runtime does to stdout: every write reaches the pipe at once."""

    def __init__(self, stream: Any) -> None:
        self._stream = stream

    def write(self, text: str) -> int:
        written = self._stream.write(text)
        self._stream.flush()
        return written


def _per_call_ns(run: Callable[[], int]) -> tuple[float, float]:
    """Wall and CPU time per call, in nanoseconds."""
    start, start_cpu = time.perf_counter_ns(), time.thread_time_ns()
    calls = run()
    return (time.perf_counter_ns() - start) / calls, (time.thread_time_ns() - start_cpu) / calls


def _handler_loop(app: Any, tokens: list[str]) -> Callable[[], int]:
    events = [event(token) for token in tokens]
    contexts = [FakeLambdaContext(function_name="authorizer") for _ in tokens]
    handler = app.lambda_handler

    def run() -> int:
        for request, context in zip(events, contexts, strict=True):
            handler(request, context)  # a denial raises: the bench stops rather than report a wrong figure
        return len(events)

    return run


def _repeat_handler_loop(app: Any, token: str, calls: int) -> Callable[[], int]:
    request = event(token)
    context = FakeLambdaContext(function_name="authorizer")
    handler = app.lambda_handler

    def run() -> int:
        for _ in range(calls):
            handler(request, context)
        return calls

    return run


def _validator_loop(validator: Any, tokens: list[str]) -> Callable[[], int]:
    values = [f"Bearer {token}" for token in tokens]
    verify = validator.verify_authorization

    def run() -> int:
        for value in values:
            verify(value)
        return len(values)

    return run


def _pyjwt_loop(tokens: list[str], keys: dict[str, Any], issuer: str) -> Callable[[], int]:
    # The key is chosen before the clock starts: the baseline is decode() alone.
    pairs = [(token, keys[jwt.get_unverified_header(token)["kid"]]) for token in tokens]
    options: Any = {"require": ["exp", "iss"]}

    def run() -> int:
        for token, key in pairs:
            jwt.decode(token, key, algorithms=["RS256"], audience=AUDIENCE, issuer=issuer, leeway=30, options=options)
        return len(pairs)

    return run


def _raw_rsa_loop(tokens: list[str], keys: dict[str, Any]) -> Callable[[], int]:
    items = []
    for token in tokens:
        signing_input, _, signature = token.rpartition(".")
        items.append((signing_input.encode(), signature, keys[jwt.get_unverified_header(token)["kid"]]))
    pkcs1, sha256 = padding.PKCS1v15(), hashes.SHA256()

    def run() -> int:
        for signing_input, signature, key in items:
            key.verify(base64.urlsafe_b64decode(signature + "=" * (-len(signature) % 4)), signing_input, pkcs1, sha256)
        return len(items)

    return run


def warm(work: Path, rounds: int, repeat_calls: int) -> dict[str, Any]:
    fx = Fixtures.load(work / "fixtures.json")
    pipe = sys.stdout
    null = open(os.devnull, "w")  # noqa: SIM115 - held for the whole process
    sys.stdout = null
    app = load_app("authorizer")
    app.lambda_handler(event(fx.tokens[-1]), FakeLambdaContext())  # the cold decision: fetches the JWKS
    # A second container whose every decision publishes its EMF line at once (telemetry.py batches allows).
    os.environ["METRICS_FLUSH_SECONDS"] = "0"
    app_emf = load_app("authorizer")
    del os.environ["METRICS_FLUSH_SECONDS"]
    app_emf.lambda_handler(event(fx.tokens[-4]), FakeLambdaContext())
    repeated = fx.tokens[-2]
    validator = app.get_validator()
    pyjwt_keys = {jwk["kid"]: jwt.PyJWK(jwk, algorithm="RS256").key for jwk in fx.jwks["keys"]}
    crypto_keys = {kid: load_pem_public_key(pem.encode()) for kid, pem in fx.public_pems.items()}

    samples: dict[str, list[float]] = {}
    cpu: dict[str, list[float]] = {}
    batch = CHUNK // BATCHES
    for r in range(rounds):
        # Every round has tokens no candidate has seen: a verified-token cache must not help here.
        fresh = fx.tokens[3 * r * CHUNK : (3 * r + 1) * CHUNK]
        fresh_pipe = fx.tokens[(3 * r + 1) * CHUNK : (3 * r + 2) * CHUNK]
        fresh_validator = fx.tokens[(3 * r + 2) * CHUNK : (3 * r + 3) * CHUNK]
        for b in range(BATCHES):
            # The candidates take turns a batch at a time, in a rotating order, so a burst of load
            # from elsewhere on the machine lands on all of them rather than on one.
            part = slice(b * batch, (b + 1) * batch)
            candidates: list[tuple[str, Callable[[], int], Any]] = [
                ("handler", _handler_loop(app, fresh[part]), null),
                ("handler_emf_pipe", _handler_loop(app_emf, fresh_pipe[part]), Unbuffered(pipe)),
                ("validator", _validator_loop(validator, fresh_validator[part]), null),
                ("pyjwt", _pyjwt_loop(fresh[part], pyjwt_keys, fx.issuer), null),
                ("raw_rsa", _raw_rsa_loop(fresh[part], crypto_keys), null),
                ("repeat_handler", _repeat_handler_loop(app, repeated, repeat_calls // BATCHES), null),
                ("repeat_validator", _validator_loop(validator, [repeated] * (repeat_calls // BATCHES)), null),
            ]
            shift = (r * BATCHES + b) % len(candidates)
            for name, run, stream in candidates[shift:] + candidates[:shift]:
                sys.stdout = stream
                wall, cpu_time = _per_call_ns(run)
                sys.stdout = null
                samples.setdefault(name, []).append(wall)
                cpu.setdefault(name, []).append(cpu_time)
    return {
        name: {"median_ns": median(values), "cpu_median_ns": median(cpu[name]), "samples": len(values)}
        for name, values in samples.items()
    }


def pyjwkclient_traffic(tokens_path: str, jwks_url: str, issuer: str, cooldown: str) -> dict[str, Any]:
    """The baseline for JWKS traffic: PyJWT's own PyJWKClient, used as its documentation shows, on the same tokens."""
    client = jwt.PyJWKClient(jwks_url, timeout=3, cooldown_duration=float(cooldown))
    allowed = denied = 0
    start = time.perf_counter()
    with open(tokens_path) as tokens:
        for line in tokens:
            token = line.strip()
            try:
                key = client.get_signing_key_from_jwt(token).key
                jwt.decode(token, key, algorithms=["RS256"], audience=AUDIENCE, issuer=issuer)
                allowed += 1
            except jwt.PyJWTError:
                denied += 1
    return {"allowed": allowed, "denied": denied, "seconds": time.perf_counter() - start}


def main(argv: list[str]) -> None:
    scenario, result_path, *args = argv
    if scenario == "warm":
        result = warm(Path(args[0]), int(args[1]), int(args[2]))
    elif scenario == "pyjwkclient":
        result = pyjwkclient_traffic(*args)
    else:
        raise SystemExit(f"unknown scenario {scenario!r}")
    Path(result_path).write_text(json.dumps(result))


if __name__ == "__main__":
    main(sys.argv[1:])
