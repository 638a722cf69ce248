"""Tests of coursekit.methods.data_collection on small hand-made inputs and a small world."""

from __future__ import annotations

import datetime as dt
import json

import numpy as np
import pandas as pd
import pytest

from coursekit.methods import data_collection as dc
from coursekit.synth.raw import POS_COLUMNS, format_phones, quantity_text

# ------------------------------------------------------------------------------ phones


@pytest.mark.parametrize(("locale", "country", "digits"), [
    ("zh_CN", "CN", "13800138000"), ("en_US", "US", "2125550123"),
])  # fmt: skip
def test_every_phone_format_of_the_exports_normalizes_to_the_digits(locale, country, digits):
    styles = np.arange(6)
    typed = format_phones(pd.Series([digits] * 6), styles, locale)
    assert len(set(typed)) == 6  # six different spellings of one number
    assert normalize(typed, country) == [digits] * 6


def normalize(values, country="CN"):
    return [v if isinstance(v, str) else None for v in dc.normalize_phone(values, country)]


def test_invalid_phones_become_missing():
    assert normalize(["12345", "", None, "+86 238 0013 8000", "138001380001"]) == [None] * 5
    assert normalize(["(112) 555-0123", "555-0123"], "US") == [None, None]


def test_normalize_phone_keeps_the_index_order_and_rejects_unknown_countries():
    assert normalize(["+8613900139000", "13800138000"]) == ["13900139000", "13800138000"]
    with pytest.raises(ValueError, match="unknown country"):
        dc.normalize_phone(["13800138000"], "DE")


def test_country_of_a_world_follows_its_timezone():
    assert dc.country_of("Asia/Shanghai") == "CN"
    assert dc.country_of("America/New_York") == "US"
    assert dc.COUNTRY_CODE == {"CN": "86", "US": "1"}


# ------------------------------------------------------------------------------ quantities


@pytest.mark.parametrize("quantity", range(1, 10))
def test_every_quantity_text_of_the_group_buy_export_parses_back(quantity):
    for style in range(6):
        assert dc.parse_quantity(quantity_text(quantity, style)) == quantity


@pytest.mark.parametrize(("text", "expected"), [
    (" 2份 ", 2), ("X3", 3), ("×12", 12), ("两份", 2), ("二份", 2), ("十份", 10), ("+2", 2),
    ("要3个", 3), ("份", None), ("", None), (None, None), (float("nan"), None),
])  # fmt: skip
def test_parse_quantity_edge_cases(text, expected):
    assert dc.parse_quantity(text) == expected


# ------------------------------------------------------------------------------ dates


def test_mixed_birth_dates_of_the_crm_parse_to_one_date():
    typed = [dt.datetime(1985, 3, 2), "1985-03-02", "1985/3/2", "19850302", "1985年3月2日"]
    parsed = dc.parse_mixed_dates(typed)
    assert (parsed == pd.Timestamp("1985-03-02")).all()


def test_unreadable_dates_become_missing():
    parsed = dc.parse_mixed_dates(["1985-13-01", "soon", None, "1985年3月"])
    assert parsed.isna().all()


# ------------------------------------------------------------------------------ POS

POS_ROWS = [
    # store, receipt, time, card, barcode, qty, price, amount, kind, original
    ("S0001", "000124030500001", "2024/3/5 09:15:00", "880100000001", "0690000000011",
     2, 5.0, 10.0, "销售", ""),
    ("S0001", "000124030500001", "2024/3/5 09:15:00", "880100000001", "0690000000028",
     203, 1.5, 3.0, "销售", ""),  # keyed in wrongly: 2 typed as 203
    ("S0002", "000225070100002", "2025-07-01 18:00:00", "880100000002", "0690000000011",
     1, 5.0, 5.0, "销售", ""),
    ("S0002", "T00225070300002", "2025-07-03 10:00:00", "880100000002", "0690000000011",
     -1, 5.0, -5.0, "退货", "000225070100002"),
    ("S0001", "W00124030500003", "2024/3/5 09:20:00", "", "0690000000011",
     1, 5.0, 5.0, "销售", ""),  # walk-in: no card
    ("S0000", "X00024030500001", "2024/3/5 09:30:00", "880100000001", "0690000000011",
     1, 5.0, 5.0, "销售", ""),  # training till
]  # fmt: skip


@pytest.fixture
def pos_file(tmp_path):
    rows = []
    for store, receipt, ts, card, barcode, qty, price, amount, kind, original in POS_ROWS:
        rows.append([store, "鲜邻测试店", receipt, ts, card, barcode, "商品", qty, price, amount,
                     "", 0.0, amount, kind, original])  # fmt: skip
    frame = pd.DataFrame(rows, columns=POS_COLUMNS)
    path = tmp_path / "pos_transactions.csv"
    path.write_bytes(frame.to_csv(index=False, lineterminator="\r\n").encode("gbk"))
    return path


def test_pos_export_is_read_with_gbk_and_ids_as_text(pos_file):
    export = dc.read_pos_export(pos_file)
    assert list(export.columns) == POS_COLUMNS
    assert export["小票号"].iloc[0] == "000124030500001"  # leading zeros kept
    assert export["会员卡号"].iloc[0] == "880100000001" and pd.isna(export["会员卡号"].iloc[4])
    assert export["商品条码"].iloc[0] == "0690000000011"
    with pytest.raises(UnicodeDecodeError):
        pd.read_csv(pos_file, encoding="utf-8")


def test_read_pos_parses_both_date_formats(pos_file):
    pos = dc.read_pos(pos_file)
    assert pos["ts"].iloc[0] == pd.Timestamp("2024-03-05 09:15:00")
    assert pos["ts"].iloc[2] == pd.Timestamp("2025-07-01 18:00:00")
    assert pos["ts"].notna().all()


def test_wrong_quantities_are_found_by_amount(pos_file):
    pos = dc.read_pos(pos_file)
    assert dc.wrong_quantities(pos).tolist() == [False, True, False, False, False, False]


def test_pos_receipts_leave_out_tests_walk_ins_and_return_receipts(pos_file):
    receipts = dc.pos_receipts(dc.read_pos(pos_file))
    assert receipts["receipt_no"].tolist() == ["000124030500001", "000225070100002"]
    assert receipts["lines"].tolist() == [2, 1]
    assert receipts["returned"].tolist() == [False, True]
    assert receipts["card"].tolist() == ["880100000001", "880100000002"]


# ------------------------------------------------------------------------------ online


def _record(order_no, created_at, remark="", mobile="+86 138 0013 8000"):
    return {"order_no": order_no, "user_id": "U1", "mobile": mobile, "channel": "APP",
            "store_code": "S0001", "created_at": created_at, "status": "FINISHED",
            "total_amount": 10.0, "discount_amount": 0.0, "pay_amount": 10.0,
            "coupon_code": None, "remark": remark,
            "items": [{"sku": "SKU1", "name": "x", "qty": 1, "price": 10.0}]}  # fmt: skip


@pytest.fixture
def online_file(tmp_path):
    # 2024-01-01 05:11:07 in Shanghai is 2023-12-31 21:11:07 UTC.
    ms = int(pd.Timestamp("2023-12-31 21:11:07", tz="UTC").timestamp() * 1000)
    records = [
        _record("A1", ms),
        _record("A1", ms),  # exported twice
        _record("Q1", ms + 60_000, remark="测试订单，请勿发货"),
        _record("A2", ms + 86_400_000),
    ]
    path = tmp_path / "online_orders.jsonl"
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records))
    return path


def test_epoch_milliseconds_become_local_time(online_file):
    orders, items = dc.read_online_orders(online_file, "Asia/Shanghai")
    assert orders["order_ts"].iloc[0] == pd.Timestamp("2024-01-01 05:11:07")
    assert orders["order_ts"].dt.tz is None
    assert len(items) == 4 and set(items.columns) >= {"order_no", "sku", "qty", "line_no"}


def test_local_time_follows_daylight_saving():
    winter = pd.Timestamp("2024-01-15 17:00", tz="UTC").value // 10**6
    summer = pd.Timestamp("2024-07-15 16:00", tz="UTC").value // 10**6
    got = dc.local_time([winter, summer], "America/New_York")
    assert got.tolist() == [pd.Timestamp("2024-01-15 12:00"), pd.Timestamp("2024-07-15 12:00")]


def test_clean_online_orders_drops_repeats_and_test_orders(online_file):
    orders, _ = dc.read_online_orders(online_file, "Asia/Shanghai")
    assert dc.clean_online_orders(orders)["order_no"].tolist() == ["A1", "A2"]


# ------------------------------------------------------------------------------ group buy

CHAT = """\
#接龙 2024-03-05 【上海广州路社区团购群】 团长：曾婷 （自提门店 S0001）
今日团品：
  1号 希腊酸奶 500g ￥6.90/份
  2号 卷纸 10卷 ￥27.90/份
----------
1. 罗冬梅 133 2560 1811 1号 两份 17:19
2. 傅强（139-2512-6550） 要2号 +1 08:06（已取消）
3. 刘丹 +8618818775759 1号 x3 09:31（已退款）

#接龙 2024-03-05 【测试群】 团长：管理员 （自提门店 S0000）
今日团品：
  1号 希腊酸奶 500g ￥6.90/份
----------
1. 罗冬梅 13325601811 1号 1份 09:00
"""


def test_group_buy_chats_parse_into_participant_lines(tmp_path):
    path = tmp_path / "group_buy_chains.txt"
    path.write_text(CHAT, encoding="utf-8")
    lines = dc.parse_group_buy(path)
    assert lines["quantity"].tolist() == [2, 1, 3, 1]
    assert lines["status"].tolist() == ["completed", "cancelled", "returned", "completed"]
    assert lines["product_name"].tolist() == ["希腊酸奶 500g", "卷纸 10卷", "希腊酸奶 500g",
                                              "希腊酸奶 500g"]  # fmt: skip
    assert normalize(lines["phone_raw"]) == ["13325601811", "13925126550", "18818775759",
                                             "13325601811"]  # fmt: skip
    assert lines["order_ts"].iloc[0] == pd.Timestamp("2024-03-05 17:19")
    assert dc.is_test_group(lines).tolist() == [False, False, False, True]


# ------------------------------------------------------------------------------ CRM


def _crm(rows):
    columns = ["member_id", "card", "name", "phone_raw", "gender_raw", "birth_raw", "city_raw",
               "signup_date", "signup_channel_raw", "level_raw", "household_size",
               "children_raw", "income_raw"]  # fmt: skip
    return pd.DataFrame(rows, columns=columns)


def test_the_earliest_registration_of_a_person_is_the_customer():
    crm = _crm([
        (7, "8802", "王芳", "+86 138-0013-8000", "F", "1985/3/2", "上海市", "2024-06-01",
         "APP", "普通会员", 3, "有", "1万-2万"),
        (3, "8801", "王芳", "13800138000", "女", "19850302", "上海", "2024-01-10",
         "门店", "金卡会员", 3, "有", "1万-2万"),
        (3, "8801", "王芳", "13800138000", "女", "19850302", "上海", "2024-01-10",
         "门店", "金卡会员", 3, "有", "1万-2万"),  # exported twice
        (5, "8803", "王芳", "13900139000", "女性", "1990年1月1日", "北京市", "2024-02-01",
         "小程序", "银卡会员", 1, "无", "5千以下"),  # same name, another person
    ])  # fmt: skip
    members = dc.resolve_members(dc.clean_crm(crm))
    assert len(members) == 3
    resolved = dict(zip(members["member_id"], members["customer_id"], strict=True))
    assert resolved == {7: 3, 3: 3, 5: 5}
    assert members["city"].tolist() == ["上海", "上海", "北京"]
    assert members["gender"].eq("female").all()
    assert members["has_children"].tolist() == [True, True, False]
    key = dc.identity_map(members)
    cards = key[key["source"] == "member_card"].set_index("source_key")["customer_id"]
    assert cards.to_dict() == {"8802": 3, "8801": 3, "8803": 5}
    phones = key[key["source"] == "phone"].set_index("source_key")["customer_id"]
    assert phones.to_dict() == {"13800138000": 3, "13900139000": 5}


# ------------------------------------------------------------------------------ quality


def test_quality_report_derives_kept_and_match_rate():
    report = dc.quality_report([
        {"source": "survey", "rows": 110, "duplicates": 10, "unmatched": 5},
        {"source": "crm", "rows": 105, "duplicates": 2, "merged": 3},
        {"source": "pos", "rows": 100, "test_rows": 4, "missing": 6, "unmatched": 6, "fixed": 1},
    ])  # fmt: skip
    assert list(report.index) == ["crm", "pos", "survey"]  # course order of the sources
    assert list(report.columns) == list(dc.QUALITY_COLUMNS)
    assert report.loc["crm", "kept"] == 100 and np.isnan(report.loc["crm", "match_rate"])
    assert report.loc["pos", "kept"] == 90 and report.loc["pos", "match_rate"] == 0.9375
    assert report.loc["survey", "kept"] == 95 and report.loc["survey", "fixed"] == 0


def test_quality_report_of_a_small_world(small_world_dir):
    params = dc.world_parameters(small_world_dir)
    read = lambda name: pd.read_csv(small_world_dir / f"{name}.csv")  # noqa: E731
    result = dc.integrate(
        small_world_dir / "raw", read("products").astype({"barcode": str}), read("stores"),
        read("survey_items"), timezone=params["timezone"],
    )  # fmt: skip
    report = dc.quality_report(result)
    pd.testing.assert_frame_equal(report, result.quality)
    customers, orders = read("customers"), read("orders")
    assert report.loc["crm", "kept"] == len(customers) == len(result.customers)
    assert report.loc["survey", "kept"] == len(result.survey)
    # Every real order line is matched: only walk-ins (no card) and non-members are lost.
    assert report.loc["pos", "unmatched"] == report.loc["pos", "missing"] > 0
    assert report.loc[["online", "group_buy"], "match_rate"].eq(1).all()
    assert report.loc["survey", "match_rate"] < 1
    assert (report.loc["pos", "test_rows"] > 0) and (report.loc["online", "test_rows"] > 0)
    assert report.loc["online", "duplicates"] > 0 and report.loc["crm", "merged"] > 0
    pos = dc.read_pos(small_world_dir / "raw" / "pos_transactions.csv")
    members = pos[(pos["store_code"] != dc.TEST_STORE_CODE) & pos["card"].notna()]
    assert report.loc["pos", "fixed"] == dc.wrong_quantities(members).sum() > 0
    # POS receipts agree with the store orders of the clean table.
    receipts = dc.pos_receipts(pos)
    store = orders[orders["channel"] == "store"]
    assert len(receipts) == len(store)
    assert receipts["returned"].sum() == (store["status"] == "returned").sum()


def test_world_parameters_and_identity_key(small_world_dir):
    params = dc.world_parameters(small_world_dir)
    assert params["seed"] == 7 and params["timezone"] == "Asia/Shanghai"
    key = dc.read_identity_key(small_world_dir / "raw" / "identity_key.csv")
    assert set(key["source"]) == {"member_id", "member_card", "app_user", "phone"}
    assert key["source_key"].map(type).eq(str).all()


# ------------------------------------------------------------------------------ tags


@pytest.fixture
def tag_inputs():
    customers = pd.DataFrame({"customer_id": [4, 1, 2, 3], "has_children": [False, True, False,
                                                                           True]})  # fmt: skip
    rows = [
        # customer, channel, date, status, coupon
        (1, "app", "2024-12-01", "completed", None),
        (1, "mini_program", "2024-11-01", "completed", "MJ2411"),
        (1, "store", "2024-10-01", "completed", None),
        (2, "app", "2024-12-01", "completed", None),
        (2, "store", "2024-09-01", "completed", None),  # exactly half online: not "most"
        (2, "group_buy", "2024-12-20", "cancelled", None),  # any status makes a member
        (2, "store", "2024-12-25", "returned", "MJ2412"),  # a returned coupon order
        (3, "group_buy", "2024-10-02", "completed", None),  # 90 days before the snapshot
        (3, "app", "2025-01-05", "completed", "MJ2501"),  # after the snapshot: ignored
    ]
    orders = pd.DataFrame(rows, columns=["customer_id", "channel", "order_ts", "status",
                                         "coupon_id"])  # fmt: skip
    orders["order_ts"] = pd.to_datetime(orders["order_ts"]) + pd.Timedelta(hours=20)
    return customers, orders


def test_customer_tags_follow_the_rule_table(tag_inputs):
    customers, orders = tag_inputs
    tags = dc.customer_tags(customers, orders, snapshot_date="2024-12-31")
    expected = pd.DataFrame(
        {
            "customer_id": [1, 2, 3, 4],
            "has_children": [True, False, True, False],
            "prefers_online": [True, False, False, False],
            "group_buy_member": [False, True, True, False],
            "coupon_user": [True, False, False, False],
            "lapsed": [False, False, False, True],  # never ordered: lapsed
        }
    )
    pd.testing.assert_frame_equal(tags, expected)


def test_lapsed_starts_after_ninety_days(tag_inputs):
    customers, orders = tag_inputs
    # Customer 3's last order (2024-10-02, before the snapshot) is 90 days before
    # 2024-12-31 and 91 days before 2025-01-01.
    early = orders[orders["order_ts"] < "2025-01-01"]

    def lapsed(snapshot):
        return dc.customer_tags(customers, early, snapshot).set_index("customer_id")["lapsed"]

    assert not lapsed("2024-12-31").loc[3]
    assert lapsed("2025-01-01").loc[3]


def test_default_snapshot_is_the_day_after_the_last_order(tag_inputs):
    customers, orders = tag_inputs
    assert dc.default_snapshot(orders) == pd.Timestamp("2025-01-06")
    tags = dc.customer_tags(customers, orders).set_index("customer_id")
    assert tags.loc[3, "coupon_user"] and tags.loc[3, "prefers_online"] is np.False_


def test_tag_rules_are_data(tag_inputs):
    table = dc.tag_rules()
    assert table["tag"].tolist() == [r.tag for r in dc.TAG_RULES]
    assert list(table.columns) == ["tag", "zh", "source", "rule"]
    assert table.set_index("tag").loc["has_children", "source"] == "customers"
    customers, orders = tag_inputs
    # A new rule is one more row of data, not new code.
    rules = (*dc.TAG_RULES, dc.TagRule("store_shopper", "到店客户", "any_order", "any store order",
                                       channels=("store",)))  # fmt: skip
    tags = dc.customer_tags(customers, orders, "2024-12-31", rules=rules)
    assert tags["store_shopper"].tolist() == [True, True, False, False]
    with pytest.raises(ValueError, match="unknown kind"):
        dc.TagRule("x", "x", "magic", "x")
    with pytest.raises(ValueError, match="needs a column"):
        dc.TagRule("x", "x", "attribute", "x")
