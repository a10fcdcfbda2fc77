"""`make bench` (`python -m bench`): every figure beside its baseline, measured in the same run.

Prints one Markdown table and writes it to bench/results/latest.md. Servers run on 127.0.0.1 only
and are stopped before the bench exits; every loop is bounded in count and time.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from statistics import median
from typing import Any

from bench import load, node
from bench.fixtures import PYTHON, ROOT, Fixtures, authorizer_env, make_fixtures
from bench.report import notes, render, rows_for
from tests.support.jwks_server import JwksServer

RESULTS = ROOT / "bench" / "results"
DISCOVERY_PATH = "/.well-known/openid-configuration"
JWKS_PATH = "/.well-known/jwks.json"


def say(text: str) -> None:
    print(f"[bench] {text}", file=sys.stderr, flush=True)


def run(args: list[str], env: dict[str, str], *, timeout: float = 300) -> subprocess.CompletedProcess[bytes]:
    result = subprocess.run(args, env=env, cwd=ROOT, capture_output=True, timeout=timeout, check=False)  # noqa: S603
    if result.returncode != 0:
        raise SystemExit(f"{' '.join(args[:3])} failed:\n{result.stderr.decode(errors='replace')[-3000:]}")
    return result


def timed_process(args: list[str], env: dict[str, str], result_path: Path) -> tuple[float, dict[str, Any]]:
    """Run a bench process; (seconds from spawn until it was ready, its JSON result).

    "Ready" is the moment the process stamps as `ready_at` (the first decision made, `import jwt`
    done), read on CLOCK_MONOTONIC, which all processes of the machine share: interpreter start-up
    counts, the teardown after it does not (a Lambda container lives on after its first request).
    Without a stamp, the process's whole life.
    """
    start = time.monotonic()
    run(args, env)
    ended = time.monotonic()
    result = json.loads(result_path.read_text())
    ready_at = result.get("ready_at")
    return (ready_at if ready_at else ended) - start, result


def write_tokens(path: Path, tokens: list[str]) -> Path:
    path.write_text("".join(f"{token}\n" for token in tokens))
    return path


def cold_start(work: Path, env: dict[str, str], token: str, runs: int) -> dict[str, Any]:
    """Fresh processes: the authorizer with its .pyc, the same compiling itself at start, and `import jwt`.

    The floor imports PyJWT from site-packages, compiled by pip at install; the fair comparison is
    the authorizer compiled too. But Lambda's /var/task is read-only and `sam build` copies no .pyc
    (aws_lambda_builders' python_pip workflow excludes them), so on Lambda every cold start compiles
    app.py and jwt_authorizer from source: the second variant. Both run from copies of authorizer/
    made here, so a stale or missing __pycache__ in the working tree cannot change the figures.
    """
    tokens = write_tokens(work / "cold-token.txt", [token])
    out = work / "cold.json"
    variants = {"source": work / "authorizer-source", "pyc": work / "authorizer-pyc"}
    for folder in variants.values():
        shutil.copytree(ROOT / "authorizer", folder, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    run([PYTHON, "-m", "compileall", "-q", str(variants["pyc"])], env)
    no_writes = {**env, "PYTHONDONTWRITEBYTECODE": "1"}
    commands = {
        name: ([PYTHON, "bench/authorizer_process.py", str(tokens), str(out)], {**no_writes, "PYTHONPATH": str(folder)})
        for name, folder in variants.items()
    }
    commands["floor"] = ([PYTHON, "bench/floor_process.py", str(out)], no_writes)
    walls: dict[str, list[float]] = {name: [] for name in commands}
    inside: dict[str, list[dict[str, Any]]] = {name: [] for name in variants}
    order = list(commands)
    # One unrecorded round first, for a warm page cache; then the three take turns in a rotating order.
    for n in range(runs + 1):
        for name in order[n % 3 :] + order[: n % 3]:
            args, command_env = commands[name]
            wall, result = timed_process(args, command_env, out)
            if name != "floor" and result.get("allowed") != 1:
                raise SystemExit(f"the cold-start decision was not an Allow: {result}")
            if n:
                walls[name].append(wall)
                if name != "floor":
                    inside[name].append(result)
    paired = [pyc / floor for pyc, floor in zip(walls["pyc"], walls["floor"], strict=True)]
    paired_source = [source / floor for source, floor in zip(walls["source"], walls["floor"], strict=True)]
    return {
        "ratio_paired": median(paired),
        "ratio_source_paired": median(paired_source),
        "samples_ms": {name: [round(value * 1000, 1) for value in values] for name, values in walls.items()},
        "authorizer_s": median(walls["pyc"]),
        "authorizer_source_s": median(walls["source"]),
        "floor_s": median(walls["floor"]),
        "import_s": median(r["import_s"] for r in inside["pyc"]),
        "first_decision_s": median(r["first_decision_s"] for r in inside["pyc"]),
        "import_source_s": median(r["import_s"] for r in inside["source"]),
        "runs": runs,
    }


def warm(work: Path, env: dict[str, str], rounds: int, repeat_calls: int) -> dict[str, Any]:
    out = work / "warm.json"
    run([PYTHON, "-m", "bench.worker", "warm", str(out), str(work), str(rounds), str(repeat_calls)], env)
    return json.loads(out.read_text())


def jwks_traffic(work: Path, server: JwksServer, fx: Fixtures, env: dict[str, str]) -> dict[str, Any]:
    # 10,000 decisions: every tenth token carries a kid the JWKS does not hold.
    valid = iter(fx.tokens[:9000])
    unknown = iter(fx.unknown_kid_tokens[:1000])
    mix = [next(unknown) if n % 10 == 9 else next(valid) for n in range(10_000)]
    tokens = write_tokens(work / "traffic.txt", mix)
    out = work / "traffic.json"
    figures: dict[str, Any] = {}
    for name, cooldown in (("default", "30"), ("short", "0.5")):
        extra = {} if name == "default" else {"JWKS_COOLDOWN_SECONDS": cooldown}
        before = server.count(DISCOVERY_PATH), server.count(JWKS_PATH)
        _, result = timed_process([PYTHON, "bench/authorizer_process.py", str(tokens), str(out)], {**env, **extra}, out)
        result["discovery_fetches"] = server.count(DISCOVERY_PATH) - before[0]
        result["jwks_fetches"] = server.count(JWKS_PATH) - before[1]
        result["cooldown_s"] = float(cooldown)
        if (result["allowed"], result["denied"]) != (9000, 1000):
            raise SystemExit(
                f"JWKS traffic with cooldown {cooldown} s: expected 9,000 Allow and 1,000 Deny, got {result}"
            )
        # The baseline: PyJWT's PyJWKClient with the same cooldown, on the same tokens.
        before_jwks = server.count(JWKS_PATH)
        args = [PYTHON, "-m", "bench.worker", "pyjwkclient", str(out), str(tokens), server.url(JWKS_PATH), fx.issuer]
        _, baseline = timed_process([*args, cooldown], env, out)
        result["baseline_jwks_fetches"] = server.count(JWKS_PATH) - before_jwks
        result["baseline"] = baseline
        figures[name] = result
    return figures


def memory(work: Path, fx: Fixtures, env: dict[str, str], runs: int) -> dict[str, Any]:
    tokens = write_tokens(work / "memory.txt", fx.tokens[:10_000])
    out = work / "memory.json"
    peaks: dict[str, list[int]] = {"authorizer": [], "floor": []}
    for n in range(runs):
        pair = [
            ("authorizer", [PYTHON, "bench/authorizer_process.py", str(tokens), str(out)]),
            ("floor", [PYTHON, "bench/floor_process.py", str(out)]),
        ]
        for name, args in pair if n % 2 else reversed(pair):
            _, result = timed_process(args, env, out)
            if name == "authorizer" and result["allowed"] != 10_000:
                raise SystemExit(f"the memory run did not allow every token: {result}")
            peaks[name].append(result["peak_rss_kb"])
    return {"authorizer_kb": median(peaks["authorizer"]), "floor_kb": median(peaks["floor"]), "runs": runs}


def environment() -> dict[str, str]:
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"],  # noqa: S607
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    ).stdout.strip()
    dirty = subprocess.run(
        ["git", "status", "--porcelain", "--", "authorizer"],  # noqa: S607
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    ).stdout.strip()
    return {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "commit": commit + (" (authorizer/ has uncommitted changes)" if dirty else ""),
        "python": platform.python_version(),
        "machine": f"{platform.machine()}, {os.cpu_count()} CPUs, {platform.system()} {platform.release()}",
        "load average at the end": " ".join(f"{load:.1f}" for load in os.getloadavg()),
    }


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="fewer repetitions (a smoke run, not for figures)")
    parser.add_argument("--no-node", action="store_true", help="skip the Node.js comparison")
    parser.add_argument("--no-runner", action="store_true", help="skip the local runner load test")
    args = parser.parse_args()
    cold_runs, rounds, repeat_calls, mem_runs, load_seconds = (
        (4, 2, 2000, 1, 2.0) if args.quick else (30, 5, 10_000, 3, 10.0)
    )

    work = Path(tempfile.mkdtemp(prefix="bench-"))
    try:
        with JwksServer() as server:
            issuer = server.base_url + "/"
            say(f"signing {3 * rounds * 1000 + 4:,} tokens and 1,000 with unknown kids (RSA-2048)...")
            fx = make_fixtures(issuer, max(3 * rounds * 1000 + 4, 10_004), 1000)
            fx.save(work / "fixtures.json")
            server.serve_issuer(issuer, fx.jwks)
            env = authorizer_env(issuer)
            say(f"cold start: {cold_runs} interleaved rounds of three fresh processes...")
            cold = cold_start(work, env, fx.tokens[-3], cold_runs)
            say(f"warm: {rounds} interleaved rounds of 1,000 fresh tokens per candidate...")
            hot = warm(work, env, rounds, repeat_calls)
            say("JWKS traffic: 10,000 decisions, 1,000 of them with unknown kids...")
            traffic = jwks_traffic(work, server, fx, env)
            say(f"memory: {mem_runs} interleaved pairs...")
            mem = memory(work, fx, env, mem_runs)
        runner = None if args.no_runner else load.local_runner(load_seconds, say)
        js = None if args.no_node else node.compare(work, rounds, say)
    finally:
        shutil.rmtree(work, ignore_errors=True)

    rows = rows_for(cold, hot, traffic, mem, runner, js, repeat_calls)
    table = render(rows, environment(), notes(cold, hot, runner, js))
    print(table)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "latest.md").write_text(table)
    (RESULTS / "latest.json").write_text(
        json.dumps(
            {"cold": cold, "warm": hot, "traffic": traffic, "memory": mem, "runner": runner, "node": js}, indent=1
        )
    )
    say(f"written to {(RESULTS / 'latest.md').relative_to(ROOT)}")


if __name__ == "__main__":
    main()
