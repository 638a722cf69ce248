"""What is specific to the problems of module 01 (the generic checks are in test_all_problems).

- the trainee's route with no step skipped gives the reference, so every mistake differs
  from the reference by exactly the step it skips;
- wrong answers written in other ways than ``produce`` are still recognised (other
  codecs, other wrong units, a Series of ints), and get a specific message;
- what the exercise text says is what the check compares;
- the shared raw data is read once per world, and read fast.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd
import pytest

from coursekit import course
from coursekit.exercises import data_collection as ex
from coursekit.methods import data_collection as dc


def raw(name: str):
    return course.data_dir() / "raw" / name


def country() -> str:
    return dc.country_of(dc.world_parameters(course.data_dir())["timezone"])


def test_the_reference_methods_reproduce_what_the_checks_expect(course_world):
    """The course's own methods (what hints point to) agree with the answer key."""
    crm = dc.read_crm_export(raw("crm_members.xlsx"))
    normalized = dc.normalize_phone(crm["手机号"], country())
    pd.testing.assert_series_equal(normalized, ex.q3.expected(), check_names=False)
    tz = dc.world_parameters(course.data_dir())["timezone"]
    online = dc.read_online_orders(raw("online_orders.jsonl"), tz)[0]
    clean = dc.clean_online_orders(online)[["order_no", "order_ts"]]
    assert ex.q5.check(clean).passed and ex.q4.check(online).passed
    assert ex.q10.check(dc.customer_tags(course.load("customers"), course.load("orders"))).passed


@pytest.mark.parametrize(
    "read_args",
    [{"encoding": "latin-1"}, {"encoding": "utf-8", "encoding_errors": "ignore"},
     {"encoding": "cp1252", "encoding_errors": "replace"}],
)  # fmt: skip
def test_pos_read_with_any_wrong_codec_is_mojibake(course_world, read_args):
    wrong = pd.read_csv(course.data_dir() / "raw" / "pos_transactions.csv", **read_args)
    feedback = ex.q2.check(wrong)
    assert feedback.mistake == "gbk_read_as_utf8"
    assert "GBK" in feedback.message


def test_pos_read_all_as_text_or_renamed_is_not_mojibake(course_world):
    path = course.data_dir() / "raw" / "pos_transactions.csv"
    assert ex.q2.check(pd.read_csv(path, encoding="gbk", dtype=str)).passed
    renamed = dc.read_pos_export(path).rename(columns=dc.POS_RENAME)
    feedback = ex.q2.check(renamed)
    assert not feedback.passed and feedback.mistake is None


def test_online_orders_read_with_pandas_defaults_are_utc(course_world):
    online = pd.read_json(course.data_dir() / "raw" / "online_orders.jsonl", lines=True)
    # read_json turns created_at into datetimes by itself: UTC wall-clock times.
    assert ex.q4.check(online.assign(order_ts=online["created_at"])).mistake == (
        "utc_not_converted"
    )
    raw = pd.read_json(course.data_dir() / "raw" / "online_orders.jsonl", lines=True, dtype=False)
    as_seconds = raw.assign(order_ts=pd.to_datetime(raw["created_at"], unit="s"))
    feedback = ex.q4.check(as_seconds)
    assert feedback.mistake == "ms_read_as_seconds" and "unit='ms'" in feedback.message
    utc = raw.assign(order_ts=pd.to_datetime(raw["created_at"], unit="ms", utc=True))
    assert ex.q4.check(utc).mistake == "timezone_left_attached"


def test_phone_mistakes_are_told_apart(course_world):
    typed = dc.read_crm_export(raw("crm_members.xlsx"))["手机号"]
    assert ex.q3.check(typed).mistake == "country_code_kept"  # nothing done at all
    code = dc.COUNTRY_CODE[country()]
    digits = typed.str.replace(r"\D", "", regex=True)
    no_code = digits.str.slice(len(code)).where(digits.str.len() > 11 - (code == "1"), digits)
    dashes = no_code.str.slice(0, 3) + "-" + no_code.str.slice(3)
    assert ex.q3.check(dashes).mistake == "separators_kept"
    as_numbers = ex.q3.expected().astype("int64")
    feedback = ex.q3.check(as_numbers)
    assert feedback.status == "incorrect" and feedback.mistake is None


def test_member_map_with_text_ids_or_as_a_frame(course_world):
    expected = ex.q8.expected()
    frame = expected.rename_axis("会员编号").reset_index()
    assert ex.q8.check(frame.set_index("会员编号")).passed
    shuffled = expected.sample(frac=1, random_state=0)
    assert ex.q8.check(shuffled).passed


def test_quantity_parser_that_raises_on_chinese_gets_feedback(course_world):
    feedback = ex.q7.check(lambda text: int(text.strip("份个x×+")))
    assert feedback.status == "incorrect"
    assert "ValueError" in feedback.message


def test_feedback_in_chinese_names_the_mistake(course_world):
    course.set_lang("zh")
    wrong = ex.q9.mistakes[0].produce(ex.q9.expected())
    feedback = ex.q9.check(wrong)
    assert feedback.mistake == "returns_counted_as_sales" and "退货不算销售" in feedback.message


def test_raw_exports_are_read_once_per_world(course_world, monkeypatch):
    ex.q2.expected()
    calls = []

    def read_again(*args):
        calls.append(args)
        raise AssertionError("the POS export was read again")  # never cached: a raise

    monkeypatch.setattr(dc, "read_pos_export", read_again)
    course.setup(data=course.data_dir(), quiet=True)  # the same world again
    assert ex.q6.check(ex.q6.expected()).passed
    assert ex.q2.check(ex.q2.expected()).passed and not calls


ROOT = Path(__file__).resolve().parents[2]


def test_pos_with_the_original_receipt_as_a_number_is_wrong(course_world):
    """原小票号 read as a float loses its leading zeros: not accepted (it used to be)."""
    path = course.data_dir() / "raw" / "pos_transactions.csv"
    three_ids = {"小票号": str, "会员卡号": str, "商品条码": str}
    feedback = ex.q2.check(pd.read_csv(path, encoding="gbk", dtype=three_ids))
    assert feedback.status == "incorrect" and feedback.mistake == "ids_as_numbers"
    assert "原小票号" in feedback.message


def test_q2_compares_exactly_the_identifier_columns_its_text_names():
    cells = json.loads((ROOT / "solutions" / "01_data_collection.ipynb").read_text("utf-8"))
    text = next(
        "".join(c["source"])
        for c in cells["cells"]
        if "**Exercise 2 (q2).**" in "".join(c["source"])
    )
    named = re.search(r"identifier columns (.+?) as text", text).group(1)
    assert re.split(r", | and ", named) == ex.POS_ID_COLUMNS


def test_online_orders_sorted_by_time_are_told_the_row_order(course_world):
    online = ex.q4.expected()
    feedback = ex.q4.check(online.sort_values("order_ts", ascending=False))  # latest first
    assert feedback.status == "incorrect"
    assert "different order" in feedback.message
    assert "values differ" not in feedback.message


def test_the_tag_rules_show_their_whole_text():
    html = dc.tag_rules()._repr_html_()
    for rule in dc.TAG_RULES:
        assert rule.en in html  # not cut at pandas' 50 characters
    assert type(dc.tag_rules().head(2)) is pd.DataFrame  # derived tables are ordinary


@pytest.mark.parametrize("answer", [None, [1, 2], "1234"])
def test_a_count_given_as_none_a_list_or_text_names_the_type(answer, course_world):
    feedback = ex.q6.check(answer)
    assert feedback.status == "incorrect"
    assert "is not the expected one" not in feedback.message
    assert (
        ("None" in feedback.message)
        if answer is None
        else (type(answer).__name__ in feedback.message)
    )


def test_the_fast_order_reader_gives_the_same_orders(course_world):
    path = course.data_dir() / "raw" / "online_orders.jsonl"
    tz = dc.world_parameters(course.data_dir())["timezone"]
    full, items = dc.read_online_orders(path, tz)
    fast, no_items = dc.read_online_orders(path, tz, items=False)
    pd.testing.assert_frame_equal(fast, full)
    assert no_items is None and len(items) > len(full)


@pytest.mark.parametrize(
    ("damage", "problem", "says"),
    [
        ("delete", ex.q2, "raw/pos_transactions.csv is missing"),
        ("truncate", ex.q3, "raw/crm_members.xlsx is cut short"),
    ],
)
def test_a_damaged_raw_export_is_a_data_message(tmp_path, small_world_dir, damage, problem, says):
    """It used to be "Something went wrong inside the checker ... not your fault".

    Damage done before ``course.setup()`` is refused there; damage done after it (the
    kernel already set up) is what the check itself must explain.
    """
    import shutil

    from coursekit.errors import CourseDataError

    world = tmp_path / "world"
    shutil.copytree(small_world_dir, world)
    course.setup(data=world, quiet=True)
    name = says.split()[0]
    if damage == "delete":
        (world / name).unlink()
    else:
        data = (world / name).read_bytes()
        (world / name).write_bytes(data[: len(data) // 2])
    with pytest.raises(CourseDataError, match=name):
        course.setup(data=world, quiet=True)
    feedback = problem.check(0)
    assert feedback.status == "error" and feedback.details["reason"] == "data_error"
    assert says in feedback.message and "coursekit data verify" in feedback.message
    assert "not your fault" not in feedback.message
