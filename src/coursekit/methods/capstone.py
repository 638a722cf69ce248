"""Reference methods of module 08, the capstone (综合案例：社群团购).

FreshNeighbor launches a community group-buying programme (社群团购). The capstone walks
the five steps of the training material with the course world's data:

- 数据收集: :func:`chain_posts` and :func:`chain_lines` read the group-buy chats
  (``raw/group_buy_chains.txt``, parsed by module 01's ``parse_group_buy``), join each
  participant to a member by phone, and :func:`community_profile` profiles each
  community (one group per pick-up store) and its leaders (团长);
- 数据分析: :func:`group_buy_share` is the share of buying members in the groups, per any
  member attribute (city tier, shopper type);
- 客户细分: :func:`programme_segment` is the programme's segmentation (first rule wins);
- 制定策略 and 效果评估: :func:`evaluation_plan_problems` reads an evaluation plan (a dict)
  and says what is missing; the plan itself is tested in :mod:`coursekit.simulate`.

Everything here is observed data: the hidden truth is only read by the simulator and by
the notebook's reveal.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from coursekit.methods.common import completed_orders
from coursekit.methods.data_collection import (
    TEST_MARK,
    is_test_group,
    normalize_phone,
    parse_group_buy,
)

__all__ = [
    "ACTIVE_DAYS",
    "GROUP_BUY",
    "KPI_CHOICES",
    "PRIMARY_KPIS",
    "SEGMENTS",
    "SENIOR_AGE",
    "chain_lines",
    "chain_posts",
    "community_profile",
    "evaluation_plan_problems",
    "group_buy_share",
    "programme_segment",
]

#: The channel code of community group-buy orders.
GROUP_BUY = "group_buy"
#: A member is active with a completed order in the last 90 days before the snapshot.
ACTIVE_DAYS = 90
#: Seniors for the programme: aged 55 or more (the age the group-buy response rises).
SENIOR_AGE = 55
#: The programme segments (社群团购细分), in the order their rules are tried.
SEGMENTS = ("lapsed", "group_buyer", "family", "senior", "other")

_POST = re.compile(
    r"^#接龙 (?P<date>\d{4}-\d{2}-\d{2}) 【(?P<group>[^】]+)】 团长：(?P<leader>.+?) "
    r"（自提门店 (?P<store_code>\w+)）$"
)


# ---------------------------------------------------------------------------- 数据收集


def chain_posts(path: str | Path) -> pd.DataFrame:
    """One row per chain post (接龙) of the export: ``date``, ``group``, ``leader`` (团长)
    and ``store_code`` (the pick-up store), in file order; the test group is kept (use
    ``is_test_group``-style filtering on ``group``)."""
    rows = []
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            if m := _POST.match(line.rstrip("\n")):
                rows.append(m.groupdict())
    posts = pd.DataFrame(rows, columns=["date", "group", "leader", "store_code"])
    posts["date"] = pd.to_datetime(posts["date"])
    return posts


def chain_lines(path: str | Path, customers: pd.DataFrame, country: str = "CN") -> pd.DataFrame:
    """The participant lines of the chats, joined to members by phone, test group removed.

    Args:
        path: ``raw/group_buy_chains.txt``.
        customers: the member table (``customer_id``, ``phone`` as digits).
        country: the phone-number country ("CN" or "US").

    Returns:
        One row per participant line of a real group: ``group``, ``store_code``,
        ``order_ts``, ``customer_id`` (Int64, missing when the phone matches no member),
        ``status`` (completed / cancelled / returned), ``quantity`` and ``amount``
        (quantity x unit price).
    """
    lines = parse_group_buy(path)
    lines = lines[~is_test_group(lines)].reset_index(drop=True)
    by_phone = customers.drop_duplicates("phone").set_index(
        normalize_phone(customers.drop_duplicates("phone")["phone"], country)
    )["customer_id"]
    phone = normalize_phone(lines["phone_raw"], country)
    member = by_phone.reindex(phone).to_numpy()
    return pd.DataFrame(
        {
            "group": lines["group"],
            "store_code": lines["store_code"],
            "order_ts": lines["order_ts"],
            "customer_id": pd.array(member, dtype="Int64"),
            "status": lines["status"],
            "quantity": lines["quantity"],
            "amount": (lines["quantity"].astype("float64") * lines["unit_price"]).round(2),
        }
    )


def community_profile(lines: pd.DataFrame, posts: pd.DataFrame) -> pd.DataFrame:
    """Each community (group) in numbers: the capstone's first table.

    Args:
        lines: :func:`chain_lines` (test group removed, members joined).
        posts: :func:`chain_posts`.

    Returns:
        One row per group (index ``group``, sorted): ``store_code``, ``chains`` (posts),
        ``leaders`` (distinct 团长 names), ``members`` (distinct members with a completed
        line), ``orders`` (completed lines), ``revenue`` (their amount), and
        ``repeat_share`` (share of the members who joined on two or more days).
    """
    posts = posts[~posts["group"].str.contains(TEST_MARK, na=False)]
    done = lines[(lines["status"] == "completed") & lines["customer_id"].notna()]
    by_post = posts.groupby("group")
    by_group = done.groupby("group")
    days = (
        done.assign(day=done["order_ts"].dt.normalize())
        .groupby(["group", "customer_id"])["day"]
        .nunique()
    )
    table = pd.DataFrame(
        {
            "store_code": by_post["store_code"].first(),
            "chains": by_post.size(),
            "leaders": by_post["leader"].nunique(),
            "members": by_group["customer_id"].nunique(),
            "orders": by_group.size(),
            "revenue": by_group["amount"].sum().round(2),
            "repeat_share": (days >= 2).groupby(level="group").mean(),
        }
    )
    table[["members", "orders"]] = table[["members", "orders"]].fillna(0).astype("int64")
    table[["revenue", "repeat_share"]] = table[["revenue", "repeat_share"]].fillna(0.0)
    table.index.name = "group"
    return table.sort_index()


# ---------------------------------------------------------------------------- 数据分析


def group_buy_share(orders: pd.DataFrame, by: pd.Series) -> pd.Series:
    """Share of the buying members in each group of ``by`` who have a completed group-buy
    order.

    Args:
        orders: the order table (all statuses; only completed orders count).
        by: a member attribute indexed by customer_id (e.g. city tier, shopper type).

    Returns:
        A float Series ``group_buy_share`` indexed by the values of ``by`` (sorted): members
        with a completed group-buy order / members with any completed order.
    """
    done = completed_orders(orders)
    in_groups = (done["channel"] == GROUP_BUY).groupby(done["customer_id"]).any()
    attribute = by.reindex(in_groups.index)
    share = in_groups.groupby(attribute.to_numpy()).mean().sort_index()
    share.index.name = by.name
    return share.rename("group_buy_share")


# ---------------------------------------------------------------------------- 客户细分


def programme_segment(
    orders: pd.DataFrame, customers: pd.DataFrame, end: pd.Timestamp
) -> pd.Series:
    """The programme segment of each member with a completed order (first rule wins).

    - ``lapsed``: no completed order in the :data:`ACTIVE_DAYS` days before ``end`` (a
      win-back job, not the launch's);
    - ``group_buyer``: a completed group-buy order (already in a community);
    - ``family``: children in the household;
    - ``senior``: aged :data:`SENIOR_AGE` or more;
    - ``other``: everyone else.

    Args:
        orders: the order table (all statuses).
        customers: ``customer_id``, ``has_children``, ``age``.
        end: the snapshot day (the day after the last order).

    Returns:
        A str Series ``segment`` indexed by customer_id (sorted).
    """
    done = completed_orders(orders)
    per_member = done.groupby("customer_id")
    last = per_member["order_ts"].max()
    group_buyer = (done["channel"] == GROUP_BUY).groupby(done["customer_id"]).any()
    info = customers.drop_duplicates("customer_id").set_index("customer_id").reindex(last.index)
    active = last >= pd.Timestamp(end) - pd.Timedelta(days=ACTIVE_DAYS)
    kind = np.select(
        [
            ~active.to_numpy(),
            group_buyer.reindex(last.index).to_numpy(),
            info["has_children"].astype(bool).to_numpy(),
            (info["age"] >= SENIOR_AGE).to_numpy(),
        ],
        list(SEGMENTS[:4]),
        default=SEGMENTS[4],
    )
    return pd.Series(kind, index=pd.Index(last.index, name="customer_id"), name="segment")


# ---------------------------------------------------------------------------- 效果评估

#: KPIs an evaluation plan may name (the trainee's dict uses these codes).
KPI_CHOICES = {
    "incremental_profit": ("incremental gross profit vs the holdout", "相对对照组的增量毛利"),
    "incremental_revenue": ("incremental revenue vs the holdout", "相对对照组的增量收入"),
    "incremental_orders": ("incremental orders vs the holdout", "相对对照组的增量订单"),
    "redemptions": ("offers redeemed", "核销数"),
    "redemption_rate": ("share of contacts who redeemed", "核销率"),
    "group_buy_members": ("members who join a chain", "参与接龙的会员数"),
    "repeat_share": ("share of members who join again", "复购参与率"),
    "leader_retention": ("leaders still running chains", "团长留存"),
}
#: KPIs fit to judge the programme: measured against the holdout, in money.
PRIMARY_KPIS = ("incremental_profit",)
#: The response window of the simulator and of the historical campaigns.
MIN_DAYS = 30


def evaluation_plan_problems(plan: Any, segments: Any = SEGMENTS) -> list[str]:
    """What an evaluation plan lacks, as codes (empty: the plan is complete).

    An evaluation plan is a dict with ``holdout`` (the share of the targeted members held
    out at random, 0.05-0.5), ``primary_kpi`` (one code of :data:`KPI_CHOICES`), ``kpis``
    (a list of codes), ``days`` (the measurement window) and ``watch`` (the segments to
    watch, a list of segment names).

    Returns:
        Codes, in this order: ``not_a_plan``, ``holdout_not_a_share``, ``no_holdout``,
        ``holdout_too_large``,
        ``unknown_kpi``, ``primary_kpi_not_incremental``, ``window_too_short``,
        ``no_segments_to_watch``.
    """
    if not isinstance(plan, Mapping):
        return ["not_a_plan"]
    found = []
    holdout = plan.get("holdout")
    number = not isinstance(holdout, bool) and isinstance(holdout, int | float | np.number)
    if isinstance(holdout, str) or (number and holdout > 1):
        found.append("holdout_not_a_share")  # "20%" or 20 for a share of 0.2
    elif not number or not holdout > 0:  # also NaN
        found.append("no_holdout")
    elif holdout > 0.5:
        found.append("holdout_too_large")
    primary = plan.get("primary_kpi")
    kpis = plan.get("kpis", [])
    kpis = [kpis] if isinstance(kpis, str) else kpis
    try:
        named = [primary, *list(kpis)]
    except TypeError:
        named = [primary, kpis]
    if any(not isinstance(k, str) or k not in KPI_CHOICES for k in named):
        found.append("unknown_kpi")
    elif primary not in PRIMARY_KPIS:
        found.append("primary_kpi_not_incremental")
    days = plan.get("days")
    if isinstance(days, bool) or not isinstance(days, int | float | np.number) or days < MIN_DAYS:
        found.append("window_too_short")
    watch = plan.get("watch")
    watch = [watch] if isinstance(watch, str) else watch
    try:
        known = [w for w in watch if isinstance(w, str) and w in set(segments)]
    except TypeError:
        known = []
    if not known:
        found.append("no_segments_to_watch")
    return found
