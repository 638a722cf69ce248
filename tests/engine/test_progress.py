"""The progress file: counting, corruption, concurrency, and the two ways to show it."""

from __future__ import annotations

import json
import multiprocessing
import os
from pathlib import Path

import pytest

from coursekit import course
from coursekit.engine import progress
from coursekit.engine.progress import (
    ProgressFileError,
    progress_command,
    progress_path,
    read_progress,
    record,
    show_progress,
)

from . import demo_exercises as demo
from .demo_exercises import make_orders, q2

DEMO_MODULES = {"demo": demo.PROBLEMS}


@pytest.fixture
def path():
    return Path(os.environ["COURSEKIT_PROGRESS"])  # private per test (tests/conftest.py)


def read_json(path):
    return json.loads(path.read_text("utf-8"))


def test_the_path_comes_from_the_environment_or_the_user_data_dir(monkeypatch, tmp_path):
    monkeypatch.setenv("COURSEKIT_PROGRESS", str(tmp_path / "mine.json"))
    assert progress_path() == tmp_path / "mine.json"
    monkeypatch.delenv("COURSEKIT_PROGRESS")
    monkeypatch.setattr("platformdirs.user_data_dir", lambda app: str(tmp_path / app))
    assert progress_path() == tmp_path / "coursekit" / "progress.json"


def test_attempts_and_passes_are_counted(path):
    record("rfm.q1", "incorrect")
    record("rfm.q1", "correct")
    record("rfm.q2", "error")
    assert read_json(path) == {
        "version": 1,
        "problems": {
            "rfm.q1": {"attempts": 2, "passes": 1},
            "rfm.q2": {"attempts": 1, "passes": 0},
        },
    }
    assert read_progress(path) == read_json(path)["problems"]


def test_no_file_is_no_progress(tmp_path):
    assert read_progress(tmp_path / "none.json") == {}


@pytest.mark.parametrize(
    "content",
    [
        b"\x00\xff not json",
        b"[1, 2, 3]",
        b'{"problems": {"rfm.q1": {"attempts": -1, "passes": 0}}}',
        b'{"problems": {"rfm.q1": {"attempts": 1, "passes": 2}}}',
        b'{"problems": {"rfm.q1": {"attempts": true, "passes": 0}}}',
        b"",
    ],
)
def test_a_corrupted_file_is_moved_aside_and_a_fresh_one_started(path, content):
    path.write_bytes(content)
    with pytest.raises(ProgressFileError):
        read_progress(path)
    record("rfm.q1", "correct")
    assert (path.parent / "progress.json.corrupt-1").read_bytes() == content
    assert read_progress(path) == {"rfm.q1": {"attempts": 1, "passes": 1}}


def test_corrupted_copies_are_numbered(path):
    for _ in range(2):
        path.write_text("{broken", "utf-8")
        record("rfm.q1", "incorrect")
    assert sorted(p.name for p in path.parent.glob("progress.json.corrupt-*")) == [
        "progress.json.corrupt-1",
        "progress.json.corrupt-2",
    ]


def test_a_corrupted_file_never_breaks_a_check(path, demo_world):
    path.write_text("{broken", "utf-8")
    assert q2.check(q2.expected()).passed
    assert read_progress(path) == {"demo.q2": {"attempts": 1, "passes": 1}}


def test_failing_to_write_never_breaks_a_check(monkeypatch, tmp_path, demo_world):
    blocker = tmp_path / "a_file"
    blocker.write_text("not a directory", "utf-8")
    monkeypatch.setenv("COURSEKIT_PROGRESS", str(blocker / "progress.json"))
    record("rfm.q1", "correct")  # no exception
    assert q2.check(q2.expected()).passed


def _check_many(progress_file: str, n: int) -> None:
    """One kernel checking ``n`` times (run in a separate process)."""
    os.environ["COURSEKIT_PROGRESS"] = progress_file
    course.setup(data={"orders": make_orders()}, quiet=True)
    correct = q2.expected()
    for i in range(n):
        q2.check(correct if i % 2 == 0 else -1.0)


@pytest.mark.slow
def test_concurrent_kernels_lose_no_attempt(path):
    context = multiprocessing.get_context("spawn")  # like separate kernels; no forked locks
    workers = [context.Process(target=_check_many, args=(str(path), 25)) for _ in range(4)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(60)
    assert [w.exitcode for w in workers] == [0, 0, 0, 0]
    assert read_progress(path) == {"demo.q2": {"attempts": 100, "passes": 52}}


# ---------------------------------------------------------------------------- showing it


def test_progress_command_prints_a_table_per_module(path, capsys):
    record("demo.q1", "correct")
    record("demo.q2", "incorrect")
    record("demo.q2", "incorrect")
    assert progress_command(str(path), modules=DEMO_MODULES) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == f"Progress file: {path}"
    assert out[1].split() == ["module", "problems", "attempted", "passed", "progress"]
    assert out[2].split() == ["demo", "8", "2", "1", "##..................", "12%"]
    assert set(out[3]) == {"-"}
    assert out[4].split()[:4] == ["total", "8", "2", "1"]


def test_progress_command_uses_the_user_file_by_default(path, capsys):
    record("demo.q3", "correct")
    assert progress_command(None, modules=DEMO_MODULES) == 0
    assert capsys.readouterr().out.splitlines()[2].split()[:4] == ["demo", "8", "1", "1"]


def test_progress_command_survives_a_corrupted_file(path, capsys):
    path.write_text("{broken", "utf-8")
    assert progress_command(str(path), modules=DEMO_MODULES) == 0
    captured = capsys.readouterr()
    assert "could not be read" in captured.err
    assert captured.out.splitlines()[2].split()[:4] == ["demo", "8", "0", "0"]
    assert path.read_text("utf-8") == "{broken"  # showing progress changes nothing


def test_progress_command_without_exercise_modules(path, capsys, monkeypatch):
    monkeypatch.setattr(progress, "_registry_modules", lambda on_error: {})
    assert progress_command(str(path)) == 0
    assert capsys.readouterr().out.splitlines()[-1] == "No exercise modules found."


def test_progress_command_in_chinese(path, capsys, monkeypatch):
    monkeypatch.setenv("COURSEKIT_LANG", "zh")
    progress_command(str(path), modules=DEMO_MODULES)
    out = capsys.readouterr().out.splitlines()
    assert out[1].split() == ["模块", "题目", "已尝试", "已通过", "进度"]
    assert out[-1].split()[0] == "合计"


def test_show_progress_draws_bars_in_html_and_a_table_in_text(path):
    record("demo.q1", "correct")
    view = show_progress(modules={"demo": demo.PROBLEMS, "<b>x</b>": demo.PROBLEMS[2:4]})
    rendered = view._repr_html_()
    assert "width:12%" in rendered and "width:0%" in rendered
    assert "&lt;b&gt;x&lt;/b&gt;" in rendered and "<b>x</b>" not in rendered
    assert "1/8 passed · 1 attempted" in rendered
    assert "demo" in repr(view) and "##" in str(view)


def test_show_progress_for_one_module_and_an_unknown_one(path):
    view = show_progress("demo", modules={"demo": demo.PROBLEMS, "other": demo.PROBLEMS})
    assert [row.module for row in view.rows] == ["demo"]
    unknown = show_progress("nope", modules=DEMO_MODULES)
    assert repr(unknown) == "No exercise module named nope."
    assert "No exercise module named nope." in unknown._repr_html_()


def test_course_progress_shows_the_registry_modules(path):
    view = course.progress()
    assert isinstance(view, progress.ProgressView)
    assert isinstance(view._repr_html_(), str)
