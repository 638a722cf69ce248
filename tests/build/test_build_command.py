"""``coursekit build`` and ``--check`` on a course folder: writes, drift, errors, exit codes."""

from __future__ import annotations

import pytest

from coursekit.build import build_all, build_command
from coursekit.cli import main
from coursekit.errors import UsageError

EXERCISE = ("code", "rfm = build_rfm(orders)  # SOLUTION\nq1.check()")


def snapshot(folder):
    """Every file under ``folder`` with its bytes, to prove nothing was written."""
    return {p.relative_to(folder): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_build_writes_every_numbered_notebook(course_dirs, make_nb, write_nb, capsys):
    solutions, notebooks = course_dirs
    write_nb(solutions / "01_data_collection.ipynb", make_nb(EXERCISE))
    write_nb(solutions / "02_rfm.ipynb", make_nb(EXERCISE))
    write_nb(solutions / "scratch.ipynb", make_nb(EXERCISE))  # not a module: ignored

    assert build_command(solutions, notebooks) == 0

    assert sorted(p.name for p in notebooks.iterdir()) == [
        "01_data_collection.ipynb",
        "02_rfm.ipynb",
    ]
    text = (notebooks / "02_rfm.ipynb").read_text(encoding="utf-8")
    assert "rfm = ____" in text and "build_rfm" not in text
    assert "wrote" in capsys.readouterr().out


def test_rebuild_is_byte_identical_and_writes_nothing(course_dirs, make_nb, write_nb, capsys):
    solutions, notebooks = course_dirs
    write_nb(solutions / "02_rfm.ipynb", make_nb(("markdown", "# RFM（客户价值）"), EXERCISE))
    build_command(solutions, notebooks)
    before = snapshot(notebooks)
    mtime = (notebooks / "02_rfm.ipynb").stat().st_mtime_ns
    capsys.readouterr()

    assert build_command(solutions, notebooks) == 0

    assert snapshot(notebooks) == before
    assert (notebooks / "02_rfm.ipynb").stat().st_mtime_ns == mtime  # not even rewritten
    assert "0 written" in capsys.readouterr().out
    assert before[next(iter(before))].endswith(b"}\n")


def test_check_names_stale_missing_and_extra_notebooks(course_dirs, make_nb, write_nb, capsys):
    solutions, notebooks = course_dirs
    for name in ("01_data_collection", "02_rfm", "03_demographic"):
        write_nb(solutions / f"{name}.ipynb", make_nb(EXERCISE))
    build_command(solutions, notebooks)
    (notebooks / "03_demographic.ipynb").unlink()  # missing
    write_nb(solutions / "02_rfm.ipynb", make_nb(EXERCISE, ("markdown", "new recap")))  # stale
    write_nb(notebooks / "09_retired.ipynb", make_nb(EXERCISE))  # extra
    before = snapshot(notebooks)
    capsys.readouterr()

    assert build_command(solutions, notebooks, check=True) == 1

    out = capsys.readouterr().out
    assert f"stale:   {notebooks / '02_rfm.ipynb'}" in out
    assert f"missing: {notebooks / '03_demographic.ipynb'}" in out
    assert f"extra:   {notebooks / '09_retired.ipynb'}" in out
    assert "01_data_collection" not in out
    assert snapshot(notebooks) == before, "--check must not write"


def test_check_passes_after_build(course_dirs, make_nb, write_nb, capsys):
    solutions, notebooks = course_dirs
    write_nb(solutions / "02_rfm.ipynb", make_nb(EXERCISE))
    assert build_command(solutions, notebooks, check=True) == 1
    build_command(solutions, notebooks)
    assert build_command(solutions, notebooks, check=True) == 0
    assert "in sync" in capsys.readouterr().out


def test_build_leaves_extra_notebooks_alone_and_says_so(course_dirs, make_nb, write_nb, capsys):
    solutions, notebooks = course_dirs
    write_nb(solutions / "02_rfm.ipynb", make_nb(EXERCISE))
    write_nb(notebooks / "09_retired.ipynb", make_nb(EXERCISE))
    assert build_command(solutions, notebooks) == 0
    assert (notebooks / "09_retired.ipynb").exists()
    assert "09_retired.ipynb has no source" in capsys.readouterr().err


@pytest.mark.parametrize("layout", ["both absent", "both empty"])
@pytest.mark.parametrize("check", [True, False])
def test_no_solution_notebooks_is_an_error_not_an_empty_success(tmp_path, layout, check, capsys):
    """A mistyped --solutions must not report "in sync (0 notebooks)" or "0 written"."""
    solutions, notebooks = tmp_path / "solutions", tmp_path / "notebooks"
    if layout == "both empty":
        solutions.mkdir()
        notebooks.mkdir()
    args = ["build", "--solutions", str(solutions), "--notebooks", str(notebooks)]
    assert main([*args, "--check"] if check else args) == 2
    err = capsys.readouterr().err
    assert (
        err == f"coursekit: error: no solution notebooks found at {solutions} "
        "(expected [0-9][0-9]_*.ipynb)\n"
    )
    assert not notebooks.exists() or not any(notebooks.iterdir())


def test_one_bad_notebook_means_nothing_is_written(course_dirs, make_nb, write_nb):
    solutions, notebooks = course_dirs
    write_nb(solutions / "01_data_collection.ipynb", make_nb(EXERCISE))
    write_nb(solutions / "02_rfm.ipynb", make_nb(EXERCISE))
    build_command(solutions, notebooks)
    write_nb(solutions / "01_data_collection.ipynb", make_nb(EXERCISE, ("markdown", "changed")))
    write_nb(
        solutions / "02_rfm.ipynb", make_nb(("code", "x = 1"), ("code", "# BEGIN SOLUTION\nx"))
    )
    before = snapshot(notebooks)

    with pytest.raises(UsageError, match=r"02_rfm.ipynb, cell 1 \(id 'c1'\), line 1 "):
        build_command(solutions, notebooks)

    assert snapshot(notebooks) == before  # 01 is stale now, and still not rewritten
    assert not list(notebooks.glob(".*.tmp"))


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b'{"cells": [', "not a readable notebook (Notebook does not appear to be JSON"),
        (b"", "not a readable notebook"),
        (b'{"cells": 3, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}', "not a readable"),
        (b"\xff\xfe{}", "not a readable notebook"),
    ],
)
def test_corrupt_notebooks_are_a_clear_usage_error(course_dirs, content, reason):
    solutions, notebooks = course_dirs
    (solutions / "02_rfm.ipynb").write_bytes(content)
    with pytest.raises(UsageError) as err:
        build_all(solutions, notebooks)
    message = str(err.value)
    assert message.startswith(f"{solutions / '02_rfm.ipynb'}: ")
    assert reason in message
    assert "\n" not in message


def test_a_file_where_a_folder_belongs_is_a_usage_error(tmp_path):
    (tmp_path / "solutions").write_text("not a folder")
    with pytest.raises(UsageError, match="is not a directory"):
        build_command(tmp_path / "solutions", tmp_path / "notebooks")


# ---------------------------------------------------------------------------- the CLI


def cli(*args):
    return main(["build", *map(str, args)])


def test_cli_exit_codes(course_dirs, make_nb, write_nb, capsys):
    solutions, notebooks = course_dirs
    folders = ("--solutions", solutions, "--notebooks", notebooks)
    write_nb(solutions / "02_rfm.ipynb", make_nb(EXERCISE))
    assert cli(*folders, "--check") == 1
    assert cli(*folders) == 0
    assert cli(*folders, "--check") == 0

    write_nb(solutions / "02_rfm.ipynb", make_nb(("code", "# END SOLUTION")))
    capsys.readouterr()
    assert cli(*folders) == 2
    err = capsys.readouterr().err
    assert err.startswith("coursekit: error: ") and "02_rfm.ipynb, cell 0 (id 'c0')" in err
    assert err.count("\n") == 1


@pytest.mark.parametrize(
    ("args", "message"),
    [(("02_rfm",), "only taken with --execute"), (("--execute", "--check"), "cannot be combined")],
)
def test_cli_rejects_mixed_options(course_dirs, capsys, args, message):
    solutions, notebooks = course_dirs
    assert cli("--solutions", solutions, "--notebooks", notebooks, *args) == 2
    assert message in capsys.readouterr().err
