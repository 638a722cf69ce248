"""Module 08, the capstone (综合案例：社群团购): the problems of ``08_capstone``.

FreshNeighbor's management wants a community group-buying programme (社群团购) with a
contact budget and a target: pay for itself and beat random targeting. The trainee walks
the five steps of the training material: profiles the communities and their leaders (团长)
from the raw chats (数据收集), measures who is in the groups (数据分析), segments the members
for the programme (客户细分), reads why management's "group price for everyone" loses money,
writes the targeting and the offer memos and builds a plan the simulator tests within the
budget (制定策略), and sets up the evaluation (效果评估).

Auto-checked milestones are value problems whose spec tests requirements rather than one
right answer: the plan (:data:`q7`) must be a plan the simulator accepts, carry the
programme segments, stay within the budget, make money in expectation and beat random
targeting; the evaluation plan (:data:`q8`) must hold out a random group, judge by
incremental gross profit over a long enough window and name segments to watch. Memos are
open problems with a structured rubric (criteria x levels x points) and a model answer.
"""

from __future__ import annotations

import dataclasses
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from coursekit import course
from coursekit.engine import (
    ChoiceProblem,
    Criterion,
    FrameSpec,
    Mistake,
    OpenProblem,
    Rubric,
    SeriesSpec,
    ValueProblem,
    ____,
    per_world,
    world_cached,
)
from coursekit.engine.compare import Comparison, Finding
from coursekit.engine.i18n import text
from coursekit.engine.recognize import column_is
from coursekit.methods.capstone import (
    ACTIVE_DAYS,
    GROUP_BUY,
    KPI_CHOICES,
    SEGMENTS,
    SENIOR_AGE,
    chain_lines,
    chain_posts,
    community_profile,
    evaluation_plan_problems,
    group_buy_share,
    programme_segment,
)
from coursekit.methods.common import completed_orders, snapshot_date
from coursekit.methods.data_collection import TEST_MARK
from coursekit.synth.io import raw_export_path

__all__ = [
    "KPI_CHOICES",
    "PROBLEMS",
    "____",
    "launch_budget",
    "q1",
    "q2",
    "q3",
    "q4",
    "q5",
    "q6",
    "q7",
    "q8",
    "q9",
]

NOTEBOOK = "08_capstone"

#: The launch budget for contacts: 0.30 yuan per member of the base.
BUDGET_PER_MEMBER = 0.3
#: The seed every simulation of the capstone uses (common random numbers).
SEED = 0


# ---------------------------------------------------------------------------- shared data


@per_world
def _orders() -> pd.DataFrame:
    return course.load("orders")


@per_world
def _customers() -> pd.DataFrame:
    return course.load("customers")


@per_world
def _completed() -> pd.DataFrame:
    return completed_orders(_orders())


@per_world
def _end() -> pd.Timestamp:
    return snapshot_date(_orders())


@per_world
def _chats() -> tuple[pd.DataFrame, pd.DataFrame]:
    path = raw_export_path(course.data_dir(), "group_buy_chains.txt")
    return chain_posts(path), chain_lines(path, _customers())


def launch_budget() -> float:
    """The launch budget of the data in use (yuan of contact costs)."""
    return round(BUDGET_PER_MEMBER * len(_customers()), 2)


# ---------------------------------------------------------------------------- q1 communities


def _profile(test_group: bool = False, statuses: bool = False) -> pd.DataFrame:
    posts, lines = _chats()
    if statuses:
        lines = lines.assign(status="completed")
    table = community_profile(lines, posts)
    if test_group:
        test = posts[posts["group"].str.contains(TEST_MARK, na=False)]
        extra = pd.DataFrame(
            {
                "store_code": test.groupby("group")["store_code"].first(),
                "chains": test.groupby("group").size(),
                "leaders": test.groupby("group")["leader"].nunique(),
            }
        )
        table = pd.concat([table, extra]).fillna(0)
    return table


@per_world
def _q1_reference() -> pd.DataFrame:
    return _profile()


def _has_test_group(answer: Any, expected: Any) -> bool:
    if not isinstance(answer, pd.DataFrame):
        return False
    labels = answer["group"] if "group" in answer.columns else answer.index.to_series()
    return bool(labels.astype(str).str.contains(TEST_MARK).any())


def _column_of(column: str, wrong: Any):
    def matches(answer: Any, expected: pd.DataFrame) -> bool:
        return column_is(answer, column, wrong(), key="group")

    return matches


q1 = ValueProblem(
    id="capstone.q1",
    var="communities",
    title={"en": "Profile the communities and their leaders", "zh": "社群与团长画像"},
    reference=lambda: _q1_reference(),
    compare=FrameSpec(key="group", ignore_row_order=True, atol=0.01),
    mistakes=[
        Mistake(
            "test_group_kept",
            en=(
                "The test group (【测试群】) is in the table: the staff set up the 接龙 tool "
                "there, with the training store S0000. Its chains are not a community; "
                "drop the posts whose group contains 测试."
            ),
            zh=(
                "表中包含测试群（【测试群】）：那是员工调试接龙工具用的群，自提门店为培训门店 "
                "S0000，不是真正的社群。请去掉群名包含“测试”的接龙。"
            ),
            produce=lambda expected: _profile(test_group=True),
            matches=_has_test_group,
        ),
        Mistake(
            "cancelled_lines_counted",
            en=(
                "Cancelled and refunded sign-ups (已取消, 已退款) are counted as orders. A "
                "member who signs up and cancels bought nothing: keep status == 'completed'."
            ),
            zh=(
                "已取消、已退款的接龙也被算成了订单。报名后取消的会员并没有购买："
                "请只保留 status == 'completed' 的行。"
            ),
            produce=lambda expected: _profile(statuses=True),
            matches=_column_of("orders", lambda: _profile(statuses=True)["orders"]),
        ),
        Mistake(
            "members_counted_in_lines",
            en=(
                "members counts sign-up lines, not people: a regular who joins twenty chains "
                "is one member. Use nunique() of customer_id."
            ),
            zh=(
                "members 统计的是接龙行数而不是人数：参加了二十次接龙的老顾客也只是一位会员。"
                "请对 customer_id 使用 nunique()。"
            ),
            produce=lambda expected: expected.assign(members=expected["orders"]),
            matches=_column_of("members", lambda: _q1_reference()["orders"]),
        ),
        Mistake(
            "leaders_counted_in_chains",
            en=(
                "leaders counts posts, not people. Count the distinct 团长 names per group "
                "(nunique): that the two numbers are close is the finding."
            ),
            zh=(
                "leaders 统计的是接龙帖数而不是人数。请统计每个群不同团长姓名的个数（nunique）："
                "两个数字很接近，这本身就是发现。"
            ),
            produce=lambda expected: expected.assign(leaders=expected["chains"]),
            matches=_column_of("leaders", lambda: _q1_reference()["chains"]),
        ),
    ],
    hints=[
        {
            "en": (
                "Drop the test group from `posts` first; count `chains` and distinct "
                "`leaders` per group from the posts, and the rest from the completed lines."
            ),
            "zh": (
                "先从 `posts` 中去掉测试群；按群统计 `chains`（帖数）和不同的 `leaders`"
                "（团长数），其余指标用已完成的接龙行计算。"
            ),
        },
        {
            "en": (
                "repeat_share: per (group, customer_id) the number of distinct days "
                "(`order_ts.dt.normalize()`), then the share of members with 2 or more."
            ),
            "zh": (
                "repeat_share：按（group, customer_id）统计不同日期数"
                "（`order_ts.dt.normalize()`），再求其中 ≥ 2 的会员占比。"
            ),
        },
    ],
    solution=(
        'real_posts = posts[~posts["group"].str.contains("测试")]\n'
        'done = lines[lines["status"] == "completed"]\n'
        'by_post, by_group = real_posts.groupby("group"), done.groupby("group")\n'
        'days = (done.assign(day=done["order_ts"].dt.normalize())\n'
        '        .groupby(["group", "customer_id"])["day"].nunique())\n'
        "communities = pd.DataFrame({\n"
        '    "store_code": by_post["store_code"].first(),\n'
        '    "chains": by_post.size(),\n'
        '    "leaders": by_post["leader"].nunique(),\n'
        '    "members": by_group["customer_id"].nunique(),\n'
        '    "orders": by_group.size(),\n'
        '    "revenue": by_group["amount"].sum(),\n'
        '    "repeat_share": (days >= 2).groupby(level="group").mean(),\n'
        "})"
    ),
)


# ---------------------------------------------------------------------------- q2 who is in


def _tier() -> pd.Series:
    return _customers().set_index("customer_id")["city_tier"]


def _gb_share(how: str = "members") -> pd.Series:
    orders, tier = _orders(), _tier()
    if how == "statuses":
        return group_buy_share(orders.assign(status="completed"), tier)
    if how == "members":
        return group_buy_share(orders, tier)
    done = _completed()
    if how == "orders":
        share = (done["channel"] == GROUP_BUY).groupby(done["customer_id"].map(tier)).mean()
    else:  # how the group buyers are spread over the tiers
        buyers = done.loc[done["channel"] == GROUP_BUY, "customer_id"].drop_duplicates()
        share = buyers.map(tier).value_counts(normalize=True)
    share.index.name = "city_tier"
    return share.sort_index().rename("group_buy_share")


@per_world
def _q2_reference() -> pd.Series:
    return _gb_share()


q2 = ValueProblem(
    id="capstone.q2",
    var="gb_share",
    title={"en": "Who is in the groups, by city tier?", "zh": "各城市等级的社群团购渗透率"},
    reference=lambda: _q2_reference(),
    compare=SeriesSpec(ignore_order=True, atol=5e-4),
    mistakes=[
        Mistake(
            "share_of_orders",
            en=(
                "That is the share of ORDERS placed in a group buy. The programme recruits "
                "people: the question is what share of the buying members has joined a "
                "chain at least once."
            ),
            zh=(
                "这是社群团购订单占订单的比例。社群计划招募的是人：问题是有购买的会员中，"
                "至少参加过一次接龙的人占多少。"
            ),
            produce=lambda expected: _gb_share("orders"),
        ),
        Mistake(
            "share_of_group_buyers",
            en=(
                "Your shares add up to 1: they say where the group buyers live, not how many "
                "of a tier's members buy in groups. Divide by the buying members of each tier."
            ),
            zh=(
                "你的比例加起来等于 1：它说明的是团购会员分布在哪些城市等级，"
                "而不是每个等级里有多少会员参加团购。分母应为每个等级的购买会员数。"
            ),
            produce=lambda expected: _gb_share("spread"),
        ),
        Mistake(
            "cancelled_orders_counted",
            en=(
                "Cancelled and returned orders count here: a member whose only group buy was "
                "cancelled is not in the groups. Start from the completed orders."
            ),
            zh=(
                "这里把取消和退货的订单也算进来了：唯一一笔团购订单被取消的会员并不在群里。"
                "请从已完成订单开始。"
            ),
            produce=lambda expected: _gb_share("statuses"),
        ),
    ],
    hints=[
        {
            "en": (
                "Per member: did they ever complete a group-buy order? "
                "`(completed['channel'] == 'group_buy').groupby(completed['customer_id']).any()`"
            ),
            "zh": (
                "逐个会员判断：是否完成过社群团购订单？"
                "`(completed['channel'] == 'group_buy').groupby(completed['customer_id']).any()`"
            ),
        },
        {
            "en": "Then the mean of that True/False per city_tier of the member.",
            "zh": "再按会员的 city_tier 对这个布尔值求均值。",
        },
    ],
    solution=(
        'in_groups = ((completed["channel"] == "group_buy")\n'
        '             .groupby(completed["customer_id"]).any())\n'
        'tier = customers.set_index("customer_id")["city_tier"]\n'
        "gb_share = in_groups.groupby(tier.reindex(in_groups.index)).mean()"
    ),
)


# ---------------------------------------------------------------------------- q3 segments


def _segments(order: str = "right", lapsed: bool = True, statuses: bool = False) -> pd.Series:
    orders, customers, end = _orders(), _customers(), _end()
    if statuses:  # a cancelled group buy makes a group buyer; other rules stay as they are
        right = programme_segment(orders, customers, end)
        any_gb = orders.loc[orders["channel"] == GROUP_BUY, "customer_id"].unique()
        wrong = right.where(~(right.index.isin(any_gb) & (right != "lapsed")), "group_buyer")
        return wrong
    right = programme_segment(orders, customers, end)
    done = _completed()
    info = customers.drop_duplicates("customer_id").set_index("customer_id").reindex(right.index)
    group_buyer = (done["channel"] == GROUP_BUY).groupby(done["customer_id"]).any()
    group_buyer = group_buyer.reindex(right.index).to_numpy()
    family = info["has_children"].astype(bool).to_numpy()
    senior = (info["age"] >= SENIOR_AGE).to_numpy()
    is_lapsed = (right == "lapsed").to_numpy()
    if order == "demography_first":
        rules = [is_lapsed, family, senior, group_buyer]
        names = ["lapsed", "family", "senior", "group_buyer"]
    else:
        rules = [group_buyer, family, senior]
        names = ["group_buyer", "family", "senior"]
        if lapsed:
            rules, names = [is_lapsed, *rules], ["lapsed", *names]
    kind = np.select(rules, names, default="other")
    return pd.Series(kind, index=right.index, name="segment")


@per_world
def _q3_reference() -> pd.Series:
    return _segments()


q3 = ValueProblem(
    id="capstone.q3",
    var="segment",
    title={"en": "Segment the members for the programme", "zh": "为社群计划细分会员"},
    reference=lambda: _q3_reference(),
    compare=SeriesSpec(ignore_order=True),
    mistakes=[
        Mistake(
            "demography_before_behaviour",
            en=(
                "The family and senior rules come before the group-buyer rule, so members "
                "who already buy in the groups are filed as prospects. What a member does "
                "(buys in a group) is stronger evidence than who they are: test "
                "group_buyer first, after lapsed."
            ),
            zh=(
                "家庭和银发规则排在团购会员规则之前，已经在群里购买的会员被当成了潜在客户。"
                "会员做了什么（在群里买）比他是谁更有说服力：在 lapsed 之后先判断 group_buyer。"
            ),
            produce=lambda expected: _segments(order="demography_first"),
        ),
        Mistake(
            "lapsed_not_separated",
            en=(
                f"Members without a completed order in the last {ACTIVE_DAYS} days are mixed "
                "into the launch segments. Many of them are gone; an invitation cannot move "
                "them. Give them their own segment first (a win-back job)."
            ),
            zh=(
                f"最近 {ACTIVE_DAYS} 天没有已完成订单的会员被混进了上线客群。他们中很多人已经流失，"
                "邀请打动不了他们。请先把他们单独分为 lapsed（这是唤醒的任务）。"
            ),
            produce=lambda expected: _segments(lapsed=False),
        ),
        Mistake(
            "cancelled_group_buys_counted",
            en=(
                "A member whose group-buy orders were all cancelled or returned is filed as "
                "a group buyer. Use the completed orders for every rule."
            ),
            zh="所有团购订单都被取消或退货的会员被归为团购会员。每条规则都应使用已完成订单。",
            produce=lambda expected: _segments(statuses=True),
        ),
    ],
    hints=[
        {
            "en": (
                "`np.select([~active, group_buyer, family, senior], ['lapsed', "
                "'group_buyer', 'family', 'senior'], default='other')`: the first rule wins."
            ),
            "zh": (
                "`np.select([~active, group_buyer, family, senior], ['lapsed', "
                "'group_buyer', 'family', 'senior'], default='other')`：先匹配的规则优先。"
            ),
        },
        {
            "en": (
                f"active = last completed order on or after end - {ACTIVE_DAYS} days; "
                f"senior = age >= {SENIOR_AGE}; index the result by customer_id."
            ),
            "zh": (
                f"active 为最后一次已完成订单在 end - {ACTIVE_DAYS} 天或之后；"
                f"senior 为 age >= {SENIOR_AGE}；结果以 customer_id 为索引。"
            ),
        },
    ],
    solution=(
        "segment = pd.Series(np.select(\n"
        "    [~active, group_buyer, family, senior],\n"
        '    ["lapsed", "group_buyer", "family", "senior"], default="other"),\n'
        '    index=members.index, name="segment")'
    ),
)


# ---------------------------------------------------------------------------- q4 the group price

q4 = ChoiceProblem(
    id="capstone.q4",
    var="answer_q4",
    title={
        "en": "Why does the group price for everyone lose money?",
        "zh": "为什么“人人团购价”会亏钱？",
    },
    options={
        "a": {
            "en": (
                "Most of the 15% group price is paid on orders the members would have placed "
                "anyway: the redemption cost is far larger than the margin on the extra orders."
            ),
            "zh": "15% 的团购价大多给了本来就会下的订单：核销成本远大于增量订单带来的毛利。",
        },
        "b": {
            "en": "The WeCom messages cost too much: with cheap channels it would pay.",
            "zh": "企业微信消息太贵：换成便宜的渠道就能赚钱。",
        },
        "c": {
            "en": "The members do not respond to group buying: nobody orders more.",
            "zh": "会员对团购没有反应：没有人多下单。",
        },
        "d": {
            "en": "The 20% holdout wastes the effect on members who get nothing.",
            "zh": "20% 的对照组什么也没拿到，浪费了活动效果。",
        },
    },
    answer="a",
    explanation={
        "en": (
            "Even at SMS and app-push prices the plan loses money: the redemption cost is "
            "many times the contact cost, and the extra orders bring a margin of about a "
            "quarter of their value. A discount pays only where it moves many orders per "
            "yuan given away; points cost less per order and are partly never used."
        ),
        "zh": (
            "即使改用短信和 APP 推送，方案仍然亏钱：核销成本是触达成本的许多倍，"
            "而增量订单的毛利只有订单金额的四分之一左右。折扣只有在每让利一元能带来足够多订单时才划算；"
            "积分每单成本更低，而且有一部分永远不会被使用。"
        ),
    },
    mistakes={
        "b": Mistake(
            "blamed_the_channel",
            en=(
                "The second run used SMS and app push (a small part of the budget) and "
                "still lost money: the redemption cost is the hole, not the channel."
            ),
            zh=(
                "第二次模拟用的是短信和 APP 推送（只占预算的一小部分），仍然亏钱："
                "窟窿在核销成本，不在渠道。"
            ),
        ),
        "c": Mistake(
            "no_response_assumed",
            en=(
                "They do respond: incremental orders and revenue rise. The extra orders are "
                "simply worth less than the discount given on all orders."
            ),
            zh="会员是有反应的：增量订单和收入都上升了。只是增量订单的价值抵不上所有订单上的让利。",
        ),
        "d": Mistake(
            "holdout_blamed",
            en=(
                "The holdout costs nothing and is what makes the effect measurable: without "
                "it the redemptions would look like success."
            ),
            zh="对照组不花钱，而且正是它让效果可以衡量：没有它，核销数看起来就像成功。",
        ),
    },
    hints=[
        {
            "en": "Compare the contact cost, the redemption cost and the incremental revenue.",
            "zh": "比较触达成本、核销成本和增量收入。",
        },
        {
            "en": "Which cost stays when the channel becomes cheap?",
            "zh": "渠道变便宜之后，哪一项成本依然存在？",
        },
    ],
)


# ---------------------------------------------------------------------------- rubrics

LEVELS = [
    {"en": "missing", "zh": "缺失"},
    {"en": "partial", "zh": "部分"},
    {"en": "complete", "zh": "完整"},
]


def _criterion(title: dict, partial: dict, complete: dict, points: int = 2) -> Criterion:
    return Criterion(
        title=title,
        levels=[
            (0, {"en": "not addressed", "zh": "未涉及"}),
            (points // 2, partial),
            (points, complete),
        ],
    )


TARGET_RUBRIC = Rubric(
    levels=LEVELS,
    criteria=[
        _criterion(
            {"en": "Target communities", "zh": "目标社群"},
            {"en": "names communities without a reason", "zh": "列出社群但没有理由"},
            {
                "en": "chooses communities by the data (tier, members, repeat share)",
                "zh": "依据数据（城市等级、会员数、复购参与率）选择社群",
            },
        ),
        _criterion(
            {"en": "Target members", "zh": "目标会员"},
            {"en": "segments named, no sizes", "zh": "指出客群但没有规模"},
            {
                "en": "segments with sizes, lapsed members left to win-back",
                "zh": "给出客群及其规模，流失会员留给唤醒计划",
            },
        ),
        _criterion(
            {"en": "Leaders (团长)", "zh": "团长"},
            {"en": "mentions leaders", "zh": "提到团长"},
            {
                "en": "notices leaders rotate and says how stable leaders are found",
                "zh": "注意到团长频繁更换，并说明如何找到稳定的团长",
            },
        ),
        _criterion(
            {"en": "Evidence", "zh": "证据"},
            {"en": "one number", "zh": "一个数字"},
            {
                "en": "quotes the profile and the share by tier, with limits",
                "zh": "引用社群画像和各等级渗透率，并说明局限",
            },
            points=4,
        ),
    ],
)

OFFER_RUBRIC = Rubric(
    levels=LEVELS,
    criteria=[
        _criterion(
            {"en": "Offer per segment", "zh": "分客群的优惠"},
            {"en": "one offer for all", "zh": "所有人同一种优惠"},
            {
                "en": "an offer per segment, no deep group price for all",
                "zh": "每个客群各有优惠，不给所有人深度团购价",
            },
            points=4,
        ),
        _criterion(
            {"en": "Leader incentive", "zh": "团长激励"},
            {"en": "a commission on sales", "zh": "按销售额提成"},
            {
                "en": "paid on incremental, completed orders and repeat members",
                "zh": "按增量的已完成订单和复购会员计酬",
            },
        ),
        _criterion(
            {"en": "Content and timing", "zh": "内容与时段"},
            {"en": "generic content", "zh": "泛泛的内容"},
            {
                "en": "content and timing per segment (e.g. weekend family stock-up)",
                "zh": "按客群设计内容和时段（如周末家庭囤货）",
            },
        ),
        _criterion(
            {"en": "Channel and cost", "zh": "渠道与成本"},
            {"en": "channels named", "zh": "提到渠道"},
            {
                "en": "channel per segment with its cost, within the budget",
                "zh": "每个客群的渠道及成本，并控制在预算内",
            },
        ),
    ],
)

MEMO_RUBRIC = Rubric(
    levels=LEVELS,
    criteria=[
        _criterion(
            {"en": "Recommendation", "zh": "结论与建议"},
            {"en": "a recommendation without numbers", "zh": "有建议但没有数字"},
            {
                "en": "go / no-go with the simulated profit and its interval",
                "zh": "给出是否推进的结论，并附模拟利润及其区间",
            },
            points=4,
        ),
        _criterion(
            {"en": "Against the benchmarks", "zh": "与基准比较"},
            {"en": "one benchmark", "zh": "一个基准"},
            {
                "en": "compares with random targeting and with management's idea",
                "zh": "与随机投放和管理层的方案进行比较",
            },
        ),
        _criterion(
            {"en": "Evaluation design", "zh": "评估设计"},
            {"en": "a holdout mentioned", "zh": "提到对照组"},
            {
                "en": "holdout share, primary KPI, window, guardrails",
                "zh": "对照组比例、主要指标、观察期和护栏指标",
            },
        ),
        _criterion(
            {"en": "Segments to watch and next steps", "zh": "重点关注客群与下一步"},
            {"en": "segments named", "zh": "指出客群"},
            {
                "en": "segments whose interval crosses zero, and what would change the plan",
                "zh": "区间跨过零的客群，以及什么结果会改变方案",
            },
        ),
    ],
)


# ---------------------------------------------------------------------------- q5 q6 memos

q5 = OpenProblem(
    id="capstone.q5",
    var="target_memo",
    title={"en": "Memo: whom the programme targets", "zh": "备忘录：社群计划的目标"},
    rubric=TARGET_RUBRIC,
    model_answer={
        "en": (
            "We launch in the tier-3 and tier-4 communities first: most of their buying "
            "members already joined a chain, against a minority in tier 1, and the "
            "groups with the highest repeat share keep their members. Inside them we target "
            "the active members: the group buyers (already in the chats), families and "
            "seniors who have not joined yet; the lapsed members go to the win-back team, "
            "because an invitation cannot move a member who is gone. The chats show that "
            "the 团长 changes almost with every post, so the programme first recruits stable "
            "leaders among the regulars who join the most chains in each group. Limits: the "
            "chats only show sign-ups, not why members stay away."
        ),
        "zh": (
            "先在三四线城市的社群上线：那里大多数购买会员已经参加过接龙，而一线城市只是少数；"
            "复购参与率最高的群最能留住会员。在这些社群中，目标是活跃会员：已在群里的团购会员，"
            "以及尚未加入的家庭和银发会员；流失会员交给唤醒团队，因为邀请打动不了已经离开的人。"
            "聊天记录显示团长几乎每帖都在换，所以计划的第一步是从每个群参加接龙最多的老顾客中招募稳定的团长。"
            "局限：聊天记录只记录报名，看不出会员为什么不来。"
        ),
    },
    min_words=60,
    hints=[
        {
            "en": "Use q1 (communities) and q2 (share by tier): where are the groups strong?",
            "zh": "利用 q1（社群画像）和 q2（各等级渗透率）：哪里的社群最强？",
        },
        {
            "en": "Read the rubric table above: each criterion says what a complete answer has.",
            "zh": "看上面的评分量表：每个维度都写明了完整答案应包含什么。",
        },
    ],
)

q6 = OpenProblem(
    id="capstone.q6",
    var="offer_memo",
    title={
        "en": "Memo: offers, leader incentives and content per segment",
        "zh": "备忘录：分客群的优惠、团长激励与内容",
    },
    rubric=OFFER_RUBRIC,
    model_answer={
        "en": (
            "No group price for everyone: the simulator shows it pays 15% on orders that "
            "would come anyway. Group buyers get double points on chain orders, announced in "
            "their group; families get double points with a weekend stock-up chain of fresh "
            "produce and dairy on Friday evening; seniors get a morning chain with pick-up in "
            "their own store; the other active members get double points by app push. "
            "Leaders earn a fee per completed order from members who had not ordered in the "
            "past month and a bonus per member who joins again, not a share of all sales. "
            "We use app push where a member uses the app and SMS elsewhere, which keeps the "
            "contacts to a small part of the budget."
        ),
        "zh": (
            "不给所有人团购价：模拟显示，这相当于在本来就会下的订单上让利 15%。"
            "团购会员在群里享受接龙订单积分加倍；"
            "家庭会员积分加倍，并在周五晚上发起周末生鲜乳品囤货接龙；银发会员参加早间接龙，在自己的门店自提；"
            "其他活跃会员通过 APP 推送获得积分加倍。团长按上月未下单会员的已完成订单计酬，"
            "每有一位会员再次参加另有奖励，而不是按全部销售额提成。"
            "用 APP 的会员用 APP 推送，其余用短信，触达成本只占预算的一小部分。"
        ),
    },
    min_words=60,
    hints=[
        {
            "en": "Start from q4: what does a deep discount do to the margin?",
            "zh": "从 q4 出发：深度折扣会对毛利造成什么影响？",
        },
        {
            "en": "A leader paid on all sales is paid for orders that would come anyway.",
            "zh": "按全部销售额给团长提成，等于为本来就会来的订单付钱。",
        },
    ],
)


# ---------------------------------------------------------------------------- q7 the plan


class Requirement(Finding):
    """A requirement of a milestone that the answer does not meet, in the spec's own words."""

    def message(self, lang: str | None = None) -> str:
        return text(dict(self.params), lang)


def _requirement(en: str, zh: str) -> Finding:
    return Requirement("requirement", {"en": en, "zh": zh})


def _simulated(plan: Any):
    """The simulator's result for a plan (no budget: the spec checks the budget itself).

    A check asks for the same plan up to three times (the spec, then the mistakes), so the
    result is kept per world under a fingerprint of the plan.
    """
    from coursekit import simulate

    key = _fingerprint(plan)
    if key is None:
        return simulate.campaign(plan, seed=SEED)
    return world_cached(("capstone", "simulated", key), lambda: simulate.campaign(plan, seed=SEED))


def _fingerprint(plan: Any) -> str | None:
    """A digest of a plan's content, index and column names (None: not a readable table)."""
    import hashlib

    if not isinstance(plan, pd.DataFrame):
        return None
    try:
        digest = hashlib.sha256(repr((list(plan.columns), plan.index.name)).encode())
        digest.update(pd.util.hash_pandas_object(plan, index=True).to_numpy().tobytes())
    except Exception:  # unhashable cells: simulate without remembering
        return None
    return digest.hexdigest()


def _plan_cost(plan: Any) -> float:
    from coursekit import simulate

    return simulate.plan_cost(plan)


class PlanSpec:
    """The plan milestone: a plan the simulator accepts, with the programme segments,
    within the budget, profitable in expectation and better than random targeting.

    The expected profits come from the simulator's comparison (under the truth, without
    the noise of one simulated month), so a plan passes or fails the same way every time.
    """

    def compare(self, expected: Any, answer: Any) -> Comparison:
        from coursekit.simulate import PlanError

        try:
            cost = _plan_cost(answer)
            result = _simulated(answer)
        except PlanError as exc:
            return Comparison(
                False,
                (
                    _requirement(
                        f"The simulator refuses the plan: {exc}", f"模拟器拒绝了这个方案：{exc}"
                    ),
                ),
            )
        findings = []
        if "segment" not in answer.columns:
            findings.append(
                _requirement(
                    "The plan has no `segment` column: add the programme segment of each "
                    "member, so that the results (and the evaluation) are per segment.",
                    "方案缺少 `segment` 列：请加上每位会员的计划客群，"
                    "以便按客群查看结果（和评估）。",
                )
            )
        limit = launch_budget()
        if cost > limit + 1e-6:
            findings.append(
                _requirement(
                    f"The contacts cost {cost:,.2f} yuan, over the budget of {limit:,.2f}.",
                    f"触达成本为 {cost:,.2f} 元，超出预算 {limit:,.2f} 元。",
                )
            )
        comparison = result.comparison
        plan, random = (
            comparison.loc["plan", "expected_profit"],
            comparison.loc["random", "expected_profit"],
        )
        if plan <= 0:
            findings.append(
                _requirement(
                    "The plan loses money in expectation: its incremental gross profit after "
                    "all costs is not above zero.",
                    "方案的期望结果是亏钱：扣除所有成本后的增量毛利不大于零。",
                )
            )
        if plan <= random:
            findings.append(
                _requirement(
                    "The plan does not beat random targeting of the same size with the same "
                    "offers (result.comparison).",
                    "方案没有胜过同等规模、同样优惠的随机投放（见 result.comparison）。",
                )
            )
        return Comparison(not findings, tuple(findings))


_MILESTONE = {
    "correct": {
        "en": "Milestone reached: `{var}` meets every requirement.",
        "zh": "里程碑达成：`{var}` 满足全部要求。",
    },
    "incorrect": {
        "en": "Milestone not reached yet: `{var}` misses the requirement(s) below.",
        "zh": "尚未达成里程碑：`{var}` 还不满足下列要求。",
    },
}


class MilestoneProblem(ValueProblem):
    """A value problem judged by requirements (its spec) rather than against one right
    answer; the headline says whether the milestone is reached, not whether the answer
    equals the reference (which is only one of many good answers)."""

    def _judge(self, answer: Any, expected: Any):
        judgement = super()._judge(answer, expected)
        verdict = "correct" if judgement.status == "correct" else "incorrect"
        headline = text(_MILESTONE[verdict]).format(var=self.var)
        return dataclasses.replace(judgement, headline=headline)


def _planned_profit(plan: Any) -> tuple[float, float]:
    comparison = _simulated(plan).comparison
    return comparison.loc["plan", "expected_profit"], comparison.loc["random", "expected_profit"]


@per_world
def _channels_used() -> tuple[pd.Series, pd.Series]:
    """Per member with a completed order: has an app order; is in the private domain."""
    done = _completed()
    app = (done["channel"] == "app").groupby(done["customer_id"]).any()
    private = done["channel"].isin(["mini_program", GROUP_BUY]).groupby(done["customer_id"]).any()
    return app, private


def _plan(offer: str, who: str = "active", channels: str = "cheap") -> pd.DataFrame:
    """A plan as the notebook builds it: ``who`` gets ``offer`` through ``channels``."""
    segment = _q3_reference()
    members = segment[segment != "lapsed"] if who == "active" else segment[segment == "lapsed"]
    app, private = _channels_used()
    if channels == "cheap":
        channel = np.where(app.reindex(members.index, fill_value=False), "app_push", "sms")
    else:  # management's idea: WeCom where the member is in the private domain
        channel = np.where(private.reindex(members.index, fill_value=False), "wecom", "sms")
    return pd.DataFrame(
        {
            "customer_id": members.index.to_numpy(),
            "offer": offer,
            "channel": channel,
            "segment": members.to_numpy(),
        }
    )


@per_world
def _q7_reference() -> pd.DataFrame:
    return _plan("double_points")


def _over_budget(answer: Any, expected: Any) -> bool:
    return _plan_cost(answer) > launch_budget() + 1e-6


def _group_price_loses(answer: Any, expected: Any) -> bool:
    if _over_budget(answer, expected):
        return False
    offers = answer["offer"].astype(str)
    return bool((offers == "group_buy").mean() >= 0.5 and _planned_profit(answer)[0] <= 0)


def _not_better_than_random(answer: Any, expected: Any) -> bool:
    """Profitable, yet no better than random targeting (a losing plan is told so instead)."""
    if _over_budget(answer, expected):
        return False
    plan, random = _planned_profit(answer)
    return bool(0 < plan <= random)


q7 = MilestoneProblem(
    id="capstone.q7",
    var="plan",
    title={
        "en": "Milestone: a launch plan the simulator accepts within the budget",
        "zh": "里程碑：模拟器接受且不超预算的上线方案",
    },
    reference=lambda: _q7_reference(),
    compare=PlanSpec(),
    mistakes=[
        Mistake(
            "over_budget",
            en=(
                "The plan costs more in contacts than the launch budget. WeCom one-to-one "
                "messages cost 2 yuan each: use app push or SMS for most members, and keep "
                "WeCom for the few a shopping guide should talk to."
            ),
            zh=(
                "方案的触达成本超出了上线预算。企业微信一对一消息每条 2 元："
                "大多数会员请用 APP 推送或短信，企业微信只留给少数需要导购一对一沟通的会员。"
            ),
            produce=lambda expected: _plan("group_buy", channels="private_domain"),
            matches=_over_budget,
        ),
        Mistake(
            "group_price_for_everyone",
            en=(
                "A group price for (almost) everyone loses money in expectation: the 15% is "
                "paid on orders members would place anyway (q4). Choose an offer per segment "
                "by the simulated profit per segment."
            ),
            zh=(
                "（几乎）人人团购价的期望结果是亏钱：15% 的让利付给了本来就会下的订单（见 q4）。"
                "请按各客群的模拟利润为每个客群选择优惠。"
            ),
            produce=lambda expected: _plan("group_buy"),
            matches=_group_price_loses,
        ),
        Mistake(
            "no_better_than_random",
            en=(
                "The plan makes a little money, but random members with the same offers "
                "would earn as much or more: it picks members the offer does not move (often "
                "the lapsed, many of them gone). Target the active segments whose simulated "
                "profit is positive."
            ),
            zh=(
                "方案能赚一点钱，但随机挑选会员、给同样的优惠，收益也不比这差："
                "方案选中的是优惠打动不了的会员（往往是流失会员，很多人已经离开）。"
                "请选择模拟利润为正的活跃客群。"
            ),
            produce=lambda expected: _plan("double_points", who="lapsed"),
            matches=_not_better_than_random,
        ),
        Mistake(
            "segment_column_missing",
            en=(
                "The plan has no segment column, so the simulator reports per offer, and "
                "the evaluation cannot watch segments. Add `segment` from q3."
            ),
            zh=(
                "方案没有 segment 列，模拟器只能按优惠汇总，评估也无法关注客群。"
                "请加上 q3 的 `segment`。"
            ),
            produce=lambda expected: expected.drop(columns="segment"),
            matches=lambda answer, expected: (
                isinstance(answer, pd.DataFrame)
                and "segment" not in answer.columns
                and not _over_budget(answer, expected)
            ),
        ),
    ],
    hints=[
        {
            "en": (
                "Run `simulate.campaign(plan, budget=budget)` and read "
                "`result.by_segment['incremental_profit']` and `result.comparison`."
            ),
            "zh": (
                "运行 `simulate.campaign(plan, budget=budget)`，查看 "
                "`result.by_segment['incremental_profit']` 和 `result.comparison`。"
            ),
        },
        {
            "en": (
                "Compare offers per segment (`simulate.offers()`): which one makes money for "
                "most members at a cheap channel?"
            ),
            "zh": (
                "按客群比较各种优惠（`simulate.offers()`）："
                "在便宜的渠道上，哪一种对多数会员是赚钱的？"
            ),
        },
    ],
    solution=(
        'active = segment[segment != "lapsed"]\n'
        "plan = pd.DataFrame({\n"
        '    "customer_id": active.index,\n'
        '    "offer": "double_points",\n'
        '    "channel": np.where(uses_app.reindex(active.index, fill_value=False),\n'
        '                        "app_push", "sms"),\n'
        '    "segment": active.to_numpy(),\n'
        "})"
    ),
)


# ---------------------------------------------------------------------------- q8 evaluation


class EvaluationSpec:
    """The evaluation-plan milestone (see :func:`evaluation_plan_problems`)."""

    _MESSAGES: ClassVar[dict[str, tuple[str, str]]] = {
        "not_a_plan": (
            "Write the evaluation plan as a dict with holdout, primary_kpi, kpis, days and watch.",
            "请把评估方案写成字典，包含 holdout、primary_kpi、kpis、days 和 watch。",
        ),
        "no_holdout": (
            "No holdout: `holdout` must be the share of the targeted members held out at "
            "random (e.g. 0.2).",
            "没有对照组：`holdout` 应为随机留出的目标会员比例（如 0.2）。",
        ),
        "holdout_not_a_share": (
            "`holdout` is a share between 0 and 1, written as a number: 0.2 for 20%.",
            "`holdout` 是 0 到 1 之间的比例，用数字表示：20% 写作 0.2。",
        ),
        "holdout_too_large": (
            "A holdout over half of the members withholds the programme from most of them.",
            "对照组超过一半，会让大多数会员得不到计划的权益。",
        ),
        "unknown_kpi": (
            f"Name the KPIs by their codes: {', '.join(KPI_CHOICES)}.",
            f"请用以下代码填写指标：{', '.join(KPI_CHOICES)}。",
        ),
        "primary_kpi_not_incremental": (
            "The primary KPI must say whether the programme earns money against the "
            "holdout: incremental_profit.",
            "主要指标必须说明计划相对对照组是否赚钱：incremental_profit。",
        ),
        "window_too_short": (
            "The window (`days`) must be at least 30 days: the response is measured over a month.",
            "观察期（`days`）至少为 30 天：响应按一个月来衡量。",
        ),
        "no_segments_to_watch": (
            f"Name the segments to watch in `watch` (of {', '.join(SEGMENTS)}).",
            f"请在 `watch` 中列出需要关注的客群（从 {', '.join(SEGMENTS)} 中选）。",
        ),
    }

    def compare(self, expected: Any, answer: Any) -> Comparison:
        codes = evaluation_plan_problems(answer)
        findings = tuple(_requirement(*self._MESSAGES[code]) for code in codes)
        return Comparison(not findings, findings)


REFERENCE_EVALUATION = {
    "holdout": 0.2,
    "primary_kpi": "incremental_profit",
    "kpis": ["incremental_orders", "redemption_rate", "group_buy_members", "repeat_share"],
    "days": 30,
    "watch": ["group_buyer", "family"],
}


def _code_matches(code: str, primary: str | None = None):
    def matches(answer: Any, expected: Any) -> bool:
        codes = evaluation_plan_problems(answer)
        if primary is not None:
            return code in codes and answer.get("primary_kpi") == primary
        return code in codes

    return matches


def _evaluation(**change: Any) -> dict:
    return {**REFERENCE_EVALUATION, **change}


q8 = MilestoneProblem(
    id="capstone.q8",
    var="evaluation_plan",
    title={
        "en": "Milestone: the evaluation plan names a holdout and the right KPI",
        "zh": "里程碑：评估方案包含对照组和正确的指标",
    },
    reference=lambda: dict(REFERENCE_EVALUATION),
    compare=EvaluationSpec(),
    mistakes=[
        Mistake(
            "no_holdout",
            en=(
                "Without a holdout there is nothing to compare with: members who redeem "
                "would have bought much of it anyway. Hold out a random share of the targets."
            ),
            zh="没有对照组就无从比较：核销的会员本来很多就会买。请随机留出一部分目标会员。",
            produce=lambda expected: _evaluation(holdout=0),
            matches=_code_matches("no_holdout"),
        ),
        Mistake(
            "redemptions_as_success",
            en=(
                "Redemptions count who used the offer, including everyone who would have "
                "bought anyway; the group price had many redemptions and lost money. Judge "
                "by incremental_profit against the holdout."
            ),
            zh=(
                "核销数统计的是谁用了优惠，包括本来就会购买的人；团购价方案核销很多却亏了钱。"
                "请以相对对照组的 incremental_profit 评判。"
            ),
            produce=lambda expected: _evaluation(primary_kpi="redemptions"),
            matches=lambda answer, expected: (
                "primary_kpi_not_incremental" in evaluation_plan_problems(answer)
                and answer.get("primary_kpi") in ("redemptions", "redemption_rate")
            ),
        ),
        Mistake(
            "revenue_not_profit",
            en=(
                "Incremental revenue ignores the discounts' cost and the margin: the group "
                "price raised revenue and lost money. Use incremental_profit."
            ),
            zh=(
                "增量收入忽略了让利成本和毛利：团购价提高了收入却亏了钱。"
                "请使用 incremental_profit。"
            ),
            produce=lambda expected: _evaluation(primary_kpi="incremental_revenue"),
            matches=_code_matches("primary_kpi_not_incremental", "incremental_revenue"),
        ),
        Mistake(
            "window_too_short",
            en=(
                "A window under 30 days cuts the response short: members order every few "
                "weeks, and the simulator and past campaigns measure 30 days."
            ),
            zh=(
                "观察期不足 30 天会截断响应：会员每隔几周才下一次单，"
                "模拟器和历史活动都按 30 天衡量。"
            ),
            produce=lambda expected: _evaluation(days=14),
            matches=_code_matches("window_too_short"),
        ),
    ],
    hints=[
        {
            "en": (
                "A dict: {'holdout': ..., 'primary_kpi': ..., 'kpis': [...], 'days': ..., "
                "'watch': [...]}; the KPI codes are in KPI_CHOICES."
            ),
            "zh": (
                "一个字典：{'holdout': ..., 'primary_kpi': ..., 'kpis': [...], 'days': ..., "
                "'watch': [...]}；指标代码见 KPI_CHOICES。"
            ),
        },
        {
            "en": "Watch the segments whose simulated interval crosses zero.",
            "zh": "重点关注模拟区间跨过零的客群。",
        },
    ],
    solution=(
        "evaluation_plan = {\n"
        '    "holdout": 0.2,\n'
        '    "primary_kpi": "incremental_profit",\n'
        '    "kpis": ["incremental_orders", "redemption_rate", "group_buy_members",\n'
        '             "repeat_share"],\n'
        '    "days": 30,\n'
        '    "watch": ["group_buyer", "family"],\n'
        "}"
    ),
)


# ---------------------------------------------------------------------------- q9 the memo

q9 = OpenProblem(
    id="capstone.q9",
    var="management_memo",
    title={
        "en": "Memo to management: the plan, its test and how it will be judged",
        "zh": "致管理层备忘录：方案、模拟检验与评估方式",
    },
    rubric=MEMO_RUBRIC,
    model_answer={
        "en": (
            "Recommendation: launch the community programme with double points, not a group "
            "price. In the simulator, management's group price for every active member lost "
            "money even through cheap channels, and through WeCom it was over the budget; "
            "our plan spends a small part of the budget on contacts and earns a positive "
            "incremental gross profit in expectation, well above random targeting of the same "
            "size. One simulated month is noisy: the total interval is wide and the family and "
            "group-buyer segments cross zero, so we watch them. We will hold out a random "
            "20% of the targeted members, judge by incremental gross profit per member over "
            "30 days, and track incremental orders, redemptions, members joining chains and "
            "repeat share as guardrails. If a segment stays below zero after the first month "
            "we switch its offer; leaders are paid on completed, incremental orders."
        ),
        "zh": (
            "建议：以积分加倍而不是团购价上线社群计划。在模拟中，管理层给所有活跃会员团购价的方案"
            "即使用便宜渠道也亏钱，用企业微信则超出预算；我们的方案触达成本只占预算的一小部分，"
            "期望增量毛利为正，且明显高于同等规模的随机投放。一个月的模拟结果有噪声："
            "总体区间较宽，家庭和团购会员客群的区间跨过零，因此要重点关注。"
            "我们将随机留出 20% 的目标会员作为对照组，以 30 天内每位会员的增量毛利评判，"
            "并把增量订单、核销、参与接龙的会员数和复购参与率作为护栏指标。"
            "若某客群第一个月后仍低于零，就更换其优惠；团长按增量的已完成订单计酬。"
        ),
    },
    min_words=80,
    hints=[
        {
            "en": "Quote result.summary and result.comparison of your plan.",
            "zh": "引用你方案的 result.summary 和 result.comparison。",
        },
        {
            "en": "Say what would make you change the plan after the first month.",
            "zh": "说明第一个月之后，什么样的结果会让你调整方案。",
        },
    ],
)

PROBLEMS = [q1, q2, q3, q4, q5, q6, q7, q8, q9]
