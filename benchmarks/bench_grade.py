"""What grading a class costs, measured in one run.

    python benchmarks/bench_grade.py            # 30 submissions of 02_rfm
    python benchmarks/bench_grade.py --n 6      # a quicker look

The submissions are the solution notebook of ``02_rfm`` without its outputs, as 30
trainees would hand it in: a third with a wrong answer to one exercise, each with a
line of its own (so that no two are the same file, which the grader would run once).
They are graded on the default course world (5,000 members) three ways:

- plain: one submission run top to bottom in a fresh kernel by the notebook runner alone
  (the median of three runs): what the notebook itself costs;
- ``coursekit grade --jobs 1`` and ``--jobs 2`` on all submissions, each into a new
  output folder (nothing reused).

Printed: the wall time per notebook of each batch, the grader's overhead per submission
over plain execution (process and kernel start, the grader's cells, re-checking every
answer in two languages, writing results, feedback pages and the report, divided over the
batch), and the speed-up of two jobs over one. Nothing is asserted; on a machine shared
with others the numbers move, so compare ratios measured in the same run.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

NOTEBOOK = "02_rfm"


def submissions(folder: Path, n: int) -> list[Path]:
    """``n`` trainees' copies of the solution notebook, each a file of its own."""
    import nbformat
    from nbformat.v4 import new_markdown_cell

    source = nbformat.read(ROOT / "solutions" / f"{NOTEBOOK}.ipynb", as_version=4)
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for k in range(1, n + 1):
        nb = nbformat.from_dict(source)
        for cell in nb.cells:
            if cell.cell_type == "code":
                cell.outputs, cell.execution_count = [], None
        nb.cells.insert(0, new_markdown_cell(f"Trainee b{k:02d}", id=f"bench{k:02d}"))
        if k % 3 == 0:
            _answer_wrong(nb)
        path = folder / f"b{k:02d}_{NOTEBOOK}.ipynb"
        nbformat.write(nb, path)
        paths.append(path)
    return paths


def _answer_wrong(nb) -> None:
    """The snapshot date with the time of day kept (a catalogued mistake of rfm.q2)."""
    for cell in nb.cells:
        if cell.cell_type == "code" and "max().normalize() + pd.Timedelta" in cell.source:
            cell.source = cell.source.replace(".max().normalize()", ".max()", 1)
            return


def plain_seconds(path: Path, world: Path, repeat: int = 3) -> float:
    """The median time of running the notebook alone in a fresh kernel."""
    import nbformat

    from coursekit.build.execute import run_notebook

    times = []
    for _ in range(repeat):
        nb = nbformat.read(path, as_version=4)
        with tempfile.TemporaryDirectory() as cwd:
            env = {"COURSEKIT_DATA": str(world), "MPLBACKEND": "Agg"}
            result = run_notebook(nb, cwd, path.name, env=env, allow_errors=True)
        times.append(result.seconds)
    return statistics.median(times)


def graded_seconds(paths: list[Path], out: Path, jobs: int, world: Path) -> tuple[float, list]:
    """Wall time of grading ``paths`` with ``jobs`` at once, and the batch's results."""
    from coursekit.grade.batch import Options, grade_batch

    started = time.monotonic()
    batch = grade_batch(
        paths,
        Options(out=out, jobs=jobs, data=world, solutions=ROOT / "solutions", quiet=True),
    )
    return time.monotonic() - started, batch.results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=30, help="submissions (default 30)")
    args = parser.parse_args()
    world = ROOT / "datasets"
    with tempfile.TemporaryDirectory(prefix="bench-grade-") as scratch:
        root = Path(scratch)
        paths = submissions(root / "in", args.n)
        plain = plain_seconds(paths[0], world)
        print(f"{args.n} submissions of {NOTEBOOK} on {world} (5,000 members)")
        print(f"plain execution of one notebook (median of 3): {plain:6.1f} s")
        walls, kernels = {}, {}
        for jobs in (1, 2):
            wall, results = graded_seconds(paths, root / f"out{jobs}", jobs, world)
            walls[jobs] = wall
            statuses = sorted({r["status"] for r in results})
            kernel = statistics.median(r["seconds"] for r in results if r.get("seconds"))
            kernels[jobs] = kernel
            per = wall / args.n
            print(
                f"--jobs {jobs}: {wall:7.1f} s for the batch, {per:5.1f} s per notebook "
                f"(kernel time per notebook, median {kernel:.1f} s; statuses: "
                f"{', '.join(statuses)})"
            )
            if jobs == 1:
                print(
                    f"  grader's overhead per submission over plain execution: "
                    f"{per - plain:+.1f} s ({per / plain:.2f}x plain)"
                )
        print(f"speed-up of --jobs 2 over --jobs 1: {walls[1] / walls[2]:.2f}x")
        # Two jobs share the cores, so a notebook's own time should grow, not shrink; when
        # it shrinks, others' load on the machine changed between the two batches.
        print(
            f"  kernel time per notebook with --jobs 2 / with --jobs 1: "
            f"{kernels[2] / kernels[1]:.2f} (below 1: the machine was less busy in the "
            "second batch, and the speed-up is overstated)"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
