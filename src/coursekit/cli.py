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

    hand = sub.add_parser(
        "handout",
        help="a folder and a zip per trainee, each with an own world",
        description="Write a folder (and a zip) per trainee of the roster: the student "
        "notebooks and an own world without the hidden tables. DIR/instructor/ keeps every "
        "trainee's seed and the full worlds. The same roster gives the same worlds; adding a "
        "trainee changes no one else's.",
    )
    hand.add_argument("--roster", required=True, help="CSV file with the columns id,name")
    hand.add_argument("--out", required=True, help="output folder")
    hand.add_argument("--customers", default="5000", help="customers per world (default 5000)")
    hand.add_argument("--modules", default=None, help="module numbers, e.g. 00-08 (default), 02")
    hand.add_argument("--seed", default="2026", help="course seed (default 2026)")
    hand.add_argument("--notebooks", default="notebooks", help="student notebooks folder")
    hand.add_argument("--quiet", action="store_true", help="no progress output")
    hand.add_argument("--truth", action="store_true",
                      help="hand out the hidden tables too: the campaign simulator (06-08) and "
                      "the reveals of 04-08 need them")  # fmt: skip

    grade = sub.add_parser(
        "grade",
        help="grade submitted notebooks: grades, feedback pages, a class report",
        description="Run each submitted notebook in a fresh kernel on the trainee's world, "
        "re-check every exercise with a fresh import of the checks, and write grades.csv, "
        "grades.xlsx, a feedback page per trainee and report.html into --out. Every file "
        "given gets a row and a status; running again resumes.",
    )
    grade.add_argument("submissions", nargs="+", metavar="SUBMISSION",
                       help="notebook files, or folders holding them")  # fmt: skip
    grade.add_argument("--out", required=True, help="output folder")
    grade.add_argument("--roster", default=None,
                       help="roster CSV; best the handout's instructor/roster.csv")  # fmt: skip
    grade.add_argument(
        "--jobs", default=None, help="notebooks run at once (default: cores, as memory allows)"
    )
    grade.add_argument("--timeout", default=None,
                       help="seconds per notebook (default 300)")  # fmt: skip
    grade.add_argument("--memory", default=None, help="MB of memory per notebook (default 2048)")
    grade.add_argument("--module", default=None, help="the module graded, e.g. 02_rfm")
    grade.add_argument(
        "--data", default=None,
        help="world for submissions that name none (default: as course.setup() finds it)",
    )  # fmt: skip
    grade.add_argument("--lang", default="en", help="report and feedback language: en or zh")
    grade.add_argument(
        "--solutions", default=None,
        help="solution notebooks folder (default: ./solutions, else the course's own)",
    )  # fmt: skip
    grade.add_argument("--quiet", action="store_true", help="no progress bar")

    prog = sub.add_parser("progress", help="show checked problems per module")
    prog.add_argument("--file", default=None, help="progress file (default: the user's)")

    guide = sub.add_parser(
        "guide",
        help="write the misconception tables of the instructor guides",
        description="Rewrite the generated block of docs/instructor_guide.md and "
        "docs/instructor_guide.zh.md from the exercises' catalogue of named mistakes.",
    )
    guide.add_argument("--check", action="store_true", help="only report out-of-date guides")
    guide.add_argument(
        "--root", default=None, help="repository root (default: the nearest one above here)"
    )
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
        if args.command == "handout":
            from coursekit.handout import handout_command

            return handout_command(
                roster=args.roster,
                out=args.out,
                customers=args.customers,
                modules=args.modules,
                seed=args.seed,
                notebooks=args.notebooks,
                quiet=args.quiet,
                truth=args.truth,
            )
        if args.command == "grade":
            from coursekit.grade.batch import grade_command

            return grade_command(
                args.submissions,
                out=args.out,
                roster=args.roster,
                jobs=args.jobs,
                timeout=args.timeout,
                memory=args.memory,
                module=args.module,
                data=args.data,
                lang=args.lang,
                solutions=args.solutions,
                quiet=args.quiet,
            )
        if args.command == "progress":
            from coursekit.engine.progress import progress_command

            return progress_command(args.file)
        if args.command == "guide":
            from coursekit.guide import guide_command

            return guide_command(args.root, check=args.check)
    except UsageError as exc:
        print(f"coursekit: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        resumable = {
            "grade": "graded submissions are kept",
            "handout": "the trainees handed out so far are complete",
        }
        if args.command in resumable:
            print(f"coursekit: interrupted; {resumable[args.command]}: run the same command "
                  "again to go on", file=sys.stderr)  # fmt: skip
        else:
            print("coursekit: interrupted; nothing was written", file=sys.stderr)
        return 130
    except OSError as exc:  # disk full, permissions: say what, keep what was there
        print(f"coursekit: error: {exc}", file=sys.stderr)
        return 1
    raise AssertionError(f"unhandled command {args.command!r}")  # argparse prevents this


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
