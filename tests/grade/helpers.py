"""Submissions for the grader's tests, built from the solution notebooks.

A submission is a solution notebook (complete answers) with the trainee in its metadata,
as the handout writes it, changed the way a trainee would change it: a wrong answer, an
edited check cell, an endless loop.
"""

from __future__ import annotations

import csv
import os
import shutil
from collections.abc import Callable
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell

ROOT = Path(__file__).resolve().parents[2]
SOLUTIONS = ROOT / "solutions"
TRAINEES = [f"t{n:02d}" for n in range(1, 17)]


def world_of(worlds, trainee: str) -> Path:
    return worlds[(int(trainee[1:]) + 1) % 2]


def solution(name: str) -> nbformat.NotebookNode:
    """A solution notebook without its outputs: every exercise answered right."""
    nb = nbformat.read(SOLUTIONS / f"{name}.ipynb", as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
    return nb


def index_of(nb, text: str) -> int:
    """The first code cell whose source holds ``text``."""
    for index, cell in enumerate(nb.cells):
        if cell.cell_type == "code" and text in cell.source:
            return index
    raise LookupError(text)


def submission(
    name: str,
    trainee: str | None = None,
    *,
    replace: dict[str, str] | None = None,
    insert: dict[str, str] | None = None,
    trim: bool = False,
) -> nbformat.NotebookNode:
    """A trainee's notebook.

    Args:
        name: the course notebook, e.g. "00_welcome".
        trainee: written into the metadata as the handout does (None: no metadata).
        replace: text found in a code cell -> that cell's new source.
        insert: text found in a code cell -> the source of a new cell placed after it.
        trim: keep only the code cells (a short notebook, quick to run).
    """
    nb = solution(name)
    if trim:
        nb.cells = [c for c in nb.cells if c.cell_type == "code" and _needed(c.source)]
    for found, source in (replace or {}).items():
        nb.cells[index_of(nb, found)].source = source
    for found, source in (insert or {}).items():
        nb.cells.insert(index_of(nb, found) + 1, new_code_cell(source))
    if trainee is not None:
        nb.metadata["coursekit"] = {"module": name, "trainee": trainee}
    return nb


def _needed(source: str) -> bool:
    """Cells a trimmed welcome notebook keeps: setup, loading, answers and checks."""
    unneeded = ("plt.", ".head(", "hint(", "solution()", "expected()", "lang=", "progress(")
    return not any(word in source for word in unneeded) or "course.setup()" in source


def write(nb, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, path)
    return path


def read_results(out: Path) -> dict[str, dict]:
    """The grades as rows by file name (from grades.csv, as an instructor reads them)."""
    with open(out / "grades.csv", encoding="utf-8") as fh:
        return {Path(row["file"]).name: row for row in csv.DictReader(fh)}


def shared_folder(tmp_path_factory, name: str, fill: Callable[[Path], object]) -> Path:
    """A folder of this test run filled once by ``fill(folder)``, shared by the xdist
    workers (``make unit`` runs two): the first to come fills it, the others wait and
    find it filled, so two workers never grade the same bank twice.
    """
    from filelock import FileLock

    root = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        root = root.parent  # the workers' base folders share this parent
    folder = root / name
    with FileLock(f"{folder}.lock"):
        if not (folder / ".filled").is_file():
            shutil.rmtree(folder, ignore_errors=True)
            folder.mkdir(parents=True)
            fill(folder)
            (folder / ".filled").touch()
    return folder


def regrade(paths, options):
    """Grade again under the lock of ``options.out`` (every result is reused: the batch of
    another worker is read, not run)."""
    from filelock import FileLock

    from coursekit.grade.batch import grade_batch

    with FileLock(f"{options.out}.lock"):
        return grade_batch(paths, options)
