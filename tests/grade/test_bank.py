"""A bank of broken submissions graded in one batch: each ends as its own status, and the
rest of the batch is graded.

One batch (``--jobs 2``) holds a complete notebook, the copies that break it in the ways
grading tools are known to be broken by (an endless loop, ``os._exit``, a crash, a memory
bomb, damaged and empty files, another module, a check replaced or edited, someone
else's world, 10 MB of output, a duplicate, something that is not a notebook, a trainee
not on the roster), and a few that cheat in other ways.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from coursekit.grade.batch import Options, grade_batch

from .helpers import (
    SOLUTIONS,
    read_results,
    regrade,
    shared_folder,
    submission,
    world_of,
    write,
)

pytestmark = pytest.mark.slow

WRONG_Q3 = 'top_categories = pd.Series({"fruit": 1.0, "dairy": 2.0, "bakery": 3.0})'
ENDLESS = """import time
while True:  # swallows every interruption
    try:
        time.sleep(1)
    except BaseException:
        pass"""
MEMORY_BOMB = """import numpy as np
blocks = []
while True:
    blocks.append(np.ones(10**7))"""
PATCH_COMPARE = """import coursekit.engine.compare as comparison
comparison.compare = lambda *args, **kwargs: comparison.Comparison(True)
from coursekit.engine import problems
problems.compare = comparison.compare"""

EXPECTED = {
    "t01_complete.ipynb": "graded",
    "t02_endless.ipynb": "timeout",
    "t03_exit.ipynb": "kernel_died",
    "t04_segfault.ipynb": "kernel_died",
    "t05_memory.ipynb": "memory",
    "t06_damaged.ipynb": "corrupt",
    "t06_empty.ipynb": "corrupt",
    "t07_other_module.ipynb": "wrong_module",
    "t08_check_replaced.ipynb": "tampered",
    "t09_check_cell_edited.ipynb": "tampered",
    "t10_other_world.ipynb": "wrong_world",
    "t11_output.ipynb": "graded",
    "t12_course_replaced.ipynb": "tampered",
    "t13_compare_patched.ipynb": "tampered",
    "t14_expected_used.ipynb": "tampered",
    "t15_problem_replaced.ipynb": "tampered",
    "copy_of_t01.ipynb": "duplicate",
    "notes.txt": "not_a_notebook",
    "t99_stranger.ipynb": "unknown_trainee",
}


@pytest.fixture(scope="module")
def bank(tmp_path_factory, worlds, roster):
    """The submissions, graded once in a test run; returns (output folder, rows by file
    name, batch)."""
    welcome = "00_welcome"
    options = dict(jobs=2, timeout=45, memory_mb=600, module=welcome, solutions=SOLUTIONS)

    def fill(root: Path) -> None:
        hand_in_the_bank(root / "submissions", worlds)
        grade_batch([root / "submissions"], Options(out=root / "graded", roster=roster,
                                                    quiet=True, **options))  # fmt: skip

    root = shared_folder(tmp_path_factory, "grade-bank", fill)
    out = root / "graded"
    batch = regrade([root / "submissions"], Options(out=out, roster=roster, quiet=True, **options))
    return out, read_results(out), batch


def hand_in_the_bank(folder: Path, worlds) -> None:
    """Write the bank's files into ``folder``."""
    welcome = "00_welcome"

    def hand_in(name: str, trainee: str, **changes) -> Path:
        """A short welcome notebook of ``trainee``, changed as ``changes`` say."""
        return write(submission(welcome, trainee, trim=True, **changes), folder / name)

    write(submission(welcome, "t01"), folder / "t01_complete.ipynb")
    hand_in("t02_endless.ipynb", "t02", insert={"q2.check()": ENDLESS})
    hand_in("t03_exit.ipynb", "t03", insert={"q2.check()": "import os\nos._exit(3)"})
    hand_in(
        "t04_segfault.ipynb", "t04", insert={"q1.check()": "import ctypes\nctypes.string_at(0)"}
    )
    hand_in("t05_memory.ipynb", "t05", insert={"q3.check()": MEMORY_BOMB})
    damaged = (folder / "t01_complete.ipynb").read_bytes()[:-200]
    (folder / "t06_damaged.ipynb").write_bytes(damaged)
    (folder / "t06_empty.ipynb").write_bytes(b"")
    write(submission("02_rfm", "t07"), folder / "t07_other_module.ipynb")
    replaced = WRONG_Q3 + "\nq3.check = lambda *args, **kwargs: print('Correct!')"
    hand_in("t08_check_replaced.ipynb", "t08", replace={"top_categories = ": replaced})
    hand_in("t09_check_cell_edited.ipynb", "t09", replace={"q2.check()": "print('Correct!')"})
    other = _setup_line(world_of(worlds, "t01"))  # t10 is on the other world
    hand_in("t10_other_world.ipynb", "t10", replace={"course.setup()": other})
    hand_in("t11_output.ipynb", "t11", insert={"q1.check()": "print('x' * 10_000_000)"})
    fake = "import types\ncourse = types.SimpleNamespace(setup=lambda *a, **k: None)"
    hand_in("t12_course_replaced.ipynb", "t12", insert={"course.setup()": fake})
    patched = {
        "insert": {"course.setup()": PATCH_COMPARE},
        "replace": {"top_categories = ": WRONG_Q3},
    }
    hand_in("t13_compare_patched.ipynb", "t13", **patched)
    expected = "top_categories = q3.expected()"
    hand_in("t14_expected_used.ipynb", "t14", replace={"top_categories = ": expected})
    fake_problem = WRONG_Q3 + "\nq3 = type('Fake', (), {'check': lambda self: print('Correct!')})()"
    hand_in("t15_problem_replaced.ipynb", "t15", replace={"top_categories = ": fake_problem})
    shutil.copy(folder / "t01_complete.ipynb", folder / "copy_of_t01.ipynb")
    later = (folder / "t01_complete.ipynb").stat().st_mtime + 60
    os.utime(folder / "copy_of_t01.ipynb", (later, later))  # handed in a minute later
    (folder / "notes.txt").write_text("I could not finish q4, sorry!\n", "utf-8")
    write(submission(welcome, "t99"), folder / "t99_stranger.ipynb")


def _setup_line(world: Path) -> str:
    """The setup cell, pointed at another world."""
    source = submission("00_welcome").cells[4].source
    return source.replace("course.setup()", f"course.setup(data={str(world)!r})")


def test_every_file_ends_as_its_status(bank):
    _, rows, batch = bank
    assert {name: row["status"] for name, row in rows.items()} == EXPECTED
    assert len(batch.results) == len(EXPECTED)


def test_the_complete_notebook_is_graded_on_its_own_world_without_remarks(bank):
    out, rows, _ = bank
    row = rows["t01_complete.ipynb"]
    assert (row["score"], row["max_score"], row["tamper"], row["notes"]) == ("4", "4", "", "")
    assert all(row[f"welcome.q{n}"] == "correct" for n in range(1, 5))
    assert (out / "feedback" / "00_welcome" / "t01.html").is_file()


def test_stopped_notebooks_keep_what_was_checked_before(bank):
    _, rows, _ = bank
    endless = rows["t02_endless.ipynb"]
    assert "did not finish within 45 s" in endless["detail"]
    assert (endless["welcome.q1"], endless["welcome.q2"]) == ("correct", "correct")
    assert endless["welcome.q3"] == "not_run"
    assert rows["t03_exit.ipynb"]["welcome.q3"] == "not_run"
    assert "kernel died" in rows["t04_segfault.ipynb"]["detail"]
    memory = rows["t05_memory.ipynb"]
    assert "600 MB" in memory["detail"] and memory["welcome.q3"] == "correct"
    assert memory["welcome.q4"] == "not_run"


def test_files_that_cannot_run_say_why(bank):
    _, rows, _ = bank
    assert "JSON" in rows["t06_damaged.ipynb"]["detail"]
    assert "empty" in rows["t06_empty.ipynb"]["detail"]
    assert "02_rfm" in rows["t07_other_module.ipynb"]["detail"]
    assert "copy_of_t01" not in rows["t01_complete.ipynb"]["detail"]
    assert "t01_complete.ipynb" in rows["copy_of_t01.ipynb"]["detail"]
    assert "t99" in rows["t99_stranger.ipynb"]["detail"]
    for name in ("t06_damaged.ipynb", "notes.txt", "t99_stranger.ipynb"):
        assert rows[name]["score"] == ""


def test_a_replaced_check_is_noticed_and_the_answer_judged_by_the_grader(bank):
    _, rows, _ = bank
    row = rows["t08_check_replaced.ipynb"]
    assert "method_replaced:q3.check" in row["tamper"]
    assert row["welcome.q3"] == "incorrect"  # it printed "Correct!" in the notebook
    assert row["score"] == "3"


def test_an_edited_check_cell_is_noticed_and_the_answer_still_checked(bank):
    _, rows, _ = bank
    row = rows["t09_check_cell_edited.ipynb"]
    assert row["tamper"] == "check_cell_edited:q2"
    assert row["welcome.q2"] == "correct" and row["score"] == "4"


def test_someone_elses_world_is_noticed_and_answers_checked_on_the_own_world(bank, worlds):
    _, rows, batch = bank
    row = rows["t10_other_world.ipynb"]
    assert row["tamper"] == ""
    result = next(r for r in batch.results if r["file"].endswith("t10_other_world.ipynb"))
    assert result["other_worlds"] == [str(world_of(worlds, "t01").resolve())]
    # Answers computed on another world are wrong on the trainee's own.
    assert row["welcome.q1"] == "incorrect"


def test_ten_megabytes_of_output_are_cut_and_the_notebook_graded(bank):
    out, rows, _ = bank
    row = rows["t11_output.ipynb"]
    assert row["notes"].startswith("output_truncated:") and row["score"] == "4"
    executed = sorted((out / "work").glob("*/executed.ipynb"))
    assert executed and max(p.stat().st_size for p in executed) < 6 * 2**20


def test_a_replaced_course_or_a_patched_comparison_is_noticed(bank):
    _, rows, _ = bank
    assert "course_replaced:course" in rows["t12_course_replaced.ipynb"]["tamper"]
    patched = rows["t13_compare_patched.ipynb"]
    assert "library_patched:coursekit.engine.compare.compare" in patched["tamper"]
    assert "library_patched:coursekit.engine.problems.compare" in patched["tamper"]
    assert patched["welcome.q3"] == "incorrect"  # the grader's comparison is its own


def test_an_answer_taken_from_expected_is_noticed(bank):
    _, rows, _ = bank
    assert rows["t14_expected_used.ipynb"]["tamper"] == "expected_used:q3"


def test_a_problem_object_replaced_is_noticed_and_the_answer_judged_by_the_grader(bank):
    _, rows, _ = bank
    row = rows["t15_problem_replaced.ipynb"]
    assert "problem_replaced:q3" in row["tamper"]
    assert row["welcome.q3"] == "incorrect" and row["score"] == "3"


def test_the_summary_counts_every_status(bank):
    _, _, batch = bank
    summary = batch.summary()
    assert summary.startswith(f"graded 2 of {len(EXPECTED)} submissions (")
    for status in ("tampered 6", "timeout 1", "memory 1", "kernel_died 2", "corrupt 2",
                   "duplicate 1", "not_a_notebook 1", "unknown_trainee 1", "wrong_module 1",
                   "wrong_world 1"):  # fmt: skip
        assert status in summary


def test_result_files_hold_each_graded_submission(bank):
    out, _, batch = bank
    ran = [r for r in batch.results if "key" in r]
    assert len(ran) == 13
    for result in ran:
        stored = json.loads((out / "results" / f"{result['key']}.json").read_text("utf-8"))
        assert stored["status"] == result["status"]
