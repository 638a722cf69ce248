"""The committed student notebooks are what ``coursekit build`` makes of the solutions.

On failure: run ``coursekit build`` (or ``make build``) and commit ``notebooks/``.
"""

from __future__ import annotations

import re
from pathlib import Path

from coursekit.build import build_command, find_leaks, find_sources, read_notebook
from coursekit.nbval_student import displayed_statuses

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


def stored_check_statuses(notebook: Path) -> dict[str, list[str]]:
    """Cell label -> feedback statuses stored for the cells that check the notebook's own
    variable (``q1.check()``); cells checking a value on purpose are left out."""
    found = {}
    for index, cell in enumerate(read_notebook(notebook).cells):
        source = cell.source if cell.cell_type == "code" else ""
        if OWN_CHECK.search(source) and not VALUE_CHECK.search(source):
            found[f"{notebook.name} cell {index}"] = displayed_statuses(cell.get("outputs", []))
    return found


OWN_CHECK = re.compile(r"\bq\d+\.check\(\s*\)")
VALUE_CHECK = re.compile(r"\bq\d+\.check\(\s*[^\s)]")


def test_every_check_in_a_solution_notebook_is_stored_as_correct():
    # nbval proves the stored outputs reproduce; this proves what they say: each exercise's
    # reference solution passes its own check.
    wrong = {}
    for source in find_sources(SOLUTIONS):
        statuses = stored_check_statuses(source)
        assert statuses, f"{source.name} checks no exercise"
        wrong |= {cell: found for cell, found in statuses.items() if set(found) != {"correct"}}
    assert not wrong, f"exercise checks not stored as correct (run `make solutions`): {wrong}"
