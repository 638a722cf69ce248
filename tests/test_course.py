"""course.setup(): which data, which language, lazy loading, staleness."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from coursekit import course, state
from coursekit.course import CourseDataError, CourseNotSetUp

ROOT = Path(__file__).resolve().parents[1]
DATASETS = ROOT / "datasets"


def test_load_before_setup_raises_not_set_up():
    assert not course.is_set_up()
    with pytest.raises(CourseNotSetUp):
        course.load("orders")


def test_setup_with_a_directory_prints_one_line(capsys):
    info = course.setup(data=DATASETS)
    line = capsys.readouterr().out
    assert line.count("\n") == 1
    assert "seed=2026" in line and "5,000 customers" in line and str(DATASETS) in line
    assert "English" in line
    assert info.source == "argument" and info.seed == 2026 and info.n_customers == 5000


def test_environment_variable_then_nearest_datasets(tmp_path, monkeypatch, small_world_dir):
    monkeypatch.setenv("COURSEKIT_DATA", str(small_world_dir))
    assert course.setup(quiet=True).source == "env"
    monkeypatch.delenv("COURSEKIT_DATA")
    nested = ROOT / "src" / "coursekit"  # any folder below the repository root
    monkeypatch.chdir(nested)
    info = course.setup(quiet=True)
    assert info.source == "datasets" and info.path == DATASETS


def test_falls_back_to_a_generated_world_in_the_user_cache(tmp_path, monkeypatch):
    import platformdirs

    monkeypatch.chdir(tmp_path)  # no datasets/ above
    monkeypatch.setattr(platformdirs, "user_cache_dir", lambda name: str(tmp_path / "cache"))
    monkeypatch.setattr(course, "DEFAULT_CUSTOMERS", 150)
    info = course.setup(quiet=True)
    assert info.source == "cache" and info.n_customers == 150
    assert (info.path / "MANIFEST").is_file()
    again = course.setup(quiet=True)  # reused, not generated twice
    assert again.fingerprint == info.fingerprint


def test_load_returns_fresh_copies():
    course.setup(data=DATASETS, quiet=True)
    orders = course.load("orders")
    orders["net_amount"] = 0.0
    assert course.load("orders")["net_amount"].sum() > 0


def test_unknown_table_and_broken_directories(tmp_path):
    course.setup(data=DATASETS, quiet=True)
    with pytest.raises(CourseDataError, match="unknown table"):
        course.load("sales")
    with pytest.raises(CourseDataError, match="does not exist"):
        course.setup(data=tmp_path / "missing", quiet=True)
    half = tmp_path / "half"
    half.mkdir()
    (half / "orders.csv").write_text("order_id\n1\n")
    with pytest.raises(CourseDataError, match="no MANIFEST"):
        course.setup(data=half, quiet=True)


def test_language_from_setup_or_environment(monkeypatch, capsys):
    monkeypatch.setenv("COURSEKIT_LANG", "zh")
    assert course.lang() == "zh"
    course.setup(data=DATASETS)
    assert "语言：中文" in capsys.readouterr().out
    course.setup(data=DATASETS, lang="en", quiet=True)
    assert course.lang() == "en"
    with pytest.raises(ValueError, match="unknown language"):
        course.setup(data=DATASETS, lang="fr", quiet=True)


def test_a_mistyped_language_variable_falls_back_to_english(monkeypatch):
    monkeypatch.setenv("COURSEKIT_LANG", "klingon")
    with pytest.warns(UserWarning, match="COURSEKIT_LANG"):
        assert course.lang() == "en"


def test_every_setup_message_exists_in_both_languages():
    for source in state._SOURCES.values():
        assert source["en"] and source["zh"]
    info = course.DataInfo(Path("/x"), "env", 1, 10, "f")
    assert info.describe("en") != info.describe("zh")


def test_in_memory_tables_for_tests():
    orders = pd.DataFrame({"order_id": [1], "customer_id": [2]})
    info = course.setup(data={"orders": orders}, quiet=True)
    assert info.source == "memory"
    assert course.load("orders").equals(orders)
    with pytest.raises(CourseDataError):
        course.data_dir()


def test_stale_data_is_noticed(tmp_path, small_world_dir):
    import shutil

    copy = tmp_path / "world"
    shutil.copytree(small_world_dir, copy)
    course.setup(data=copy, quiet=True)
    assert course.stale_reason() is None
    manifest = json.loads((copy / "MANIFEST").read_text())
    manifest["note"] = "regenerated"
    (copy / "MANIFEST").write_text(json.dumps(manifest))
    assert "changed" in course.stale_reason()


def test_importing_the_package_does_no_io(tmp_path):
    """Importing coursekit, the engine and every exercises module opens no data file."""
    code = (
        "import sys, pkgutil, importlib\n"
        "opened = []\n"
        # Libraries may read their own package metadata (numpy.testing reads a dist-info
        # file when scipy imports it); only files outside the installed packages count.
        "sys.addaudithook(lambda ev, args: opened.append(str(args[0])) if ev == 'open' and "
        "str(args[0]).endswith(('.csv', '.parquet', 'MANIFEST', '.xlsx', '.jsonl', '.json')) "
        "and '.dist-info' not in str(args[0]) else None)\n"
        "import coursekit, coursekit.course, coursekit.engine, coursekit.exercises\n"
        "for m in pkgutil.iter_modules(coursekit.exercises.__path__):\n"
        "    importlib.import_module('coursekit.exercises.' + m.name)\n"
        "from coursekit import course\n"
        "assert not course.is_set_up()\n"
        "print(opened)\n"
    )
    env = {**os.environ, "HOME": str(tmp_path), "XDG_CACHE_HOME": str(tmp_path / "c")}
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, env=env, capture_output=True, text=True
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"
    assert not (tmp_path / "c").exists()


def test_the_engine_depends_on_the_course_state_not_on_the_facade():
    """No import cycle: the engine reads coursekit.state; coursekit.course sits on top."""
    code = (
        "import sys\n"
        "import coursekit.engine, coursekit.engine.problems, coursekit.engine.progress\n"
        "import coursekit.engine.attempts, coursekit.engine.sandbox, coursekit.engine.registry\n"
        "assert 'coursekit.course' not in sys.modules, 'the engine imported the facade'\n"
        "import coursekit.synth.io\n"
        "assert 'coursekit.course' not in sys.modules, 'synth.io imported the facade'\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr


def test_the_facade_keeps_every_public_name():
    for name in ("setup", "load", "progress", "info", "lang", "reset", "set_lang", "is_set_up",
                 "data_dir", "stale_reason", "generation", "DataInfo", "CourseDataError",
                 "CourseNotSetUp", "find_datasets_dir"):  # fmt: skip
        assert hasattr(course, name), name
    assert course.load is state.load and course.lang is state.lang


def test_trainees_read_excel_without_a_notice_about_engines(tmp_path):
    """The checks read Excel with calamine; a trainee's pd.read_excel stays quiet."""
    import warnings

    course.setup(data=DATASETS, quiet=True)
    assert pd.get_option("io.excel.xlsx.reader") == "openpyxl"
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        crm = pd.read_excel(DATASETS / "raw" / "crm_members.xlsx", nrows=3)
    assert len(crm) == 3
