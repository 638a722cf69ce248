"""Problems end to end on the demo module: the check pipeline, each problem kind, hints,
solutions, expected(), language, and authoring errors."""

from __future__ import annotations

import json
import os
import sys
import time
import types

import numpy as np
import pandas as pd
import pytest

from coursekit import course, state
from coursekit.engine import (
    AuthoringError,
    Case,
    ChoiceProblem,
    FunctionProblem,
    Mistake,
    Note,
    OneOfSpec,
    OpenProblem,
    ValueProblem,
    ____,
    t,
)
from coursekit.engine.feedback import STATUSES
from coursekit.errors import CourseDataError

from . import demo_exercises as demo
from .demo_exercises import make_orders, q1, q2, q3, q4, q5, q6, q7, q8
from .test_harness_on_demo import harness

TITLE = {"en": "Total", "zh": "合计"}


def wrong_rfm():
    """The demo RFM table with frequency counted in lines (a catalogued mistake)."""
    return q1.mistakes[0].produce(q1.expected())


# ---------------------------------------------------------------------------- the pipeline


def test_the_reference_passes_and_says_so(demo_world):
    feedback = q1.check(q1.expected())
    assert feedback.status == "correct" and feedback.passed
    assert feedback.message == "Correct! `rfm` matches the expected answer."
    assert feedback.problem_id == "demo.q1" and feedback.title == "Build the RFM table"
    assert feedback.mistake is None


def test_a_mistake_is_named_and_explained_with_a_structured_diff(demo_world):
    feedback = q1.check(wrong_rfm())
    assert feedback.status == "incorrect"
    assert feedback.mistake == "frequency_in_lines"
    lines = feedback.message.splitlines()
    assert lines[0] == "Not yet: `rfm` does not match the expected answer."
    assert lines[1] == (
        "This looks like a known mistake (frequency_in_lines): Frequency counts orders, "
        "not order lines: count distinct order_id."
    )
    assert any(line.startswith("- Column frequency:") for line in lines)
    kinds = [f["kind"] for f in feedback.details["findings"]]
    assert "values" in kinds and "difference" in kinds


def test_an_unknown_wrong_answer_is_incorrect_without_a_mistake(demo_world):
    answer = q1.expected()
    answer.loc[0, "monetary"] += 1000
    feedback = q1.check(answer)
    assert feedback.status == "incorrect" and feedback.mistake is None
    assert "This looks like a known mistake" not in feedback.message


def test_blank_placeholder_is_not_attempted(demo_world):
    feedback = q1.check(____)
    assert feedback.status == "not_attempted"
    assert (
        feedback.message
        == "`rfm` is still ____: write your answer, run the cell, then check again."
    )


def test_check_without_argument_reads_the_callers_variable(demo_world):
    rfm = q1.expected()
    assert q1.check().status == "correct"
    rfm = ____  # noqa: F841 - read by check() through the caller's frame
    assert q1.check().status == "not_attempted"


def test_check_without_argument_and_no_variable_is_not_attempted(demo_world):
    feedback = q2.check()  # there is no `revenue` anywhere here
    assert feedback.status == "not_attempted"
    assert feedback.message == t("check.undefined", var="revenue")


def test_local_variables_shadow_globals(demo_world, monkeypatch):
    monkeypatch.setitem(globals(), "revenue", -1.0)
    assert q2.check().status == "incorrect"  # the global
    revenue = q2.expected()  # noqa: F841 - read by check() through the caller's frame
    assert q2.check().status == "correct"  # the local wins


def test_in_a_kernel_check_reads_the_ipython_namespace(demo_world, monkeypatch):
    shell = types.SimpleNamespace(user_ns={"revenue": q2.expected()})
    fake_ipython = types.ModuleType("IPython")
    fake_ipython.get_ipython = lambda: shell
    monkeypatch.setitem(sys.modules, "IPython", fake_ipython)
    assert q2.check().status == "correct"
    shell.user_ns["revenue"] = ____
    assert q2.check().status == "not_attempted"


def test_before_setup_the_check_says_run_setup():
    feedback = q1.check(pd.DataFrame({"customer_id": ["C001"]}))
    assert feedback.status == "error" and not feedback.passed
    assert feedback.message == t("check.not_set_up")
    assert "course.setup()" in feedback.message
    assert feedback.details == {"reason": "not_set_up"}


def test_course_not_set_up_raised_by_the_reference_gives_the_same_message(demo_world):
    def reference():
        raise course.CourseNotSetUp("course.setup() has not been run in this kernel")

    problem = ValueProblem(id="demo.qx", var="total", title=TITLE, reference=reference)
    feedback = problem.check(1.0)
    assert feedback.status == "error" and feedback.message == t("check.not_set_up")


def test_a_stale_kernel_has_its_own_message(demo_world, monkeypatch):
    monkeypatch.setattr(state, "stale_reason", lambda: "the data in /tmp/w changed")
    feedback = q2.check(1.0)
    assert feedback.status == "error"
    assert feedback.message == t("check.stale")
    assert "Restart the kernel and run all cells" in feedback.message
    assert "/tmp/w" not in feedback.message  # no absolute paths in messages
    assert feedback.details["stale"] == "the data in /tmp/w changed"


def test_a_failing_stale_check_does_not_block_the_check(demo_world, monkeypatch):
    def broken():
        raise OSError("gone")

    monkeypatch.setattr(state, "stale_reason", broken)
    assert q2.check(q2.expected()).status == "correct"


def test_missing_data_is_a_data_error_not_the_trainees():
    course.setup(data={"customers": pd.DataFrame()}, quiet=True)  # no orders table
    feedback = q2.check(1.0)
    assert feedback.status == "error" and feedback.details["reason"] == "data_error"
    assert "not a problem with your answer" in feedback.message


DAMAGED = (
    "the course data is damaged: raw/pos_transactions.csv is missing; "
    "run `coursekit data verify DIR`"
)


def _raise_damaged(*args):
    raise CourseDataError(DAMAGED)


@pytest.mark.parametrize("where", ["reference", "mistake target", "matches", "stale check"])
def test_damaged_data_anywhere_in_a_check_is_the_data_message(where, demo_world, monkeypatch):
    """A CourseDataError (as the data checks raise it, naming the file) is shown as such:
    never "not your fault" (a checker bug) nor "restart the kernel"."""
    mistakes = [Mistake("doubled", en="Twice.", zh="两次。", produce=lambda e: e * 2)]
    if where == "mistake target":
        mistakes = [Mistake("doubled", en="Twice.", zh="两次。", produce=_raise_damaged)]
    if where == "matches":
        mistakes = [
            Mistake("odd", en="Odd.", zh="奇。", produce=lambda e: e + 1, matches=_raise_damaged)
        ]
    problem = ValueProblem(
        id="demo.qdata",
        var="total",
        title=TITLE,
        reference=_raise_damaged if where == "reference" else (lambda: 10.0),
        mistakes=mistakes,
    )
    if where == "stale check":
        monkeypatch.setattr(state, "stale_reason", _raise_damaged)
    feedback = problem.check(3.0)
    assert feedback.status == "error"
    assert feedback.details == {"reason": "data_error", "exception": DAMAGED}
    assert DAMAGED in feedback.message
    assert "not your fault" not in feedback.message and "Restart" not in feedback.message


def test_a_demonstration_check_records_no_attempt(demo_world):
    path = os.environ["COURSEKIT_PROGRESS"]
    assert q2.check(-1.0, record=False).status == "incorrect"
    assert not os.path.exists(path)
    q2.check(-1.0)
    assert os.path.exists(path)


def test_a_bug_in_the_checker_is_an_error_that_is_not_the_trainees_fault(demo_world):
    problem = ValueProblem(id="demo.qx", var="total", title=TITLE, reference=lambda: 1 / 0)
    feedback = problem.check(1.0)
    assert feedback.status == "error"
    assert feedback.message == t("check.internal_error", error="ZeroDivisionError")
    assert "not your fault" in feedback.message
    assert feedback.details["exception"] == "division by zero"


def test_messages_are_deterministic(demo_world):
    first = q1.check(wrong_rfm())
    second = q1.check(wrong_rfm())
    assert first.message == second.message and first._repr_html_() == second._repr_html_()
    assert "0x" not in first.message and str(os.getcwd()) not in first.message


def test_feedback_in_chinese(zh_world):
    feedback = q1.check(wrong_rfm())
    assert feedback.message.splitlines()[0] == "还不对：`rfm` 与参考答案不一致。"
    assert "这看起来是一个常见错误（frequency_in_lines）：消费频率按订单计数" in feedback.message
    assert "列 frequency：" in feedback.message
    assert feedback.title == "构建 RFM 表"
    assert str(feedback).startswith("✘ 还不对 · demo.q1 · 构建 RFM 表")
    course.reset()
    course.set_lang("zh")
    assert q1.check(1).message == t("check.not_set_up", lang="zh")


# ---------------------------------------------------------------------------- never raises


@pytest.mark.parametrize("problem", demo.PROBLEMS, ids=lambda p: p.id)
def test_check_never_raises_on_hostile_values(problem, demo_world):
    harness.assert_hostile_values_give_feedback(problem)


def test_an_answer_calling_exit_in_eq_still_gets_feedback(demo_world):
    class Exiting:
        def __eq__(self, other):
            raise SystemExit(1)

        __hash__ = object.__hash__

    # Same type as the reference, so that the comparison does call __eq__.
    problem = ValueProblem(id="demo.qx", var="token", title=TITLE, reference=Exiting)
    feedback = problem.check(Exiting())
    assert feedback.status == "incorrect"
    assert "could not be compared" in feedback.message


def test_an_absurdly_large_frame_is_rejected_before_deep_comparison(demo_world):
    huge = pd.DataFrame({"customer_id": np.arange(3_000_000), "recency_days": 0})
    started = time.perf_counter()
    feedback = q1.check(huge)
    elapsed = time.perf_counter() - started
    assert feedback.status == "incorrect"
    assert "far more than the 7 expected" in feedback.message
    assert elapsed < 5  # generous; only guards against comparing three million rows


# ---------------------------------------------------------------------------- no mutation


def test_the_trainees_frame_is_not_modified(demo_world):
    answer = wrong_rfm().set_index("customer_id").iloc[::-1]
    answer["frequency"] = answer["frequency"].astype("float64")
    before = answer.copy(deep=True)
    q1.check(answer)
    pd.testing.assert_frame_equal(answer, before)


def test_the_trainees_series_and_list_are_not_modified(demo_world):
    series = q3.expected().sort_index(ascending=False)
    before = series.copy()
    q3.check(series)
    pd.testing.assert_series_equal(series, before)
    answer = ["c", "a"]
    q6.check(answer)
    assert answer == ["c", "a"]


def test_expected_returns_a_copy(demo_world):
    first = q1.expected()
    first.loc[:, "monetary"] = -1
    assert (q1.expected()["monetary"] > 0).all()
    assert q1.check(q1.expected()).passed


def test_a_produce_that_modifies_expected_does_not_corrupt_the_reference(demo_world):
    def produce(expected):
        expected["frequency"] += 1  # an author's slip: modifies what it was given
        return expected

    problem = ValueProblem(
        id="demo.qx",
        var="rfm",
        title=TITLE,
        reference=lambda: demo.rfm_table(demo.completed_orders()),
        compare=q1.spec,
        mistakes=[Mistake("off_by_one", en="One more.", zh="多一。", produce=produce)],
    )
    reference = problem.expected()
    problem.check(reference.assign(frequency=0))  # triggers produce
    assert problem.check(reference).passed


# ---------------------------------------------------------------------------- expected()


def test_expected_is_computed_once_per_world(demo_world):
    calls = []

    def reference():
        calls.append(1)
        return float(course.load("orders")["amount"].sum())

    problem = ValueProblem(id="demo.qx", var="total", title=TITLE, reference=reference)
    problem.expected()
    problem.check(1.0)
    problem.check(2.0)
    assert len(calls) == 1
    course.setup(data={"orders": make_orders(seed=1)}, quiet=True)
    problem.expected()
    assert len(calls) == 2


def test_expected_follows_the_data_in_use():
    course.setup(data={"orders": make_orders(seed=0)}, quiet=True)
    first = q2.expected()
    course.setup(data={"orders": make_orders(seed=1)}, quiet=True)
    second = q2.expected()
    assert first != second
    assert q2.check(second).passed and not q2.check(first).passed


def test_expected_before_setup_raises_course_not_set_up():
    with pytest.raises(course.CourseNotSetUp):
        q1.expected()


# ---------------------------------------------------------------------------- function problems


def test_a_correct_function_passes(demo_world):
    feedback = q4.check(demo.recency_score)
    assert feedback.passed
    assert (
        feedback.message
        == "Correct! `score_recency` gives the expected result on all 7 test cases."
    )
    assert all(case["passed"] for case in feedback.details["cases"])


def test_function_mistakes_are_named(demo_world):
    def backwards(days):
        return 6 - demo.recency_score(days)

    feedback = q4.check(backwards)
    assert feedback.mistake == "recency_backwards"
    assert "Test case “an order today”: expected 5, got 1." in feedback.message


def test_an_exception_in_the_trainees_function_is_feedback(demo_world):
    def broken(days):
        return {"recent": 5}[days]

    feedback = q4.check(broken)
    assert feedback.status == "incorrect"
    assert "Test case “an order today”: your function raised KeyError: 0" in feedback.message


def test_a_function_that_should_raise_but_returns(demo_world):
    def never_raises(days):
        return (
            5 if days <= 30 else 4 if days <= 90 else 3 if days <= 180 else 2 if days <= 365 else 1
        )

    feedback = q4.check(never_raises)
    assert feedback.status == "incorrect"
    assert (
        "Test case “negative days”: expected ValueError to be raised, but your function returned 5."
        in (feedback.message)
    )


def test_an_endless_loop_times_out_once(demo_world):
    started = time.perf_counter()
    feedback = q4.check(harness.endless)
    elapsed = time.perf_counter() - started
    assert feedback.status == "incorrect"
    assert "did not finish within 0.5 s (an endless loop?)" in feedback.message
    assert elapsed < 3  # one time limit, not one per case and per mistake


def sized_problem(time_limit=0.3, time_per_1000=0.2):
    """A function problem with a small and a large case (10 and 5,000 values)."""
    return FunctionProblem(
        id="demo.qsize",
        var="total",
        title=TITLE,
        reference=lambda values: float(values.sum()),
        cases=[
            Case((pd.Series(range(10)),), label="small"),
            Case((pd.Series(range(5000)),), label="large"),
        ],
        time_limit=time_limit,
        time_per_1000=time_per_1000,
        slow_hint={"en": "Use values.sum().", "zh": "用 values.sum()。"},
    )


def test_the_time_limit_scales_with_the_size_of_the_case():
    problem = sized_problem()
    small, large = problem.cases()
    assert problem.case_limit(small) == pytest.approx(0.302)
    assert problem.case_limit(large) == pytest.approx(1.3)
    assert problem.time_limit_text("en") == (
        "each test case may take 0.3 s, plus 0.2 s for every 1,000 values in its input"
    )
    assert "每 1,000 个值再加 0.2 秒" in problem.time_limit_text("zh")


def test_too_slow_and_endless_are_different_messages(demo_world):
    problem = sized_problem()

    def slow_on_large(values):
        if len(values) > 100:
            time.sleep(5)
        return float(values.sum())

    slow = problem.check(slow_on_large)
    assert slow.status == "incorrect"
    assert "stopped after 1.3 s" in slow.message and "too slow" in slow.message
    assert "Use values.sum()." in slow.message and "endless" not in slow.message
    endless = problem.check(harness.endless)
    assert "an endless loop?" in endless.message and "too slow" not in endless.message


def test_a_correct_but_slow_function_passes_with_a_note(demo_world):
    problem = sized_problem(time_limit=0.2, time_per_1000=1.0)

    def slowish(values):
        if len(values) > 100:
            time.sleep(0.5)  # over the base limit, within the scaled one
        return float(values.sum())

    feedback = problem.check(slowish)
    assert feedback.status == "correct"
    assert feedback.details["slow"] is True
    assert "on the test case “large” (5,000 values) your function took 0.5 s" in feedback.message
    assert "Use values.sum()." in feedback.message
    assert "took" not in problem.check(lambda values: float(values.sum())).message


def test_exit_and_crashes_in_the_trainees_function_are_feedback(demo_world):
    def exits(days):
        sys.exit(0)

    def leaves(days):
        os._exit(3)

    assert "called sys.exit()" in q4.check(exits).message
    crashed = q4.check(leaves)
    assert crashed.status == "incorrect"
    assert "ended the process running it (the process exited with code 3)" in crashed.message


def test_handed_out_cases_are_copies(demo_world):
    handed_out = q8.cases()[0].args[0]
    handed_out["status"] = "vandalised"
    assert (q8.cases()[0].args[0]["status"] != "vandalised").all()
    assert q8.check(demo.completed_only).passed


def test_a_mistakes_matches_gets_a_sandboxed_function(demo_world):
    seen = []

    def matches(fn, reference):
        seen.append(fn(0))
        return False

    problem = FunctionProblem(
        id="demo.qprobe",
        var="f",
        title=TITLE,
        reference=lambda x: x,
        cases=[Case((1,))],
        time_limit=0.5,
        mistakes=[Mistake("probe", en="a", zh="甲", produce=lambda r: r, matches=matches)],
    )

    def exits_on_zero(x):
        if x == 0:
            sys.exit()
        return x + 1

    feedback = problem.check(exits_on_zero)
    assert feedback.status == "incorrect" and feedback.mistake is None  # not a checker error
    assert seen == []  # the probe raised (SandboxFailure): no match
    assert problem.check(lambda x: x + 1).status == "incorrect" and seen == [1]


def test_a_function_still_holding_the_placeholder_is_not_attempted(demo_world):
    def score_recency(days):
        ____  # noqa: B018 - what the student notebook holds

    def not_implemented(days):
        raise NotImplementedError

    assert q4.check(score_recency).status == "not_attempted"
    assert q4.check(not_implemented).status == "not_attempted"


def test_a_non_function_is_incorrect(demo_world):
    feedback = q4.check(5)
    assert feedback.status == "incorrect"
    assert feedback.message == t("function.not_callable", var="score_recency", given="int")


def test_cases_are_built_from_the_data_in_use():
    course.setup(data={"orders": make_orders(seed=0)}, quiet=True)
    first = next(c for c in q4.cases() if c.label == "days=max").args
    course.setup(data={"orders": make_orders(seed=1)}, quiet=True)
    second = next(c for c in q4.cases() if c.label == "days=max").args
    assert first != second


def test_a_function_modifying_its_input_does_not_affect_other_cases(demo_world):
    def vandal(orders):
        orders["status"] = "vandalised"  # modifies the frame it was given
        return orders

    assert q8.check(vandal).status == "incorrect"
    assert (q8.cases()[0].args[0]["status"] != "vandalised").all()
    assert q8.check(demo.completed_only).passed


def test_frame_results_of_functions_get_a_structured_diff(demo_world):
    feedback = q8.check(lambda orders: orders)
    assert feedback.status == "incorrect"
    assert (
        "Test case “the course orders”: the result differs from the expected one."
        in feedback.message
    )
    assert "  - Row count: expected" in feedback.message


# ---------------------------------------------------------------------------- choice problems


@pytest.mark.parametrize("answer", ["b", "B", " b ", ["b"], ("B",)])
def test_choice_accepts_usual_spellings(answer, demo_world):
    assert q5.check(answer).passed


@pytest.mark.parametrize("answer", [["a", "c"], ["C", "A"], "a,c", "A, C", "ac", "c a", {"a", "c"}])
def test_multi_choice_accepts_usual_spellings(answer, demo_world):
    assert q6.check(answer).passed


def test_choice_explains_a_wrong_option(demo_world):
    feedback = q5.check("a")
    assert feedback.mistake == "recent_is_not_lost"
    assert "Customers who bought yesterday are not drifting away." in feedback.message


def test_choice_wrong_without_explanation(demo_world):
    feedback = q5.check("c")
    assert feedback.status == "incorrect" and feedback.mistake is None
    assert feedback.message == "Not yet: c is not the best answer."


def test_choice_shows_the_explanation_when_correct(demo_world):
    assert "Win-back targets valuable customers" in q5.check("b").message


def test_choice_rejects_unknown_and_multiple_options(demo_world):
    assert (
        q5.check("d").message
        == '\'d\' is not one of the options; answer with one of "a", "b", "c".'
    )
    assert q5.check("a, b").message.startswith("Choose exactly one option")
    assert q5.check(2).message.startswith("Answer with the letter of an option")
    assert q6.check(["a"]).mistake == "monetary_forgotten"


@pytest.mark.parametrize("answer", [____, "", "   ", [], "____"])
def test_choice_blank_is_not_attempted(answer, demo_world):
    assert q5.check(answer).status == "not_attempted"


def test_choice_expected_and_solution(demo_world):
    assert q5.expected() == "b" and q6.expected() == ["a", "c"]
    solution = str(q5.solution())
    assert "The answer is b." in solution and "High spenders silent for months" in solution


# ---------------------------------------------------------------------------- open problems


def test_open_answer_is_recorded_for_review_with_rubric_and_model_answer(demo_world):
    memo = (
        "Pick lapsed high spenders, send a personal coupon, keep a holdout group of ten "
        "percent, and compare how many order again in a month against the holdout group."
    )
    feedback = q7.check(memo)
    assert feedback.status == "correct" and feedback.manual_review
    assert feedback.message.startswith("Recorded for review by your instructor.")
    assert "Rubric:\n- Names the target segment\n- Proposes a measurable offer" in feedback.message
    assert "Model answer:\nTarget the high spenders" in feedback.message


def test_open_answer_too_short(demo_world):
    feedback = q7.check("Send coupons.")
    assert feedback.status == "incorrect" and feedback.mistake == "too_short"
    assert "at least 20 words" in feedback.message


def test_open_answer_custom_mistake(demo_world):
    memo = " ".join(["Send every lapsed customer a coupon and count the orders."] * 3)
    assert q7.check(memo).mistake == "no_holdout"


def test_chinese_characters_count_as_words(zh_world):
    memo = "针对三个月未下单的高价值客户发放优惠券，并保留对照组来衡量效果。"
    assert q7.check(memo).status == "correct"
    assert q7.check("发优惠券").mistake == "too_short"
    assert q7.expected().startswith("针对三个月")


@pytest.mark.parametrize("answer", [____, "", "  \n ", "____", "YOUR ANSWER HERE", "TODO ..."])
def test_open_placeholder_is_not_attempted(answer, demo_world):
    assert q7.check(answer).status == "not_attempted"


# ---------------------------------------------------------------------------- hints, solutions


def test_hints_in_order_and_beyond_the_last():
    first = q1.hint()
    assert isinstance(first, Note)
    assert first.heading == "Hint 1 of 2" and first.body == "Start from completed orders only."
    assert q1.hint(2).body.startswith("Group by `customer_id`")
    beyond = q1.hint(3)
    assert beyond.body == t("hint.beyond", total=2, name="q1")
    assert "q1.solution()" in beyond.body


@pytest.mark.parametrize("n", [0, -1, "2", 1.5, True, None])
def test_strange_hint_numbers_get_a_friendly_note(n):
    assert q1.hint(n).body == t("hint.invalid", total=2, name="q1")


def test_a_problem_without_hints_says_so():
    assert q6.hint().body == t("hint.none", name="q6")


def test_hints_and_solutions_display_themselves():
    for note in (q1.hint(), q1.solution(), q3.solution(), q6.solution(), q7.solution()):
        assert note._repr_html_().startswith("<div") and note._repr_markdown_()
        assert str(note) == repr(note)


def test_solution_code_text_and_defaults():
    assert q1.solution().code == "rfm = rfm_table(completed_orders())"
    assert q3.solution().body.startswith("Group the orders by status")
    assert q7.solution().body.startswith("Target the high spenders")
    course.set_lang("zh")
    assert q3.solution().body.startswith("按状态分组")
    assert q1.hint().heading == "提示 1/2"


def test_problem_attributes():
    assert (q1.id, q1.var, q1.name, q1.module) == ("demo.q1", "rfm", "q1", "demo")
    assert repr(q1) == "ValueProblem(demo.q1: Build the RFM table)"
    assert q1.solution_code == "rfm = rfm_table(completed_orders())"
    assert q5.solution_code is None  # a choice explains its answer in words
    assert q4.hint_texts("en") == ["Compare with `<=`."]
    assert q4.hint_texts("zh") == ["使用 `<=` 比较。"]


def test_a_tolerance_may_depend_on_the_data(demo_world):
    calls = []

    def spec():
        calls.append(1)
        return OneOfSpec(accepted=(11.0,), atol=0.01)

    problem = ValueProblem(id="demo.qtol", var="x", title=TITLE, reference=lambda: 10.0,
                           compare=spec)  # fmt: skip
    assert problem.check(10.005).passed and problem.check(11.0).passed
    assert not problem.check(10.5).passed
    assert len(calls) == 1  # evaluated once per world


# ---------------------------------------------------------------------------- progress


def test_checks_record_progress_except_not_attempted(demo_world):
    path = os.environ["COURSEKIT_PROGRESS"]
    q2.check(____)
    assert not os.path.exists(path)
    q2.check(1.0)
    q2.check(q2.expected())
    with open(path, encoding="utf-8") as fh:
        recorded = json.load(fh)
    assert recorded["problems"]["demo.q2"] == {"attempts": 2, "passes": 1}


def test_feedback_statuses_are_the_documented_ones():
    assert STATUSES == ("correct", "incorrect", "not_attempted", "error")


# ---------------------------------------------------------------------------- authoring


@pytest.mark.parametrize(
    "build",
    [
        lambda: ValueProblem(id="Q1", var="x", title=TITLE, reference=lambda: 1),
        lambda: ValueProblem(id="demo.q1", var="not a name", title=TITLE, reference=lambda: 1),
        lambda: ValueProblem(id="demo.q1", var="x", title={"en": "Total"}, reference=lambda: 1),
        lambda: ValueProblem(id="demo.q1", var="x", title=TITLE, reference=1),
        lambda: ValueProblem(
            id="demo.q1", var="x", title=TITLE, reference=lambda: 1, hints=[{"en": "only"}]
        ),
        lambda: ValueProblem(
            id="demo.q1",
            var="x",
            title=TITLE,
            reference=lambda: 1,
            mistakes=[Mistake("no_produce", en="a", zh="甲")],
        ),
        lambda: ValueProblem(
            id="demo.q1",
            var="x",
            title=TITLE,
            reference=lambda: 1,
            mistakes=[
                Mistake("same", en="a", zh="甲", produce=lambda e: 2),
                Mistake("same", en="b", zh="乙", produce=lambda e: 3),
            ],
        ),
        lambda: Mistake("Not Snake", en="a", zh="甲"),
        lambda: Mistake("no_chinese", en="a", zh=""),
        lambda: FunctionProblem(id="demo.q1", var="f", title=TITLE, reference=len, cases=[]),
        lambda: FunctionProblem(
            id="demo.q1", var="f", title=TITLE, reference=len, cases=[Case((1,))], time_limit=0
        ),
        lambda: Case((1,), label={"en": "one"}),
        lambda: ChoiceProblem(
            id="demo.q1", var="a", title=TITLE, options={"a": TITLE, "b": TITLE}, answer="c"
        ),
        lambda: ChoiceProblem(
            id="demo.q1", var="a", title=TITLE, options={"a": {"en": "x"}}, answer="a"
        ),
        lambda: ChoiceProblem(
            id="demo.q1",
            var="a",
            title=TITLE,
            options={"a": TITLE, "b": TITLE},
            answer="a",
            mistakes={"a": Mistake("right_is_wrong", en="x", zh="甲")},
        ),
        lambda: OpenProblem(
            id="demo.q1", var="m", title=TITLE, rubric=[TITLE], model_answer=TITLE, min_words=5
        ),
        lambda: OpenProblem(
            id="demo.q1", var="m", title=TITLE, rubric=[], model_answer=TITLE, min_words=1
        ),
    ],
)
def test_authoring_errors_are_raised_at_construction(build):
    with pytest.raises(AuthoringError):
        build()


def test_function_cases_built_lazily_are_validated_on_first_use(demo_world):
    problem = FunctionProblem(
        id="demo.qx", var="f", title=TITLE, reference=len, cases=lambda: ["not a case"]
    )
    feedback = problem.check(len)
    assert feedback.status == "error" and feedback.details["reason"] == "internal"
