"""Solution markers in code cells: each form, and every way to get one wrong."""

from __future__ import annotations

import pytest

from coursekit.build import build_notebook
from coursekit.errors import UsageError

NAME = "solutions/02_rfm.ipynb"


def student_source(make_nb, source: str) -> str:
    """The student version of a one-cell notebook holding ``source``."""
    student = build_notebook(make_nb(("code", source)), NAME)
    return student.cells[0].source


# ---------------------------------------------------------------------------- blocks


def test_block_becomes_one_line_at_the_begin_indentation(make_nb):
    source = (
        "def recency(orders, snapshot_date):\n"
        '    """Days since the last order."""\n'
        "    # BEGIN SOLUTION\n"
        '    last = orders.groupby("customer_id")["order_date"].max()\n'
        "    return (snapshot_date - last).dt.days\n"
        "    # END SOLUTION\n"
        "\n"
        "q1.check()"
    )
    assert student_source(make_nb, source) == (
        "def recency(orders, snapshot_date):\n"
        '    """Days since the last order."""\n'
        "    # YOUR CODE HERE\n"
        "\n"
        "q1.check()"
    )


@pytest.mark.parametrize(
    ("begin", "end"),
    [
        ("#BEGIN SOLUTION", "#END SOLUTION"),
        ("# begin solution", "# end solution"),
        ("#   Begin   Solution  ", "  # END SOLUTION   "),
        ("### BEGIN SOLUTION", "### END SOLUTION"),
    ],
)
def test_block_markers_are_tolerant_in_spacing_and_case(make_nb, begin, end):
    source = f"x = 1\n{begin}\ny = secret_formula(x)\n{end}\nprint(x)"
    assert student_source(make_nb, source) == "x = 1\n# YOUR CODE HERE\nprint(x)"


def test_block_at_the_end_of_a_cell_leaves_no_trailing_newline(make_nb):
    source = "# BEGIN SOLUTION\nrfm = build_rfm(orders)\n# END SOLUTION"
    assert student_source(make_nb, source) == "# YOUR CODE HERE"


def test_several_blocks_in_one_cell(make_nb):
    source = (
        "# BEGIN SOLUTION\na = 1\n# END SOLUTION\n"
        "print('between')\n"
        "for i in range(2):\n    # BEGIN SOLUTION\n    b = i\n    # END SOLUTION\n    print(i)\n"
    )
    assert student_source(make_nb, source) == (
        "# YOUR CODE HERE\nprint('between')\n"
        "for i in range(2):\n    # YOUR CODE HERE\n    print(i)\n"
    )


def test_crlf_line_endings_are_understood(make_nb):
    source = "x = 1\r\n# BEGIN SOLUTION\r\ny = secret_formula(x)\r\n# END SOLUTION\r\nprint(x)"
    assert student_source(make_nb, source) == "x = 1\r\n# YOUR CODE HERE\nprint(x)"


# ---------------------------------------------------------------------------- single lines


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("rfm = build_rfm(orders)  # SOLUTION", "rfm = ____"),
        ("rfm = build_rfm(orders) #solution", "rfm = ____"),
        ("rfm: pd.DataFrame = build_rfm(orders)  # SOLUTION", "rfm: pd.DataFrame = ____"),
        ("r_score, f_score = score(rfm)  # SOLUTION", "r_score, f_score = ____, ____"),
        ("(low, mid, high) = tiers(rfm)  # SOLUTION", "(low, mid, high) = ____, ____, ____"),
        ("first = second = pick(rfm)  # SOLUTION", "first = second = ____"),
        ('rfm["segment"] = name(rfm)  # SOLUTION', 'rfm["segment"] = ____'),
        ("total += rfm.monetary.sum()  # SOLUTION", "# YOUR CODE HERE"),
        ("head, *rest = ranking  # SOLUTION", "# YOUR CODE HERE"),
        ("return recency.clip(lower=0)  # SOLUTION", "return ____"),
        ("plt.plot(x, y)  # SOLUTION", "# YOUR CODE HERE"),
        ("files = !ls datasets  # SOLUTION", "files = ____"),
        ("a = 1; b = 2  # SOLUTION", "# YOUR CODE HERE"),
    ],
)
def test_single_line_forms(make_nb, line, expected):
    assert student_source(make_nb, line) == expected


def test_single_line_keeps_its_indentation(make_nb):
    source = "def score(x):\n    '''Score.'''\n    return x.rank(pct=True)  # SOLUTION"
    assert student_source(make_nb, source) == "def score(x):\n    '''Score.'''\n    return ____"


def test_a_line_merely_mentioning_a_solution_is_kept(make_nb):
    source = "x = 1  # see the solution of module 02\n# the solution uses groupby\n# resolution"
    assert student_source(make_nb, source) == source


# ---------------------------------------------------------------------------- errors


@pytest.mark.parametrize(
    ("source", "line_no", "message"),
    [
        ("x = 1\n# BEGIN SOLUTION\ny = 2", 2, "without a matching '# END SOLUTION'"),
        ("x = 1\n# END SOLUTION", 2, "without a '# BEGIN SOLUTION'"),
        ("# BEGIN SOLUTION\n# BEGIN SOLUTION\nx\n# END SOLUTION", 2, "do not nest"),
        ("# BEGIN SOLUTIONS\nx = 1\n# END SOLUTION", 1, "misspelled"),
        ("# BEGN SOLUTION\nx = 1\n# END SOLUTION", 1, "misspelled"),
        ("# BEGIN SOLUTION\nx = 1\n# END SOLUTON", 3, "misspelled"),
        ("# BEGIN_SOLUTION\nx = 1", 1, "misspelled"),
        ("# START SOLUTION\nx = 1", 1, "misspelled"),
        ("x = 1\n# SOLUTIONS", 2, "misspelled"),
        ("x = compute()  # SOLUTON", 1, "misspelled"),
        ("x = compute()  # BEGIN SOLUTION", 1, "line of its own"),
        ("# SOLUTION", 1, "there is none"),
        ("# hint: use groupby  # SOLUTION", 1, "there is none"),
    ],
)
def test_doubtful_markers_name_notebook_cell_and_line(make_nb, source, line_no, message):
    nb = make_nb(("markdown", "intro"), ("code", "import pandas as pd"), ("code", source))
    with pytest.raises(UsageError) as err:
        build_notebook(nb, NAME)
    text = str(err.value)
    assert text.startswith(f"{NAME}, cell 2 (id 'c2'), line {line_no} ")
    assert message in text
    assert "\n" not in text


@pytest.mark.parametrize(
    "source",
    [
        "Model answer:\n\n# BEGIN SOLUTION\nRecency first.\n# END SOLUTION",
        "```python\nrfm = build_rfm(orders)  # SOLUTION\n```",
        "### End solution",
    ],
)
def test_markers_in_markdown_are_errors(make_nb, source):
    nb = make_nb(("code", "x = 1"), ("markdown", source))
    with pytest.raises(UsageError, match=r"02_rfm.ipynb, cell 1 \(id 'c1'\), line \d+ .*markdown"):
        build_notebook(nb, NAME)


def test_a_solution_heading_in_markdown_is_fine(make_nb):
    nb = make_nb(("markdown", "## Solution\n\nSee below."), ("markdown", "# Solutions"))
    assert [c.source for c in build_notebook(nb, NAME).cells] == [
        "## Solution\n\nSee below.",
        "# Solutions",
    ]


def test_markers_in_a_dropped_cell_are_not_checked(make_nb):
    nb = make_nb(("code", "# BEGIN SOLUTION\nunbalanced = True", ["solution"]), ("code", "x = 1"))
    assert [c.source for c in build_notebook(nb, NAME).cells] == ["x = 1"]


def test_a_student_version_that_no_longer_compiles_is_an_error(make_nb):
    source = "def frequency(orders):\n    # BEGIN SOLUTION\n    return 1\n    # END SOLUTION"
    with pytest.raises(UsageError, match=r"cell 0 \(id 'c0'\): the student version does not"):
        build_notebook(make_nb(("code", source)), NAME)


def test_cells_with_ipython_syntax_still_build(make_nb):
    source = "%matplotlib inline\nrows = !wc -l data.csv  # SOLUTION\n%time x = 1"
    assert student_source(make_nb, source) == "%matplotlib inline\nrows = ____\n%time x = 1"


# ---------------------------------------------------------------------------- unicode


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("rfm = build(orders)  # ＳＯＬＵＴＩＯＮ", "rfm = ____"),  # full-width letters
        ("rfm = build(orders)  ＃ SOLUTION", "rfm = ____"),  # a full-width number sign
        (
            "# ＢＥＧＩＮ ＳＯＬＵＴＩＯＮ\nrfm = build(orders)\n# ＥＮＤ ＳＯＬＵＴＩＯＮ",
            "# YOUR CODE HERE",
        ),
        ("rfm = build(orders)  # SOLU\u200bTION", "rfm = ____"),  # a zero-width space
    ],
)
def test_markers_typed_with_a_chinese_input_method_are_markers(make_nb, source, expected):
    """These used to pass through: the answer line ended up in the student notebook."""
    assert student_source(make_nb, source) == expected


@pytest.mark.parametrize(
    "source",
    [
        "rfm = build(orders)  # ＳＯＬＵＴＩＯＮＳ",
        "# ＢＥＧＩＮ ＳＯＬＵＴＩＯＮ\nrfm = build(orders)",
        "rfm = build(orders)\n# ＥＮＤ ＳＯＬＵＴＩＯＮ",
        "# ＢＥＧＩＮＳＯＬＵＴＩＯＮ\nrfm = build(orders)\n# END SOLUTION",
    ],
)
def test_full_width_near_misses_are_errors(make_nb, source):
    with pytest.raises(UsageError, match=r"02_rfm.ipynb, cell 0"):
        student_source(make_nb, source)


def test_a_full_width_marker_in_markdown_is_an_error(make_nb):
    with pytest.raises(UsageError, match="solution marker in a markdown cell"):
        build_notebook(make_nb(("markdown", "answer = 42  # ＳＯＬＵＴＩＯＮ")), NAME)
