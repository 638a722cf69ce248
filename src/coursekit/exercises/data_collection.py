"""Module 01, data collection and integration (数据收集与整合): the problems of
``01_data_collection``.

The story: the fresh-grocery chain 鲜邻 (FreshNeighbor) wants one view of its members
across the store tills (POS), the app and mini-program, the community group-buy chats
(社群接龙) and the CRM. The trainee reads each raw export as it really comes, cleans it,
resolves identities and builds a first tag table:

- q1: which table joins the sources (choice);
- q2: read the GBK-encoded POS export with its ids as text;
- q3: normalize the CRM phone numbers;
- q4: online order times from epoch milliseconds (UTC) to local time;
- q5: drop repeated exports and test orders from the online orders;
- q6: count the POS receipts of real members in the last year (mixed date formats);
- q7: parse the free-text quantities of the 接龙 chats (a function);
- q8: map every CRM member id to its customer (the earliest registration);
- q9: completed orders per channel after cleaning every source;
- q10: the tag table (标签体系).

References come from the data in use: the answer key ``raw/identity_key.csv`` and the clean
tables (``course.load``) where they hold the answer, else :mod:`coursekit.methods.data_collection`
on the raw exports (``course.data_dir() / "raw"``). Each mistake's ``produce`` makes the
wrong answer the way a trainee would (the wrong encoding, the wrong unit, a cleaning step
skipped); mistakes that many wrong answers share also say how to recognise them
(``matches``).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from coursekit import course
from coursekit.engine import (
    Case,
    ChoiceProblem,
    FrameSpec,
    FunctionProblem,
    Mistake,
    ScalarSpec,
    SeriesSpec,
    ValueProblem,
    ____,
    per_world,
)
from coursekit.engine.recognize import frame_column
from coursekit.errors import CourseDataError
from coursekit.methods import data_collection as dc
from coursekit.methods.common import COMPLETED, completed_orders, snapshot_date
from coursekit.synth.io import raw_export_path

__all__ = ["NOTEBOOK", "PROBLEMS", "____", "q1", "q2", "q3", "q4", "q5", "q6", "q7", "q8",
           "q9", "q10"]  # fmt: skip

NOTEBOOK = "01_data_collection"

# What q2 compares: the four identifier columns its text names, which must stay text.
POS_ID_COLUMNS = ["小票号", "会员卡号", "商品条码", "原小票号"]
ONLINE_CHANNEL = {"APP": "app", "MINI_PROGRAM": "mini_program"}


# ---------------------------------------------------------------------------- shared data
#
# Reading the raw exports takes a second or more, so each is read once per world
# (coursekit.engine.cache) and shared by every problem: setting up the same world again
# reuses what was read, a regenerated one starts afresh. Nothing below modifies these
# frames.


def _raw_path(name: str):
    return raw_export_path(course.data_dir(), name)  # CourseDataError if missing or cut short


def _read_raw(name: str, reader: Callable[[Any], Any], *args: Any) -> Any:
    """``reader(raw/name, *args)``; a missing or damaged export is a CourseDataError naming
    the file, which the check shows as a data problem, not as the trainee's or ours."""
    path = _raw_path(name)
    verify = f"run `coursekit data verify {course.data_dir()}`"
    if not path.is_file():
        raise CourseDataError(f"the course data is damaged: raw/{name} is missing; {verify}")
    try:
        return reader(path, *args)
    except CourseDataError:
        raise
    except Exception as exc:
        raise CourseDataError(
            f"the course data is damaged: raw/{name} cannot be read ({type(exc).__name__}); "
            f"{verify}"
        ) from exc


@per_world
def _params() -> dict:
    return dc.world_parameters(course.data_dir())


def _timezone() -> str:
    return _params()["timezone"]


def _country() -> str:
    return dc.country_of(_timezone())


def _last_year() -> int:
    return pd.Timestamp(_params()["end"]).year


@per_world
def _pos_export() -> pd.DataFrame:
    return _read_raw("pos_transactions.csv", dc.read_pos_export)


@per_world
def _pos() -> pd.DataFrame:
    return dc.prepare_pos(_pos_export())


@per_world
def _crm_export() -> pd.DataFrame:
    return _read_raw("crm_members.xlsx", dc.read_crm_export)


@per_world
def _online() -> pd.DataFrame:
    orders, _ = _read_raw("online_orders.jsonl", _online_orders, _timezone())
    return orders


def _online_orders(path, timezone: str):
    return dc.read_online_orders(path, timezone, items=False)


@per_world
def _group_buy() -> pd.DataFrame:
    return _read_raw("group_buy_chains.txt", dc.parse_group_buy)


@per_world
def _identity_key() -> pd.DataFrame:
    return _read_raw("identity_key.csv", dc.read_identity_key)


@per_world
def _orders() -> pd.DataFrame:
    return course.load("orders")


@per_world
def _customers() -> pd.DataFrame:
    return course.load("customers")


# ---------------------------------------------------------------------------- q1 the bridge

q1 = ChoiceProblem(
    id="data_collection.q1",
    var="answer_q1",
    title={"en": "Which table joins the sources?", "zh": "哪张表能把各个来源连起来？"},
    options={
        "a": {
            "en": "The POS export: it has the most rows.",
            "zh": "POS 收银导出：它的行数最多。",
        },
        "b": {
            "en": "The CRM member list: it holds both the member card and the phone number.",
            "zh": "CRM 会员名单：它同时记录了会员卡号和手机号。",
        },
        "c": {
            "en": "The survey export: members give their phone number there.",
            "zh": "问卷导出：会员在问卷里填写了手机号。",
        },
        "d": {
            "en": "None is needed: join the sources on the customer's name.",
            "zh": "不需要：按客户姓名直接连接各个来源。",
        },
    },
    answer="b",
    explanation={
        "en": (
            "The tills know a member by card, the app, mini-program and 接龙 chats by phone. "
            "Only the CRM holds both, so it is the bridge of the identity graph."
        ),
        "zh": (
            "门店收银只认会员卡，APP、小程序和接龙只认手机号。只有 CRM 两者都有，是身份关联的桥梁。"
        ),
    },
    mistakes={
        "a": Mistake(
            "pos_has_no_phone",
            en=(
                "The POS export knows a member only by card number; online orders and the "
                "接龙 chats carry a phone number. Size does not make a bridge."
            ),
            zh="POS 导出只有会员卡号；线上订单和接龙记录只有手机号。行数多并不能充当桥梁。",
        ),
        "c": Mistake(
            "survey_is_a_sample",
            en=(
                "Only a few members answered the survey, and it has no card number: it "
                "cannot link store receipts to anyone."
            ),
            zh="只有少数会员填写了问卷，而且问卷里没有会员卡号：无法把门店小票关联到人。",
        ),
        "d": Mistake(
            "names_are_not_unique",
            en=(
                "Names repeat: thousands of members share a name with someone else (王芳, "
                "张伟 ...), and the tills do not record names at all."
            ),
            zh="姓名会重复：数以千计的会员与他人同名（王芳、张伟……），而且门店收银根本不记录姓名。",
        ),
    },
    hints=[
        {
            "en": "List the identifiers each export carries: card, phone, app user id, name.",
            "zh": "列出每个导出文件带有哪些身份标识：会员卡号、手机号、APP 用户号、姓名。",
        },
        {
            "en": "Which one table has the card number *and* the phone number?",
            "zh": "哪一张表同时有会员卡号*和*手机号？",
        },
    ],
)


# ---------------------------------------------------------------------------- q2 read POS


def _pos_read_as(**read_csv_args) -> pd.DataFrame:
    return pd.read_csv(_raw_path("pos_transactions.csv"), **read_csv_args)


def _looks_garbled(name: Any) -> bool:
    """A header decoded with the wrong codec: replacement or Latin/Cyrillic letters, no CJK."""
    if not isinstance(name, str) or not name:
        return False
    cjk = any("\u4e00" <= ch <= "\u9fff" for ch in name)
    odd = any(ch == "\ufffd" or "\u0080" <= ch <= "\u04ff" for ch in name)
    return odd and not cjk


def _is_mojibake(answer: Any, expected: Any) -> bool:
    if not isinstance(answer, pd.DataFrame) or answer.shape[1] == 0:
        return False
    garbled = sum(_looks_garbled(c) for c in answer.columns)
    return garbled * 2 >= answer.shape[1]


def _ids_are_numbers(answer: Any, expected: Any) -> bool:
    if not isinstance(answer, pd.DataFrame) or not answer.columns.is_unique:
        return False
    return any(
        column in answer.columns
        and pd.api.types.is_numeric_dtype(answer[column])
        and answer[column].notna().any()  # a column of nothing but NaN is another mistake
        for column in POS_ID_COLUMNS
    )


q2 = ValueProblem(
    id="data_collection.q2",
    var="pos",
    title={"en": "Read the POS export as it comes", "zh": "按原样读取 POS 收银导出"},
    # The identifier columns the exercise names are compared: they are what a wrong
    # encoding or dtype breaks (a receipt number read as a number loses its leading zeros).
    reference=lambda: _pos_export()[POS_ID_COLUMNS],
    compare=FrameSpec(allow_extra_columns=True),
    mistakes=[
        Mistake(
            "gbk_read_as_utf8",
            en=(
                "The headers are garbled (mojibake, 乱码): the file was decoded with the wrong "
                "codec. The till software writes GBK, a Chinese encoding older than UTF-8: "
                "read it with encoding='gbk'."
            ),
            zh=(
                "表头变成了乱码：文件用错了编码来解码。门店收银系统写出的是 GBK 编码（比 UTF-8 "
                "更早的中文编码）：请用 encoding='gbk' 读取。"
            ),
            produce=lambda expected: _pos_read_as(encoding="utf-8", encoding_errors="replace"),
            matches=_is_mojibake,
        ),
        Mistake(
            "ids_as_numbers",
            en=(
                "Identifiers were read as numbers: card numbers became floats "
                "(880113832366.0, NaN for walk-ins), receipt numbers lost their leading zeros "
                "(003324010100005 became 3324010100005) and barcodes their text form, so they "
                "no longer match the CRM, the product list or each other. Read 小票号, "
                "会员卡号, 商品条码 and 原小票号 with dtype=str."
            ),
            zh=(
                "编号被读成了数字：会员卡号变成浮点数（880113832366.0，散客为 NaN），小票号丢掉了"
                "开头的 0（003324010100005 变成 3324010100005），条码也不再是文本，之后就无法与 "
                "CRM、商品表或彼此匹配。请用 dtype=str 读取小票号、会员卡号、商品条码和原小票号。"
            ),
            produce=lambda expected: _pos_read_as(encoding="gbk"),
            matches=_ids_are_numbers,
        ),
    ],
    hints=[
        {
            "en": (
                "`pd.read_csv(path)` fails with a UnicodeDecodeError: the file is not UTF-8. "
                "Chinese systems of this age often write GBK."
            ),
            "zh": (
                "`pd.read_csv(path)` 报 UnicodeDecodeError：文件不是 UTF-8。"
                "这类国内老系统常用 GBK 编码。"
            ),
        },
        {
            "en": (
                "Pass `encoding='gbk'` and `dtype={'小票号': str, '会员卡号': str, '商品条码': "
                "str, '原小票号': str}` to `pd.read_csv`."
            ),
            "zh": (
                "给 `pd.read_csv` 传入 `encoding='gbk'` 和 `dtype={'小票号': str, '会员卡号': str, "
                "'商品条码': str, '原小票号': str}`。"
            ),
        },
    ],
    solution=(
        'ids = {"小票号": str, "会员卡号": str, "商品条码": str, "原小票号": str}\n'
        'pos = pd.read_csv(raw / "pos_transactions.csv", encoding="gbk", dtype=ids)'
    ),
)


# ---------------------------------------------------------------------------- q3 phones


def _crm_phone_reference() -> pd.Series:
    """The phone of each CRM row's person: answer key (member id -> customer) + customers."""
    key = _identity_key()
    member = key[key["source"] == "member_id"]
    customer_of = pd.Series(member["customer_id"].to_numpy(), index=member["source_key"])
    phone_of = _customers().set_index("customer_id")["phone"]
    ids = _crm_export()["会员编号"].astype("int64").astype(str)
    phones = phone_of.reindex(customer_of.reindex(ids).to_numpy()).to_numpy()
    return pd.Series(phones, name="phone", dtype="str")


def _crm_phone_text() -> pd.Series:
    return _crm_export()["手机号"].astype("str")


def _phone_slips(answer: Any, expected: pd.Series) -> tuple[pd.Series, pd.Series] | None:
    """The answer's values and the reference's at the rows where they differ."""
    if not isinstance(answer, pd.Series) or len(answer) != len(expected):
        return None
    given = pd.Series(answer.to_numpy(), dtype="object")
    wanted = pd.Series(expected.to_numpy(), dtype="object")
    differ = given.ne(wanted).to_numpy()
    if not differ.any():
        return None
    return given[differ], wanted[differ]


def _country_code_kept(answer: Any, expected: pd.Series) -> bool:
    slips = _phone_slips(answer, expected)
    if slips is None:
        return False
    given, wanted = slips
    code = dc.COUNTRY_CODE[_country()]
    digits = given.map(lambda v: re.sub(r"\D", "", v) if isinstance(v, str) else None)
    return bool((digits == code + wanted).any())


def _separators_kept(answer: Any, expected: pd.Series) -> bool:
    slips = _phone_slips(answer, expected)
    if slips is None:
        return False
    given, wanted = slips
    typed = given.map(lambda v: isinstance(v, str) and bool(re.search(r"\D", v)))
    digits = given.map(lambda v: re.sub(r"\D", "", v) if isinstance(v, str) else None)
    return bool((typed & (digits == wanted)).all())


q3 = ValueProblem(
    id="data_collection.q3",
    var="crm_phone",
    title={"en": "Normalize the CRM phone numbers", "zh": "统一 CRM 手机号格式"},
    # From the answer key and the clean customers table, not from our own normalizer.
    reference=_crm_phone_reference,
    compare=SeriesSpec(),
    mistakes=[
        Mistake(
            "country_code_kept",
            en=(
                "Some numbers still start with the country code (86 in China, 1 in the US): "
                "'+86 138 0013 8000' and '13800138000' are the same phone, but as text they "
                "never match. Remove the country code after removing the separators."
            ),
            zh=(
                "部分号码仍带着国家代码（中国 86，美国 1）：'+86 138 0013 8000' 和 '13800138000' "
                "是同一个手机号，但作为文本永远对不上。去掉分隔符之后，还要去掉国家代码。"
            ),
            produce=lambda expected: _crm_phone_text().str.replace(r"\D", "", regex=True),
            matches=_country_code_kept,
        ),
        Mistake(
            "separators_kept",
            en=(
                "Spaces, dashes or dots are still in some numbers ('138-0013-8000'). Keep "
                "the digits only, e.g. `.str.replace(r'\\D', '', regex=True)`."
            ),
            zh=(
                "部分号码里还有空格、横线或点（'138-0013-8000'）。只保留数字，例如 "
                "`.str.replace(r'\\D', '', regex=True)`。"
            ),
            # a trainee who only strips a leading "+86" / "86-" (or "+1" / "1-")
            produce=lambda expected: _crm_phone_text().str.replace(
                rf"^\+?{dc.COUNTRY_CODE[_country()]}[\s-]?", "", regex=True
            ),
            matches=_separators_kept,
        ),
    ],
    hints=[
        {
            "en": (
                "Look at `crm['手机号'].sample(10, random_state=0)`: how many ways are there "
                "to write one number?"
            ),
            "zh": "看看 `crm['手机号'].sample(10, random_state=0)`：同一个号码有多少种写法？",
        },
        {
            "en": (
                "First keep the digits only; then a number that is the country code plus a "
                "valid mobile number loses the code (86 + 11 digits in China)."
            ),
            "zh": (
                "先只保留数字；如果号码是“国家代码 + 有效手机号”，"
                "再去掉国家代码（中国为 86 + 11 位）。"
            ),
        },
        {
            "en": "`dc.normalize_phone(values, COUNTRY)` is the course's reference version.",
            "zh": "课程的参考实现是 `dc.normalize_phone(values, COUNTRY)`。",
        },
    ],
    solution=(
        'digits = crm["手机号"].astype(str).str.replace(r"\\D", "", regex=True)\n'
        "# a mobile number is the last 11 digits in China (10 in the US): drop 86 / 1 before it\n"
        'crm_phone = digits.str[-(11 if COUNTRY == "CN" else 10):]'
    ),
)


# ---------------------------------------------------------------------------- q4 local time


def _online_with(order_ts: pd.Series) -> pd.DataFrame:
    online = _online()
    return pd.DataFrame({"order_no": online["order_no"], "order_ts": order_ts.to_numpy()})


def _order_ts(answer: Any) -> pd.Series | None:
    if not isinstance(answer, pd.DataFrame) or "order_ts" not in answer.columns:
        return None
    values = answer["order_ts"]
    if not isinstance(values, pd.Series) or not pd.api.types.is_datetime64_any_dtype(values):
        return None
    return values


def _years(answer: Any) -> pd.Series | None:
    values = _order_ts(answer)
    return None if values is None or values.isna().all() else values.dt.year


q4 = ValueProblem(
    id="data_collection.q4",
    var="online",
    title={"en": "Online orders in local time", "zh": "线上订单换算为本地时间"},
    reference=lambda: _online()[["order_no", "order_ts"]],
    compare=FrameSpec(allow_extra_columns=True),
    mistakes=[
        Mistake(
            "ms_read_as_seconds",
            en=(
                "Your orders were placed tens of thousands of years from now: created_at "
                "counts milliseconds since 1970, not seconds. Use unit='ms'."
            ),
            zh=(
                "你的订单时间在几万年以后：created_at 是自 1970 年起的毫秒数，不是秒数。"
                "请使用 unit='ms'。"
            ),
            produce=lambda expected: _online_with(
                pd.to_datetime(_online()["created_at"], unit="s")
            ),
            matches=lambda answer, expected: (y := _years(answer)) is not None and y.max() > 2200,
        ),
        Mistake(
            "epoch_read_as_nanoseconds",
            en=(
                "Every order is on 1 January 1970: without a unit, pandas reads the numbers "
                "as nanoseconds. created_at is in milliseconds: unit='ms'."
            ),
            zh=(
                "所有订单都在 1970 年 1 月 1 日：不指定单位时，pandas 把数字当作纳秒。"
                "created_at 是毫秒：unit='ms'。"
            ),
            produce=lambda expected: _online_with(pd.to_datetime(_online()["created_at"])),
            matches=lambda answer, expected: (
                (y := _years(answer)) is not None and bool(y.dropna().eq(1970).all())
            ),
        ),
        Mistake(
            "timezone_left_attached",
            en=(
                "order_ts still carries a timezone. The clean tables hold local wall-clock "
                "times without one (tz-aware and naive times cannot be compared or "
                "concatenated): after tz_convert(TZ), drop it with `.dt.tz_localize(None)`."
            ),
            zh=(
                "order_ts 仍带着时区信息。清洗后的表存放的是不带时区的本地时间（带时区与不带时区的"
                "时间无法比较或合并）：tz_convert(TZ) 之后，用 `.dt.tz_localize(None)` 去掉时区。"
            ),
            produce=lambda expected: _online_with(
                pd.to_datetime(_online()["created_at"], unit="ms", utc=True).dt.tz_convert(
                    _timezone()
                )
            ),
            matches=lambda answer, expected: (
                (values := _order_ts(answer)) is not None
                and isinstance(values.dtype, pd.DatetimeTZDtype)
            ),
        ),
        Mistake(
            "utc_not_converted",
            en=(
                "These are UTC times, not the chain's local time: orders placed in the "
                "morning show up in the night before. Convert with "
                "`pd.to_datetime(..., unit='ms', utc=True).dt.tz_convert(TZ)`."
            ),
            zh=(
                "这是 UTC 时间，不是门店所在地的本地时间：早上下的单显示成了前一天夜里。请用 "
                "`pd.to_datetime(..., unit='ms', utc=True).dt.tz_convert(TZ)` 换算。"
            ),
            produce=lambda expected: _online_with(
                pd.to_datetime(_online()["created_at"], unit="ms")
            ),
        ),
    ],
    hints=[
        {
            "en": (
                "`pd.read_json(path, lines=True)` reads one JSON object per line. What does "
                "`created_at` look like? How many digits does it have?"
            ),
            "zh": (
                "`pd.read_json(path, lines=True)` 每行读一个 JSON 对象。"
                "`created_at` 长什么样？有几位数字？"
            ),
        },
        {
            "en": (
                "13 digits are milliseconds. The timestamps are UTC; the chain's local "
                "timezone is `TZ` (from the MANIFEST). If pandas already turned created_at "
                "into dates, they are UTC dates: read with `dtype=False` and convert yourself."
            ),
            "zh": (
                "13 位数字是毫秒。时间戳是 UTC；门店所在地的时区是 `TZ`（来自 MANIFEST）。"
                "如果 pandas 已自动把 created_at 转成了日期，那是 UTC 时间："
                "用 `dtype=False` 读取，再自己换算。"
            ),
        },
        {
            "en": (
                "`pd.to_datetime(online['created_at'], unit='ms', utc=True)`, then "
                "`.dt.tz_convert(TZ).dt.tz_localize(None)`."
            ),
            "zh": (
                "`pd.to_datetime(online['created_at'], unit='ms', utc=True)`，"
                "再 `.dt.tz_convert(TZ).dt.tz_localize(None)`。"
            ),
        },
    ],
    solution=(
        "# dtype=False: read the values as they are (no guessing of dates or numbers)\n"
        'online = pd.read_json(raw / "online_orders.jsonl", lines=True, dtype=False)\n'
        'utc = pd.to_datetime(online["created_at"], unit="ms", utc=True)\n'
        "online = online.assign(order_ts=utc.dt.tz_convert(TZ).dt.tz_localize(None))"
    ),
)


# ---------------------------------------------------------------------------- q5 online clean


@per_world
def _test_order_numbers() -> set[str]:
    online = _online()
    return set(online.loc[dc.is_test_order(online), "order_no"])


def _order_numbers(answer: Any) -> pd.Series | None:
    return frame_column(answer, "order_no")


def _online_kept(*, repeats: bool, tests: bool) -> pd.DataFrame:
    online = _online()
    keep = pd.Series(True, index=online.index)
    if not repeats:
        keep &= ~online.duplicated("order_no")
    if not tests:
        keep &= ~dc.is_test_order(online)
    return online.loc[keep, ["order_no", "order_ts"]]


q5 = ValueProblem(
    id="data_collection.q5",
    var="online_clean",
    title={"en": "Drop repeated exports and test orders", "zh": "去除重复导出与测试订单"},
    # order_no as object: keyed comparison of Arrow strings is slow in pandas 3 (isin).
    reference=lambda: dc.clean_online_orders(_online())[["order_no", "order_ts"]].astype(
        {"order_no": object}
    ),
    compare=FrameSpec(key="order_no", ignore_row_order=True, allow_extra_columns=True),
    mistakes=[
        Mistake(
            "duplicates_kept",
            en=(
                "Some order numbers appear twice: a sync retry exported those orders again. "
                "One order is one row: `drop_duplicates('order_no')`."
            ),
            zh=(
                "有些订单号出现了两次：同步重试把这些订单又导出了一遍。一个订单只能算一行："
                "`drop_duplicates('order_no')`。"
            ),
            produce=lambda expected: _online_kept(repeats=True, tests=False),
            matches=lambda answer, expected: (
                (numbers := _order_numbers(answer)) is not None
                and bool(numbers.dropna().duplicated().any())
            ),
        ),
        Mistake(
            "test_orders_kept",
            en=(
                "Test orders are still in: QA placed them with real accounts, and only the "
                "remark says so (测试订单). Drop the rows whose remark contains 测试."
            ),
            zh=(
                "测试订单还在：测试人员用真实账号下单，只有备注写着“测试订单”。"
                "请去掉备注中含“测试”的行。"
            ),
            produce=lambda expected: _online_kept(repeats=False, tests=True),
            matches=lambda answer, expected: (
                (numbers := _order_numbers(answer)) is not None
                and bool(numbers.isin(_test_order_numbers()).any())
            ),
        ),
    ],
    hints=[
        {
            "en": (
                "Compare `len(online)` with `online['order_no'].nunique()`, and look at "
                "`online['remark'].value_counts()`."
            ),
            "zh": (
                "比较 `len(online)` 和 `online['order_no'].nunique()`，"
                "再看看 `online['remark'].value_counts()`。"
            ),
        },
        {
            "en": (
                "Two masks: `online.duplicated('order_no')` and "
                "`online['remark'].str.contains('测试')`; keep the rows where both are False."
            ),
            "zh": (
                "两个条件："
                "`online.duplicated('order_no')` 与 `online['remark'].str.contains('测试')`；"
                "保留两者都为 False 的行。"
            ),
        },
    ],
    solution=(
        'repeated = online.duplicated("order_no")\n'
        'test = online["remark"].str.contains("测试", na=False)\n'
        "online_clean = online[~repeated & ~test]"
    ),
)


# ---------------------------------------------------------------------------- q6 receipts


def _count_receipts(
    *,
    parse: Callable[[pd.Series], pd.Series] = lambda text: pd.to_datetime(text, format="mixed"),
    test_store: bool = False,
    walk_ins: bool = False,
    returns: bool = False,
    distinct: bool = True,
    every_year: bool = False,
    returned_sales: bool = True,
) -> int:
    """Receipts of the last year counted from the POS export, one cleaning step at a time."""
    pos = _pos_export()
    keep = pd.Series(True, index=pos.index)
    if not test_store:
        keep &= pos["门店代码"] != dc.TEST_STORE_CODE
    if not walk_ins:
        keep &= pos["会员卡号"].notna()
    if not returns:
        keep &= pos["交易类型"] == dc.POS_SALE
    if not returned_sales:
        keep &= ~pos["小票号"].isin(set(pos["原小票号"].dropna()))
    if not every_year:
        keep &= parse(pos["交易时间"]).dt.year == _last_year()
    chosen = pos.loc[keep, "小票号"]
    return int(chosen.nunique() if distinct else len(chosen))


def _year_of_store_orders() -> int:
    """Store orders of the last year in the clean table: one per member sale receipt."""
    orders = _orders()
    store = orders[orders["channel"] == "store"]
    return int((store["order_ts"].dt.year == _last_year()).sum())


q6 = ValueProblem(
    id="data_collection.q6",
    var="n_receipts",
    title={"en": "Receipts of real members in the last year", "zh": "最近一年真实会员的小票数"},
    # Every store order of the clean table is one member sale receipt (returned or not).
    reference=_year_of_store_orders,
    compare=ScalarSpec(rtol=0, atol=0),
    mistakes=[
        Mistake(
            "dates_coerced",
            en=(
                "Part of the year is missing: the till software changed its date format "
                "('2024/3/5 09:15:00', later '2025-07-01 09:15:00'), and "
                "`errors='coerce'` silently turned the other format into NaT. Parse with "
                "`format='mixed'`."
            ),
            zh=(
                "少了一部分时间：收银软件中途更换了日期格式（'2024/3/5 09:15:00'，后来是 "
                "'2025-07-01 09:15:00'），`errors='coerce'` 把另一种格式悄悄变成了 NaT。请用 "
                "`format='mixed'` 解析。"
            ),
            produce=lambda expected: _count_receipts(
                parse=lambda text: pd.to_datetime(text, errors="coerce")
            ),
        ),
        Mistake(
            "test_receipts_kept",
            en=(
                "Receipts of the training till (store S0000) are counted: cashiers practise "
                "there with real members' cards. Leave store S0000 out."
            ),
            zh=(
                "把收银培训机（门店 S0000）的小票也算上了：收银员会用真实会员卡在那里练习。"
                "请排除 S0000 门店。"
            ),
            produce=lambda expected: _count_receipts(test_store=True),
        ),
        Mistake(
            "walk_ins_counted",
            en=(
                "Receipts without a member card (walk-in shoppers) are counted: they belong to "
                "no member. Keep rows where 会员卡号 is present."
            ),
            zh="把没有会员卡的小票（散客）也算上了：它们不属于任何会员。只保留会员卡号不为空的行。",
            produce=lambda expected: _count_receipts(walk_ins=True),
        ),
        Mistake(
            "returns_counted_as_sales",
            en=(
                "Return receipts (交易类型 退货, negative amounts) are counted as purchases. A "
                "return is not a visit to buy: count sale receipts (销售) only."
            ),
            zh=(
                "把退货小票（交易类型为“退货”，金额为负）当成了购买。退货不是一次购买："
                "只统计“销售”小票。"
            ),
            produce=lambda expected: _count_receipts(returns=True),
        ),
        Mistake(
            "lines_counted",
            en=(
                "You counted rows, but the export has one row per product line: count "
                "distinct receipt numbers (`nunique()` of 小票号)."
            ),
            zh=(
                "你统计的是行数，但导出文件每个商品一行：请统计不同的小票号（小票号的 `nunique()`）"
                "。"
            ),
            produce=lambda expected: _count_receipts(distinct=False),
        ),
        Mistake(
            "every_year_counted",
            en=(
                "You counted the receipts of every year in the data. The question is about "
                "LAST_YEAR only: keep the rows whose 交易时间 falls in that year."
            ),
            zh="你统计了数据中所有年份的小票。题目只问 LAST_YEAR：请只保留交易时间在该年的行。",
            produce=lambda expected: _count_receipts(every_year=True),
        ),
        Mistake(
            "returned_sales_dropped",
            en=(
                "Sale receipts that were returned later are missing. The member still came to "
                "buy: a returned sale counts as a receipt; only the return receipt itself "
                "does not."
            ),
            zh=(
                "后来被退货的销售小票被去掉了。会员当时确实来购物了：被退货的销售小票照样计数；"
                "只有退货小票本身不算。"
            ),
            produce=lambda expected: _count_receipts(returned_sales=False),
        ),
    ],
    hints=[
        {
            "en": (
                "Four filters: not store S0000, a member card present, 交易类型 == '销售', and "
                "the year of 交易时间. Then count distinct 小票号."
            ),
            "zh": (
                "四个条件：不是 S0000 门店、有会员卡号、交易类型为“销售”、交易时间的年份。"
                "然后统计不同的小票号。"
            ),
        },
        {
            "en": (
                "`pd.to_datetime(pos['交易时间'])` raises on the second date format. Look at "
                "the first and the last rows, then try `format='mixed'`."
            ),
            "zh": (
                "`pd.to_datetime(pos['交易时间'])` 遇到第二种日期格式会报错。看看开头和结尾几行，"
                "再试试 `format='mixed'`。"
            ),
        },
    ],
    solution=(
        'ts = pd.to_datetime(pos["交易时间"], format="mixed")\n'
        'real = (pos["门店代码"] != "S0000") & pos["会员卡号"].notna()\n'
        'real &= pos["交易类型"] == "销售"\n'
        'n_receipts = pos.loc[real & (ts.dt.year == LAST_YEAR), "小票号"].nunique()'
    ),
)


# ---------------------------------------------------------------------------- q7 quantities


def _quantity_cases() -> list[Case]:
    texts = sorted(set(_group_buy()["quantity_text"].dropna()))
    return [Case((text,)) for text in texts]


def _digits_only(reference):
    def parse_qty(text):
        found = re.search(r"\d+", str(text))
        return int(found.group()) if found else None

    return parse_qty


def _numerals_without_liang(reference):
    numerals = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}

    def parse_qty(text):
        found = re.search(r"\d+", str(text))
        if found:
            return int(found.group())
        for ch in str(text):
            if ch in numerals:
                return numerals[ch]
        return None

    return parse_qty


q7 = FunctionProblem(
    id="data_collection.q7",
    var="parse_qty",
    title={"en": "Parse the 接龙 quantities", "zh": "解析接龙中的数量"},
    reference=dc.parse_quantity,
    cases=_quantity_cases,  # every way this world's chats write a quantity
    time_limit=1.0,
    mistakes=[
        Mistake(
            "chinese_numerals_missed",
            en=(
                "Quantities written in Chinese numerals ('一份', '两份', '三份') give None: "
                "people type them as often as digits. Map 一 二 两 三 ... to numbers too."
            ),
            zh=(
                "用中文数字写的数量（'一份'、'两份'、'三份'）返回了 None："
                "大家写中文数字和写阿拉伯数字一样常见。请把一、二、两、三……也换成数字。"
            ),
            produce=_digits_only,
        ),
        Mistake(
            "liang_missed",
            en=(
                "'两份' gives None: in Chinese, two of something is 两, not 二. Add 两 = 2 to "
                "your numerals."
            ),
            zh="'两份' 返回了 None：中文说数量时“二”常写作“两”。请在数字表里加上 两 = 2。",
            produce=_numerals_without_liang,
        ),
    ],
    hints=[
        {
            "en": (
                "See every form first: `sorted(set(gb['quantity_text']))`. Digits are easy "
                "(`re.search(r'\\d+', text)`); what about the rest?"
            ),
            "zh": (
                "先看所有写法：`sorted(set(gb['quantity_text']))`。"
                "数字好办（`re.search(r'\\d+', text)`）；其余的呢？"
            ),
        },
        {
            "en": (
                "When there is no digit, look each character up in a dict such as "
                "{'一': 1, '二': 2, '两': 2, '三': 3, ...}."
            ),
            "zh": (
                "没有数字时，逐个字符在字典里查找，例如 {'一': 1, '二': 2, '两': 2, '三': 3, ...}。"
            ),
        },
    ],
    solution=(
        'NUMERALS = {"一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5,\n'
        '            "六": 6, "七": 7, "八": 8, "九": 9, "十": 10}\n'
        "\n"
        "def parse_qty(text):\n"
        '    found = re.search(r"\\d+", text)\n'
        "    if found:\n"
        "        return int(found.group())\n"
        "    for ch in text:\n"
        "        if ch in NUMERALS:\n"
        "            return NUMERALS[ch]\n"
        "    return None"
    ),
)


# ---------------------------------------------------------------------------- q8 identities


def _member_map_reference() -> pd.Series:
    key = _identity_key()
    member = key[key["source"] == "member_id"]
    mapping = pd.Series(
        member["customer_id"].to_numpy(),
        index=pd.Index(member["source_key"].astype("int64").to_numpy(), name="member_id"),
        name="customer_id",
    )
    return mapping.sort_index()


def _member_map_by_hand(*, key: str = "phone", dedupe: bool = True, keep: str = "first"):
    """The trainee's route: normalized phones, sorted by registration date, first per person."""
    crm = _crm_export()
    if dedupe:
        crm = crm.drop_duplicates()
    people = crm.assign(
        phone=dc.normalize_phone(crm["手机号"], _country()).to_numpy(),
        signup=pd.to_datetime(crm["注册日期"]).to_numpy(),
    ).sort_values(["signup", "会员编号"], kind="stable")
    by = {"phone": "phone", "raw_phone": "手机号", "name": "姓名"}[key]
    first = people.groupby(by)["会员编号"].transform(keep)
    return pd.Series(first.to_numpy(), index=people["会员编号"].to_numpy()).sort_index()


def _duplicated_members(answer: Any, expected: Any) -> bool:
    if isinstance(answer, pd.DataFrame) and answer.shape[1] == 1:
        answer = answer.iloc[:, 0]
    return isinstance(answer, pd.Series) and bool(answer.index.duplicated().any())


q8 = ValueProblem(
    id="data_collection.q8",
    var="member_map",
    title={"en": "One customer per person", "zh": "一人一个客户编号"},
    # Checked against the answer key raw/identity_key.csv.
    reference=_member_map_reference,
    compare=SeriesSpec(ignore_order=True),
    mistakes=[
        Mistake(
            "duplicate_rows_kept",
            en=(
                "Some member ids appear twice in your Series: the CRM exported a few records "
                "twice. Drop exact duplicate rows first (`crm.drop_duplicates()`)."
            ),
            zh=(
                "你的 Series 中有些会员编号出现了两次：CRM 把一些记录导出了两遍。"
                "请先去掉完全重复的行（`crm.drop_duplicates()`）。"
            ),
            produce=lambda expected: _member_map_by_hand(dedupe=False),
            matches=_duplicated_members,
        ),
        Mistake(
            "latest_registration_wins",
            en=(
                "People who registered twice are mapped to their *later* registration. The "
                "customer is the earliest one (the later registration is a new card "
                "someone was given by mistake): sort by 注册日期 and keep the first."
            ),
            zh=(
                "注册过两次的人被映射到了*较晚*的注册记录。"
                "客户编号应取最早的那次注册（较晚的注册是误发的新卡）：按注册日期排序后取第一个。"
            ),
            produce=lambda expected: _member_map_by_hand(keep="last"),
        ),
        Mistake(
            "raw_phone_matched",
            en=(
                "Nobody was merged: the second registration has the phone typed differently "
                "('+86 138 0013 8000' vs '13800138000'). Group by the normalized phone."
            ),
            zh=(
                "没有任何人被合并："
                "第二次注册时手机号的写法不同（'+86 138 0013 8000' 与 '13800138000'）。"
                "请按统一格式后的手机号分组。"
            ),
            produce=lambda expected: _member_map_by_hand(key="raw_phone"),
        ),
        Mistake(
            "names_matched",
            en=(
                "Different people with the same name were merged into one customer. A name "
                "is not an identifier: group by the normalized phone."
            ),
            zh="同名的不同的人被合并成了一个客户。姓名不是身份标识：请按统一格式后的手机号分组。",
            produce=lambda expected: _member_map_by_hand(key="name"),
        ),
    ],
    hints=[
        {
            "en": (
                "A person registered twice has two member ids and two cards, but one phone "
                "number, typed differently. Which column tells who came first?"
            ),
            "zh": (
                "注册过两次的人有两个会员编号、两张卡，但手机号只有一个（写法不同）。"
                "哪一列能说明谁先注册？"
            ),
        },
        {
            "en": (
                "Drop duplicate rows, add the normalized phone (your q3), sort by 注册日期, "
                "then `groupby(phone)['会员编号'].transform('first')`."
            ),
            "zh": (
                "去掉重复行，加上统一格式的手机号（第 3 题），按注册日期排序，"
                "再 `groupby(phone)['会员编号'].transform('first')`。"
            ),
        },
        {
            "en": "The answer is a Series: index 会员编号 (member id), values customer_id.",
            "zh": "答案是一个 Series：索引为会员编号，值为 customer_id。",
        },
    ],
    solution=(
        "members = crm.assign(phone=crm_phone).drop_duplicates()\n"
        'members = members.sort_values(["注册日期", "会员编号"])\n'
        'first = members.groupby("phone")["会员编号"].transform("first")\n'
        'member_map = pd.Series(first.to_numpy(), index=members["会员编号"]).sort_index()'
    ),
)


# ---------------------------------------------------------------------------- q9 per channel


def _completed_by_hand(
    *,
    returns: bool = False,
    cancellations: bool = False,
    tests: bool = False,
    repeats: bool = False,
) -> pd.Series:
    """Orders per channel counted from the raw exports, with chosen cleaning steps skipped."""
    pos = _pos()
    real = pos if tests else pos[pos["store_code"] != dc.TEST_STORE_CODE]
    real = real[real["card"].notna()]
    sales = real.loc[real["kind"] == dc.POS_SALE, "receipt_no"].drop_duplicates()
    if not returns:
        returned = set(real.loc[real["kind"] == dc.POS_RETURN, "original_receipt"])
        sales = sales[~sales.isin(returned)]
    counts = {"store": len(sales)}

    online = _online()
    if not repeats:
        online = online[~online.duplicated("order_no")]
    if not tests:
        online = online[~dc.is_test_order(online)]
    statuses = {"FINISHED"} | ({"REFUNDED"} if returns else set())
    statuses |= {"CANCELLED"} if cancellations else set()
    done = online[online["status"].isin(statuses)]
    for raw_channel, channel in ONLINE_CHANNEL.items():
        counts[channel] = int((done["channel"] == raw_channel).sum())

    lines = _group_buy()
    if not tests:
        lines = lines[~dc.is_test_group(lines)]
    kept = {COMPLETED} | ({"returned"} if returns else set())
    kept |= {"cancelled"} if cancellations else set()
    counts["group_buy"] = int(lines["status"].isin(kept).sum())
    return _per_channel(counts)


def _per_channel(counts: dict[str, int]) -> pd.Series:
    series = pd.Series(counts, name="orders", dtype="int64").reindex(list(dc.CHANNELS))
    series.index.name = "channel"
    return series


def _completed_per_channel_reference() -> pd.Series:
    counts = completed_orders(_orders())["channel"].astype("str").value_counts()
    return _per_channel({c: int(counts.get(c, 0)) for c in dc.CHANNELS})


q9 = ValueProblem(
    id="data_collection.q9",
    var="completed_per_channel",
    title={"en": "Completed orders per channel", "zh": "各渠道已完成订单数"},
    # From the clean orders table: the raw counts must reproduce it.
    reference=_completed_per_channel_reference,
    compare=SeriesSpec(ignore_order=True),
    mistakes=[
        Mistake(
            "returns_counted_as_sales",
            en=(
                "Returned orders are counted as completed: POS receipts named in a later "
                "return (原小票号), online status REFUNDED, 接龙 lines marked （已退款）. A "
                "returned order is not a sale."
            ),
            zh=(
                "把退货订单算成了已完成：后来被退货单引用的 POS 小票（原小票号）、"
                "线上状态 REFUNDED、标注（已退款）的接龙记录。退货不算销售。"
            ),
            produce=lambda expected: _completed_by_hand(returns=True),
        ),
        Mistake(
            "cancellations_counted",
            en=(
                "Cancelled orders are counted: online status CANCELLED and 接龙 lines marked "
                "（已取消） never turned into a sale."
            ),
            zh="把取消的订单也算上了：线上状态 CANCELLED 和标注（已取消）的接龙记录从未成交。",
            produce=lambda expected: _completed_by_hand(cancellations=True),
        ),
        Mistake(
            "test_orders_kept",
            en=(
                "Test data is counted: the training till S0000, online orders whose remark "
                "says 测试, and the 【测试群】 group-buy chat."
            ),
            zh="把测试数据也算上了：收银培训机 S0000、备注含“测试”的线上订单，以及【测试群】接龙。",
            produce=lambda expected: _completed_by_hand(tests=True),
        ),
        Mistake(
            "duplicates_kept",
            en=(
                "The app and mini-program counts include orders exported twice: count each "
                "order_no once."
            ),
            zh="APP 和小程序的数量里包含了被导出两次的订单：每个订单号只算一次。",
            produce=lambda expected: _completed_by_hand(repeats=True),
        ),
    ],
    hints=[
        {
            "en": (
                "One source at a time. Store: member sale receipts of real stores, minus "
                "those a return receipt names in 原小票号. Online: `online_clean` with status "
                "FINISHED, split by channel. Group buy: non-test lines with status completed."
            ),
            "zh": (
                "一次处理一个来源。门店：真实门店的会员销售小票，减去被退货单的原小票号引用的小票。"
                "线上：`online_clean` 中状态为 FINISHED 的订单，按渠道拆分。接龙：非测试群、"
                "状态为 completed 的记录。"
            ),
        },
        {
            "en": (
                "Put the four numbers in a Series with the channel codes as index: "
                "`pd.Series({'store': ..., 'app': ..., 'mini_program': ..., 'group_buy': ...})`."
            ),
            "zh": (
                "把四个数放进以渠道代码为索引的 Series："
                "`pd.Series({'store': ..., 'app': ..., 'mini_program': ..., 'group_buy': ...})`。"
            ),
        },
    ],
    solution=(
        'member = (pos["门店代码"] != "S0000") & pos["会员卡号"].notna()\n'
        'returned = set(pos.loc[member & (pos["交易类型"] == "退货"), "原小票号"])\n'
        'sold = pos.loc[member & (pos["交易类型"] == "销售"), "小票号"].drop_duplicates()\n'
        'finished = online_clean[online_clean["status"] == "FINISHED"]\n'
        'real_gb = gb[~gb["group"].str.contains("测试")]\n'
        "counts = {\n"
        '    "store": (~sold.isin(returned)).sum(),\n'
        '    "app": (finished["channel"] == "APP").sum(),\n'
        '    "mini_program": (finished["channel"] == "MINI_PROGRAM").sum(),\n'
        '    "group_buy": (real_gb["status"] == "completed").sum(),\n'
        "}\n"
        "completed_per_channel = pd.Series(counts)"
    ),
)


# ---------------------------------------------------------------------------- q10 tags


def _tags_by_hand(
    *,
    statuses: tuple[str, ...] | None = (COMPLETED,),
    online: tuple[str, ...] = dc.ONLINE_CHANNELS,
    every_customer: bool = True,
) -> pd.DataFrame:
    """The tag table written out with groupby, as a trainee would."""
    customers, orders = _customers(), _orders()
    snapshot = snapshot_date(orders)
    counted = orders if statuses is None else orders[orders["status"].isin(statuses)]
    ids = customers["customer_id"] if every_customer else orders["customer_id"].drop_duplicates()
    tags = pd.DataFrame({"customer_id": np.sort(ids.to_numpy())}).set_index("customer_id")
    children = customers.set_index("customer_id")["has_children"]
    tags["has_children"] = children.reindex(tags.index).fillna(False).astype(bool)
    share = counted["channel"].isin(online).groupby(counted["customer_id"]).mean()
    tags["prefers_online"] = (share > 0.5).reindex(tags.index, fill_value=False)
    group_buyers = orders.loc[orders["channel"] == "group_buy", "customer_id"]
    tags["group_buy_member"] = tags.index.isin(group_buyers)
    tags["coupon_user"] = tags.index.isin(counted.loc[counted["coupon_id"].notna(), "customer_id"])
    last = counted.groupby("customer_id")["order_ts"].max().dt.normalize()
    recency = (snapshot - last).dt.days
    tags["lapsed"] = (recency > dc.LAPSED_DAYS).reindex(tags.index, fill_value=True)
    return tags.reset_index()


q10 = ValueProblem(
    id="data_collection.q10",
    var="tags",
    title={"en": "A first tag table", "zh": "第一张标签表"},
    reference=lambda: dc.customer_tags(_customers(), _orders()),
    compare=FrameSpec(key="customer_id", ignore_row_order=True),
    mistakes=[
        Mistake(
            "all_statuses_counted",
            en=(
                "Returned and cancelled orders shaped your tags: a customer whose last "
                "order was cancelled is not active, and a coupon on a returned order was "
                "never really used. Only `prefers_online`, `coupon_user` and `lapsed` use "
                "completed orders; `group_buy_member` takes any status."
            ),
            zh=(
                "退货和取消的订单影响了你的标签：最近一单被取消的客户并不活跃，"
                "退货订单上的优惠券也不算真正使用。"
                "`prefers_online`、`coupon_user` 和 `lapsed` 只看已完成订单；"
                "`group_buy_member` 不限状态。"
            ),
            produce=lambda expected: _tags_by_hand(statuses=None),
        ),
        Mistake(
            "online_includes_group_buy",
            en=(
                "Group-buy orders were counted as online. 接龙 orders are picked up in the "
                "store and have their own tag: `prefers_online` counts app and mini-program "
                "only."
            ),
            zh=(
                "把接龙团购订单算成了线上订单。接龙订单到店自提，有自己的标签："
                "`prefers_online` 只统计 APP 和小程序。"
            ),
            produce=lambda expected: _tags_by_hand(online=(*dc.ONLINE_CHANNELS, "group_buy")),
        ),
        Mistake(
            "customers_without_orders_dropped",
            en=(
                "Members who never ordered are missing: a tag table has one row per "
                "customer. Start from the customers table; customers without orders are "
                "lapsed and carry no order tags."
            ),
            zh=(
                "从未下单的会员不见了：标签表每位客户一行。请从客户表出发；"
                "没有订单的客户标记为沉睡，且没有订单类标签。"
            ),
            produce=lambda expected: _tags_by_hand(every_customer=False),
        ),
    ],
    hints=[
        {
            "en": (
                "Start from `customers[['customer_id', 'has_children']]` and add one column "
                "per tag; each order tag is a groupby on `customer_id` of the orders it "
                "counts."
            ),
            "zh": (
                "从 `customers[['customer_id', 'has_children']]` 出发，每个标签加一列；"
                "每个订单类标签都是对相应订单按 `customer_id` 分组。"
            ),
        },
        {
            "en": (
                "`prefers_online`: the mean of `channel.isin(['app', 'mini_program'])` over a "
                "customer's completed orders is above 0.5. `lapsed`: (SNAPSHOT - last "
                "completed order date).days > 90, or no completed order."
            ),
            "zh": (
                "`prefers_online`："
                "客户已完成订单中 `channel.isin(['app', 'mini_program'])` 的均值大于 0.5。"
                "`lapsed`：(SNAPSHOT - 最近一次已完成订单日期).days > 90，或没有已完成订单。"
            ),
        },
        {
            "en": "Customers missing from a groupby result get False (True for `lapsed`).",
            "zh": "groupby 结果里没有的客户取 False（`lapsed` 取 True）。",
        },
    ],
    solution=(
        'completed = orders[orders["status"] == "completed"]\n'
        'tags = customers[["customer_id", "has_children"]].set_index("customer_id")\n'
        'online_share = completed["channel"].isin(["app", "mini_program"]).groupby(\n'
        '    completed["customer_id"]).mean()\n'
        'tags["prefers_online"] = (online_share > 0.5).reindex(tags.index, fill_value=False)\n'
        'tags["group_buy_member"] = tags.index.isin(\n'
        '    orders.loc[orders["channel"] == "group_buy", "customer_id"])\n'
        'tags["coupon_user"] = tags.index.isin(\n'
        '    completed.loc[completed["coupon_id"].notna(), "customer_id"])\n'
        'last = completed.groupby("customer_id")["order_ts"].max().dt.normalize()\n'
        'tags["lapsed"] = ((SNAPSHOT - last).dt.days > 90).reindex(tags.index, fill_value=True)\n'
        "tags = tags.reset_index()"
    ),
)


PROBLEMS = [q1, q2, q3, q4, q5, q6, q7, q8, q9, q10]
