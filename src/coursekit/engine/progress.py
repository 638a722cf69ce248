"""The progress report: attempted and passed problems per module, as a table or bars.

Reads the attempt store (:mod:`coursekit.engine.attempts`, which writes the progress file)
and shows it: ``coursekit progress`` prints a table for every module, and
``course.progress()`` draws bars in the notebook. The store's names are re-exported here.
"""

from __future__ import annotations

import html
import sys
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from coursekit.engine.attempts import (
    FORMAT_VERSION,
    Progress,
    ProgressFileError,
    progress_path,
    read_progress,
    record,
)
from coursekit.engine.i18n import t

__all__ = [
    "FORMAT_VERSION",
    "ModuleProgress",
    "Progress",
    "ProgressFileError",
    "ProgressView",
    "progress_command",
    "progress_path",
    "read_progress",
    "record",
    "show_progress",
    "summarize",
    "text_table",
]

BAR_WIDTH = 20


# ---------------------------------------------------------------------------- summaries


@dataclass(frozen=True)
class ModuleProgress:
    """Progress in one course module."""

    module: str
    problems: int
    attempted: int
    passed: int

    @property
    def fraction(self) -> float:
        return self.passed / self.problems if self.problems else 0.0


def summarize(progress: Progress, modules: Mapping[str, list[Any]]) -> list[ModuleProgress]:
    """One row per module: how many of its problems were attempted and passed."""
    rows = []
    for module, problems in modules.items():
        ids = [p.id for p in problems]
        rows.append(
            ModuleProgress(
                module=module,
                problems=len(ids),
                attempted=sum(progress.get(i, {}).get("attempts", 0) > 0 for i in ids),
                passed=sum(progress.get(i, {}).get("passes", 0) > 0 for i in ids),
            )
        )
    return rows


def text_bar(fraction: float, width: int = BAR_WIDTH) -> str:
    filled = round(max(0.0, min(fraction, 1.0)) * width)
    return "#" * filled + "." * (width - filled) + f" {round(fraction * 100):3d}%"


def _width(value: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in value)


def _pad(value: str, width: int, right: bool = False) -> str:
    space = " " * max(width - _width(value), 0)
    return space + value if right else value + space


def text_table(rows: list[ModuleProgress]) -> str:
    """A plain-text table: module, problems, attempted, passed, bar (and a total row)."""
    if not rows:
        return t("progress.none")
    headers = [t(f"progress.{k}") for k in ("module", "problems", "attempted", "passed", "bar")]
    total = ModuleProgress(
        t("progress.total"),
        sum(r.problems for r in rows),
        sum(r.attempted for r in rows),
        sum(r.passed for r in rows),
    )
    body = [
        [r.module, str(r.problems), str(r.attempted), str(r.passed), text_bar(r.fraction)]
        for r in [*rows, total]
    ]
    widths = [max(_width(line[i]) for line in [headers, *body]) for i in range(5)]
    lines = []
    for line in [headers, *body]:
        cells = [_pad(line[0], widths[0])]
        cells += [_pad(line[i], widths[i], right=True) for i in (1, 2, 3)]
        cells.append(line[4])
        lines.append("  ".join(cells).rstrip())
    lines.insert(len(lines) - 1, "-" * max(_width(line) for line in lines))
    return "\n".join(lines)


def progress_command(file: str | None = None, *, modules=None) -> int:
    """``coursekit progress``: print a table of progress per module.

    Args:
        file: the progress file; default the user's (``COURSEKIT_PROGRESS`` or the user
            data directory).
        modules: module name → problems; default every ``coursekit.exercises`` module.

    Returns:
        0 (showing progress cannot fail; an unreadable file is reported and shown empty).
    """
    path = Path(file).expanduser() if file else progress_path()
    print(t("progress.file", path=path))
    try:
        progress = read_progress(path)
    except ProgressFileError as exc:
        print(t("progress.unreadable", error=str(exc)), file=sys.stderr)
        progress = {}
    if modules is None:
        modules = _registry_modules(
            lambda name, exc: print(
                t("progress.broken_module", module=name, error=type(exc).__name__),
                file=sys.stderr,
            )
        )
    print(text_table(summarize(progress, modules)))
    return 0


def _registry_modules(on_error) -> dict[str, list[Any]]:
    from coursekit.engine import registry

    return registry.problems_by_module(on_error=on_error)


class ProgressView:
    """Progress bars per module: HTML in a notebook, a text table elsewhere."""

    def __init__(self, rows: list[ModuleProgress], notice: str = "") -> None:
        self.rows = rows
        self.notice = notice

    def __repr__(self) -> str:
        return self.notice or text_table(self.rows)

    __str__ = __repr__

    def _repr_html_(self) -> str:
        if self.notice or not self.rows:
            message = self.notice or t("progress.none")
            return f"<div>{html.escape(message)}</div>"
        cells = []
        for row in self.rows:
            percent = round(row.fraction * 100)
            cells.append(
                "<tr>"
                f'<td style="text-align:left;padding-right:12px;">{html.escape(row.module)}</td>'
                '<td><div style="background:#e5e7eb;width:180px;height:10px;border-radius:5px;">'
                f'<div style="background:#1a7f37;width:{percent}%;height:10px;border-radius:5px;">'
                "</div></div></td>"
                f'<td style="padding-left:12px;">{row.passed}/{row.problems} '
                f"{html.escape(t('progress.passed'))} · {row.attempted} "
                f"{html.escape(t('progress.attempted'))}</td>"
                "</tr>"
            )
        title = html.escape(t("progress.title"))
        return f"<div><strong>{title}</strong><table>{''.join(cells)}</table></div>"


def show_progress(module: str | None = None, *, modules=None, path=None) -> ProgressView:
    """Progress bars in the notebook (``course.progress()``); never raises.

    Args:
        module: only this module, e.g. "rfm".
        modules: module name → problems; default every ``coursekit.exercises`` module.
        path: the progress file; default the user's.
    """
    try:
        progress = read_progress(path)
    except ProgressFileError:
        progress = {}
    if modules is None:
        modules = _registry_modules(lambda name, exc: None)
    if module is not None:
        if module not in modules:
            return ProgressView([], t("progress.unknown_module", module=module))
        modules = {module: modules[module]}
    return ProgressView(summarize(progress, modules))
