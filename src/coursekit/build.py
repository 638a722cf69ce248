"""One source, two notebooks: build student notebooks from the solution notebooks.

``solutions/NN_*.ipynb`` is the single source. The student version ``notebooks/NN_*.ipynb``
is derived from it:

* in code cells, a ``# BEGIN SOLUTION`` ... ``# END SOLUTION`` block becomes one
  ``# YOUR CODE HERE`` line at the indentation of the BEGIN marker;
* a line ending in ``# SOLUTION`` becomes ``name = ____`` (assignment; ``a, b = ____, ____``
  for a tuple), ``return ____`` (return) or ``# YOUR CODE HERE`` (anything else,
  including augmented assignments);
* cells tagged ``solution`` are dropped (markdown model answers live there);
* outputs and execution counts are removed, metadata is cut down to an allowlist, cell ids
  are kept, so a rebuild is byte-identical.

Markers are matched tolerantly in spacing and case. A misspelled, unbalanced or misplaced
marker is an error naming the notebook, the cell (index in ``nb.cells``, counting from 0,
and id) and the line: a marker that is not recognised would leak the solution. After the
transformation, every notebook is also checked for solution lines that survived.

Solution notebooks keep their outputs: ``pytest --nbval solutions`` compares them.
:func:`execute_command` (``coursekit build --execute``) refreshes those outputs in a
controlled environment (:data:`NOTEBOOK_ENV`) and rebuilds the student notebooks.
"""

from __future__ import annotations

import ast
import hashlib
import os
import re
import sys
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from pathlib import Path

import nbformat
from nbformat import NotebookNode

from coursekit.errors import UsageError
from coursekit.fileio import atomic_write_text

SOLUTION_TAG = "solution"
#: Tags that steer the build and mean nothing in a student notebook.
BUILD_TAGS = frozenset({SOLUTION_TAG})
PLACEHOLDER = "____"
YOUR_CODE = "# YOUR CODE HERE"
NOTEBOOK_GLOB = "[0-9][0-9]_*.ipynb"
CELL_TIMEOUT = 120  # seconds; a module runs in well under 30 s, so this only stops hangs

#: Environment of every kernel that runs course notebooks: ``--execute`` here, and the
#: ``notebooks`` target of the Makefile (kept equal by a test). The inline backend is
#: pinned so solution notebooks keep their plots and the stored ``<Figure ...>`` outputs
#: reproduce even where ``MPLBACKEND=Agg`` is exported (``.ci/run``): under Agg a kernel
#: shows no figures at all. The hash seed makes set and dict ordering reproducible.
NOTEBOOK_ENV = {
    "MPLBACKEND": "module://matplotlib_inline.backend_inline",
    "PYTHONHASHSEED": "0",
}
#: Variables that would make stored outputs depend on the author's shell.
NOTEBOOK_ENV_UNSET = ("COURSEKIT_LANG", "COURSEKIT_DATA")

# Execution leaves timings behind (nbclient, jupyterlab-execute-time): never worth a diff.
_VOLATILE_CELL_METADATA = ("execution", "ExecuteTime")


# ---------------------------------------------------------------------------- markers

_BEGIN = re.compile(r"^\s*#+\s*begin\s+solution\s*$", re.IGNORECASE)
_END = re.compile(r"^\s*#+\s*end\s+solution\s*$", re.IGNORECASE)
# Code, then a trailing ``# SOLUTION`` comment. The code part must not itself be a comment.
_INLINE = re.compile(r"^(?P<code>.*?\S)\s*#+\s*solution\s*$", re.IGNORECASE)
_MARKER_HELP = (
    "write '# BEGIN SOLUTION' / '# END SOLUTION' on lines of their own, "
    "or end a line with '# SOLUTION'"
)
_BOUNDARY_WORDS = frozenset({"begin", "end", "start", "stop", "finish", "open", "close"})


def _solution_like(word: str) -> bool:
    # "solutions", "soluton", "soltuion" ... but not "resolution" or "evolution".
    return word[:2] == "so" and SequenceMatcher(None, word, "solution").ratio() >= 0.8


def _boundary_like(word: str, n_words: int) -> bool:
    if word in _BOUNDARY_WORDS:
        return True
    if SequenceMatcher(None, word, "begin").ratio() >= 0.75:  # begn, bgin, beggin
        return True
    # "ned"/"edn" are only taken for "end" in a two-word comment, where nothing else fits.
    cutoff = 0.66 if n_words == 2 else 0.8
    return SequenceMatcher(None, word, "end").ratio() >= cutoff


def _near_miss(comment: str, *, trailing: bool) -> bool:
    """Whether a comment that is not a valid marker looks like an attempt at one."""
    # Joined or misspelled pairs: BEGINSOLUTION, END_SOLUTION, BEGN SOLUTION, END SOLUTON.
    compact = re.sub(r"[^a-z]", "", comment.lower())
    cut = compact.find("so")
    if cut > 0 and _boundary_like(compact[:cut], 2) and _solution_like(compact[cut:]):
        return True
    words = re.findall(r"[a-z]+", comment.lower())
    if not any(_solution_like(w) for w in words):
        return False
    if trailing:
        # ``x = 1  # SOLUTON``; a trailing comment that merely mentions a solution is fine.
        return len(words) == 1 or any(_boundary_like(w, len(words)) for w in words)
    if len(words) == 1:  # a lone "# SOLUTIONS" or "# SOLUTION" line
        return True
    return len(words) <= 3 and any(_boundary_like(w, len(words)) for w in words)


def _comment_of(line: str) -> tuple[str, bool] | None:
    """The comment text of a line and whether it trails code, or None without a comment.

    A heuristic, not a tokenizer: the last ``#`` that is not followed by a quote.
    """
    stripped = line.strip()
    if stripped.startswith("#"):
        return stripped.lstrip("#").strip(), False
    match = re.search(r"#([^#'\"]*)$", line)
    if match is None:
        return None
    return match.group(1).strip(), True


# ---------------------------------------------------------------------------- locations


@dataclass(frozen=True)
class CellRef:
    """Where a cell lives, for error messages: notebook, index in ``nb.cells``, id."""

    notebook: str
    index: int
    cell_id: str | None

    def __str__(self) -> str:
        cell_id = f"id {self.cell_id!r}" if self.cell_id else "no id"
        return f"{self.notebook}, cell {self.index} ({cell_id})"

    def error(
        self, message: str, line_no: int | None = None, line: str | None = None
    ) -> UsageError:
        """A one-line ``UsageError`` pointing at this cell (and a line of it)."""
        where = str(self)
        if line_no is not None:
            where += f", line {line_no}"
            if line is not None:
                where += f" {_shorten(line.strip())!r}"
        return UsageError(f"{where}: {message}")


def _shorten(text: str, limit: int = 70) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


# ---------------------------------------------------------------------------- code cells


def _indent_of(line: str) -> str:
    return line[: len(line) - len(line.lstrip())]


def _replace_statement(code: str) -> str:
    """The student version of one line marked ``# SOLUTION`` (``code`` keeps its indent)."""
    indent = _indent_of(code)
    statement = code.strip()
    try:
        body = ast.parse(statement).body
    except SyntaxError:
        body = None
    if body is None:
        # Not a whole statement on its own (an IPython magic, say): judge by its start.
        if re.match(r"^[A-Za-z_]\w*(\s*,\s*[A-Za-z_]\w*)*\s*=(?!=)", statement):
            names = statement.split("=", 1)[0].strip()
            return f"{indent}{names} = {_placeholders(names.count(',') + 1)}"
        if re.match(r"^return\s+\S", statement):
            return f"{indent}return {PLACEHOLDER}"
        return indent + YOUR_CODE
    if len(body) != 1:
        return indent + YOUR_CODE
    node = body[0]
    if isinstance(node, ast.Assign):
        value = _assignment_value(node.targets)
        if value is None:
            return indent + YOUR_CODE
        targets = " = ".join(ast.get_source_segment(statement, t) for t in node.targets)
        return f"{indent}{targets} = {value}"
    if isinstance(node, ast.AnnAssign) and node.value is not None:
        target = ast.get_source_segment(statement, node.target)
        annotation = ast.get_source_segment(statement, node.annotation)
        return f"{indent}{target}: {annotation} = {PLACEHOLDER}"
    if isinstance(node, ast.Return) and node.value is not None:
        return f"{indent}return {PLACEHOLDER}"
    return indent + YOUR_CODE


def _placeholders(n: int) -> str:
    return ", ".join([PLACEHOLDER] * n)


def _assignment_value(targets: list[ast.expr]) -> str | None:
    """``____`` or ``____, ____`` to match the targets; None when no simple form fits."""
    sizes = set()
    for target in targets:
        if isinstance(target, ast.Tuple | ast.List):
            if any(isinstance(e, ast.Starred) for e in target.elts):
                return None
            sizes.add(len(target.elts))
        else:
            sizes.add(None)
    if len(sizes) != 1:
        return None
    size = sizes.pop()
    return PLACEHOLDER if size is None else _placeholders(size)


def _student_code(source: str, ref: CellRef) -> str:
    """Replace the solution parts of one code cell; raise on a doubtful marker."""
    lines = source.splitlines(keepends=True)
    out: list[str] = []
    block_start: int | None = None
    for line_no, raw in enumerate(lines, start=1):
        line = raw.rstrip("\r\n")
        if _BEGIN.match(line):
            if block_start is not None:
                raise ref.error(
                    f"'# BEGIN SOLUTION' inside the block opened on line {block_start}; "
                    "solution blocks do not nest",
                    line_no,
                    line,
                )
            block_start = line_no
            out.append(_indent_of(line) + YOUR_CODE + "\n")
            continue
        if _END.match(line):
            if block_start is None:
                raise ref.error("'# END SOLUTION' without a '# BEGIN SOLUTION'", line_no, line)
            block_start = None
            continue
        inline = _INLINE.match(line)
        if inline and not inline.group("code").lstrip().startswith("#"):
            if block_start is None:
                out.append(_replace_statement(inline.group("code")) + "\n")
            continue
        comment = _comment_of(line)
        if comment is not None:
            _check_comment(*comment, ref=ref, line_no=line_no, line=line)
        if block_start is None:
            out.append(raw)
    if block_start is not None:
        raise ref.error(
            "'# BEGIN SOLUTION' without a matching '# END SOLUTION'",
            block_start,
            lines[block_start - 1],
        )
    student = "".join(out)
    # Replacement lines end in a newline; a cell's last line usually does not.
    if student.endswith("\n") and not source.endswith("\n"):
        student = student[:-1]
    return student


def _check_comment(text: str, trailing: bool, *, ref: CellRef, line_no: int, line: str) -> None:
    """Raise if a comment that is not a valid marker is a misplaced or misspelled one."""
    if trailing and re.fullmatch(r"(begin|end)\s+solution", text, re.IGNORECASE):
        raise ref.error("'# BEGIN/END SOLUTION' must stand on a line of its own", line_no, line)
    if not trailing and re.search(r"(^|#)\s*solution$", text, re.IGNORECASE):
        raise ref.error(
            "'# SOLUTION' marks the code before it on the same line, and there is none "
            "(a comment is not code; use a BEGIN/END block)",
            line_no,
            line,
        )
    if _near_miss(text, trailing=trailing):
        raise ref.error(f"looks like a misspelled solution marker; {_MARKER_HELP}", line_no, line)


def _reject_markers(source: str, kind: str, ref: CellRef) -> None:
    """Markdown and raw cells are copied as they are: a solution marker there is a mistake.

    A heading such as ``## Solution`` is fine; ``# BEGIN SOLUTION`` or ``... # SOLUTION``
    is not.
    """
    for line_no, raw in enumerate(source.splitlines(), start=1):
        heading = raw.strip().lstrip("#").strip()
        if (
            _BEGIN.match(raw)
            or _END.match(raw)
            or re.search(r"[^\s#]\s*#+\s*solution\s*$", raw, re.IGNORECASE)
            or (
                raw.lstrip().startswith("#")
                and len(heading.split()) > 1
                and _near_miss(heading, trailing=False)
            )
        ):
            raise ref.error(
                f"solution marker in a {kind} cell; put model answers in a cell tagged "
                f"{SOLUTION_TAG!r}",
                line_no,
                raw,
            )


def _compiles(source: str) -> str | None:
    """None if the cell parses as IPython code, else the parser's message."""
    from IPython.core.inputtransformer2 import TransformerManager

    try:
        ast.parse(TransformerManager().transform_cell(source))
    except SyntaxError as exc:
        return f"line {exc.lineno}: {exc.msg}"
    except Exception as exc:  # the IPython transformer can fail on odd input
        return str(exc)
    return None


# ---------------------------------------------------------------------------- leak check


_TRIVIAL = frozenset(
    {"pass", "...", "else:", "try:", "finally:", "except:", "return", "return None", "break",
     "continue", "None", YOUR_CODE}
)  # fmt: skip


def _is_trivial(line: str) -> bool:
    return not line or line in _TRIVIAL or re.fullmatch(r"[\W_]*", line) is not None


def _compact(line: str) -> str:
    return re.sub(r"[\s_\-]", "", line.lower())


def _secret_lines(nb: NotebookNode) -> set[str]:
    """The stripped lines of solution blocks and ``# SOLUTION`` lines of a notebook.

    Deliberately independent of the marker parser above, and more lenient than it, so a
    bug there does not hide itself here.
    """
    secret: set[str] = set()
    for cell in nb.cells:
        if cell.cell_type != "code" or SOLUTION_TAG in cell.metadata.get("tags", ()):
            continue  # markers only work in code; tagged cells are checked by id
        in_block = False
        for line in cell.source.splitlines():
            compact = _compact(line)
            if "#beginsolution" in compact:
                in_block = True
            elif "#endsolution" in compact:
                in_block = False
            elif in_block:
                secret.add(line.strip())
            elif compact.endswith("#solution"):
                secret.add(line[: line.rfind("#")].strip())
    return secret


def find_leaks(solution: NotebookNode, student: NotebookNode) -> list[tuple[int, str]]:
    """What of the solution shows in a student notebook, as ``(student cell index, what)``.

    Three things count: a non-trivial line of a solution block or ``# SOLUTION`` line
    anywhere in the student version (even where the author repeated it on purpose: that
    gives the answer away just the same), a leftover marker, and a cell tagged
    ``solution`` that was not dropped.
    """
    forbidden = {line for line in _secret_lines(solution) if not _is_trivial(line)}
    tagged = {c.get("id") for c in solution.cells if SOLUTION_TAG in c.metadata.get("tags", ())}
    leaks = []
    for index, cell in enumerate(student.cells):
        if cell.get("id") in tagged - {None}:
            leaks.append((index, f"<the cell {cell.id!r} tagged {SOLUTION_TAG!r}>"))
        for line in cell.source.splitlines():
            compact = _compact(line)
            marker_left = cell.cell_type == "code" and (
                "#beginsolution" in compact
                or "#endsolution" in compact
                or compact.endswith("#solution")
            )
            if marker_left or line.strip() in forbidden:
                leaks.append((index, line.strip()))
    return leaks


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


def find_sources(solutions: str | os.PathLike = "solutions") -> list[Path]:
    """The solution notebooks ``NN_*.ipynb`` of a course, sorted; none if the folder is absent."""
    folder = _course_dir(solutions, "solutions")
    return sorted(folder.glob(NOTEBOOK_GLOB)) if folder.is_dir() else []


def build_all(
    solutions: str | os.PathLike = "solutions", notebooks: str | os.PathLike = "notebooks"
) -> list[BuiltNotebook]:
    """Build every student notebook in memory; raise ``UsageError`` before writing anything."""
    target_dir = _course_dir(notebooks, "notebooks")
    built = []
    for source in find_sources(solutions):
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


# ---------------------------------------------------------------------------- execution


def notebook_environment(progress_file: str | os.PathLike) -> dict[str, str]:
    """The environment of a kernel that runs course notebooks (see :data:`NOTEBOOK_ENV`).

    Progress goes to ``progress_file`` so running ``q1.check()`` here never touches the
    author's own progress.
    """
    env = {k: v for k, v in os.environ.items() if k not in NOTEBOOK_ENV_UNSET}
    env.update(NOTEBOOK_ENV)
    env["COURSEKIT_PROGRESS"] = str(progress_file)
    return env


def _current_env_kernel_manager():
    """A kernel manager class that always starts ipykernel with this interpreter.

    A ``python3`` kernelspec found first on the user's Jupyter path could point to another
    Python; solution outputs must come from the environment the tests use.
    """
    import ipykernel.kernelspec
    from jupyter_client.kernelspec import KernelSpecManager
    from jupyter_client.manager import AsyncKernelManager
    from traitlets import default

    class CurrentEnvKernelSpecs(KernelSpecManager):
        def get_kernel_spec(self, kernel_name):
            return self.kernel_spec_class(
                resource_dir=ipykernel.kernelspec.RESOURCES,
                **ipykernel.kernelspec.get_kernel_dict(),
            )

    class CurrentEnvKernelManager(AsyncKernelManager):
        @default("kernel_spec_manager")
        def _kernel_spec_manager_default(self):
            return CurrentEnvKernelSpecs(data_dir=self.data_dir)

    return CurrentEnvKernelManager


def clean_executed(nb: NotebookNode, name: str) -> NotebookNode:
    """Drop what execution leaves that varies run to run; outputs and counts stay."""
    nb.metadata = _allowed_notebook_metadata(nb.metadata)
    nb.nbformat_minor = max(nb.get("nbformat_minor", 5), 5)  # cell ids need nbformat 4.5
    for index, cell in enumerate(nb.cells):
        cell["id"] = _cell_id(name, index, cell)
        for key in _VOLATILE_CELL_METADATA:
            cell.metadata.pop(key, None)
    return nb


def execute_notebook(
    nb: NotebookNode, cwd: str | os.PathLike, name: str, timeout: float = CELL_TIMEOUT
) -> NotebookNode:
    """Run all cells of ``nb`` in a fresh kernel of this environment, in ``cwd``.

    Raises:
        UsageError: a cell raised (without the ``raises-exception`` tag), timed out, or
            the kernel died; names the notebook and the cell.
    """
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError

    current: dict[str, int] = {}

    def on_cell_start(cell, cell_index):
        current["index"] = cell_index

    client = NotebookClient(
        nb,
        kernel_name="python3",
        kernel_manager_class=_current_env_kernel_manager(),
        timeout=timeout,
        record_timing=False,
        resources={"metadata": {"path": str(cwd)}},
        on_cell_start=on_cell_start,
    )
    with tempfile.TemporaryDirectory(prefix="coursekit-execute-") as scratch:
        env = notebook_environment(Path(scratch) / "progress.json")
        try:
            client.execute(env=env)
        except (CellExecutionError, CellTimeoutError, DeadKernelError) as exc:
            index = current.get("index", 0)
            cell = nb.cells[index] if index < len(nb.cells) else {}
            ref = CellRef(name, index, cell.get("id"))
            if isinstance(exc, CellExecutionError):
                detail = f"{exc.ename}: {exc.evalue}" if exc.ename else str(exc)
                raise ref.error(f"cell raised {_shorten(detail, 160)}") from exc
            if isinstance(exc, CellTimeoutError):
                raise ref.error(f"cell did not finish within {timeout:g} s") from exc
            raise ref.error("the kernel died while running this cell") from exc
    return clean_executed(nb, name)


def _select(sources: Sequence[Path], names: Iterable[str]) -> list[Path]:
    """Solution notebooks matching names such as ``02_rfm``, ``02_rfm.ipynb`` or ``02``."""
    chosen: list[Path] = []
    for raw in names:
        name = Path(raw).name.removesuffix(".ipynb")
        matches = [p for p in sources if p.stem == name or p.name.split("_", 1)[0] == name]
        if len(matches) != 1:
            known = ", ".join(p.stem for p in sources) or "none"
            what = "no" if not matches else "more than one"
            raise UsageError(f"{what} solution notebook matches {raw!r} (known: {known})")
        if matches[0] not in chosen:
            chosen.append(matches[0])
    return chosen


def execute_command(
    names: Sequence[str] = (),
    solutions: str | os.PathLike = "solutions",
    notebooks: str | os.PathLike = "notebooks",
    timeout: float | str | None = None,
) -> int:
    """``coursekit build --execute [NAME ...]``: refresh solution outputs, then rebuild.

    Runs the named solution notebooks (default: all) in place, working directory
    ``solutions/``. Every notebook is built first, so a marker error costs no kernel
    time; executed notebooks are written only when all of them ran.
    """
    try:
        timeout = CELL_TIMEOUT if timeout is None else float(timeout)
    except (TypeError, ValueError):
        raise UsageError(f"--timeout must be a number of seconds, not {timeout!r}") from None
    if timeout <= 0:
        raise UsageError("--timeout must be positive")
    sources = find_sources(solutions)
    chosen = _select(sources, names) if names else sources
    build_all(solutions, notebooks)  # fail fast on markers, before any kernel starts
    executed = []
    for path in chosen:
        print(f"executing {path} ...", flush=True)
        nb = execute_notebook(read_notebook(path), path.parent, str(path), timeout)
        executed.append((path, notebook_text(nb)))
    for path, text in executed:
        if path.read_bytes() != text.encode("utf-8"):
            atomic_write_text(path, text)
            print(f"wrote {path}")
    return build_command(solutions, notebooks)
