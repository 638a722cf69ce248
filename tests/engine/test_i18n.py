"""The message catalog and the validation of authors' bilingual texts."""

from __future__ import annotations

import pytest

from coursekit import course
from coursekit.engine import i18n
from coursekit.engine.i18n import CATALOG, LANGS, AuthoringError, bilingual, placeholders, t, text


@pytest.mark.parametrize("key", sorted(CATALOG))
def test_every_catalog_message_exists_in_both_languages(key):
    entry = CATALOG[key]
    assert set(entry) == set(LANGS)
    assert all(isinstance(entry[lang], str) and entry[lang].strip() for lang in LANGS)


@pytest.mark.parametrize("key", sorted(CATALOG))
def test_placeholders_are_the_same_in_both_languages(key):
    assert placeholders(CATALOG[key]["en"]) == placeholders(CATALOG[key]["zh"])


def test_placeholders_reads_format_fields():
    assert placeholders("{a} and {b}, again {a}") == {"a", "b"}
    assert placeholders("none here") == set()


def test_t_follows_the_course_language():
    assert t("status.correct") == "Correct"
    course.set_lang("zh")
    assert t("status.correct") == "正确"
    assert t("status.correct", lang="en") == "Correct"


def test_t_reads_coursekit_lang(monkeypatch):
    monkeypatch.setenv("COURSEKIT_LANG", "zh")
    assert t("check.undefined", var="rfm").startswith("还没有变量 `rfm`")


def test_an_unreadable_coursekit_lang_falls_back_to_english(monkeypatch):
    monkeypatch.setenv("COURSEKIT_LANG", "klingon")
    with pytest.warns(UserWarning, match="COURSEKIT_LANG"):
        assert i18n.current_lang() == "en"
    with pytest.warns(UserWarning, match="COURSEKIT_LANG"):
        assert t("status.error") == "Check could not run"


def test_text_picks_the_language_and_keeps_plain_strings():
    texts = {"en": "Recency", "zh": "最近一次消费"}
    assert text(texts) == "Recency"
    assert text(texts, lang="zh") == "最近一次消费"
    assert text("rfm = rfm_table(orders)", lang="zh") == "rfm = rfm_table(orders)"


def test_bilingual_accepts_both_languages_and_copies():
    original = {"en": "a", "zh": "甲"}
    checked = bilingual(original, "here")
    assert checked == original and checked is not original


@pytest.mark.parametrize(
    "value",
    [
        {"en": "only English"},
        {"zh": "只有中文"},
        {"en": "x", "zh": "  "},
        {"en": "x", "zh": "甲", "cn": "typo"},
        {"en": "x", "zh": 3},
        "plain",
        None,
        ["en", "zh"],
    ],
)
def test_bilingual_rejects_incomplete_texts(value):
    with pytest.raises(AuthoringError):
        bilingual(value, "rfm.q1: hint 1")


def test_bilingual_names_where_the_text_is():
    with pytest.raises(AuthoringError, match=r"rfm\.q1: hint 2.*'zh'"):
        bilingual({"en": "x"}, "rfm.q1: hint 2")


def test_plain_strings_are_allowed_where_language_neutral():
    assert bilingual("days=0", "case label", plain_ok=True) == "days=0"
    with pytest.raises(AuthoringError):
        bilingual("   ", "case label", plain_ok=True)
