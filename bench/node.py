"""Row 7: the same tokens verified by Node's aws-jwt-verify and jsonwebtoken (installed into bench/node).

The packages are pinned by bench/node/package-lock.json and installed with `npm ci` on first use;
they are not part of the product. Without node or npm the row says so and the bench goes on.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench.fixtures import ROOT

NODE_DIR = ROOT / "bench" / "node"
PACKAGES = ("aws-jwt-verify", "jsonwebtoken")


def compare(work: Path, rounds: int, say: Callable[[str], None]) -> dict[str, Any]:
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None or npm is None:
        return {"skipped": "node or npm is not on PATH"}
    if not all((NODE_DIR / "node_modules" / name / "package.json").exists() for name in PACKAGES):
        say("npm ci into bench/node (aws-jwt-verify, jsonwebtoken)...")
        installed = subprocess.run(  # noqa: S603
            [npm, "ci", "--no-audit", "--no-fund"], cwd=NODE_DIR, capture_output=True, text=True, timeout=600
        )
        if installed.returncode != 0:
            return {"skipped": f"npm ci failed: {installed.stderr.strip()[-300:]}"}
    say("Node.js: aws-jwt-verify and jsonwebtoken on the same tokens...")
    result = subprocess.run(  # noqa: S603
        [node, str(NODE_DIR / "verify.mjs"), str(work / "fixtures.json"), str(rounds)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    if result.returncode != 0:
        return {"skipped": f"verify.mjs failed: {result.stderr.strip()[-300:]}"}
    figures: dict[str, Any] = json.loads(result.stdout.strip().splitlines()[-1])
    figures["note"] = (
        f"Node.js {figures['node']}: bench/node/verify.mjs verifies the tokens of row 2 (same slices, batches of "
        "100 in a rotating order, after a JIT warm-up): aws-jwt-verify `verifySync` with the JWKS cached by "
        "`cacheJwks` (it picks the key by kid itself), jsonwebtoken `verify` with a KeyObject chosen before the "
        "clock starts, as for PyJWT. Wall time."
    )
    return figures
