"""The raw exports are messy as promised, and integrate back into the clean tables."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from coursekit.methods.data_collection import integrate, normalize_phone, parse_quantity


def _integrate(world, tmp_path):
    for name, data in world.raw.files().items():
        (tmp_path / name).write_bytes(data)
    return integrate(
        tmp_path, world.products, world.stores, world.survey_items,
        timezone=world.params["timezone"],
    )  # fmt: skip


@pytest.mark.parametrize("which", ["small_world", "small_world_en"])
def test_raw_exports_reconcile_with_clean_tables(which, request, tmp_path):
    world = request.getfixturevalue(which)
    result = _integrate(world, tmp_path)
    cols = list(result.customers.columns)
    pd.testing.assert_frame_equal(result.customers, world.customers[cols], check_dtype=False)
    pd.testing.assert_frame_equal(result.orders, world.orders, check_dtype=False)
    pd.testing.assert_frame_equal(result.order_items, world.order_items, check_dtype=False)
    pd.testing.assert_frame_equal(result.survey, world.survey, check_dtype=False)
    quality = result.quality
    assert quality.loc["pos", "test_rows"] > 0 and quality.loc["pos", "unmatched"] > 0
    assert quality.loc["online", "duplicates"] >= 0 and quality.loc["online", "test_rows"] > 0
    assert quality.loc["crm", "merged"] > 0


def test_identity_key_covers_every_raw_identity(small_world, tmp_path):
    files = small_world.raw.files()
    key = pd.read_csv(pd.io.common.BytesIO(files["identity_key.csv"]), dtype=str)
    result = _integrate(small_world, tmp_path)
    # Our resolution agrees with the answer key for every member id, card and phone.
    ours = result.identities.astype({"customer_id": str})
    merged = ours.merge(key, on=["source", "source_key"], suffixes=("", "_key"))
    assert len(merged) == len(ours)
    assert (merged["customer_id"] == merged["customer_id_key"]).all()
    users = {json.loads(line)["user_id"] for line in files["online_orders.jsonl"].splitlines()}
    assert users <= set(key.loc[key["source"] == "app_user", "source_key"])


def test_pos_is_gbk_and_mojibake_in_utf8(small_world):
    data = small_world.raw["pos_transactions.csv"]
    header = data.decode("gbk").splitlines()[0]
    assert header.startswith("门店代码,门店名称,小票号")
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")
    assert b"\r\n" in data


def test_online_times_are_epoch_milliseconds(small_world):
    first = json.loads(small_world.raw["online_orders.jsonl"].splitlines()[0])
    ts = first["created_at"]
    assert ts > 10**12  # milliseconds; as seconds this would be tens of thousands of years
    assert isinstance(first["items"], list) and {"sku", "qty", "price"} <= set(first["items"][0])


def test_crm_has_duplicates_and_mixed_formats(small_world):
    from io import BytesIO

    crm = pd.read_excel(BytesIO(small_world.raw["crm_members.xlsx"]), dtype={"手机号": str})
    assert len(crm) > len(small_world.customers)
    phones = normalize_phone(crm["手机号"])
    assert phones.notna().all()
    assert (crm["手机号"] != phones).any()  # not all typed as plain digits
    assert phones.duplicated().any()  # the same person registered twice


def test_group_buy_quantities_are_free_text(small_world):
    text = small_world.raw["group_buy_chains.txt"].decode("utf-8")
    assert "#接龙" in text and "测试群" in text
    assert any(word in text for word in ("两份", "一份", "x2", "×2", "+1"))


@pytest.mark.parametrize(
    ("text", "expected"),
    [("2份", 2), ("x3", 3), ("×2", 2), ("两份", 2), ("一份", 1), ("+1", 1), ("3", 3),
     ("1个", 1), ("十份", 10), ("", None), (None, None), ("份", None)],
)  # fmt: skip
def test_parse_quantity(text, expected):
    assert parse_quantity(text) == expected


@pytest.mark.parametrize(
    ("raw", "country", "expected"),
    [("+86 138-0013-8000", "CN", "13800138000"), ("86-13800138000", "CN", "13800138000"),
     ("138 0013 8000", "CN", "13800138000"), ("+8613800138000", "CN", "13800138000"),
     ("12345", "CN", None), ("(212) 555-0123", "US", "2125550123"),
     ("+1 212-555-0123", "US", "2125550123"), ("1-212-555-0123", "US", "2125550123")],
)  # fmt: skip
def test_normalize_phone(raw, country, expected):
    got = normalize_phone([raw], country).iloc[0]
    assert (got if isinstance(got, str) else None) == expected


def test_survey_export_has_text_labels_and_repeats(small_world):
    from io import BytesIO

    export = pd.read_csv(BytesIO(small_world.raw["survey_export.csv"]), encoding="utf-8-sig")
    agree = ["非常不同意", "不同意", "一般", "同意", "非常同意"]
    important = ["非常不重要", "不重要", "一般", "重要", "非常重要"]
    items = small_world.survey_items
    n_attitude = int((items["block"] == "attitude").sum())
    attitude = export.iloc[:, 5 : 5 + n_attitude]
    benefit = export.iloc[:, 5 + n_attitude :]
    assert benefit.shape[1] == int((items["block"] == "benefit").sum()) > 0
    # Text labels only, and blanks where a question was skipped (as the clean table has).
    assert attitude.stack().dropna().isin(agree).all()
    assert benefit.stack().dropna().isin(important).all()
    assert attitude.isna().any().any()
    assert len(export) > len(small_world.survey)
