"""The capstone's reference methods on small hand-made inputs."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from coursekit.methods.capstone import (
    SEGMENTS,
    chain_lines,
    chain_posts,
    community_profile,
    evaluation_plan_problems,
    group_buy_share,
    programme_segment,
)

CHATS = """\
#接龙 2025-03-01 【杭州东街社区团购群】 团长：张帅 （自提门店 S0002）
今日团品：
  1号 土鸡蛋 10枚 ￥13.90/份
  2号 鲜牛奶 1L ￥12.00/份
----------
1. 王芳 +86 138-0013-8000 1号 2份 09:23
2. 李强（86-13900139000） 要2号 1个 07:18（已取消）
3. 王芳 13800138000 2号 x3 10:01

#接龙 2025-03-02 【杭州东街社区团购群】 团长：赵敏 （自提门店 S0002）
今日团品：
  1号 土鸡蛋 10枚 ￥13.90/份
----------
1. 王芳 13800138000 1号 +1 08:00
2. 陌生人 13700000000 1号 1 08:05

#接龙 2025-03-02 【测试群】 团长：管理员 （自提门店 S0000）
今日团品：
  1号 土鸡蛋 10枚 ￥13.90/份
----------
1. 王芳 13800138000 1号 1份 09:00
"""

CUSTOMERS = pd.DataFrame(
    {
        "customer_id": [1, 2, 3, 4],
        "phone": ["13800138000", "13900139000", "13600000000", "13500000000"],
        "has_children": [False, True, False, False],
        "age": [30, 35, 60, 40],
        "city_tier": [1, 4, 4, 1],
    }
)


@pytest.fixture
def chats(tmp_path):
    path = tmp_path / "group_buy_chains.txt"
    path.write_text(CHATS, encoding="utf-8")
    return path


def test_posts_keep_the_leader_and_the_test_group(chats):
    posts = chain_posts(chats)
    assert posts["leader"].tolist() == ["张帅", "赵敏", "管理员"]
    assert posts["store_code"].tolist() == ["S0002", "S0002", "S0000"]
    assert posts["date"].dtype.kind == "M"


def test_lines_drop_the_test_group_and_join_members_by_phone(chats):
    lines = chain_lines(chats, CUSTOMERS)
    assert len(lines) == 5  # the test group's line is gone
    assert lines["customer_id"].tolist()[:4] == [1, 2, 1, 1]
    assert pd.isna(lines["customer_id"].iloc[4])  # a phone that is no member's
    assert lines["status"].tolist()[1] == "cancelled"
    assert lines["amount"].tolist()[:3] == [27.8, 12.0, 36.0]


def test_community_profile_counts_people_completed_lines_and_repeat_days(chats):
    profile = community_profile(chain_lines(chats, CUSTOMERS), chain_posts(chats))
    assert profile.index.tolist() == ["杭州东街社区团购群"]
    row = profile.iloc[0]
    assert (row["chains"], row["leaders"], row["members"], row["orders"]) == (2, 2, 1, 3)
    assert row["revenue"] == pytest.approx(27.8 + 36.0 + 13.9)
    assert row["repeat_share"] == 1.0  # member 1 signed up on two days


def orders_frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "order_id": range(1, 8),
            "customer_id": [1, 1, 2, 2, 3, 4, 4],
            "channel": ["group_buy", "app", "group_buy", "store", "store", "store", "group_buy"],
            "status": [
                "completed",
                "completed",
                "cancelled",
                "completed",
                "completed",
                "completed",
                "completed",
            ],
            "order_ts": pd.to_datetime(
                [
                    "2025-12-01",
                    "2025-12-20",
                    "2025-12-10",
                    "2025-12-11",
                    "2025-06-01",
                    "2025-12-05",
                    "2025-07-01",
                ]
            ),
            "net_amount": [10.0, 20.0, 30.0, 40.0, 50.0, 60.0, 70.0],
        }
    )


def test_group_buy_share_is_a_share_of_buying_members():
    tier = CUSTOMERS.set_index("customer_id")["city_tier"]
    share = group_buy_share(orders_frame(), tier)
    # tier 1: members 1 and 4 both completed a group buy; tier 4: member 2's was cancelled.
    assert share.to_dict() == {1: 1.0, 4: 0.0}
    assert share.index.name == "city_tier" and share.name == "group_buy_share"


def test_programme_segments_first_rule_wins():
    end = pd.Timestamp("2026-01-01")
    segment = programme_segment(orders_frame(), CUSTOMERS, end)
    assert segment.to_dict() == {
        1: "group_buyer",  # active, completed group buy
        2: "family",  # the group buy was cancelled; has children
        3: "lapsed",  # last order in June
        4: "group_buyer",  # active; the group buy was earlier in the year
    }
    assert set(segment) <= set(SEGMENTS)


GOOD = {
    "holdout": 0.2,
    "primary_kpi": "incremental_profit",
    "kpis": ["redemptions"],
    "days": 30,
    "watch": ["family"],
}


def test_a_complete_evaluation_plan_has_no_gaps():
    assert evaluation_plan_problems(GOOD) == []


@pytest.mark.parametrize(
    ("plan", "codes"),
    [
        ("holdout 20%", ["not_a_plan"]),
        ({}, ["no_holdout", "unknown_kpi", "window_too_short", "no_segments_to_watch"]),
        ({**GOOD, "holdout": True}, ["no_holdout"]),
        ({**GOOD, "holdout": np.nan}, ["no_holdout"]),
        ({**GOOD, "kpis": 5}, ["unknown_kpi"]),
        ({**GOOD, "primary_kpi": "redemptions"}, ["primary_kpi_not_incremental"]),
        ({**GOOD, "days": 7}, ["window_too_short"]),
        ({**GOOD, "watch": "family"}, []),
        ({**GOOD, "watch": 3}, ["no_segments_to_watch"]),
    ],
)
def test_evaluation_plan_gaps(plan, codes):
    assert evaluation_plan_problems(plan) == codes
