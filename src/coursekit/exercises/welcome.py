"""The warm-up problems of module 00 (``00_welcome``): first steps with the course data.

Four small questions that rise in difficulty, each on the tables of the data in use:

- q1: members per city tier (one table; also the guided tour of ``check``/``hint``);
- q2: the mini-program's share of completed net revenue (filter, then a ratio);
- q3: the three categories with the highest completed sales (three tables joined);
- q4: completed orders per calendar month (dates).

References are computed from ``course.load(...)``, so every world gets its own answers.
"""

from __future__ import annotations

import numbers

import numpy as np
import pandas as pd

from coursekit import course
from coursekit.engine import Mistake, ScalarSpec, SeriesSpec, ValueProblem, ____, per_world
from coursekit.methods.common import completed_orders as completed_of

__all__ = ["NOTEBOOK", "PROBLEMS", "____", "q1", "q2", "q3", "q4"]

NOTEBOOK = "00_welcome"

MONTH_FORMAT = "%Y-%m"  # month labels such as "2025-11"


# ---------------------------------------------------------------------------- references


# Shared tables, read once per world (coursekit.engine.cache) and never modified below.


@per_world
def _orders() -> pd.DataFrame:
    return course.load("orders")


@per_world
def _customers() -> pd.DataFrame:
    return course.load("customers")


@per_world
def completed_orders() -> pd.DataFrame:
    """Orders that count as sales (:func:`coursekit.methods.common.completed_orders`)."""
    return completed_of(_orders())


@per_world
def _lines_with_category() -> pd.DataFrame:
    lines = course.load("order_items")
    return lines.merge(course.load("products")[["product_id", "category"]], on="product_id")


def customers_per_tier() -> pd.Series:
    """Number of members per city tier (1 first-tier ... 4 third-tier and below)."""
    return _customers()["city_tier"].value_counts().sort_index()


def channel_share(
    orders: pd.DataFrame, channel: str = "mini_program", amount: str = "net_amount"
) -> float:
    """Share (a fraction from 0 to 1) of ``amount`` summed over ``orders`` sold in ``channel``."""
    in_channel = orders.loc[orders["channel"] == channel, amount].sum()
    return float(in_channel / orders[amount].sum())


def category_totals(orders: pd.DataFrame, measure: str = "line_amount") -> pd.Series:
    """``measure`` summed per category over the lines of ``orders`` (categories A to Z).

    Category sales add up order lines (``line_amount``), so they are before coupons: a
    coupon belongs to the whole order, not to one line.
    """
    lines = _lines_with_category()
    lines = lines[lines["order_id"].isin(orders["order_id"])]
    return lines.groupby("category")[measure].sum()


def category_sales(orders: pd.DataFrame, measure: str = "line_amount") -> pd.Series:
    """Sales per category over the lines of ``orders``, largest first."""
    return category_totals(orders, measure).sort_values(ascending=False)


def top_categories(n: int = 3) -> pd.Series:
    """The ``n`` categories with the highest completed sales, largest first."""
    return category_sales(completed_orders()).head(n)


def orders_per_month(orders: pd.DataFrame) -> pd.Series:
    """Number of orders per calendar month, indexed by labels such as "2025-11"."""
    month = orders["order_ts"].dt.strftime(MONTH_FORMAT).rename("month")
    return orders.groupby(month).size()


# ---------------------------------------------------------------------------- wrong answers
# Each computes the wrong answer the way a trainee would arrive at it.


def _tiers_from_orders(distinct: bool) -> pd.Series:
    with_tier = _orders().merge(_customers()[["customer_id", "city_tier"]], on="customer_id")
    if distinct:
        return with_tier.groupby("city_tier")["customer_id"].nunique()
    return with_tier["city_tier"].value_counts()


def _share_in_percent(expected) -> float:
    return channel_share(completed_orders()) * 100


def _is_number(value) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, bool | np.bool_)


def _is_percent_of(answer, expected) -> bool:
    """A plain number about 100 times the share (rounded to one decimal at most)."""
    return _is_number(answer) and abs(float(answer) - 100 * float(expected)) <= 0.05 + 1e-9


def _all_statuses_share(expected) -> float:
    return channel_share(_orders())


def _gross_share(expected) -> float:
    return channel_share(completed_orders(), amount="gross_amount")


def _order_count_share(expected) -> float:
    completed = completed_orders()
    return float((completed["channel"] == "mini_program").mean())


def _exactly(wrong_share):
    """Match a wrong share only when the answer is that very number (to 1e-9).

    The check accepts a share rounded to four decimals; with the same tolerance, a correct
    share rounded to two decimals can land next to a wrong one and be blamed on it.
    """

    def matches(answer, expected) -> bool:
        if not _is_number(answer):
            return False
        return abs(float(answer) - wrong_share(expected)) <= 1e-9 * max(1.0, abs(float(answer)))

    return matches


def _names_only(answer, expected) -> bool:
    """The right categories in the right order, but without their sales."""
    if not isinstance(answer, list | tuple | pd.Index | np.ndarray):
        return False
    return [str(v) for v in list(answer)] == [str(v) for v in expected.index]


def _per_month_of_year(completed: pd.DataFrame) -> pd.Series:
    return completed.groupby(completed["order_ts"].dt.month).size()


def _per_period(completed: pd.DataFrame) -> pd.Series:
    return completed.groupby(completed["order_ts"].dt.to_period("M")).size()


def _months_not_text(answer, expected) -> bool:
    """Right counts, with months as Periods or dates instead of "YYYY-MM" labels."""
    if not isinstance(answer, pd.Series):
        return False
    index = answer.index
    if isinstance(index, pd.DatetimeIndex):
        index = index.to_period("M")
    if not isinstance(index, pd.PeriodIndex):
        return False
    relabelled = pd.Series(answer.to_numpy(), index=index.strftime(MONTH_FORMAT))
    return SeriesSpec(ignore_order=True).compare(expected, relabelled).equal


# ---------------------------------------------------------------------------- problems

q1 = ValueProblem(
    id="welcome.q1",
    var="tier_counts",
    title={"en": "Members per city tier", "zh": "各城市等级的会员人数"},
    reference=customers_per_tier,
    compare=SeriesSpec(ignore_order=True),
    mistakes=[
        Mistake(
            "orders_counted",
            en=(
                "You counted orders, not people: each member appears in `orders` once per "
                "order. Count the rows of `customers`, one row per member."
            ),
            zh=(
                "你数的是订单而不是人：每位会员每下一单就在 `orders` 中出现一次。"
                "请统计 `customers` 表的行数，每位会员一行。"
            ),
            produce=lambda expected: _tiers_from_orders(distinct=False),
        ),
        Mistake(
            "customers_from_orders",
            en=(
                "You counted the members who appear in `orders`, so members who never "
                "ordered are missing. The member table `customers` lists everyone."
            ),
            zh=(
                "你统计的是在 `orders` 中出现过的会员，从未下单的会员被漏掉了。"
                "会员表 `customers` 才包含所有会员。"
            ),
            produce=lambda expected: _tiers_from_orders(distinct=True),
        ),
        Mistake(
            "shares_not_counts",
            en=(
                "These are shares of all members (`normalize=True`). The question asks for "
                "the number of members in each tier."
            ),
            zh="这是各等级会员的占比（`normalize=True`）。题目要的是每个等级的会员人数。",
            produce=lambda expected: _customers()["city_tier"].value_counts(normalize=True),
        ),
    ],
    hints=[
        {
            "en": "Every member is one row of `customers`, and `city_tier` is one of its columns.",
            "zh": "每位会员是 `customers` 表中的一行，`city_tier` 是其中一列。",
        },
        {
            "en": '`customers["city_tier"].value_counts()` counts the rows per tier.',
            "zh": '`customers["city_tier"].value_counts()` 可以统计每个等级的行数。',
        },
    ],
    solution='tier_counts = customers["city_tier"].value_counts().sort_index()',
)

q2 = ValueProblem(
    id="welcome.q2",
    var="mini_program_share",
    title={
        "en": "The mini-program's share of completed net revenue",
        "zh": "小程序在已完成订单实付金额中的占比",
    },
    reference=lambda: channel_share(completed_orders()),
    # Rounding to four decimals is fine; the mistakes below differ by more.
    compare=ScalarSpec(rtol=0.0, atol=5e-5),
    mistakes=[
        Mistake(
            "percent_not_fraction",
            en=(
                "That is a percentage. A share here is a fraction between 0 and 1: "
                "do not multiply by 100."
            ),
            zh="这是百分数。这里的占比是 0 到 1 之间的小数：不要乘以 100。",
            produce=_share_in_percent,
            matches=_is_percent_of,
        ),
        Mistake(
            "all_statuses_counted",
            en=(
                "Returned and cancelled orders are not revenue: keep only orders whose "
                '`status` is "completed", in the numerator and in the denominator.'
            ),
            zh='退货和取消的订单不是收入：分子和分母都只保留 `status` 为 "completed" 的订单。',
            produce=_all_statuses_share,
            matches=_exactly(_all_statuses_share),
        ),
        Mistake(
            "gross_not_net",
            en=(
                "You used `gross_amount`, the price before coupons. Revenue is what customers "
                "paid: `net_amount`."
            ),
            zh="你用的是 `gross_amount`（优惠前金额）。收入是顾客实际支付的金额：`net_amount`。",
            produce=_gross_share,
            matches=_exactly(_gross_share),
        ),
        Mistake(
            "orders_not_revenue",
            en=(
                "That is the mini-program's share of completed *orders*. The question asks "
                "for its share of net *revenue*: sum `net_amount` instead of counting orders."
            ),
            zh=(
                "这是小程序在已完成*订单数*中的占比。题目问的是实付*金额*的占比："
                "请对 `net_amount` 求和，而不是数订单。"
            ),
            produce=_order_count_share,
            matches=_exactly(_order_count_share),
        ),
    ],
    hints=[
        {
            "en": (
                'First keep the completed orders: `orders[orders["status"] == "completed"]`. '
                "Revenue is the column `net_amount`."
            ),
            "zh": (
                '先只保留已完成的订单：`orders[orders["status"] == "completed"]`。'
                "收入对应 `net_amount` 列。"
            ),
        },
        {
            "en": (
                'Divide the `net_amount` summed over the rows with `channel == "mini_program"` '
                "by the `net_amount` summed over all completed orders. Keep it a fraction."
            ),
            "zh": (
                '用 `channel == "mini_program"` 那些行的 `net_amount` 之和，'
                "除以全部已完成订单的 `net_amount` 之和。结果保留为小数。"
            ),
        },
    ],
    solution=(
        'completed = orders[orders["status"] == "completed"]\n'
        'mini_program = completed[completed["channel"] == "mini_program"]\n'
        'mini_program_share = mini_program["net_amount"].sum() / completed["net_amount"].sum()'
    ),
)

q3 = ValueProblem(
    id="welcome.q3",
    var="top_categories",
    title={
        "en": "The three categories with the highest completed sales",
        "zh": "已完成订单销售额最高的三个品类",
    },
    reference=lambda: top_categories(3),
    compare=SeriesSpec(ignore_order=False, rtol=1e-9, atol=0.005),
    mistakes=[
        Mistake(
            "names_only",
            en=(
                "The right categories in the right order, but only their names: keep the "
                "sales too, as a Series (category → sales), e.g. with `.nlargest(3)`."
            ),
            zh=(
                "品类和顺序都对了，但只有名称：请保留销售额，"
                "给出一个 Series（品类 → 销售额），例如用 `.nlargest(3)`。"
            ),
            produce=lambda expected: list(top_categories(3).index),
            matches=_names_only,
        ),
        Mistake(
            "all_statuses_counted",
            en=(
                "Lines of returned and cancelled orders are not sales: keep only the lines "
                "of completed orders (filter `order_items` on their `order_id`)."
            ),
            zh=(
                "退货和取消订单的明细行不算销售额：只保留已完成订单的明细行"
                "（按已完成订单的 `order_id` 筛选 `order_items`）。"
            ),
            produce=lambda expected: category_sales(_orders()).head(3),
        ),
        Mistake(
            "units_not_sales",
            en=(
                "You added up `quantity`, the number of units. Sales are money: add up "
                "`line_amount` (quantity × unit price)."
            ),
            zh="你累加的是 `quantity`（件数）。销售额是金额：请累加 `line_amount`（数量 × 单价）。",
            produce=lambda expected: category_sales(completed_orders(), "quantity").head(3),
        ),
        Mistake(
            "not_sorted",
            en=(
                "These are the first three categories in alphabetical order, as `groupby` "
                "sorts them. Sort by sales, largest first, before taking three."
            ),
            zh=(
                "这是按字母顺序排在前面的三个品类（`groupby` 默认按名称排序）。"
                "请先按销售额从高到低排序，再取前三个。"
            ),
            produce=lambda expected: category_totals(completed_orders()).head(3),
        ),
    ],
    hints=[
        {
            "en": (
                "Three tables: completed `orders` (which orders count), `order_items` "
                "(the lines and their `line_amount`) and `products` (the `category`)."
            ),
            "zh": (
                "需要三张表：已完成的 `orders`（哪些订单算数）、`order_items`"
                "（明细行及其 `line_amount`）和 `products`（`category`）。"
            ),
        },
        {
            "en": (
                "Keep the lines whose `order_id` is in the completed orders (`.isin`), merge "
                "with `products` on `product_id`, group by `category`, sum `line_amount`, "
                "then `.nlargest(3)`."
            ),
            "zh": (
                "保留 `order_id` 属于已完成订单的明细行（`.isin`），按 `product_id` 与 "
                "`products` 合并，按 `category` 分组对 `line_amount` 求和，再用 `.nlargest(3)`。"
            ),
        },
    ],
    solution=(
        'completed = orders[orders["status"] == "completed"]\n'
        'lines = order_items[order_items["order_id"].isin(completed["order_id"])]\n'
        'lines = lines.merge(products[["product_id", "category"]], on="product_id")\n'
        'top_categories = lines.groupby("category")["line_amount"].sum().nlargest(3)'
    ),
)

q4 = ValueProblem(
    id="welcome.q4",
    var="monthly_orders",
    title={"en": "Completed orders per month", "zh": "每月已完成订单数"},
    reference=lambda: orders_per_month(completed_orders()),
    compare=SeriesSpec(ignore_order=True),
    mistakes=[
        Mistake(
            "all_statuses_counted",
            en=(
                "Returned and cancelled orders are in your counts: keep only orders whose "
                '`status` is "completed".'
            ),
            zh='你的计数包含了退货和取消的订单：只保留 `status` 为 "completed" 的订单。',
            produce=lambda expected: orders_per_month(_orders()),
        ),
        Mistake(
            "years_pooled",
            en=(
                "`.dt.month` is the month of the year (1-12), so January 2024 and January "
                "2025 were added together. Label each month with its year: "
                '`.dt.strftime("%Y-%m")`.'
            ),
            zh=(
                "`.dt.month` 只是月份（1-12），2024 年 1 月和 2025 年 1 月被加在了一起。"
                '请给每个月带上年份：`.dt.strftime("%Y-%m")`。'
            ),
            produce=lambda expected: _per_month_of_year(completed_orders()),
        ),
        Mistake(
            "months_not_text",
            en=(
                "Your counts are right, but the months are Periods or dates. Label them "
                'as text like "2025-11": `.dt.strftime("%Y-%m")`.'
            ),
            zh=(
                '计数是对的，但月份是 Period 或日期类型。请用 "2025-11" 这样的文字标记月份：'
                '`.dt.strftime("%Y-%m")`。'
            ),
            produce=lambda expected: _per_period(completed_orders()),
            matches=_months_not_text,
        ),
    ],
    hints=[
        {
            "en": (
                "Start from completed orders. `order_ts` is a datetime column, so `.dt` "
                "gives you its parts."
            ),
            "zh": "从已完成的订单开始。`order_ts` 是日期时间列，`.dt` 可以取出它的各个部分。",
        },
        {
            "en": (
                'Make a month label with `completed["order_ts"].dt.strftime("%Y-%m")`, '
                "then group by it and count with `.size()`."
            ),
            "zh": (
                '用 `completed["order_ts"].dt.strftime("%Y-%m")` 生成月份标签，'
                "再按它分组并用 `.size()` 计数。"
            ),
        },
    ],
    solution=(
        'completed = orders[orders["status"] == "completed"]\n'
        'month = completed["order_ts"].dt.strftime("%Y-%m")\n'
        "monthly_orders = completed.groupby(month).size()"
    ),
)

PROBLEMS = [q1, q2, q3, q4]
