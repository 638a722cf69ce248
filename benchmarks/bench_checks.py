"""How fast trainees get feedback, and how long each notebook takes, measured in one run.

    python benchmarks/bench_checks.py             # every check, then every solution notebook
    python benchmarks/bench_checks.py --checks    # only the checks
    python benchmarks/bench_checks.py --checks --problems rfm.q4 scale.q4
    python benchmarks/bench_checks.py --fresh     # each first check in a fresh process

For every problem on the default world (5,000 members), four times:

- first right: the first check of the reference answer in a kernel that has computed
  nothing yet (every cached table and reference dropped first, so this is the worst
  case: a real kernel has usually read the tables already);
- repeat right: the median of the next checks;
- first wrong / repeat wrong: the same for a wrong answer that matches no catalogued
  mistake (an all-missing answer of the right shape, else the last mistake's answer),
  which makes the check compute every mistake's target;
- first named / repeat named: the same for the first catalogued mistake's wrong answer
  (a typical wrong answer, named in the feedback).

Targets (printed next to each number and flagged when missed, never asserted by the test
suite): every check at most 2 s the first time and 0.3 s after; every solution notebook
under 30 s; the whole course under 3 minutes. A step that takes longer than a second shows
a progress bar in the notebook (coursekit.engine.slow); they are turned off here.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FIRST_TARGET = 2.0
REPEAT_TARGET = 0.3
NOTEBOOK_TARGET = 30.0
COURSE_TARGET = 180.0


def wrong_answer(problem, expected):
    """A wrong answer that makes the check try every catalogued mistake."""
    import numpy as np
    import pandas as pd

    if isinstance(expected, pd.DataFrame):
        frame = expected.copy()
        for column in frame.columns:
            frame[column] = np.nan
        return frame
    if isinstance(expected, pd.Series):
        return pd.Series(np.nan, index=expected.index, name=expected.name)
    if isinstance(expected, float | int) and not isinstance(expected, bool):
        return float("nan")
    return problem.mistakes[-1].produce(expected) if problem.mistakes else expected


def timed_checks(problem, answer, repeat: int) -> tuple[float, float]:
    """(first check, median of ``repeat`` more) in seconds, starting from an empty cache."""
    from coursekit import course, state

    state.forget_worlds()
    course.setup(data=ROOT / "datasets", quiet=True)
    start = time.perf_counter()
    problem.check(answer, record=False)
    first = time.perf_counter() - start
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        problem.check(answer, record=False)
        times.append(time.perf_counter() - start)
    return first, statistics.median(times)


def bench_checks(repeat: int = 5, only: set[str] | None = None) -> list[dict]:
    from coursekit import course
    from coursekit.engine.registry import problems_by_module

    course.setup(data=ROOT / "datasets", quiet=True)
    rows = []
    for problems in problems_by_module().values():
        for problem in problems:
            if only and problem.id not in only:
                continue
            expected = problem.expected()
            answers = [expected, wrong_answer(problem, expected)]
            if problem.mistakes:
                answers.append(problem.mistakes[0].produce(problem.expected()))
            passed = problem.check(expected, record=False).passed
            times = [timed_checks(problem, answer, repeat) for answer in answers]
            rows.append({"id": problem.id, "times": times, "passed": passed})
    return rows


def bench_notebooks() -> list[tuple[str, float]]:
    """Execute each solution notebook in a fresh kernel (a copy: nothing is rewritten)."""
    import nbformat

    from coursekit.build import run_notebook

    rows = []
    for path in sorted((ROOT / "solutions").glob("[0-9][0-9]_*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        start = time.perf_counter()
        result = run_notebook(nb, cwd=path.parent, name=path.name)
        if not result.ok:
            print(f"  {result.message()}", file=sys.stderr)
        rows.append((path.stem, time.perf_counter() - start))
    return rows


FRESH_CHILD = r"""
import sys, time
began = time.perf_counter()
from coursekit import course
from coursekit.engine.registry import problems_by_module
course.setup(data=sys.argv[2], quiet=True)
problem = next(p for ps in problems_by_module().values() for p in ps if p.id == sys.argv[1])
answer = problem.expected()
ready = time.perf_counter()
problem.check(answer, record=False)
print(ready - began, time.perf_counter() - ready)
"""


def bench_fresh(only: set[str] | None = None) -> list[tuple[str, float, float]]:
    """Each problem's first check of the reference answer in a process of its own: what a
    trainee waits after restarting the kernel and jumping to that exercise. ``expected()``
    is computed before the clock starts; the check includes imports it makes itself (e.g.
    starting Spark)."""
    import subprocess

    from coursekit.engine.registry import problems_by_module

    rows = []
    for problems in problems_by_module().values():
        for problem in problems:
            if only and problem.id not in only:
                continue
            run = subprocess.run(
                [sys.executable, "-c", FRESH_CHILD, problem.id, str(ROOT / "datasets")],
                capture_output=True,
                text=True,
                check=False,
            )
            try:
                setup, first = (float(x) for x in run.stdout.split()[-2:])
            except ValueError:
                print(f"  {problem.id}: failed: {run.stderr.strip()[-200:]}", file=sys.stderr)
                continue
            rows.append((problem.id, setup, first))
    return rows


def flag(seconds: float, target: float) -> str:
    return f"{seconds:6.2f}{'*' if seconds > target else ' '}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--checks", action="store_true", help="only time the checks")
    parser.add_argument("--repeat", type=int, default=5, help="repeated checks per answer")
    parser.add_argument("--problems", nargs="+", metavar="ID", help="only these, e.g. rfm.q4")
    parser.add_argument(
        "--fresh", action="store_true", help="only: each first check in a fresh process"
    )
    args = parser.parse_args()
    os.environ["TQDM_DISABLE"] = "1"  # no progress bars between the numbers
    os.environ.setdefault("COURSEKIT_PROGRESS", str(Path(tempfile.mkdtemp()) / "progress.json"))

    if args.fresh:
        fresh = bench_fresh(set(args.problems or ()))
        over = [(pid, first) for pid, _, first in fresh if first > FIRST_TARGET]
        print(
            f"first check of the reference answer in a fresh process, {len(fresh)} problems "
            f"(target {FIRST_TARGET:g} s; a step over a second shows a progress bar)"
        )
        for pid, setup, first in sorted(fresh, key=lambda r: -r[2])[:10]:
            print(f"  {pid:22s} {flag(first, FIRST_TARGET)}  (setup and expected() {setup:.2f} s)")
        print(f"  over target: {', '.join(f'{p} {s:.1f} s' for p, s in over) or 'none'}")
        return 0

    rows = bench_checks(args.repeat, set(args.problems or ()))
    print(
        f"check() on the default world, {len(rows)} problems; seconds, * = over the target "
        f"({FIRST_TARGET:g} s first, {REPEAT_TARGET:g} s after)"
    )
    heads = ("right", "", "wrong", "", "named", "")
    print(f"  {'':22s}" + "".join(f"{h:>8s}" for h in heads))
    print(f"  {'problem':22s}" + "".join(f"{h:>8s}" for h in ("first", "repeat") * 3))
    over, worst_first, worst_repeat = [], 0.0, 0.0
    for row in rows:
        cells = ""
        for first, again in row["times"]:
            cells += f" {flag(first, FIRST_TARGET)} {flag(again, REPEAT_TARGET)}"
            worst_first, worst_repeat = max(worst_first, first), max(worst_repeat, again)
            if first > FIRST_TARGET or again > REPEAT_TARGET:
                over.append(row["id"])
        note = "" if row["passed"] else "   (reference did not pass!)"
        print(f"  {row['id']:22s}{cells}{note}")
    print(
        f"  slowest first check {worst_first:.2f} s = {worst_first / FIRST_TARGET:.2f} of "
        f"the target; slowest repeat {worst_repeat:.2f} s = "
        f"{worst_repeat / REPEAT_TARGET:.2f} of the target"
    )
    print(f"  over target: {', '.join(dict.fromkeys(over)) if over else 'none'}")
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
