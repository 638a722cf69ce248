"""What a submitted file is, before anything runs: readable? a notebook? which module,
which trainee, which world?

Everything here is cheap (reading JSON), so the batch decides the statuses that need no
kernel first (corrupt, not a notebook, wrong module, unknown trainee, duplicate) and runs
only the rest.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from nbformat import NotebookNode

#: Larger files are not read (a notebook of the course is a few hundred KB).
MAX_FILE_BYTES = 200 * 2**20
_IMPORT = re.compile(r"\bcoursekit\.exercises\.([a-z_][a-z0-9_]*)")
_NOTEBOOK_NAME = re.compile(r"(?<![0-9])(\d\d)_[a-z][a-z0-9_]*")


@dataclass
class Submission:
    """One file given to ``coursekit grade`` and what is known about it.

    Attributes:
        path: the file.
        display: how rows and messages name it (relative to what was given).
        digest: sha256 of its bytes (None when unreadable).
        status: a status decided without running it, or None when it is to be run.
        detail: one line saying why (for a status decided here).
        nb: the notebook, when it is one.
        notebook: the course notebook it holds, e.g. "02_rfm".
        module: its exercise module, e.g. "rfm".
        trainee: the trainee's id; name: the trainee's name.
        world: the world to grade it on; world_identity: that world's identity.
        mtime: modification time (the newest of a trainee's submissions counts).
        meta: the notebook's ``coursekit`` metadata (written by the handout).
        notes: remarks for the instructor, as [kind, what] pairs.
    """

    path: Path
    display: str
    digest: str | None = None
    status: str | None = None
    detail: str = ""
    nb: NotebookNode | None = None
    notebook: str | None = None
    module: str | None = None
    trainee: str | None = None
    name: str = ""
    world: Path | None = None
    world_identity: str | None = None
    mtime: float = 0.0
    meta: dict[str, Any] = field(default_factory=dict)
    notes: list[list[str]] = field(default_factory=list)

    def refuse(self, status: str, detail: str) -> None:
        if self.status is None:
            self.status, self.detail = status, detail


def read(submission: Submission) -> None:
    """Read the file; set ``nb`` and ``meta``, or a status (corrupt, not_a_notebook)."""
    import nbformat

    path = submission.path
    looks_like_notebook = path.suffix.lower() == ".ipynb"
    spoiled = "corrupt" if looks_like_notebook else "not_a_notebook"
    try:
        stat = path.stat()
        submission.mtime = stat.st_mtime
        if stat.st_size > MAX_FILE_BYTES:
            submission.refuse(spoiled, f"larger than {MAX_FILE_BYTES // 2**20} MB")
            return
        data = path.read_bytes()
    except OSError as exc:
        submission.refuse("corrupt", f"cannot be read ({exc.strerror or exc})")
        return
    submission.digest = hashlib.sha256(data).hexdigest()
    if not data.strip():
        submission.refuse("corrupt", "the file is empty")
        return
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        submission.refuse(spoiled, "not text (a notebook is UTF-8 JSON)")
        return
    try:
        content = json.loads(text)
    except ValueError as exc:
        where = f"line {exc.lineno}" if hasattr(exc, "lineno") else "somewhere"
        submission.refuse(spoiled, f"not valid JSON ({where}); the file is damaged or cut short")
        return
    if not isinstance(content, dict) or not ("cells" in content or "worksheets" in content):
        submission.refuse("not_a_notebook", "JSON, but not a Jupyter notebook (no cells)")
        return
    try:
        nb = nbformat.reads(text, as_version=4)
        nbformat.validate(nb)
    except Exception as exc:
        lines = str(exc).strip().splitlines()
        reason = lines[0][:120] if lines else type(exc).__name__
        submission.refuse("corrupt", f"not a valid notebook ({reason})")
        return
    submission.nb = nb
    meta = nb.metadata.get("coursekit")
    meta = meta if isinstance(meta, dict) else {}
    # What the handout wrote, of the types it wrote; anything else is ignored.
    submission.meta = {
        key: meta[key]
        for key, kind in (("module", str), ("trainee", str), ("name", str), ("world", dict))
        if isinstance(meta.get(key), kind)
    }


def content_module(
    nb: NotebookNode, layouts: dict[str, Any], known: dict[str, str] | None = None
) -> str | None:
    """The course notebook a notebook holds ("02_rfm"), from its imports of
    ``coursekit.exercises.<module>`` or else from the cell ids it shares with one.

    Args:
        nb: the submission.
        layouts: the check cells of the modules with a solution notebook.
        known: every course notebook -> its exercise module (those without a solution
            notebook at hand are found by their imports).
    """
    by_module = {module: name for name, module in (known or {}).items()}
    by_module.update({layout.module: name for name, layout in layouts.items()})
    counts: dict[str, int] = {}
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        for module in _IMPORT.findall(cell.source):
            if module in by_module:
                counts[by_module[module]] = counts.get(by_module[module], 0) + 1
    if counts:
        return max(sorted(counts), key=lambda name: counts[name])
    ids = {cell.get("id") for cell in nb.cells if cell.get("id")}
    shared = {name: len(ids & layout.cell_ids) for name, layout in layouts.items()}
    best = max(sorted(shared), key=lambda name: shared[name], default=None)
    if best is not None and shared[best] >= max(3, len(layouts[best].cell_ids) // 4):
        return best
    return None


def notebook_named(text: str, known: list[str]) -> str | None:
    """The course notebook a name refers to: "02_rfm", "02", "rfm", or a file name that
    contains one ("alice_02_rfm.ipynb")."""
    text = text.strip().lower().removesuffix(".ipynb")
    for name in known:
        short = name.split("_", 1)[1] if "_" in name else name
        if text in (name, name[:2], short):
            return name
    for name in sorted(known, key=len, reverse=True):
        if name in text:
            return name
    match = _NOTEBOOK_NAME.search(text)
    if match:
        numbered = [name for name in known if name[:2] == match.group(1)]
        if len(numbered) == 1:
            return numbered[0]
    return None


def path_tokens(display: str) -> list[str]:
    """The words of a submission's path: folder names and the parts of the file name."""
    parts = Path(display).with_suffix("").parts
    tokens = list(parts)
    for part in parts:
        tokens += [t for t in re.split(r"[\s_.\-]+", part) if t]
    return tokens


def trainee_from_path(display: str, notebook: str | None) -> str:
    """A label for a submission without a roster or handout metadata: the file name
    without the notebook's name ("alice_02_rfm" -> "alice"), else its folder."""
    path = Path(display)
    stem = path.stem
    if notebook:
        stem = stem.replace(notebook, "")
    stem = stem.strip(" _-.")
    if stem:
        return stem
    return path.parent.name or path.stem
