"""The messy source exports that module 01 integrates into one customer view.

Each export looks the way such files really arrive, and each hides known problems:

==========================  =========================================================
``pos_transactions.csv``    store tills: GBK encoding, Chinese headers, one row per
                            line, Windows line ends, two date formats (a system
                            migration), returns as negative rows, walk-in customers
                            without a card, training receipts from a test store, a few
                            quantities keyed in wrongly (the amount is right)
``online_orders.jsonl``     app and mini-program orders: nested items, epoch
                            milliseconds in UTC, phones in mixed formats, orders
                            exported twice, test orders marked only in the remark
``crm_members.xlsx``        member list: duplicate registrations of one person under a
                            new member id, mixed phone and date formats, 男/女/M/F,
                            city names with and without 市, exact duplicate rows
``group_buy_chains.txt``    community group-buy (接龙) chats: free-text quantities
                            ("2份", "x3", "两份", "+1"), cancellations in brackets, a
                            test group
``survey_export.csv``       questionnaire platform export: text Likert labels, repeat
                            submissions (the last one counts), non-member respondents
``identity_key.csv``        every raw identity (member id, card, app user, phone) and
                            the ``customer_id`` it belongs to: the answer key
==========================  =========================================================

A correct integration (``coursekit.methods.data_collection.integrate``) rebuilds the
clean ``customers``, ``orders``, ``order_items`` and ``survey`` tables exactly.
"""

from __future__ import annotations

import datetime
import io
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from coursekit.synth import encoding as enc
from coursekit.synth.encoding import csv_bytes, format_timestamps
from coursekit.synth.io import raw_export_path
from coursekit.synth.schema import RAW_FILES

# Source vocabularies (what the systems write) for the clean codes.
CHANNEL_CRM = {"store": "门店", "app": "APP", "mini_program": "小程序", "group_buy": "社群"}
LEVEL_CRM = {
    "regular": "普通会员",
    "silver": "银卡会员",
    "gold": "金卡会员",
    "platinum": "铂金会员",
}
INCOME_CRM = {
    "low": "5千以下",
    "lower_middle": "5千-1万",
    "middle": "1万-2万",
    "upper_middle": "2万-4万",
    "high": "4万以上",
}
ONLINE_STATUS = {"completed": "FINISHED", "returned": "REFUNDED", "cancelled": "CANCELLED"}
LIKERT = {
    "zh_CN": ["非常不同意", "不同意", "一般", "同意", "非常同意"],
    "en_US": ["Strongly disagree", "Disagree", "Neutral", "Agree", "Strongly agree"],
}
# Benefit items ask how important something is, on their own five labels.
IMPORTANCE = {
    "zh_CN": ["非常不重要", "不重要", "一般", "重要", "非常重要"],
    "en_US": [
        "Not at all important",
        "Not important",
        "Neutral",
        "Important",
        "Very important",
    ],
}
POS_COLUMNS = [
    "门店代码", "门店名称", "小票号", "交易时间", "会员卡号", "商品条码", "商品名称",
    "数量", "单价", "金额", "优惠券码", "整单优惠", "实收金额", "交易类型", "原小票号",
]  # fmt: skip
CRM_COLUMNS = [
    "会员编号", "会员卡号", "姓名", "手机号", "性别", "出生日期", "所在城市", "注册日期",
    "注册渠道", "会员等级", "家庭人数", "有无子女", "月收入",
]  # fmt: skip
TEST_STORE_CODE = "S0000"
TEST_GROUP = "测试群"
TEST_REMARK = "测试订单，请勿发货"
DUPLICATE_MEMBER_SHARE = 0.03
EXCEL_MAX_ROWS = 1_000_000  # rows per sheet (Excel's limit is 1,048,576)


@dataclass
class RawExports:
    """Raw export files as bytes, by file name (read lazily when loaded from disk)."""

    _files: dict[str, bytes] = field(default_factory=dict)
    _dir: Path | None = None

    @classmethod
    def from_dir(cls, path: Path) -> RawExports:
        """The exports in ``path``, the ``raw/`` folder of a dataset directory."""
        return cls(_dir=Path(path))

    def files(self) -> dict[str, bytes]:
        """Every export by file name.

        Raises:
            CourseDataError: an export read from disk is missing or not the size its
                MANIFEST says ("the course data is damaged: raw/... is missing; ...").
        """
        if self._dir is not None and not self._files:
            world = self._dir.parent
            self._files = {name: raw_export_path(world, name).read_bytes() for name in RAW_FILES}
        return dict(self._files)

    def __getitem__(self, name: str) -> bytes:
        return self.files()[name]


# ----------------------------------------------------------------------------- formats


def format_phones(digits: pd.Series, style: np.ndarray, locale: str) -> list[str]:
    """Write digit-only phones the way people and systems type them (style 0 = clean)."""
    out = []
    for d, s in zip(digits.to_numpy(), style, strict=True):
        if locale == "zh_CN":
            forms = (
                d,
                f"{d[:3]}-{d[3:7]}-{d[7:]}",
                f"+86 {d[:3]} {d[3:7]} {d[7:]}",
                f"86-{d}",
                f"{d[:3]} {d[3:7]} {d[7:]}",
                f"+86{d}",
            )
        else:
            forms = (
                d,
                f"({d[:3]}) {d[3:6]}-{d[6:]}",
                f"+1 {d[:3]}-{d[3:6]}-{d[6:]}",
                f"{d[:3]}.{d[3:6]}.{d[6:]}",
                f"1-{d[:3]}-{d[3:6]}-{d[6:]}",
                f"+1{d}",
            )
        out.append(forms[s % len(forms)])
    return out


def _birth_formats(dates: pd.Series, style: np.ndarray) -> list:
    """Birth dates as typed into a CRM over the years (some cells are real Excel dates)."""
    out = []
    for d, s in zip(dates, style, strict=True):
        d = pd.Timestamp(d)
        out.append(
            (
                d.to_pydatetime(),  # an Excel date cell
                f"{d:%Y-%m-%d}",
                f"{d.year}/{d.month}/{d.day}",
                f"{d:%Y%m%d}",
                f"{d.year}年{d.month}月{d.day}日",
            )[s]
        )
    return out


def _receipt_numbers(store_code: np.ndarray, ts: pd.Series, serial: np.ndarray):
    """Store code without its letter, the day as yymmdd, a 5-digit serial: 0001240105 00042."""
    import pyarrow as pa
    import pyarrow.compute as pc

    day = enc.timestamp_text(ts, date_only=True)  # YYYY-MM-DD
    text = enc.concat(
        pc.utf8_slice_codeunits(pa.array(store_code, type=enc.TEXT), 1),
        pc.utf8_slice_codeunits(day, 2, 4),
        pc.utf8_slice_codeunits(day, 5, 7),
        pc.utf8_slice_codeunits(day, 8, 10),
        pc.utf8_lpad(pa.array(np.asarray(serial) % 100000).cast(enc.TEXT), 5, "0"),
    )
    return enc.text_series(text).array


# ----------------------------------------------------------------------------- builder


def make_raw_exports(world, rng: np.random.Generator) -> RawExports:
    """Build every raw export from the clean tables of ``world`` (deterministic for a seed)."""
    locale = world.params["locale"]
    identities = _identities(world, rng)
    files = {
        "crm_members.xlsx": _crm(world, identities, rng, locale),
        "pos_transactions.csv": _pos(world, identities, rng),
        "online_orders.jsonl": _online(world, identities, rng, locale),
        "group_buy_chains.txt": _group_buy(world, identities, rng, locale),
        "survey_export.csv": _survey(world, identities, rng, locale),
    }
    files["identity_key.csv"] = _identity_key(world, identities)
    return RawExports(_files=files)


@dataclass
class _Identities:
    card: pd.Series  # customer_id -> primary member card
    dup_customers: np.ndarray  # customers registered twice
    dup_member_id: pd.Series  # customer_id -> second member id
    dup_card: pd.Series  # customer_id -> second card
    dup_signup: pd.Series  # customer_id -> date of the second registration
    app_user: pd.Series  # customer_id -> app user id
    phone_style: pd.Series  # customer_id -> how this customer's phone is usually written


def _identities(world, rng) -> _Identities:
    c = world.customers
    n = len(c)
    ids = c["customer_id"].to_numpy()
    cards = 8801_0000_0000 + rng.choice(10**8, size=n, replace=False)
    dup = np.sort(rng.choice(ids, size=round(n * DUPLICATE_MEMBER_SHARE), replace=False))
    dup_cards = 8802_0000_0000 + rng.choice(10**8, size=len(dup), replace=False)
    end = pd.Timestamp(world.params["end"])
    signup = c.set_index("customer_id")["signup_date"]
    # The second registration happens some time after the first, within the data window.
    gap = pd.to_timedelta(rng.integers(30, 500, len(dup)), unit="D")
    second = np.minimum(signup.loc[dup].to_numpy() + gap.to_numpy(), end.to_datetime64())
    users = 10**8 + rng.choice(9 * 10**8, size=n, replace=False)
    return _Identities(
        card=pd.Series(cards.astype(str), index=ids),
        dup_customers=dup,
        dup_member_id=pd.Series(ids.max() + 1 + np.arange(len(dup)), index=dup),
        dup_card=pd.Series(dup_cards.astype(str), index=dup),
        dup_signup=pd.Series(pd.DatetimeIndex(second).normalize(), index=dup),
        app_user=pd.Series(np.char.add("U", users.astype(str)), index=ids),
        phone_style=pd.Series(
            rng.choice(6, size=n, p=[0.55, 0.15, 0.1, 0.05, 0.1, 0.05]), index=ids
        ),
    )


def _card_for_orders(identities: _Identities, customer_id: np.ndarray, order_ts: pd.Series, rng):
    """The card swiped: the second card sometimes, once it exists."""
    card = identities.card.loc[customer_id].to_numpy().astype(object)
    has_dup = np.isin(customer_id, identities.dup_customers)
    if has_dup.any():
        rows = np.flatnonzero(has_dup)
        cid = customer_id[rows]
        later = order_ts.to_numpy()[rows] >= identities.dup_signup.loc[cid].to_numpy()
        use = later & (rng.random(len(rows)) < 0.5)
        card[rows[use]] = identities.dup_card.loc[cid[use]].to_numpy()
    return card


def _crm(world, identities: _Identities, rng, locale: str) -> bytes:
    c = world.customers
    n = len(c)
    cities_with_suffix = rng.random(n) < 0.25
    city = c["city"].where(~cities_with_suffix | (locale != "zh_CN"), c["city"] + "市")
    gender_style = rng.choice(3, size=n, p=[0.85, 0.1, 0.05])
    gender = [
        (("女", "F", "女性") if g == "female" else ("男", "M", "男性"))[s]
        for g, s in zip(c["gender"], gender_style, strict=True)
    ]
    base = pd.DataFrame(
        {
            "会员编号": c["customer_id"].to_numpy(),
            "会员卡号": identities.card.loc[c["customer_id"]].to_numpy(),
            "姓名": c["name"].to_numpy(),
            "手机号": format_phones(
                c["phone"], identities.phone_style.loc[c["customer_id"]].to_numpy(), locale
            ),
            "性别": gender,
            "出生日期": _birth_formats(c["birth_date"], rng.choice(5, size=n)),
            "所在城市": city.to_numpy(),
            "注册日期": c["signup_date"].dt.strftime("%Y-%m-%d").to_numpy(),
            "注册渠道": c["signup_channel"].map(CHANNEL_CRM).to_numpy(),
            "会员等级": c["member_level"].map(LEVEL_CRM).to_numpy(),
            "家庭人数": c["household_size"].to_numpy(),
            "有无子女": np.where(c["has_children"], "有", "无"),
            "月收入": c["income_band"].map(INCOME_CRM).to_numpy(),
        }
    )
    # Duplicate registrations: the same person, a new member id and card, a later date,
    # the phone typed differently, the lowest level.
    dup = c.set_index("customer_id").loc[identities.dup_customers].reset_index()
    second = base.set_index("会员编号").loc[identities.dup_customers].reset_index()
    second["会员编号"] = identities.dup_member_id.loc[dup["customer_id"]].to_numpy()
    second["会员卡号"] = identities.dup_card.loc[dup["customer_id"]].to_numpy()
    style = (
        identities.phone_style.loc[dup["customer_id"]].to_numpy() + 1 + rng.integers(0, 5, len(dup))
    ) % 6
    second["手机号"] = format_phones(dup["phone"], style, locale)
    second["注册日期"] = (
        identities.dup_signup.loc[dup["customer_id"]].dt.strftime("%Y-%m-%d").to_numpy()
    )
    second["会员等级"] = LEVEL_CRM["regular"]
    second["出生日期"] = _birth_formats(dup["birth_date"], rng.choice(5, size=len(dup)))
    # Exact duplicate rows: the same record exported twice.
    again = base.iloc[np.sort(rng.choice(n, size=max(n // 100, 0), replace=False))]
    crm = pd.concat([base, second, again], ignore_index=True)
    crm = crm.iloc[rng.permutation(len(crm))].reset_index(drop=True)
    return _xlsx_bytes(crm, sheet="会员列表", created=pd.Timestamp(world.params["end"]))


def _xlsx_bytes(df: pd.DataFrame, sheet: str, created: pd.Timestamp) -> bytes:
    """An .xlsx file with fixed metadata and zip timestamps (byte-for-byte reproducible).

    openpyxl writes the workbook around the rows; the rows themselves are written as the
    same XML openpyxl would write, column by column (openpyxl takes some 100 µs per row).
    Values outside the simple cases (see ``_sheet_data_xml``) go through openpyxl itself.
    """
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    wb.properties.creator = "CRM export"
    wb.properties.created = created.to_pydatetime()
    wb.properties.modified = created.to_pydatetime()
    parts = [df.iloc[lo : lo + EXCEL_MAX_ROWS] for lo in range(0, max(len(df), 1), EXCEL_MAX_ROWS)]
    sheet_data = [_sheet_data_xml(part) for part in parts]
    fast = all(xml is not None for xml in sheet_data)
    for k, part in enumerate(parts):
        ws = wb.create_sheet(sheet if k == 0 else f"{sheet}{k + 1}")
        ws.append(list(df.columns))
        if not fast:
            for row in part.itertuples(index=False):
                ws.append([_excel_value(v) for v in row])
        elif k == 0 and any(_has_datetime(p) for p in parts):
            ws.append([_first_datetime(parts)])  # registers the date style, as the rows would
    buf = io.BytesIO()
    wb.save(buf)
    rows = {f"xl/worksheets/sheet{k + 1}.xml": xml for k, xml in enumerate(sheet_data)}
    return _normalize_zip(buf.getvalue(), created, rows if fast else {})


def _excel_value(v):
    if isinstance(v, np.generic):
        return v.item()
    return v


_XML_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;"})
_EXCEL_EPOCH = pd.Timestamp("1899-12-30")


def _sheet_data_xml(part: pd.DataFrame) -> bytes | None:
    """The rows of a sheet (header first) exactly as openpyxl's write-only mode writes them.

    Returns None when a value is not one of the cases written here (text, a whole or
    finite number, a date and time without time zone), so that openpyxl writes them.
    """
    from openpyxl.cell.cell import ERROR_CODES, ILLEGAL_CHARACTERS_RE
    from openpyxl.utils import get_column_letter

    n = len(part)
    numbers = [str(r) for r in range(2, n + 2)]
    columns = []
    for j, name in enumerate(part.columns):
        letter = get_column_letter(j + 1)
        values = [_excel_value(v) for v in part.iloc[:, j].tolist()]
        cells = []
        for r, v in zip(numbers, values, strict=True):
            kind = type(v)
            if kind is str:
                if not v or len(v) > 32767 or v[0] == "=" or v in ERROR_CODES:
                    return None
                if ILLEGAL_CHARACTERS_RE.search(v):
                    return None
                space = ' xml:space="preserve"' if v.strip() != v and v.strip() else ""
                cells.append(
                    f'<c r="{letter}{r}" t="inlineStr"><is><t{space}>'
                    f"{v.translate(_XML_ESCAPES)}</t></is></c>"
                )
            elif kind is int or (kind is float and np.isfinite(v)):
                cells.append(f'<c r="{letter}{r}" t="n"><v>{v:.16g}</v></c>')
            elif kind is datetime.datetime and v.tzinfo is None:
                serial = _excel_serial(v)
                cells.append(f'<c r="{letter}{r}" s="1" t="n"><v>{serial:.16g}</v></c>')
            else:
                return None
        columns.append(cells)
        if not isinstance(name, str) or not name or name != name.strip():
            return None
    header = "".join(
        f'<c r="{get_column_letter(j + 1)}1" t="inlineStr"><is><t>'
        f"{name.translate(_XML_ESCAPES)}</t></is></c>"
        for j, name in enumerate(part.columns)
    )
    out = [f'<row r="1">{header}</row>']
    out += [
        f'<row r="{r}">{"".join(cells)}</row>'
        for r, cells in zip(numbers, zip(*columns, strict=True), strict=True)
    ]
    return "".join(out).encode("utf-8")


def _excel_serial(value) -> float:
    """openpyxl's ``to_excel`` for a date and time after 1900-03-01."""
    from openpyxl.utils.datetime import to_excel

    return to_excel(value)


def _has_datetime(part: pd.DataFrame) -> bool:
    return any(
        isinstance(v, datetime.datetime)
        for col in part.columns
        if part[col].dtype == object
        for v in part[col]
    )


def _first_datetime(parts):
    for part in parts:
        for col in part.columns:
            if part[col].dtype == object:
                for v in part[col]:
                    if isinstance(v, datetime.datetime):
                        return v
    return None


def _normalize_zip(data: bytes, stamp: pd.Timestamp, sheet_data: dict | None = None) -> bytes:
    """Rewrite an .xlsx zip so identical content gives identical bytes.

    Entry times are fixed, and the document's "modified" time (openpyxl stamps the wall
    clock at save) is set to ``stamp``. ``sheet_data`` replaces the rows of worksheets
    (by entry name) with rows written by ``_sheet_data_xml``.
    """
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    modified = f"{stamp:%Y-%m-%dT%H:%M:%SZ}".encode()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            content = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                content = re.sub(
                    rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)",
                    rb"\g<1>" + modified + rb"\g<2>",
                    content,
                )
            if sheet_data and info.filename in sheet_data:
                head, _, rest = content.partition(b"<sheetData>")
                _, _, tail = rest.partition(b"</sheetData>")
                content = head + b"<sheetData>" + sheet_data[info.filename] + b"</sheetData>" + tail
            fixed = zipfile.ZipInfo(info.filename, date_time=(1980, 1, 1, 0, 0, 0))
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = 0o600 << 16
            dst.writestr(fixed, content)
    return out.getvalue()


def _pos(world, identities: _Identities, rng) -> bytes:
    orders = world.orders[world.orders["channel"] == "store"]
    stores = world.stores.set_index("store_id")
    products = world.products.set_index("product_id")
    items = world.order_items.merge(orders[["order_id"]], on="order_id")
    o = orders.set_index("order_id")
    start, end = pd.Timestamp(world.params["start"]), pd.Timestamp(world.params["end"])
    migration = start + (end - start) * 0.6  # the till software changed its date format here

    card = pd.Series(
        _card_for_orders(identities, o["customer_id"].to_numpy(), o["order_ts"], rng), index=o.index
    )
    receipt = pd.Series(
        _receipt_numbers(
            stores.loc[o["store_id"], "store_code"].to_numpy(), o["order_ts"], o.index.to_numpy()
        ),
        index=o.index,
    )
    oi = items["order_id"].to_numpy()
    # Text columns stay Arrow text (.array): no round trip through Python objects.
    sale = pd.DataFrame(
        {
            "门店代码": stores.loc[o.loc[oi, "store_id"], "store_code"].array,
            "门店名称": stores.loc[o.loc[oi, "store_id"], "name"].array,
            "小票号": receipt.loc[oi].array,
            "_ts": o.loc[oi, "order_ts"].to_numpy(),
            "会员卡号": card.loc[oi].to_numpy(),
            "商品条码": products.loc[items["product_id"], "barcode"].array,
            "商品名称": products.loc[items["product_id"], "name"].array,
            "数量": items["quantity"].to_numpy(),
            "单价": items["unit_price"].to_numpy(),
            "金额": items["line_amount"].to_numpy(),
            "优惠券码": o.loc[oi, "coupon_id"].to_numpy(),
            "整单优惠": o.loc[oi, "discount_amount"].to_numpy(),
            "实收金额": o.loc[oi, "net_amount"].to_numpy(),
            "交易类型": "销售",
            "原小票号": "",
        }
    )
    # Returns: the whole receipt comes back a few days later as negative rows.
    returned = o.index[o["status"] == "returned"]
    back = sale[sale["小票号"].isin(receipt.loc[returned])].copy()
    back_ts = back["_ts"] + pd.to_timedelta(rng.integers(1, 8, len(back)), unit="D")
    back["_ts"] = back_ts.clip(upper=end + pd.Timedelta(hours=21))
    back["原小票号"] = back["小票号"]
    back["小票号"] = "T" + back["小票号"].str.slice(1)
    for col in ("数量", "金额", "整单优惠", "实收金额"):
        back[col] = -back[col]
    back["交易类型"] = "退货"

    # A few quantities keyed in by hand: the till kept the right amount.
    typo = rng.random(len(sale)) < 0.002
    sale.loc[typo, "数量"] = sale.loc[typo, "数量"] * 100 + rng.integers(1, 99, typo.sum())

    walk_in = _walk_ins(world, sale, rng)
    tests = _test_receipts(world, sale, identities, rng)
    pos = pd.concat([sale, back, walk_in, tests], ignore_index=True)
    pos = pos.sort_values(["_ts", "小票号"], kind="stable").reset_index(drop=True)
    old = pos["_ts"] < migration
    ts = pd.Series(pos["_ts"])
    stamp = format_timestamps(ts)  # "%Y-%m-%d %H:%M:%S", without strftime's cost per row
    old_fmt = (
        ts.dt.year.astype(str) + "/" + ts.dt.month.astype(str) + "/" + ts.dt.day.astype(str)
        + " " + stamp.str.slice(11)
    )  # fmt: skip
    pos["交易时间"] = stamp.where(~old, old_fmt)
    pos = pos[POS_COLUMNS]
    return csv_bytes(pos, lineterminator="\r\n", encoding="gbk")


def _walk_ins(world, sale: pd.DataFrame, rng) -> pd.DataFrame:
    """Receipts of shoppers without a member card (they cannot be attributed)."""
    if sale.empty:
        return sale.iloc[:0]
    receipts = sale["小票号"].unique()
    size = min(max(len(receipts) // 12, 1), len(receipts))
    pick = np.sort(rng.choice(len(receipts), size=size, replace=False))
    rows = sale[sale["小票号"].isin(receipts[pick])].copy()
    rows["_ts"] = rows["_ts"] + pd.to_timedelta(rng.integers(60, 3600, len(rows)), unit="s")
    rows["小票号"] = "W" + rows["小票号"].str.slice(1)
    rows["会员卡号"] = ""
    rows["优惠券码"] = np.nan
    rows["整单优惠"] = 0.0
    rows["实收金额"] = rows.groupby("小票号")["金额"].transform("sum").round(2)
    return rows


def _test_receipts(world, sale: pd.DataFrame, identities: _Identities, rng) -> pd.DataFrame:
    """Training receipts rung up in the test store with real members' cards."""
    if sale.empty:
        return sale.iloc[:0]
    rows = sale.iloc[np.sort(rng.choice(len(sale), size=min(24, len(sale)), replace=False))].copy()
    rows["门店代码"] = TEST_STORE_CODE
    rows["门店名称"] = "测试门店（收银培训）"
    rows["小票号"] = "X" + rows["小票号"].str.slice(1)
    rows["实收金额"] = rows["金额"]
    rows["整单优惠"] = 0.0
    rows["优惠券码"] = np.nan
    return rows


def _online(world, identities: _Identities, rng, locale: str) -> bytes:
    """One JSON object per line, as ``json.dumps(record, ensure_ascii=False)`` writes it.

    The records are built column by column and encoded by ``coursekit.synth.encoding``:
    each field as JSON text, then the fields joined into objects.
    """
    from zoneinfo import ZoneInfo

    import pyarrow as pa
    import pyarrow.compute as pc

    orders = world.orders[world.orders["channel"].isin(["app", "mini_program"])]
    items = world.order_items.merge(orders[["order_id"]], on="order_id")
    products = world.products.reset_index(drop=True)
    store_code = world.stores.set_index("store_id")["store_code"]
    phones = world.customers.set_index("customer_id")["phone"]
    tz = ZoneInfo(world.params["timezone"])
    epoch_ms = (
        orders["order_ts"].dt.tz_localize(tz).dt.tz_convert("UTC").astype("int64") // 10**6
    ).to_numpy()
    cid = orders["customer_id"].to_numpy()
    mobile = format_phones(phones.loc[cid], identities.phone_style.loc[cid].to_numpy(), locale)
    users = identities.app_user.loc[cid].to_numpy()
    app = (orders["channel"] == "app").to_numpy()

    # Items of each order as consecutive rows (items are sorted by order id).
    starts = np.searchsorted(items["order_id"].to_numpy(), orders["order_id"].to_numpy())
    ends = np.searchsorted(items["order_id"].to_numpy(), orders["order_id"].to_numpy(), "right")
    if len(orders) and not np.array_equal(starts[1:], ends[:-1]):
        raise AssertionError("order lines of online orders are not grouped by order")
    row = pd.Index(products["product_id"]).get_indexer(items["product_id"])
    item = enc.json_objects(
        {
            "sku": pc.take(enc.json_strings(products["sku"]), pa.array(row)),
            "name": pc.take(enc.json_strings(products["name"]), pa.array(row)),
            "qty": enc.json_numbers(items["quantity"].to_numpy()),
            "price": enc.json_numbers(items["unit_price"].to_numpy()),
        }
    )
    compact_time = pc.replace_substring_regex(enc.timestamp_text(orders["order_ts"]), "[- :]", "")
    serial = pc.utf8_lpad(pa.array(orders["order_id"].to_numpy() % 10000).cast(enc.TEXT), 4, "0")
    order_no = enc.concat(pc.if_else(pa.array(app), "A", "M").cast(enc.TEXT), compact_time, serial)
    fields = {
        "order_no": order_no,  # encoded below: test orders change it
        "user_id": enc.json_strings(users),
        "mobile": enc.json_strings(mobile),
        "channel": enc.json_strings(np.where(app, "APP", "MINI_PROGRAM")),
        "store_code": enc.json_strings(store_code.loc[orders["store_id"]].to_numpy()),
        "created_at": epoch_ms,  # encoded below: test orders change it
        "status": enc.json_strings(orders["status"].map(ONLINE_STATUS).to_numpy()),
        "total_amount": enc.json_numbers(orders["gross_amount"].to_numpy()),
        "discount_amount": enc.json_numbers(orders["discount_amount"].to_numpy()),
        "pay_amount": enc.json_numbers(orders["net_amount"].to_numpy()),
        "coupon_code": enc.json_strings(orders["coupon_id"].astype(object).to_numpy()),
        "items": enc.json_lists(item, np.append(starts, ends[-1:] if len(ends) else [0])),
        "remark": "",  # encoded below: test orders change it
    }

    # Sync retries exported some orders twice; QA placed test orders with real accounts.
    n = len(orders)
    twice = np.flatnonzero(rng.random(n) < 0.01)
    tests = np.sort(rng.choice(n, size=min(15, n), replace=False)) if n else np.zeros(0, int)
    shifts = [int(rng.integers(60_000, 3_600_000)) for _ in tests]
    rows = np.concatenate([np.arange(n), twice, tests]).astype(np.int64)
    is_test = np.zeros(len(rows), dtype=bool)
    is_test[len(rows) - len(tests) :] = True
    created_at = epoch_ms[rows]
    created_at[is_test] += np.asarray(shifts, dtype=np.int64)
    order = np.argsort(created_at, kind="stable")
    rows, is_test, created_at = rows[order], pa.array(is_test[order]), created_at[order]

    taken = pa.array(rows)
    out = {key: pc.take(text, taken) for key, text in fields.items() if isinstance(text, pa.Array)}
    tested = enc.concat(pa.scalar("Q", enc.TEXT), pc.utf8_slice_codeunits(out["order_no"], 1))
    out["order_no"] = enc.json_strings(pc.if_else(is_test, tested, out["order_no"]))
    out["created_at"] = enc.json_numbers(created_at)
    out["remark"] = enc.json_strings(pc.if_else(is_test, TEST_REMARK, "").cast(enc.TEXT))
    return enc.json_lines_bytes(enc.json_objects({key: out[key] for key in fields}))


_QTY_TEXT = {
    1: ["1", "1份", "一份", "+1", "x1", "1个"],
    2: ["2", "2份", "两份", "x2", "×2", "2个"],
    3: ["3", "3份", "三份", "x3", "×3"],
    4: ["4", "4份", "四份", "x4"],
    5: ["5", "5份", "五份", "x5"],
}


def quantity_text(q: int, style: int) -> str:
    forms = _QTY_TEXT.get(int(q), [str(int(q)), f"{int(q)}份", f"x{int(q)}"])
    return forms[style % len(forms)]


def _group_buy(world, identities: _Identities, rng, locale: str) -> bytes:
    orders = world.orders[world.orders["channel"] == "group_buy"]
    lines = orders.merge(
        world.order_items[["order_id", "product_id", "quantity"]], on="order_id"
    ).assign(date=lambda d: d["order_ts"].dt.normalize())
    lines = lines.sort_values(["date", "store_id", "order_ts", "customer_id"], kind="stable")
    pname = dict(zip(world.products["product_id"], world.products["name"], strict=True))
    price = dict(zip(world.products["product_id"], world.products["unit_price"], strict=True))
    store_code = dict(zip(world.stores["store_id"], world.stores["store_code"], strict=True))
    names = world.customers["name"].to_numpy()
    name_of = dict(zip(world.customers["customer_id"], names, strict=True))
    phones = world.customers.set_index("customer_id")["phone"]
    community = _community_names(world, rng, locale)
    styles = rng.integers(0, 6, size=(len(lines), 3))
    phone_text = format_phones(phones.loc[lines["customer_id"]], styles[:, 0], locale)
    marks = {"completed": "", "returned": "（已退款）", "cancelled": "（已取消）"}
    rows = zip(
        lines["date"], lines["store_id"], lines["customer_id"], lines["product_id"],
        lines["quantity"], lines["order_ts"], lines["status"], strict=True,
    )  # fmt: skip
    posts: dict[tuple, list] = {}
    for k, row in enumerate(rows):
        posts.setdefault((row[0], row[1]), []).append((k, *row[2:]))
    text = []
    for (date, store), members in posts.items():
        listed = list(dict.fromkeys(m[2] for m in members))
        number = {pid: k + 1 for k, pid in enumerate(listed)}
        leader = names[int(rng.integers(0, len(names)))]
        text.append(
            f"#接龙 {date:%Y-%m-%d} 【{community[store]}团购群】 团长：{leader} "
            f"（自提门店 {store_code[store]}）\n今日团品：\n"
        )
        text += [f"  {number[p]}号 {pname[p]} ￥{price[p]:.2f}/份\n" for p in listed]
        text.append("----------\n")
        for pos, (k, cid, pid, qty, ts, status) in enumerate(members, start=1):
            st = styles[k]
            who = (
                f"{name_of[cid]}（{phone_text[k]}）"
                if st[1] == 0
                else f"{name_of[cid]} {phone_text[k]}"
            )
            product = f"要{number[pid]}号" if st[2] % 2 else f"{number[pid]}号"
            text.append(
                f"{pos}. {who} {product} {quantity_text(qty, st[2])} {ts:%H:%M}{marks[status]}\n"
            )
        text.append("\n")
    # A test group used when the group-buy tool was set up.
    if len(lines):
        sample = lines.iloc[np.sort(rng.choice(len(lines), size=min(5, len(lines)), replace=False))]
        pid = int(sample["product_id"].iloc[0])
        text.append(
            f"#接龙 {sample['date'].iloc[0]:%Y-%m-%d} 【{TEST_GROUP}】 团长：管理员 "
            f"（自提门店 {TEST_STORE_CODE}）\n今日团品：\n"
            f"  1号 {pname[pid]} ￥{price[pid]:.2f}/份\n----------\n"
        )
        for k, cid in enumerate(sample["customer_id"]):
            text.append(f"{k + 1}. {name_of[cid]} {phones.loc[cid]} 1号 1份 09:{k:02d}\n")
        text.append("\n")
    return "".join(text).encode("utf-8")


def _community_names(world, rng, locale: str) -> dict[int, str]:
    suffix = "社区" if locale == "zh_CN" else " Community"
    names = {}
    for store_id, name in zip(world.stores["store_id"], world.stores["name"], strict=True):
        core = name.removeprefix("鲜邻").removeprefix("FreshNeighbor ").removesuffix("店")
        names[int(store_id)] = f"{core}{suffix}"
    return names


def _survey(world, identities: _Identities, rng, locale: str) -> bytes:
    s = world.survey
    items = world.survey_items
    text_col = "text_zh" if locale == "zh_CN" else "text_en"
    questions = [f"{k + 1}、{t}" for k, t in enumerate(items[text_col])]
    phones = world.customers.set_index("customer_id")["phone"]
    n = len(s)
    submitted = pd.to_datetime(s["response_date"]) + pd.to_timedelta(
        rng.integers(8 * 3600, 23 * 3600, n), unit="s"
    )
    final = pd.DataFrame(
        {
            "_ts": submitted.to_numpy(),
            "手机号": format_phones(phones.loc[s["customer_id"]], rng.integers(0, 6, n), locale),
            **{
                q: _labels(s[item], LIKERT[locale] if block == "attitude" else IMPORTANCE[locale])
                for q, item, block in zip(questions, items["item"], items["block"], strict=True)
            },
        }
    )
    # Some members answered twice; the earlier, different answers are superseded.
    twice = np.flatnonzero(rng.random(n) < 0.04)
    earlier = final.iloc[twice].copy()
    earlier["_ts"] = earlier["_ts"] - pd.to_timedelta(
        rng.integers(3600, 5 * 86400, len(twice)), unit="s"
    )
    for q, block in zip(questions, items["block"], strict=True):
        labels = LIKERT[locale] if block == "attitude" else IMPORTANCE[locale]
        earlier[q] = np.asarray(labels, dtype=object)[rng.integers(0, 5, len(twice))]
    # Respondents who are not members (their phones match no one).
    strangers = earlier.iloc[:0]
    if n:
        k = max(n // 50, 1)
        strangers = final.iloc[rng.choice(n, size=k)].copy()
        taken = set(phones.to_numpy())
        fresh = [
            p for p in (f"199{v:08d}" for v in rng.integers(0, 10**8, 2 * k)) if p not in taken
        ]
        strangers["手机号"] = fresh[:k]
        strangers["_ts"] = strangers["_ts"] + pd.to_timedelta(rng.integers(60, 86400, k), unit="s")
    out = pd.concat([final, earlier, strangers], ignore_index=True)
    out = out.sort_values("_ts", kind="stable").reset_index(drop=True)
    ts = pd.Series(out.pop("_ts"))
    out.insert(0, "序号", np.arange(1, len(out) + 1))
    out.insert(
        1,
        "提交答卷时间",
        ts.dt.year.astype(str) + "/" + ts.dt.month.astype(str) + "/" + ts.dt.day.astype(str)
        + " " + format_timestamps(ts).str.slice(11),
    )  # fmt: skip
    out.insert(2, "所用时间", [f"{v}秒" for v in rng.integers(60, 600, len(out))])
    out.insert(3, "来源", np.where(rng.random(len(out)) < 0.8, "微信", "手机提交"))
    return "\ufeff".encode() + csv_bytes(out)  # UTF-8 with a byte order mark


def _labels(answers: pd.Series, labels: list[str]) -> np.ndarray:
    """Text labels of 1..5 answers; a skipped question is an empty cell."""
    codes = answers.to_numpy(dtype=float, na_value=np.nan)
    out = np.full(len(codes), None, dtype=object)
    ok = ~np.isnan(codes)
    out[ok] = np.asarray(labels, dtype=object)[codes[ok].astype(np.int64) - 1]
    return out


def _identity_key(world, identities: _Identities) -> bytes:
    ids = world.customers["customer_id"].to_numpy()
    frames = [
        pd.DataFrame({"source": "member_id", "source_key": ids.astype(str), "customer_id": ids}),
        pd.DataFrame(
            {
                "source": "member_id",
                "source_key": identities.dup_member_id.astype(str).to_numpy(),
                "customer_id": identities.dup_member_id.index.to_numpy(),
            }
        ),
        pd.DataFrame(
            {"source": "member_card", "source_key": identities.card.to_numpy(), "customer_id": ids}
        ),
        pd.DataFrame(
            {
                "source": "member_card",
                "source_key": identities.dup_card.to_numpy(),
                "customer_id": identities.dup_card.index.to_numpy(),
            }
        ),
        pd.DataFrame(
            {"source": "app_user", "source_key": identities.app_user.to_numpy(), "customer_id": ids}
        ),
        pd.DataFrame(
            {
                "source": "phone",
                "source_key": world.customers["phone"].to_numpy(),
                "customer_id": ids,
            }
        ),
    ]
    key = pd.concat(frames, ignore_index=True).sort_values(["source", "source_key"], kind="stable")
    return csv_bytes(key)
