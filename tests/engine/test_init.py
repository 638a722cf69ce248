"""The engine's public names, and that importing it (or an exercise module) does no I/O."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import coursekit.engine as engine

from . import demo_exercises

TESTS = Path(__file__).resolve().parents[1]


def test_public_names():
    expected = {
        "____",
        "Feedback",
        "Mistake",
        "Problem",
        "ValueProblem",
        "FunctionProblem",
        "Case",
        "ChoiceProblem",
        "OpenProblem",
        "FrameSpec",
        "SeriesSpec",
        "ScalarSpec",
        "SetSpec",
        "t",
        "text",
    }
    assert expected <= set(engine.__all__)
    assert all(hasattr(engine, name) for name in engine.__all__)


def test_exercise_modules_re_export_the_placeholder():
    assert demo_exercises.____ is engine.____
    assert repr(engine.____) == "____"


def test_importing_the_engine_and_an_exercise_module_reads_no_file():
    # Everything the import system opens is code (.py, .pyc, .so); anything else would be
    # data read at import time.
    script = textwrap.dedent(
        f"""
        import sys
        sys.path.insert(0, {str(TESTS)!r})
        import numpy, pandas  # their own imports are not ours to judge
        opened = []

        def watch(event, args):
            if event == "open":
                opened.append(str(args[0]))

        sys.addaudithook(watch)
        import coursekit.engine
        import engine.demo_exercises
        from coursekit import course
        data = [p for p in opened if not p.endswith((".py", ".pyc", ".so"))]
        assert not data, data
        assert not course.is_set_up()
        for name in ("filelock", "platformdirs", "IPython", "coursekit.synth"):
            assert name not in sys.modules, name
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
