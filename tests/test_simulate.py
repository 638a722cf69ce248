"""Tests of the campaign simulator (coursekit.simulate): refusals, determinism, the
measures a marketing team reads, and that it rewards good targeting (the oracle beats a
good plan, which beats random targeting)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from coursekit import course, simulate, state
from coursekit.engine.i18n import CATALOG
from coursekit.errors import CourseDataError, CourseNotSetUp
from coursekit.synth.io import read_table
from coursekit.synth.params import CAMPAIGN_TYPES
from coursekit.synth.schema import TABLES, TRUTH_TABLES

DATASETS = Path(__file__).resolve().parents[1] / "datasets"

SEEDS = range(8)


@pytest.fixture
def world():
    course.setup(data=DATASETS, quiet=True)
    return {
        "customers": course.load("customers"),
        "truth": course.load("truth").set_index("customer_id"),
    }


def everyone(world, offer="double_points", channel="app_push") -> pd.DataFrame:
    ids = world["customers"]["customer_id"]
    return pd.DataFrame({"customer_id": ids, "offer": offer, "channel": channel})


def persona_plan(world, personas, offer, channel="sms") -> pd.DataFrame:
    truth = world["truth"]
    ids = truth.index[truth["persona"].isin(personas).to_numpy()]
    return pd.DataFrame({"customer_id": ids, "offer": offer, "channel": channel})


# ---------------------------------------------------------------------------- catalogue


def test_catalogue_maps_every_offer_onto_the_response_model():
    offers = simulate.offers("en")
    assert set(offers["type"]) <= set(CAMPAIGN_TYPES)
    assert {"coupon", "points", "group_buy", "vip_event", "winback"} <= set(offers["type"])
    assert offers["label"].str.len().gt(0).all()
    assert simulate.offers("zh")["label"].str.contains("积分").any()
    channels = simulate.channels("en")
    assert list(channels.index) == ["app_push", "sms", "wecom", "none"]
    assert channels.loc["none", "contact_cost"] == 0
    assert (channels["contact_cost"] >= 0).all()


# ---------------------------------------------------------------------------- refusals


def _refusals(world):
    plan = everyone(world).head(50)
    first = int(plan["customer_id"].iloc[0])
    return [
        ("a list", [first], "must be a DataFrame"),
        ("no channel", plan.drop(columns="channel"), r"missing column\(s\) \['channel'\]"),
        ("empty", plan.iloc[:0], "plan is empty"),
        ("twice", pd.concat([plan, plan.head(1)]), r"more than once .*each member gets one"),
        ("unknown member", plan.assign(customer_id=plan["customer_id"] + 10**7), "not members"),
        ("unknown offer", plan.assign(offer="free_lunch"), r"unknown offer\(s\) \['free_lunch'\]"),
        ("unknown channel", plan.assign(channel="fax"), r"unknown channel\(s\) \['fax'\]"),
        ("missing", plan.assign(offer=None), r"'offer' has 50 missing"),
        ("text ids", plan.assign(customer_id=plan["customer_id"].astype(str)), "holds text"),
        ("garbage ids", plan.assign(customer_id="x"), "must hold the members' customer_id"),
        ("fractional ids", plan.assign(customer_id=plan["customer_id"] + 0.5), "customer_id"),
        ("endless ids", plan.assign(customer_id=np.inf), r"customer_id numbers, got \[inf,"),
        ("huge ids", plan.assign(customer_id=1e20), r"customer_id numbers, got \[1e\+20,"),
        ("dates as ids", plan.assign(customer_id=pd.Timestamp("2025-01-01")), r"got \[Timestamp"),
        ("mixed ids", plan.assign(customer_id=[first, "x"] * 25), r"numbers, got \['x', 'x'"),
        ("true as id", plan.assign(customer_id=True), r"numbers, got \[True,"),
        (
            "two levels of columns",
            pd.concat({"plan": plan}, axis=1),
            "several levels of column names",
        ),
    ]


def test_refusals_say_why_in_one_line_and_leave_the_plan_alone(world):
    for label, plan, message in _refusals(world):
        kept = plan.copy() if isinstance(plan, pd.DataFrame) else list(plan)
        with pytest.raises(simulate.PlanError, match=message) as info:
            simulate.campaign(plan, seed=0)
        assert "\n" not in str(info.value), label
        if isinstance(plan, pd.DataFrame):
            pd.testing.assert_frame_equal(plan, kept)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"budget": -1}, "budget must be a finite amount >= 0"),
        ({"budget": "1000"}, "budget must be an amount"),
        ({"budget": float("nan")}, "budget must be a finite amount"),
        ({"seed": -3}, "seed must be a whole number"),
        ({"seed": 1.5}, "seed must be a whole number"),
        ({"holdout": 0}, "holdout must be a share"),
        ({"holdout": 0.9}, "holdout must be a share"),
    ],
)
def test_bad_settings_are_refused(world, kwargs, message):
    with pytest.raises(simulate.PlanError, match=message):
        simulate.campaign(everyone(world).head(10), **kwargs)


def test_over_budget_is_refused_and_the_exact_budget_is_not(world):
    plan = everyone(world, "vip_event", "wecom").head(200)
    # Per contact: the invitation's fixed cost plus the WeCom message, from the catalogue.
    each = simulate.offers().loc["vip_event", "fixed_cost"]
    each += simulate.channels().loc["wecom", "contact_cost"]
    assert each > 0
    cost = simulate.plan_cost(plan)
    assert cost == pytest.approx(200 * each)
    shown = f"{cost:,.2f}".replace(".", r"\.")
    with pytest.raises(simulate.PlanError, match=rf"costs {shown} yuan .* over the budget"):
        simulate.campaign(plan, budget=cost - 1)
    result = simulate.campaign(plan, budget=cost)
    assert result.summary["members"] == 200
    # Only the contacted members cost money: the holdout gets nothing.
    assert result.summary["contact_cost"] == pytest.approx(result.summary["contacted"] * each)


def test_customer_id_as_the_index_or_in_other_number_types_is_accepted(world):
    plan = everyone(world).head(100)
    summary = simulate.campaign(plan, seed=3).summary
    by_index = simulate.campaign(plan.set_index("customer_id"), seed=3)
    pd.testing.assert_series_equal(by_index.summary, summary)
    for dtype in ("float64", "Int64", "object"):
        other = simulate.campaign(plan.astype({"customer_id": dtype}), seed=3)
        pd.testing.assert_series_equal(other.summary, summary)


def test_a_world_without_its_truth_gets_a_clear_message():
    observed = {n: read_table(DATASETS, n) for n in TABLES if n not in TRUTH_TABLES}
    course.setup(data=observed, quiet=True)
    plan = pd.DataFrame({"customer_id": [100001], "offer": ["coupon_8"], "channel": ["sms"]})
    with pytest.raises(CourseDataError, match=r"needs the world's hidden tables \(truth/\)"):
        simulate.campaign(plan)


# Every refusal a trainee can meet, by the catalogue key of its message: what to set up,
# what to call and the error it raises. The English wording is checked above; here each
# refusal must also come in Chinese.
def _setup_default(lang):
    course.setup(data=DATASETS, quiet=True, lang=lang)


def _setup_without_truth(lang):
    observed = {n: read_table(DATASETS, n) for n in TABLES if n not in TRUTH_TABLES}
    course.setup(data=observed, quiet=True, lang=lang)


def _setup_truth_short_of_a_member(lang):
    tables = {n: read_table(DATASETS, n) for n in TABLES}
    tables["truth"] = tables["truth"].iloc[1:]
    course.setup(data=tables, quiet=True, lang=lang)


def _every_refusal():
    """(catalogue key, setup, call) for each refusal of the simulator."""
    world = {"customers": read_table(DATASETS, "customers")}
    plan = everyone(world).head(50)
    first = int(plan["customer_id"].iloc[0])
    vip = everyone(world, "vip_event", "wecom").head(20)
    default = _setup_default
    return [
        ("simulate.not_a_frame", default, lambda: simulate.campaign([first])),
        (
            "simulate.column_levels",
            default,
            lambda: simulate.campaign(pd.concat({"plan": plan}, axis=1)),
        ),
        (
            "simulate.missing_columns",
            default,
            lambda: simulate.campaign(plan.drop(columns="channel")),
        ),
        (
            "simulate.duplicate_columns",
            default,
            lambda: simulate.campaign(pd.concat([plan, plan[["offer"]]], axis=1)),
        ),
        ("simulate.empty", default, lambda: simulate.campaign(plan.iloc[:0])),
        ("simulate.missing_values", default, lambda: simulate.campaign(plan.assign(offer=None))),
        (
            "simulate.text_ids",
            default,
            lambda: simulate.campaign(plan.assign(customer_id=plan["customer_id"].astype(str))),
        ),
        ("simulate.bad_ids", default, lambda: simulate.campaign(plan.assign(customer_id="x"))),
        (
            "simulate.member_twice",
            default,
            lambda: simulate.campaign(pd.concat([plan, plan.head(1)])),
        ),
        (
            "simulate.unknown_members",
            default,
            lambda: simulate.campaign(plan.assign(customer_id=plan["customer_id"] + 10**7)),
        ),
        (
            "simulate.unknown_offers",
            default,
            lambda: simulate.campaign(plan.assign(offer="free_lunch")),
        ),
        (
            "simulate.unknown_channels",
            default,
            lambda: simulate.campaign(plan.assign(channel="fax")),
        ),
        ("simulate.budget_not_a_number", default, lambda: simulate.campaign(plan, budget="1000")),
        ("simulate.budget_out_of_range", default, lambda: simulate.campaign(plan, budget=-1)),
        ("simulate.bad_seed", default, lambda: simulate.campaign(plan, seed=1.5)),
        ("simulate.bad_holdout", default, lambda: simulate.campaign(plan, holdout=0.9)),
        ("simulate.over_budget", default, lambda: simulate.campaign(vip, budget=10)),
        ("simulate.no_truth", _setup_without_truth, lambda: simulate.campaign(plan.head(1))),
        (
            "simulate.truth_incomplete",
            _setup_truth_short_of_a_member,
            lambda: simulate.campaign(plan.head(1)),
        ),
    ]


_CJK = re.compile(r"[\u4e00-\u9fff]")


def _opening(template: str) -> str:
    """The fixed text of a catalogue message before its first placeholder."""
    return template.split("{", 1)[0]


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_every_refusal_speaks_the_course_language(lang):
    for key, setup, call in _every_refusal():
        setup(lang)
        with pytest.raises((simulate.PlanError, CourseDataError)) as info:
            call()
        message = str(info.value)
        assert "\n" not in message, key
        assert message.startswith(_opening(CATALOG[key][lang])), (key, message)
        assert bool(_CJK.search(message)) == (lang == "zh"), (key, message)


def test_plan_cost_refuses_in_the_language_of_coursekit_lang(world, monkeypatch):
    monkeypatch.setenv("COURSEKIT_LANG", "zh")
    course.setup(data=DATASETS, quiet=True)
    plan = everyone(world).head(5).assign(channel="fax")
    with pytest.raises(simulate.PlanError, match=r"方案中有未知的渠道代码 \['fax'\]"):
        simulate.plan_cost(plan)


def test_every_refusal_message_is_in_the_catalogue_and_tested():
    """No refusal is written in English only: each raise in the simulator takes its message
    from the catalogue, and every message of the catalogue has a case above."""
    source = Path(simulate.__file__).read_text(encoding="utf-8")
    raises = [n for n in ast.walk(ast.parse(source)) if isinstance(n, ast.Raise) and n.exc]
    assert raises
    for node in raises:
        call = node.exc
        assert isinstance(call, ast.Call) and call.args, ast.unparse(node)
        message = call.args[0]
        assert (
            isinstance(message, ast.Call)
            and isinstance(message.func, ast.Name)
            and message.func.id == "t"
        ), f"line {node.lineno}: {ast.unparse(node)} does not use the message catalogue"
    tested = {key for key, _, _ in _every_refusal()}
    refusals = {
        k
        for k in CATALOG
        if k.startswith("simulate.")
        and k != "simulate.preparing"
        and not k.startswith("simulate.report.")
    }
    assert tested == refusals


def test_before_setup():
    plan = pd.DataFrame({"customer_id": [100001], "offer": ["coupon_8"], "channel": ["sms"]})
    with pytest.raises(CourseNotSetUp):
        simulate.campaign(plan)


# ---------------------------------------------------------------------------- progress


def test_a_slow_first_preparation_shows_a_bar_in_the_course_language(world, monkeypatch):
    """The first call for a world prepares its members; when that takes longer than the
    engine's delay a bar says so (once: the next calls reuse the preparation)."""
    import time

    from coursekit.engine import slow

    bars = []

    class Bar:
        def __init__(self, total, description):
            bars.append({"description": description, "closed": False})

        def refresh(self):
            pass

        def close(self):
            bars[-1]["closed"] = True

    prepare = simulate._prepare

    def slow_prepare():
        time.sleep(slow.DELAY + 0.5)
        return prepare()

    monkeypatch.setattr(slow, "progress_bar", Bar)
    monkeypatch.setattr(simulate, "_prepare", slow_prepare)
    course.setup(data=DATASETS, quiet=True, lang="zh")
    state.forget_worlds()  # earlier tests may have prepared this world in this process
    plan = everyone(world).head(20)
    cost = simulate.plan_cost(plan)
    assert bars == [{"description": "正在准备营销活动模拟器（每份数据只需一次）", "closed": True}]
    assert simulate.plan_cost(plan) == cost
    simulate.campaign(plan)
    assert len(bars) == 1


# ---------------------------------------------------------------------------- determinism


def test_same_world_plan_and_seed_give_the_same_result_in_any_row_order(world):
    plan = everyone(world).sample(1500, random_state=1).assign(segment="a")
    plan.loc[plan.index[::3], "segment"] = "b"
    first = simulate.campaign(plan, seed=5)
    again = simulate.campaign(plan.sample(frac=1, random_state=2), seed=5)
    pd.testing.assert_frame_equal(first.by_segment, again.by_segment)
    pd.testing.assert_frame_equal(first.comparison, again.comparison)
    assert repr(first) == repr(again)
    other = simulate.campaign(plan, seed=6)
    assert not other.by_segment.equals(first.by_segment)
    assert simulate.campaign(plan).summary.equals(simulate.campaign(plan, seed=0).summary)


# ---------------------------------------------------------------------------- measures


def test_counts_add_up_per_segment(world):
    plan = everyone(world, "coupon_12", "sms")
    plan["segment"] = np.where(plan["customer_id"] % 2 == 0, "even", "odd")
    result = simulate.campaign(plan, seed=1)
    table = result.by_segment
    assert list(table.index) == ["even", "odd"]
    assert (table["contacted"] + table["holdout"] == table["members"]).all()
    for column in ("members", "contacted", "contact_cost", "redemptions", "redemption_cost"):
        assert table[column].sum() == pytest.approx(result.summary[column])
    # About the planned holdout share, and intervals around their estimates.
    assert result.summary["holdout"] / result.summary["members"] == pytest.approx(0.2, abs=0.03)
    for measure in ("orders", "revenue", "profit"):
        low, mid, high = (
            result.summary[f"incremental_{measure}{end}"] for end in ("_low", "", "_high")
        )
        assert low < mid < high
    assert "Campaign simulated 2026-01-01 .. 2026-01-30" in repr(result)


def test_the_report_speaks_the_course_language(world):
    ids = world["customers"]["customer_id"].iloc[:300].to_numpy()
    plan = pd.DataFrame({"customer_id": ids, "offer": "coupon_8", "channel": "sms"})
    plan["segment"] = np.where(plan.index % 2 == 0, "even", "odd")
    result = simulate.campaign(plan, budget=5000, seed=1)
    english, chinese = result.report(lang="en"), result.report(lang="zh")
    assert english.startswith("Campaign simulated 2026-01-01 .. 2026-01-30 (budget 5,000,")
    assert chinese.startswith("模拟活动 2026-01-01 .. 2026-01-30（预算 5,000，")
    assert "增量毛利" in chinese and "Campaign" not in chinese
    # The same figures in both: only the words change.
    digits = [re.findall(r"-?\d+(?:,\d{3})*", text) for text in (english, chinese)]
    assert digits[0] == digits[1]
    # Segment labels stay as the trainee wrote them.
    assert "    even" in chinese and "    odd" in chinese
    try:
        course.setup(data=DATASETS, lang="zh", quiet=True)
        assert repr(result) == chinese
    finally:
        course.setup(data=DATASETS, lang="en", quiet=True)
    assert repr(result) == english


def test_members_who_are_gone_do_not_respond(world):
    truth = world["truth"]
    gone = truth.index[~truth["alive_at_end"].to_numpy()]
    plan = pd.DataFrame({"customer_id": gone, "offer": "coupon_20", "channel": "wecom"})
    result = simulate.campaign(plan, seed=2)
    assert result.summary["redemptions"] == 0
    assert result.summary["incremental_orders"] == 0
    # Money spent on contacts, nothing back.
    assert result.summary["incremental_profit"] == pytest.approx(-result.summary["contact_cost"])
    assert result.comparison.loc["plan", "expected_profit"] == pytest.approx(
        -simulate.plan_cost(plan)
    )


def test_a_silent_offer_is_a_pure_subsidy(world):
    plan = persona_plan(world, ["value_families"], "coupon_12", channel="none")
    result = simulate.campaign(plan, seed=4)
    assert result.summary["contact_cost"] == 0
    assert result.summary["redemptions"] > 0
    assert result.comparison.loc["plan", "expected_profit"] < 0


def test_some_segments_lose_money_when_contacted_with_a_coupon(world):
    losing = persona_plan(world, ["convenience_commuters", "affluent_bulk"], "coupon_12")
    winning = persona_plan(world, ["value_families", "price_seniors"], "coupon_8")
    assert simulate.campaign(losing).comparison.loc["plan", "expected_profit"] < 0
    assert simulate.campaign(winning).comparison.loc["plan", "expected_profit"] > 0
    measured = [simulate.campaign(losing, seed=s).summary["incremental_profit"] for s in SEEDS]
    assert np.mean(measured) < 0


def test_the_response_model_of_the_world_drives_the_simulator(world, monkeypatch):
    """With the world's response model switched off, nothing pays: the simulator has no
    other source of uplift."""
    from coursekit.synth import response

    def no_effect(params, persona, deviation, offer, discount):
        ones = np.ones(len(persona))
        return response.Response(rate_multiplier=ones, redeem_prob=0 * ones)

    monkeypatch.setattr(response, "campaign_response", no_effect)
    tables = {n: read_table(DATASETS, n) for n in TABLES}
    course.setup(data=tables, quiet=True)
    plan = persona_plan(world, ["value_families", "price_seniors"], "coupon_8")
    result = simulate.campaign(plan, seed=0)
    assert result.summary["redemptions"] == 0
    assert result.comparison.loc["oracle", "expected_profit"] == 0
    assert result.comparison.loc["plan", "expected_profit"] == pytest.approx(
        -simulate.plan_cost(plan)
    )


# ---------------------------------------------------------------------------- targeting


def test_oracle_beats_a_good_plan_which_beats_random_targeting(world):
    """In expectation (the comparison table) and measured, on average over seeds."""
    good = pd.concat(
        [
            persona_plan(world, ["value_families", "price_seniors"], "coupon_8"),
            persona_plan(world, ["health_professionals"], "double_points", "app_push"),
        ]
    )
    budget = simulate.plan_cost(good)
    rng = np.random.default_rng(0)
    ids = world["customers"]["customer_id"].to_numpy()
    random_plan = good.assign(customer_id=rng.choice(ids, size=len(good), replace=False))
    oracle = simulate._oracle_plan(budget)
    assert simulate.plan_cost(oracle) <= budget + 1e-6

    comparison = simulate.campaign(good, budget=budget).comparison
    expected = comparison["expected_profit"]
    assert expected["oracle"] > expected["plan"] > expected["random"]
    assert comparison.loc["oracle", "share_of_oracle"] == 1
    assert comparison.loc["oracle", "contact_cost"] <= budget + 1e-6
    # The oracle's plan, played by the simulator, is worth what the comparison says.
    as_plan = simulate.campaign(oracle, budget=budget).comparison.loc["plan", "expected_profit"]
    assert as_plan == pytest.approx(expected["oracle"])

    def measured(plan):
        runs = [simulate.campaign(plan, budget=budget, seed=s) for s in SEEDS]
        return np.mean([r.summary["incremental_profit"] for r in runs])

    assert measured(oracle) > measured(good) > measured(random_plan)


def test_the_oracle_is_never_beaten_by_a_plan_within_the_same_money(world):
    """Every single option for every member, cut to the money: never above the oracle."""
    m = simulate._members()
    money = 400.0
    _, _, best = simulate._oracle(m.expected, m.option_cost, money)
    for k in range(m.expected.shape[1]):
        cost = m.option_cost[k]
        order = np.argsort(-m.expected[:, k], kind="mergesort")
        count = len(order) if cost == 0 else int(money // cost)
        gains = m.expected[order[:count], k]
        assert gains[gains > 0].sum() <= best + 1e-6


def test_a_trainees_own_world_is_simulated_from_its_own_data(small_world_dir):
    """Per-trainee worlds: the members, the start and the oracle come from the data in use."""
    from coursekit.methods.common import snapshot_date

    course.setup(data=DATASETS, quiet=True)
    default_members = course.load("customers")
    outsider = int(default_members["customer_id"].max())
    simulate.campaign(everyone({"customers": default_members}).head(10))

    course.setup(data=small_world_dir, quiet=True)
    customers = course.load("customers")
    assert outsider not in set(customers["customer_id"])
    plan = everyone({"customers": customers}, "coupon_8", "sms")
    result = simulate.campaign(plan, seed=0)
    assert result.summary["members"] == len(customers)
    assert result.start == snapshot_date(course.load("orders"))
    assert result.comparison.loc["oracle", "members"] <= len(customers)
    assert result.comparison.loc["oracle", "expected_profit"] > 0
    with pytest.raises(simulate.PlanError, match="not members of the data in use"):
        simulate.campaign(pd.concat([plan, plan.head(1).assign(customer_id=outsider)]))
    # The members prepared for one world are not reused for another.
    course.setup(data=DATASETS, quiet=True)
    again = simulate.campaign(everyone({"customers": default_members}))
    assert again.summary["members"] == len(default_members) > len(customers)
    assert again.comparison.loc["oracle", "members"] > len(customers)
