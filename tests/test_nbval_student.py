"""The student-notebook plugin: every exercise check in a student notebook says "not
attempted", shown on single cells and on real notebooks run by nbval."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook

from coursekit.engine import Feedback
from coursekit.nbval_student import displayed_statuses, student_cell_problems

ROOT = Path(__file__).resolve().parents[1]


def shown(*statuses: str) -> list[dict]:
    """The outputs of a cell that displayed feedback boxes of these statuses."""
    return [
        {
            "output_type": "execute_result",
            "data": {
                "text/plain": str(Feedback(status, "m", "welcome.q1")),
                "text/html": Feedback(status, "m", "welcome.q1")._repr_html_(),
            },
        }
        for status in statuses
    ]


def test_statuses_are_read_from_the_html_of_the_outputs():
    outputs = [*shown("not_attempted", "incorrect"), {"output_type": "stream", "text": "hi"}]
    assert displayed_statuses(outputs) == ["not_attempted", "incorrect"]
    as_lines = [{"data": {"text/html": ["<div ", 'data-coursekit-status="correct">']}}]
    assert displayed_statuses(as_lines) == ["correct"]


def test_an_unanswered_check_is_what_a_student_notebook_shows():
    assert student_cell_problems("q1.check()", shown("not_attempted")) == []
    assert student_cell_problems("tier_counts = ____\ntier_counts", []) == []


@pytest.mark.parametrize("status", ["correct", "incorrect"])
def test_an_answered_check_means_the_notebook_holds_an_answer(status):
    problems = student_cell_problems("q1.check()", shown(status))
    assert problems == [
        f"a check reported {status} instead of not_attempted: the student notebook holds an answer"
    ]


def test_a_check_given_a_value_on_purpose_may_be_incorrect():
    source = "q1.check(tiers_in_orders)"
    assert student_cell_problems(source, shown("incorrect")) == []
    assert student_cell_problems("q1.check()\nq2.check(wrong)", shown("incorrect")) == []


def test_an_error_is_never_acceptable():
    assert student_cell_problems("q1.check(wrong)", shown("error"))[0].startswith(
        "a check reported an error"
    )
    assert student_cell_problems("course.progress()", shown("error"))


def test_a_check_that_shows_nothing_is_reported():
    assert student_cell_problems("q1.check()\nx = 1", []) == [
        "the check displayed no feedback (is it the cell's last line?)"
    ]


# ------------------------------------------------------------------- under nbval, for real


def run_nbval_with_plugin(path: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-p",
            "no:cacheprovider",
            "--nbval-lax",
            "--nbval-current-env",
            "-p",
            "coursekit.nbval_student",
            str(path),
        ],
        cwd=path.parent,
        capture_output=True,
        text=True,
        timeout=300,
    )


def welcome_notebook(answer: str) -> nbformat.NotebookNode:
    nb = new_notebook(metadata={"kernelspec": {"name": "python3", "display_name": "Python 3"}})
    nb.cells = [
        new_code_cell(
            "from coursekit import course\n"
            f"course.setup(data={str(ROOT / 'datasets')!r}, quiet=True)\n"
            "from coursekit.exercises.welcome import ____, q1"
        ),
        new_code_cell(f"tier_counts = {answer}"),
        new_code_cell("q1.check()"),
    ]
    return nb


@pytest.mark.slow
def test_nbval_passes_a_student_notebook_and_fails_one_holding_an_answer(tmp_path, monkeypatch):
    monkeypatch.setenv("COURSEKIT_PROGRESS", str(tmp_path / "progress.json"))
    student = tmp_path / "student.ipynb"
    nbformat.write(welcome_notebook("____"), student)
    leaked = tmp_path / "leaked.ipynb"
    nbformat.write(welcome_notebook("q1.expected()"), leaked)

    passed = run_nbval_with_plugin(student)
    assert passed.returncode == 0, passed.stdout + passed.stderr

    failed = run_nbval_with_plugin(leaked)
    assert failed.returncode == 1, failed.stdout + failed.stderr
    assert "a check reported correct instead of not_attempted" in failed.stdout
