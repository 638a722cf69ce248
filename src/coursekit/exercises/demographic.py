"""Module 03, demographic segmentation (人口统计细分): the problems of ``03_demographic``.

The story: FreshNeighbor's marketing team segments its members the way most retailers
start, by age, life stage, income and city, and a colleague back from a Sam's Club (山姆)
study tour asks whether the chain should aim at families born in the 1980s and 1990s
(80后 / 90后). The trainee cuts age bands, writes the life-stage rules, reads a cross-tab
as shares and as TGI, measures an association with Cramér's V, profiles spend with
intervals, reads intervals, measures how much of the spend demographics explain (η²) and
writes the case memo.

Every reference is computed from the data in use with :mod:`coursekit.methods.demographic`.
Each mistake's ``produce`` makes the wrong answer the way a trainee would (``pd.cut`` with
its default ``right=True``, an inner join, the column share); mistakes that many different
wrong answers share also say how to recognise them with ``matches``.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from coursekit import course
from coursekit.engine import (
    Case,
    ChoiceProblem,
    Comparison,
    FrameSpec,
    FunctionProblem,
    Mistake,
    OpenProblem,
    ScalarSpec,
    SeriesSpec,
    ValueProblem,
    ____,
    per_world,
)
from coursekit.engine.recognize import column_by_key, same_numbers
from coursekit.methods.common import completed_orders
from coursekit.methods.demographic import (
    AGE_EDGES,
    age_band,
    birth_cohort,
    cramers_v,
    eta_squared,
    income_band,
    life_stage,
    main_channel,
    member_spend,
    segment_profile,
    tgi,
)

__all__ = ["PROBLEMS", "____", "q1", "q2", "q3", "q4", "q5", "q6", "q7", "q8", "q9"]

NOTEBOOK = "03_demographic"

AGE_LABELS = ("18-24", "25-34", "35-44", "45-54", "55-64", "65+")
#: The Sam's Club target: members born in the 1980s and 1990s who live with children.
TARGET_COHORTS = ("80后", "90后")
FAMILY = "family_with_children"
#: The demographics whose share of the spend variance q8 asks for.
DEMOGRAPHICS = ("age_band", "life_stage", "income_band", "city_tier")
PROFILE_COLUMNS = ["members", "spend_mean", "spend_low", "spend_high"]


# ---------------------------------------------------------------------------- shared data
#
# The member table with every demographic segment of the lesson, computed once per world
# (coursekit.engine.cache) and never modified: functions below that change it work on a
# copy.


@per_world
def _orders() -> pd.DataFrame:
    return course.load("orders")


@per_world
def _members() -> pd.DataFrame:
    """The customers with the segments of the notebook: age band, cohort, life stage,
    income band (ordered), main channel and spend (0 for members without an order)."""
    customers = course.load("customers")
    orders = _orders()
    return customers.assign(
        age_band=age_band(customers["age"]),
        cohort=birth_cohort(customers["birth_date"]),
        life_stage=life_stage(customers),
        income_band=income_band(customers["income_band"]),
        main_channel=main_channel(customers, orders),
        spend=member_spend(customers, orders),
    )


def _born_80s_90s(members: pd.DataFrame) -> pd.Series:
    return members["cohort"].isin(TARGET_COHORTS)


def _is_percent(answer: Any, expected: float, atol: float) -> bool:
    """The answer is the expected fraction times 100 (a percentage)."""
    return ScalarSpec(rtol=0.0, atol=atol).values_equal(100 * expected, answer)


# ---------------------------------------------------------------------------- q1 age bands


def _bands_right_closed() -> pd.Series:
    """``pd.cut`` with the course's edges and its default ``right=True``."""
    ages = course.load("customers")["age"]
    return pd.cut(ages, bins=list(AGE_EDGES), labels=list(AGE_LABELS))


def _bands_with_gaps() -> pd.Series:
    """Intervals written like the labels, (18, 24], (25, 34] ...: gaps at every edge."""
    ages = course.load("customers")["age"]
    written = pd.IntervalIndex.from_tuples([(18, 24), (25, 34), (35, 44), (45, 54), (55, 64),
                                            (65, 120)])  # fmt: skip
    banded = pd.cut(ages, bins=written)
    return banded.cat.rename_categories(list(AGE_LABELS))


def _labels(answer: Any, length: int) -> np.ndarray | None:
    """The answer's band labels as text (None where missing), or None if it has another
    shape: a Series, a one-column frame, a list or an array of ``length`` values."""
    if isinstance(answer, pd.DataFrame):
        if answer.shape[1] != 1:
            return None
        answer = answer.iloc[:, 0]
    if not isinstance(answer, pd.Series | np.ndarray | list):
        return None
    try:
        values = pd.Series(list(answer) if isinstance(answer, list) else answer, copy=False)
        if values.ndim != 1 or len(values) != length:
            return None
        text = values.astype(object)
        return np.array([None if pd.isna(v) else str(v) for v in text], dtype=object)
    except (TypeError, ValueError):
        return None


def _is_upper_edge_included(answer: Any, expected: pd.Series) -> bool:
    """Members at a band's lower edge (25, 35 ...) in the band below; everyone else right
    (18-year-olds may be missing: ``pd.cut`` with right=True drops them too)."""
    given = _labels(answer, len(expected))
    if given is None:
        return False
    ages = course.load("customers")["age"].to_numpy()
    right = expected.astype(str).to_numpy(dtype=object)
    edges = {int(edge): AGE_LABELS[i] for i, edge in enumerate(AGE_EDGES[1:-1])}
    at_edge = np.isin(ages, list(edges))
    if not at_edge.any():
        return False
    below = np.array([edges[int(age)] for age in ages[at_edge]], dtype=object)
    lowest = ages == AGE_EDGES[0]
    elsewhere = ~at_edge & ~lowest
    return bool(
        (given[at_edge] == below).all()
        and (given[elsewhere] == right[elsewhere]).all()
        and all(v is None or v == AGE_LABELS[0] for v in given[lowest])
    )


def _is_left_out(answer: Any, expected: pd.Series) -> bool:
    """Some members have no band, and every member who has one has the right one."""
    given = _labels(answer, len(expected))
    if given is None:
        return False
    missing = np.array([v is None for v in given])
    if not missing.any() or missing.all():
        return False
    right = expected.astype(str).to_numpy(dtype=object)
    return bool((given[~missing] == right[~missing]).all())


q1 = ValueProblem(
    id="demographic.q1",
    var="bands",
    title={"en": "Age bands without gaps or overlaps", "zh": "无缝隙、不重叠的年龄段"},
    reference=lambda: age_band(course.load("customers")["age"]),
    compare=SeriesSpec(),
    mistakes=[
        Mistake(
            "upper_edge_included",
            en=(
                "The 25-year-olds are in '18-24' (and the 35-year-olds in '25-34' ...): "
                "pd.cut includes each band's upper edge by default (right=True), so the "
                "bands (18, 25], (25, 35] ... put every edge age one band too low and drop "
                "the 18-year-olds. Pass right=False: each band then holds its lower edge, "
                "[18, 25), [25, 35) ... Hand-written conditions that overlap (age <= 25 and "
                "age >= 25, first match wins) do the same."
            ),
            zh=(
                "25 岁的会员被分进了 '18-24'（35 岁的进了 '25-34' ……）："
                "pd.cut 默认包含每段的右端点（right=True），区间 (18, 25]、(25, 35] …… "
                "会把每个端点年龄分到低一档，并丢掉 18 岁的会员。请传入 right=False："
                "每段包含其下端点，[18, 25)、[25, 35) ……。手写的重叠条件"
                "（age <= 25 与 age >= 25，先匹配者优先）也会造成同样的结果。"
            ),
            produce=lambda expected: _bands_right_closed(),
            matches=_is_upper_edge_included,
        ),
        Mistake(
            "ages_left_out",
            en=(
                "Some members have no band: your bands leave gaps. Intervals written like "
                "the labels, (18, 24], (25, 34] ..., miss every age between 24 and 25 "
                "(the 25-year-olds) and the first edge; a last edge of 65 loses everyone "
                "65 and over. Use consecutive edges 18, 25, 35, 45, 55, 65, np.inf with "
                "right=False: neighbouring bands share an edge, so no age falls between "
                "them."
            ),
            zh=(
                "有些会员没有被分到任何年龄段：你的年龄段之间有缝隙。照着标签写的区间 "
                "(18, 24]、(25, 34] …… 会漏掉 24 与 25 之间的年龄（即 25 岁的会员）以及"
                "第一个端点；最后一个端点写成 65 会丢掉所有 65 岁及以上的会员。"
                "请用首尾相接的端点 18, 25, 35, 45, 55, 65, np.inf 并设 right=False："
                "相邻年龄段共用一个端点，任何年龄都不会落在缝隙里。"
            ),
            produce=lambda expected: _bands_with_gaps(),
            matches=_is_left_out,
        ),
    ],
    hints=[
        {
            "en": (
                "`pd.cut(customers['age'], bins=[18, 25, 35, 45, 55, 65, np.inf], "
                "labels=[...])` cuts at these edges. Which band does a 25-year-old land in?"
            ),
            "zh": (
                "`pd.cut(customers['age'], bins=[18, 25, 35, 45, 55, 65, np.inf], "
                "labels=[...])` 按这些端点切分。25 岁的会员会落在哪一段？"
            ),
        },
        {
            "en": (
                "By default pd.cut includes the right edge, (18, 25]. With `right=False` "
                "every band holds its lower edge, [18, 25), and 18-year-olds are kept. "
                "Then check: `bands.isna().sum()` must be 0."
            ),
            "zh": (
                "pd.cut 默认包含右端点，即 (18, 25]。设 `right=False` 后每段包含下端点 "
                "[18, 25)，18 岁的会员也不会丢失。然后检查：`bands.isna().sum()` 必须为 0。"
            ),
        },
    ],
    solution=(
        'labels = ["18-24", "25-34", "35-44", "45-54", "55-64", "65+"]\n'
        "bands = pd.cut(\n"
        '    customers["age"], bins=[18, 25, 35, 45, 55, 65, np.inf], right=False, labels=labels\n'
        ")"
    ),
)


# ---------------------------------------------------------------------------- q2 life stage


def _by_rules(customers: pd.DataFrame, order: tuple[str, ...], conditions: dict) -> pd.Series:
    """np.select over the rules in ``order``: the first true condition wins."""
    stages = np.select([conditions[code] for code in order], list(order), default="couple")
    return pd.Series(stages, index=customers.index)


def _conditions(customers: pd.DataFrame) -> dict[str, pd.Series]:
    age = customers["age"]
    household = customers["household_size"]
    children = customers["has_children"].astype(bool)
    return {
        "retired": age >= 60,
        FAMILY: children,
        "empty_nest": age >= 45,
        "single": household == 1,
        "couple": household >= 2,
    }


def _stage_by_age_alone(customers: pd.DataFrame) -> pd.Series:
    """Life stage read off the age: under 25 single, 25-34 couple, 35-44 family ..."""
    stages = pd.cut(
        customers["age"],
        bins=[0, 25, 35, 45, 60, np.inf],
        right=False,
        labels=["single", "couple", FAMILY, "empty_nest", "retired"],
    )
    return pd.Series(stages.astype(str).to_numpy(), index=customers.index)


def _stage_empty_nest_first(customers: pd.DataFrame) -> pd.Series:
    """The age rule of empty_nest tried before children at home."""
    order = ("retired", "empty_nest", FAMILY, "single", "couple")
    return _by_rules(customers, order, _conditions(customers))


def _stage_in_life_course_order(customers: pd.DataFrame) -> pd.Series:
    """The rules in the order the stages are listed (single, couple, family ...), with a
    couple meaning two people without children."""
    conditions = _conditions(customers)
    conditions["couple"] = (customers["household_size"] == 2) & ~conditions[FAMILY]
    order = ("single", "couple", FAMILY, "empty_nest", "retired")
    return _by_rules(customers, order, conditions)


#: Members who tell the mistakes apart: (age, household_size, has_children).
_PROBE_ROWS = (
    (30, 1, False),  # single
    (30, 2, False),  # couple
    (30, 3, True),  # family
    (30, 2, True),  # a single parent: family, not couple
    (50, 1, False),  # empty nest, not single
    (50, 4, True),  # family: children at home, not an empty nest
    (50, 2, False),  # empty nest, not couple
    (70, 1, False),  # retired, not single
)


def _probe_frame() -> pd.DataFrame:
    frame = pd.DataFrame(_PROBE_ROWS, columns=["age", "household_size", "has_children"])
    frame.index = pd.Index([f"p{i}" for i in range(len(frame))], name="customer_id")
    return frame


def _stages_of(fn: Any) -> list[str] | None:
    """The trainee's function on the probe members, as texts (None if it does not fit)."""
    result = fn(_probe_frame())
    values = np.asarray(result, dtype=object).ravel()
    if len(values) != len(_PROBE_ROWS):
        return None
    return [str(v) for v in values]


def _uses_age_alone(fn: Any, reference: Any) -> bool:
    stages = _stages_of(fn)
    if stages is None:
        return False
    by_age: dict[int, set[str]] = {}
    for (age, _, _), stage in zip(_PROBE_ROWS, stages, strict=True):
        by_age.setdefault(age, set()).add(stage)
    one_per_age = all(len(found) == 1 for found in by_age.values())
    return one_per_age and len(set(stages)) > 1


def _empty_nest_with_children(fn: Any, reference: Any) -> bool:
    stages = _stages_of(fn)
    return stages is not None and stages[_PROBE_ROWS.index((50, 4, True))] == "empty_nest"


def _household_before_age(fn: Any, reference: Any) -> bool:
    stages = _stages_of(fn)
    if stages is None:
        return False
    alone_at_70 = stages[_PROBE_ROWS.index((70, 1, False))]
    alone_at_50 = stages[_PROBE_ROWS.index((50, 1, False))]
    return alone_at_70 == "single" or alone_at_50 == "single"


def _stage_cases() -> list[Case]:
    customers = course.load("customers")
    edges = pd.DataFrame(
        [(44, 1, False), (45, 1, False), (44, 2, False), (45, 2, False), (59, 3, False),
         (60, 3, False), (59, 3, True), (60, 3, True)],
        columns=["age", "household_size", "has_children"],
    )  # fmt: skip
    return [
        Case(
            (_probe_frame(),),
            label={"en": "one member of each kind", "zh": "每类各一位会员"},
        ),
        Case(
            (edges,),
            label={"en": "ages 44/45 and 59/60", "zh": "44/45 岁与 59/60 岁"},
        ),
        Case(
            (customers.set_index("customer_id").iloc[:300],),
            label={
                "en": "300 members indexed by customer_id",
                "zh": "以 customer_id 为索引的 300 位会员",
            },
        ),
        Case((customers,), label={"en": "every member", "zh": "全部会员"}),
    ]


q2 = FunctionProblem(
    id="demographic.q2",
    var="stage_of",
    title={"en": "Life stage from the rule table", "zh": "按规则表划分生命阶段"},
    reference=life_stage,
    cases=_stage_cases,
    compare=SeriesSpec(),
    time_limit=2.0,
    time_per_1000=1.0,
    mistakes=[
        Mistake(
            "age_only",
            en=(
                "Your life stage depends on age alone: two 30-year-olds, one living alone "
                "and one with children at home, get the same stage. Age cannot tell them "
                "apart; the rule table also reads household_size and has_children."
            ),
            zh=(
                "你的生命阶段只取决于年龄：两位 30 岁的会员，一位独居、一位家中有孩子，"
                "却被分到同一阶段。仅凭年龄无法区分他们；规则表还要看 household_size "
                "和 has_children。"
            ),
            produce=lambda reference: _stage_by_age_alone,
            matches=_uses_age_alone,
        ),
        Mistake(
            "empty_nest_with_children",
            en=(
                "A 50-year-old with children at home came out 'empty_nest'. The nest is "
                "empty only when no children live at home: try family_with_children "
                "(has_children) before the age rule of empty_nest."
            ),
            zh=(
                "一位家中有孩子的 50 岁会员被分成了“空巢”。只有家中没有孩子时才是空巢："
                "先判断有孩家庭（has_children），再用年龄判断空巢。"
            ),
            produce=lambda reference: _stage_empty_nest_first,
            matches=_empty_nest_with_children,
        ),
        Mistake(
            "rules_out_of_order",
            en=(
                "A member of 50 or 70 living alone came out 'single': the household rules "
                "were tried before the age rules. The first matching rule wins, in the "
                "table's order: retired, family_with_children, empty_nest, single, couple "
                "(np.select takes its conditions in the order given)."
            ),
            zh=(
                "一位独居的 50 岁或 70 岁会员被分成了“单身”：你先用了家庭人数规则，"
                "后用年龄规则。规则按表中顺序“先匹配者优先”：退休、有孩家庭、空巢、单身、"
                "二人世界（np.select 按给定的顺序判断条件）。"
            ),
            produce=lambda reference: _stage_in_life_course_order,
            matches=_household_before_age,
        ),
    ],
    hints=[
        {
            "en": (
                "Write one condition per rule, in the order of the table: `age >= 60`, "
                "`has_children`, `age >= 45`, `household_size == 1`; everyone left is a "
                "couple."
            ),
            "zh": (
                "按规则表的顺序为每条规则写一个条件：`age >= 60`、`has_children`、"
                "`age >= 45`、`household_size == 1`；其余的都是二人世界。"
            ),
        },
        {
            "en": (
                "`np.select(conditions, stages, default='couple')` picks the first true "
                "condition per row; wrap the result in `pd.Series(..., "
                "index=customers.index)`."
            ),
            "zh": (
                "`np.select(conditions, stages, default='couple')` 对每一行选第一个为真的"
                "条件；再用 `pd.Series(..., index=customers.index)` 包装结果。"
            ),
        },
    ],
    solution=(
        "def stage_of(customers):\n"
        '    age = customers["age"]\n'
        "    conditions = [\n"
        "        age >= 60,\n"
        '        customers["has_children"],\n'
        "        age >= 45,\n"
        '        customers["household_size"] == 1,\n'
        "    ]\n"
        '    stages = ["retired", "family_with_children", "empty_nest", "single"]\n'
        "    # everyone else: under 45, no children at home, two or more people\n"
        '    return pd.Series(np.select(conditions, stages, default="couple"),\n'
        "                     index=customers.index)"
    ),
)


# ---------------------------------------------------------------------------- q3 family share


def _family_share() -> float:
    members = _members()
    target = members.loc[_born_80s_90s(members), "life_stage"]
    return float((target == FAMILY).mean())


def _share_of_families_born_80s_90s() -> float:
    members = _members()
    return float(_born_80s_90s(members)[members["life_stage"] == FAMILY].mean())


def _share_of_all_members() -> float:
    members = _members()
    return float((_born_80s_90s(members) & (members["life_stage"] == FAMILY)).mean())


def _family_share_by_age_bands() -> float:
    members = _members()
    in_bands = members["age_band"].isin(["25-34", "35-44"])
    return float((members.loc[in_bands, "life_stage"] == FAMILY).mean())


q3 = ValueProblem(
    id="demographic.q3",
    var="family_share",
    title={
        "en": "How many 80后 and 90后 members live with children?",
        "zh": "80后、90后会员中有孩家庭占多少？",
    },
    reference=_family_share,
    # A rounded answer to three decimals is fine; the catalogued mistakes are at least
    # 0.002 away on the course worlds (the age-band version is the closest).
    compare=ScalarSpec(rtol=0.0, atol=5.1e-4),
    mistakes=[
        Mistake(
            "percent_not_fraction",
            en=(
                "Give the share as a fraction between 0 and 1 (0.38, not 38). Shares in "
                "this course are fractions; the percent sign belongs in the formatting, "
                "f'{share:.1%}'."
            ),
            zh=(
                "请用 0 到 1 之间的小数表示占比（0.38，而不是 38）。本课程中的占比都是小数；"
                "百分号只在显示时添加，例如 f'{share:.1%}'。"
            ),
            produce=lambda expected: 100 * _family_share(),
            matches=lambda answer, expected: _is_percent(answer, expected, atol=0.051),
        ),
        Mistake(
            "column_share",
            en=(
                "That is the share of families with children who were born in the 1980s or "
                "1990s: the other direction of the cross-tab. The question is: of the 80后 "
                "and 90后 members, what fraction live with children? Divide by the number "
                "of 80后 and 90后 members."
            ),
            zh=(
                "这是有孩家庭中 80后、90后所占的比例：交叉表的另一个方向。题目问的是："
                "80后和90后会员中，有多少比例家中有孩子？分母应是 80后和90后会员的人数。"
            ),
            produce=lambda expected: _share_of_families_born_80s_90s(),
        ),
        Mistake(
            "share_of_all_members",
            en=(
                "You divided by all members. The base is the 80后 and 90后 members only: "
                "the share of them who live in a family with children."
            ),
            zh="你除以的是全体会员数。分母应只包括 80后和90后会员：其中有孩家庭所占的比例。",
            produce=lambda expected: _share_of_all_members(),
        ),
        Mistake(
            "age_bands_not_birth_years",
            en=(
                "Generations are birth years, not age bands: 80后 and 90后 were born in "
                "1980-1999, while the bands 25-34 and 35-44 hold members born in other "
                "years. Use the cohort from birth_date (birth_cohort, or the year of "
                "birth_date)."
            ),
            zh=(
                "代际按出生年份划分，而不是按年龄段：80后、90后出生于 1980–1999 年，"
                "而 25-34 和 35-44 两个年龄段包含的是其他年份出生的会员。请用 birth_date "
                "得到代际（birth_cohort，或 birth_date 的年份）。"
            ),
            produce=lambda expected: _family_share_by_age_bands(),
        ),
    ],
    hints=[
        {
            "en": (
                "Keep the members whose `cohort` is 80后 or 90后 "
                "(`customers['cohort'].isin([...])`), then look at their `life_stage`."
            ),
            "zh": (
                "先筛出 `cohort` 为 80后或90后的会员（`customers['cohort'].isin([...])`），"
                "再看他们的 `life_stage`。"
            ),
        },
        {
            "en": (
                "The mean of a True/False column is the share of True: "
                "`(stages == 'family_with_children').mean()`."
            ),
            "zh": (
                "True/False 列的平均值就是 True 的占比："
                "`(stages == 'family_with_children').mean()`。"
            ),
        },
    ],
    solution=(
        'born_80s_90s = customers["cohort"].isin(["80后", "90后"])\n'
        'family_share = (customers.loc[born_80s_90s, "life_stage"] == "family_with_children")'
        ".mean()"
    ),
)


# ---------------------------------------------------------------------------- q4 TGI


@per_world
def _cohort_counts() -> pd.DataFrame:
    members = _members()
    return pd.crosstab(members["cohort"], members["life_stage"])


def _tgi_column_share() -> pd.DataFrame:
    """The group's share of the segment (a column share) over the segment's base share."""
    counts = _cohort_counts()
    column_share = counts / counts.sum(axis=0)
    base_share = counts.sum(axis=0) / counts.to_numpy().sum()
    return column_share / base_share * 100


def _tgi_group_base() -> pd.DataFrame:
    """The right row share, over the group's base share instead of the segment's."""
    counts = _cohort_counts()
    row_share = counts.div(counts.sum(axis=1), axis=0)
    group_base = counts.sum(axis=1) / counts.to_numpy().sum()
    return row_share.div(group_base, axis=0) * 100


def _row_shares() -> pd.DataFrame:
    counts = _cohort_counts()
    return counts.div(counts.sum(axis=1), axis=0)


q4 = ValueProblem(
    id="demographic.q4",
    var="tgi_table",
    title={"en": "TGI of life stage by generation", "zh": "各代际的生命阶段 TGI"},
    reference=lambda: tgi(_cohort_counts()),
    # One decimal is plenty for an index around 100; every catalogued mistake is off by
    # tens of points or a factor of 100 in most cells.
    compare=FrameSpec(ignore_row_order=True, rtol=0.0, atol=0.051),
    mistakes=[
        Mistake(
            "column_share",
            en=(
                "Wrong base: you divided the column share (the generation's share of the "
                "life stage, e.g. which fraction of all families are 80后) by the life "
                "stage's base share. TGI divides the row share, the life stage's share "
                "within the generation, by the life stage's share of all members: "
                "(count / generation size) / (life-stage size / all members) x 100."
            ),
            zh=(
                "基数用错了：你用列占比（该代际在此生命阶段中的占比，例如全部有孩家庭中"
                "80后占多少）除以该生命阶段的总体占比。TGI 应该用行占比，即该生命阶段在"
                "本代际内的占比，除以它在全体会员中的占比：（人数 / 代际人数）/"
                "（该生命阶段人数 / 全体会员数）× 100。"
            ),
            produce=lambda expected: _tgi_column_share(),
        ),
        Mistake(
            "group_base",
            en=(
                "The numerator is right (the life stage's share within the generation), "
                "but you divided it by the generation's share of all members. The base is "
                "the life stage's share of all members: the column total over the grand "
                "total."
            ),
            zh=(
                "分子是对的（该生命阶段在本代际内的占比），但你除以的是该代际在全体会员中"
                "的占比。基数应是该生命阶段在全体会员中的占比：列合计除以总计。"
            ),
            produce=lambda expected: _tgi_group_base(),
        ),
        Mistake(
            "not_times_100",
            en=(
                "TGI is an index around 100: multiply the ratio of the two shares by 100 "
                "(1.36 becomes 136, 'a third more common than among all members')."
            ),
            zh=(
                "TGI 是以 100 为基准的指数："
                "两个占比之比要乘以 100（1.36 即 136，“比全体会员中多三分之一”）。"
            ),
            produce=lambda expected: tgi(_cohort_counts()) / 100,
        ),
        Mistake(
            "shares_not_index",
            en=(
                "These are the row shares, the numerator of TGI. Divide each by the life "
                "stage's share of all members and multiply by 100."
            ),
            zh="这些是行占比，只是 TGI 的分子。请再除以该生命阶段在全体会员中的占比，并乘以 100。",
            produce=lambda expected: _row_shares(),
        ),
    ],
    hints=[
        {
            "en": (
                "Start from the counts, `pd.crosstab(customers['cohort'], "
                "customers['life_stage'])`. The numerator is each row divided by its row "
                "total; the base is each column total divided by the grand total."
            ),
            "zh": (
                "从人数表 `pd.crosstab(customers['cohort'], customers['life_stage'])` 开始。"
                "分子是每行除以该行合计；基数是每列合计除以总计。"
            ),
        },
        {
            "en": (
                "`counts.div(counts.sum(axis=1), axis=0)` gives the row shares; dividing a "
                "frame by a Series indexed by the columns divides column by column."
            ),
            "zh": (
                "`counts.div(counts.sum(axis=1), axis=0)` 得到行占比；用以列名为索引的 "
                "Series 去除 DataFrame，会逐列相除。"
            ),
        },
        {
            "en": "`tgi(counts)` of `coursekit.methods.demographic` does it in one call.",
            "zh": "`coursekit.methods.demographic` 中的 `tgi(counts)` 可一步完成。",
        },
    ],
    solution=(
        'counts = pd.crosstab(customers["cohort"], customers["life_stage"])\n'
        "row_share = counts.div(counts.sum(axis=1), axis=0)\n"
        "base_share = counts.sum(axis=0) / counts.to_numpy().sum()\n"
        "tgi_table = row_share / base_share * 100"
    ),
)


# ---------------------------------------------------------------------------- q5 Cramér's V


def _target_buyers() -> pd.DataFrame:
    members = _members()
    chosen = (
        _born_80s_90s(members) & (members["life_stage"] == FAMILY) & members["main_channel"].notna()
    )
    return members[chosen]


def _all_buyers() -> pd.DataFrame:
    members = _members()
    return members[members["main_channel"].notna()]


def _v(frame: pd.DataFrame, *, correction: bool = True) -> float:
    return cramers_v(frame["city_tier"], frame["main_channel"], correction=correction)


def _v_over_all_cells(frame: pd.DataFrame, *, correction: bool) -> float:
    """phi² over (rows - 1)(columns - 1), the chi-square test's degrees of freedom."""
    table = pd.crosstab(frame["city_tier"], frame["main_channel"])
    rows, cols = table.shape
    n = float(table.to_numpy().sum())
    phi2 = stats.chi2_contingency(table, correction=False).statistic / n
    if correction:
        phi2 = max(0.0, phi2 - (rows - 1) * (cols - 1) / (n - 1))
    return math.sqrt(phi2 / ((rows - 1) * (cols - 1)))


@per_world
def _v_variants() -> dict[str, tuple[float, ...]]:
    target, everyone = _target_buyers(), _all_buyers()
    return {
        "wrong_dof": (
            _v_over_all_cells(target, correction=False),
            _v_over_all_cells(target, correction=True),
        ),
        "whole_base": (_v(everyone), _v(everyone, correction=False)),
    }


_V_SPEC = ScalarSpec(rtol=0.0, atol=5.1e-5)  # four decimals, as computed or rounded


def _is_one_of(answer: Any, values: tuple[float, ...]) -> bool:
    return any(_V_SPEC.values_equal(value, answer) for value in values)


q5 = ValueProblem(
    id="demographic.q5",
    var="target_v",
    title={
        "en": "Cramér's V of city tier and main channel, for the target",
        "zh": "目标客群中城市等级与主要渠道的 Cramér's V",
    },
    reference=lambda: _v(_target_buyers()),
    compare=_V_SPEC,
    mistakes=[
        Mistake(
            "no_bias_correction",
            en=(
                "That is the uncorrected V (what scipy's association(table, "
                "method='cramer') gives). In a thousand members and a 4 x 4 table, chance "
                "alone makes it positive even without any association. Apply the bias "
                "correction: phi2 -> max(0, phi2 - (k-1)(r-1)/(n-1)), k -> k - (k-1)^2/(n-1), "
                "r -> r - (r-1)^2/(n-1), V = sqrt(phi2 / min(k-1, r-1))."
            ),
            zh=(
                "这是未校正的 V（scipy 的 association(table, method='cramer') 给出的值）。"
                "在约一千位会员、4 × 4 的表中，即使毫无关联，仅凭偶然它也会大于 0。"
                "请做偏差校正：phi2 -> max(0, phi2 - (k-1)(r-1)/(n-1))，"
                "k -> k - (k-1)^2/(n-1)，r -> r - (r-1)^2/(n-1)，"
                "V = sqrt(phi2 / min(k-1, r-1))。"
            ),
            produce=lambda expected: _v(_target_buyers(), correction=False),
        ),
        Mistake(
            "wrong_degrees_of_freedom",
            en=(
                "You divided phi² by (rows - 1) x (columns - 1), the degrees of freedom of "
                "the chi-square test. Cramér's V divides by the smaller of rows - 1 and "
                "columns - 1, so that a perfect association gives V = 1."
            ),
            zh=(
                "你用 phi² 除以了（行数 - 1）×（列数 - 1），即卡方检验的自由度。"
                "Cramér's V 应除以“行数 - 1”与“列数 - 1”中较小的那个，"
                "这样完全关联时 V = 1。"
            ),
            produce=lambda expected: _v_variants()["wrong_dof"][0],
            matches=lambda answer, expected: _is_one_of(answer, _v_variants()["wrong_dof"]),
        ),
        Mistake(
            "whole_base_not_target",
            en=(
                "That is V for every buyer. The question is about the target: members "
                "born in the 1980s or 1990s who live with children (family_with_children) "
                "and have a main channel."
            ),
            zh=(
                "这是全部购买会员的 V。题目问的是目标客群：出生于 1980 或 1990 年代、"
                "家中有孩子（family_with_children）且有主要渠道的会员。"
            ),
            produce=lambda expected: _v_variants()["whole_base"][0],
            matches=lambda answer, expected: _is_one_of(answer, _v_variants()["whole_base"]),
        ),
    ],
    hints=[
        {
            "en": (
                "Filter `customers` to the target (cohort 80后 or 90后, life stage "
                "family_with_children, main_channel not missing), then "
                "`table = pd.crosstab(target['city_tier'], target['main_channel'])`."
            ),
            "zh": (
                "先把 `customers` 筛选为目标客群（代际为 80后或90后、生命阶段为 "
                "family_with_children、main_channel 不缺失），再计算 "
                "`table = pd.crosstab(target['city_tier'], target['main_channel'])`。"
            ),
        },
        {
            "en": (
                "`stats.chi2_contingency(table, correction=False).statistic` is chi²; "
                "phi2 = chi² / n. Then apply the three corrections of the formula above "
                "and take `np.sqrt(phi2 / min(k - 1, r - 1))` with the corrected k and r."
            ),
            "zh": (
                "`stats.chi2_contingency(table, correction=False).statistic` 即 chi²；"
                "phi2 = chi² / n。再按上面的公式做三处校正，"
                "用校正后的 k 和 r 计算 `np.sqrt(phi2 / min(k - 1, r - 1))`。"
            ),
        },
        {
            "en": "`cramers_v(x, y)` of `coursekit.methods.demographic` applies the correction.",
            "zh": "`coursekit.methods.demographic` 中的 `cramers_v(x, y)` 已包含偏差校正。",
        },
    ],
    solution=(
        "target = customers[\n"
        '    customers["cohort"].isin(["80后", "90后"])\n'
        '    & (customers["life_stage"] == "family_with_children")\n'
        '    & customers["main_channel"].notna()\n'
        "]\n"
        'table = pd.crosstab(target["city_tier"], target["main_channel"])\n'
        "n = table.to_numpy().sum()\n"
        "r, k = table.shape\n"
        "phi2 = stats.chi2_contingency(table, correction=False).statistic / n\n"
        "phi2_corrected = max(0, phi2 - (k - 1) * (r - 1) / (n - 1))\n"
        "r_corrected = r - (r - 1) ** 2 / (n - 1)\n"
        "k_corrected = k - (k - 1) ** 2 / (n - 1)\n"
        "target_v = np.sqrt(phi2_corrected / min(k_corrected - 1, r_corrected - 1))"
    ),
)


# ---------------------------------------------------------------------------- q6 profile


def _spend_table(spend: pd.Series, stage: pd.Series, quantile, ddof: int = 1) -> pd.DataFrame:
    """members, mean spend and mean +- quantile(n) x SD / sqrt(n) per life stage."""
    by_stage = spend.groupby(stage.to_numpy(), observed=True, sort=True)
    table = by_stage.agg(members="size", spend_mean="mean")
    sd = by_stage.std(ddof=ddof)
    half = quantile(table["members"]) * sd / np.sqrt(table["members"])
    table["spend_low"] = table["spend_mean"] - half
    table["spend_high"] = table["spend_mean"] + half
    table.index = pd.Index(table.index.astype(str), name="life_stage")
    return table.astype({"members": "int64"})


def _t(members: pd.Series) -> np.ndarray:
    """The 97.5% t quantile for each segment size (a 95% t-interval)."""
    return stats.t.ppf(0.975, members - 1)


def _z(members: pd.Series) -> float:
    """The 97.5% normal quantile, 1.96, whatever the segment size."""
    return stats.norm.ppf(0.975)


@per_world
def _profile() -> pd.DataFrame:
    profile = segment_profile(_members(), _orders(), "life_stage")[PROFILE_COLUMNS]
    profile.index = pd.Index(profile.index.astype(str), name="life_stage")
    return profile


@per_world
def _right_profiles() -> tuple[pd.DataFrame, ...]:
    """The other right answers: a normal (z) interval, and either with the SD of ddof=0
    (np.std); for a segment of 60 members z and t differ by 2% of the half-width."""
    members = _members()
    spend, stage = members["spend"], members["life_stage"]
    return tuple(
        _spend_table(spend, stage, quantile, ddof) for quantile, ddof in ((_z, 1), (_t, 0), (_z, 0))
    )


def _spend_over(orders: pd.DataFrame) -> pd.Series:
    members = _members()
    spend = orders.groupby("customer_id")["net_amount"].sum()
    return members["customer_id"].map(spend)


@per_world
def _profile_of_buyers() -> pd.DataFrame:
    """The inner join: only members with a completed order."""
    members = _members()
    spend = _spend_over(completed_orders(_orders()))
    bought = spend.notna().to_numpy()
    return _spend_table(spend[bought], members["life_stage"][bought], _t)


@per_world
def _profile_with_every_status() -> pd.DataFrame:
    members = _members()
    spend = _spend_over(_orders()).fillna(0.0)
    return _spend_table(spend, members["life_stage"], _t)


def _profile_from_sd(quantile) -> pd.DataFrame:
    """mean +- quantile x SD: a range for members, not an interval of the mean."""
    table = _profile().copy()
    half = quantile(table["members"]) * _spend_sd().reindex(table.index)
    table["spend_low"] = table["spend_mean"] - half
    table["spend_high"] = table["spend_mean"] + half
    return table


class _OneOfFrames:
    """A frame with several right answers (t or z interval): equal to any of them under
    ``spec``. A wrong answer is described against the reference; a mistake's wrong answer
    is matched with ``spec`` alone (``exact``)."""

    def __init__(self, spec: FrameSpec, accepted) -> None:
        self.spec = spec
        self.accepted = accepted

    def exact(self) -> FrameSpec:
        return self.spec

    def compare(self, expected: pd.DataFrame, answer: Any) -> Comparison:
        result = self.spec.compare(expected, answer)
        if result.equal:
            return result
        for other in self.accepted():
            if self.spec.compare(other, answer).equal:
                return Comparison(True)
        return result


#: Spend in yuan: answers rounded to the fen (0.01) pass; the whole segment_profile (more
#: columns) is a right answer too.
_PROFILE_SPEC = FrameSpec(ignore_row_order=True, allow_extra_columns=True, rtol=0.0, atol=0.0051)


def _column_equals(answer: Any, column: str, wrong: pd.DataFrame) -> bool:
    values = column_by_key(answer, column, key="life_stage")
    if values is None:
        return False
    try:
        values = values.copy()
        values.index = values.index.astype(str)
    except (TypeError, ValueError):
        return False
    return same_numbers(values, wrong[column], atol=0.0051)


@per_world
def _spend_sd() -> pd.Series:
    members = _members()
    sd = members["spend"].groupby(members["life_stage"].to_numpy(), observed=True).std()
    sd.index = sd.index.astype(str)
    return sd


def _is_sd_interval(answer: Any, expected: pd.DataFrame) -> bool:
    """The half-width is about two standard deviations (1.96, a t quantile or 2), where the
    interval of the mean is about two standard errors: 20 to 40 times narrower here."""
    means = column_by_key(answer, "spend_mean", key="life_stage")
    lows = column_by_key(answer, "spend_low", key="life_stage")
    if means is None or lows is None:
        return False
    try:
        half = (means - lows).astype("float64")
        half.index = half.index.astype(str)
        ratio = (half / _spend_sd()).to_numpy(dtype="float64")
    except (TypeError, ValueError):
        return False
    if len(ratio) != len(_spend_sd()) or np.isnan(ratio).any():
        return False
    return bool(((ratio > 1.8) & (ratio < 2.2)).all())


q6 = ValueProblem(
    id="demographic.q6",
    var="spend_by_stage",
    title={
        "en": "Spend per member by life stage, with intervals",
        "zh": "各生命阶段的人均消费及其置信区间",
    },
    reference=_profile,
    compare=_OneOfFrames(_PROFILE_SPEC, _right_profiles),
    mistakes=[
        Mistake(
            "members_without_orders_dropped",
            en=(
                "Members without a completed order are missing from your means: an inner "
                "join (or a groupby over the orders) keeps only the buyers, so every life "
                "stage looks richer than it is, and by different amounts. Count every "
                "member of customers, with spend 0 when they never bought "
                "(map the spend onto customers, then fillna(0))."
            ),
            zh=(
                "没有已完成订单的会员从你的平均值里消失了：内连接（或对订单分组）只保留了"
                "购买过的会员，于是每个生命阶段都显得比实际更富裕，而且偏高的程度各不相同。"
                "请统计 customers 中的每一位会员，从未购买的会员消费记为 0"
                "（先把消费额 map 到 customers 上，再 fillna(0)）。"
            ),
            produce=lambda expected: _profile_of_buyers(),
            matches=lambda answer, expected: _column_equals(
                answer, "spend_mean", _profile_of_buyers()
            ),
        ),
        Mistake(
            "statuses_kept",
            en=(
                "Returned and cancelled orders are in the spend: their money never stayed "
                "with the chain. Sum net_amount over completed orders only."
            ),
            zh=(
                "消费额里包含了退货和取消的订单：这些钱并没有留在公司。"
                "请只汇总已完成订单的 net_amount。"
            ),
            produce=lambda expected: _profile_with_every_status(),
            matches=lambda answer, expected: _column_equals(
                answer, "spend_mean", _profile_with_every_status()
            ),
        ),
        Mistake(
            "interval_from_sd",
            en=(
                "Your interval uses the standard deviation of spend: mean +- 1.96 x SD is "
                "where most members lie, not how sure we are of the mean. The interval of "
                "the mean uses the standard error, SD / sqrt(n): mean +- t x SD / sqrt(n)."
            ),
            zh=(
                "你的区间用的是消费额的标准差：均值 ± 1.96 × 标准差描述的是大多数会员落在"
                "哪里，而不是我们对均值有多确定。均值的置信区间要用标准误 SD / sqrt(n)："
                "均值 ± t × SD / sqrt(n)。"
            ),
            produce=lambda expected: _profile_from_sd(_z),
            matches=_is_sd_interval,
        ),
    ],
    hints=[
        {
            "en": (
                "Sum `net_amount` of `completed` per customer, `.map` it onto "
                "`customers['customer_id']` and `.fillna(0)`: now every member has a "
                "spend. Then group it by `customers['life_stage']`."
            ),
            "zh": (
                "按客户汇总 `completed` 的 `net_amount`，用 `.map` 对应到 "
                "`customers['customer_id']` 上，再 `.fillna(0)`：这样每位会员都有消费额。"
                "然后按 `customers['life_stage']` 分组。"
            ),
        },
        {
            "en": (
                "Per group: `size`, `mean` and `sem` (the standard error). The 95% "
                "t-interval is mean +- `stats.t.ppf(0.975, n - 1)` x sem."
            ),
            "zh": (
                "每组计算 `size`、`mean` 和 `sem`（标准误）。95% 的 t 区间为 "
                "均值 ± `stats.t.ppf(0.975, n - 1)` × sem。"
            ),
        },
        {
            "en": (
                "`segment_profile(customers, orders, 'life_stage')` of "
                "`coursekit.methods.demographic` has these columns and many more."
            ),
            "zh": (
                "`coursekit.methods.demographic` 中的 "
                "`segment_profile(customers, orders, 'life_stage')` 包含这些列以及更多列。"
            ),
        },
    ],
    solution=(
        'spend = completed.groupby("customer_id")["net_amount"].sum()\n'
        'spend_per_member = customers["customer_id"].map(spend).fillna(0)\n'
        'by_stage = spend_per_member.groupby(customers["life_stage"], observed=True)\n'
        "n, mean = by_stage.size(), by_stage.mean()\n"
        "half = stats.t.ppf(0.975, n - 1) * by_stage.sem()\n"
        "spend_by_stage = pd.DataFrame({\n"
        '    "members": n, "spend_mean": mean,\n'
        '    "spend_low": mean - half, "spend_high": mean + half,\n'
        "})"
    ),
)


# ---------------------------------------------------------------------------- q7 intervals

q7 = ChoiceProblem(
    id="demographic.q7",
    var="answer_q7",
    title={"en": "Is there a difference?", "zh": "两者真的有差别吗？"},
    options={
        "a": {
            "en": "Empty nesters are the more valuable segment: their mean is 70 yuan higher.",
            "zh": "空巢会员更有价值：他们的均值高出 70 元。",
        },
        "b": {
            "en": (
                "The data do not show a difference: the intervals overlap widely, and 70 "
                "yuan is well inside the uncertainty of either mean."
            ),
            "zh": "数据并没有显示出差别：两个区间大幅重叠，70 元完全在两个均值的不确定范围之内。",
        },
        "c": {
            "en": "The data show that the two segments spend the same.",
            "zh": "数据表明两个群体的消费相同。",
        },
        "d": {
            "en": "Most empty nesters spend more than most couples.",
            "zh": "大多数空巢会员的消费都高于大多数二人世界会员。",
        },
    },
    answer="b",
    explanation={
        "en": (
            "Two means whose 95% intervals overlap this much are compatible with no "
            "difference at all, and with a gap of a couple of hundred yuan either way. A "
            "bare mean on a slide invites reading noise as a difference; show the interval "
            "next to it."
        ),
        "zh": (
            "两个 95% 区间如此大幅重叠的均值，既可能完全没有差别，也可能相差两三百元"
            "（方向不定）。幻灯片上只放均值，容易把噪声当成差别；请把区间放在均值旁边。"
        ),
    },
    mistakes={
        "a": Mistake(
            "means_read_as_differences",
            en=(
                "A higher mean alone is not a difference: each mean is uncertain by about "
                "170 yuan either way, so 70 yuan may be chance. Read the intervals before "
                "ranking segments."
            ),
            zh=(
                "均值更高本身并不代表真有差别：每个均值上下都有约 170 元的不确定性，"
                "70 元的差距可能只是偶然。给群体排序之前，先看区间。"
            ),
        ),
        "c": Mistake(
            "no_evidence_read_as_equal",
            en=(
                "Overlapping intervals do not show that the means are equal: the data are "
                "also compatible with a real gap of a couple of hundred yuan. 'No "
                "difference shown' is not 'shown to be the same'."
            ),
            zh=(
                "区间重叠并不能说明两个均值相等：数据同样可能对应两三百元的真实差距。"
                "“没有显示出差别”不等于“证明了相同”。"
            ),
        ),
        "d": Mistake(
            "mean_describes_every_member",
            en=(
                "The intervals are about the means, not the members. Spend inside each "
                "segment is spread over thousands of yuan, so most members of both "
                "segments overlap whatever the means do."
            ),
            zh=(
                "区间描述的是均值，而不是每位会员。每个群体内部的消费分散在几千元的范围内，"
                "无论均值如何，两个群体的大多数会员都相互重叠。"
            ),
        ),
    },
    hints=[
        {
            "en": "How far apart are the means, and how wide is each interval?",
            "zh": "两个均值相差多少？每个区间有多宽？",
        },
        {
            "en": (
                "An interval is the range of means the data are compatible with. Is 'the "
                "same mean' inside both intervals? Is 'a gap of 200 yuan'?"
            ),
            "zh": "区间是与数据相容的均值范围。“均值相同”在两个区间内吗？“相差 200 元”呢？",
        },
    ],
)


# ---------------------------------------------------------------------------- q8 eta squared


def _eta2_of(frame: pd.DataFrame, spend: pd.Series) -> pd.Series:
    values = {column: eta_squared(spend, frame[column]) for column in DEMOGRAPHICS}
    return pd.Series(values, name="eta2")


@per_world
def _eta2() -> pd.Series:
    members = _members()
    return _eta2_of(members, members["spend"])


@per_world
def _eta2_buyers() -> pd.Series:
    members = _members()
    buyers = members[members["main_channel"].notna()]
    return _eta2_of(buyers, buyers["spend"])


@per_world
def _linear_r2() -> pd.Series:
    """The squared correlation of spend with the category codes: a straight line only."""
    members = _members()
    values = {}
    for column in DEMOGRAPHICS:
        codes = pd.Series(members[column]).astype("category").cat.codes
        values[column] = float(np.corrcoef(members["spend"], codes)[0, 1] ** 2)
    return pd.Series(values, name="eta2")


_ETA2_SPEC = SeriesSpec(ignore_order=True, rtol=0.0, atol=6e-5)  # four decimals


def _eta2_values(answer: Any) -> pd.Series | None:
    if isinstance(answer, pd.DataFrame) and answer.shape[1] == 1:
        answer = answer.iloc[:, 0]
    if not isinstance(answer, pd.Series) or not answer.index.is_unique:
        return None
    if set(answer.index) != set(DEMOGRAPHICS):
        return None
    try:
        return answer.reindex(list(DEMOGRAPHICS)).astype("float64")
    except (TypeError, ValueError):
        return None


def _is_percent_series(answer: Any, expected: pd.Series) -> bool:
    """Every value is η² in percent (rounded to one decimal at most)."""
    values = _eta2_values(answer)
    return values is not None and bool(((values - 100 * _eta2()).abs() <= 0.051).all())


def _is_linear(answer: Any, expected: pd.Series) -> bool:
    """At least one demographic given as the linear r², the others right or linear too."""
    values = _eta2_values(answer)
    if values is None:
        return False
    linear, right = _linear_r2(), _eta2()
    close = _ETA2_SPEC.atol
    as_linear = (values - linear).abs() <= close
    as_right = (values - right).abs() <= close
    return bool((as_linear | as_right).all() and (as_linear & ~as_right).any())


q8 = ValueProblem(
    id="demographic.q8",
    var="eta2",
    title={
        "en": "How much of the spend do demographics explain?",
        "zh": "人口统计特征能解释多少消费差异？",
    },
    reference=_eta2,
    compare=_ETA2_SPEC,
    mistakes=[
        Mistake(
            "percent_not_fraction",
            en=(
                "Give η² as a fraction between 0 and 1 (0.059, not 5.9): it is a share of "
                "the variance."
            ),
            zh="请用 0 到 1 之间的小数表示 η²（0.059，而不是 5.9）：它是方差中的占比。",
            produce=lambda expected: _eta2() * 100,
            matches=_is_percent_series,
        ),
        Mistake(
            "members_without_orders_dropped",
            en=(
                "You computed η² over buyers only. Members without orders spent 0 and are "
                "part of the question: how much of the differences in spend between all "
                "members do the segments explain? Use the spend column with its zeros."
            ),
            zh=(
                "你只对购买过的会员计算了 η²。没有订单的会员消费为 0，也属于问题的一部分："
                "全体会员之间的消费差异，有多少能由分群解释？请使用含 0 的 spend 列。"
            ),
            produce=lambda expected: _eta2_buyers(),
        ),
        Mistake(
            "categories_as_numbers",
            en=(
                "For at least one variable you squared a correlation with its codes (city "
                "tier 1-4, the band numbers): that measures a straight-line trend only. η² "
                "compares the group means, in whatever order they fall: the between-group "
                "sum of squares over the total sum of squares (eta_squared(values, groups))."
            ),
            zh=(
                "至少有一个变量你计算的是它与编码（城市等级 1–4、档位序号）的相关系数平方："
                "这只衡量直线趋势。η² 比较的是各组均值，不论它们的大小顺序如何："
                "组间平方和除以总平方和（eta_squared(values, groups)）。"
            ),
            produce=lambda expected: _linear_r2(),
            matches=_is_linear,
        ),
    ],
    hints=[
        {
            "en": (
                "η² = between-group sum of squares / total sum of squares. "
                "`eta_squared(customers['spend'], customers['city_tier'])` gives one value."
            ),
            "zh": (
                "η² = 组间平方和 / 总平方和。"
                "`eta_squared(customers['spend'], customers['city_tier'])` 可得到一个值。"
            ),
        },
        {
            "en": (
                "Build a Series with one value per column: "
                "`pd.Series({column: ... for column in ['age_band', 'life_stage', "
                "'income_band', 'city_tier']})`."
            ),
            "zh": (
                "为每一列算一个值，组成 Series："
                "`pd.Series({column: ... for column in ['age_band', 'life_stage', "
                "'income_band', 'city_tier']})`。"
            ),
        },
    ],
    solution=(
        "eta2 = pd.Series({\n"
        '    column: eta_squared(customers["spend"], customers[column])\n'
        '    for column in ["age_band", "life_stage", "income_band", "city_tier"]\n'
        "})"
    ),
)


# ---------------------------------------------------------------------------- q9 the memo

q9 = OpenProblem(
    id="demographic.q9",
    var="memo",
    title={
        "en": "Case: should FreshNeighbor aim at 80后 and 90后 families like Sam's Club?",
        "zh": "案例：鲜邻是否应像山姆一样瞄准 80后、90后家庭？",
    },
    rubric=[
        {
            "en": (
                "Sizes the target: how many members are 80后 / 90后 families, and how "
                "over-represented families are in those generations (share, TGI)."
            ),
            "zh": (
                "说明目标客群的规模：80后、90后家庭有多少会员，"
                "有孩家庭在这两代人中的集中程度（占比、TGI）。"
            ),
        },
        {
            "en": (
                "Describes how they buy with intervals, not bare means: spend per member, "
                "order value, main channel by city tier."
            ),
            "zh": (
                "用区间而不是单纯的均值描述他们的购买：人均消费、客单价、不同城市等级的主要渠道。"
            ),
        },
        {
            "en": (
                "States the limits: demographics explain a small share of the spend (η²), "
                "the spread inside the target is wide, and the segment mixes different "
                "personas."
            ),
            "zh": (
                "指出局限：人口统计特征只能解释消费差异的一小部分（η²），"
                "目标客群内部差异很大，且混合了不同的客户画像。"
            ),
        },
        {
            "en": (
                "Proposes an action for the target and how to test it (a random holdout "
                "group, a measure of success)."
            ),
            "zh": "为目标客群提出行动建议，并说明如何检验（随机留出对照组、成功的衡量指标）。",
        },
    ],
    model_answer={
        "en": (
            "Sam's Club aims at families born in the 1980s and 1990s; in our data the "
            "80后 and 90后 are our largest generations, and among the 80后 families with "
            "children are clearly over-represented (TGI well above 100), while the 90后 "
            "are still mostly singles and couples. Families spend more per member than "
            "singles and couples, and the intervals of the profile do not overlap, so "
            "that difference is real; first-tier families order more on the app, "
            "lower-tier families more through group buying. But life stage explains only "
            "a few percent of the spend variance, and inside the target spend ranges "
            "from almost nothing to many thousands of yuan: the target mixes value-seeking "
            "families with health-minded professionals, affluent bulk buyers and busy "
            "commuters. I would test a "
            "family weekend bundle for 80后 and 90后 families through the app in first- "
            "and second-tier cities and through group-buy chats elsewhere, with a random "
            "holdout group, and measure spend per member over eight weeks. In parallel, "
            "modules 04 and 05 should find the segments that demographics miss."
        ),
        "zh": (
            "山姆会员店瞄准的是 80后、90后家庭；在我们的数据中，80后和90后是人数最多的"
            "两代会员，其中 80后中有孩家庭明显集中（TGI 远高于 100），而 90后仍以单身和"
            "二人世界为主。有孩家庭的人均消费高于单身和二人世界，且画像中的置信区间"
            "不重叠，这个差别是真实的；一线城市的家庭更多用 APP 下单，低线城市的家庭"
            "更多通过社群团购。但生命阶段只能解释消费方差的百分之几，目标客群内部的消费"
            "从几乎为零到数千元不等：其中既有精打细算的家庭，也有注重健康的白领、"
            "富裕的囤货型买家和忙碌的通勤族。"
            "我建议面向 80后、90后家庭测试“家庭周末组合装”：一二线城市通过 APP 推送，"
            "其他城市通过社群接龙推送，保留随机对照组，衡量八周内的人均消费。"
            "同时，用模块 04 和 05 的方法找出人口统计遗漏的细分群体。"
        ),
    },
    min_words=60,
    hints=[
        {
            "en": (
                "Use what the notebook measured: q3 and q4 for the size of the target, the "
                "profile and channel mix for how they buy, η² and the reveal for the "
                "limits."
            ),
            "zh": (
                "利用笔记本中的结果：q3、q4 说明目标客群规模，"
                "画像和渠道结构说明购买方式，η² 和揭晓部分说明局限。"
            ),
        },
        {
            "en": (
                "End with one action you could test next month, and say how you would "
                "know it worked."
            ),
            "zh": "最后提出一个下个月就能测试的行动，并说明如何判断它是否有效。",
        },
    ],
)

PROBLEMS = [q1, q2, q3, q4, q5, q6, q7, q8, q9]
