"""Module 04, psychographic segmentation (心理特征细分): the problems of ``04_psychographic``.

The story: FreshNeighbor's marketing team surveyed members about their attitudes (price,
health, novelty, convenience, loyalty) and the benefits they seek. The trainee turns the
questionnaire export into numbers, keeps the answers fit for analysis, recodes the
reverse-keyed items, measures reliability, counts and reads the factors, segments members
on attitudes and behaviour, checks the segments against the hidden personas and estimates
a share of members from the respondents:

- q1: text labels to numbers (a blank is a skipped question, not a zero);
- q2: drop straight-liners and incomplete answers;
- q3: recode the reverse-keyed items (反向题);
- q4: Cronbach's alpha as a function;
- q5: alpha per scale (内部一致性);
- q6: the eigenvalues of the correlation matrix (the scree);
- q7: what the sixth factor is (choice);
- q8: features for k-means, logged and standardized;
- q9: the reveal: adjusted Rand index against the hidden personas;
- q10: from respondents to members: a weighted share.

Every reference is computed from the data in use with
:mod:`coursekit.methods.psychographic`. Each mistake's ``produce`` makes the wrong answer
the way a trainee would (a blank filled with 0, ``-x`` instead of ``6 - x``, eigenvalues
of the covariance matrix ...); mistakes that a trainee's answer shows only in part (one
column, one set of rows) also say how to recognise them with ``matches``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from coursekit import course, state
from coursekit.engine import (
    Case,
    ChoiceProblem,
    FrameSpec,
    FunctionProblem,
    Mistake,
    ScalarSpec,
    SeriesSpec,
    ValueProblem,
    ____,
    per_world,
)
from coursekit.engine.recognize import column_by_key, same_numbers
from coursekit.methods.psychographic import (
    AGREE_LABELS,
    IMPORTANCE_LABELS,
    complete_answers,
    construct_items,
    cronbach_alpha,
    factor_constructs,
    fit_efa,
    likert_to_numbers,
    order_behaviour,
    poststratified_share,
    reverse_key,
    reverse_keyed_items,
    scale_scores,
    standardize,
    straight_liners,
)
from coursekit.methods.psychographic import kmeans_segments as _kmeans_segments
from coursekit.synth.io import raw_export_path

__all__ = ["NOTEBOOK", "PROBLEMS", "____", "q1", "q2", "q3", "q4", "q5", "q6", "q7", "q8",
           "q9", "q10"]  # fmt: skip

NOTEBOOK = "04_psychographic"

#: Age groups for weighting respondents to the members (q10); wide enough that every group
#: has respondents even in a small world.
AGE_BINS = (0, 35, 45, 55, 200)
AGE_LABELS = ("under 35", "35-44", "45-54", "55+")
#: Number of attitude factors kept and of segments (q8, q9).
N_FACTORS = 5
N_SEGMENTS = 6
#: "Health-minded" in q10: a mean of at least this on the keyed health items.
HEALTH_CUT = 4


# ---------------------------------------------------------------------------- shared data
#
# The cleaning, keying and factor steps build on each other; each is computed once per
# world (coursekit.engine.cache) and never modified: helpers that change a frame copy it.


@per_world
def _items() -> pd.DataFrame:
    return course.load("survey_items")


@per_world
def _attitude() -> list[str]:
    items = _items()
    return items.loc[items["block"] == "attitude", "item"].astype(str).tolist()


@per_world
def _benefit() -> list[str]:
    items = _items()
    return items.loc[items["block"] == "benefit", "item"].astype(str).tolist()


@per_world
def _reversed() -> list[str]:
    return reverse_keyed_items(_items())


@per_world
def _scales() -> dict[str, list[str]]:
    """The items of each attitude construct (the benefit items are one per benefit)."""
    attitude = set(_attitude())
    return {
        construct: members
        for construct, members in construct_items(_items()).items()
        if set(members) <= attitude
    }


@per_world
def _construct_of() -> pd.Series:
    return _items().set_index("item")["construct"]


@per_world
def _export() -> pd.DataFrame:
    path = raw_export_path(course.data_dir(), "survey_export.csv")
    return pd.read_csv(path, encoding="utf-8-sig", dtype={"手机号": str})


@per_world
def _numbers() -> pd.DataFrame:
    items = _items()["item"].astype(str).tolist()
    return likert_to_numbers(_export(), _items())[items]


@per_world
def _survey() -> pd.DataFrame:
    return course.load("survey")


@per_world
def _straight() -> pd.Series:
    return straight_liners(_survey()[_attitude()])


@per_world
def _complete() -> pd.Series:
    return complete_answers(_survey()[_attitude()])


@per_world
def _clean() -> pd.DataFrame:
    return _survey()[~_straight() & _complete()]


@per_world
def _keyed() -> pd.DataFrame:
    """The clean answers' attitude items with the reverse-keyed ones recoded, and the key."""
    return reverse_key(_clean()[["customer_id", *_attitude()]], _reversed())


def _keyed_items() -> pd.DataFrame:
    keyed = _keyed()
    return keyed.set_index("customer_id")[_attitude()]


def _alphas_of(items: pd.DataFrame) -> pd.Series:
    return pd.Series(
        {construct: cronbach_alpha(items[members]) for construct, members in _scales().items()},
        name="alpha",
    ).rename_axis("construct")


@per_world
def _alphas() -> pd.Series:
    return _alphas_of(_keyed_items())


@per_world
def _eigenvalues() -> np.ndarray:
    values = _keyed_items().to_numpy(dtype="float64")
    return np.linalg.eigvalsh(np.corrcoef(values, rowvar=False))[::-1]


@per_world
def _factor_scores() -> pd.DataFrame:
    """Attitude factor scores of the clean respondents, columns named by construct."""
    items = _keyed_items()
    model = fit_efa(items, N_FACTORS)
    names = factor_constructs(model.loadings, _construct_of())
    return model.scores(items).rename(columns=names.to_dict())


@per_world
def _behaviour() -> pd.DataFrame:
    return order_behaviour(course.load("orders"))


@per_world
def _hybrid() -> pd.DataFrame:
    """Factor scores and three behaviour measures of the respondents who bought."""
    behaviour = _behaviour()[["online_share", "orders", "avg_order_value"]]
    return _factor_scores().join(behaviour, how="inner")


def _logged(hybrid: pd.DataFrame) -> pd.DataFrame:
    return hybrid.assign(
        orders=np.log(hybrid["orders"]), avg_order_value=np.log(hybrid["avg_order_value"])
    )


@per_world
def _features() -> pd.DataFrame:
    return standardize(_logged(_hybrid()))


@per_world
def _segments() -> pd.Series:
    return _kmeans_segments(_features(), N_SEGMENTS, seed=0)


@per_world
def _persona() -> pd.Series:
    # state.hidden: in a world handed out without truth/, rebuilt from its seed.
    return state.hidden("truth").set_index("customer_id")["persona"]


@per_world
def _age_group() -> pd.Series:
    customers = course.load("customers").set_index("customer_id")
    return age_groups(customers["age"])


@per_world
def _health_minded() -> pd.Series:
    scores = scale_scores(_keyed_items(), _construct_of())
    return (scores["health_consciousness"] >= HEALTH_CUT).rename("health_minded")


def age_groups(age: pd.Series) -> pd.Series:
    """The age group of each member for weighting (q10): under 35, 35-44, 45-54, 55+."""
    return pd.cut(age, bins=list(AGE_BINS), right=False, labels=list(AGE_LABELS)).rename(
        "age_group"
    )


# ---------------------------------------------------------------------------- recognising


def _ids(answer: Any) -> frozenset | None:
    """The customer ids of a per-respondent table (a column or the index), or None."""
    if not isinstance(answer, pd.DataFrame):
        return None
    try:
        if "customer_id" in answer.columns:
            ids = answer["customer_id"]
        elif answer.index.name == "customer_id":
            ids = answer.index.to_series()
        else:
            return None
        if not isinstance(ids, pd.Series) or ids.isna().any():
            return None
        return frozenset(int(v) for v in ids)
    except (TypeError, ValueError, OverflowError):
        return None


def _has_rows_of(rows: pd.DataFrame):
    """``matches``: the answer keeps exactly the customers of ``rows``."""
    wanted = frozenset(int(v) for v in rows["customer_id"])
    return lambda answer, expected: _ids(answer) == wanted


def _columns_are(answer: Any, wrong: pd.DataFrame, columns: list[str]) -> bool:
    """True when each of ``columns`` of a per-customer answer equals ``wrong``'s."""
    by_key = wrong.set_index("customer_id")
    return all(same_numbers(column_by_key(answer, column), by_key[column]) for column in columns)


def _number(answer: Any) -> float | None:
    if isinstance(answer, bool | np.bool_) or not isinstance(answer, int | float | np.number):
        return None
    value = float(answer)
    return value if np.isfinite(value) else None


def _near(answer: Any, target: float, tolerance: float) -> bool:
    value = _number(answer)
    return value is not None and abs(value - target) <= tolerance


# ---------------------------------------------------------------------------- q1 numbers


def _map_labels(labels: dict[str, int], fill: Any = None) -> pd.DataFrame:
    """The question columns mapped with ``labels`` and renamed to the item codes."""
    export = _export()
    questions = [col for col in export.columns if str(col)[:1].isdigit()]
    mapped = pd.DataFrame(
        {
            item: export[question].astype("string").str.strip().str.lower().map(labels)
            for item, question in zip(_items()["item"], questions, strict=True)
        }
    ).astype("float64")
    return mapped if fill is None else mapped.fillna(fill)


@per_world
def _alphabetical_codes() -> pd.DataFrame:
    """``astype("category").cat.codes + 1``: categories sorted as text, not by the scale."""
    export = _export()
    questions = [col for col in export.columns if str(col)[:1].isdigit()]
    return pd.DataFrame(
        {
            item: (export[question].astype("category").cat.codes + 1).astype("int64")
            for item, question in zip(_items()["item"], questions, strict=True)
        }
    )


def _is_alphabetical(answer: Any, expected: pd.DataFrame) -> bool:
    """The answer's codes equal the text-sorted category codes wherever an answer exists
    (whatever it did with the blanks)."""
    if not isinstance(answer, pd.DataFrame) or len(answer) != len(expected):
        return False
    codes = _alphabetical_codes()
    answered = expected.notna().to_numpy()
    for item in expected.columns:
        if item not in answer.columns:
            return False
    try:
        given = answer[list(expected.columns)].to_numpy(dtype="float64", na_value=np.nan)
    except (TypeError, ValueError):
        return False
    wrong = codes.to_numpy(dtype="float64")
    return bool(np.array_equal(given[answered], wrong[answered]))


def _benefit_labels_left(answer: Any, expected: pd.DataFrame) -> bool:
    """The attitude items are right and the benefit items hold no number where the answer
    was an importance label: mapped to NaN (`map` with the agreement labels only) or left
    as text (`replace` with them)."""
    if not isinstance(answer, pd.DataFrame) or len(answer) != len(expected):
        return False
    if any(item not in answer.columns for item in expected.columns):
        return False
    try:
        attitude = answer[_attitude()].to_numpy(dtype="float64", na_value=np.nan)
        benefit = answer[_benefit()].apply(pd.to_numeric, errors="coerce")
    except (TypeError, ValueError):
        return False
    right = expected[_attitude()].to_numpy(dtype="float64", na_value=np.nan)
    if not np.array_equal(attitude, right, equal_nan=True):
        return False
    # 一般 (3) is a label of both scales, so only the other importance answers are lost.
    lost = (expected[_benefit()].fillna(3) != 3).to_numpy(dtype=bool)
    return bool(lost.any() and benefit.isna().to_numpy()[lost].all())


q1 = ValueProblem(
    id="psychographic.q1",
    var="numbers",
    title={"en": "Text answers to numbers", "zh": "把文字选项转换为数字"},
    reference=lambda: _numbers(),
    compare=FrameSpec(allow_extra_columns=True),
    mistakes=[
        Mistake(
            "skipped_as_zero",
            en=(
                "A blank cell is a question the respondent skipped: it must stay missing "
                "(NaN), not become 0. A 0 is not even on the 1-5 scale, and every mean and "
                "alpha computed later would be dragged down by answers nobody gave."
            ),
            zh=(
                "空白单元格表示受访者跳过了这道题：它应保持缺失（NaN），而不是变成 0。"
                "0 根本不在 1–5 的量表上，之后计算的每个均值和 alpha "
                "都会被这些从未给出的答案拉低。"
            ),
            produce=lambda expected: _map_labels({**AGREE_LABELS, **IMPORTANCE_LABELS}, fill=0),
        ),
        Mistake(
            "importance_labels_unmapped",
            en=(
                "The benefit questions (b01-b06) hold almost no numbers (missing values or "
                "text): they are answered on their own scale, 非常不重要 (1) … 非常重要 (5). "
                "Map the importance labels too, not only the agreement labels."
            ),
            zh=(
                "利益诉求题（b01–b06）几乎没有数字（全是缺失值或文字）：它们用的是另一套选项，"
                "非常不重要（1）…… 非常重要（5）。除了同意程度的选项，"
                "重要程度的选项也要转换。"
            ),
            produce=lambda expected: _map_labels(AGREE_LABELS),
            matches=_benefit_labels_left,
        ),
        Mistake(
            "scale_reversed",
            en=(
                "Your numbers run the other way: 非常同意 (strongly agree) became 1 and "
                "非常不同意 5. The course scores agreement and importance upwards, 1 = "
                "非常不同意 / 非常不重要 up to 5 = 非常同意 / 非常重要, so that a higher "
                "number means more of an attitude."
            ),
            zh=(
                "你的数字方向反了：非常同意变成了 1，非常不同意变成了 5。"
                "本课程按从低到高计分：1 = 非常不同意 / 非常不重要，5 = 非常同意 / 非常重要，"
                "数字越大表示这种态度越强。"
            ),
            produce=lambda expected: 6 - _map_labels({**AGREE_LABELS, **IMPORTANCE_LABELS}),
        ),
        Mistake(
            "alphabetical_codes",
            en=(
                "These numbers are category codes in the order the labels sort as text, not "
                "in the order of the scale (一般 came first). `astype('category').cat.codes` "
                "knows nothing of agreement: write the mapping label -> number yourself."
            ),
            zh=(
                "这些数字是按文字排序得到的类别编码，而不是量表的顺序（“一般”排在了最前面）。"
                "`astype('category').cat.codes` 并不懂同意程度：请自己写出“选项 → 数字”的对照。"
            ),
            produce=lambda expected: _alphabetical_codes(),
            matches=_is_alphabetical,
        ),
    ],
    hints=[
        {
            "en": (
                "Look at the labels: `pd.unique(export.iloc[:, 5:].values.ravel())`. Write a "
                "dict label -> number for both scales (agreement and importance); 一般 is 3 "
                "in both."
            ),
            "zh": (
                "先看看有哪些选项：`pd.unique(export.iloc[:, 5:].values.ravel())`。"
                "为两套选项（同意程度和重要程度）写一个“选项 → 数字”的字典；"
                "“一般”在两套里都是 3。"
            ),
        },
        {
            "en": (
                "`export[questions].apply(lambda answers: answers.map(labels))` maps every "
                "column; a blank (NaN) maps to NaN. Then set the columns to "
                "`survey_items['item']`: the questions are in the questionnaire's order."
            ),
            "zh": (
                "`export[questions].apply(lambda answers: answers.map(labels))` 会转换每一列；"
                "空白（NaN）转换后仍是 NaN。然后把列名设为 `survey_items['item']`："
                "题目与问卷的顺序一致。"
            ),
        },
    ],
    solution=(
        'labels = {"非常不同意": 1, "不同意": 2, "一般": 3, "同意": 4, "非常同意": 5,\n'
        '          "非常不重要": 1, "不重要": 2, "重要": 4, "非常重要": 5}\n'
        "questions = [column for column in export.columns if column[0].isdigit()]\n"
        "numbers = export[questions].apply(lambda answers: answers.map(labels))\n"
        'numbers.columns = survey_items["item"].tolist()'
    ),
)


# ---------------------------------------------------------------------------- q2 clean


def _rows(keep: pd.Series) -> pd.DataFrame:
    return _survey()[keep.to_numpy()]


@per_world
def _answered_every_item() -> pd.Series:
    survey = _survey()
    return complete_answers(survey[[*_attitude(), *_benefit()]])


@per_world
def _benefit_gaps_dropped() -> pd.DataFrame:
    return _survey()[(~_straight() & _answered_every_item()).to_numpy()]


@per_world
def _dropna_only() -> pd.DataFrame:
    """``survey.dropna()``: every row with a gap anywhere goes, the straight-liners stay."""
    return _survey()[_answered_every_item().to_numpy()]


q2 = ValueProblem(
    id="psychographic.q2",
    var="clean",
    title={"en": "Answers fit for analysis", "zh": "筛选可用于分析的答卷"},
    reference=lambda: _clean(),
    compare=FrameSpec(key="customer_id", ignore_row_order=True, allow_extra_columns=True),
    mistakes=[
        Mistake(
            "straight_liners_and_incomplete_kept",
            en=(
                "Every respondent is still there. Straight-liners (the same box for every "
                "attitude item, reversed ones included) did not read the questions, and "
                "respondents with a skipped attitude item cannot be scored on every scale: "
                "drop both."
            ),
            zh=(
                "所有受访者都还在。直线作答者（所有态度题、包括反向题都勾同一个选项）"
                "并没有认真读题；跳过了态度题的受访者无法在每个量表上计分：两类都要去掉。"
            ),
            produce=lambda expected: _survey(),
            matches=lambda answer, expected: _has_rows_of(_survey())(answer, expected),
        ),
        Mistake(
            "straight_liners_kept",
            en=(
                "You dropped the incomplete answers but kept the straight-liners: people "
                "who gave one answer to all 20 attitude items, agreeing with a statement and "
                "with its opposite. Their answers carry no attitude and inflate agreement."
            ),
            zh=(
                "你去掉了不完整的答卷，却保留了直线作答者：他们对 20 道态度题给出同一个答案，"
                "既同意一句话也同意它的反面。这样的答案不反映任何态度，还会虚增同意比例。"
            ),
            produce=lambda expected: _rows(_complete()),
            matches=lambda answer, expected: _has_rows_of(_rows(_complete()))(answer, expected),
        ),
        Mistake(
            "incomplete_kept",
            en=(
                "You dropped the straight-liners but kept respondents who skipped an "
                "attitude item. Alpha, factor analysis and k-means need every item: keep "
                "the rows where all of q01-q20 are answered."
            ),
            zh=(
                "你去掉了直线作答者，却保留了跳过态度题的受访者。alpha、因子分析和 k-means "
                "都需要每道题的答案：只保留 q01–q20 全部作答的行。"
            ),
            produce=lambda expected: _rows(~_straight()),
            matches=lambda answer, expected: _has_rows_of(_rows(~_straight()))(answer, expected),
        ),
        Mistake(
            "benefit_gaps_dropped",
            en=(
                "You also dropped respondents who skipped a benefit question (b01-b06). The "
                "attitude analysis does not use those items: each analysis drops only the "
                "rows that miss its own items, so no more people are lost than needed."
            ),
            zh=(
                "你把跳过利益诉求题（b01–b06）的受访者也去掉了。态度分析并不用这些题："
                "每项分析只去掉缺少它自己所需题目的行，以免无谓地损失受访者。"
            ),
            produce=lambda expected: _benefit_gaps_dropped(),
            matches=lambda answer, expected: _has_rows_of(_benefit_gaps_dropped())(
                answer, expected
            ),
        ),
        Mistake(
            "dropna_only",
            en=(
                "`survey.dropna()` alone does two things wrong: it keeps the straight-liners "
                "(their answers are complete, just meaningless), and it drops respondents "
                "who only skipped a benefit question (b01-b06), which the attitude analysis "
                "does not use. Flag straight-liners over q01-q20, and require complete "
                "answers on q01-q20 only."
            ),
            zh=(
                "只用 `survey.dropna()` 会犯两个错误：它保留了直线作答者（他们的答案完整，"
                "只是没有意义），又去掉了只跳过利益诉求题（b01–b06）的受访者，"
                "而态度分析并不用这些题。请按 q01–q20 标记直线作答者，"
                "并只要求 q01–q20 作答完整。"
            ),
            produce=lambda expected: _dropna_only(),
            matches=lambda answer, expected: _has_rows_of(_dropna_only())(answer, expected),
        ),
    ],
    hints=[
        {
            "en": (
                "A straight-liner has one distinct answer over q01-q20: "
                "`survey[attitude].nunique(axis=1) == 1`. A complete row has no missing "
                "attitude answer: `survey[attitude].notna().all(axis=1)`."
            ),
            "zh": (
                "直线作答者在 q01–q20 上只有一种答案：`survey[attitude].nunique(axis=1) == 1`。"
                "完整的答卷没有缺失的态度题：`survey[attitude].notna().all(axis=1)`。"
            ),
        },
        {
            "en": (
                "Keep the rows that are complete and not straight-lined: "
                "`survey[~straight & complete]`."
            ),
            "zh": "保留完整且不是直线作答的行：`survey[~straight & complete]`。",
        },
    ],
    solution=(
        "straight = survey[attitude].nunique(axis=1) == 1\n"
        "complete = survey[attitude].notna().all(axis=1)\n"
        "clean = survey[~straight & complete]"
    ),
)


# ---------------------------------------------------------------------------- q3 keyed


def _recoded(recode) -> pd.DataFrame:
    """The clean attitude answers with the reverse-keyed items recoded by ``recode``."""
    frame = _clean()[["customer_id", *_attitude()]].copy()
    for item in _reversed():
        frame[item] = recode(frame[item])
    return frame


def _every_item_recoded() -> pd.DataFrame:
    frame = _clean()[["customer_id", *_attitude()]].copy()
    frame[_attitude()] = 6 - frame[_attitude()]
    return frame


def _forward_items() -> list[str]:
    return [item for item in _attitude() if item not in _reversed()]


q3 = ValueProblem(
    id="psychographic.q3",
    var="keyed",
    title={"en": "Recode the reverse-keyed items", "zh": "反向题重新计分"},
    reference=lambda: _keyed(),
    compare=FrameSpec(key="customer_id", ignore_row_order=True, allow_extra_columns=True),
    mistakes=[
        Mistake(
            "reverse_items_not_recoded",
            en=(
                "The reverse-keyed items hold the answers as given: they were not recoded, "
                "or recoded twice (running `keyed[item] = 6 - keyed[item]` a second time "
                "undoes the first). Recode each reverse-keyed item exactly once, from the "
                "original answers."
            ),
            zh=(
                "反向题仍是原始答案：要么没有重新计分，要么计分了两次"
                "（第二次运行 `keyed[item] = 6 - keyed[item]` 会把第一次抵消）。"
                "每道反向题只从原始答案重新计分一次。"
            ),
            produce=lambda expected: _recoded(lambda x: x),
            matches=lambda answer, expected: _columns_are(
                answer, _recoded(lambda x: x), _reversed()
            ),
        ),
        Mistake(
            "recoded_as_minus_x",
            en=(
                "`-x` turns the order around but leaves the scale: a 5 becomes -5, off the "
                "1-5 range, and every scale mean shifts. On a 1-5 scale recode with "
                "6 - x (lowest + highest - x), so 1 <-> 5, 2 <-> 4 and 3 stays 3."
            ),
            zh=(
                "`-x` 虽然把顺序反了过来，却离开了量表：5 变成 -5，不在 1–5 之内，"
                "每个量表均值都会偏移。在 1–5 量表上应当用 6 - x（最低分 + 最高分 - x）"
                "重新计分：1 与 5 互换、2 与 4 互换，3 不变。"
            ),
            produce=lambda expected: _recoded(lambda x: -x),
            matches=lambda answer, expected: _columns_are(
                answer, _recoded(lambda x: -x), _reversed()
            ),
        ),
        Mistake(
            "recoded_as_five_minus_x",
            en=(
                "5 - x gives 0..4: the order is right but the scale is off by one, so the "
                "reversed items pull every scale mean down by a quarter point. On a 1-5 scale "
                "it is 6 - x (lowest + highest - x)."
            ),
            zh=(
                "5 - x 得到的是 0..4：顺序对了，但量表差了 1，反向题会把每个量表均值拉低 "
                "0.25 分。在 1–5 量表上应当是 6 - x（最低分 + 最高分 - x）。"
            ),
            produce=lambda expected: _recoded(lambda x: 5 - x),
            matches=lambda answer, expected: _columns_are(
                answer, _recoded(lambda x: 5 - x), _reversed()
            ),
        ),
        Mistake(
            "every_item_recoded",
            en=(
                "You recoded the forward items too. Only the reverse-keyed items (the "
                "`reverse_keyed` column of survey_items) say the opposite of their "
                "construct; recoding all of them just turns every scale upside down."
            ),
            zh=(
                "你把正向题也重新计分了。只有反向题（survey_items 的 `reverse_keyed` 列）"
                "与其维度的方向相反；把所有题都反过来，只会让每个量表整体颠倒。"
            ),
            produce=lambda expected: _every_item_recoded(),
            matches=lambda answer, expected: _columns_are(
                answer, _every_item_recoded(), _forward_items()
            ),
        ),
    ],
    hints=[
        {
            "en": (
                "`survey_items.loc[survey_items['reverse_keyed'], 'item']` lists the "
                "reverse-keyed items. Work on a copy: `keyed = clean.copy()`."
            ),
            "zh": (
                "`survey_items.loc[survey_items['reverse_keyed'], 'item']` 列出了反向题。"
                "在副本上操作：`keyed = clean.copy()`。"
            ),
        },
        {
            "en": (
                "On a 1-5 scale the recoded answer is 6 - x: `keyed[reversed_items] = 6 - "
                "clean[reversed_items]` (from `clean`, so rerunning the cell does no harm)."
            ),
            "zh": (
                "在 1–5 量表上，重新计分后的答案是 6 - x："
                "`keyed[reversed_items] = 6 - clean[reversed_items]`"
                "（从 `clean` 计算，重复运行这个单元格也不会出错）。"
            ),
        },
    ],
    solution=(
        'reversed_items = survey_items.loc[survey_items["reverse_keyed"], "item"].tolist()\n'
        "keyed = clean.copy()\n"
        "keyed[reversed_items] = 6 - clean[reversed_items]"
    ),
)


# ---------------------------------------------------------------------------- q4 cronbach()


def _alpha_population_item_variances(items):
    """numpy's var (ddof=0) for the items, pandas' var (ddof=1) for the total."""
    complete = items.dropna()
    k = complete.shape[1]
    item_variances = complete.to_numpy(dtype="float64").var(axis=0).sum()
    return k / (k - 1) * (1 - item_variances / complete.sum(axis=1).var())


def _alpha_without_correction(items):
    complete = items.dropna()
    return 1 - complete.var().sum() / complete.sum(axis=1).var()


def _alpha_incomplete_rows_kept(items):
    """No dropna: each variance on its own rows, a skipped answer counted as 0 in the sum."""
    k = items.shape[1]
    return k / (k - 1) * (1 - items.var().sum() / items.sum(axis=1).var())


def _alpha_from_standard_deviations(items):
    complete = items.dropna()
    k = complete.shape[1]
    return k / (k - 1) * (1 - complete.std().sum() / complete.sum(axis=1).std())


def _standardized_alpha(items):
    """Alpha from the mean inter-item correlation (the "standardized" alpha)."""
    correlations = items.dropna().corr().to_numpy()
    k = correlations.shape[0]
    mean_r = (correlations.sum() - k) / (k * (k - 1))
    return k * mean_r / (1 + (k - 1) * mean_r)


def _cronbach_cases() -> list[Case]:
    keyed = _keyed_items()
    price = _scales()["price_consciousness"]
    convenience = _scales()["convenience_orientation"]
    return [
        Case(
            (
                pd.DataFrame(
                    {"a": [1, 2, 3, 4, 5, 3], "b": [2, 2, 3, 5, 4, 3], "c": [1, 3, 3, 4, 5, 2]}
                ),
            ),
            label={"en": "three items, six respondents", "zh": "三道题、六位受访者"},
        ),
        Case(
            (pd.DataFrame({"a": [1, 2, 4, 5], "b": [1, 2, 4, 5]}),),
            label={"en": "two identical items (alpha 1)", "zh": "两道完全相同的题（alpha 为 1）"},
        ),
        Case(
            (pd.DataFrame({"a": [1, 2, 3, 4, 5], "b": [5, 4, 3, 2, 1], "c": [2, 3, 3, 4, 4]}),),
            label={
                "en": "an item that says the opposite (alpha below 0)",
                "zh": "一道方向相反的题（alpha 小于 0）",
            },
        ),
        Case(
            (
                pd.DataFrame(
                    {
                        "a": [4.0, 2, np.nan, 5, 3, 1, 4],
                        "b": [5.0, 2, 4, 4, 3, 2, 4],
                        "c": [4.0, 1, 5, 5, np.nan, 2, 3],
                    }
                ),
            ),
            label={
                "en": "skipped answers: drop the incomplete rows",
                "zh": "有跳过的题：去掉不完整的行",
            },
        ),
        Case(
            (keyed[price].astype("float64"),),
            label={"en": "the keyed price scale", "zh": "重新计分后的价格敏感量表"},
        ),
        Case(
            (_clean()[convenience].astype("float64").reset_index(drop=True),),
            label={
                "en": "the convenience scale as answered (not keyed)",
                "zh": "原始作答的便利导向量表（未重新计分）",
            },
        ),
    ]


q4 = FunctionProblem(
    id="psychographic.q4",
    var="cronbach",
    title={"en": "Cronbach's alpha as a function", "zh": "编写 Cronbach's alpha 函数"},
    reference=cronbach_alpha,
    cases=_cronbach_cases,
    compare=ScalarSpec(rtol=1e-6, atol=1e-9),
    time_limit=2.0,
    mistakes=[
        Mistake(
            "mixed_variance_ddof",
            en=(
                "The item variances and the variance of the total are computed two ways: "
                "numpy's `var` divides by n (ddof=0), pandas' `var` by n - 1 (ddof=1). The "
                "ratio only works when both use the same: use pandas' `.var()` for both."
            ),
            zh=(
                "题目方差与总分方差用了两种算法：numpy 的 `var` 除以 n（ddof=0），"
                "pandas 的 `var` 除以 n - 1（ddof=1）。两者的比值只有在算法一致时才有意义："
                "两处都用 pandas 的 `.var()`。"
            ),
            produce=lambda reference: _alpha_population_item_variances,
        ),
        Mistake(
            "no_k_correction",
            en=(
                "The factor k / (k - 1) is missing: alpha = k / (k - 1) x (1 - sum of item "
                "variances / variance of the total). Without it two identical items give 0.5 "
                "instead of 1."
            ),
            zh=(
                "少了系数 k / (k - 1)：alpha = k / (k - 1) ×（1 - 题目方差之和 / 总分方差）。"
                "没有它，两道完全相同的题得到的是 0.5 而不是 1。"
            ),
            produce=lambda reference: _alpha_without_correction,
        ),
        Mistake(
            "incomplete_rows_kept",
            en=(
                "With skipped answers the result is off: pandas computes each variance on "
                "the rows that have that item and `sum(axis=1)` counts a skipped answer as "
                "0. Drop the incomplete rows first (`items.dropna()`), so that every "
                "variance describes the same people."
            ),
            zh=(
                "有跳过的题时结果不对：pandas 对每道题只用有答案的行计算方差，"
                "而 `sum(axis=1)` 会把跳过的题当作 0。先去掉不完整的行（`items.dropna()`），"
                "让每个方差都来自同一批人。"
            ),
            produce=lambda reference: _alpha_incomplete_rows_kept,
        ),
        Mistake(
            "standard_deviations_not_variances",
            en=(
                "Alpha compares variances, not standard deviations: 1 - (sum of item "
                "variances) / (variance of the total), with `.var()`, not `.std()`."
            ),
            zh=(
                "alpha 比较的是方差而不是标准差：1 - 题目方差之和 / 总分方差，"
                "用 `.var()` 而不是 `.std()`。"
            ),
            produce=lambda reference: _alpha_from_standard_deviations,
        ),
        Mistake(
            "standardized_alpha",
            en=(
                "That is the standardized alpha, k x r / (1 + (k - 1) x r) from the mean "
                "correlation r between the items: it treats every item as if it had the same "
                "spread. Cronbach's alpha, the one reported with a scale, works on the "
                "variances as answered: k / (k - 1) x (1 - sum of item variances / variance "
                "of the total)."
            ),
            zh=(
                "这是标准化 alpha，k × r /（1 + (k - 1) × r），r 为题目之间的平均相关："
                "它把每道题都当作离散程度相同。量表通常报告的 Cronbach's alpha "
                "用的是原始作答的方差：k / (k - 1) ×（1 - 题目方差之和 / 总分方差）。"
            ),
            produce=lambda reference: _standardized_alpha,
        ),
    ],
    hints=[
        {
            "en": (
                "Start with `complete = items.dropna()` and `k = complete.shape[1]`. The total "
                "is `complete.sum(axis=1)`."
            ),
            "zh": (
                "先写 `complete = items.dropna()` 和 `k = complete.shape[1]`。"
                "总分是 `complete.sum(axis=1)`。"
            ),
        },
        {
            "en": (
                "alpha = k / (k - 1) * (1 - complete.var().sum() / total.var()); both "
                "variances with pandas' `.var()` (ddof=1)."
            ),
            "zh": (
                "alpha = k / (k - 1) * (1 - complete.var().sum() / total.var())；"
                "两个方差都用 pandas 的 `.var()`（ddof=1）。"
            ),
        },
    ],
    solution=(
        "def cronbach(items):\n"
        "    complete = items.dropna()\n"
        "    k = complete.shape[1]\n"
        "    total = complete.sum(axis=1)\n"
        "    return k / (k - 1) * (1 - complete.var().sum() / total.var())"
    ),
)


# ---------------------------------------------------------------------------- q5 alphas

#: Right answers rounded to 3 decimals pass; keeping the straight-liners moves an alpha by
#: 0.004-0.035 on the course worlds (the smallest gap seen), everything else by more.
ALPHA_TOLERANCE = 6e-4


@per_world
def _all_items_alphas() -> tuple[float, float]:
    keyed = _keyed_items()
    answered = _clean().set_index("customer_id")[_attitude()]
    return cronbach_alpha(keyed), cronbach_alpha(answered)


def _is_alpha_over_all_items(answer: Any, expected: pd.Series) -> bool:
    """One number (or the same number for every scale) that is alpha over all items."""
    targets = _all_items_alphas()
    if isinstance(answer, pd.Series | pd.DataFrame):
        values = pd.Series(np.asarray(answer, dtype="object").ravel())
        numbers = pd.to_numeric(values, errors="coerce")
        if numbers.isna().any() or numbers.nunique() != 1:
            return False
        answer = float(numbers.iloc[0])
    return any(_near(answer, target, ALPHA_TOLERANCE) for target in targets)


def _alphas_straight_kept_of(survey: pd.DataFrame) -> pd.Series:
    return _alphas_of(reverse_key(survey.set_index("customer_id")[_attitude()], _reversed()))


@per_world
def _alphas_with_straight_liners() -> pd.Series:
    """Alphas with the straight-liners kept, each scale on its own complete rows."""
    return _alphas_straight_kept_of(_survey())


@per_world
def _alphas_with_straight_liners_complete() -> pd.Series:
    """The same on the rows complete on every attitude item (``dropna(subset=attitude)``)."""
    return _alphas_straight_kept_of(_rows(_complete()))


def _is_straight_liners_kept(answer: Any, expected: pd.Series) -> bool:
    spec = SeriesSpec(ignore_order=True, rtol=0.0, atol=ALPHA_TOLERANCE)
    return any(
        spec.compare(wrong, answer).equal
        for wrong in (_alphas_with_straight_liners(), _alphas_with_straight_liners_complete())
    )


q5 = ValueProblem(
    id="psychographic.q5",
    var="alphas",
    title={"en": "Alpha of every scale", "zh": "每个量表的 alpha"},
    reference=lambda: _alphas(),
    # matched by construct: a groupby gives them sorted, a loop in questionnaire order
    compare=SeriesSpec(ignore_order=True, rtol=0.0, atol=ALPHA_TOLERANCE),
    mistakes=[
        Mistake(
            "recoded_twice",
            en=(
                "These are the alphas of the items as answered: the reverse-keyed items "
                "were recoded twice (`keyed` is recoded already; recoding it again undoes "
                "it) or not at all. An item that says the opposite cancels the others out, "
                "so alpha falls to a third of its value."
            ),
            zh=(
                "这是按原始答案算出的 alpha：反向题被重新计分了两次"
                "（`keyed` 已经计分过，再计分一次就抵消了）或者根本没有计分。"
                "方向相反的题会抵消其他题，alpha 跌到原来的三分之一左右。"
            ),
            produce=lambda expected: _alphas_of(_clean().set_index("customer_id")[_attitude()]),
        ),
        Mistake(
            "alpha_over_all_items",
            en=(
                "That is one alpha over all 20 items at once. Alpha measures how consistently "
                "the items of ONE construct agree; five constructs mixed together are not "
                "one thing to be consistent about. Compute it per scale, with that scale's "
                "four items."
            ),
            zh=(
                "这是一次性对全部 20 道题计算的 alpha。alpha 衡量的是同一个维度的题目之间是否"
                "一致；五个维度混在一起并不是一件需要一致的事。请按量表分别计算，"
                "每次只用该量表的四道题。"
            ),
            produce=lambda expected: _all_items_alphas()[0],
            matches=_is_alpha_over_all_items,
        ),
        Mistake(
            "straight_liners_kept",
            en=(
                "These alphas include the straight-liners: ticking one box everywhere, then "
                "recoding the reversed items, makes their answers contradict themselves and "
                "lowers every alpha. Start from `keyed`, built from `clean`."
            ),
            zh=(
                "这些 alpha 包含了直线作答者：到处勾同一个选项，再经反向题重新计分后，"
                "他们的答案自相矛盾，拉低了每个 alpha。请从基于 `clean` 的 `keyed` 开始。"
            ),
            produce=lambda expected: _alphas_with_straight_liners(),
            matches=_is_straight_liners_kept,
        ),
    ],
    hints=[
        {
            "en": (
                "`scales` maps each construct to its four items. Loop over it and apply your "
                "`cronbach` (or `cronbach_alpha`) to `keyed[items]`."
            ),
            "zh": (
                "`scales` 给出每个维度对应的四道题。遍历它，对 `keyed[items]` "
                "使用你的 `cronbach`（或 `cronbach_alpha`）。"
            ),
        },
        {
            "en": (
                "`pd.Series({construct: cronbach(keyed[items]) for construct, items in "
                "scales.items()})`"
            ),
            "zh": (
                "`pd.Series({construct: cronbach(keyed[items]) for construct, items in "
                "scales.items()})`"
            ),
        },
    ],
    solution=(
        "alphas = pd.Series({construct: cronbach(keyed[items])\n"
        "                    for construct, items in scales.items()})"
    ),
)


# ---------------------------------------------------------------------------- q6 eigenvalues

EIGEN_TOLERANCE = 5e-4  # 4 decimals pass; the covariance eigenvalues differ by 0.1 and more


@dataclass(frozen=True)
class _EigenvalueSpec:
    """The eigenvalues of the correlation matrix, or the same times n / (n - 1).

    PCA on z-scores (``StandardScaler``, then ``PCA().explained_variance_``) gives the
    eigenvalues of the z-scores' covariance, which divides by n - 1 where the z-scores
    divided by n: the correlation eigenvalues times n / (n - 1), 0.14% more on 713 rows and
    about 1% on a small world. Both are right; the mistakes differ by far more.
    """

    n_rows: int

    def exact(self) -> ScalarSpec:
        return ScalarSpec(rtol=0.0, atol=EIGEN_TOLERANCE)

    def compare(self, expected: Any, answer: Any):
        scalar = self.exact()
        result = scalar.compare(expected, answer)
        if result.equal:
            return result
        scaled = np.asarray(expected, dtype="float64") * self.n_rows / (self.n_rows - 1)
        pca = scalar.compare(scaled, answer)
        return pca if pca.equal else result


def _eigenvalue_spec() -> _EigenvalueSpec:
    return _EigenvalueSpec(n_rows=len(_keyed()))


def _covariance_eigenvalues() -> np.ndarray:
    values = _keyed_items().to_numpy(dtype="float64")
    return np.linalg.eigvalsh(np.cov(values, rowvar=False))[::-1]


q6 = ValueProblem(
    id="psychographic.q6",
    var="eigenvalues",
    title={"en": "The scree: eigenvalues", "zh": "碎石图：特征值"},
    reference=lambda: _eigenvalues(),
    compare=_eigenvalue_spec,
    mistakes=[
        Mistake(
            "covariance_eigenvalues",
            en=(
                "These are eigenvalues of the covariance matrix. They carry each item's "
                "spread (a variance of 1.4 on a five-point scale counts as 1.4 units), so "
                "they add up to the total variance, not to the number of items, and the "
                "'eigenvalue above 1' and parallel-analysis rules count the wrong thing. "
                "Use the correlation matrix: `keyed[attitude].corr()`."
            ),
            zh=(
                "这是协方差矩阵的特征值。它们带着每道题的离散程度（五级量表上方差 1.4 "
                "就算 1.4 个单位），加起来等于总方差而不是题目数，“特征值大于 1”"
                "和平行分析的规则都会数错。请使用相关矩阵：`keyed[attitude].corr()`。"
            ),
            produce=lambda expected: _covariance_eigenvalues(),
        ),
        Mistake(
            "ascending_order",
            en=(
                "Right values, wrong order: `np.linalg.eigvalsh` returns them smallest "
                "first. A scree lists the largest first: reverse them with `[::-1]`."
            ),
            zh=(
                "数值对了，顺序反了：`np.linalg.eigvalsh` 按从小到大返回。"
                "碎石图从最大的开始：用 `[::-1]` 倒过来。"
            ),
            produce=lambda expected: expected[::-1],
        ),
    ],
    hints=[
        {
            "en": (
                "The correlation matrix of the 20 keyed items is `keyed[attitude].corr()`; "
                "`np.linalg.eigvalsh` gives the eigenvalues of a symmetric matrix."
            ),
            "zh": (
                "20 道重新计分后题目的相关矩阵是 `keyed[attitude].corr()`；"
                "`np.linalg.eigvalsh` 可求对称矩阵的特征值。"
            ),
        },
        {
            "en": "`np.linalg.eigvalsh(...)` sorts smallest first: add `[::-1]`.",
            "zh": "`np.linalg.eigvalsh(...)` 按从小到大排序：加上 `[::-1]`。",
        },
    ],
    solution="eigenvalues = np.linalg.eigvalsh(keyed[attitude].corr())[::-1]",
)


# ---------------------------------------------------------------------------- q7 sixth factor

q7 = ChoiceProblem(
    id="psychographic.q7",
    var="answer_q7",
    title={"en": "What is the sixth factor?", "zh": "第六个因子是什么？"},
    options={
        "a": {
            "en": (
                "A sixth attitude the questionnaire did not plan for: add it to the segmentation."
            ),
            "zh": "问卷没有设计到的第六种态度：把它加入细分。",
        },
        "b": {
            "en": (
                "An answer style: people who tend to agree with anything also agree with the "
                "reverse-keyed statements, so after recoding these items share some variance "
                "that is no attitude. A method factor: keep the five content factors."
            ),
            "zh": (
                "一种作答风格：倾向于什么都同意的人也会同意反向题，"
                "因此重新计分后这几道题共享了一部分与态度无关的变异。"
                "这是方法因子：保留五个内容因子。"
            ),
        },
        "c": {
            "en": "Proof that the reverse-keyed items were recoded wrongly: undo the recoding.",
            "zh": "证明反向题计分错了：撤销重新计分。",
        },
        "d": {
            "en": "Noise: parallel analysis always keeps one factor too many.",
            "zh": "噪声：平行分析总是多保留一个因子。",
        },
    },
    answer="b",
    explanation={
        "en": (
            "The sixth factor loads only on the five reverse-keyed items, one from each "
            "construct. What they share is the way people answer (acquiescence, 默认同意"
            "倾向), not an attitude: a method factor. The segmentation uses the five content "
            "factors."
        ),
        "zh": (
            "第六个因子只在五道反向题上有载荷，每个维度各一道。它们共享的是作答方式"
            "（默认同意倾向），而不是某种态度：这是方法因子。细分使用五个内容因子。"
        ),
    },
    mistakes={
        "a": Mistake(
            "method_factor_read_as_attitude",
            en=(
                "Look at which items load on it: one reversed item from each of the five "
                "constructs, and nothing else. Items about prices, health, novelty, "
                "convenience and loyalty have no attitude in common; what they share is "
                "how they are worded."
            ),
            zh=(
                "看看哪些题在它上面有载荷：五个维度各一道反向题，别无其他。"
                "关于价格、健康、新奇、便利、忠诚的题目之间没有共同的态度；"
                "它们共有的是措辞方式。"
            ),
        ),
        "c": Mistake(
            "recoding_blamed",
            en=(
                "The recoding is right: each reversed item loads positively on its own "
                "construct (q16 on price, q19 on convenience ...). The small extra factor "
                "comes from people who agree with everything: after recoding, their "
                "agreement pulls the reversed items the same way."
            ),
            zh=(
                "重新计分没有错：每道反向题都在自己的维度上有正载荷（q16 在价格上、q19 "
                "在便利上……）。多出来的小因子来自什么都同意的人：重新计分后，"
                "他们的“同意”把几道反向题朝同一方向拉。"
            ),
        ),
        "d": Mistake(
            "parallel_analysis_blamed",
            en=(
                "Parallel analysis keeps a factor only when its eigenvalue beats what random "
                "data of the same size gives 95% of the time. The sixth factor is real "
                "shared variance; the question is what it measures."
            ),
            zh=(
                "平行分析只有在特征值超过同样规模随机数据的 95% 分位数时才保留一个因子。"
                "第六个因子是真实存在的共同变异；问题在于它测量的是什么。"
            ),
        ),
    },
    hints=[
        {
            "en": "Which items load on F6 in the six-factor table? What do they have in common?",
            "zh": "在六因子的载荷表中，哪些题在 F6 上有载荷？它们有什么共同点？",
        },
        {
            "en": (
                "All of them are reverse-keyed. Who would agree with a statement and with its "
                "opposite?"
            ),
            "zh": "它们都是反向题。什么样的人会既同意一句话又同意它的反面？",
        },
    ],
)


# ---------------------------------------------------------------------------- q8 features

#: ddof=0 (StandardScaler) and ddof=1 (pandas' std) both standardize: they differ by the
#: factor sqrt(n / (n - 1)), 0.08% on 650 rows and 0.6% on 85; the mistakes differ by far more.
FEATURE_RTOL = 1e-2


def _unscaled() -> pd.DataFrame:
    return _logged(_hybrid())


q8 = ValueProblem(
    id="psychographic.q8",
    var="features",
    title={"en": "Features for k-means", "zh": "为 k-means 准备特征"},
    reference=lambda: _features(),
    compare=FrameSpec(rtol=FEATURE_RTOL, atol=1e-9),
    mistakes=[
        Mistake(
            "unscaled_scores",
            en=(
                "The columns are logged but not standardized. k-means measures plain "
                "distances: a column with twice the spread counts four times as much, and "
                "online_share (0 to 1) hardly counts at all. Standardize every column: "
                "(x - mean) / standard deviation."
            ),
            zh=(
                "这些列取了对数，但没有标准化。k-means 计算的是普通距离：离散程度大一倍的列，"
                "分量就大四倍，而 online_share（0 到 1）几乎不起作用。"
                "请把每一列标准化：(x - 均值) / 标准差。"
            ),
            produce=lambda expected: _unscaled(),
        ),
        Mistake(
            "not_logged",
            en=(
                "orders and avg_order_value are standardized without the log first. Both are "
                "right-skewed: a few members with very many orders or very large baskets "
                "would sit far out and make segments of their own. Take np.log first, then "
                "standardize."
            ),
            zh=(
                "orders 和 avg_order_value 没有先取对数就标准化了。两者都是右偏的："
                "少数订单特别多或客单价特别高的会员会远远偏离，自成一类。"
                "先取 np.log，再标准化。"
            ),
            produce=lambda expected: standardize(_hybrid()),
        ),
        Mistake(
            "unscaled_and_not_logged",
            en=(
                "These are the raw columns: orders and yuan next to factor scores around 0. "
                "k-means on them sorts members by basket size in yuan and ignores the "
                "attitudes. Log orders and avg_order_value, then standardize every column."
            ),
            zh=(
                "这是原始的列：订单数和金额（元）与 0 附近的因子得分放在一起。"
                "对它们做 k-means 只会按客单价把会员排队，态度完全被忽略。"
                "先对 orders 和 avg_order_value 取对数，再把每一列标准化。"
            ),
            produce=lambda expected: _hybrid(),
        ),
    ],
    hints=[
        {
            "en": (
                "First `logged = hybrid.assign(orders=np.log(hybrid['orders']), "
                "avg_order_value=np.log(hybrid['avg_order_value']))`."
            ),
            "zh": (
                "先写 `logged = hybrid.assign(orders=np.log(hybrid['orders']), "
                "avg_order_value=np.log(hybrid['avg_order_value']))`。"
            ),
        },
        {
            "en": (
                "Then `(logged - logged.mean()) / logged.std()`, or `standardize(logged)` from "
                "the methods (StandardScaler's convention)."
            ),
            "zh": (
                "然后 `(logged - logged.mean()) / logged.std()`，"
                "或者用方法模块中的 `standardize(logged)`（与 StandardScaler 相同的约定）。"
            ),
        },
    ],
    solution=(
        'logged = hybrid.assign(orders=np.log(hybrid["orders"]),\n'
        '                       avg_order_value=np.log(hybrid["avg_order_value"]))\n'
        "features = (logged - logged.mean()) / logged.std()"
    ),
)


# ---------------------------------------------------------------------------- q9 ARI

ARI_TOLERANCE = 5e-4  # 3 decimals pass; the mistakes differ by 0.1 and more


def _persona_of_segments() -> pd.Series:
    return _persona().reindex(_segments().index)


def _ari() -> float:
    from sklearn.metrics import adjusted_rand_score

    return float(adjusted_rand_score(_persona_of_segments(), _segments()))


def _ari_misaligned() -> float:
    from sklearn.metrics import adjusted_rand_score

    segments = _segments()
    return float(adjusted_rand_score(_persona().iloc[: len(segments)], segments))


def _rand_index() -> float:
    from sklearn.metrics import rand_score

    return float(rand_score(_persona_of_segments(), _segments()))


def _is_misaligned(answer: Any, expected: float) -> bool:
    """About 0, where the right value is clearly not: personas in another row order."""
    value = _number(answer)
    return (
        value is not None
        and abs(value) < 0.05
        and abs(expected) >= 0.1
        and abs(value - expected) > ARI_TOLERANCE
    )


q9 = ValueProblem(
    id="psychographic.q9",
    var="ari",
    title={"en": "The reveal: segments vs personas", "zh": "揭晓：细分与真实画像的一致度"},
    reference=_ari,
    compare=ScalarSpec(rtol=0.0, atol=ARI_TOLERANCE),
    mistakes=[
        Mistake(
            "rows_not_aligned",
            en=(
                "An ARI near 0 means the segments and the personas were paired by row "
                "position, not by customer: `truth` lists every member in its own order. "
                "Look the personas up for the segmented members: "
                "`truth.set_index('customer_id').loc[segments.index, 'persona']`."
            ),
            zh=(
                "ARI 接近 0 说明细分与画像是按行的位置配对的，而不是按客户："
                "`truth` 按它自己的顺序列出全部会员。请按被细分会员的编号查出画像："
                "`truth.set_index('customer_id').loc[segments.index, 'persona']`。"
            ),
            produce=lambda expected: _ari_misaligned(),
            matches=_is_misaligned,
        ),
        Mistake(
            "rand_index_not_adjusted",
            en=(
                "That is the plain Rand index: the share of member pairs on which the two "
                "groupings agree. With six groups most pairs are apart in both, so even "
                "random segments score high. The adjusted Rand index "
                "(`adjusted_rand_score`) subtracts what chance gives: 0 is chance, 1 is the "
                "same grouping."
            ),
            zh=(
                "这是未调整的兰德指数：两种分组一致的会员对所占的比例。"
                "分成六组时，大多数会员对在两种分组中都不在一起，所以即使随机分组也会得分很高。"
                "调整兰德指数（`adjusted_rand_score`）扣除了随机带来的部分：0 表示与随机无异，"
                "1 表示分组完全相同。"
            ),
            produce=lambda expected: _rand_index(),
        ),
    ],
    hints=[
        {
            "en": (
                "`truth = course.load('truth').set_index('customer_id')`, then the personas of "
                "the segmented members: `truth.loc[segments.index, 'persona']`."
            ),
            "zh": (
                "`truth = course.load('truth').set_index('customer_id')`，"
                "再取被细分会员的画像：`truth.loc[segments.index, 'persona']`。"
            ),
        },
        {
            "en": "`adjusted_rand_score(personas, segments)` from sklearn.metrics.",
            "zh": "使用 sklearn.metrics 中的 `adjusted_rand_score(personas, segments)`。",
        },
    ],
    solution=(
        'truth = course.load("truth").set_index("customer_id")\n'
        'ari = adjusted_rand_score(truth.loc[segments.index, "persona"], segments)'
    ),
)


# ---------------------------------------------------------------------------- q10 member share

SHARE_TOLERANCE = 5e-4  # 3 decimals pass; weighting moves the share by 0.005-0.007 here


def _member_share() -> float:
    flags = _health_minded()
    groups = _age_group()
    return poststratified_share(flags, groups.loc[flags.index], groups)


def _inverted_weights() -> float:
    flags = _health_minded()
    groups = _age_group()
    respondent_groups = groups.loc[flags.index]
    ratio = respondent_groups.value_counts(normalize=True) / groups.value_counts(normalize=True)
    weights = respondent_groups.map(ratio).astype("float64")
    return float(np.average(flags.to_numpy(dtype="float64"), weights=weights.to_numpy()))


def _groups_weighted_equally() -> float:
    flags = _health_minded()
    per_group = flags.groupby(_age_group().loc[flags.index], observed=True).mean()
    return float(per_group.mean())


q10 = ValueProblem(
    id="psychographic.q10",
    var="member_share",
    title={"en": "From respondents to members", "zh": "从受访者推及全体会员"},
    reference=_member_share,
    compare=ScalarSpec(rtol=0.0, atol=SHARE_TOLERANCE),
    mistakes=[
        Mistake(
            "respondent_share_as_member_share",
            en=(
                "That is the share among the respondents. Respondents are not a random "
                "sample of members: some age groups answered more than others. Weight each "
                "respondent by (member share of their age group) / (respondent share of it) "
                "before averaging, so the respondents stand for the members."
            ),
            zh=(
                "这是受访者中的比例。受访者并不是会员的随机样本：有的年龄段作答更多。"
                "求平均之前，给每位受访者加权：所在年龄段在会员中的占比 / 在受访者中的占比，"
                "让受访者能代表全体会员。"
            ),
            produce=lambda expected: float(_health_minded().mean()),
        ),
        Mistake(
            "weights_inverted",
            en=(
                "The weights are upside down: respondent share / member share gives MORE "
                "weight to the groups that answered most and pushes the estimate further "
                "from the members. The weight is member share / respondent share."
            ),
            zh=(
                "权重颠倒了：受访者占比 / 会员占比会让作答最多的年龄段权重更大，"
                "使估计离全体会员更远。权重应为会员占比 / 受访者占比。"
            ),
            produce=lambda expected: _inverted_weights(),
        ),
        Mistake(
            "respondents_counted_over_members",
            en=(
                "You divided the number of health-minded respondents by the number of all "
                "members. Members who did not answer are not 'not health-minded', they are "
                "unknown: estimate the share from the respondents, weighted by age group."
            ),
            zh=(
                "你用注重健康的受访者人数除以了全体会员人数。没有作答的会员并不是“不注重健康”，"
                "而是未知：应当由受访者按年龄段加权来估计比例。"
            ),
            produce=lambda expected: float(_health_minded().sum() / len(_age_group())),
        ),
        Mistake(
            "age_groups_weighted_equally",
            en=(
                "That is the plain average of the four age groups' shares: it counts every "
                "group as a quarter of the members. Weight each group's share by the group's "
                "share of the members (`age_group.value_counts(normalize=True)`), or weight "
                "each respondent by member share / respondent share of their group."
            ),
            zh=(
                "这是四个年龄段比例的简单平均：它把每个年龄段都当作会员的四分之一。"
                "应当按各年龄段在会员中的占比（`age_group.value_counts(normalize=True)`）"
                "对其比例加权，或者给每位受访者加权：所在年龄段的会员占比 / 受访者占比。"
            ),
            produce=lambda expected: _groups_weighted_equally(),
        ),
    ],
    hints=[
        {
            "en": (
                "Member shares: `age_group.value_counts(normalize=True)`; respondent shares: "
                "the same on `age_group.loc[health_minded.index]`. Each respondent's weight "
                "is the ratio for their group."
            ),
            "zh": (
                "会员占比：`age_group.value_counts(normalize=True)`；"
                "受访者占比：对 `age_group.loc[health_minded.index]` 做同样的计算。"
                "每位受访者的权重是其所在年龄段的这两个占比之比。"
            ),
        },
        {
            "en": (
                "`weights = respondent_group.map(member_share / respondent_share)`, then "
                "`np.average(health_minded, weights=weights)`, or `poststratified_share`."
            ),
            "zh": (
                "`weights = respondent_group.map(member_share / respondent_share)`，"
                "再用 `np.average(health_minded, weights=weights)`，或者 `poststratified_share`。"
            ),
        },
    ],
    solution=(
        "respondent_group = age_group.loc[health_minded.index]\n"
        "ratio = (age_group.value_counts(normalize=True)\n"
        "         / respondent_group.value_counts(normalize=True))\n"
        "weights = respondent_group.map(ratio).astype(float)\n"
        "member_share = np.average(health_minded, weights=weights)"
    ),
)

PROBLEMS = [q1, q2, q3, q4, q5, q6, q7, q8, q9, q10]
