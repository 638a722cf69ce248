"""Structured rubrics (criteria x levels x points) for open problems."""

from __future__ import annotations

import pytest

from coursekit.engine import AuthoringError, Criterion, OpenProblem, Rubric

LEVELS = [{"en": "missing", "zh": "缺失"}, {"en": "complete", "zh": "完整"}]
TARGETS = Criterion(
    title={"en": "Targets", "zh": "目标"},
    levels=[(0, {"en": "none", "zh": "无"}), (3, {"en": "with sizes", "zh": "有规模"})],
)
HOLDOUT = Criterion(
    title={"en": "Holdout", "zh": "对照组"},
    levels=[(0, {"en": "none", "zh": "无"}), (2, {"en": "a random 20%", "zh": "随机 20%"})],
)
MODEL = {
    "en": "Target the lapsed high spenders and keep a random holdout of twenty percent.",
    "zh": "针对沉睡的高价值客户，并随机留出百分之二十作为对照组。",
}


def memo(rubric) -> OpenProblem:
    return OpenProblem(
        id="demo.q9",
        var="memo",
        title={"en": "Memo", "zh": "备忘录"},
        rubric=rubric,
        model_answer=MODEL,
        min_words=5,
    )


def test_rubric_as_data():
    rubric = Rubric([TARGETS, HOLDOUT], levels=LEVELS)
    assert rubric.max_points == 5
    table = rubric.table("en")
    assert list(table.columns) == ["missing", "complete", "max points"]
    assert table.loc["Targets", "complete"] == "with sizes (3 pts)"
    assert table["max points"].tolist() == [3, 2]
    assert rubric.table("zh").loc["对照组", "完整"] == "随机 20%（2 分）"
    assert rubric.score([1, 0]) == 3 and rubric.score({0: 1, 1: 1}) == 5
    with pytest.raises(ValueError, match="one level per criterion"):
        rubric.score([1])
    with pytest.raises(ValueError, match="not one of"):
        rubric.score([2, 0])


def test_an_open_problem_with_a_rubric_shows_it_and_lists_it_for_grading(demo_world):
    problem = memo(Rubric([TARGETS, HOLDOUT], levels=LEVELS))
    feedback = problem.check("Target lapsed members with a coupon and hold out a random fifth.")
    assert feedback.status == "correct" and feedback.manual_review
    assert "Rubric (5 points):" in feedback.message
    assert "- Targets (up to 3 points): 0 = none; 3 = with sizes" in feedback.message
    texts = dict(problem.texts())
    assert [key for key in texts if key.startswith("rubric")] == ["rubric 1", "rubric 2"]
    assert texts["rubric 2"]["zh"] == "对照组（最高 2 分）：0 = 无；2 = 随机 20%"
    assert problem.rubric.max_points == 5


def test_a_list_rubric_still_works_and_has_no_structure(demo_world):
    problem = memo([{"en": "Names the target", "zh": "指出目标"}])
    assert problem.rubric is None
    assert dict(problem.texts())["rubric 1"] == {"en": "Names the target", "zh": "指出目标"}
    assert "Rubric:\n- Names the target" in problem.check(MODEL["en"]).message


@pytest.mark.parametrize(
    "build",
    [
        lambda: Rubric([TARGETS], levels=[LEVELS[0]]),  # one level only
        lambda: Rubric([], levels=LEVELS),
        lambda: Rubric(
            [Criterion({"en": "A", "zh": "甲"}, [(0, {"en": "x", "zh": "x"})])], levels=LEVELS
        ),  # fewer levels than the rubric
        lambda: Rubric(
            [Criterion({"en": "A", "zh": "甲"}, [(2, {"en": "x", "zh": "x"}), (2, LEVELS[1])])],
            levels=LEVELS,
        ),  # points do not rise
        lambda: Rubric([Criterion({"en": "A"}, [(0, LEVELS[0]), (1, LEVELS[1])])], levels=LEVELS),
        lambda: Rubric(
            [Criterion({"en": "A", "zh": "甲"}, [("0", LEVELS[0]), (1, LEVELS[1])])],
            levels=LEVELS,
        ),
        lambda: Rubric(["not a criterion"], levels=LEVELS),
    ],
)
def test_malformed_rubrics_are_authoring_errors(build):
    with pytest.raises(AuthoringError):
        build()
