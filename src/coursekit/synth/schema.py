"""The clean tables of a world: column order, types and bilingual descriptions.

One definition serves three purposes: it fixes dtypes after generation and after loading
(so an in-memory world equals the same world read back from disk), it orders the CSV
columns, and it writes the data dictionary in ``datasets/README.md``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd


@dataclass(frozen=True)
class Column:
    name: str
    kind: str  # int, nint (nullable int), float, str, code (categorical), bool, datetime, date
    en: str
    zh: str


@dataclass(frozen=True)
class Table:
    name: str
    en: str
    zh: str
    columns: tuple[Column, ...]

    @property
    def names(self) -> list[str]:
        return [c.name for c in self.columns]


def _t(name, en, zh, *cols):
    return Table(name, en, zh, tuple(Column(*c) for c in cols))


SURVEY_ITEMS = [f"q{i:02d}" for i in range(1, 21)]
BENEFIT_ITEMS = [f"b{i:02d}" for i in range(1, 7)]

TABLES: dict[str, Table] = {
    t.name: t
    for t in [
        _t(
            "customers",
            "Members of the chain, one row per person (after identity resolution).",
            "会员客户表，每人一行（已完成身份识别合并）。",
            ("customer_id", "int", "Customer key used by every table", "客户编号（各表通用主键）"),
            ("name", "str", "Name", "姓名"),
            ("gender", "str", "female / male", "性别（female 女 / male 男）"),
            ("birth_date", "date", "Date of birth", "出生日期"),
            (
                "age",
                "int",
                "Age in whole years on the last day of the data",
                "年龄（截至数据最后一天）",
            ),
            ("city", "str", "City of residence", "所在城市"),
            (
                "city_tier",
                "int",
                "City tier: 1 first-tier ... 4 third-tier and below",
                "城市等级：1 一线，2 新一线，3 二线，4 三线及以下",
            ),
            ("phone", "str", "Mobile number, digits only", "手机号（仅数字）"),
            ("signup_date", "date", "Date the membership started", "注册日期"),
            (
                "signup_channel",
                "str",
                "Where the member signed up: store / app / mini_program / group_buy",
                "注册渠道：门店 / APP / 小程序 / 社群团购",
            ),
            (
                "member_level",
                "str",
                "regular / silver / gold / platinum when the data window opened (members who "
                "joined later start as regular)",
                "会员等级：普通/银卡/金卡/铂金（数据期开始时的等级；之后注册的会员为普通）",
            ),
            ("household_size", "int", "People in the household", "家庭人数"),
            ("has_children", "bool", "Children live in the household", "家中是否有孩子"),
            (
                "income_band",
                "str",
                "Monthly household income band: low, lower_middle, middle, upper_middle, high",
                "家庭月收入档：低/中低/中/中高/高",
            ),
            ("home_store_id", "int", "The store the member usually uses", "常去门店编号"),
        ),
        _t(
            "products",
            "Products on sale.",
            "商品表。",
            ("product_id", "int", "Product key", "商品编号"),
            ("sku", "str", "Online shop SKU code", "线上商城 SKU 编码"),
            (
                "barcode",
                "str",
                "EAN-13 barcode scanned at the till",
                "条形码（EAN-13，门店收银扫描）",
            ),
            ("name", "str", "Product name", "商品名称"),
            ("category", "str", "Category code (snake_case)", "品类编码"),
            ("brand", "str", "Brand", "品牌"),
            ("unit_price", "float", "Shelf price per unit", "单价（元）"),
            ("unit_cost", "float", "Purchase cost per unit", "单位进货成本（元）"),
            ("is_private_label", "bool", "The chain's own brand", "是否自有品牌"),
        ),
        _t(
            "stores",
            "Stores of the chain.",
            "门店表。",
            ("store_id", "int", "Store key", "门店编号"),
            ("store_code", "str", "Store code used by the POS system", "POS 系统门店代码"),
            ("name", "str", "Store name", "门店名称"),
            ("city", "str", "City", "城市"),
            ("province", "str", "Province or state", "省份"),
            ("city_tier", "int", "City tier (1-4)", "城市等级（1-4）"),
            (
                "format",
                "str",
                "hypermarket / supermarket / community / warehouse_club",
                "业态：大卖场 / 超市 / 社区店 / 仓储会员店",
            ),
            ("open_date", "date", "Opening date", "开业日期"),
        ),
        _t(
            "orders",
            "Orders from every channel, one row per order (all statuses).",
            "全渠道订单表，每单一行（含所有状态）。",
            ("order_id", "int", "Order key, increasing with time", "订单编号（随时间递增）"),
            ("customer_id", "int", "Who ordered", "客户编号"),
            (
                "store_id",
                "int",
                "Store that sold, delivered or was the pick-up point",
                "销售/配送/自提门店",
            ),
            (
                "channel",
                "code",
                "store / app / mini_program / group_buy (community 接龙)",
                "渠道：门店 / APP / 小程序 / 社群接龙团购",
            ),
            ("order_ts", "datetime", "Local time of the order", "下单时间（当地时间）"),
            (
                "status",
                "code",
                "completed / returned / cancelled",
                "状态：已完成 / 已退货 / 已取消",
            ),
            (
                "gross_amount",
                "float",
                "Sum of the order lines before discount",
                "订单原价金额（元）",
            ),
            ("discount_amount", "float", "Coupon discount", "优惠券抵扣金额（元）"),
            ("net_amount", "float", "Amount paid: gross minus discount", "实付金额（元）"),
            (
                "coupon_id",
                "code",
                "Coupon used (empty if none); CMP... are campaign coupons",
                "使用的优惠券（空表示未使用）；CMP 开头为营销活动券",
            ),
        ),
        _t(
            "order_items",
            "Order lines.",
            "订单明细表。",
            ("order_id", "int", "Order", "订单编号"),
            ("product_id", "int", "Product", "商品编号"),
            ("quantity", "int", "Units", "数量"),
            ("unit_price", "float", "Price per unit", "单价（元）"),
            ("line_amount", "float", "quantity x unit_price", "行金额 = 数量 × 单价"),
        ),
        _t(
            "web_events",
            "App and mini-program browsing events.",
            "APP 与小程序浏览行为事件表。",
            ("event_id", "int", "Event key, increasing with time", "事件编号"),
            ("customer_id", "int", "Who", "客户编号"),
            ("session_id", "int", "Browsing session", "会话编号"),
            ("event_ts", "datetime", "Local time", "事件时间"),
            (
                "event_type",
                "code",
                "view / search / add_to_cart / purchase",
                "事件类型：浏览 / 搜索 / 加购 / 购买",
            ),
            (
                "product_id",
                "nint",
                "Product viewed or added (empty for search and purchase)",
                "浏览或加购的商品（搜索、购买事件为空）",
            ),
        ),
        _t(
            "survey",
            "Member survey: one row per respondent; attitude answers 1 (strongly disagree) .. "
            "5 (strongly agree), benefit answers 1 (not at all important) .. 5 (very "
            "important); empty where a question was skipped. See survey_items for the "
            "questions; some are reverse-keyed.",
            "会员问卷：每位受访者一行；态度题 1 非常不同意 … 5 非常同意，利益诉求题 1 非常不重要 … "
            "5 非常重要；未作答为空。题目见 survey_items，部分为反向题。",
            ("customer_id", "int", "Respondent", "受访客户编号"),
            ("response_date", "date", "Date answered", "作答日期"),
            *[
                (q, "nint", f"Answer to attitude item {q}", f"态度题 {q[1:]} 得分")
                for q in SURVEY_ITEMS
            ],
            *[
                (q, "nint", f"Importance of benefit item {q}", f"利益诉求题 {q[1:]} 重要性")
                for q in BENEFIT_ITEMS
            ],
        ),
        _t(
            "survey_items",
            "The questionnaire: item texts and the construct each item measures.",
            "问卷题目表：题目文字及其测量的维度。",
            ("item", "str", "Item column in survey", "题号（对应 survey 表的列）"),
            ("construct", "str", "Construct measured", "测量维度"),
            ("construct_zh", "str", "Construct in Chinese", "维度中文名"),
            ("reverse_keyed", "bool", "Agreeing means LESS of the construct", "是否反向计分题"),
            (
                "block",
                "str",
                "attitude (agree/disagree) or benefit (importance of a benefit sought)",
                "题组：attitude 态度题 / benefit 利益诉求题",
            ),
            ("text_zh", "str", "Item text (Chinese)", "题目（中文）"),
            ("text_en", "str", "Item text (English)", "题目（英文）"),
        ),
        _t(
            "campaigns",
            "Past marketing campaigns, each with a randomized control (holdout) group.",
            "历史营销活动表，每个活动均设有随机对照（留出）组。",
            ("campaign_id", "int", "Campaign key", "活动编号"),
            ("name", "str", "Campaign name", "活动名称"),
            (
                "type",
                "str",
                "coupon / points / vip_event / winback / group_buy / new_product",
                "活动类型：优惠券 / 积分 / 会员日 / 唤醒 / 拼团 / 新品",
            ),
            ("start_date", "date", "First day", "开始日期"),
            ("end_date", "date", "Last day", "结束日期"),
            (
                "target_rule",
                "str",
                "Who was eligible, as the marketing team wrote the rule",
                "目标人群规则（市场部制定）",
            ),
            (
                "treatment_share",
                "float",
                "Planned share of the audience contacted (the rest is held out)",
                "计划触达比例（其余为留出对照组）",
            ),
            ("cost_per_contact", "float", "Cost per treated customer", "每位触达客户成本（元）"),
            (
                "coupon_code",
                "str",
                "Coupon code redeemed in orders.coupon_id",
                "活动券码（对应订单 coupon_id）",
            ),
            ("discount_rate", "float", "Discount of the campaign coupon", "活动券折扣率"),
        ),
        _t(
            "campaign_assignments",
            "Who was in each campaign's audience, in which group, and what they spent.",
            "活动分组表：每个活动的受众、分组及其后续消费。",
            ("campaign_id", "int", "Campaign", "活动编号"),
            ("customer_id", "int", "Customer", "客户编号"),
            (
                "group",
                "str",
                "treatment (contacted) / control (held out)",
                "分组：实验组（触达）/ 对照组（留出）",
            ),
            ("redeemed", "bool", "Used the campaign coupon", "是否核销活动券"),
            (
                "spend_after",
                "float",
                "Completed net spend in the 30 days from the start",
                "活动开始后 30 天内已完成订单实付金额（元）",
            ),
        ),
        _t(
            "truth",
            "The hidden ground truth (for instructors and for checking): persona, churn, drift "
            "and latent traits. Trainees should not peek.",
            "隐藏的真实答案（供讲师与校验使用）：客户画像类型、流失、衰退与潜在特质。学员请勿偷看。",
            ("customer_id", "int", "Customer", "客户编号"),
            ("persona", "str", "The persona that generated this customer", "生成该客户的画像类型"),
            (
                "secondary_persona",
                "str",
                "A second persona whose habits the customer partly shares",
                "该客户部分习惯所接近的第二画像类型",
            ),
            ("blend", "float", "Weight of the secondary persona (0-1)", "第二画像的权重（0-1）"),
            (
                "alive_at_end",
                "bool",
                "Still a customer on the last day",
                "数据最后一天是否仍为活跃客户",
            ),
            (
                "drift_start",
                "date",
                "Day the customer began to drift away: fewer orders, smaller baskets (empty "
                "if not leaving)",
                "开始衰退（下单变少、客单变小）的日期（未流失为空）",
            ),
            (
                "churn_date",
                "date",
                "Day the customer was gone, after the last order (empty if alive)",
                "客户流失之日，晚于最后一次下单（仍活跃为空）",
            ),
            (
                "churn_trigger",
                "str",
                "none / gradual / service_failure / competitor / trial",
                "流失原因：无 / 逐渐流失 / 服务失误 / 竞争对手开店 / 只试一次",
            ),
            ("order_rate", "float", "Orders per day while active (lambda)", "活跃期日均下单率"),
            (
                "churn_hazard",
                "float",
                "Chance per day of starting to leave",
                "每日开始流失的概率",
            ),
            ("trait_price", "float", "Latent price consciousness (z)", "潜在价格敏感度"),
            ("trait_health", "float", "Latent health consciousness (z)", "潜在健康意识"),
            ("trait_novelty", "float", "Latent novelty seeking (z)", "潜在尝新倾向"),
            ("trait_convenience", "float", "Latent convenience orientation (z)", "潜在便利导向"),
            ("trait_loyalty", "float", "Latent loyalty (z)", "潜在忠诚度"),
        ),
        _t(
            "life_events",
            "Hidden: dated life events that change what, where and when customers buy.",
            "隐藏表：改变客户购买内容、渠道与时间的人生事件（含日期）。",
            ("customer_id", "int", "Customer", "客户编号"),
            (
                "event",
                "str",
                "first_child / moved / retired / digital_shift / group_buy_joined",
                "事件：第一个孩子出生 / 搬家 / 退休 / 转向线上 / 加入社群团购",
            ),
            ("event_date", "date", "Date of the event", "事件日期"),
            (
                "new_home_store_id",
                "nint",
                "The new home store after moving (empty for other events)",
                "搬家后的新常去门店（其他事件为空）",
            ),
        ),
        _t(
            "competitor_openings",
            "Hidden: a competitor opened near these stores on these dates.",
            "隐藏表：竞争对手在这些门店附近开店的日期。",
            ("store_id", "int", "Store facing the new competitor", "受影响门店编号"),
            ("opening_date", "date", "Opening date of the competitor", "竞争对手开业日期"),
        ),
        _t(
            "campaign_response",
            "Hidden: the campaign response model's parameters per persona and offer type.",
            "隐藏表：各画像类型对各类活动的响应模型参数。",
            ("persona", "str", "Persona", "画像类型"),
            ("campaign_type", "str", "Offer type", "活动类型"),
            (
                "base_uplift",
                "float",
                "Change of the order rate of a contacted customer (0.1 = +10%)",
                "被触达客户下单率的变化（0.1 表示 +10%）",
            ),
            ("trait", "str", "Latent trait that strengthens the response", "增强响应的潜在特质"),
            (
                "trait_weight",
                "float",
                "Extra uplift per standard deviation of that trait",
                "该特质每个标准差带来的额外提升",
            ),
            (
                "reference_discount",
                "float",
                "Discount the uplift refers to (effects scale with sqrt(discount/this))",
                "基准折扣率（效果按 sqrt(折扣/基准) 缩放）",
            ),
            (
                "redeem_rate",
                "float",
                "Chance of redeeming on the first order in the window",
                "活动期内首单核销活动券的概率",
            ),
        ),
    ]
}


# The hidden tables: what generated the world, for instructors and checks, never for
# trainees. A world keeps them in a folder of their own (``truth/``), so that it can be
# written or handed out without them. Code that needs the list reads it from here.
TRUTH_TABLES: tuple[str, ...] = ("truth", "life_events", "competitor_openings", "campaign_response")
OBSERVED_TABLES: tuple[str, ...] = tuple(name for name in TABLES if name not in TRUTH_TABLES)

#: The raw exports of a course world (under ``raw/``), as the source systems write them;
#: built by :mod:`coursekit.synth.raw`.
RAW_FILES: tuple[str, ...] = (
    "pos_transactions.csv",
    "online_orders.jsonl",
    "crm_members.xlsx",
    "group_buy_chains.txt",
    "survey_export.csv",
    "identity_key.csv",
)


def conform(df: pd.DataFrame, name: str) -> pd.DataFrame:
    """Order and type the columns of table ``name`` exactly as the schema says."""
    table = TABLES[name]
    missing = [c for c in table.names if c not in df.columns]
    if missing:
        raise ValueError(f"table {name!r} lacks columns {missing}")
    if list(df.columns) == table.names and all(
        _has_kind(df[c.name], c.kind) for c in table.columns
    ):
        return df  # already conforming: skip a copy of a table of tens of millions of rows
    out = {}
    for col in table.columns:
        s = df[col.name]
        if col.kind == "int":
            s = s.astype(np.int64)
        elif col.kind == "nint":
            s = s.astype("Int64")
        elif col.kind == "float":
            s = s.astype(np.float64)
        elif col.kind == "bool":
            s = _to_bool(s)
        elif col.kind == "datetime":
            s = pd.to_datetime(s).astype("datetime64[ns]")
        elif col.kind == "date":
            s = pd.to_datetime(s).dt.normalize().astype("datetime64[ns]")
        elif col.kind == "code":
            # Low-cardinality codes of big tables: categorical (far less memory than
            # strings), with the categories present, in alphabetical order.
            s = s.astype("category").cat.remove_unused_categories()
            s = s.cat.reorder_categories(sorted(s.cat.categories))
        elif col.kind == "str":
            s = s.astype("str")  # pandas' string dtype; missing values stay missing
        out[col.name] = s.reset_index(drop=True)
    return pd.DataFrame(out, copy=False)


def _has_kind(s: pd.Series, kind: str) -> bool:
    """True when ``s`` already has exactly the dtype ``conform`` would give it."""
    dtype = s.dtype
    if kind == "int":
        return dtype == np.int64
    if kind == "nint":
        return dtype == "Int64"
    if kind == "float":
        return dtype == np.float64
    if kind == "bool":
        return dtype == np.bool_
    if kind in ("datetime", "date"):
        if dtype != "datetime64[ns]":
            return False
        present = s.dropna()
        return kind == "datetime" or bool((present == present.dt.normalize()).all())
    if kind == "code":
        if not isinstance(dtype, pd.CategoricalDtype):
            return False
        cats = list(dtype.categories)
        return cats == sorted(cats) and len(cats) == len(pd.unique(s.cat.codes[s.cat.codes >= 0]))
    if kind == "str":
        return isinstance(dtype, pd.StringDtype) and dtype.na_value is np.nan
    return False


def _to_bool(s: pd.Series) -> pd.Series:
    if s.dtype == bool:
        return s
    mapped = s.map({True: True, False: False, "True": True, "False": False})
    if mapped.isna().any():
        raise ValueError(f"column {s.name!r} has values that are not True/False")
    return mapped.astype(bool)
