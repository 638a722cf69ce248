"""A pytest plugin for student notebooks: every exercise check says "not attempted".

A student notebook holds ``____`` where the answers go, so when it runs top to bottom each
``qN.check()`` must show the grey "not attempted" box: a green box would mean a solution
leaked into the notebook, a red one that the notebook answers for the trainee, and an
amber one ("error") that the course itself is broken. nbval's ``--nbval-lax`` only proves
that the cells run; this plugin reads what the checks displayed::

    pytest --nbval-lax -p coursekit.nbval_student notebooks/

A check given a value on purpose (``q1.check(wrong_answer)``, to show what a red box looks
like) may be incorrect; no check anywhere may end in "error".
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

import pytest

_STATUS = re.compile(r'data-coursekit-status="([a-z_]+)"')
# A check of the notebook's own variable: q1.check() with nothing between the brackets.
_OWN_VARIABLE_CHECK = re.compile(r"\bq\d+\.check\(\s*\)")
_CHECK_OF_A_VALUE = re.compile(r"\bq\d+\.check\(\s*[^\s)]")


def displayed_statuses(outputs: Iterable[Mapping[str, Any]]) -> list[str]:
    """The feedback statuses a cell displayed, in order (from the HTML of its outputs)."""
    found: list[str] = []
    for output in outputs:
        html = (output.get("data") or {}).get("text/html", "")
        if isinstance(html, list):  # nbformat may store multi-line strings as lists
            html = "".join(html)
        found += _STATUS.findall(html)
    return found


def student_cell_problems(source: str, outputs: Iterable[Mapping[str, Any]]) -> list[str]:
    """What is wrong with one executed cell of a student notebook (empty: nothing)."""
    statuses = displayed_statuses(outputs)
    problems = []
    if "error" in statuses:
        problems.append("a check reported an error (the course data or a check is broken)")
    if _OWN_VARIABLE_CHECK.search(source):
        if not statuses:
            problems.append("the check displayed no feedback (is it the cell's last line?)")
        elif not _CHECK_OF_A_VALUE.search(source):
            answered = sorted({status for status in statuses if status != "not_attempted"})
            if answered:
                problems.append(
                    f"a check reported {', '.join(answered)} instead of not_attempted: "
                    "the student notebook holds an answer"
                )
    return problems


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item):
    result = yield
    cell = getattr(item, "cell", None)  # nbval's notebook cell items
    outputs = getattr(item, "test_outputs", None)
    if cell is not None and outputs is not None and cell.get("cell_type") == "code":
        problems = student_cell_problems(cell.get("source", ""), outputs)
        if problems:
            pytest.fail(f"{item.nodeid}: " + "; ".join(problems), pytrace=False)
    return result
