"""A world generated chunk by chunk into partitioned Parquet: time, rows per second and
peak memory at two sizes, measured in one run.

    python benchmarks/bench_parquet.py                         # 250,000 and 2,500,000 members
    python benchmarks/bench_parquet.py --sizes 20000 200000    # other sizes
    python benchmarks/bench_parquet.py --keep DIR              # keep the largest world in DIR

Each size runs in its own process (``coursekit data generate --format parquet``), so the
peak memory (maximum resident set size) is that size's alone. Target (printed, never
asserted by the test suite): peak memory at the largest size within 1.5x of that at the
smallest, with the same chunk size: memory does not grow with the number of members.
2,500,000 members over two years are about 100 million order lines.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TARGET_RATIO = 1.5


def run(size: int, out: Path, chunk: int, seed: int) -> dict:
    """Generate one world in a child process; its time, peak memory and row counts."""
    command = [
        sys.executable, "-m", "coursekit.cli", "data", "generate", "--format", "parquet",
        "--customers", str(size), "--seed", str(seed), "--chunk-size", str(chunk),
        "--out", str(out), "--force", "--quiet",
    ]  # fmt: skip
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    began = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True)
    seconds = time.perf_counter() - began
    if done.returncode != 0:
        raise SystemExit(f"generating {size:,} members failed:\n{done.stderr}")
    peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    if peak_kib < before:  # pragma: no cover - ru_maxrss is a maximum over all children
        peak_kib = before
    manifest = json.loads((out / "MANIFEST").read_text())
    rows = manifest["rows"]
    disk = sum(meta["bytes"] for meta in manifest["files"].values())
    return {"members": size, "seconds": seconds, "peak_kib": peak_kib, "rows": rows, "disk": disk}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", nargs="+", type=int, default=[250_000, 2_500_000])
    parser.add_argument("--chunk", type=int, default=50_000, help="members per chunk")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--keep", type=Path, help="keep the largest world in this folder")
    args = parser.parse_args(argv)
    sizes = sorted(args.sizes)
    scratch = Path(tempfile.mkdtemp(prefix="bench_parquet_"))
    results = []
    try:
        for size in sizes:
            out = args.keep if (args.keep and size == sizes[-1]) else scratch / f"w{size}"
            # ru_maxrss of RUSAGE_CHILDREN is the largest child so far: smallest size first,
            # so each larger one's peak is its own (or the same as before).
            result = run(size, out, args.chunk, args.seed)
            results.append(result)
            rows = result["rows"]
            total = sum(rows.values())
            print(
                f"{size:>10,} members  {result['seconds']:8.1f} s  "
                f"peak {result['peak_kib'] / 2**20:5.2f} GiB  "
                f"order lines {rows['order_items']:>12,}  orders {rows['orders']:>11,}  "
                f"web events {rows['web_events']:>12,}  "
                f"{total / result['seconds']:>10,.0f} rows/s  "
                f"{size / result['seconds']:>8,.0f} members/s  "
                f"disk {result['disk'] / 2**30:5.2f} GiB",
                flush=True,
            )
            if out.parent == scratch:
                shutil.rmtree(out, ignore_errors=True)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    if len(results) > 1:
        ratio = results[-1]["peak_kib"] / results[0]["peak_kib"]
        verdict = "ok" if ratio <= TARGET_RATIO else "OVER TARGET"
        print(
            f"peak memory {results[-1]['members']:,} vs {results[0]['members']:,} members: "
            f"{ratio:.2f}x (target <= {TARGET_RATIO}x, chunk {args.chunk:,}): {verdict}"
        )
    print(f"machine: {os.cpu_count()} cores; python {sys.version.split()[0]}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
