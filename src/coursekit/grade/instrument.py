"""Find a submission's exercises and add the grader's own cells to it.

Each exercise of a course notebook ends with a cell holding only ``qN.check()``. The
solution notebook says which cells those are (their ids and sources); in a submission
the grader finds the same cell again (by id, else by its source) and places a capture
cell (:func:`coursekit.grade.probe.capture`) just before it, so the answer is taken as
it was when the trainee's check ran, before a later cell replaces it with the reference
(``rfm = q3.expected()  # from here on, the reference answer``).

Reading the sources also tells what a trainee changed in them: a check cell edited or
removed, or an exercise answered with ``qN.expected()`` before its check.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from nbformat import NotebookNode
from nbformat.v4 import new_code_cell

#: Cell metadata key marking the grader's cells (they are removed from the stored copy).
GRADER_KEY = "coursekit_grader"


@dataclass(frozen=True)
class CheckCell:
    """Where an exercise is checked in the solution notebook.

    Attributes:
        problem_id: e.g. "rfm.q3".
        short: the name in the notebook, e.g. "q3".
        var: the variable the problem reads.
        cell_id: the check cell's id (the same in the student notebook).
        source: the check cell's source, e.g. "q3.check()".
        before_id: the id of the code cell just before it (the answer cell), if any.
    """

    problem_id: str
    short: str
    var: str
    cell_id: str | None
    source: str
    before_id: str | None


@dataclass
class Placement:
    """Where a submission checks one exercise, and what changed around it.

    Attributes:
        check: the exercise.
        index: the index (in the submission) of the cell the capture goes before, or None
            for the end of the notebook.
        how: "id" (the check cell, unchanged), "source" (found by its source), "edited"
            (the check cell's id, another source), "call" (a cell calling ``qN.check``),
            "after_answer" (after the answer cell) or "end".
    """

    check: CheckCell
    index: int | None
    how: str

    @property
    def intact(self) -> bool:
        return self.how in ("id", "source")


@dataclass
class Layout:
    """The exercises of one course module as its solution notebook holds them."""

    notebook: str  # "02_rfm"
    module: str  # "rfm"
    checks: list[CheckCell] = field(default_factory=list)
    cell_ids: frozenset[str] = frozenset()


def normalized(source: str) -> str:
    """A cell's code without comments and layout (its syntax tree), or its words when it
    does not parse (IPython magics)."""
    try:
        return ast.dump(ast.parse(source))
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return " ".join(source.split())


def layout_of(solution: NotebookNode, notebook: str, module: str, problems) -> Layout:
    """The check cells of ``problems`` in the solution notebook.

    A problem's check cell is the first code cell whose code is exactly ``qN.check()``.
    """
    cells = solution.cells
    wanted = {p.name: p for p in problems}
    found: dict[str, CheckCell] = {}
    previous_code_id = None
    for cell in cells:
        if cell.cell_type != "code":
            continue
        short = _checked_problem(cell.source)
        if short in wanted and short not in found:
            problem = wanted[short]
            found[short] = CheckCell(
                problem.id, short, problem.var, cell.get("id"), cell.source, previous_code_id
            )
        previous_code_id = cell.get("id")
    checks = [found[p.name] for p in problems if p.name in found]
    ids = frozenset(c.get("id") for c in cells if c.get("id"))
    return Layout(notebook, module, checks, ids)


_CHECK_CALL = re.compile(r"^\s*(\w+)\.check\(\s*\)\s*;?\s*$")


def _checked_problem(source: str) -> str | None:
    """ "q3" for a cell that holds only ``q3.check()`` (comments and blank lines aside)."""
    code = [
        line for line in source.splitlines() if line.strip() and not line.lstrip().startswith("#")
    ]
    if len(code) != 1:
        return None
    match = _CHECK_CALL.match(code[0])
    return match.group(1) if match else None


def place_checks(nb: NotebookNode, layout: Layout) -> list[Placement]:
    """Find each exercise's check cell in a submission."""
    by_id = {cell.get("id"): i for i, cell in enumerate(nb.cells) if cell.get("id")}
    code_cells = [(i, cell) for i, cell in enumerate(nb.cells) if cell.cell_type == "code"]
    placements = []
    for check in layout.checks:
        wanted = normalized(check.source)
        index = by_id.get(check.cell_id) if check.cell_id else None
        if index is not None and nb.cells[index].cell_type == "code":
            same = normalized(nb.cells[index].source) == wanted
            placements.append(Placement(check, index, "id" if same else "edited"))
            continue
        index = next((i for i, c in code_cells if normalized(c.source) == wanted), None)
        if index is not None:
            placements.append(Placement(check, index, "source"))
            continue
        call = re.compile(rf"\b{re.escape(check.short)}\s*\.\s*check\s*\(")
        index = next((i for i, c in code_cells if call.search(c.source)), None)
        if index is not None:
            placements.append(Placement(check, index, "call"))
            continue
        answer = by_id.get(check.before_id) if check.before_id else None
        if answer is not None and answer + 1 <= len(nb.cells):
            placements.append(Placement(check, answer + 1, "after_answer"))
            continue
        placements.append(Placement(check, None, "end"))
    return placements


def source_tampering(nb: NotebookNode, placements: Sequence[Placement]) -> list[list[str]]:
    """What the sources show: check cells edited or removed, ``qN.expected()`` used as an
    answer before the exercise's check. Returns [kind, what] pairs."""
    found: list[list[str]] = []
    for placement in placements:
        short = placement.check.short
        if placement.how in ("edited", "call"):
            found.append(["check_cell_edited", short])
        elif placement.how in ("after_answer", "end"):
            found.append(["check_cell_missing", short])
        end = len(nb.cells) if placement.index is None else placement.index
        for cell in nb.cells[:end]:
            if cell.cell_type == "code" and _calls_expected(cell.source, short):
                found.append(["expected_used", short])
                break
    return found


def _calls_expected(source: str, short: str) -> bool:
    """True when the code calls ``<short>.expected()`` (comments do not count)."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        code = "\n".join(line.split("#", 1)[0] for line in source.splitlines())
        return re.search(rf"\b{re.escape(short)}\s*\.\s*expected\s*\(", code) is not None
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "expected"
            and isinstance(node.func.value, ast.Name)
            and node.func.value.id == short
        ):
            return True
    return False


def instrument(
    nb: NotebookNode, placements: Sequence[Placement], capture_dir: str, exercises_module: str
) -> NotebookNode:
    """A copy of ``nb`` with the grader's cells: one first, one before each check cell,
    one last. Outputs are cleared; the grader's cells are marked with :data:`GRADER_KEY`."""
    import copy

    probe = "__import__('coursekit.grade.probe', fromlist=['probe'])"
    before: dict[int | None, list[Placement]] = {}
    for placement in placements:
        before.setdefault(placement.index, []).append(placement)
    out = copy.deepcopy(nb)
    cells = [_grader_cell(f"{probe}.start({capture_dir!r}, {exercises_module!r})")]
    for index, cell in enumerate(nb.cells):
        for placement in before.get(index, []):
            cells.append(_capture_cell(probe, placement, index))
        copied = copy.deepcopy(cell)
        if copied.cell_type == "code":
            copied.outputs = []
            copied.execution_count = None
        cells.append(copied)
    for placement in before.get(None, []):
        cells.append(_capture_cell(probe, placement, len(nb.cells)))
    cells.append(_grader_cell(f"{probe}.finish()"))
    out.cells = cells
    return out


def _capture_cell(probe: str, placement: Placement, index: int) -> NotebookNode:
    check = placement.check
    return _grader_cell(f"{probe}.capture({check.problem_id!r}, {check.var!r}, {index})")


def _grader_cell(source: str) -> NotebookNode:
    cell = new_code_cell(source)
    cell.metadata[GRADER_KEY] = True
    return cell


def without_grader_cells(nb: NotebookNode) -> NotebookNode:
    """The executed notebook as the trainee wrote it: the grader's cells removed."""
    nb.cells = [c for c in nb.cells if not c.get("metadata", {}).get(GRADER_KEY)]
    return nb


def original_index(nb: NotebookNode, index: int) -> int | None:
    """The index in the submission of cell ``index`` of the instrumented notebook."""
    if not 0 <= index < len(nb.cells) or nb.cells[index].metadata.get(GRADER_KEY):
        return None
    return sum(1 for c in nb.cells[:index] if not c.metadata.get(GRADER_KEY))
