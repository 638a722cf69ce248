"""The student version of one solution notebook.

Solution parts are replaced (:mod:`coursekit.build.markers`), cells tagged ``solution`` are
dropped (markdown model answers live there), outputs and execution counts are removed,
metadata is cut down to an allowlist and cell ids are kept, so a rebuild is byte-identical.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import nbformat
from nbformat import NotebookNode

from coursekit.build.markers import (
    SOLUTION_TAG,
    CellRef,
    _compiles,
    _reject_markers,
    _shorten,
    _student_code,
    find_leaks,
)
from coursekit.errors import UsageError

#: Tags that steer the build and mean nothing in a student notebook.
BUILD_TAGS = frozenset({SOLUTION_TAG})


# ---------------------------------------------------------------------------- notebooks


def _tags(cell: NotebookNode) -> list[str]:
    tags = cell.get("metadata", {}).get("tags", [])
    return [t for t in tags if isinstance(t, str)] if isinstance(tags, list) else []


def _cell_id(name: str, index: int, cell: NotebookNode) -> str:
    """The cell's id; notebooks from before nbformat 4.5 get one derived from the position."""
    if cell.get("id"):
        return cell["id"]
    return hashlib.sha1(f"{Path(name).name}:{index}".encode()).hexdigest()[:8]


def _allowed_notebook_metadata(metadata: NotebookNode) -> NotebookNode:
    """Only what says how to run the notebook; versions and UI state vary by machine."""
    kept = {}
    if "kernelspec" in metadata:
        kept["kernelspec"] = metadata["kernelspec"]
    if "name" in metadata.get("language_info", {}):
        kept["language_info"] = {"name": metadata["language_info"]["name"]}
    if "jupytext" in metadata:  # harmless pairing information, if an author uses it
        kept["jupytext"] = metadata["jupytext"]
    return nbformat.from_dict(kept)


def build_notebook(nb: NotebookNode, name: str) -> NotebookNode:
    """The student version of the solution notebook ``nb`` (which is left unchanged).

    Args:
        nb: a solution notebook (nbformat v4).
        name: how to name the notebook in error messages, e.g. ``solutions/02_rfm.ipynb``.

    Returns:
        A new notebook: solutions replaced, ``solution`` cells dropped, no outputs,
        allowlisted metadata, the source's cell ids.

    Raises:
        UsageError: a doubtful marker, a cell that no longer compiles, or a leak.
    """
    from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_raw_cell

    student = new_notebook(metadata=_allowed_notebook_metadata(nb.metadata))
    for index, cell in enumerate(nb.cells):
        ref = CellRef(name, index, cell.get("id"))
        tags = _tags(cell)
        if SOLUTION_TAG in tags:
            continue
        if cell.cell_type == "code":
            source = _student_code(cell.source, ref)
            if source != cell.source and _compiles(cell.source) is None:
                problem = _compiles(source)
                if problem is not None:
                    raise ref.error(
                        f"the student version does not compile ({problem}); keep a "
                        "docstring or 'pass' outside the solution markers, and mark only "
                        "single-line statements with '# SOLUTION'"
                    )
            new = new_code_cell(source)
        elif cell.cell_type == "markdown":
            _reject_markers(cell.source, "markdown", ref)
            new = new_markdown_cell(cell.source)
            if cell.get("attachments"):
                new["attachments"] = cell["attachments"]
        else:
            _reject_markers(cell.source, cell.cell_type, ref)
            new = new_raw_cell(cell.source)
        new["id"] = _cell_id(name, index, cell)
        kept_tags = [t for t in tags if t not in BUILD_TAGS]
        if kept_tags:
            new.metadata["tags"] = kept_tags
        student.cells.append(new)
    leaks = find_leaks(nb, student)
    if leaks:
        index, line = leaks[0]
        raise UsageError(
            f"{name}: solution line {_shorten(line)!r} would appear in cell {index} of the "
            f"student version ({len(leaks)} in all); check the markers, and keep lines "
            "students may see (imports, plt.show()) outside the solution"
        )
    return student


def read_notebook(path: str | os.PathLike) -> NotebookNode:
    """Read and validate a notebook; any problem becomes a one-line ``UsageError``."""
    path = Path(path)
    try:
        text = path.read_bytes().decode("utf-8")
        nb = nbformat.reads(text, as_version=4)
        nbformat.validate(nb)
    except Exception as exc:  # JSON, schema, encoding or OS errors: all mean "unusable"
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise UsageError(f"{path}: not a readable notebook ({_shorten(reason, 120)})") from exc
    return nb


def notebook_text(nb: NotebookNode) -> str:
    """The notebook as nbformat v4 JSON, ``indent=1``, sorted keys, final newline."""
    text = nbformat.writes(nb, version=4)
    return text if text.endswith("\n") else text + "\n"
