"""The engine inside a real Jupyter kernel: reading the notebook namespace, time limits in
the kernel's main thread, and rich display of feedback and hints."""

from __future__ import annotations

import os
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from coursekit.engine.progress import read_progress

TESTS = Path(__file__).resolve().parents[1]

CELLS = [
    f"""
import sys
sys.path.insert(0, {str(TESTS)!r})
from coursekit import course
from engine.demo_exercises import make_orders, q2, q4, ____
course.setup(data={{"orders": make_orders()}}, quiet=True)
""",
    "revenue = ____\nq2.check()",
    "revenue = q2.expected()\nq2.check()",
    "def score_recency(days):\n    while True:\n        pass\nq4.check()",
    "q2.hint()",
]


def outputs(cell):
    return [o for o in cell.outputs if o.output_type in ("execute_result", "display_data")]


@pytest.mark.slow
def test_a_notebook_session():
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in CELLS])
    NotebookClient(notebook, timeout=60, kernel_name="python3").execute()
    blank, correct, endless, hint = (outputs(cell)[0].data for cell in notebook.cells[1:])
    assert blank["text/plain"].startswith("○ Not attempted · demo.q2")
    assert correct["text/plain"].startswith("✔ Correct · demo.q2")
    assert "border-left:4px solid #1a7f37" in correct["text/html"]
    assert "did not finish within 0.5 s" in endless["text/plain"]
    assert hint["text/plain"].startswith("Hint 1 of 1")
    assert "text/html" in hint and "text/markdown" in hint
    # The kernel inherits this test's private progress file, not the user's.
    assert read_progress(os.environ["COURSEKIT_PROGRESS"]) == {
        "demo.q2": {"attempts": 1, "passes": 1},
        "demo.q4": {"attempts": 1, "passes": 0},
    }
