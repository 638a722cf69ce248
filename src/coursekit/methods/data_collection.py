"""Reference methods of module 01: data collection and integration (数据收集与整合).

From the raw exports of a world (``datasets/raw/``) to one customer view (CDP):

1. read each export as it really comes: the GBK-encoded POS CSV with Chinese headers
   (:func:`read_pos_export`, :func:`read_pos`), JSON-lines online orders with epoch
   milliseconds in UTC (:func:`read_online_orders`), the Excel CRM list
   (:func:`read_crm_export`, :func:`read_crm`), the group-buy chat text
   (:func:`parse_group_buy`) and the survey export (:func:`read_survey_export`);
2. clean it: phone numbers (:func:`normalize_phone`), mixed date formats
   (:func:`parse_mixed_dates`), duplicates and test orders
   (:func:`clean_online_orders`), training receipts, walk-ins and returns
   (:func:`pos_receipts`), quantities keyed in wrongly (:func:`wrong_quantities`),
   free-text quantities (:func:`parse_quantity`);
3. resolve identities: every member id, card and phone to one ``customer_id``, the
   earliest registration of a person (:func:`resolve_members`, :func:`identity_map`);
4. report data quality per source (:func:`quality_report`) and derive a first tag table
   (标签体系) from rules kept as data (:data:`TAG_RULES`, :func:`customer_tags`).

``integrate(raw_dir, products, stores, survey_items)`` runs steps 1-3 and rebuilds the
clean ``customers``, ``orders``, ``order_items`` and ``survey`` tables of the world exactly.

**The tag rules** (:data:`TAG_RULES`; orders after the snapshot date are ignored):

====================  ============  ======================================================
tag                   中文          rule
====================  ============  ======================================================
``has_children``      有孩家庭      the CRM says children live in the household (有无子女)
``prefers_online``    偏好线上      more than half of the completed orders were placed on
                                    the app or the mini-program
``group_buy_member``  社群团购用户  at least one community group-buy (接龙) order, any status
``coupon_user``       用券客户      at least one completed order paid with a coupon
``lapsed``            沉睡客户      no completed order in the 90 days before the snapshot
                                    (recency_days > 90, as in module 02); customers who
                                    never completed an order are lapsed too
====================  ============  ======================================================
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from coursekit.methods.common import COMPLETED, snapshot_date
from coursekit.synth.schema import conform

SOURCES = ("crm", "pos", "online", "group_buy", "survey")
ONLINE_CHANNELS = ("app", "mini_program")
CHANNELS = ("store", "app", "mini_program", "group_buy")

# ------------------------------------------------------------------------------ the world


def world_parameters(data_dir: str | Path) -> dict:
    """The parameters of a dataset (``MANIFEST``): seed, start, end, locale, timezone.

    The timezone is the chain's local time: online timestamps in UTC are converted to it.
    """
    from coursekit.synth.io import read_manifest

    return dict(read_manifest(data_dir)["parameters"])


def read_identity_key(path: str | Path) -> pd.DataFrame:
    """The answer key ``raw/identity_key.csv``: source, source_key (text) and customer_id."""
    return pd.read_csv(path, dtype={"source": str, "source_key": str, "customer_id": "int64"})


# ------------------------------------------------------------------------------ phones


def normalize_phone(values, country: str = "CN") -> pd.Series:
    """Digits-only mobile numbers; country codes and separators removed.

    Args:
        values: phone numbers as typed ("+86 138-0013-8000", "86-13800138000", ...).
        country: "CN" (11-digit mobiles starting with 1) or "US" (10 digits).

    Returns:
        A string Series; values that are not a valid number become missing.
    """
    s = pd.Series(values, dtype="object").astype("str")
    digits = s.str.replace(r"\D", "", regex=True)
    if country == "CN":
        digits = digits.where(~((digits.str.len() == 13) & digits.str.startswith("86")),
                              digits.str.slice(2))  # fmt: skip
        valid = digits.str.fullmatch(r"1\d{10}")
    elif country == "US":
        digits = digits.where(~((digits.str.len() == 11) & digits.str.startswith("1")),
                              digits.str.slice(1))  # fmt: skip
        valid = digits.str.fullmatch(r"[2-9]\d{9}")
    else:
        raise ValueError(f"unknown country {country!r}; use 'CN' or 'US'")
    return digits.where(valid.fillna(False).astype(bool))


def country_of(timezone: str) -> str:
    """The phone-number country of a world, from its timezone."""
    return "CN" if timezone == "Asia/Shanghai" else "US"


COUNTRY_CODE = {"CN": "86", "US": "1"}

# ------------------------------------------------------------------------------ quantities

_CN_DIGITS = {"一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8,
              "九": 9, "十": 10}  # fmt: skip


def parse_quantity(text) -> int | None:
    """Quantity from group-buy free text: "2份", "x3", "×2", "两份", "+1", "3" (None if none)."""
    if text is None or (isinstance(text, float) and np.isnan(text)):
        return None
    t = str(text).strip().lower()
    if t.startswith("+") and t[1:].isdigit():
        return int(t[1:])  # "+1" in a 接龙 means "me too, one"
    m = re.search(r"(\d+)", t)
    if m:
        return int(m.group(1))
    for ch in t:
        if ch in _CN_DIGITS:
            return _CN_DIGITS[ch]
    return None


# ------------------------------------------------------------------------------ readers

POS_RENAME = {
    "门店代码": "store_code", "门店名称": "store_name", "小票号": "receipt_no",
    "交易时间": "ts", "会员卡号": "card", "商品条码": "barcode", "商品名称": "product_name",
    "数量": "quantity", "单价": "unit_price", "金额": "amount", "优惠券码": "coupon_id",
    "整单优惠": "order_discount", "实收金额": "order_net", "交易类型": "kind",
    "原小票号": "original_receipt",
}  # fmt: skip
#: POS columns that are identifiers: read as text, or receipt numbers lose their leading
#: zeros and card numbers turn into floats (880113832366.0) that match nothing.
POS_TEXT_COLUMNS = ("门店代码", "小票号", "会员卡号", "商品条码", "优惠券码", "原小票号")
POS_SALE, POS_RETURN = "销售", "退货"
CRM_RENAME = {
    "会员编号": "member_id", "会员卡号": "card", "姓名": "name", "手机号": "phone_raw",
    "性别": "gender_raw", "出生日期": "birth_raw", "所在城市": "city_raw",
    "注册日期": "signup_date",
    "注册渠道": "signup_channel_raw", "会员等级": "level_raw", "家庭人数": "household_size",
    "有无子女": "children_raw", "月收入": "income_raw",
}  # fmt: skip
TEST_STORE_CODE = "S0000"  # the training till: its receipts are not sales
TEST_MARK = "测试"  # test orders (remark 测试订单) and the test group (【测试群】)


def read_pos_export(path: str | Path) -> pd.DataFrame:
    """The POS export exactly as exported: GBK, Chinese headers, identifiers as text."""
    return pd.read_csv(path, encoding="gbk", dtype=dict.fromkeys(POS_TEXT_COLUMNS, str))


def prepare_pos(export: pd.DataFrame) -> pd.DataFrame:
    """English column names and parsed times for a POS export read by :func:`read_pos_export`.

    The till software changed its date format mid-way (``2024/3/5 09:15:00``, later
    ``2025-07-01 09:15:00``), so the times are parsed with ``format="mixed"``.
    """
    pos = export.rename(columns=POS_RENAME)
    pos["ts"] = pd.to_datetime(pos["ts"], format="mixed")
    return pos


def read_pos(path: str | Path) -> pd.DataFrame:
    """The POS export with English column names; ids kept as text, times parsed."""
    return prepare_pos(read_pos_export(path))


def read_online_orders(
    path: str | Path, timezone: str, *, items: bool = True
) -> tuple[pd.DataFrame, pd.DataFrame | None]:
    """JSON-lines online orders: one row per order and one per item, local order times.

    ``created_at`` is epoch **milliseconds** in UTC; it becomes the local wall-clock time
    ``order_ts`` (no timezone attached, like every time in the clean tables).

    Args:
        path: the ``online_orders.jsonl`` export.
        timezone: the chain's local time zone, e.g. "Asia/Shanghai".
        items: also build the item table (most of the time spent); False returns None
            in its place.
    """
    if not items:
        orders = _online_order_rows(path)
        if orders is not None:
            orders["order_ts"] = local_time(orders["created_at"], timezone)
            return orders, None
    with open(path, encoding="utf-8") as fh:
        records = [json.loads(line) for line in fh if line.strip()]
    orders = pd.DataFrame.from_records([{k: v for k, v in r.items() if k != "items"}
                                        for r in records])  # fmt: skip
    item_table = None
    if items:
        for record in records:  # number the lines: one order may hold two identical lines
            for line_no, item in enumerate(record.get("items", [])):
                item["line_no"] = line_no
        item_table = pd.json_normalize(
            records, record_path="items", meta=["order_no", "created_at"]
        )
    if orders.empty:
        orders = pd.DataFrame(columns=["order_no", "created_at", "remark"])
    orders["order_ts"] = local_time(orders["created_at"], timezone)
    return orders, item_table


def _online_order_rows(path: str | Path) -> pd.DataFrame | None:
    """The order rows of the export read by Arrow's JSON reader (ten times faster than
    parsing line by line; the same frame), or None when Arrow cannot read the file."""
    import pyarrow as pa
    import pyarrow.json as pa_json

    try:
        table = pa_json.read_json(path)
    except (pa.ArrowInvalid, OSError):
        return None
    if "items" in table.column_names:
        table = table.drop_columns(["items"])
    return table.to_pandas() if table.num_rows else None


def local_time(epoch_ms, timezone: str) -> pd.Series:
    """Epoch milliseconds (UTC) as local wall-clock times without a timezone attached."""
    return (
        pd.to_datetime(pd.Series(epoch_ms), unit="ms", utc=True)
        .dt.tz_convert(timezone)
        .dt.tz_localize(None)
    )


def read_crm_export(path: str | Path) -> pd.DataFrame:
    """The CRM member list as exported: every sheet, Chinese headers, card and phone as text.

    Read with the calamine engine: the same frame as pandas' default (openpyxl), ten times
    faster, so the first check of a module 01 exercise answers within a second or two.
    """
    sheets = pd.read_excel(
        path, sheet_name=None, dtype={"会员卡号": str, "手机号": str}, engine="calamine"
    )
    return pd.concat(sheets.values(), ignore_index=True)


def read_crm(path: str | Path) -> pd.DataFrame:
    """The CRM member list (all sheets), columns renamed, ids as text."""
    return read_crm_export(path).rename(columns=CRM_RENAME)


def read_survey_export(path: str | Path) -> pd.DataFrame:
    """The questionnaire export (UTF-8 with BOM), as exported."""
    return pd.read_csv(path, encoding="utf-8-sig", dtype={"手机号": str})


# ------------------------------------------------------------------------------ cleaning


def wrong_quantities(pos: pd.DataFrame) -> pd.Series:
    """True for POS lines whose quantity was keyed in by hand wrongly.

    The till computes the amount itself, so quantity x unit price differing from the
    amount means the quantity is wrong (a 2 typed as 203), not the amount.
    """
    return pd.Series(
        ~np.isclose(pos["quantity"] * pos["unit_price"], pos["amount"]), index=pos.index
    )


def pos_receipts(pos: pd.DataFrame) -> pd.DataFrame:
    """One row per sale receipt of a member, from :func:`read_pos` lines.

    Left out: receipts of the training till (``S0000``), walk-in receipts without a member
    card, and return receipts (交易类型 退货). ``returned`` marks sale receipts that came
    back later (a return receipt names them in 原小票号).

    Returns:
        receipt_no, store_code, ts, card, lines and returned, in receipt order.
    """
    real = pos[(pos["store_code"] != TEST_STORE_CODE) & pos["card"].notna()]
    sales = real[real["kind"] == POS_SALE]
    returned = set(real.loc[real["kind"] == POS_RETURN, "original_receipt"])
    receipts = sales.groupby("receipt_no", sort=False).agg(
        store_code=("store_code", "first"),
        ts=("ts", "first"),
        card=("card", "first"),
        lines=("receipt_no", "size"),
    )
    receipts["returned"] = receipts.index.isin(returned)
    return receipts.reset_index()


def clean_online_orders(orders: pd.DataFrame) -> pd.DataFrame:
    """Online orders without repeated exports and without test orders.

    A sync retry exported some orders twice (the same ``order_no``); QA placed test orders
    with real accounts, marked only by the remark (测试订单).
    """
    return orders[~orders.duplicated("order_no") & ~is_test_order(orders)]


def is_test_order(orders: pd.DataFrame) -> pd.Series:
    """True for online orders placed by QA: the remark says 测试 (测试订单，请勿发货)."""
    return orders["remark"].astype("str").str.contains(TEST_MARK, na=False)


# ------------------------------------------------------------------------------ group buy

_POST = re.compile(
    r"^#接龙 (?P<date>\d{4}-\d{2}-\d{2}) 【(?P<group>[^】]+)】 团长：(?P<leader>.+?) "
    r"（自提门店 (?P<store>\w+)）$"
)
_PRODUCT = re.compile(r"^\s+(?P<no>\d+)号 (?P<name>.+) ￥(?P<price>[\d.]+)/份$")
_MEMBER = re.compile(
    r"^(?P<pos>\d+)\. (?P<who>.+?) 要?(?P<no>\d+)号 (?P<qty>\S+) (?P<time>\d{2}:\d{2})"
    r"(?P<mark>（[^）]*）)?$"
)
_PHONE_IN_TEXT = re.compile(r"(\+?\d[\d\s\-().]{8,}\d)")


def parse_group_buy(path: str | Path) -> pd.DataFrame:
    """One row per participant line of the 接龙 chats: group, store, product, quantity, status."""
    rows = []
    post = None
    products: dict[str, tuple[str, float]] = {}
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            line = line.rstrip("\n")
            if m := _POST.match(line):
                post, products = m.groupdict(), {}
            elif m := _PRODUCT.match(line):
                products[m["no"]] = (m["name"], float(m["price"]))
            elif (m := _MEMBER.match(line)) and post is not None:
                who = m["who"]
                phone = _PHONE_IN_TEXT.search(who)
                name, price = products.get(m["no"], (None, np.nan))
                mark = m["mark"] or ""
                rows.append(
                    {
                        "group": post["group"],
                        "store_code": post["store"],
                        "date": post["date"],
                        "time": m["time"],
                        "participant": who,
                        "phone_raw": phone.group(1) if phone else None,
                        "product_name": name,
                        "unit_price": price,
                        "quantity_text": m["qty"],
                        "status": "cancelled" if "取消" in mark
                        else "returned" if "退" in mark else COMPLETED,
                    }
                )  # fmt: skip
    out = pd.DataFrame(rows)
    if out.empty:
        return out
    out["order_ts"] = pd.to_datetime(out["date"] + " " + out["time"])
    out["quantity"] = out["quantity_text"].map(parse_quantity).astype("Int64")
    return out


def is_test_group(lines: pd.DataFrame) -> pd.Series:
    """True for participant lines of the test group used to set up the 接龙 tool."""
    return lines["group"].str.contains(TEST_MARK, na=False)


# ------------------------------------------------------------------------------ CRM

GENDER = {"女": "female", "F": "female", "女性": "female", "男": "male", "M": "male",
          "男性": "male"}  # fmt: skip
SIGNUP_CHANNEL = {"门店": "store", "APP": "app", "小程序": "mini_program", "社群": "group_buy"}
LEVEL = {"普通会员": "regular", "银卡会员": "silver", "金卡会员": "gold", "铂金会员": "platinum"}
INCOME = {"5千以下": "low", "5千-1万": "lower_middle", "1万-2万": "middle",
          "2万-4万": "upper_middle", "4万以上": "high"}  # fmt: skip


def parse_mixed_dates(values) -> pd.Series:
    """Dates typed in many ways: Excel dates, 1985-03-02, 1985/3/2, 19850302, 1985年3月2日."""
    s = pd.Series(values, dtype="object")
    is_date = s.map(lambda v: isinstance(v, pd.Timestamp | np.datetime64) or hasattr(v, "year"))
    text = s.where(~is_date).astype("str").str.strip()
    text = text.str.replace(r"^(\d{4})年(\d{1,2})月(\d{1,2})日$", r"\1-\2-\3", regex=True)
    text = text.str.replace(r"^(\d{4})(\d{2})(\d{2})$", r"\1-\2-\3", regex=True)
    parsed = pd.to_datetime(text.str.replace("/", "-"), format="%Y-%m-%d", errors="coerce")
    parsed = parsed.where(~is_date, pd.to_datetime(s.where(is_date), errors="coerce"))
    return parsed.dt.normalize()


def clean_crm(crm: pd.DataFrame, country: str = "CN") -> pd.DataFrame:
    """Typed, normalized member records (still one row per registration)."""
    out = crm.drop_duplicates().copy()  # the same record exported twice
    out["phone"] = normalize_phone(out["phone_raw"], country)
    out["gender"] = out["gender_raw"].map(GENDER)
    out["birth_date"] = parse_mixed_dates(out["birth_raw"])
    out["city"] = out["city_raw"].astype("str").str.strip().str.removesuffix("市")
    out["signup_date"] = pd.to_datetime(out["signup_date"])
    out["signup_channel"] = out["signup_channel_raw"].map(SIGNUP_CHANNEL)
    out["member_level"] = out["level_raw"].map(LEVEL)
    out["has_children"] = out["children_raw"].eq("有")
    out["income_band"] = out["income_raw"].map(INCOME)
    out["member_id"] = out["member_id"].astype("int64")
    return out


def resolve_members(members: pd.DataFrame) -> pd.DataFrame:
    """One person per phone: every registration maps to the earliest one's member id.

    Returns the registrations with a ``customer_id`` column.
    """
    ordered = members.sort_values(["phone", "signup_date", "member_id"], kind="stable")
    first_id = ordered.groupby("phone", dropna=False)["member_id"].transform("first")
    # A registration without a usable phone stays its own customer.
    ordered["customer_id"] = first_id.where(ordered["phone"].notna(), ordered["member_id"])
    return ordered.sort_index()


def identity_map(members: pd.DataFrame) -> pd.DataFrame:
    """Every known identity (member id, card, phone) and the customer it belongs to."""
    frames = [
        members[["member_id", "customer_id"]].rename(columns={"member_id": "source_key"})
        .assign(source="member_id"),
        members[["card", "customer_id"]].rename(columns={"card": "source_key"})
        .assign(source="member_card"),
        members[["phone", "customer_id"]].dropna().rename(columns={"phone": "source_key"})
        .assign(source="phone"),
    ]  # fmt: skip
    key = pd.concat(frames, ignore_index=True)
    key["source_key"] = key["source_key"].astype("str")
    return key.drop_duplicates(["source", "source_key"])[["source", "source_key", "customer_id"]]


# ------------------------------------------------------------------------------ quality

#: The columns of :func:`quality_report`, in order, and what each counts.
QUALITY_COLUMNS = {
    "rows": "rows in the export (CRM registrations, POS lines, online records, 接龙 "
    "participant lines, survey submissions)",
    "duplicates": "rows repeating another: exact duplicate CRM rows, online orders exported "
    "twice, earlier survey submissions superseded by a later one",
    "test_rows": "test and training rows: the test store, test orders, the test group",
    "missing": "rows with an empty or invalid identifier or required field (POS lines "
    "without a member card; CRM registrations without a valid phone, birth date or gender)",
    "unmatched": "rows that cannot be attributed to a member (no card, unknown card or "
    "phone, survey respondents who are not members)",
    "merged": "CRM registrations merged into an earlier registration of the same person",
    "fixed": "values repaired: POS quantities keyed in wrongly",
    "kept": "rows that reach the customer view: rows - duplicates - test_rows - unmatched "
    "(CRM: the people, rows - duplicates - merged)",
    "match_rate": "share of the real rows (rows - duplicates - test_rows) attributed to a "
    "member; empty for the CRM, which is the member list itself",
}


def quality_report(counts: Integration | pd.DataFrame | Iterable[Mapping]) -> pd.DataFrame:
    """The data-quality report: one row per source, the columns of :data:`QUALITY_COLUMNS`.

    Args:
        counts: an :class:`Integration` (its ``counts``), or the counts each cleaning step
            recorded: one record per source with ``source``, ``rows`` and any of
            ``duplicates``, ``test_rows``, ``missing``, ``unmatched``, ``merged``, ``fixed``.
    """
    if isinstance(counts, Integration):
        counts = counts.counts
    frame = pd.DataFrame(counts if isinstance(counts, pd.DataFrame) else list(counts))
    if "source" in frame.columns:
        frame = frame.set_index("source")
    counted = [c for c in QUALITY_COLUMNS if c not in ("kept", "match_rate")]
    report = frame.reindex(columns=counted).fillna(0).astype("int64")
    real = report["rows"] - report["duplicates"] - report["test_rows"]
    is_crm = report.index == "crm"
    report["kept"] = np.where(is_crm, real - report["merged"], real - report["unmatched"])
    with np.errstate(divide="ignore", invalid="ignore"):
        rate = 1 - report["unmatched"] / real.where(real > 0)
    report["match_rate"] = rate.where(~is_crm).round(4)
    order = [s for s in SOURCES if s in report.index] + [
        s for s in report.index if s not in SOURCES
    ]
    report = report.loc[order]
    report.index.name = "source"
    return report


# ------------------------------------------------------------------------------ integrate


@dataclass
class Integration:
    """The integrated customer view, and what each source lost along the way.

    Attributes:
        customers, orders, order_items, survey: the clean tables.
        identities: every member id, card and phone with its ``customer_id``.
        counts: per source, the rows read and the rows each cleaning step removed,
            merged or fixed (see :func:`quality_report`).
    """

    customers: pd.DataFrame
    orders: pd.DataFrame
    order_items: pd.DataFrame
    survey: pd.DataFrame
    identities: pd.DataFrame
    counts: pd.DataFrame

    @property
    def quality(self) -> pd.DataFrame:
        """The data-quality report (:func:`quality_report`)."""
        return quality_report(self.counts)


def integrate(
    raw_dir: str | Path,
    products: pd.DataFrame,
    stores: pd.DataFrame,
    survey_items: pd.DataFrame,
    *,
    timezone: str = "Asia/Shanghai",
    first_order_id: int = 1_000_001,
) -> Integration:
    """Integrate all raw exports of ``raw_dir`` into the clean tables (the CDP view).

    Args:
        raw_dir: the ``raw/`` folder of a dataset.
        products, stores, survey_items: master data (to map barcodes, SKUs, product
            names, store codes and survey questions).
        timezone: the chain's local timezone (``MANIFEST`` parameter ``timezone``).
        first_order_id: orders are numbered from here in time order, as the chain does.
    """
    raw_dir = Path(raw_dir)
    country = country_of(timezone)
    counts = []

    crm = read_crm(raw_dir / "crm_members.xlsx")
    members = resolve_members(clean_crm(crm, country))
    counts.append(
        _counts("crm", len(crm), duplicates=len(crm) - len(members),
                merged=int((members["customer_id"] != members["member_id"]).sum()),
                missing=int(members[["phone", "birth_date", "gender"]].isna().any(axis=1).sum()))
    )  # fmt: skip
    key = identity_map(members)
    by_card = key[key["source"] == "member_card"].set_index("source_key")["customer_id"]
    by_phone = key[key["source"] == "phone"].set_index("source_key")["customer_id"]
    store_id = stores.set_index("store_code")["store_id"]

    pos_orders, pos_items, q = _integrate_pos(raw_dir, products, store_id, by_card)
    counts.append(q)
    web_orders, web_items, q = _integrate_online(raw_dir, products, store_id, by_phone, timezone,
                                                 country)  # fmt: skip
    counts.append(q)
    gb_orders, gb_items, q = _integrate_group_buy(raw_dir, products, store_id, by_phone, country)
    counts.append(q)

    orders = pd.concat([pos_orders, web_orders, gb_orders], ignore_index=True)
    items = pd.concat([pos_items, web_items, gb_items], ignore_index=True)
    # Number orders in time order (ties by customer), as the order system does.
    orders = orders.sort_values(["order_ts", "customer_id"], kind="stable", ignore_index=True)
    orders["order_id"] = np.arange(first_order_id, first_order_id + len(orders), dtype=np.int64)
    ids = orders.set_index("_key")["order_id"]
    items["order_id"] = ids.loc[items["_key"]].to_numpy()
    items = items.sort_values(["order_id", "_line"], kind="stable", ignore_index=True)

    survey, q = _integrate_survey(raw_dir, survey_items, by_phone, country)
    counts.append(q)

    people = members[members["customer_id"] == members["member_id"]]
    customers = people[
        ["customer_id", "name", "gender", "birth_date", "city", "phone", "signup_date",
         "signup_channel", "member_level", "household_size", "has_children", "income_band"]
    ].sort_values("customer_id", ignore_index=True)  # fmt: skip
    # the clean tables keep dates at nanosecond resolution (what read_excel gives varies)
    customers = customers.astype({"birth_date": "datetime64[ns]", "signup_date": "datetime64[ns]"})
    order_cols = ["order_id", "customer_id", "store_id", "channel", "order_ts", "status",
                  "gross_amount", "discount_amount", "net_amount", "coupon_id"]  # fmt: skip
    item_cols = ["order_id", "product_id", "quantity", "unit_price", "line_amount"]
    return Integration(
        customers=customers,
        orders=conform(orders[order_cols], "orders"),
        order_items=conform(items[item_cols], "order_items"),
        survey=conform(survey, "survey"),
        identities=key,
        counts=pd.DataFrame(counts),
    )


def _counts(source, rows, **counts) -> dict:
    base = {"source": source, "rows": rows, "duplicates": 0, "test_rows": 0, "missing": 0,
            "unmatched": 0, "merged": 0, "fixed": 0}  # fmt: skip
    base.update(counts)
    return base


def _integrate_pos(raw_dir, products, store_id, by_card):
    pos = read_pos(raw_dir / "pos_transactions.csv")
    n = len(pos)
    test = pos["store_code"] == TEST_STORE_CODE
    walk_in = pos["card"].isna()
    pos = pos[~test & ~walk_in].copy()
    wrong = wrong_quantities(pos)
    pos.loc[wrong, "quantity"] = (pos.loc[wrong, "amount"] / pos.loc[wrong, "unit_price"]).round()
    pos["customer_id"] = by_card.reindex(pos["card"]).to_numpy()
    unmatched = pos["customer_id"].isna()
    pos = pos[~unmatched]
    sales = pos[pos["kind"] == POS_SALE]
    returned = set(pos.loc[pos["kind"] == POS_RETURN, "original_receipt"])
    head = sales.drop_duplicates("receipt_no")
    orders = pd.DataFrame(
        {
            "_key": "pos:" + head["receipt_no"],
            "customer_id": head["customer_id"].astype("int64"),
            "store_id": store_id.loc[head["store_code"]].to_numpy(),
            "channel": "store",
            "order_ts": head["ts"],
            "status": np.where(head["receipt_no"].isin(returned), "returned", COMPLETED),
            "gross_amount": sales.groupby("receipt_no", sort=False)["amount"].sum().round(2)
            .loc[head["receipt_no"]].to_numpy(),
            "discount_amount": head["order_discount"],
            "net_amount": head["order_net"],
            "coupon_id": head["coupon_id"].astype("str"),
        }
    )  # fmt: skip
    product_of = products.set_index("barcode")["product_id"]
    items = pd.DataFrame(
        {
            "_key": "pos:" + sales["receipt_no"],
            "_line": np.arange(len(sales)),
            "product_id": product_of.loc[sales["barcode"]].to_numpy(),
            "quantity": sales["quantity"].astype("int64"),
            "unit_price": sales["unit_price"],
            "line_amount": sales["amount"],
        }
    )
    q = _counts("pos", n, test_rows=int(test.sum()), missing=int((walk_in & ~test).sum()),
                unmatched=int((walk_in & ~test).sum() + unmatched.sum()),
                fixed=int(wrong.sum()))  # fmt: skip
    return orders, items, q


def _integrate_online(raw_dir, products, store_id, by_phone, timezone, country):
    orders, items = read_online_orders(raw_dir / "online_orders.jsonl", timezone)
    n = len(orders)
    dup = orders.duplicated("order_no")
    test = is_test_order(orders)
    orders = clean_online_orders(orders).copy()
    phone = normalize_phone(orders["mobile"], country)
    orders["customer_id"] = by_phone.reindex(phone).to_numpy()
    unmatched = orders["customer_id"].isna()
    orders = orders[~unmatched]
    status = {"FINISHED": COMPLETED, "REFUNDED": "returned", "CANCELLED": "cancelled"}
    channel = {"APP": "app", "MINI_PROGRAM": "mini_program"}
    out = pd.DataFrame(
        {
            "_key": "web:" + orders["order_no"],
            "customer_id": orders["customer_id"].astype("int64"),
            "store_id": store_id.loc[orders["store_code"]].to_numpy(),
            "channel": orders["channel"].map(channel),
            "order_ts": orders["order_ts"],
            "status": orders["status"].map(status),
            "gross_amount": orders["total_amount"],
            "discount_amount": orders["discount_amount"],
            "net_amount": orders["pay_amount"],
            "coupon_id": orders["coupon_code"].astype("str"),
        }
    )
    items = items.drop_duplicates(["order_no", "line_no"])
    items = items[items["order_no"].isin(orders["order_no"])]
    product_of = products.set_index("sku")["product_id"]
    line_items = pd.DataFrame(
        {
            "_key": "web:" + items["order_no"],
            "_line": np.arange(len(items)),
            "product_id": product_of.loc[items["sku"]].to_numpy(),
            "quantity": items["qty"].astype("int64"),
            "unit_price": items["price"].astype(float),
            "line_amount": (items["qty"] * items["price"]).round(2),
        }
    )
    q = _counts("online", n, duplicates=int(dup.sum()), test_rows=int((test & ~dup).sum()),
                missing=int(phone.isna().sum()), unmatched=int(unmatched.sum()))  # fmt: skip
    return out, line_items, q


def _integrate_group_buy(raw_dir, products, store_id, by_phone, country):
    lines = parse_group_buy(raw_dir / "group_buy_chains.txt")
    n = len(lines)
    test = is_test_group(lines)
    lines = lines[~test].copy()
    phone = normalize_phone(lines["phone_raw"], country)
    lines["customer_id"] = by_phone.reindex(phone).to_numpy()
    unmatched = lines["customer_id"].isna()
    lines = lines[~unmatched].reset_index(drop=True)
    product_of = products.set_index("name")["product_id"]
    key = "gb:" + lines.index.astype(str)
    amount = (lines["quantity"].astype(float) * lines["unit_price"]).round(2)
    orders = pd.DataFrame(
        {
            "_key": key,
            "customer_id": lines["customer_id"].astype("int64"),
            "store_id": store_id.loc[lines["store_code"]].to_numpy(),
            "channel": "group_buy",
            "order_ts": lines["order_ts"],
            "status": lines["status"],
            "gross_amount": amount,
            "discount_amount": 0.0,
            "net_amount": amount,
            "coupon_id": pd.Series(np.nan, index=lines.index, dtype="str"),
        }
    )
    items = pd.DataFrame(
        {
            "_key": key,
            "_line": np.arange(len(lines)),
            "product_id": product_of.loc[lines["product_name"]].to_numpy(),
            "quantity": lines["quantity"].astype("int64"),
            "unit_price": lines["unit_price"],
            "line_amount": amount,
        }
    )
    q = _counts("group_buy", n, test_rows=int(test.sum()), missing=int(phone.isna().sum()),
                unmatched=int(unmatched.sum()))  # fmt: skip
    return orders, items, q


LIKERT_SCORES = {
    "非常不同意": 1, "不同意": 2, "一般": 3, "同意": 4, "非常同意": 5,
    "Strongly disagree": 1, "Disagree": 2, "Neutral": 3, "Agree": 4, "Strongly agree": 5,
    # benefit items (how important ...)
    "非常不重要": 1, "不重要": 2, "重要": 4, "非常重要": 5,
    "Not at all important": 1, "Not important": 2, "Important": 4, "Very important": 5,
}  # fmt: skip


def _integrate_survey(raw_dir, survey_items, by_phone, country):
    raw = read_survey_export(raw_dir / "survey_export.csv")
    n = len(raw)
    raw["submitted"] = pd.to_datetime(raw["提交答卷时间"], format="%Y/%m/%d %H:%M:%S")
    raw["phone"] = normalize_phone(raw["手机号"], country)
    # Repeat submissions: the last one counts.
    raw = raw.sort_values("submitted", kind="stable")
    latest = raw.drop_duplicates("phone", keep="last")
    latest = latest.assign(customer_id=by_phone.reindex(latest["phone"]).to_numpy())
    unmatched = latest["customer_id"].isna()
    latest = latest[~unmatched]
    questions = [c for c in raw.columns if re.match(r"^\d+、", str(c))]
    out = pd.DataFrame(
        {
            "customer_id": latest["customer_id"].astype("int64"),
            "response_date": latest["submitted"].dt.normalize(),
        }
    )
    for item, question in zip(survey_items["item"], questions, strict=True):
        # A skipped question is an empty cell: a missing answer, not a zero.
        out[item] = latest[question].map(LIKERT_SCORES).astype("Int64")
    out = out.sort_values("customer_id", ignore_index=True)
    q = _counts("survey", n, duplicates=int(n - len(raw.drop_duplicates("phone"))),
                missing=int(raw["phone"].isna().sum()),
                unmatched=int(unmatched.sum()))  # fmt: skip
    return out, q


# ------------------------------------------------------------------------------ tags

LAPSED_DAYS = 90


@dataclass(frozen=True)
class TagRule:
    """One rule of the tag system (标签体系), as data.

    Attributes:
        tag: the column name in the tag table.
        zh: the tag's Chinese name.
        kind: how the rule is evaluated:
            ``"attribute"``: a boolean column of the customers table (``column``);
            ``"any_order"``: at least one order passing the filters;
            ``"channel_share"``: more than ``min_share`` of the filtered orders were placed
            in ``channels``;
            ``"no_recent_order"``: no filtered order in the ``days`` days before the
            snapshot (recency_days > days); customers without such an order qualify.
        en: the rule in words.
        column: for ``"attribute"``.
        statuses: which orders count (None: every status).
        channels: for ``"any_order"`` a filter, for ``"channel_share"`` the channels whose
            share is measured.
        coupon: for ``"any_order"``: only orders paid with a coupon.
        min_share: for ``"channel_share"``.
        days: for ``"no_recent_order"``.
    """

    tag: str
    zh: str
    kind: str
    en: str
    column: str | None = None
    statuses: tuple[str, ...] | None = (COMPLETED,)
    channels: tuple[str, ...] | None = None
    coupon: bool = False
    min_share: float = 0.5
    days: int = LAPSED_DAYS

    def __post_init__(self) -> None:
        if self.kind not in ("attribute", "any_order", "channel_share", "no_recent_order"):
            raise ValueError(f"tag rule {self.tag!r}: unknown kind {self.kind!r}")
        if self.kind == "attribute" and not self.column:
            raise ValueError(f"tag rule {self.tag!r}: an attribute rule needs a column")
        if self.kind == "channel_share" and not self.channels:
            raise ValueError(f"tag rule {self.tag!r}: a channel share needs channels")


TAG_RULES: tuple[TagRule, ...] = (
    TagRule("has_children", "有孩家庭", "attribute",
            "children live in the household (CRM 有无子女)", column="has_children"),
    TagRule("prefers_online", "偏好线上", "channel_share",
            "more than half of the completed orders on the app or mini-program",
            channels=ONLINE_CHANNELS, min_share=0.5),
    TagRule("group_buy_member", "社群团购用户", "any_order",
            "at least one community group-buy order, any status",
            statuses=None, channels=("group_buy",)),
    TagRule("coupon_user", "用券客户", "any_order",
            "at least one completed order paid with a coupon", coupon=True),
    TagRule("lapsed", "沉睡客户", "no_recent_order",
            f"no completed order in the {LAPSED_DAYS} days before the snapshot",
            days=LAPSED_DAYS),
)  # fmt: skip


class FullTextFrame(pd.DataFrame):
    """A DataFrame that shows its text cells in full: a rule cut at 50 characters
    (pandas' ``display.max_colwidth``) cannot be read, let alone followed. Anything
    computed from it is an ordinary DataFrame."""

    @property
    def _constructor(self):
        return pd.DataFrame

    def _repr_html_(self) -> str | None:
        with pd.option_context("display.max_colwidth", None):
            return super()._repr_html_()

    def __repr__(self) -> str:
        with pd.option_context("display.max_colwidth", None):
            return super().__repr__()


def tag_rules(rules: Sequence[TagRule] = TAG_RULES) -> pd.DataFrame:
    """The rule table for reading: tag, Chinese name, source table and the rule in words
    (shown in full in a notebook)."""
    return FullTextFrame(
        {
            "tag": [r.tag for r in rules],
            "zh": [r.zh for r in rules],
            "source": ["customers" if r.kind == "attribute" else "orders" for r in rules],
            "rule": [r.en for r in rules],
        }
    )


#: The day after the last order date (the course's one definition, as in module 02).
default_snapshot = snapshot_date


def customer_tags(
    customers: pd.DataFrame,
    orders: pd.DataFrame,
    snapshot_date=None,
    rules: Sequence[TagRule] = TAG_RULES,
) -> pd.DataFrame:
    """The tag table: one row per customer, one boolean column per rule.

    Args:
        customers: the clean customers table (every customer gets a row).
        orders: the clean orders table, all statuses (each rule picks its orders).
        snapshot_date: the date the tags describe; orders on or after it are ignored.
            Default: the day after the last order date (:func:`default_snapshot`).
        rules: the rules, :data:`TAG_RULES` by default.

    Returns:
        customer_id and one column per rule's ``tag``, sorted by customer_id.
    """
    snapshot = (
        default_snapshot(orders)
        if snapshot_date is None
        else pd.Timestamp(snapshot_date).normalize()
    )
    ids = pd.Index(np.sort(customers["customer_id"].to_numpy()), name="customer_id")
    seen = orders[orders["order_ts"] < snapshot]
    out = pd.DataFrame(index=ids)
    for rule in rules:
        out[rule.tag] = _evaluate(rule, customers, seen, snapshot).reindex(ids).astype(bool)
    return out.reset_index()


def _evaluate(rule: TagRule, customers, orders, snapshot) -> pd.Series:
    if rule.kind == "attribute":
        return customers.set_index("customer_id")[rule.column].fillna(False).astype(bool)
    ids = customers["customer_id"]
    chosen = orders if rule.statuses is None else orders[orders["status"].isin(rule.statuses)]
    if rule.kind == "any_order":
        if rule.channels is not None:
            chosen = chosen[chosen["channel"].isin(rule.channels)]
        if rule.coupon:
            chosen = chosen[chosen["coupon_id"].notna()]
        return pd.Series(ids.isin(chosen["customer_id"]).to_numpy(), index=ids)
    if rule.kind == "channel_share":
        in_channels = chosen["channel"].isin(rule.channels).astype(float)
        share = in_channels.groupby(chosen["customer_id"]).mean()
        return (share > rule.min_share).reindex(ids, fill_value=False)
    # no_recent_order: recency in whole days from the last order date to the snapshot
    last = chosen.groupby("customer_id")["order_ts"].max().dt.normalize()
    recency = (snapshot - last).dt.days
    return (recency > rule.days).reindex(ids, fill_value=True)
