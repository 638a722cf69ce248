"""Re-checking captured answers, the feedback pages and the class report, without kernels.

The answers are written the way the grader's cells write them in a kernel
(:mod:`coursekit.grade.probe`), for the engine's demo exercise module on its small
in-memory world; every problem kind is there, the open memo with its rubric too.
"""

from __future__ import annotations

import json
import re
import time
from pathlib import Path

import cloudpickle
import pytest
from engine import demo_exercises as demo  # tests/ is on the path (no __init__.py)

from coursekit.engine import ScalarSpec, ValueProblem
from coursekit.grade import recheck, report
from coursekit.grade.batch import Batch
from coursekit.grade.outputs import feedback_page, grade_table

MEMO = (
    "Target the lapsed high spenders with a personal coupon, keep a random holdout group "
    "and compare how many order again within four weeks against the holdout <b>now</b>."
)


def capture(folder: Path, problem, value=None, *, defined: bool = True) -> None:
    """One answer as the probe records it."""
    folder.mkdir(parents=True, exist_ok=True)
    record = {"problem": problem.id, "var": problem.var, "cell": 3, "defined": defined}
    if defined:
        record["blank"] = False
        with open(folder / f"{problem.id}.pkl", "wb") as fh:
            cloudpickle.dump(value, fh)
        record["pickle"] = f"{problem.id}.pkl"
    (folder / f"{problem.id}.json").write_text(json.dumps(record), "utf-8")


@pytest.fixture
def world():
    return {"orders": demo.make_orders(seed=0)}


def answers_of_a_trainee(folder: Path, world, *, mistake: bool, memo: str = MEMO) -> None:
    """Right answers, a named mistake in q2 (or not), an open memo; q3 not defined."""
    from coursekit import course

    course.setup(data=world, quiet=True)
    capture(folder, demo.q1, demo.q1.expected())
    revenue = float(world["orders"]["amount"].sum()) if mistake else demo.q2.expected()
    capture(folder, demo.q2, revenue)
    capture(folder, demo.q3, defined=False)
    capture(folder, demo.q5, "a" if mistake else "b")
    capture(folder, demo.q7, memo)
    course.reset()


def test_answers_are_judged_with_the_named_mistake_in_both_languages(tmp_path, world):
    answers_of_a_trainee(tmp_path, world, mistake=True)
    entries = {e["name"]: e for e in recheck.check_answers(tmp_path, demo.PROBLEMS, world)}
    assert entries["q1"]["status"] == "correct"
    assert (entries["q2"]["status"], entries["q2"]["mistake"]) == (
        "incorrect",
        "all_statuses_counted",
    )
    assert entries["q3"]["status"] == "not_attempted"
    assert entries["q5"]["mistake"] == "recent_is_not_lost"
    assert entries["q7"]["status"] == "review" and entries["q7"]["answer_text"] == MEMO
    assert entries["q4"]["status"] == "not_run"  # no capture: the notebook stopped before
    assert "收入" in entries["q2"]["message"]["zh"]
    assert "completed" in entries["q2"]["message"]["en"]


def slow_problem(seconds: float) -> ValueProblem:
    """A problem whose reference takes ``seconds`` to compute (as a first check in a big
    world on a busy machine does)."""

    def reference():
        time.sleep(seconds)
        return 42.0

    return ValueProblem(
        id="slow.q1",
        var="answer",
        title={"en": "Slow", "zh": "慢"},
        reference=reference,
        compare=ScalarSpec(),
        hints=[{"en": "42.", "zh": "42。"}],
        solution="answer = 42.0",
    )


def test_a_right_answer_is_correct_when_the_reference_takes_longer_than_a_check_may(
    tmp_path, world, monkeypatch
):
    # The cause of a right first answer graded "error": the reference was computed inside
    # the check's time limit. The course's own work is now done before the timed checks.
    monkeypatch.setattr(recheck, "CHECK_LIMIT", 0.5)
    problem = slow_problem(1.0)
    capture(tmp_path, problem, 42.0)
    (entry,) = recheck.check_answers(tmp_path, [problem], world)
    assert entry["status"] == "correct", entry.get("message")


def test_an_answer_that_takes_too_long_to_check_is_an_error_and_the_rest_is_judged(
    tmp_path, world, monkeypatch
):
    class Endless:
        def __eq__(self, other):
            while True:
                pass

        __hash__ = object.__hash__

        def __float__(self):
            while True:
                pass

    monkeypatch.setattr(recheck, "CHECK_LIMIT", 0.5)
    from coursekit import course

    course.setup(data=world, quiet=True)
    capture(tmp_path, demo.q2, Endless())
    capture(tmp_path, demo.q5, "b")
    course.reset()
    entries = {e["name"]: e for e in recheck.check_answers(tmp_path, demo.PROBLEMS, world)}
    if entries["q2"]["status"] != "incorrect":  # the check may refuse the type at once
        assert entries["q2"]["status"] == "error"
    assert entries["q5"]["status"] == "correct"


def test_an_answer_that_cannot_be_read_is_an_error_with_the_reason(tmp_path, world):
    capture(tmp_path, demo.q2, 1.0)
    (tmp_path / "demo.q2.pkl").write_bytes(b"not a pickle")
    entries = {e["name"]: e for e in recheck.check_answers(tmp_path, demo.PROBLEMS, world)}
    assert entries["q2"]["status"] == "error"
    assert "could not read" in entries["q2"]["message"]["en"]
    assert "无法" in entries["q2"]["message"]["zh"]


def graded_class(tmp_path, world, n: int = 10, wrong: int = 4) -> Batch:
    """``n`` trainees' results, the first ``wrong`` with the named mistakes."""
    results = []
    for k in range(n):
        folder = tmp_path / f"capture{k}"
        answers_of_a_trainee(folder, world, mistake=k < wrong)
        problems = recheck.check_answers(folder, demo.PROBLEMS, world)
        scored = [p for p in problems if p["status"] != "review"]
        results.append(
            {
                "file": f"t{k:02d}_99_demo.ipynb",
                "trainee": f"t{k:02d}",
                "name": f"Trainee {k}",
                "notebook": "99_demo",
                "module": "demo",
                "status": "graded",
                "detail": "",
                "seconds": 5.0 + k,
                "score": sum(p["status"] == "correct" for p in scored),
                "max_score": len(scored),
                "problems": problems,
                "tamper": [],
                "notes": [],
            }
        )
    results.append({"file": "broken.ipynb", "status": "corrupt", "detail": "the file is empty"})
    return Batch(results, problems={"99_demo": list(demo.PROBLEMS)})


def test_the_grades_have_per_problem_status_and_mistake_columns(tmp_path, world):
    header, rows = grade_table(graded_class(tmp_path, world, n=2, wrong=1))
    assert "demo.q2 mistake" in header
    first = dict(zip(header, rows[0], strict=True))
    assert (first["demo.q2"], first["demo.q2 mistake"]) == ("incorrect", "all_statuses_counted")
    assert first["review"] == 1
    broken = dict(zip(header, rows[-1], strict=True))
    assert broken["status"] == "corrupt" and broken["score"] is None


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_a_feedback_page_shows_each_exercise_the_hints_and_the_rubric(tmp_path, world, lang):
    batch = graded_class(tmp_path, world, n=1, wrong=1)
    page = feedback_page(batch.results[0], demo.PROBLEMS, lang)
    assert page.count("<section class='exercise'") == len(demo.PROBLEMS)
    hint = demo.q2.hint_texts(lang)[0]
    assert hint.replace("`", "") in page.replace("`", "")
    assert "all_statuses_counted" in page
    rubric = [v[lang] for where, v in demo.q7.texts() if where.startswith("rubric")]
    assert len(rubric) == 2 and all(point in page for point in rubric)
    assert "&lt;b&gt;now&lt;/b&gt;" in page and "<b>now</b>" not in page  # the memo is escaped
    assert ("Open answers" in page) == (lang == "en") and ("待讲师评阅" in page) == (lang == "zh")


def test_a_right_answer_gets_no_hints_on_its_page(tmp_path, world):
    batch = graded_class(tmp_path, world, n=1, wrong=0)
    page = feedback_page(batch.results[0], demo.PROBLEMS, "en")
    assert demo.q2.hint_texts("en")[0].replace("`", "") not in page.replace("`", "")


def remote_resources(page: str) -> list[str]:
    """What a page would load from elsewhere: scripts, style sheets, images, fonts."""
    remote = r"<script|<link|@import|url\(\s*['\"]?\w+:|(?:src|href)\s*=\s*['\"]?\w+:"
    return re.findall(remote, page)


def test_the_report_gives_the_share_of_the_class_per_named_mistake(tmp_path, world):
    batch = graded_class(tmp_path, world, n=10, wrong=4)
    (module,) = report.analyse(batch)
    by_name = {p.problem.name: p for p in module.problems}
    assert by_name["q2"].mistakes == {"all_statuses_counted": 4}
    assert by_name["q2"].share(4) == pytest.approx(0.4)
    assert by_name["q3"].not_attempted == 10
    assert by_name["q4"].checked == 0  # no notebook reached it
    assert by_name["q7"].correct == 10  # open answers count as handed in for review
    html_en = report.class_report(batch, tmp_path, "en")
    assert "40% of the class: all_statuses_counted" in html_en
    assert "Revenue counts completed orders only." in html_en
    # Exercises without wrong answers are named once, not listed one by one.
    assert "<div class='exercise' data-problem='demo.q1'>" not in html_en
    assert "No named mistake and no other common wrong answer in: q1, q3, q7." in html_en
    assert "demo.q7 · A win-back memo: open answers to review: 10" in html_en
    assert "href='feedback/99_demo/t03.html'" in html_en
    assert html_en.count("<svg") >= 4  # scores, pass rate, mistakes, time
    assert not remote_resources(html_en)  # self-contained: works offline
    html_zh = report.class_report(batch, tmp_path, "zh")
    assert "40% 的学员：all_statuses_counted" in html_zh and "收入只计算已完成的订单" in html_zh
    assert "常见误区" in html_zh and "Misconceptions" not in html_zh


def test_each_language_gets_its_own_feedback_box(tmp_path, world):
    answers_of_a_trainee(tmp_path, world, mistake=False)
    entries = {e["name"]: e for e in recheck.check_answers(tmp_path, demo.PROBLEMS, world)}
    boxes = entries["q1"]["html"]
    assert "正确" not in boxes["en"] and "Correct" in boxes["en"]
    assert "正确" in boxes["zh"]


def test_a_structured_open_answer_is_shown_as_text_for_review():
    memo = {"segment": "lapsed high spenders", "offer": "10% coupon, 20% holdout"}
    assert recheck.answer_text(memo) == (
        "segment:\nlapsed high spenders\n\noffer:\n10% coupon, 20% holdout"
    )
    assert recheck.answer_text("x" * 10_000) == "x" * recheck.ANSWER_TEXT_LIMIT
    assert recheck.answer_text([1, 2]) == "[1, 2]"
