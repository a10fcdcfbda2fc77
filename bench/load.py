"""Row 6: the local runner (`python -m local_api`) under 8 concurrent clients on loopback.

The clients are Python threads in the bench process, each with its own keep-alive
`http.client.HTTPConnection`; the runner is its own process. Both share this machine's CPUs.
"""

from __future__ import annotations

import http.client
import json
import os
import queue
import re
import subprocess
import threading
import time
from collections.abc import Callable
from statistics import quantiles
from typing import Any

from bench.fixtures import PYTHON, ROOT

CLIENTS = 8
SLICES = 5  # each route gets SLICES turns of seconds / SLICES, alternating, so both see the same machine
LISTENING = re.compile(r"listening on http://127\.0\.0\.1:(\d+)")
DEV_CLIENT = {
    "client_id": "local-client",
    "client_secret": "local-secret",
    "audience": "https://protected-api.localhost",
    "grant_type": "client_credentials",
}


def local_runner(seconds: float, say: Callable[[str], None]) -> dict[str, Any]:
    if not (ROOT / "local_api" / "__main__.py").exists():
        return {"skipped": "local_api/__main__.py does not exist"}
    say(f"local runner: {CLIENTS} clients, {seconds:.0f} s per route...")
    # The embedded development issuer runs only when no issuer is configured.
    drop = ("TOKEN_ISSUER", "AUDIENCE", "JWKS_URI", "PORT", "EXPLORER_PORT")
    env = {name: value for name, value in os.environ.items() if name not in drop}
    env["EXPLORER_PORT"] = "0"
    process = subprocess.Popen(  # noqa: S603
        [PYTHON, "-m", "local_api", "--port", "0"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        port = _port(process, timeout=60)
        if port is None:
            return {"skipped": "python -m local_api did not say which port it listens on within 60 s"}
        token = _token(port)
        for path in ("/api/private", "/api/public"):
            status = _get(port, path, token)
            if status != 200:
                return {"skipped": f"GET {path} answered {status} before the load started"}
        _hammer(port, "/api/private", token, 1.0)  # warm-up: imports, JWKS, caches
        _hammer(port, "/api/public", token, 1.0)
        results: dict[str, list[tuple[int, list[float], float, int]]] = {"private": [], "public": []}
        for n in range(SLICES * 2):
            route = ("private", "public")[(n + n // 2) % 2]  # private, public, public, private, ...
            results[route].append(_hammer(port, f"/api/{route}", token, seconds / SLICES))
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
    figures: dict[str, Any] = {"clients": CLIENTS, "seconds": seconds}
    for route, slices in results.items():
        latencies = sorted(latency for _, lats, _, _ in slices for latency in lats)
        requests = sum(count for count, _, _, _ in slices)
        elapsed = sum(duration for _, _, duration, _ in slices)
        cuts = quantiles(latencies, n=100)
        figures[route] = {
            "requests": requests,
            "errors": sum(errors for _, _, _, errors in slices),
            "rps": requests / elapsed,
            "p50_ms": cuts[49] * 1000,
            "p99_ms": cuts[98] * 1000,
        }
    figures["note"] = (
        f"Local runner: `python -m local_api --port 0` with its development issuer; {CLIENTS} Python threads in "
        "the bench process, each with its own keep-alive http.client connection, GET with the bearer token "
        f"(the same token throughout, as a machine-to-machine caller sends it); each route gets {SLICES} "
        f"alternating turns of {seconds / SLICES:.1f} s after a 1 s warm-up. Clients and runner share the "
        f"machine's {os.cpu_count()} CPUs. Errors (non-200 or broken connections): "
        f"{figures['private']['errors']} on /api/private, {figures['public']['errors']} on /api/public."
    )
    return figures


def _port(process: subprocess.Popen[str], timeout: float) -> int | None:
    lines: queue.Queue[str | None] = queue.Queue()

    def drain() -> None:  # keep reading for the runner's whole life, or its stdout pipe fills and it stalls
        assert process.stdout is not None
        for line in process.stdout:
            lines.put(line)
        lines.put(None)

    threading.Thread(target=drain, daemon=True).start()
    deadline = time.monotonic() + timeout
    found: int | None = None
    while found is None and time.monotonic() < deadline:
        try:
            line = lines.get(timeout=max(0.0, deadline - time.monotonic()))
        except queue.Empty:
            break
        if line is None:
            break
        match = LISTENING.search(line)
        if match:
            found = int(match.group(1))
    # From here on, lines are only discarded.
    threading.Thread(target=_discard, args=(lines,), daemon=True).start()
    return found


def _discard(lines: queue.Queue[str | None]) -> None:
    while lines.get() is not None:
        pass


def _token(port: int) -> str:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        body = json.dumps(DEV_CLIENT)
        conn.request("POST", "/oauth/token", body=body, headers={"Content-Type": "application/json"})
        response = conn.getresponse()
        answer = json.loads(response.read())
    finally:
        conn.close()
    return str(answer["access_token"])


def _get(port: int, path: str, token: str) -> int:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request("GET", path, headers={"Authorization": f"Bearer {token}"})
        response = conn.getresponse()
        response.read()
        return response.status
    finally:
        conn.close()


def _hammer(port: int, path: str, token: str, seconds: float) -> tuple[int, list[float], float, int]:
    """CLIENTS threads GET `path` back to back for `seconds`: (requests, latencies in s, elapsed, errors)."""
    headers = {"Authorization": f"Bearer {token}"}
    latencies: list[list[float]] = [[] for _ in range(CLIENTS)]
    errors = [0] * CLIENTS
    start_line = threading.Barrier(CLIENTS + 1)
    stop_at = [0.0]

    def client(n: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        mine = latencies[n]
        start_line.wait()
        try:
            while True:
                begun = time.perf_counter()
                if begun >= stop_at[0]:
                    return
                try:
                    conn.request("GET", path, headers=headers)
                    response = conn.getresponse()
                    response.read()
                    if response.status != 200:
                        errors[n] += 1
                    if response.will_close:
                        conn.close()
                except (OSError, http.client.HTTPException):
                    errors[n] += 1
                    conn.close()
                    continue
                mine.append(time.perf_counter() - begun)
        finally:
            conn.close()

    threads = [threading.Thread(target=client, args=(n,), daemon=True) for n in range(CLIENTS)]
    for thread in threads:
        thread.start()
    started = time.perf_counter()
    stop_at[0] = started + seconds
    start_line.wait()
    for thread in threads:
        thread.join(timeout=seconds + 30)
    elapsed = time.perf_counter() - started
    flat = [latency for per_client in latencies for latency in per_client]
    return len(flat), flat, elapsed, sum(errors)
