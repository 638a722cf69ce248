"""The campaign simulator (营销活动模拟器): test a targeting plan against the hidden truth.

A trainee's plan says whom to contact, with which offer, through which channel. The
simulator plays it forward from the end of the data, for :data:`WINDOW_DAYS` days, through
the world's one response model (:func:`coursekit.synth.response.campaign_response`, the
function that generated the historical campaigns) with a randomized holdout, and returns
what a marketing team would see afterwards::

    from coursekit import simulate
    result = simulate.campaign(plan, budget=3000, seed=0)
    result.summary        # the campaign in total
    result.by_segment     # per segment of the plan (its "segment" column, else per offer)
    result.comparison     # the plan vs random targeting of the same size vs the oracle

**The plan** is a DataFrame with one row per targeted member: ``customer_id``, ``offer``
(a code of :func:`offers`), ``channel`` (a code of :func:`channels`) and optionally
``segment`` (the trainee's own label, used to report results). A plan is refused as a
whole, with one clear message and no partial result, when it is not such a table, names a
member who is not in the data, an unknown offer or channel, a member twice, or costs more
than the budget. Refusals speak the course language (the ``simulate.*`` messages of
:data:`coursekit.engine.i18n.CATALOG`).

**What a member does** (the world's model, docs/world.md section 7). Each member starts
from their state at the end of the data, read from the hidden truth: members who are gone
(``truth.churn_date`` before the start) place no order and respond to nothing; a member
drifting towards leaving (``drift_start`` passed, ``churn_date`` still ahead) orders at the
drift's reduced rate; everyone else orders at ``truth.order_rate``, times the rate changes
of their life events (``truth/life_events``), times the share of orders that end
completed. Members who never completed an order in the data are treated as non-buyers.
Baseline orders over the window are Poisson. A contacted member who *sees* the message
(``reach`` of the channel, only for members the channel can reach) orders at
``rate x (1 + uplift)`` with the uplift of their persona, traits and offer: extra orders
when the uplift is positive, orders skipped when it is negative (commuters put off by
coupon pushes, affluent bulk buyers cheapened by a discount), exactly as the generator
played the past campaigns. On their first order in the window they redeem the offer with
the model's probability; a redemption costs the offer's discount on that order. Channel
``none`` loads the offer onto the member's account without a message: no change in what
they do, but they redeem it when they shop anyway (a pure subsidy). Order values come from
each member's own history (their mean completed basket, with Gamma noise), gross profit
from their own margin (``products.unit_cost`` of what they bought).

**The catalogue** maps onto the response model's offer types (``CAMPAIGN_TYPES``):

============== ============= ========= =========================================
offer          type          discount  cost
============== ============= ========= =========================================
coupon_8       coupon        8%        8 yuan per 100 spent, on redemption
coupon_12      coupon        12%       the historical coupon (每满100减12)
coupon_20      coupon        20%       20 yuan per 100 spent, on redemption
double_points  points        5%        points worth 5%; 30% are never used (breakage)
group_buy      group_buy     15%       the group price, on redemption
vip_event      vip_event     8%        8% on the day, plus 5 yuan per invitation
winback        winback       15%       15% on the first order back
new_product    new_product   10%       10% off, plus a 2-yuan sample per contact
============== ============= ========= =========================================

The discount also sets the strength of the response (square root of the discount over the
type's reference discount, as in the model). Costs paid up front per contact (the
channel's cost and an offer's fixed cost) count against the budget; redemption costs are
only known afterwards and appear in the result.

**What is measured.** A random ``holdout`` share of the plan's members (20% by default) is
not contacted. Incremental orders, revenue and gross profit are the contacted members' mean
minus the holdout's mean, times the number contacted, with a Welch interval
(statsmodels); revenue is net of the discounts given, gross profit is revenue times margin
minus redemption and contact costs. Segments with fewer than two members in either group
get no estimate.

**The comparison** is in expected values under the truth (no second random draw): the
plan's expected incremental gross profit, that of *random targeting* (the same number of
members drawn at random from every member, with the plan's mix of offers and channels), and
that of the *oracle*, the best plan the truth allows within the same budget (the plan's
own contact cost when no budget is given): every member, offer and channel open, chosen by
a Lagrangian rule on expected profit and contact cost, then filled greedily. Shares are of
the oracle's expected profit.

Determinism: the same world, plan and seed give the same result, whatever the plan's row
order. Every random number is drawn per member of the world from one seeded generator, so
two plans compared with the same seed differ only by what the plans change (common random
numbers), not by luck.

The simulator reads the hidden tables itself, through the data in use
(:mod:`coursekit.state`), and returns aggregates only, never the truth. docs/simulator.md
describes it for course authors and instructors.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from coursekit import state
from coursekit.engine.i18n import t
from coursekit.errors import CourseDataError

__all__ = [
    "DEFAULT_SEED",
    "HOLDOUT_SHARE",
    "WINDOW_DAYS",
    "PlanError",
    "Result",
    "campaign",
    "channels",
    "offers",
    "plan_cost",
]

#: Days the simulated campaign is measured over, from the day after the last order (the
#: response model's effect lasts at least the 30-day measurement window).
WINDOW_DAYS = 30
#: Share of the plan's members held out (not contacted) to measure the effect.
HOLDOUT_SHARE = 0.2
#: The seed used when none is given: the same plan gives the same result.
DEFAULT_SEED = 0
#: Shape of the Gamma noise of one order's value around the member's mean basket.
BASKET_SHAPE = 2.0
#: Level of the intervals.
ALPHA = 0.05

# The offer catalogue (see the module docstring). ``discount``: share of the order given
# away on redemption (and the response strength); ``cost_share``: share of that discount
# that becomes a cost (points: breakage); ``fixed_cost``: yuan per contact, paid up front.
_OFFERS = pd.DataFrame(
    {
        "offer": ["coupon_8", "coupon_12", "coupon_20", "double_points", "group_buy",
                  "vip_event", "winback", "new_product"],
        "type": ["coupon", "coupon", "coupon", "points", "group_buy", "vip_event", "winback",
                 "new_product"],
        "discount": [0.08, 0.12, 0.20, 0.05, 0.15, 0.08, 0.15, 0.10],
        "cost_share": [1.0, 1.0, 1.0, 0.7, 1.0, 1.0, 1.0, 1.0],
        "fixed_cost": [0.0, 0.0, 0.0, 0.0, 0.0, 5.0, 0.0, 2.0],
        "label_en": ["Spend-and-save coupon, 8 off per 100",
                     "Spend-and-save coupon, 12 off per 100",
                     "Spend-and-save coupon, 20 off per 100", "Double points",
                     "Group-buy invitation", "VIP event invitation", "Win-back message",
                     "New-product tasting"],
        "label_zh": ["每满100减8优惠券", "每满100减12优惠券", "每满100减20优惠券", "积分加倍",
                     "社群拼团邀请", "会员专享日邀请", "沉睡会员唤醒", "新品试吃"],
    }
)  # fmt: skip

# The channels: contact cost (yuan per contact), who can be reached (a rule on the
# observed orders) and the chance that a reachable member sees the message and acts on it.
_CHANNELS = pd.DataFrame(
    [
        ("app_push", 0.05, "app", 0.9, "App push", "APP 推送",
         "members with an app order", "有 APP 订单的会员"),
        ("sms", 0.10, "everyone", 0.7, "SMS", "短信", "every member", "全部会员"),
        ("wecom", 2.00, "private_domain", 1.0, "WeCom (shopping guide)", "企业微信（导购一对一）",
         "members with a mini-program or group-buy order", "有小程序或社群团购订单的会员"),
        ("none", 0.0, "everyone", 0.0, "None (loaded silently)", "不触达（静默发放）",
         "every member (no message)", "全部会员（不发消息）"),
    ],
    columns=["channel", "contact_cost", "reaches", "seen", "label_en", "label_zh",
             "who_en", "who_zh"],
)  # fmt: skip
_SILENT = "none"

_PLAN_COLUMNS = ("customer_id", "offer", "channel")
_MEASURES = (
    "members",
    "contacted",
    "holdout",
    "contact_cost",
    "redemptions",
    "redemption_cost",
    "incremental_orders",
    "incremental_orders_low",
    "incremental_orders_high",
    "incremental_revenue",
    "incremental_revenue_low",
    "incremental_revenue_high",
    "incremental_profit",
    "incremental_profit_low",
    "incremental_profit_high",
)


class PlanError(ValueError):
    """A plan the simulator refuses (nothing was simulated); the message says why, in the
    course language (``course.setup(lang=...)``, the catalogue keys ``simulate.*``)."""


def offers(lang: str | None = None) -> pd.DataFrame:
    """The offer catalogue: code, response type, discount, costs and a label.

    Args:
        lang: "en" or "zh" for the label column; default the course language.
    """
    lang = _lang(lang)
    table = _OFFERS.set_index("offer")
    out = table[["type", "discount", "cost_share", "fixed_cost"]].copy()
    out["label"] = table[f"label_{lang}"]
    return out


def channels(lang: str | None = None) -> pd.DataFrame:
    """The channels: contact cost, whom they can reach and the chance a message is seen."""
    lang = _lang(lang)
    table = _CHANNELS.set_index("channel")
    out = table[["contact_cost", "seen"]].copy()
    out["reaches"] = table[f"who_{lang}"]
    out["label"] = table[f"label_{lang}"]
    return out


def _lang(lang: str | None) -> str:
    return state.lang() if lang is None else state.normalize_lang(lang)


# ---------------------------------------------------------------------------- the result


@dataclass(frozen=True)
class Result:
    """What the marketing team sees after the campaign (aggregates only, no truth).

    Attributes:
        summary: the campaign in total (a Series of the measures below).
        by_segment: one row per segment of the plan, the same measures. ``members`` in
            the plan, ``contacted`` (treatment) and ``holdout``; ``contact_cost`` and
            ``redemption_cost`` in yuan, ``redemptions``; ``incremental_orders``,
            ``incremental_revenue`` (net of discounts) and ``incremental_profit`` (gross
            profit after all costs) with ``_low`` / ``_high`` bounds of the 95% interval.
        comparison: rows ``plan``, ``random``, ``oracle``: ``members``, ``contact_cost``
            and ``expected_profit`` (expected incremental gross profit under the truth),
            and ``share_of_oracle``.
        budget, seed, holdout: the settings of the run.
        start, end: the first and the last day of the simulated window.
    """

    summary: pd.Series
    by_segment: pd.DataFrame
    comparison: pd.DataFrame
    budget: float | None
    seed: int
    holdout: float
    start: pd.Timestamp
    end: pd.Timestamp

    def report(self, lang: str | None = None) -> str:
        """The result as a short text report, in ``lang`` (default: the course language)."""
        return "\n".join(_describe(self, _lang(lang)))

    def __repr__(self) -> str:
        return self.report()

    def _repr_html_(self) -> str:
        from html import escape

        return "<pre>" + escape(self.report()) + "</pre>"


# ---------------------------------------------------------------------------- the world


@dataclass(frozen=True)
class _Members:
    """Per member of the world (customer table order): the state at the end of the data."""

    ids: pd.Index  # customer_id
    start: pd.Timestamp  # the day after the last order
    baseline: np.ndarray  # expected completed orders in the window without a contact
    basket: np.ndarray  # mean completed order value (yuan)
    margin: np.ndarray  # gross margin rate of what they buy
    reachable: dict[str, np.ndarray]  # channel -> can the channel reach the member
    multiplier: np.ndarray  # offers x members: order-rate multiplier when contacted
    redeem: np.ndarray  # offers x members: redemption probability
    expected: np.ndarray  # members x options: expected incremental gross profit
    option_cost: np.ndarray  # options: contact cost (channel + offer fixed cost)


def _members() -> _Members:
    """The members' state, computed once per world from the data in use."""
    return state.world_cached(("simulate", "members"), _prepare_in_view)


def _prepare_in_view() -> _Members:
    """:func:`_prepare`, under a progress bar if it takes noticeably long (a check that
    calls the simulator first in a kernel would otherwise show nothing for seconds).

    The statistics libraries the simulation needs are imported here, under the same bar:
    in a fresh process importing ``scipy.stats`` takes longer than the preparation itself
    (a notebook that imported seaborn has it already). ``TQDM_DISABLE=1`` turns the bar
    off, so stored notebook outputs never show it.
    """
    from coursekit.engine import slow

    with slow.slow_step(t("simulate.preparing")):
        import scipy.stats  # noqa: F401  (used by _play)
        import statsmodels.stats.weightstats  # noqa: F401  (used by _difference)

        return _prepare()


def _load(name: str) -> pd.DataFrame:
    """A hidden table: from truth/, or rebuilt from the seed of a handed-out world."""
    try:
        return state.hidden(name)
    except CourseDataError as exc:
        from coursekit.synth.schema import TRUTH_TABLES

        if name in TRUTH_TABLES:
            raise CourseDataError(t("simulate.no_truth", reason=exc)) from exc
        raise


def _prepare() -> _Members:
    from coursekit.methods.common import completed_orders, snapshot_date
    from coursekit.synth import lifecycle
    from coursekit.synth.params import TRAITS, load_params
    from coursekit.synth.response import campaign_response

    params = load_params()
    truth = _load("truth")
    events = _load("life_events")
    customers = state.load("customers")
    orders = state.load("orders")
    ids = pd.Index(customers["customer_id"].to_numpy(), name="customer_id")
    start = snapshot_date(orders)
    truth = truth.set_index("customer_id").reindex(ids)
    if truth["persona"].isna().any():
        raise CourseDataError(t("simulate.truth_incomplete"))

    # Who is still there, and at what rate they order.
    persona = params.personas.index.get_indexer(truth["persona"])
    personas = params.personas
    completed_share = (1 - personas["cancel_rate"] - personas["return_rate"]).to_numpy()
    churn = pd.to_datetime(truth["churn_date"]).to_numpy()
    drift = pd.to_datetime(truth["drift_start"]).to_numpy()
    start64 = np.datetime64(start)
    gone = ~pd.isna(churn) & (churn < start64)
    rate = truth["order_rate"].to_numpy(dtype="float64") * completed_share[persona]
    rate = rate * _life_event_factor(events, ids, start, lifecycle.RATE_AFTER)
    drifting = ~pd.isna(drift) & (drift <= start64) & ~gone & ~pd.isna(churn)
    if drifting.any():
        span = (churn[drifting] - drift[drifting]) / np.timedelta64(1, "D")
        progress = np.clip((start64 - drift[drifting]) / np.timedelta64(1, "D") / span, 0, 1)
        rate[drifting] *= np.exp(-lifecycle.DRIFT_DECAY * progress**lifecycle.DRIFT_POWER)

    # Baskets, margins and channels from each member's own completed orders.
    done = completed_orders(orders)
    by_member = done.groupby("customer_id")
    basket = by_member["net_amount"].mean().reindex(ids).to_numpy(dtype="float64")
    buyer = ~np.isnan(basket)
    rate = np.where(gone | ~buyer, 0.0, rate)
    margin = _margins(done, ids)
    used = done.groupby(["customer_id", "channel"], observed=True).size().unstack(fill_value=0)
    used = used.reindex(index=ids, fill_value=0)

    def has(*names: str) -> np.ndarray:
        present = [n for n in names if n in used.columns]
        return used[present].sum(axis=1).to_numpy() > 0 if present else np.zeros(len(ids), bool)

    everyone = np.ones(len(ids), dtype=bool)
    reachable = {
        "everyone": everyone,
        "app": has("app"),
        "private_domain": has("mini_program", "group_buy"),
    }
    reachable = {row.channel: reachable[row.reaches] for row in _CHANNELS.itertuples()}

    # The response model, once per offer for every member.
    means = personas[[f"trait_{t}" for t in TRAITS]].to_numpy()[persona]
    deviation = truth[[f"trait_{t}" for t in TRAITS]].to_numpy(dtype="float64") - means
    multiplier = np.empty((len(_OFFERS), len(ids)))
    redeem = np.empty_like(multiplier)
    for k, offer in enumerate(_OFFERS.itertuples()):
        response = campaign_response(params, persona, deviation, offer.type, offer.discount)
        multiplier[k] = response.rate_multiplier
        redeem[k] = response.redeem_prob
    members = _Members(
        ids=ids,
        start=start,
        baseline=rate * WINDOW_DAYS,
        basket=np.nan_to_num(basket),
        margin=margin,
        reachable=reachable,
        multiplier=multiplier,
        redeem=redeem,
        expected=np.empty((0, 0)),
        option_cost=_option_costs(),
    )
    return _with_expected(members)


def _life_event_factor(events: pd.DataFrame, ids: pd.Index, start, rate_after) -> np.ndarray:
    factor = np.ones(len(ids))
    if events.empty:
        return factor
    dated = events[pd.to_datetime(events["event_date"]) < start]
    for event, mult in rate_after.items():
        if mult == 1:
            continue
        who = ids.get_indexer(dated.loc[dated["event"] == event, "customer_id"].unique())
        factor[who[who >= 0]] *= mult
    return factor


def _margins(done: pd.DataFrame, ids: pd.Index) -> np.ndarray:
    """Each member's gross margin rate: 1 - cost of goods / line revenue (their own mix)."""
    items = state.load("order_items")[["order_id", "product_id", "quantity", "line_amount"]]
    products = state.load("products")[["product_id", "unit_cost"]]
    lines = items.merge(done[["order_id", "customer_id"]], on="order_id").merge(
        products, on="product_id"
    )
    lines["cogs"] = lines["quantity"] * lines["unit_cost"]
    sums = lines.groupby("customer_id")[["line_amount", "cogs"]].sum()
    overall = 1 - sums["cogs"].sum() / sums["line_amount"].sum()
    rate = (1 - sums["cogs"] / sums["line_amount"]).reindex(ids)
    return rate.fillna(overall).to_numpy(dtype="float64")


def _options() -> list[tuple[int, int]]:
    """Every (offer, channel) pair, offer-major: option k = offer k // C, channel k % C."""
    return [(o, c) for o in range(len(_OFFERS)) for c in range(len(_CHANNELS))]


def _option_costs() -> np.ndarray:
    fixed = _OFFERS["fixed_cost"].to_numpy()
    contact = _CHANNELS["contact_cost"].to_numpy()
    return np.array([fixed[o] + contact[c] for o, c in _options()])


def _with_expected(m: _Members) -> _Members:
    """Expected incremental gross profit of every member under every option."""
    n = len(m.ids)
    expected = np.empty((n, len(_options())))
    value = m.basket * m.margin
    for k, (o, c) in enumerate(_options()):
        offer, channel = _OFFERS.iloc[o], _CHANNELS.iloc[c]
        mult, q = m.multiplier[o], m.redeem[o]
        unit_cost = offer["cost_share"] * offer["discount"] * m.basket
        if channel["channel"] == _SILENT:
            gain = np.zeros(n)
            redemption = q * (1 - np.exp(-m.baseline)) * unit_cost
        else:
            seen = channel["seen"] * m.reachable[channel["channel"]]
            gain = seen * m.baseline * (mult - 1) * value
            redemption = seen * q * (1 - np.exp(-m.baseline * mult)) * unit_cost
        expected[:, k] = gain - redemption - m.option_cost[k]
    return _Members(**{**m.__dict__, "expected": expected})


# ---------------------------------------------------------------------------- the plan


def _as_plan(plan: Any, m: _Members) -> pd.DataFrame:
    """The plan, checked, with positions: member index, offer index, channel index."""
    if (
        isinstance(plan, pd.DataFrame)
        and "customer_id" not in plan.columns
        and plan.index.name == "customer_id"
    ):
        plan = plan.reset_index()
    if not isinstance(plan, pd.DataFrame):
        raise PlanError(t("simulate.not_a_frame", given=type(plan).__name__))
    if isinstance(plan.columns, pd.MultiIndex):
        raise PlanError(t("simulate.column_levels"))
    missing = [c for c in _PLAN_COLUMNS if c not in plan.columns]
    if missing:
        raise PlanError(t("simulate.missing_columns", columns=missing))
    if plan.columns.duplicated().any():
        raise PlanError(t("simulate.duplicate_columns"))
    if len(plan) == 0:
        raise PlanError(t("simulate.empty"))
    columns = [*_PLAN_COLUMNS, *(["segment"] if "segment" in plan.columns else [])]
    for column in columns:
        count = int(plan[column].isna().sum())
        if count:
            raise PlanError(t("simulate.missing_values", column=repr(column), count=count))
    ids = plan["customer_id"]
    if (
        pd.api.types.is_string_dtype(ids)
        and ids.map(type).eq(str).all()
        and pd.to_numeric(ids, errors="coerce").notna().all()
    ):
        raise PlanError(t("simulate.text_ids"))
    if pd.api.types.is_numeric_dtype(ids) and not pd.api.types.is_bool_dtype(ids):
        numbers = pd.to_numeric(ids)
    else:  # keep the values that are numbers, so that the message shows the others
        numbers = pd.to_numeric(ids.map(_number_or_nan).astype("float64"))
    whole = numbers.notna() & np.isfinite(numbers) & (np.mod(numbers, 1) == 0)
    whole &= numbers.abs() < 2**53  # beyond that, floats are no longer whole numbers
    if not whole.all():
        bad = list(ids[~whole.to_numpy()].head(3))
        raise PlanError(t("simulate.bad_ids", bad=bad))
    numbers = numbers.astype("int64")
    counts = numbers.value_counts()
    twice = counts[counts > 1]
    if len(twice):
        first = twice.index[0]
        raise PlanError(
            t("simulate.member_twice", count=len(twice), example=first, times=int(twice.iloc[0]))
        )
    at = m.ids.get_indexer(numbers)
    if (at < 0).any():
        unknown = list(numbers[at < 0].head(3))
        raise PlanError(t("simulate.unknown_members", count=int((at < 0).sum()), examples=unknown))
    offer_at = _codes(plan["offer"], _OFFERS["offer"], "simulate.unknown_offers")
    channel_at = _codes(plan["channel"], _CHANNELS["channel"], "simulate.unknown_channels")
    segment = (
        plan["segment"].astype(str).to_numpy()
        if "segment" in plan.columns
        else _OFFERS["offer"].to_numpy()[offer_at]
    )
    checked = pd.DataFrame(
        {
            "customer_id": numbers.to_numpy(),
            "member": at,
            "offer": offer_at,
            "channel": channel_at,
            "segment": segment,
        }
    )
    # Row order does not matter: the same members give the same result.
    return checked.sort_values("customer_id", kind="mergesort", ignore_index=True)


def _number_or_nan(value: Any) -> float:
    is_number = isinstance(value, int | float | np.integer | np.floating)
    return float(value) if is_number and not isinstance(value, bool | np.bool_) else np.nan


def _codes(values: pd.Series, known: pd.Series, refusal: str) -> np.ndarray:
    """Positions of the plan's codes in ``known``; unknown codes are refused with the
    catalogue message ``refusal``."""
    text = values.astype(str).str.strip()
    at = pd.Index(known).get_indexer(text)
    if (at < 0).any():
        unknown = sorted(set(text[at < 0]))[:3]
        raise PlanError(t(refusal, unknown=unknown, known=list(known)))
    return at


def _check_budget(budget: Any) -> float | None:
    if budget is None:
        return None
    if isinstance(budget, bool) or not isinstance(budget, int | float | np.integer | np.floating):
        raise PlanError(t("simulate.budget_not_a_number", budget=repr(budget)))
    if not (math.isfinite(budget) and budget >= 0):
        raise PlanError(t("simulate.budget_out_of_range", budget=budget))
    return float(budget)


def _check_seed(seed: Any) -> int:
    if seed is None:
        return DEFAULT_SEED
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or seed < 0:
        raise PlanError(t("simulate.bad_seed", seed=repr(seed)))
    return int(seed)


def _check_holdout(holdout: Any) -> float:
    if isinstance(holdout, bool) or not isinstance(holdout, int | float | np.floating):
        raise PlanError(t("simulate.bad_holdout", holdout=repr(holdout)))
    if not (0.05 <= holdout <= 0.5):
        raise PlanError(t("simulate.bad_holdout", holdout=holdout))
    return float(holdout)


def plan_cost(plan: Any) -> float:
    """The contact cost of a plan in yuan: what counts against the budget.

    Each row costs its channel's contact cost plus its offer's fixed cost per contact;
    redemption costs come on top, after the campaign.
    """
    checked = _as_plan(plan, _members())
    return float(_members().option_cost[_option_index(checked)].sum())


def _option_index(checked: pd.DataFrame) -> np.ndarray:
    return checked["offer"].to_numpy() * len(_CHANNELS) + checked["channel"].to_numpy()


# ---------------------------------------------------------------------------- simulation


def campaign(
    plan: pd.DataFrame,
    *,
    budget: float | None = None,
    seed: int | None = None,
    holdout: float = HOLDOUT_SHARE,
) -> Result:
    """Play a targeting plan forward through the world's response model.

    Args:
        plan: one row per targeted member: ``customer_id``, ``offer`` (see
            :func:`offers`), ``channel`` (see :func:`channels`), optionally ``segment``.
        budget: yuan available for contacts (the plan's :func:`plan_cost` may not exceed
            it), or None for no limit.
        seed: the random seed (default :data:`DEFAULT_SEED`); the same world, plan and
            seed give the same result.
        holdout: share of the plan's members held out to measure the effect.

    Returns:
        A :class:`Result`.

    Raises:
        PlanError: the plan is refused (the message says why); nothing was simulated.
        CourseDataError: the data in use has no hidden tables, or is damaged.
        CourseNotSetUp: ``course.setup()`` has not run.
    """
    budget = _check_budget(budget)
    seed = _check_seed(seed)
    holdout = _check_holdout(holdout)
    m = _members()
    checked = _as_plan(plan, m)
    option = _option_index(checked)
    cost = m.option_cost[option]
    total_cost = float(cost.sum())
    if budget is not None and total_cost > budget + 1e-9 * max(1.0, budget):
        raise PlanError(
            t(
                "simulate.over_budget",
                cost=f"{total_cost:,.2f}",
                budget=f"{budget:,.2f}",
                over=f"{total_cost - budget:,.2f}",
            )
        )
    outcome = _play(m, checked, cost, seed, holdout)
    by_segment = _measure(outcome, "segment")
    summary = _measure(outcome.assign(segment="total"), "segment").iloc[0]
    summary.name = "total"
    comparison = _compare(m, checked, option, total_cost if budget is None else budget)
    start = m.start
    end = start + pd.Timedelta(days=WINDOW_DAYS - 1)
    return Result(
        summary=summary,
        by_segment=by_segment,
        comparison=comparison,
        budget=budget,
        seed=seed,
        holdout=holdout,
        start=start,
        end=end,
    )


def _play(
    m: _Members, plan: pd.DataFrame, cost: np.ndarray, seed: int, holdout: float
) -> pd.DataFrame:
    """One draw of the campaign: per plan member, the outcome in treatment or holdout."""
    from scipy import stats

    # One uniform per member of the world and purpose, drawn in a fixed order: a member's
    # luck does not depend on who else is in the plan.
    purposes = ("holdout", "orders", "seen", "extra", "kept", "redeem", "first", "rest")
    uniform = np.random.default_rng(np.random.SeedSequence(seed)).random(
        (len(purposes), len(m.ids))
    )
    u = {p: uniform[i, plan["member"].to_numpy()] for i, p in enumerate(purposes)}
    member = plan["member"].to_numpy()
    offer = plan["offer"].to_numpy()
    silent = _CHANNELS["channel"].to_numpy()[plan["channel"].to_numpy()] == _SILENT
    mu = m.baseline[member]
    basket, margin = m.basket[member], m.margin[member]
    mult = m.multiplier[offer, member]
    redeem_prob = m.redeem[offer, member]
    treated = u["holdout"] >= holdout

    baseline = np.where(mu > 0, stats.poisson.ppf(u["orders"], np.maximum(mu, 1e-12)), 0.0)
    reach = np.zeros(len(plan), dtype=bool)
    for c, row in enumerate(_CHANNELS.itertuples()):
        here = plan["channel"].to_numpy() == c
        reach[here] = m.reachable[row.channel][member[here]] & (u["seen"][here] < row.seen)
    responds = treated & reach & (mu > 0)
    up = responds & (mult > 1)
    extra = np.zeros(len(plan))
    extra[up] = stats.poisson.ppf(u["extra"][up], mu[up] * (mult[up] - 1))
    down = responds & (mult < 1)
    kept = baseline.copy()
    kept[down] = stats.binom.ppf(u["kept"][down], baseline[down], mult[down])
    orders = np.where(up, baseline + extra, np.where(down, kept, baseline))

    # Order values: the first order (the one a coupon is used on) and the rest.
    first = basket * stats.gamma.ppf(u["first"], BASKET_SHAPE) / BASKET_SHAPE
    rest_shape = BASKET_SHAPE * np.maximum(orders - 1, 0)
    rest = np.zeros(len(plan))
    some = rest_shape > 0
    rest[some] = basket[some] * stats.gamma.ppf(u["rest"][some], rest_shape[some]) / BASKET_SHAPE
    revenue = np.where(orders > 0, first + rest, 0.0)
    offer_rows = _OFFERS.iloc[offer]
    knows = treated & (reach | silent)
    redeemed = knows & (orders > 0) & (u["redeem"] < redeem_prob)
    discount = offer_rows["discount"].to_numpy() * first
    redemption = np.where(redeemed, discount * offer_rows["cost_share"].to_numpy(), 0.0)
    contact = np.where(treated, cost, 0.0)
    return pd.DataFrame(
        {
            "segment": plan["segment"].to_numpy(),
            "treated": treated,
            "orders": orders,
            "revenue": revenue - redemption,
            "profit": revenue * margin - redemption - contact,
            "redeemed": redeemed,
            "redemption_cost": redemption,
            "contact_cost": contact,
        }
    )


def _measure(outcome: pd.DataFrame, by: str) -> pd.DataFrame:
    """Treatment minus holdout, scaled to the contacted members, per group of ``by``."""
    rows = {}
    for name, group in outcome.groupby(by, sort=True):
        treated = group[group["treated"]]
        control = group[~group["treated"]]
        row = {
            "members": float(len(group)),
            "contacted": float(len(treated)),
            "holdout": float(len(control)),
            "contact_cost": float(treated["contact_cost"].sum()),
            "redemptions": float(treated["redeemed"].sum()),
            "redemption_cost": float(treated["redemption_cost"].sum()),
        }
        for measure, column in (("orders", "orders"), ("revenue", "revenue"), ("profit", "profit")):
            diff, low, high = _difference(treated[column].to_numpy(), control[column].to_numpy())
            scale = len(treated)
            row[f"incremental_{measure}"] = diff * scale
            row[f"incremental_{measure}_low"] = low * scale
            row[f"incremental_{measure}_high"] = high * scale
        rows[name] = row
    table = pd.DataFrame.from_dict(rows, orient="index", columns=list(_MEASURES))
    table.index.name = "segment"
    return table


def _difference(treated: np.ndarray, control: np.ndarray) -> tuple[float, float, float]:
    """Mean difference with its Welch interval (NaN when a group is too small)."""
    if len(treated) < 2 or len(control) < 2:
        return (np.nan, np.nan, np.nan)
    from statsmodels.stats.weightstats import CompareMeans, DescrStatsW

    diff = float(treated.mean() - control.mean())
    if treated.var() == 0 and control.var() == 0:
        return (diff, diff, diff)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        low, high = CompareMeans(DescrStatsW(treated), DescrStatsW(control)).tconfint_diff(
            alpha=ALPHA, usevar="unequal"
        )
    return (diff, float(low), float(high))


# ---------------------------------------------------------------------------- benchmarks


def _compare(m: _Members, plan: pd.DataFrame, option: np.ndarray, money: float) -> pd.DataFrame:
    """The plan, random targeting of the same size, and the oracle, in expected profit."""
    planned = float(m.expected[plan["member"].to_numpy(), option].sum())
    size = len(plan)
    mix = np.bincount(option, minlength=m.expected.shape[1]) / size
    per_member = m.expected.mean(axis=0)  # a random member, under each option
    random_profit = float(size * (mix * per_member).sum())
    random_cost = float(size * (mix * m.option_cost).sum())
    oracle_members, oracle_cost, oracle_profit = _oracle(m.expected, m.option_cost, money)
    table = pd.DataFrame(
        {
            "members": [float(size), float(size), float(oracle_members)],
            "contact_cost": [float(m.option_cost[option].sum()), random_cost, oracle_cost],
            "expected_profit": [planned, random_profit, oracle_profit],
        },
        index=pd.Index(["plan", "random", "oracle"], name="targeting"),
    )
    table["share_of_oracle"] = (
        table["expected_profit"] / oracle_profit if oracle_profit > 0 else np.nan
    )
    return table


def _oracle(expected: np.ndarray, cost: np.ndarray, money: float) -> tuple[int, float, float]:
    """The best plan within ``money``: its members, contact cost and expected profit."""
    best, keep = _oracle_choice(expected, cost, money)
    chosen = np.flatnonzero(keep)
    return len(chosen), float(cost[best[chosen]].sum()), float(expected[chosen, best[chosen]].sum())


def _oracle_choice(
    expected: np.ndarray, cost: np.ndarray, money: float
) -> tuple[np.ndarray, np.ndarray]:
    """Each member's option in the best plan within ``money`` (``keep``: contacted at all).

    A multiple-choice knapsack: each member gets one option or none. The Lagrangian rule
    (each member's option maximizing profit - theta x cost, if positive) is optimal for
    the cost it reaches; theta, the price of a yuan, is the smallest that keeps within the
    money (bisection); the money left is then filled greedily, best profit per yuan first.
    """

    def choose(theta: float) -> tuple[np.ndarray, np.ndarray]:
        score = expected - theta * cost
        best = score.argmax(axis=1)
        return best, score[np.arange(len(score)), best] > 0

    def spent(best: np.ndarray, keep: np.ndarray) -> float:
        return float(cost[best[keep]].sum())

    best, keep = choose(0.0)
    if spent(best, keep) <= money:
        return best, keep
    paid = cost > 0
    low, high = 0.0, float(np.max(expected[:, paid] / cost[paid]))
    for _ in range(60):
        mid = (low + high) / 2
        if spent(*choose(mid)) > money:
            low = mid
        else:
            high = mid
    best, keep = choose(high)
    left = money - spent(best, keep)
    rows = np.flatnonzero(~keep)
    per_yuan = np.where(paid, expected[rows] / np.where(paid, cost, 1.0), -np.inf)
    pick = per_yuan.argmax(axis=1)
    ratio = per_yuan[np.arange(len(rows)), pick]
    for i in np.argsort(-ratio, kind="mergesort"):
        if ratio[i] <= 0:
            break
        if cost[pick[i]] <= left:
            keep[rows[i]], best[rows[i]] = True, pick[i]
            left -= cost[pick[i]]
    return best, keep


def _oracle_plan(money: float) -> pd.DataFrame:
    """The oracle's plan for the data in use (for tests and instructors: it is the truth)."""
    m = _members()
    best, keep = _oracle_choice(m.expected, m.option_cost, money)
    chosen = np.flatnonzero(keep)
    options = np.array(_options())[best[chosen]]
    return pd.DataFrame(
        {
            "customer_id": m.ids[chosen].to_numpy(),
            "offer": _OFFERS["offer"].to_numpy()[options[:, 0]],
            "channel": _CHANNELS["channel"].to_numpy()[options[:, 1]],
        }
    )


# ---------------------------------------------------------------------------- text


def _describe(result: Result, lang: str) -> tuple[str, ...]:
    """The lines of :meth:`Result.report` (catalogue keys ``simulate.report.*``)."""

    def money(value: float) -> str:
        return "n/a" if not np.isfinite(value) else f"{value:,.0f}"

    def interval(row: pd.Series, measure: str) -> str:
        low, high = row[f"incremental_{measure}_low"], row[f"incremental_{measure}_high"]
        return f"{money(row[f'incremental_{measure}'])} [{money(low)}, {money(high)}]"

    summary, comparison = result.summary, result.comparison
    limit = (
        t("simulate.report.no_budget", lang)
        if result.budget is None
        else t("simulate.report.budget", lang, budget=f"{result.budget:,.0f}")
    )
    lines = [
        t(
            "simulate.report.title",
            lang,
            start=result.start.date(),
            end=result.end.date(),
            limit=limit,
            seed=result.seed,
            holdout=f"{result.holdout:.0%}",
        ),
        t(
            "simulate.report.contacts",
            lang,
            contacted=f"{int(summary['contacted']):,}",
            members=f"{int(summary['members']):,}",
            contact_cost=money(summary["contact_cost"]),
            redemptions=f"{int(summary['redemptions']):,}",
            redemption_cost=money(summary["redemption_cost"]),
        ),
        t("simulate.report.revenue", lang, interval=interval(summary, "revenue")),
        t("simulate.report.profit", lang, interval=interval(summary, "profit")),
        t("simulate.report.per_segment", lang),
    ]
    width = max(len(str(s)) for s in result.by_segment.index)
    for name, row in result.by_segment.iterrows():
        lines.append(f"    {name!s:<{width}}  {interval(row, 'profit')}")
    share = comparison["share_of_oracle"]
    lines.append(
        t(
            "simulate.report.expected",
            lang,
            plan=money(comparison.loc["plan", "expected_profit"]),
            random=money(comparison.loc["random", "expected_profit"]),
            oracle=money(comparison.loc["oracle", "expected_profit"]),
        )
    )
    if np.isfinite(share["plan"]):
        lines.append(
            t(
                "simulate.report.share",
                lang,
                plan=f"{share['plan']:.0%}",
                random=f"{share['random']:.0%}",
            )
        )
    return tuple(lines)
