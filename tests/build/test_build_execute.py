"""``coursekit build --execute`` and the notebook test pipeline, end to end.

A tiny course is executed once per module with real kernels; then ``pytest --nbval``
runs on it in a subprocess, with the options the Makefile's ``notebooks`` target uses
(read from the Makefile).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from coursekit.build import NOTEBOOK_ENV, _select, execute_command, read_notebook
from coursekit.errors import UsageError

ROOT = Path(__file__).resolve().parents[2]
KERNELSPEC = {"display_name": "Python 3", "language": "python", "name": "python3"}


def demo_notebook() -> nbformat.NotebookNode:
    """A solution notebook whose outputs hold everything volatile the sanitizer must handle."""
    code = [
        ("placeholder", "____ = object()  # what the exercise modules export"),
        (
            "setup",
            "import os, sys\n"
            "data_dir = os.path.abspath(os.path.join('..', 'datasets'))\n"
            "print(f'coursekit: using data seed=2026, 5,000 customers from {data_dir} "
            "(nearest datasets/ folder); language: English')\n"
            "print(f'coursekit：使用数据 seed=2026，5,000 位客户，来自 {data_dir}"
            "（最近的 datasets/ 目录）；语言：中文')",
        ),
        ("address", "object()"),
        ("line-plot", "import matplotlib.pyplot as plt\nplt.plot([1, 3, 2])"),
        (
            "bar-plot",
            "fig, ax = plt.subplots(figsize=(4, 3))\nax.bar(['a', 'b'], [3, 5])\nplt.show()",
        ),
        ("exercise", "answer = 40 + 2  # SOLUTION\nprint('answer:', answer)"),
        (
            "environment",
            "print(sys.executable)\n"
            "print(os.environ.get('COURSEKIT_LANG'), os.environ['MPLBACKEND'], "
            "os.environ['PYTHONHASHSEED'])",
        ),
        ("expected-error", "1 / 0"),
    ]
    nb = new_notebook(metadata={"kernelspec": dict(KERNELSPEC)})
    nb.cells.append(new_markdown_cell("# Demo", id="title"))
    nb.cells += [new_code_cell(source, id=cell_id) for cell_id, source in code]
    nb.cells[-1].metadata["tags"] = ["raises-exception"]
    return nb


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    """A course with one executed solution notebook, its student version, and a tampered copy.

    Executed with ``MPLBACKEND=Agg`` and ``COURSEKIT_LANG=zh`` in the environment, as in CI
    or an author's shell: the kernel must not see either.
    """
    root = tmp_path_factory.mktemp("course")
    solutions, notebooks = root / "solutions", root / "notebooks"
    solutions.mkdir()
    nbformat.write(demo_notebook(), solutions / "01_demo.ipynb")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("MPLBACKEND", "Agg")
        mp.setenv("COURSEKIT_LANG", "zh")
        assert execute_command(["01_demo"], solutions, notebooks) == 0

    # A copy in which two outputs no longer match their code: one genuinely changed result
    # and one changed value inside the sanitized setup line (the seed must stay compared).
    tampered = read_notebook(solutions / "01_demo.ipynb")
    cells = {cell.id: cell for cell in tampered.cells}
    cells["exercise"].source = cells["exercise"].source.replace("40 + 2", "40 + 3")
    setup_output = cells["setup"].outputs[0]
    setup_output.text = setup_output.text.replace("seed=2026, 5,000", "seed=2027, 5,000")
    nbformat.write(tampered, solutions / "02_tampered.ipynb")
    return root


def outputs_of(nb, cell_id):
    return next(cell for cell in nb.cells if cell.get("id") == cell_id).outputs


def run_nbval(options: list[str], folder: Path) -> tuple[dict[str, str], str]:
    """Run pytest with nbval as ``make notebooks`` does; return {"NN_name::Cell i": outcome}."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "COURSEKIT_"))}
    env.update(NOTEBOOK_ENV, COURSEKIT_PROGRESS=str(folder.parent / "progress.json"))
    result = subprocess.run(
        [sys.executable, "-m", "pytest", *options, "-p", "no:cacheprovider", "-rA", str(folder)],
        cwd=ROOT,  # as make does: the sanitizer path in the options is relative to the repo
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    outcomes = {
        f"{m['name']}::Cell {m['cell']}": m["outcome"]
        for m in re.finditer(
            r"^(?P<outcome>PASSED|FAILED|ERROR) \S*?(?P<name>\d\d_\w+)\.ipynb::Cell (?P<cell>\d+)",
            result.stdout,
            re.MULTILINE,
        )
    }
    return outcomes, result.stdout + result.stderr


# ---------------------------------------------------------------------------- --execute


def test_execute_stores_outputs_without_volatile_metadata(course):
    nb = read_notebook(course / "solutions" / "01_demo.ipynb")
    assert dict(nb.metadata) == {"kernelspec": KERNELSPEC, "language_info": {"name": "python"}}
    code = [cell for cell in nb.cells if cell.cell_type == "code"]
    assert [cell.execution_count for cell in code] == list(range(1, len(code) + 1))
    assert all("execution" not in cell.metadata for cell in code)
    assert outputs_of(nb, "exercise")[0].text == "answer: 42\n"
    assert outputs_of(nb, "expected-error")[0].ename == "ZeroDivisionError"


def test_execute_runs_this_environment_with_the_pinned_settings(course):
    nb = read_notebook(course / "solutions" / "01_demo.ipynb")
    executable, settings = outputs_of(nb, "environment")[0].text.splitlines()
    assert Path(executable) == Path(sys.executable)
    assert settings == f"None {NOTEBOOK_ENV['MPLBACKEND']} 0"  # COURSEKIT_LANG unset
    # The inline backend despite MPLBACKEND=Agg: solutions keep their plots.
    plot_outputs = outputs_of(nb, "bar-plot")
    assert "image/png" in plot_outputs[0].data
    assert plot_outputs[0].data["text/plain"].startswith("<Figure size 400x300")


def test_execute_rebuilds_the_student_notebook(course):
    student = read_notebook(course / "notebooks" / "01_demo.ipynb")
    exercise = next(cell for cell in student.cells if cell.id == "exercise")
    assert exercise.source == "answer = ____\nprint('answer:', answer)"
    assert all(cell.get("outputs", []) == [] for cell in student.cells)


def test_a_failing_cell_names_notebook_and_cell_and_writes_nothing(tmp_path, capsys):
    solutions = tmp_path / "solutions"
    nb = new_notebook(metadata={"kernelspec": dict(KERNELSPEC)})
    nb.cells = [new_code_cell("x = 1", id="fine"), new_code_cell("x / 0", id="boom")]
    path = solutions / "03_demographic.ipynb"
    solutions.mkdir()
    nbformat.write(nb, path)
    before = path.read_bytes()

    with pytest.raises(UsageError) as err:
        execute_command([], solutions, tmp_path / "notebooks", timeout=60)

    message = str(err.value)
    assert message.startswith(f"{path}, cell 1 (id 'boom'): cell raised ZeroDivisionError")
    assert "\n" not in message
    assert path.read_bytes() == before
    assert not (tmp_path / "notebooks").exists()


def test_a_cell_that_hangs_is_stopped_by_the_timeout(tmp_path):
    solutions = tmp_path / "solutions"
    nb = new_notebook(metadata={"kernelspec": dict(KERNELSPEC)})
    nb.cells = [new_code_cell("import time\ntime.sleep(60)", id="hang")]
    solutions.mkdir()
    nbformat.write(nb, solutions / "04_psychographic.ipynb")
    with pytest.raises(UsageError, match=r"cell 0 \(id 'hang'\): cell did not finish within 1 s"):
        execute_command(["04"], solutions, tmp_path / "notebooks", timeout=1)


@pytest.mark.parametrize("name", ["02_rfm", "02_rfm.ipynb", "solutions/02_rfm.ipynb", "02"])
def test_notebooks_are_chosen_by_name_file_or_number(name):
    sources = [Path("solutions/01_data_collection.ipynb"), Path("solutions/02_rfm.ipynb")]
    assert _select(sources, [name]) == [sources[1]]


@pytest.mark.parametrize("timeout", ["soon", "0", "-3", "nan", "inf", "-inf"])
def test_bad_names_and_timeouts_are_usage_errors(tmp_path, timeout):
    with pytest.raises(UsageError, match="no solution notebook matches '07'"):
        _select([Path("solutions/02_rfm.ipynb")], ["07"])
    with pytest.raises(UsageError, match="--timeout"):
        execute_command([], tmp_path, tmp_path, timeout=timeout)


# ---------------------------------------------------------------------------- nbval


def test_nbval_passes_stored_outputs_and_catches_real_changes(course, nbval_opts):
    outcomes, log = run_nbval(["--nbval", *nbval_opts], course / "solutions")

    demo = {cell: result for cell, result in outcomes.items() if cell.startswith("01_demo")}
    assert len(demo) == 8 and set(demo.values()) == {"PASSED"}, log
    # Paths, addresses and plots passed above; a changed seed or result must not.
    failed = sorted(cell for cell, result in outcomes.items() if result != "PASSED")
    assert failed == ["02_tampered::Cell 1", "02_tampered::Cell 5"], log
    assert "seed=2027" in log and "answer: 43" in log


def test_student_notebooks_run_top_to_bottom(course, nbval_opts):
    outcomes, log = run_nbval(["--nbval-lax", *nbval_opts], course / "notebooks")
    assert len(outcomes) == 8 and set(outcomes.values()) == {"PASSED"}, log


@pytest.mark.parametrize("timeout", ["nan", "inf"])
def test_a_timeout_that_is_not_a_finite_number_is_one_line_exit_2(tmp_path, timeout, capsys):
    """These used to end in a TraitError traceback from nbclient."""
    from coursekit.cli import main

    solutions = tmp_path / "solutions"
    solutions.mkdir()
    assert main(["build", "--execute", "--timeout", timeout, "--solutions", str(solutions)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("coursekit: error: --timeout must be")


def test_run_notebook_reports_a_failing_cell_without_raising(tmp_path):
    """The executor a grader reuses: every notebook is accounted for, none raises."""
    from nbformat.v4 import new_code_cell, new_notebook

    from coursekit.build import run_notebook

    nb = new_notebook(cells=[new_code_cell("x = 1"), new_code_cell("{}['missing']")])
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    result = run_notebook(nb, tmp_path, "submission.ipynb", timeout=60)
    assert not result.ok and result.status == "raised"
    assert result.cell.index == 1 and "KeyError" in result.detail
    assert result.message().startswith("submission.ipynb, cell 1")
    good = run_notebook(new_notebook(cells=[new_code_cell("print(6 * 7)")]), tmp_path, "ok")
    assert good.ok and good.notebook.cells[0].outputs[0].text == "42\n"
