"""How fast trainees get feedback, and how long each notebook takes, measured in one run.

    python benchmarks/bench_checks.py             # every check, then every solution notebook
    python benchmarks/bench_checks.py --checks    # only the checks

Targets (printed next to each number, never asserted by the test suite):
- every problem's ``check()`` on the default world: median under 0.3 s;
- every solution notebook: under 30 s to execute; the whole course under 3 minutes.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CHECK_TARGET = 0.3
NOTEBOOK_TARGET = 30.0
COURSE_TARGET = 180.0


def bench_checks(repeat: int = 5) -> list[tuple[str, float, float, bool]]:
    """(problem id, first check incl. computing the reference, median of repeats, passed)."""
    from coursekit import course
    from coursekit.engine.registry import problems_by_module

    course.setup(data=ROOT / "datasets", quiet=True)
    rows = []
    for problems in problems_by_module().values():
        for problem in problems:
            start = time.perf_counter()
            expected = problem.expected()
            feedback = problem.check(expected)
            first = time.perf_counter() - start
            times = []
            for _ in range(repeat):
                start = time.perf_counter()
                problem.check(expected)
                times.append(time.perf_counter() - start)
            rows.append((problem.id, first, statistics.median(times), feedback.passed))
    return rows


def bench_notebooks() -> list[tuple[str, float]]:
    """Execute each solution notebook in a fresh kernel (a copy: nothing is rewritten)."""
    import os

    import nbformat

    from coursekit.build import NOTEBOOK_ENV, NOTEBOOK_ENV_UNSET, execute_notebook

    saved = {k: os.environ.get(k) for k in (*NOTEBOOK_ENV, *NOTEBOOK_ENV_UNSET)}
    os.environ.update(NOTEBOOK_ENV)
    for key in NOTEBOOK_ENV_UNSET:
        os.environ.pop(key, None)
    rows = []
    try:
        with tempfile.TemporaryDirectory() as scratch:
            os.environ["COURSEKIT_PROGRESS"] = str(Path(scratch) / "progress.json")
            for path in sorted((ROOT / "solutions").glob("[0-9][0-9]_*.ipynb")):
                nb = nbformat.read(path, as_version=4)
                start = time.perf_counter()
                execute_notebook(nb, cwd=path.parent, name=path.name)
                rows.append((path.stem, time.perf_counter() - start))
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--checks", action="store_true", help="only time the checks")
    args = parser.parse_args()

    rows = bench_checks()
    print(f"check() on the default world ({len(rows)} problems; target < {CHECK_TARGET} s each)")
    print(f"  {'problem':28s} {'first':>8s} {'median':>8s}  ratio to target")
    for pid, first, median, passed in rows:
        flag = "" if passed else "   (reference did not pass!)"
        print(f"  {pid:28s} {first:8.3f} {median:8.3f}  {median / CHECK_TARGET:5.2f}{flag}")
    worst = max((r[2] for r in rows), default=0.0)
    print(f"  slowest median {worst:.3f} s = {worst / CHECK_TARGET:.2f} of the target "
          f"({'met' if worst < CHECK_TARGET else 'NOT met'})")  # fmt: skip
    if args.checks:
        return 0

    notebooks = bench_notebooks()
    total = sum(t for _, t in notebooks)
    print(f"\nsolution notebooks (fresh kernel each; target < {NOTEBOOK_TARGET:.0f} s each)")
    for name, seconds in notebooks:
        print(f"  {name:28s} {seconds:7.1f} s  {seconds / NOTEBOOK_TARGET:5.2f}")
    print(f"  whole course {total:.1f} s = {total / COURSE_TARGET:.2f} of the 3-minute target "
          f"({'met' if total < COURSE_TARGET else 'NOT met'})")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
