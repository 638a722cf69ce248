"""Statuses decided before any kernel runs, and the command's answers to bad options: quick,
no notebook is executed here."""

from __future__ import annotations

import csv

import pytest

from coursekit.cli import main
from coursekit.grade.batch import Options, grade_batch

from .helpers import SOLUTIONS, read_results, submission, write


def test_a_world_the_metadata_names_but_cannot_be_built_is_its_own_row(tmp_path):
    folder = tmp_path / "in"
    for name, world in {
        "a_00_welcome.ipynb": {"seed": 1, "customers": 10**9},
        "b_00_welcome.ipynb": {"seed": "not a seed", "customers": 300},
        "c_00_welcome.ipynb": {"seed": 5, "customers": 300, "start": "1900-01-01"},
    }.items():
        nb = submission("00_welcome", name[0], trim=True)
        nb.metadata["coursekit"]["world"] = world
        write(nb, folder / name)
    (folder / "d_00_welcome.ipynb").write_text('{"cells": [', "utf-8")
    out = tmp_path / "out"
    batch = grade_batch([folder], Options(out=out, solutions=SOLUTIONS, quiet=True))
    rows = read_results(out)
    assert {n: r["status"] for n, r in rows.items()} == {
        "a_00_welcome.ipynb": "no_world",
        "b_00_welcome.ipynb": "no_world",
        "c_00_welcome.ipynb": "no_world",
        "d_00_welcome.ipynb": "corrupt",
    }
    assert "at most 50,000" in rows["a_00_welcome.ipynb"]["detail"]
    assert "not a whole number" in rows["b_00_welcome.ipynb"]["detail"]
    assert "start" in rows["c_00_welcome.ipynb"]["detail"]
    assert batch.ran == 0 and not (out / "worlds").exists()
    assert (out / "report.html").is_file() and batch.summary().startswith("graded 0 of 4 ")


def test_files_of_other_kinds_in_a_folder_are_accounted_for(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "photo.png").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)))
    (folder / "data.json").write_text('{"a": 1}', "utf-8")
    (folder / ".ipynb_checkpoints").mkdir()
    (folder / ".ipynb_checkpoints" / "x-checkpoint.ipynb").write_text("{}", "utf-8")
    out = tmp_path / "out"
    grade_batch([folder], Options(out=out, solutions=SOLUTIONS, quiet=True))
    rows = read_results(out)
    assert {n: r["status"] for n, r in rows.items()} == {
        "photo.png": "not_a_notebook",
        "data.json": "not_a_notebook",
    }


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (["--jobs", "0"], "--jobs must be at least 1"),
        (["--jobs", "two"], "--jobs must be a whole number"),
        (["--timeout", "-3"], "timeout"),
        (["--memory", "lots"], "--memory must be a whole number"),
        (["--lang", "fr"], "--lang must be en or zh"),
        (["--module", "42_magic"], "is not a module of the course"),
        (["--roster", "no-such-roster.csv"], "does not exist"),
    ],
)
def test_bad_options_are_one_line_and_write_nothing(tmp_path, capsys, options, message):
    nb = write(submission("00_welcome", "t01", trim=True), tmp_path / "t01.ipynb")
    out = tmp_path / "out"
    code = main(["grade", str(nb), "--out", str(out), *options])
    err = capsys.readouterr().err
    assert code == 2, err
    assert message in err and len(err.strip().splitlines()) == 1
    assert not (out / "grades.csv").exists()


def test_a_missing_submission_is_named(tmp_path, capsys):
    code = main(["grade", str(tmp_path / "nothing.ipynb"), "--out", str(tmp_path / "out")])
    assert code == 2 and "nothing.ipynb does not exist" in capsys.readouterr().err


def test_the_grades_header_lists_the_problems_of_every_module_graded(tmp_path):
    folder = tmp_path / "in"
    (folder / "x").mkdir(parents=True)
    (folder / "x" / "empty.ipynb").write_bytes(b"")
    out = tmp_path / "out"
    grade_batch([folder], Options(out=out, solutions=SOLUTIONS, quiet=True))
    with open(out / "grades.csv", encoding="utf-8") as fh:
        header, row = list(csv.reader(fh))
    assert header[:5] == ["file", "trainee", "name", "module", "status"]
    assert row[4] == "corrupt" and row[0].endswith("empty.ipynb")


@pytest.mark.slow
def test_a_module_without_its_solution_notebook_at_hand_is_graded_from_its_own_checks(
    tmp_path, worlds
):
    # Modules are added on their own schedule: grading finds the module from the imports
    # and the exercises from the submission's own check cells (runs one kernel).
    nb = submission("00_welcome", "t01", trim=True, replace={"tier_counts = ": "tier_counts = 3"})
    path = write(nb, tmp_path / "in" / "t01_00_welcome.ipynb")
    (tmp_path / "no-solutions").mkdir()
    out = tmp_path / "out"
    options = Options(out=out, data=worlds[0], solutions=tmp_path / "no-solutions", quiet=True)
    grade_batch([path], options)
    row = read_results(out)["t01_00_welcome.ipynb"]
    assert (row["status"], row["score"], row["max_score"]) == ("graded", "3", "4")
    assert row["welcome.q1"] == "incorrect" and row["welcome.q2"] == "correct"


def test_hostile_metadata_and_file_names_do_not_break_the_batch_or_the_sheets(
    tmp_path, monkeypatch
):
    folder = tmp_path / "in"
    nb = submission("02_rfm", trim=False)
    nb.metadata["coursekit"] = {"trainee": ["not", "text"], "module": {"x": 1}, "world": 7}
    write(nb, folder / "odd_02_rfm.ipynb")
    (folder / "=HYPERLINK(1).ipynb").write_bytes(b"")
    out = tmp_path / "out"
    options = Options(out=out, module="00_welcome", solutions=SOLUTIONS, quiet=True)
    monkeypatch.chdir(folder)  # `coursekit grade *.ipynb` in the folder: names as given
    grade_batch(sorted(p.name for p in folder.iterdir()), options)
    rows = read_results(out)
    assert rows["odd_02_rfm.ipynb"]["status"] == "wrong_module"
    (formula,) = [r for r in rows.values() if "HYPERLINK" in r["file"]]
    assert formula["file"].startswith("'=") and formula["status"] == "corrupt"
    from openpyxl import load_workbook

    sheet = load_workbook(out / "grades.xlsx").active
    cells = [c for row in sheet.iter_rows() for c in row if "HYPERLINK" in str(c.value)]
    assert cells and all(c.data_type == "s" for c in cells)


def test_trainee_labels_from_metadata_or_file_names_stay_inside_the_output_folder():
    from coursekit.grade.batch import safe_label

    assert safe_label("../../etc/passwd") == "etc_passwd"
    assert safe_label("张三") == "张三"
    assert safe_label("...") == "unnamed"
    assert len(safe_label("x" * 500)) == 64


def test_the_command_prints_one_summary_line(tmp_path, capsys):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a.ipynb").write_bytes(b"")
    (folder / "b.txt").write_text("hello", "utf-8")
    assert main(["grade", str(folder), "--out", str(tmp_path / "out"), "--quiet"]) == 0
    out = capsys.readouterr().out.strip().splitlines()
    assert out == [
        "graded 0 of 2 submissions (corrupt 1, not_a_notebook 1); "
        f"report: {tmp_path / 'out' / 'report.html'}"
    ]


def test_the_default_jobs_fit_the_cores_and_the_memory(monkeypatch):
    import types

    import psutil

    from coursekit.grade.batch import default_jobs

    monkeypatch.setattr("os.cpu_count", lambda: 16)
    free = types.SimpleNamespace(available=5 * 2**30)
    monkeypatch.setattr(psutil, "virtual_memory", lambda: free)
    assert default_jobs(2048) == 2  # two kernels of 2 GB fit in 5 GB
    assert default_jobs(256) == 8  # never more than eight
    free.available = 2**20
    assert default_jobs(2048) == 1  # always one


def test_worlds_hidden_folders_and_the_output_inside_a_folder_are_not_submissions(tmp_path):
    folder = tmp_path / "returned"
    (folder / "t01" / "datasets" / "raw").mkdir(parents=True)
    (folder / "t01" / "datasets" / "MANIFEST").write_text("{}", "utf-8")
    (folder / "t01" / "datasets" / "raw" / "pos.csv").write_text("a,b\n", "utf-8")
    (folder / "t01" / "notebooks" / ".ipynb_checkpoints").mkdir(parents=True)
    (folder / "t01" / "notebooks" / ".ipynb_checkpoints" / "x.ipynb").write_bytes(b"")
    (folder / "t01" / "notebooks" / "00_welcome.ipynb").write_bytes(b"")
    (folder / "graded").mkdir()
    (folder / "graded" / "old.ipynb").write_bytes(b"")
    out = folder / "graded"
    grade_batch([folder], Options(out=out, solutions=SOLUTIONS, quiet=True))
    rows = read_results(out)
    assert list(rows) == ["00_welcome.ipynb"]
