"""The table: one row per figure, ours beside its baseline, the ratio, the target and whether it is met."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

COLD_TARGET = 1.3
FRESH_TARGET = 1.15
REPEAT_TARGET_US = 10.0
RSS_TARGET_MIB = 60.0


@dataclass
class Row:
    measure: str
    ours: str
    baseline: str
    ratio: str
    target: str = ""
    met: str = ""


def _ratio(ours: float, baseline: float) -> str:
    return f"{ours / baseline:.2f}x" if baseline else "n/a"


def _yes(ok: bool) -> str:
    return "met" if ok else "**not met**"


def _us(ns: float) -> str:
    return f"{ns / 1000:.1f} µs" if ns < 100_000 else f"{ns / 1000:.0f} µs"


def _jwks_bound(result: dict[str, Any]) -> int:
    """At most one fetch at cold start, then one per cooldown over the run's duration."""
    seconds = result["first_decision_s"] + result["rest_s"]
    return 1 + math.floor(seconds / result["cooldown_s"])


def rows_for(
    cold: dict[str, Any],
    warm: dict[str, Any],
    traffic: dict[str, Any],
    memory: dict[str, Any],
    runner: dict[str, Any] | None,
    node: dict[str, Any] | None,
    repeat_calls: int,
) -> list[Row]:
    ns = {name: figures["median_ns"] for name, figures in warm.items()}
    cpu = {name: figures["cpu_median_ns"] for name, figures in warm.items()}
    # The median of each round's own ratio: the floor and the authorizer of one round share its moment's load.
    cold_ratio = cold["ratio_paired"]
    fresh_ratio = ns["handler"] / ns["pyjwt"]
    rows = [
        Row(
            "1. Cold start: fresh process, import authorizer/app.py + first Allow (JWKS by discovery on 127.0.0.1),"
            " all code precompiled (.pyc)",
            f"{cold['authorizer_s'] * 1000:.0f} ms (in-process: import {cold['import_s'] * 1000:.0f} ms"
            f" + first decision {cold['first_decision_s'] * 1000:.0f} ms)",
            f"{cold['floor_s'] * 1000:.0f} ms (`import jwt` only)",
            f"{cold_ratio:.2f}x",
            f"≤ {COLD_TARGET}x",
            _yes(cold_ratio <= COLD_TARGET),
        ),
        Row(
            "1a. same, authorizer/ compiled from source at start (as a `sam build` package runs: it ships no .pyc)",
            f"{cold['authorizer_source_s'] * 1000:.0f} ms (in-process: import {cold['import_source_s'] * 1000:.0f} ms)",
            f"{cold['floor_s'] * 1000:.0f} ms (`import jwt` only)",
            f"{cold['ratio_source_paired']:.2f}x",
        ),
        Row(
            "2. Warm, fresh token: lambda_handler per decision (stdout to /dev/null)",
            f"{_us(ns['handler'])} (CPU {_us(cpu['handler'])})",
            f"{_us(ns['pyjwt'])} (CPU {_us(cpu['pyjwt'])}; PyJWT `jwt.decode`, key already parsed)",
            f"{fresh_ratio:.2f}x (CPU {_ratio(cpu['handler'], cpu['pyjwt'])})",
            f"≤ {FRESH_TARGET}x",
            _yes(fresh_ratio <= FRESH_TARGET),
        ),
        Row(
            "2a. same, against the floor",
            _us(ns["handler"]),
            f"{_us(ns['raw_rsa'])} (`cryptography` RSA PKCS#1 v1.5 verify alone)",
            _ratio(ns["handler"], ns["raw_rsa"]),
        ),
        Row(
            "2b. same, METRICS_FLUSH_SECONDS=0: an EMF line written and flushed to a pipe per decision",
            _us(ns["handler_emf_pipe"]),
            f"{_us(ns['pyjwt'])} (PyJWT `jwt.decode`)",
            _ratio(ns["handler_emf_pipe"], ns["pyjwt"]),
        ),
        Row(
            "2c. jwt_authorizer alone (TokenValidator.verify_authorization, no Lambda wrapper)",
            _us(ns["validator"]),
            f"{_us(ns['pyjwt'])} (PyJWT `jwt.decode`)",
            _ratio(ns["validator"], ns["pyjwt"]),
        ),
        Row(
            f"3. Warm, repeated token: lambda_handler, same token {repeat_calls:,} times",
            f"{_us(ns['repeat_handler'])} (CPU {_us(cpu['repeat_handler'])})",
            f"{_us(ns['handler'])} (fresh token, row 2)",
            _ratio(ns["repeat_handler"], ns["handler"]),
            f"≤ {REPEAT_TARGET_US:.0f} µs",
            _yes(ns["repeat_handler"] / 1000 <= REPEAT_TARGET_US),
        ),
        Row(
            "3a. same token, jwt_authorizer alone (no Lambda wrapper)",
            _us(ns["repeat_validator"]),
            f"{_us(ns['validator'])} (fresh token, row 2c)",
            _ratio(ns["repeat_validator"], ns["validator"]),
        ),
    ]
    for label, result in (("default 30 s", traffic["default"]), ("0.5 s", traffic["short"])):
        bound = _jwks_bound(result)
        ok = result["jwks_fetches"] <= bound and result["discovery_fetches"] <= 1
        rows.append(
            Row(
                f"4. JWKS fetches, 10,000 decisions (3 keys, 1,000 unknown kids), cooldown {label}",
                f"{result['jwks_fetches']} JWKS + {result['discovery_fetches']} discovery"
                f" in {result['first_decision_s'] + result['rest_s']:.1f} s"
                f" ({result['allowed']:,} Allow, {result['denied']:,} Deny)",
                f"{result['baseline_jwks_fetches']:,} (PyJWT `PyJWKClient`, same cooldown and tokens)",
                _ratio(result["jwks_fetches"], result["baseline_jwks_fetches"]),
                f"1 + ≤ 1 per cooldown (≤ {bound})",
                _yes(ok),
            )
        )
    rss, floor_rss = memory["authorizer_kb"] / 1024, memory["floor_kb"] / 1024
    rows.append(
        Row(
            "5. Peak RSS after 10,000 decisions (10,000 distinct tokens)",
            f"{rss:.1f} MiB",
            f"{floor_rss:.1f} MiB (`import jwt` only)",
            _ratio(rss, floor_rss),
            f"≤ {RSS_TARGET_MIB:.0f} MB",
            _yes(rss * 1.048576 <= RSS_TARGET_MIB),
        )
    )
    if runner is None:
        rows.append(Row("6. Local runner", "skipped", "", ""))
    elif "skipped" in runner:
        rows.append(Row("6. Local runner", f"skipped: {runner['skipped']}", "", ""))
    else:
        private, public = runner["private"], runner["public"]
        rows.append(
            Row(
                f"6. Local runner, {runner['clients']} clients, {runner['seconds']:.0f} s per route: /api/private",
                f"{private['rps']:.0f} req/s, p50 {private['p50_ms']:.1f} ms, p99 {private['p99_ms']:.1f} ms",
                f"/api/public: {public['rps']:.0f} req/s, p50 {public['p50_ms']:.1f} ms, p99 {public['p99_ms']:.1f} ms",
                f"{private['rps'] / public['rps']:.2f}x req/s",
            )
        )
    if node is None:
        rows.append(Row("7. Node.js libraries", "skipped", "", ""))
    elif "skipped" in node:
        rows.append(Row("7. Node.js libraries", f"skipped: {node['skipped']}", "", ""))
    else:
        for name, label in (("aws_jwt_verify", "aws-jwt-verify"), ("jsonwebtoken", "jsonwebtoken")):
            rows.append(
                Row(
                    f"7. Fresh token: lambda_handler vs Node {label} ({node['versions'][name]}, key already loaded)",
                    _us(ns["handler"]),
                    f"{_us(node[name]['median_ns'])} ({label} on node {node['node']})",
                    _ratio(ns["handler"], node[name]["median_ns"]),
                )
            )
    return rows


def notes(
    cold: dict[str, Any], warm: dict[str, Any], runner: dict[str, Any] | None, node: dict[str, Any] | None
) -> list[str]:
    samples = next(iter(warm.values()))["samples"]
    lines = [
        f"Cold start: median over {cold['runs']} fresh `.venv/bin/python` processes each, the three taking turns "
        "after one unrecorded round, of the time from spawning the process to its first decision (authorizer) or "
        "to `import jwt` done (floor), on the machine-wide monotonic clock: interpreter start-up counts, teardown "
        "does not. The ratio is the median of each round's own ratio (the three of a round ran back to back). "
        "The authorizer process (bench/authorizer_process.py) runs a "
        "copy of authorizer/ with the template's environment, finds the JWKS by OpenID discovery (2 requests to "
        "127.0.0.1, about 1 ms each here; a real issuer over TLS costs far more) and must answer Allow. "
        "PYTHONDONTWRITEBYTECODE=1 throughout: the site-packages .pyc written by pip are used by all three; "
        "row 1 runs authorizer/ precompiled (compileall), row 1a compiles it at start, as on Lambda: `sam build` "
        "copies no .pyc (of our code nor of the dependency wheels it unpacks) and /var/task is read-only, so "
        "on Lambda the floor would pay for compiling too.",
        f"Warm rows: wall time per decision, median of {samples} batches per candidate; each round gives every "
        "candidate a new set of 1,000 tokens (RSA-2048, RS256, three keys), so no cache helps rows 2-2c, and the "
        "candidates take turns 100 tokens at a time in a rotating order, so load from elsewhere hits them all. "
        "Stdout: rows 2, 2a, 2c and 3 send it to /dev/null. The authorizer (telemetry.py) counts allows in memory "
        "and prints their EMF line at most once per METRICS_FLUSH_SECONDS (default 60), so those rows print "
        "almost nothing; row 2b sets it to 0, so every decision prints its EMF line, written and flushed to a "
        "pipe the bench drains, as the Lambda runtime's unbuffered stdout does.",
        "Baselines get the key chosen before the clock starts. The authorizer does more per token: checks the "
        "bearer format, reads the header and finds the key by kid itself, looks up and fills its verified-token "
        "cache, builds the policy document and counts the decision.",
        "JWKS: requests counted at the bench's JWKS server; the bound is 1 + floor(run time / cooldown).",
        "Peak RSS: VmHWM from /proc/self/status of the process (a Lambda container in miniature: "
        "bench/authorizer_process.py), median of the runs; tokens are streamed from a file. Not ru_maxrss: on "
        "Linux a child's ru_maxrss carries over its parent's peak through fork and exec (measured: a child of a "
        "200 MB parent reports 210 MB), so it would report the bench's own size.",
    ]
    cpu = {name: figures["cpu_median_ns"] for name, figures in warm.items()}
    lines.append(
        f"The same in CPU time (thread_time, blind to time spent waiting for a CPU): lambda_handler "
        f"{_us(cpu['handler'])} vs PyJWT {_us(cpu['pyjwt'])} ({_ratio(cpu['handler'], cpu['pyjwt'])}), "
        f"jwt_authorizer alone {_us(cpu['validator'])} ({_ratio(cpu['validator'], cpu['pyjwt'])}), "
        f"repeated token {_us(cpu['repeat_handler'])}."
    )
    for extra in (runner, node):
        if extra and "skipped" not in extra:
            lines.append(extra["note"])
    return lines


def render(rows: list[Row], environment: dict[str, str], note_lines: list[str]) -> str:
    header = ["Measure", "Ours", "Baseline", "Ratio", "Target", "Met"]
    lines = [
        "# make bench",
        "",
        " · ".join(f"{name}: {value}" for name, value in environment.items()),
        "",
        "| " + " | ".join(header) + " |",
        "|" + "|".join("---" for _ in header) + "|",
    ]
    for row in rows:
        cells = [row.measure, row.ours, row.baseline, row.ratio, row.target, row.met]
        lines.append("| " + " | ".join(cell.replace("|", "\\|") for cell in cells) + " |")
    lines += ["", "Notes:", *(f"- {line}" for line in note_lines), ""]
    return "\n".join(lines)
