"""What a check returns (:class:`Feedback`) and what hints and solutions show (:class:`Note`).

Both render as plain text in a terminal and as a small coloured box in Jupyter. Everything
shown is deterministic (solution notebooks store it as output) and every piece of text is
HTML-escaped, since messages quote the trainee's values, column names and exceptions.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from coursekit.engine.i18n import t

STATUSES = ("correct", "incorrect", "not_attempted", "error")

# (border, background) per status: green, red, grey, amber.
_COLOURS = {
    "correct": ("#1a7f37", "#e6f4ea"),
    "incorrect": ("#cf222e", "#fdecea"),
    "not_attempted": ("#6e7781", "#f3f4f6"),
    "error": ("#9a6700", "#fff4e0"),
    "hint": ("#0969da", "#eef5ff"),
    "solution": ("#8250df", "#f5f0ff"),
}
_SYMBOLS = {"correct": "✔", "incorrect": "✘", "not_attempted": "○", "error": "!"}
_BACKTICKS = re.compile(r"`([^`\n]+)`")


def _html_text(value: str) -> str:
    """Escape ``value`` for HTML and show `backticked` spans as code."""
    return _BACKTICKS.sub(r"<code>\1</code>", html.escape(value, quote=True))


def _box(kind: str, heading: str, subheading: str, body_html: str, marker: str = "") -> str:
    border, background = _COLOURS[kind]
    sub = f' <span style="color:#57606a;">{html.escape(subheading)}</span>' if subheading else ""
    return (
        f'<div{marker} style="border-left:4px solid {border};background:{background};'
        "color:#1f2328;"
        f'padding:6px 10px;margin:4px 0;border-radius:3px;">'
        f'<div><strong style="color:{border};">{html.escape(heading)}</strong>{sub}</div>'
        f"{body_html}</div>"
    )


@dataclass(frozen=True)
class Feedback:
    """The result of ``problem.check()``.

    Attributes:
        status: "correct", "incorrect", "not_attempted" or "error".
        message: plain text for the trainee, in the current language.
        problem_id: e.g. "rfm.q1".
        title: the problem's title in the current language.
        mistake: the name of the matched misconception, or None.
        details: structured facts behind the message (findings of a diff, the failing
            case, an internal exception), for graders and tests.
        manual_review: True when the answer is recorded for an instructor to grade.
        notes: short notices that are not about the answer (e.g. that progress cannot be
            saved), shown under the message.
    """

    status: str
    message: str
    problem_id: str = ""
    title: str = ""
    mistake: str | None = None
    details: Mapping[str, Any] | None = None
    manual_review: bool = False
    notes: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.status not in STATUSES:
            raise ValueError(f"unknown feedback status {self.status!r}")
        object.__setattr__(self, "notes", tuple(self.notes))

    @property
    def passed(self) -> bool:
        return self.status == "correct"

    def __bool__(self) -> bool:
        # `assert q1.check()` should mean "passed", not "a Feedback object exists".
        return self.passed

    @property
    def heading(self) -> str:
        """The status label in the current language, e.g. "Correct" or "还不对"."""
        return t(f"status.{self.status}")

    def __str__(self) -> str:
        where = " · ".join(part for part in (self.problem_id, self.title) if part)
        first = f"{_SYMBOLS[self.status]} {self.heading}" + (f" · {where}" if where else "")
        return "\n".join([first, self.message, *(f"ⓘ {note}" for note in self.notes)])

    __repr__ = __str__

    def _repr_html_(self) -> str:
        where = " · ".join(part for part in (self.problem_id, self.title) if part)
        body = f'<div style="white-space:pre-wrap;margin-top:4px;">{_html_text(self.message)}</div>'
        body += "".join(
            f'<div style="margin-top:4px;color:#57606a;font-size:90%;">ⓘ {_html_text(note)}</div>'
            for note in self.notes
        )
        # The data attributes let tools read a stored output without parsing its text
        # (the student-notebook test: every exercise check says "not attempted").
        problem = html.escape(self.problem_id, quote=True)
        marker = f' data-coursekit-status="{self.status}" data-coursekit-problem="{problem}"'
        heading = f"{_SYMBOLS[self.status]} {self.heading}"
        return _box(self.status, heading, where, body, marker)


@dataclass(frozen=True)
class Note:
    """A hint, a solution or a short notice: shows itself when it is a cell's last expression.

    Attributes:
        heading: e.g. "Hint 1 of 3".
        body: prose (may contain `code` in backticks).
        code: Python code shown as a block, or None.
        kind: "hint" or "solution" (only changes the colour).
        subheading: e.g. the problem id and title.
    """

    heading: str
    body: str = ""
    code: str | None = None
    kind: str = "hint"
    subheading: str = ""

    def __str__(self) -> str:
        first = self.heading + (f" · {self.subheading}" if self.subheading else "")
        parts = [first, self.body, self.code or ""]
        return "\n".join(part for part in parts if part)

    __repr__ = __str__

    def _repr_markdown_(self) -> str:
        parts = [f"**{self.heading}**" + (f" · {self.subheading}" if self.subheading else "")]
        if self.body:
            parts.append(self.body)
        if self.code:
            parts.append(f"```python\n{self.code}\n```")
        return "\n\n".join(parts)

    def _repr_html_(self) -> str:
        body = ""
        if self.body:
            body += (
                f'<div style="white-space:pre-wrap;margin-top:4px;">{_html_text(self.body)}</div>'
            )
        if self.code:
            body += (
                '<pre style="margin:4px 0 0 0;background:transparent;">'
                f"{html.escape(self.code)}</pre>"
            )
        kind = self.kind if self.kind in _COLOURS else "hint"
        return _box(kind, self.heading, self.subheading, body)
