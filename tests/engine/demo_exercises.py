"""A small exercise module for testing the engine end to end: every problem kind, each
with known mistakes, written the way ``coursekit.exercises.<module>`` modules are.

Its data is a tiny order-line table (:func:`make_orders`), given to
``course.setup(data={"orders": make_orders()})``; two seeds give two different worlds.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from coursekit import course
from coursekit.engine import (
    Case,
    ChoiceProblem,
    FrameSpec,
    FunctionProblem,
    Mistake,
    OpenProblem,
    ScalarSpec,
    SeriesSpec,
    ValueProblem,
    ____,
)

__all__ = ["PROBLEMS", "____", "make_orders"]

NOTEBOOK = "99_demo"


def make_orders(seed: int = 0, n_customers: int = 8) -> pd.DataFrame:
    """Order lines: several lines per order, some orders returned or cancelled."""
    rng = np.random.default_rng(seed)
    rows = []
    order_id = 0
    start = pd.Timestamp("2025-01-01")
    for customer in range(1, n_customers + 1):
        for _ in range(int(rng.integers(1, 5))):
            order_id += 1
            status = rng.choice(["completed", "completed", "completed", "returned", "cancelled"])
            day = start + pd.Timedelta(days=int(rng.integers(0, 200)))
            for line in range(int(rng.integers(1, 4))):
                rows.append(
                    {
                        "order_id": f"O{order_id:04d}",
                        "line": line + 1,
                        "customer_id": f"C{customer:03d}",
                        "order_date": day,
                        "status": str(status),
                        "amount": round(float(rng.uniform(5, 120)), 2),
                    }
                )
    orders = pd.DataFrame(rows)
    # Every world has at least one multi-line completed order and one returned order, so
    # that each catalogued mistake differs from the reference.
    orders.loc[0:1, ["order_id", "status"]] = [["O0001", "completed"], ["O0001", "completed"]]
    orders.loc[len(orders) - 1, "status"] = "returned"
    return orders


# ---------------------------------------------------------------------------- references


def completed_orders() -> pd.DataFrame:
    orders = course.load("orders")
    return orders[orders["status"] == "completed"]


def rfm_table(lines: pd.DataFrame, snapshot_offset_days: int = 1) -> pd.DataFrame:
    snapshot = course.load("orders")["order_date"].max() + pd.Timedelta(days=snapshot_offset_days)
    per_customer = lines.groupby("customer_id").agg(
        last_order=("order_date", "max"),
        frequency=("order_id", "nunique"),
        monetary=("amount", "sum"),
    )
    per_customer["recency_days"] = (snapshot - per_customer["last_order"]).dt.days
    return per_customer[["recency_days", "frequency", "monetary"]].reset_index()


def recency_score(days: float) -> int:
    """5 for the most recent customers, 1 for those gone over a year."""
    if days < 0:
        raise ValueError("recency cannot be negative")
    for score, limit in ((5, 30), (4, 90), (3, 180), (2, 365)):
        if days <= limit:
            return score
    return 1


def completed_only(orders: pd.DataFrame) -> pd.DataFrame:
    return orders[orders["status"] == "completed"].reset_index(drop=True)


def _recency_cases() -> list[Case]:
    # Built from the data in use: the largest recency of this world is one of the cases.
    rfm = rfm_table(completed_orders())
    return [
        Case((0,), label={"en": "an order today", "zh": "今天下单"}),
        Case((30,), label="days=30"),
        Case((31,)),
        Case((90,)),
        Case((400,)),
        Case((int(rfm["recency_days"].max()),), label="days=max"),
        Case((-1,), label={"en": "negative days", "zh": "负的天数"}),
    ]


def _recency_backwards(reference):
    def backwards(days):
        return 6 - reference(days)

    return backwards


def _recency_exclusive(reference):
    def exclusive(days):
        if days < 0:
            raise ValueError("recency cannot be negative")
        for score, limit in ((5, 30), (4, 90), (3, 180), (2, 365)):
            if days < limit:
                return score
        return 1

    return exclusive


# ---------------------------------------------------------------------------- problems

q1 = ValueProblem(
    id="demo.q1",
    var="rfm",
    title={"en": "Build the RFM table", "zh": "构建 RFM 表"},
    reference=lambda: rfm_table(completed_orders()),
    compare=FrameSpec(key="customer_id", ignore_row_order=True, rtol=1e-6),
    mistakes=[
        Mistake(
            "frequency_in_lines",
            en="Frequency counts orders, not order lines: count distinct order_id.",
            zh="消费频率按订单计数，而不是按订单行：请统计不同的 order_id。",
            produce=lambda expected: rfm_table(completed_orders()).assign(
                frequency=completed_orders().groupby("customer_id")["order_id"].size().values
            ),
        ),
        Mistake(
            "returns_in_monetary",
            en="Returned and cancelled orders are not revenue: keep completed orders only.",
            zh="退货和取消的订单不是收入：只保留已完成的订单。",
            produce=lambda expected: rfm_table(course.load("orders")),
        ),
        Mistake(
            "snapshot_off_by_one",
            en="The snapshot is the day after the last order date, so recency starts at 1.",
            zh="快照日期是最后订单日期的后一天，因此最近消费天数从 1 开始。",
            produce=lambda expected: expected.assign(recency_days=expected["recency_days"] - 1),
        ),
    ],
    hints=[
        {"en": "Start from completed orders only.", "zh": "先只保留已完成的订单。"},
        {
            "en": "Group by `customer_id` and aggregate with `max`, `nunique` and `sum`.",
            "zh": "按 `customer_id` 分组，用 `max`、`nunique` 和 `sum` 聚合。",
        },
    ],
    solution="rfm = rfm_table(completed_orders())",
)

q2 = ValueProblem(
    id="demo.q2",
    var="revenue",
    title={"en": "Total revenue", "zh": "总收入"},
    reference=lambda: float(completed_orders()["amount"].sum()),
    compare=ScalarSpec(rtol=1e-9, atol=0.005),
    mistakes=[
        Mistake(
            "all_statuses_counted",
            en="Revenue counts completed orders only.",
            zh="收入只计算已完成的订单。",
            produce=lambda expected: float(course.load("orders")["amount"].sum()),
        )
    ],
    hints=[{"en": "Filter, then sum `amount`.", "zh": "先筛选，再对 `amount` 求和。"}],
    solution="revenue = completed_orders()['amount'].sum()",
)

q3 = ValueProblem(
    id="demo.q3",
    var="orders_per_status",
    title={"en": "Orders per status", "zh": "各状态的订单数"},
    reference=lambda: course.load("orders").groupby("status")["order_id"].nunique(),
    compare=SeriesSpec(ignore_order=True),
    mistakes=[
        Mistake(
            "lines_per_status",
            en="Count distinct orders, not order lines.",
            zh="请统计不同的订单，而不是订单行。",
            produce=lambda expected: course.load("orders").groupby("status")["order_id"].size(),
        )
    ],
    hints=[{"en": "`groupby('status')` then `nunique()`.", "zh": "先 `groupby`，再 `nunique()`。"}],
    solution={
        "en": "Group the orders by status and count distinct `order_id` values.",
        "zh": "按状态分组并统计不同的 `order_id` 数量。",
    },
)

q4 = FunctionProblem(
    id="demo.q4",
    var="score_recency",
    title={"en": "Score recency from 1 to 5", "zh": "最近消费评分（1 到 5）"},
    reference=recency_score,
    cases=_recency_cases,
    time_limit=0.5,
    mistakes=[
        Mistake(
            "recency_backwards",
            en="Recent customers are the valuable ones: fewer days means a higher score.",
            zh="最近消费的客户更有价值：天数越少，得分越高。",
            produce=_recency_backwards,
        ),
        Mistake(
            "boundary_exclusive",
            en="The limits are inclusive: 30 days still scores 5.",
            zh="边界是包含的：30 天仍得 5 分。",
            produce=_recency_exclusive,
        ),
    ],
    hints=[{"en": "Compare with `<=`.", "zh": "使用 `<=` 比较。"}],
    solution="def score_recency(days):\n    ...",
)

q5 = ChoiceProblem(
    id="demo.q5",
    var="answer_q5",
    title={"en": "Whom to win back?", "zh": "应该挽回哪些客户？"},
    options={
        "a": {"en": "Customers who bought yesterday", "zh": "昨天刚购买的客户"},
        "b": {"en": "High spenders silent for months", "zh": "数月未消费的高价值客户"},
        "c": {"en": "Everyone, equally", "zh": "所有客户，一视同仁"},
    },
    answer="b",
    explanation={
        "en": "Win-back targets valuable customers who are drifting away.",
        "zh": "挽回活动针对正在流失的高价值客户。",
    },
    mistakes={
        "a": Mistake(
            "recent_is_not_lost",
            en="Customers who bought yesterday are not drifting away.",
            zh="昨天刚购买的客户并没有流失。",
        ),
    },
    hints=[{"en": "Think of recency and monetary together.", "zh": "同时考虑最近消费和消费金额。"}],
)

q6 = ChoiceProblem(
    id="demo.q6",
    var="answer_q6",
    title={"en": "Which are RFM inputs?", "zh": "哪些是 RFM 的输入？"},
    options={
        "a": {"en": "Order dates", "zh": "订单日期"},
        "b": {"en": "Customer age", "zh": "客户年龄"},
        "c": {"en": "Order amounts", "zh": "订单金额"},
    },
    answer=["a", "c"],
    mistakes=[
        Mistake(
            "monetary_forgotten",
            en="Monetary needs the order amounts.",
            zh="消费金额需要订单金额。",
            produce=lambda expected: ["a"],
        )
    ],
)

q7 = OpenProblem(
    id="demo.q7",
    var="memo",
    title={"en": "A win-back memo", "zh": "挽回策略备忘录"},
    rubric=[
        {"en": "Names the target segment", "zh": "指明目标客群"},
        {"en": "Proposes a measurable offer", "zh": "提出可衡量的优惠"},
    ],
    model_answer={
        "en": (
            "Target the high spenders who have not ordered for three months. Send them a "
            "personal coupon worth ten percent, keep a random holdout group, and measure "
            "the share that orders again within four weeks."
        ),
        "zh": (
            "针对三个月未下单的高价值客户发放九折专属优惠券，"
            "保留随机对照组，并衡量四周内再次下单的比例。"
        ),
    },
    min_words=20,
    mistakes=[
        Mistake(
            "no_holdout",
            en="Without a holdout group the effect of the offer cannot be measured.",
            zh="没有对照组就无法衡量优惠的效果。",
            produce=lambda expected: (
                "We will send every lapsed high spender a coupon and count how many of them "
                "order again during the following month, which shows our campaign works well."
            ),
            matches=lambda answer, expected: (
                isinstance(answer, str)
                and "holdout" not in answer.lower()
                and "对照" not in answer
                and "control" not in answer.lower()
            ),
        )
    ],
    hints=[{"en": "How will you know it worked?", "zh": "你如何知道它有效？"}],
)

q8 = FunctionProblem(
    id="demo.q8",
    var="keep_completed",
    title={"en": "Keep completed orders", "zh": "只保留已完成的订单"},
    reference=completed_only,
    cases=lambda: [
        Case((course.load("orders"),), label={"en": "the course orders", "zh": "课程订单"}),
        Case((course.load("orders").iloc[0:0],), label={"en": "no orders", "zh": "没有订单"}),
    ],
    compare=FrameSpec(),
    time_limit=0.5,
    mistakes=[
        Mistake(
            "returns_kept",
            en="Returned orders are not completed.",
            zh="退货订单不算已完成。",
            produce=lambda reference: (
                lambda orders: orders[orders["status"] != "cancelled"].reset_index(drop=True)
            ),
        )
    ],
    solution="def keep_completed(orders):\n    return orders[orders['status'] == 'completed']",
)

PROBLEMS = [q1, q2, q3, q4, q5, q6, q7, q8]
