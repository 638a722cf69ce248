"""The committed student notebooks are what ``coursekit build`` makes of the solutions.

On failure: run ``coursekit build`` (or ``make build``) and commit ``notebooks/``.
"""

from __future__ import annotations

from pathlib import Path

from coursekit.build import build_command, find_leaks, find_sources, read_notebook

ROOT = Path(__file__).resolve().parents[1]
SOLUTIONS, NOTEBOOKS = ROOT / "solutions", ROOT / "notebooks"


def test_notebooks_and_solutions_are_in_sync(capsys):
    # An empty course (no solutions yet, no notebooks) counts as in sync.
    code = build_command(SOLUTIONS, NOTEBOOKS, check=True)
    assert code == 0, "notebooks/ is not in sync with solutions/ (run `coursekit build`):\n" + (
        capsys.readouterr().out
    )


def test_no_solution_line_reaches_a_student_notebook():
    leaks = {}
    for source in find_sources(SOLUTIONS):
        student = NOTEBOOKS / source.name
        if student.is_file():  # a missing one is reported by the test above
            found = find_leaks(read_notebook(source), read_notebook(student))
            if found:
                leaks[student.name] = found
    assert not leaks, f"solution lines in student notebooks (cell, line): {leaks}"
