"""The engine inside a real Jupyter kernel: reading the notebook namespace, time limits in
the kernel's main thread, and rich display of feedback and hints."""

from __future__ import annotations

import os
import time
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
    assert "did not finish within 0.5 s (an endless loop?)" in endless["text/plain"]
    assert hint["text/plain"].startswith("Hint 1 of 1")
    assert "text/html" in hint and "text/markdown" in hint
    # The kernel inherits this test's private progress file, not the user's.
    assert read_progress(os.environ["COURSEKIT_PROGRESS"]) == {
        "demo.q2": {"attempts": 1, "passes": 1},
        "demo.q4": {"attempts": 1, "passes": 0},
    }


DATASETS = TESTS.parent / "datasets"
SCORE = "def score(values, n_bins=5, higher_is_better=True):\n"
HOSTILE = {
    "os_exit": SCORE + "    os._exit(3)\nq4.check()",
    "stubborn_loop": SCORE
    + "    signal.signal(signal.SIGALRM, signal.SIG_IGN)\n"
    + "    while True:\n        try:\n            while True:\n                pass\n"
    + "        except:\n            pass\nq4.check()",
    "sys_exit": SCORE + "    sys.exit()\nq4.check()",
    "memory_bomb": SCORE + "    hoard = [0] * 10**10\n    return hoard\nq4.check()",
    "mutated_case": "q4.cases()[0].args[0][:] = 0\nscore = tie_aware_score\nq4.check()",
}


@pytest.mark.slow
def test_hostile_trainee_functions_get_feedback_and_the_kernel_lives():
    """rfm.q4 in a real kernel: each function that would kill, hang or poison the kernel if
    it ran there gets feedback within the time limit, and the kernel carries on."""
    setup = (
        "import os, signal, sys, time\n"
        "from coursekit import course\n"
        f"course.setup(data={str(DATASETS)!r}, quiet=True)\n"
        "from coursekit.exercises.rfm import q4\n"
        "from coursekit.methods.rfm import tie_aware_score\n"
        "KERNEL = os.getpid()"
    )
    cells = [setup, *HOSTILE.values(), "print('alive', os.getpid() == KERNEL)"]
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells])
    seconds = {}

    def started(cell, cell_index):
        seconds[cell_index] = time.monotonic()

    def finished(cell, cell_index, execute_reply):
        seconds[cell_index] = time.monotonic() - seconds[cell_index]

    client = NotebookClient(notebook, timeout=120, kernel_name="python3")
    client.on_cell_start = started
    client.on_cell_executed = finished
    client.execute()
    texts = {
        name: outputs(cell)[0].data["text/plain"]
        for name, cell in zip(HOSTILE, notebook.cells[1:-1], strict=True)
    }
    assert "ended the process running it (the process exited with code 3)" in texts["os_exit"]
    assert "did not finish within 1 s (an endless loop?)" in texts["stubborn_loop"]
    assert seconds[2] < 10  # the case limit plus the sandbox's start, not forever
    assert "called sys.exit()" in texts["sys_exit"]
    assert "more memory than allowed" in texts["memory_bomb"]
    assert texts["mutated_case"].startswith("✔ Correct · rfm.q4")
    for name, text in texts.items():
        assert "not your fault" not in text, name
        assert text.startswith(("✘ Not yet", "✔ Correct")), name
    assert notebook.cells[-1].outputs[0].text == "alive True\n"
