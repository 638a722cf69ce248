"""A class-sized batch: 40 submissions, 10% broken, every one in the grades; and a batch
interrupted half-way that resumes without running again what was done.

The notebooks are short welcome notebooks (setup, answers and checks), without handout
metadata: every trainee is graded on one world given with ``--data``, named by the file.
"""

from __future__ import annotations

import csv
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

from coursekit.grade.batch import Options, grade_batch

from .helpers import ROOT, SOLUTIONS, read_results, regrade, shared_folder, submission, write

pytestmark = pytest.mark.slow

SHARES = 'tier_counts = customers["city_tier"].value_counts(normalize=True)'
PERCENT = (
    "completed = orders[orders['status'] == 'completed']\n"
    "mini = completed[completed['channel'] == 'mini_program']\n"
    "mini_program_share = 100 * mini['net_amount'].sum() / completed['net_amount'].sum()"
)
MISSING_TIER = 'tier_counts = customers["city_tier"].value_counts().sort_index().iloc[:-1]'
NOT_ATTEMPTED = "monthly_orders = ____"


#: The status each file of the class must end as.
CLASS_STATUSES = {
    **{f"s{n:02d}_00_welcome.ipynb": "graded" for n in range(1, 37)},
    "s37_00_welcome.ipynb": "corrupt",
    "s38_00_welcome.ipynb": "corrupt",
    "s39_00_welcome.py": "not_a_notebook",
    "s40_00_welcome.ipynb": "kernel_died",
}


def class_of_40(folder: Path) -> None:
    """40 files: 36 notebooks (right, wrong in named and unnamed ways, unfinished) and
    4 broken files (:data:`CLASS_STATUSES`)."""
    for n in range(1, 37):
        replace = {}
        if n % 3 == 0:  # 12 trainees: shares instead of counts (a named mistake)
            replace["tier_counts = "] = SHARES
        elif n % 3 == 1 and n <= 12:  # 4 trainees: a tier left out (no named mistake)
            replace["tier_counts = "] = MISSING_TIER
        if n % 4 == 0:  # 9 trainees: a percentage, not a fraction
            replace["mini_program_share = "] = PERCENT
        if n > 30:  # 6 trainees did not get to q4
            replace["monthly_orders = "] = NOT_ATTEMPTED
        name = f"s{n:02d}_00_welcome.ipynb"
        write(submission("00_welcome", replace=replace, trim=True), folder / name)
    (folder / "s37_00_welcome.ipynb").write_text('{"cells": [', "utf-8")
    (folder / "s38_00_welcome.ipynb").write_bytes(b"")
    (folder / "s39_00_welcome.py").write_text("tier_counts = None\n", "utf-8")
    crash = submission("00_welcome", insert={"q1.check()": "import os; os._exit(1)"}, trim=True)
    write(crash, folder / "s40_00_welcome.ipynb")


@pytest.fixture(scope="module")
def graded_class(tmp_path_factory, worlds):
    """The class graded once in a test run (shared by the xdist workers)."""
    options = dict(jobs=2, timeout=90, data=worlds[0], solutions=SOLUTIONS, quiet=True)

    def fill(root: Path) -> None:
        class_of_40(root / "submissions")
        grade_batch([root / "submissions"], Options(out=root / "graded", **options))

    root = shared_folder(tmp_path_factory, "grade-class", fill)
    out = root / "graded"
    return out, CLASS_STATUSES, regrade([root / "submissions"], Options(out=out, **options))


def test_every_one_of_40_files_has_its_row_and_status(graded_class):
    out, expected, batch = graded_class
    rows = read_results(out)
    assert {name: row["status"] for name, row in rows.items()} == expected
    assert batch.summary().startswith("graded 36 of 40 submissions (graded 36, kernel_died 1")


def test_the_grades_name_each_mistake(graded_class):
    out, _, _ = graded_class
    rows = read_results(out)
    first = rows["s03_00_welcome.ipynb"]
    assert (first["welcome.q1"], first["welcome.q1 mistake"]) == ("incorrect", "shares_not_counts")
    fourth = rows["s04_00_welcome.ipynb"]
    assert fourth["welcome.q1"] == "incorrect" and fourth["welcome.q1 mistake"] == ""
    assert fourth["welcome.q2 mistake"] == "percent_not_fraction"
    assert rows["s31_00_welcome.ipynb"]["welcome.q4"] == "not_attempted"
    assert rows["s02_00_welcome.ipynb"]["score"] == "4"
    assert rows["s01_00_welcome.ipynb"]["trainee"] == "s01"
    # Two trainees handed in the same bytes: both are graded, the instructor is told.
    assert "same_file_as:" in rows["s14_00_welcome.ipynb"]["notes"]
    assert "s02_00_welcome.ipynb" in rows["s14_00_welcome.ipynb"]["notes"]
    assert rows["s14_00_welcome.ipynb"]["score"] == "4"


def test_the_excel_file_holds_the_same_rows(graded_class):
    import pandas as pd

    out, expected, _ = graded_class
    table = pd.read_excel(out / "grades.xlsx")
    with open(out / "grades.csv", encoding="utf-8") as fh:
        header = next(csv.reader(fh))
    assert list(table.columns) == header
    assert sorted(Path(f).name for f in table["file"]) == sorted(expected)


def test_the_report_counts_the_misconceptions_of_the_class(graded_class):
    from coursekit.grade.report import analyse

    _, _, batch = graded_class
    (module,) = analyse(batch)
    by_id = {p.problem.id: p for p in module.problems}
    q1, q2, q4 = by_id["welcome.q1"], by_id["welcome.q2"], by_id["welcome.q4"]
    # s40 reached the check of q1 before its kernel died: its answer counts there.
    assert q1.checked == 37 and q1.mistakes == {"shares_not_counts": 12}
    assert sum(q1.unnamed.values()) == 4 and len(q1.unnamed) == 1
    assert q2.mistakes == {"percent_not_fraction": 9}
    assert q4.not_attempted == 6
    assert len(module.percents) == 36


# ---------------------------------------------------------------------------- resuming


def test_an_interrupted_batch_resumes_without_running_again_what_was_done(tmp_path, worlds):
    folder = tmp_path / "submissions"
    for n in range(1, 6):  # five: on a busy machine three are still to run at Ctrl-C
        write(submission("00_welcome", trim=True), folder / f"r{n}_00_welcome.ipynb")
        # Each notebook differs (a comment), so that none is a duplicate of another.
        path = folder / f"r{n}_00_welcome.ipynb"
        text = path.read_text("utf-8")
        path.write_text(text.replace('"cells": [', f'"cells": [{_comment(n)}', 1))
    out = tmp_path / "graded"
    command = [
        sys.executable, "-m", "coursekit", "grade", str(folder), "--out", str(out),
        "--jobs", "1", "--data", str(worlds[0]), "--solutions", str(SOLUTIONS), "--quiet",
    ]  # fmt: skip
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    grader = subprocess.Popen(command, env=env, cwd=tmp_path, stderr=subprocess.PIPE, text=True,
                              start_new_session=True)  # fmt: skip
    deadline = time.monotonic() + 240
    while len(list((out / "results").glob("*.json"))) < 2:
        assert grader.poll() is None, grader.stderr.read()
        assert time.monotonic() < deadline, "no submission was graded in time"
        time.sleep(0.2)
    os.killpg(grader.pid, signal.SIGINT)  # Ctrl-C in the terminal
    _, errors = grader.communicate(timeout=60)
    assert grader.returncode == 130, errors
    assert "run the same command again" in errors
    done = {p.name: p.stat().st_mtime_ns for p in (out / "results").glob("*.json")}
    assert 2 <= len(done) < 5
    assert not _kernels_under(out)  # nothing was left running

    batch = grade_batch([folder], Options(out=out, jobs=1, data=worlds[0], solutions=SOLUTIONS,
                                          quiet=True))  # fmt: skip
    assert (batch.reused, batch.ran) == (len(done), 5 - len(done))
    assert [r["status"] for r in batch.results] == ["graded"] * 5
    for name, mtime in done.items():
        assert (out / "results" / name).stat().st_mtime_ns == mtime  # not written again


def _comment(n: int) -> str:
    return f'{{"cell_type": "markdown", "id": "note{n}", "metadata": {{}}, "source": "T{n}"}}, '


def _kernels_under(out: Path) -> list[int]:
    """Processes still working in the batch's folders (kernels run there)."""
    found = []
    for process in psutil.process_iter(["pid", "cwd"]):
        cwd = process.info.get("cwd") or ""
        if cwd.startswith(str(out.resolve())):
            found.append(process.info["pid"])
    return found
