"""The ``coursekit`` command. It only parses arguments and calls the package's functions.

Exit codes: 0 success, 1 a check failed (stale notebooks, changed data files),
2 bad usage or bad input (nothing written).
"""

from __future__ import annotations

import argparse
import sys

from coursekit.errors import UsageError

# The dates `coursekit data generate` takes (coursekit.synth.world.FIRST_DAY and LAST_DAY,
# kept equal by tests/synth/test_world_io.py; the CLI does not import pandas to show help).
FIRST_DAY, LAST_DAY = "2015-01-01", "2035-12-31"


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="coursekit",
        description="Precise customer segmentation course kit (精准客户分层).",
    )
    sub = p.add_subparsers(dest="command", required=True)

    data = sub.add_parser("data", help="generate or verify a synthetic retail world")
    data_sub = data.add_subparsers(dest="data_command", required=True)
    gen = data_sub.add_parser(
        "generate",
        help="generate a world into a directory",
        description="Generate a synthetic retail world. Dates may lie from "
        f"{FIRST_DAY} to {LAST_DAY}; the number of customers is limited by the memory "
        "available (and at most 10,000,000).",
    )
    gen.add_argument("--customers", default="5000", help="number of customers (default 5000)")
    gen.add_argument("--seed", default="2026", help="random seed (default 2026)")
    gen.add_argument("--out", required=True, help="output directory")
    gen.add_argument("--locale", default="zh_CN", help="zh_CN (default) or en_US")
    gen.add_argument(
        "--format",
        default="csv",
        help="csv (default): the course world with its raw exports, generated in memory; "
        "parquet: Hive-partitioned Parquet (orders/month=YYYY-MM/part-*.parquet ...) for "
        "DuckDB and Spark, generated chunk by chunk in bounded memory, without raw exports",
    )
    gen.add_argument(
        "--chunk-size",
        default=None,
        help="with --format parquet: members generated at a time, a multiple of 1000 "
        "(default 50000); memory grows with it, the files do not depend on it",
    )
    gen.add_argument(
        "--start", default="2024-01-01", help=f"first day (default 2024-01-01; from {FIRST_DAY})"
    )
    gen.add_argument(
        "--end", default="2025-12-31", help=f"last day (default 2025-12-31; until {LAST_DAY})"
    )
    gen.add_argument(
        "--force",
        action="store_true",
        help="replace the world in a non-empty output directory (its MANIFEST's files only; "
        "other files there are kept)",
    )
    gen.add_argument(
        "--no-truth",
        dest="truth",
        action="store_false",
        help="leave out the hidden tables (truth/), e.g. for a world to hand out",
    )
    gen.add_argument("--quiet", action="store_true", help="no progress output")
    ver = data_sub.add_parser("verify", help="check a dataset directory against its MANIFEST")
    ver.add_argument("dir", help="dataset directory")

    build = sub.add_parser("build", help="write notebooks/ from solutions/")
    build.add_argument("--check", action="store_true", help="only report stale notebooks")
    build.add_argument("--solutions", default="solutions", help="source directory")
    build.add_argument("--notebooks", default="notebooks", help="output directory")
    build.add_argument(
        "--execute",
        action="store_true",
        help="first re-run solution notebooks in place (all, or the NAMEs given)",
    )
    build.add_argument("--timeout", help="with --execute: seconds per cell (default 120)")
    build.add_argument("names", nargs="*", metavar="NAME", help="with --execute: e.g. 02_rfm")

    prog = sub.add_parser("progress", help="show checked problems per module")
    prog.add_argument("--file", default=None, help="progress file (default: the user's)")
    return p


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        if args.command == "data" and args.data_command == "generate":
            from coursekit.synth.cli_api import generate_command

            return generate_command(
                customers=args.customers,
                seed=args.seed,
                out=args.out,
                locale=args.locale,
                fmt=args.format,
                chunk_size=args.chunk_size,
                start=args.start,
                end=args.end,
                force=args.force,
                quiet=args.quiet,
                truth=args.truth,
            )
        if args.command == "data" and args.data_command == "verify":
            from coursekit.synth.cli_api import verify_command

            return verify_command(args.dir)
        if args.command == "build":
            from coursekit.build import build_command, execute_command

            if args.execute and args.check:
                raise UsageError("--execute writes notebooks; it cannot be combined with --check")
            if args.execute:
                return execute_command(
                    args.names, args.solutions, args.notebooks, timeout=args.timeout
                )
            if args.names:
                raise UsageError("notebook names are only taken with --execute")
            return build_command(args.solutions, args.notebooks, check=args.check)
        if args.command == "progress":
            from coursekit.engine.progress import progress_command

            return progress_command(args.file)
    except UsageError as exc:
        print(f"coursekit: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("coursekit: interrupted; nothing was written", file=sys.stderr)
        return 130
    except OSError as exc:  # disk full, permissions: say what, keep what was there
        print(f"coursekit: error: {exc}", file=sys.stderr)
        return 1
    raise AssertionError(f"unhandled command {args.command!r}")  # argparse prevents this


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
