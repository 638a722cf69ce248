"""Judge captured answers with a fresh import of the checks, outside the trainee's kernel.

The kernel that ran a submission is gone by now; what it left is one file per exercise
(:mod:`coursekit.grade.probe`). This process imported the exercise module itself, so no
``q3.check = ...`` or patched comparison of the notebook can reach the verdict, and it
never reads what the notebook printed. Each answer is checked on the trainee's world in
English and in Chinese (feedback pages and the class report can then be written in
either language without running anything again).

Answers are unpickled here: a trainee who builds an object whose unpickling runs code
reaches this process, which grades only that trainee's submission.
"""

from __future__ import annotations

import contextlib
import json
import time
from pathlib import Path
from typing import Any

from coursekit.engine.i18n import text

LANGS = ("en", "zh")
#: Seconds one check may take here before the answer is reported as uncheckable. The
#: course's own work (references, mistake targets) is done before, without a limit: the
#: first check in a world computes it, and on a busy machine that alone can take longer.
CHECK_LIMIT = 60.0
#: Seconds all checks of one submission may take together; later answers are reported as
#: uncheckable (so a notebook of hostile answers cannot hold its grading process forever).
CHECK_BUDGET = 150.0
#: Open answers are kept for the instructor's review up to this many characters.
ANSWER_TEXT_LIMIT = 5000


def check_answers(capture_dir: Path, problems, world) -> list[dict[str, Any]]:
    """One result per problem: its status, the mistake matched, the feedback (both
    languages, text and HTML) and what an unnamed wrong answer looks like.

    Statuses: the check's ("correct", "incorrect", "not_attempted", "error"), "review"
    for an open answer recorded for the instructor, or "not_run" when the notebook
    stopped before the exercise's check.
    """
    from coursekit import course

    entries: list[dict[str, Any]] = []
    answers: dict[str, Any] = {}
    for problem in problems:
        record = _read_record(capture_dir / f"{problem.id}.json")
        entry: dict[str, Any] = {
            "id": problem.id,
            "name": problem.name,
            "kind": problem.kind,
            "var": problem.var,
        }
        entries.append(entry)
        if record is None:
            entry.update(status="not_run", mistake=None)
            continue
        entry["cell"] = record.get("cell")
        answer, unreadable = _answer(capture_dir, record)
        if unreadable is not None:
            entry.update(status="error", mistake=None, unreadable=unreadable)
            entry["message"] = {lang: _unreadable(unreadable, lang) for lang in LANGS}
            continue
        answers[problem.id] = answer
    feedbacks: dict[str, dict[str, Any]] = {pid: {} for pid in answers}
    # The box's HTML is drawn in the language in use when it is drawn: draw it in its pass.
    boxes: dict[str, dict[str, str]] = {pid: {} for pid in answers}
    deadline = time.monotonic() + CHECK_BUDGET
    for lang in LANGS:
        course.setup(data=world, lang=lang, quiet=True)
        if lang == LANGS[0]:
            for problem in problems:
                if problem.id in answers:
                    _prepare(problem)
        for problem in problems:
            if problem.id not in answers:
                continue
            earlier = feedbacks[problem.id].get(LANGS[0])
            if earlier is not None and (earlier.details or {}).get("reason") == _TOO_LONG:
                feedbacks[problem.id][lang] = _too_long(problem, earlier.details["seconds"])
                boxes[problem.id][lang] = _html(feedbacks[problem.id][lang])
                continue
            left = deadline - time.monotonic()
            feedbacks[problem.id][lang] = (
                _check(problem, answers[problem.id], min(CHECK_LIMIT, left))
                if left > 1
                else _too_long(problem, CHECK_BUDGET, budget=True)
            )
            boxes[problem.id][lang] = _html(feedbacks[problem.id][lang])
    for problem, entry in zip(problems, entries, strict=True):
        if problem.id not in feedbacks:
            continue
        by_lang = feedbacks[problem.id]
        first = by_lang["en"]
        status = "review" if first.manual_review else first.status
        entry.update(status=status, mistake=first.mistake)
        entry["message"] = {lang: fb.message for lang, fb in by_lang.items()}
        entry["html"] = boxes[problem.id]
        answer = answers[problem.id]
        if status == "review":
            entry["answer_text"] = answer_text(answer)
        if status == "incorrect" and first.mistake is None:
            entry["signature"] = signature(first)
            entry["example"] = {lang: example(fb) for lang, fb in by_lang.items()}
        if status == "error":
            entry["error_reason"] = (first.details or {}).get("reason")
    course.reset()
    return entries


def _read_record(path: Path) -> dict[str, Any] | None:
    try:
        return json.loads(path.read_text("utf-8"))
    except (OSError, ValueError):
        return None


def _answer(capture_dir: Path, record: dict[str, Any]) -> tuple[Any, str | None]:
    """The answer (``____`` when undefined or blank), or why it cannot be read."""
    from coursekit.engine import ____

    if not record.get("defined") or record.get("blank"):
        return ____, None
    if record.get("pickle_error"):
        return None, record["pickle_error"]
    name = record.get("pickle")
    if not name:
        return None, "no answer was saved"
    try:
        import cloudpickle

        with open(capture_dir / Path(name).name, "rb") as fh:
            return cloudpickle.load(fh), None
    except BaseException as exc:  # a class the grader lacks, a damaged file
        lines = str(exc).strip().splitlines()
        return None, f"{type(exc).__name__}: {lines[0][:160] if lines else ''}".rstrip(": ")


def _html(feedback) -> str:
    """The feedback box as the notebook shows it (empty if it cannot be drawn)."""
    try:
        return feedback._repr_html_()
    except Exception:
        return ""


def _prepare(problem) -> None:
    """Compute what checking needs from the world (the reference, each mistake's
    target) before the checks are timed: it is the course's work, not the answer's.

    A reference that cannot be computed is left to the check, which says so.
    """
    with contextlib.suppress(Exception):
        problem.matching_mistake(problem.expected())


_TOO_LONG = "grader_time_limit"


def _check(problem, answer, seconds: float):
    from coursekit.engine.timeout import CaseTimeout, call_with_timeout

    try:
        return call_with_timeout(problem.check, (answer,), {"record": False}, seconds=seconds)
    except CaseTimeout:
        return _too_long(problem, seconds)


def _too_long(problem, seconds: float, budget: bool = False):
    from coursekit.engine.feedback import Feedback

    if budget:
        words = {
            "en": f"The grader's {seconds:g} s for checking this notebook's answers ran out "
            "before this answer; it was not checked.",
            "zh": f"评分程序检查这份笔记本答案的 {seconds:g} 秒已用完，这个答案未被检查。",
        }
    else:
        words = {
            "en": f"Checking this answer took longer than {seconds:g} s; the grader stopped it.",
            "zh": f"检查这个答案超过了 {seconds:g} 秒，评分程序已停止检查。",
        }
    details = {"reason": _TOO_LONG, "seconds": seconds}
    return Feedback("error", text(words), problem.id, problem.title, details=details)


def answer_text(answer: Any) -> str:
    """An open answer as text for the instructor: a memo as written; a structured answer
    (a dict of sections, a table) as printed, up to :data:`ANSWER_TEXT_LIMIT` characters."""
    if isinstance(answer, str):
        return answer[:ANSWER_TEXT_LIMIT]
    if isinstance(answer, dict) and all(isinstance(k, str) for k in answer):
        parts = [f"{key}:\n{value}" for key, value in answer.items()]
        return "\n\n".join(parts)[:ANSWER_TEXT_LIMIT]
    try:
        import pprint

        return pprint.pformat(answer, width=100)[:ANSWER_TEXT_LIMIT]
    except Exception:
        return f"({type(answer).__name__})"


def _unreadable(reason: str, lang: str) -> str:
    return text(
        {
            "en": f"The grader could not read this answer from the notebook ({reason}).",
            "zh": f"评分程序无法从笔记本中读取这个答案（{reason}）。",
        },
        lang,
    )


def signature(feedback) -> str:
    """What kind of wrong answer this is, the same in every trainee's world: the kinds of
    differences found (with column names, never values), the option chosen, or the first
    test case failed."""
    details = feedback.details or {}
    findings = details.get("findings")
    if findings:
        parts = []
        for finding in findings:
            kind = finding.get("kind", "")
            if kind == "difference":
                continue  # one differing value: the values differ per world
            where = finding.get("columns") or finding.get("column") or finding.get("decimals")
            parts.append(f"{kind}[{where}]" if where not in (None, "") else kind)
        if parts:
            return " + ".join(dict.fromkeys(parts))
    if "selected" in details:
        return "selected " + ",".join(map(str, details["selected"]))
    cases = details.get("cases")
    if cases:
        failed = next((c for c in cases if not c.get("passed")), None)
        if failed is not None:
            return f"fails case {failed.get('case')}"
    lines = feedback.message.splitlines()
    return lines[0] if lines else feedback.status


def example(feedback) -> str:
    """The lines of a message that say what differs (the headline left out)."""
    lines = [line.strip() for line in feedback.message.splitlines()[1:] if line.strip()]
    return "\n".join(lines[:3]) if lines else feedback.message.strip()
