"""Solution markers: find them, replace what they mark, and catch any that would leak.

In code cells of a solution notebook, a ``# BEGIN SOLUTION`` ... ``# END SOLUTION`` block
becomes one ``# YOUR CODE HERE`` line at the indentation of the BEGIN marker, and a line
ending in ``# SOLUTION`` becomes ``name = ____`` (assignment; ``a, b = ____, ____`` for a
tuple), ``return ____`` (return) or ``# YOUR CODE HERE`` (anything else).

Markers are matched tolerantly in spacing and case, and after Unicode normalization
(NFKC, invisible format characters removed): ``# ＳＯＬＵＴＩＯＮ`` typed with a Chinese input
method is a marker. A misspelled, unbalanced or misplaced marker, or a comment that looks
like one, is an error naming the notebook, the cell and the line: a marker that is not
recognised would leak the solution. :func:`find_leaks` checks the result independently.
"""

from __future__ import annotations

import ast
import re
import unicodedata
from dataclasses import dataclass
from difflib import SequenceMatcher

from nbformat import NotebookNode

from coursekit.errors import UsageError

SOLUTION_TAG = "solution"
PLACEHOLDER = "____"
YOUR_CODE = "# YOUR CODE HERE"


def normalize(line: str) -> str:
    """A line as markers are matched: NFKC (full-width letters and ＃ become ASCII) and
    without invisible format characters (zero-width spaces)."""
    folded = unicodedata.normalize("NFKC", line)
    return "".join(ch for ch in folded if unicodedata.category(ch) != "Cf")


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
        original = raw.rstrip("\r\n")
        line = normalize(original)  # what markers are matched on; `raw` is what is kept
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
            _check_comment(*comment, ref=ref, line_no=line_no, line=original)
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
    for line_no, original in enumerate(source.splitlines(), start=1):
        raw = normalize(original)
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
                original,
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
    return re.sub(r"[\s_\-]", "", normalize(line).lower())


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
                plain = normalize(line)
                secret.add(plain[: plain.rfind("#")].strip())
                secret.add(line[: max(line.rfind("#"), line.rfind("＃"))].strip())
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
            if marker_left or line.strip() in forbidden or normalize(line).strip() in forbidden:
                leaks.append((index, line.strip()))
    return leaks
