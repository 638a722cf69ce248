"""Helpers for the build tests: small notebooks written in a few lines."""

from __future__ import annotations

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
