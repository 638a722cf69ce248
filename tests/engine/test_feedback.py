"""Feedback and Note: statuses, plain text, HTML boxes and escaping."""

from __future__ import annotations

import pytest

from coursekit import course
from coursekit.engine import Feedback, Note

EVIL = '<script>alert("x")</script> & <b>'


def make(status="incorrect", message="Not yet: `rfm` differs.", **extra):
    return Feedback(status, message, problem_id="rfm.q1", title="Build the RFM table", **extra)


@pytest.mark.parametrize(
    ("status", "passed"),
    [("correct", True), ("incorrect", False), ("not_attempted", False), ("error", False)],
)
def test_passed_and_truth_follow_the_status(status, passed):
    feedback = make(status)
    assert feedback.passed is passed
    assert bool(feedback) is passed


def test_unknown_status_is_refused():
    with pytest.raises(ValueError, match="status"):
        Feedback("almost", "close")


def test_plain_text_has_status_id_title_and_message():
    text = str(make("correct", "Correct! `rfm` matches."))
    assert text == "✔ Correct · rfm.q1 · Build the RFM table\nCorrect! `rfm` matches."
    assert repr(make()) == str(make())


def test_plain_text_heading_follows_the_language():
    course.set_lang("zh")
    assert str(make("not_attempted")).startswith("○ 尚未作答 · rfm.q1")


@pytest.mark.parametrize(
    ("status", "colour"),
    [
        ("correct", "#1a7f37"),
        ("incorrect", "#cf222e"),
        ("not_attempted", "#6e7781"),
        ("error", "#9a6700"),
    ],
)
def test_html_box_is_coloured_by_status(status, colour):
    assert f"border-left:4px solid {colour}" in make(status)._repr_html_()


def test_html_escapes_message_and_title():
    feedback = Feedback("incorrect", EVIL, problem_id="x.q1", title=EVIL)
    rendered = feedback._repr_html_()
    assert "<script>" not in rendered and "<b>" not in rendered
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &lt;b&gt;" in rendered


def test_html_shows_backticks_as_code_after_escaping():
    rendered = make(message="Use `a<b` here")._repr_html_()
    assert "<code>a&lt;b</code>" in rendered


def test_rendering_is_deterministic():
    assert make()._repr_html_() == make()._repr_html_()
    assert "0x" not in make()._repr_html_()


def test_note_renders_in_text_markdown_and_html():
    note = Note("Hint 1 of 2", "Group by `customer_id`.", code="rfm = ...", subheading="rfm.q1")
    assert str(note) == "Hint 1 of 2 · rfm.q1\nGroup by `customer_id`.\nrfm = ..."
    assert "```python\nrfm = ...\n```" in note._repr_markdown_()
    assert "<code>customer_id</code>" in note._repr_html_()


def test_note_html_escapes_body_and_code():
    rendered = Note(EVIL, EVIL, code=EVIL, kind="solution")._repr_html_()
    assert "<script>" not in rendered and "<b>" not in rendered
