"""The course: build every student notebook, compare them with ``notebooks/``, write them.

``coursekit build`` writes ``notebooks/`` from ``solutions/``; ``coursekit build --check``
only compares (exit 1 when stale). Everything is built in memory first, so a broken
marker anywhere means nothing is written.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from coursekit.build.student import build_notebook, notebook_text, read_notebook
from coursekit.errors import UsageError
from coursekit.fileio import atomic_write_text

NOTEBOOK_GLOB = "[0-9][0-9]_*.ipynb"


# ---------------------------------------------------------------------------- the course


@dataclass(frozen=True)
class BuiltNotebook:
    """One student notebook, built in memory: where it comes from and what to write."""

    source: Path
    target: Path
    text: str


@dataclass
class SyncReport:
    """How ``notebooks/`` differs from what ``solutions/`` would build."""

    stale: list[Path] = field(default_factory=list)
    missing: list[Path] = field(default_factory=list)
    extra: list[Path] = field(default_factory=list)

    @property
    def in_sync(self) -> bool:
        return not (self.stale or self.missing or self.extra)


def _course_dir(path: str | os.PathLike, role: str) -> Path:
    path = Path(path)
    if path.exists() and not path.is_dir():
        raise UsageError(f"{path} is not a directory (expected the {role} folder)")
    return path


def find_sources(
    solutions: str | os.PathLike = "solutions", *, required: bool = False
) -> list[Path]:
    """The solution notebooks ``NN_*.ipynb`` of a course, sorted.

    Args:
        solutions: the folder.
        required: raise when there are none (a mistyped folder must not report
            "in sync" or "0 written").

    Raises:
        UsageError: ``solutions`` is a file, or ``required`` and no notebook was found.
    """
    folder = _course_dir(solutions, "solutions")
    found = sorted(folder.glob(NOTEBOOK_GLOB)) if folder.is_dir() else []
    if required and not found:
        raise UsageError(f"no solution notebooks found at {folder} (expected {NOTEBOOK_GLOB})")
    return found


def build_all(
    solutions: str | os.PathLike = "solutions", notebooks: str | os.PathLike = "notebooks"
) -> list[BuiltNotebook]:
    """Build every student notebook in memory; raise ``UsageError`` before writing anything."""
    target_dir = _course_dir(notebooks, "notebooks")
    built = []
    for source in find_sources(solutions, required=True):
        student = build_notebook(read_notebook(source), str(source))
        built.append(BuiltNotebook(source, target_dir / source.name, notebook_text(student)))
    return built


def compare(built: Sequence[BuiltNotebook], notebooks: str | os.PathLike) -> SyncReport:
    """Compare built notebooks with the files in ``notebooks/`` (byte for byte)."""
    report = SyncReport()
    for item in built:
        if not item.target.is_file():
            report.missing.append(item.target)
        elif item.target.read_bytes() != item.text.encode("utf-8"):
            report.stale.append(item.target)
    folder = Path(notebooks)
    expected = {item.target.name for item in built}
    if folder.is_dir():
        report.extra = [p for p in sorted(folder.glob(NOTEBOOK_GLOB)) if p.name not in expected]
    return report


def build_command(
    solutions: str | os.PathLike = "solutions",
    notebooks: str | os.PathLike = "notebooks",
    check: bool = False,
) -> int:
    """``coursekit build [--check]``: write (or only compare) the student notebooks.

    Returns:
        0 when done (or in sync), 1 when ``check`` finds stale, missing or extra notebooks.

    Raises:
        UsageError: a notebook cannot be read or built; nothing has been written then.
    """
    built = build_all(solutions, notebooks)
    report = compare(built, notebooks)
    if check:
        for path in report.stale:
            print(f"stale:   {path}")
        for path in report.missing:
            print(f"missing: {path}")
        for path in report.extra:
            print(f"extra:   {path} (no {Path(solutions) / path.name})")
        if not report.in_sync:
            print(f"{notebooks}/ is not in sync with {solutions}/: run `coursekit build`")
            return 1
        print(f"{notebooks}/ is in sync with {solutions}/ ({len(built)} notebooks)")
        return 0
    changed = set(report.stale) | set(report.missing)
    for item in built:
        if item.target in changed:
            atomic_write_text(item.target, item.text)
            print(f"wrote {item.target}")
    for path in report.extra:
        # Deleting is left to the author: the file may be the only copy of something.
        print(f"warning: {path} has no source in {solutions}/; delete it if the module is gone",
              file=sys.stderr)  # fmt: skip
    print(f"coursekit build: {len(built)} student notebook(s), {len(changed)} written")
    return 0
