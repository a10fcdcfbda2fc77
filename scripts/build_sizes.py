"""Print what each function and layer of a `sam build` ships: files, unzipped and zipped bytes.

Usage: python scripts/build_sizes.py [BUILD_DIR] [--json]   (BUILD_DIR defaults to .aws-sam/build)

The zipped size is what `sam package` uploads (deflate, as SAM zips); Lambda's limits are 50 MB
zipped for a direct upload and 250 MB unzipped for a function together with its layers.
"""

from __future__ import annotations

import argparse
import io
import json
import sys
import zipfile
from dataclasses import asdict, dataclass
from pathlib import Path

DEFAULT_BUILD_DIR = Path(".aws-sam/build")


@dataclass(frozen=True)
class ArtifactSize:
    name: str
    files: int
    unzipped_bytes: int
    zipped_bytes: int


def measure(artifact_dir: Path) -> ArtifactSize:
    """Sizes of one built function or layer folder (apparent file sizes, not disk blocks)."""
    files = sorted(p for p in artifact_dir.rglob("*") if p.is_file())
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for path in files:
            archive.write(path, path.relative_to(artifact_dir).as_posix())
    return ArtifactSize(
        name=artifact_dir.name,
        files=len(files),
        unzipped_bytes=sum(p.stat().st_size for p in files),
        zipped_bytes=buffer.getbuffer().nbytes,
    )


def measure_build(build_dir: Path) -> list[ArtifactSize]:
    """One row per function or layer folder that `sam build` wrote into `build_dir`."""
    return [measure(d) for d in sorted(build_dir.iterdir()) if d.is_dir()]


def _human(size: int) -> str:
    if size < 1024 * 1024:
        return f"{size / 1024:.1f} KiB"
    return f"{size / (1024 * 1024):.1f} MiB"


def markdown_table(rows: list[ArtifactSize]) -> str:
    lines = ["| artifact | files | unzipped | zipped |", "|---|---:|---:|---:|"]
    lines += [f"| {r.name} | {r.files} | {_human(r.unzipped_bytes)} | {_human(r.zipped_bytes)} |" for r in rows]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("build_dir", nargs="?", type=Path, default=DEFAULT_BUILD_DIR)
    parser.add_argument("--json", action="store_true", help="print the rows as JSON (bytes)")
    args = parser.parse_args(argv)
    if not (args.build_dir / "template.yaml").is_file():
        print(f"{args.build_dir} holds no sam build output: run `sam build` first", file=sys.stderr)
        return 2
    rows = measure_build(args.build_dir)
    print(json.dumps([asdict(r) for r in rows], indent=2) if args.json else markdown_table(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
