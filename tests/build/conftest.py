"""Helpers for the build tests: small notebooks written in a few lines."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

ROOT = Path(__file__).resolve().parents[2]
FILES = ROOT / "tests" / "files" / "build"
KERNELSPEC = {"display_name": "Python 3", "language": "python", "name": "python3"}


def make_notebook(*cells) -> nbformat.NotebookNode:
    """A notebook from ``("code" | "markdown", source[, tags])`` tuples; ids c0, c1, ..."""
    nb = new_notebook(metadata={"kernelspec": dict(KERNELSPEC)})
    for index, (kind, source, *rest) in enumerate(cells):
        new = new_code_cell if kind == "code" else new_markdown_cell
        cell = new(source, id=f"c{index}")
        if rest:
            cell.metadata["tags"] = list(rest[0])
        nb.cells.append(cell)
    return nb


def write_notebook(path: Path, nb) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, path)
    return path


@pytest.fixture
def course_dirs(tmp_path):
    """Empty ``solutions/`` and ``notebooks/`` folders of a throwaway course."""
    solutions, notebooks = tmp_path / "solutions", tmp_path / "notebooks"
    solutions.mkdir()
    notebooks.mkdir()
    return solutions, notebooks


@pytest.fixture
def make_nb():
    """:func:`make_notebook`, as a fixture (test modules do not import conftest)."""
    return make_notebook


@pytest.fixture
def write_nb():
    """:func:`write_notebook`, as a fixture."""
    return write_notebook


def makefile_variables() -> dict[str, str]:
    """Simple ``NAME := value`` variables of the Makefile."""
    text = (ROOT / "Makefile").read_text("utf-8")
    return dict(re.findall(r"^(\w+)\s*:=[ \t]*(.*)$", text, flags=re.MULTILINE))


@pytest.fixture(scope="session")
def nbval_opts() -> list[str]:
    """The nbval options of ``make notebooks``, so the end-to-end tests run exactly those."""
    return shlex.split(makefile_variables()["NBVAL_OPTS"])
