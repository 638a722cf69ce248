"""Whole notebooks: dropped cells, stripped outputs and metadata, ids, goldens, leaks.

Refresh the golden student notebook after an intended change with
``COURSEKIT_UPDATE_GOLDENS=1 pytest tests/build/test_build_notebook.py`` and review the diff.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import nbformat
import pytest

import coursekit.build.student as student
from coursekit.build import build_notebook, find_leaks, notebook_text, read_notebook
from coursekit.errors import UsageError

NAME = "solutions/02_rfm.ipynb"
FILES = Path(__file__).resolve().parents[1] / "files" / "build"
GOLDEN_SOURCE = FILES / "solutions" / "02_golden.ipynb"
GOLDEN_STUDENT = FILES / "notebooks" / "02_golden.ipynb"


def test_golden_notebook():
    text = notebook_text(build_notebook(read_notebook(GOLDEN_SOURCE), str(GOLDEN_SOURCE)))
    if os.environ.get("COURSEKIT_UPDATE_GOLDENS"):
        GOLDEN_STUDENT.write_text(text, encoding="utf-8")
    assert text == GOLDEN_STUDENT.read_text(encoding="utf-8")


def test_cells_tagged_solution_are_dropped(make_nb):
    nb = make_nb(
        ("markdown", "Exercise 1"),
        ("markdown", "Model answer: recency first.", ["solution"]),
        ("code", "rfm.head()", ["solution", "nbval-ignore-output"]),
        ("code", "q1.check()"),
    )
    student = build_notebook(nb, NAME)
    assert [(c.id, c.source) for c in student.cells] == [("c0", "Exercise 1"), ("c3", "q1.check()")]


def test_outputs_counts_and_volatile_metadata_are_stripped(make_nb):
    nb = make_nb(("code", "print(1)", ["nbval-ignore-output", "solution-draft"]), ("markdown", "x"))
    nb.metadata.update(
        language_info={"name": "python", "version": "3.11.7", "pygments_lexer": "ipython3"},
        widgets={"state": {}},
        celltoolbar="Tags",
    )
    code = nb.cells[0]
    code.execution_count = 7
    code.outputs = [nbformat.v4.new_output("stream", name="stdout", text="1\n")]
    code.metadata.update(
        execution={"iopub.execute_input": "2026-01-05T09:00:00Z"},
        collapsed=True,
        scrolled=False,
        ExecuteTime={"end_time": "2026-01-05"},
    )
    nb.cells[1].metadata["jupyter"] = {"source_hidden": True}

    student = build_notebook(nb, NAME)

    assert dict(student.metadata) == {
        "kernelspec": nb.metadata.kernelspec,
        "language_info": {"name": "python"},
    }
    cell = student.cells[0]
    assert cell.outputs == [] and cell.execution_count is None
    assert dict(cell.metadata) == {"tags": ["nbval-ignore-output", "solution-draft"]}
    assert dict(student.cells[1].metadata) == {}
    assert nb.cells[0].outputs, "the source notebook must not be modified"


@pytest.mark.parametrize("tag", ["nbval-ignore-output", "raises-exception", "nbval-skip"])
def test_nbval_tags_are_kept(make_nb, tag):
    student = build_notebook(make_nb(("code", "1 / 0", [tag])), NAME)
    assert student.cells[0].metadata.tags == [tag]


def test_cell_ids_are_kept_and_the_output_is_deterministic(make_nb):
    nb = make_nb(("markdown", "# Title"), ("code", "x = 1  # SOLUTION"))
    first = notebook_text(build_notebook(nb, NAME))
    second = notebook_text(build_notebook(nb, NAME))
    assert first == second
    assert [c["id"] for c in json.loads(first)["cells"]] == ["c0", "c1"]
    assert first.endswith("}\n") and first.startswith('{\n "cells": [\n  {\n')  # indent=1


def test_notebooks_without_cell_ids_get_stable_ones(tmp_path):
    raw = {
        "cells": [
            {"cell_type": "code", "execution_count": None, "metadata": {}, "outputs": [],
             "source": "x = 1  # SOLUTION"},
            {"cell_type": "markdown", "metadata": {}, "source": "text"},
        ],
        "metadata": {},
        "nbformat": 4,
        "nbformat_minor": 4,
    }  # fmt: skip
    path = tmp_path / "02_old.ipynb"
    path.write_text(json.dumps(raw), encoding="utf-8")
    texts = {notebook_text(build_notebook(read_notebook(path), str(path))) for _ in range(2)}
    assert len(texts) == 1
    student = nbformat.reads(texts.pop(), as_version=4)
    nbformat.validate(student)
    assert student.nbformat_minor >= 5
    assert len({c.id for c in student.cells}) == 2


def test_markdown_attachments_survive(make_nb):
    nb = make_nb(("markdown", "![chart](attachment:chart.png)"))
    nb.cells[0]["attachments"] = {"chart.png": {"image/png": "iVBORw0KGgo="}}
    student = build_notebook(nb, NAME)
    assert student.cells[0].attachments == nb.cells[0].attachments


# ---------------------------------------------------------------------------- leaks


def test_a_transformer_that_lets_a_solution_through_is_caught(make_nb, monkeypatch):
    # Simulate a marker-parsing bug: the block survives into the student notebook.
    monkeypatch.setattr(student, "_student_code", lambda source, ref: source)
    nb = make_nb(("code", "# BEGIN SOLUTION\nrfm = build_rfm(orders)\n# END SOLUTION"))
    with pytest.raises(UsageError, match=r"02_rfm.ipynb: solution line .* would appear in cell 0"):
        build_notebook(nb, NAME)


def test_a_line_hidden_in_one_place_and_shown_in_another_is_a_leak(make_nb):
    nb = make_nb(
        ("code", "# BEGIN SOLUTION\nsegments = kmeans(scaled, k=4)\n# END SOLUTION"),
        ("code", "segments = kmeans(scaled, k=4)\nsegments.head()"),
    )
    with pytest.raises(UsageError, match=r"'segments = kmeans\(scaled, k=4\)' would appear in"):
        build_notebook(nb, NAME)


def test_a_solution_cell_that_survives_is_caught(make_nb, monkeypatch):
    # Simulate a tag-handling bug: the model answer is not dropped.
    monkeypatch.setattr(student, "_tags", lambda cell: [])
    nb = make_nb(("markdown", "Exercise"), ("markdown", "Target the 潜力 tier.", ["solution"]))
    with pytest.raises(
        UsageError, match=r"<the cell 'c1' tagged 'solution'>. would appear in cell 1"
    ):
        build_notebook(nb, NAME)


def test_repeating_a_solution_line_outside_the_markers_is_reported(make_nb):
    nb = make_nb(
        ("code", "import matplotlib.pyplot as plt"),
        ("code", "# BEGIN SOLUTION\nplt.plot(x, y)\nplt.show()\n# END SOLUTION"),
        ("code", "plt.bar(x, y)\nplt.show()"),
    )
    with pytest.raises(UsageError, match=r"'plt.show\(\)' would appear in cell 2 .* outside the"):
        build_notebook(nb, NAME)


def test_trivial_lines_are_not_leaks(make_nb):
    solution = make_nb(
        ("code", "for x in rows:\n    # BEGIN SOLUTION\n    if x:\n        pass\n    else:\n"
                 "        total = (\n            x\n        )\n\n    # END SOLUTION\n    print(x)"),
        ("code", "rfm = build_rfm(orders)  # SOLUTION"),
        ("code", "if ready:\n    pass\nelse:\n    result = (\n        1\n    )\n"),
    )  # fmt: skip
    student = build_notebook(solution, NAME)
    assert find_leaks(solution, student) == []
    assert [c.source for c in student.cells][:2] == [
        "for x in rows:\n    # YOUR CODE HERE\n    print(x)",
        "rfm = ____",
    ]


def test_find_leaks_reports_marker_remnants(make_nb):
    solution = make_nb(("code", "x = 1"))
    student = make_nb(("code", "x = 1\n#  Begin  Solution"), ("markdown", "## Solution"))
    assert find_leaks(solution, student) == [(0, "#  Begin  Solution")]
