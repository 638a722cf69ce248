"""A world on disk: the hidden tables apart, damage found and named, nothing lost.

Each test works on its own copy of one tiny world (30 members, three months).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pandas as pd
import pytest

from coursekit import course
from coursekit.cli import main
from coursekit.errors import CourseDataError
from coursekit.fileio import atomic_directory, carry_over
from coursekit.synth import GeneratorInputError, generate_world, load_world
from coursekit.synth import io as sio
from coursekit.synth import world as world_module
from coursekit.synth.params import load_params
from coursekit.synth.schema import OBSERVED_TABLES, TABLES, TRUTH_TABLES

TINY = {"n_customers": 30, "seed": 7, "start": "2025-10-01", "end": "2025-12-31"}


@pytest.fixture(scope="module")
def tiny_world():
    return generate_world(**TINY)


@pytest.fixture(scope="module")
def pristine(tiny_world, tmp_path_factory):
    path = tmp_path_factory.mktemp("tiny") / "world"
    tiny_world.save(path)
    return path


@pytest.fixture
def world_dir(pristine, tmp_path):
    """A fresh copy of the tiny world for one test to damage."""
    return Path(shutil.copytree(pristine, tmp_path / "world"))


def _manifest(path: Path) -> dict:
    return json.loads((path / sio.MANIFEST_NAME).read_text(encoding="utf-8"))


def _write_manifest(path: Path, data) -> None:
    (path / sio.MANIFEST_NAME).write_text(json.dumps(data), encoding="utf-8")


def _verify(capsys, path) -> tuple[int, str, str]:
    code = main(["data", "verify", str(path)])
    out, err = capsys.readouterr()
    return code, out, err


def _one_line(message: str) -> bool:
    return "\n" not in message.strip() and "Traceback" not in message


# ---------------------------------------------------------------------------- truth apart


def test_hidden_tables_live_in_their_own_folder(tiny_world, pristine):
    manifest = _manifest(pristine)
    assert manifest["truth"] == {"included": True, "tables": list(TRUTH_TABLES)}
    for name in TRUTH_TABLES:
        assert f"truth/{name}.csv" in manifest["files"]
        assert not (pristine / f"{name}.csv").exists()
    for name in OBSERVED_TABLES:
        assert f"{name}.csv" in manifest["files"]
    loaded = load_world(pristine)
    for name in TRUTH_TABLES:
        pd.testing.assert_frame_equal(getattr(loaded, name), getattr(tiny_world, name))


def test_planned_files_follow_the_schema_lists():
    """No list of hidden tables is written down twice: the layout follows TRUTH_TABLES."""
    with_truth = set(sio.planned_files("csv", truth=True))
    without = set(sio.planned_files("parquet", truth=False, raw=False))
    for name in TABLES:
        hidden = name in TRUTH_TABLES
        assert (f"truth/{name}.csv" if hidden else f"{name}.csv") in with_truth
        assert (f"truth/{name}.parquet" in without) is False
        assert (f"{name}.parquet" in without) is not hidden
    assert not any(name.startswith("raw/") for name in without)


def test_a_world_without_its_hidden_tables(tiny_world, tmp_path, capsys):
    path = tmp_path / "handout"
    tiny_world.save(path, truth=False)
    manifest = _manifest(path)
    assert manifest["truth"] == {"included": False, "tables": list(TRUTH_TABLES)}
    assert not (path / "truth").exists()
    assert not any(name.startswith("truth/") for name in manifest["files"])
    assert set(manifest["rows"]) == set(OBSERVED_TABLES)
    assert "not included" in (path / "README.md").read_text(encoding="utf-8")

    loaded = load_world(path)
    assert loaded.truth is None and not loaded.has_truth
    pd.testing.assert_frame_equal(loaded.orders, tiny_world.orders)
    code, out, _ = _verify(capsys, path)
    assert code == 0 and "no hidden tables; the checks and the simulator rebuild them here" in out

    course.setup(data=path, quiet=True)
    assert len(course.load("orders")) == len(tiny_world.orders)
    with pytest.raises(CourseDataError, match=r"handed out without its hidden tables \(truth/\)"):
        course.load("truth")
    # Saving it again must say that the hidden tables are not there to save.
    with pytest.raises(GeneratorInputError, match="truth=False"):
        loaded.save(tmp_path / "again")
    loaded.save(tmp_path / "again", truth=False)
    assert not (tmp_path / "again").joinpath("truth").exists()


def test_worlds_written_before_the_truth_folder_are_read(world_dir, tiny_world, capsys):
    """datasets/ of earlier versions holds truth.csv at the top level, no `truth` entry."""
    manifest = _manifest(world_dir)
    (world_dir / "truth" / "truth.csv").rename(world_dir / "truth.csv")
    for later in (world_dir / "truth").iterdir():  # hidden tables added since then
        later.unlink()
        del manifest["files"][f"truth/{later.name}"]
    (world_dir / "truth").rmdir()
    manifest["files"]["truth.csv"] = manifest["files"].pop("truth/truth.csv")
    del manifest["truth"]
    _write_manifest(world_dir, manifest)

    pd.testing.assert_frame_equal(load_world(world_dir).truth, tiny_world.truth)
    course.setup(data=world_dir, quiet=True)
    assert len(course.load("truth")) == len(tiny_world.customers)
    assert _verify(capsys, world_dir)[0] == 0


def test_verify_checks_the_hidden_tables(world_dir, capsys):
    (world_dir / "truth" / "truth.csv").unlink()
    code, out, _ = _verify(capsys, world_dir)
    assert code == 1 and "missing: truth/truth.csv" in out


# ---------------------------------------------------------------------------- silent wrong data


def test_setup_refuses_a_table_cut_short(world_dir, capsys):
    orders = world_dir / "orders.csv"
    data = orders.read_bytes()
    orders.write_bytes(data[: len(data) // 2])  # truncate -s 50%
    with pytest.raises(CourseDataError) as caught:
        course.setup(data=world_dir, quiet=True)
    message = str(caught.value)
    assert "the course data is damaged: orders.csv is cut short" in message
    assert f"coursekit data verify {world_dir}" in message and _one_line(message)
    assert not course.is_set_up()
    code, out, _ = _verify(capsys, world_dir)
    assert code == 1 and "changed: orders.csv" in out


def test_a_table_with_rows_missing_but_the_same_size_is_refused_when_read(world_dir):
    """Blank lines in place of the last order: the size matches, the row count does not."""
    orders = world_dir / "orders.csv"
    lines = orders.read_bytes().split(b"\n")
    lines[-2] = b"\n" * len(lines[-2])  # read_csv skips blank lines
    orders.write_bytes(b"\n".join(lines))
    course.setup(data=world_dir, quiet=True)  # the cheap check passes: same size
    with pytest.raises(CourseDataError, match=r"orders\.csv has [\d,]+ rows, the MANIFEST says"):
        course.load("orders")


def test_damage_after_setup_is_found_at_the_next_check(world_dir):
    course.setup(data=world_dir, quiet=True)
    assert course.stale_reason() is None
    with open(world_dir / "customers.csv", "ab") as fh:
        fh.write(b"999999,someone\n")
    with pytest.raises(CourseDataError, match=r"customers\.csv was changed"):
        course.stale_reason()


# ---------------------------------------------------------------------------- MANIFEST


ORDERS = "orders.csv"
ANY_SHA = "0" * 64


def _files(change):
    return lambda m: {**m, "files": change(dict(m["files"]))}


def _entry(change):
    return _files(lambda files: {**files, ORDERS: change(dict(files[ORDERS]))})


def _params(change):
    return lambda m: {**m, "parameters": change(dict(m["parameters"]))}


def _without(mapping, key):
    return {k: v for k, v in mapping.items() if k != key}


MALFORMED = {
    "files is a list": lambda m: {**m, "files": [ORDERS]},
    "an entry without sha256": _entry(lambda e: _without(e, "sha256")),
    "an entry without its size": _entry(lambda e: _without(e, "bytes")),
    "a size that is text": _entry(lambda e: {**e, "bytes": "5 MB"}),
    "a negative size": _entry(lambda e: {**e, "bytes": -1}),
    "a sha256 that is a number": _entry(lambda e: {**e, "sha256": 12}),
    "an entry that is a string": _files(lambda f: {**f, ORDERS: "abc"}),
    "a file outside the world": _files(
        lambda f: {**f, "../../etc/passwd": {"sha256": ANY_SHA, "bytes": 1}}
    ),
    "an absolute path": _files(lambda f: {**f, "/etc/passwd": {"sha256": ANY_SHA, "bytes": 1}}),
    "the MANIFEST listing itself": _files(
        lambda f: {**f, "MANIFEST": {"sha256": ANY_SHA, "bytes": 1}}
    ),
    "parameters a string": lambda m: {**m, "parameters": "seed=2026"},
    "parameters without a seed": _params(lambda p: _without(p, "seed")),
    "a seed that is text": _params(lambda p: {**p, "seed": "2026"}),
    "n_customers negative": _params(lambda p: {**p, "n_customers": -5}),
    "a start that is not a date": _params(lambda p: {**p, "start": "2025-13-45"}),
    "rows a list": lambda m: {**m, "rows": [1, 2]},
    "a row count that is text": lambda m: {**m, "rows": {**m["rows"], "orders": "many"}},
    "no files": lambda m: _without(m, "files"),
    "an unknown format": lambda m: {**m, "format": "xlsx"},
    "truth as text": lambda m: {**m, "truth": "yes"},
    "a list, not an object": lambda m: [1, 2, 3],
    "null": lambda m: None,
}


@pytest.mark.parametrize("case", sorted(MALFORMED))
def test_every_malformed_manifest_is_one_clear_message(case, world_dir, capsys):
    _write_manifest(world_dir, MALFORMED[case](_manifest(world_dir)))
    code, out, err = _verify(capsys, world_dir)
    assert code == 2 and out == ""
    assert "MANIFEST is damaged" in err and _one_line(err)
    with pytest.raises(CourseDataError, match="MANIFEST is damaged") as caught:
        course.setup(data=world_dir, quiet=True)
    assert _one_line(str(caught.value))
    code, _, err = (
        main(["data", "generate", "--customers", "5", "--out", str(world_dir), "--force"]),
        *capsys.readouterr(),
    )
    assert code == 2 and "refusing to replace" in err and _one_line(err)


@pytest.mark.parametrize(
    "text",
    [b"", b"{", b"\xff\xfe not utf-8", b"[" * 100_000, b'{"files": NaN}', b"x" * 10],
)
def test_a_manifest_that_is_not_json(text, world_dir, capsys):
    (world_dir / sio.MANIFEST_NAME).write_bytes(text)
    code, _, err = _verify(capsys, world_dir)
    assert code == 2 and "MANIFEST is damaged" in err and _one_line(err)
    with pytest.raises(CourseDataError, match="MANIFEST is damaged"):
        course.setup(data=world_dir, quiet=True)


def test_the_written_manifest_is_well_formed(pristine):
    assert sio.manifest_problem(_manifest(pristine)) is None


# ---------------------------------------------------------------------------- raw exports


def test_a_missing_raw_export_is_named(world_dir):
    (world_dir / "raw" / "pos_transactions.csv").unlink()
    expected = (
        "the course data is damaged: raw/pos_transactions.csv is missing; "
        f"run `coursekit data verify {world_dir}`"
    )
    with pytest.raises(CourseDataError) as caught:
        course.setup(data=world_dir, quiet=True)
    assert str(caught.value) == expected
    with pytest.raises(CourseDataError) as caught:
        sio.raw_export_path(world_dir, "pos_transactions.csv")
    assert str(caught.value) == expected
    with pytest.raises(CourseDataError) as caught:
        load_world(world_dir).raw.files()
    assert str(caught.value) == expected


def test_a_truncated_raw_export_after_setup(world_dir):
    course.setup(data=world_dir, quiet=True)
    crm = world_dir / "raw" / "crm_members.xlsx"
    crm.write_bytes(crm.read_bytes()[:100])
    with pytest.raises(CourseDataError, match=r"raw/crm_members\.xlsx is cut short \(100 of"):
        sio.raw_export_path(course.data_dir(), "crm_members.xlsx")
    with pytest.raises(CourseDataError, match=r"crm_members\.xlsx is cut short"):
        course.stale_reason()


def test_module_01_checks_say_the_data_is_damaged(world_dir):
    from coursekit.exercises.data_collection import q2

    course.setup(data=world_dir, quiet=True)
    (world_dir / "raw" / "pos_transactions.csv").unlink()
    feedback = q2.check(pd.DataFrame({"小票号": ["1"]}))
    assert feedback.status == "error"
    text = feedback.message + json.dumps(feedback.details, ensure_ascii=False, default=str)
    assert "raw/pos_transactions.csv is missing" in text
    assert "Something went wrong inside the checker" not in feedback.message


# ---------------------------------------------------------------------------- data gone


def test_a_data_folder_deleted_after_setup(world_dir):
    course.setup(data=world_dir, quiet=True)
    course.load("orders")  # read before: kept in memory
    shutil.rmtree(world_dir)
    with pytest.raises(CourseDataError) as caught:
        course.stale_reason()
    message = str(caught.value)
    assert f"the course data folder {world_dir} is gone" in message
    assert "course.setup() again" in message and "restart" not in message
    with pytest.raises(CourseDataError, match="is gone"):
        course.load("customers")  # not read before


# ---------------------------------------------------------------------------- limits


def test_supported_dates_are_the_calendar_years():
    years = load_params().spring_festival.index
    assert world_module.FIRST_DAY.year >= years.min()
    assert world_module.LAST_DAY.year <= years.max()
    from coursekit import cli

    assert (
        f"{world_module.FIRST_DAY:%Y-%m-%d}",
        f"{world_module.LAST_DAY:%Y-%m-%d}",
    ) == (cli.FIRST_DAY, cli.LAST_DAY)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"end": "2200-01-01"}, "2015-01-01 to 2035-12-31"),
        ({"end": "2262-12-31"}, "2015-01-01 to 2035-12-31"),
        ({"start": "1900-01-01"}, "2015-01-01 to 2035-12-31"),
        ({"start": ""}, "must be dates"),
        ({"start": None}, "must be dates"),
        ({"end": "99999-01-01"}, "must be dates"),
        ({"n_customers": 10**12}, "at most 10,000,000"),
        ({"n_customers": 10**29}, "at most 10,000,000"),
        ({"seed": 2**64}, "below 2\\*\\*63"),
    ],
)
def test_absurd_parameters(kwargs, message):
    with pytest.raises(GeneratorInputError, match=message):
        generate_world(**{"n_customers": 10, **kwargs})


@pytest.mark.parametrize("task", ["generate", "write"])
def test_the_size_limit_follows_the_memory_available(monkeypatch, task):
    start, end = pd.Timestamp("2024-01-01"), pd.Timestamp("2025-12-31")
    gib = 2**30
    fits = world_module.max_customers(start, end, 4 * gib, task)
    assert 0 < fits < world_module.max_customers(start, end, 8 * gib, task)
    assert world_module.max_customers(start, pd.Timestamp("2030-12-31"), 4 * gib, task) < fits
    assert world_module.memory_needed(fits, start, end, task) <= 4 * gib
    assert world_module.memory_needed(fits + 1, start, end, task) > 4 * gib

    monkeypatch.setattr(world_module, "available_memory", lambda: 4 * gib)
    writing = task == "write"
    world_module.validate_parameters(fits, 1, start, end, "zh_CN", writing=writing)
    with pytest.raises(GeneratorInputError) as caught:
        world_module.validate_parameters(fits + 1, 1, start, end, "zh_CN", writing=writing)
    assert f"at most {fits:,} customers fit" in str(caught.value)
    assert f"to {task} and 4.0 GiB is available" in str(caught.value)


def test_writing_needs_more_memory_than_generating():
    start, end = pd.Timestamp("2024-01-01"), pd.Timestamp("2025-12-31")
    assert world_module.max_customers(start, end, 8 * 2**30, "write") < (
        world_module.max_customers(start, end, 8 * 2**30, "generate")
    )


# ---------------------------------------------------------------------------- fileio


def _tree(path: Path) -> dict[str, bytes | None]:
    return {
        p.relative_to(path).as_posix(): (p.read_bytes() if p.is_file() else None)
        for p in sorted(path.rglob("*"))
    }


def test_carry_over_keeps_what_is_not_owned(tmp_path):
    for name in ["a.csv", "raw/x.csv", "raw/mine.txt", "notes.txt", "mywork/deep/f.py", "MANIFEST"]:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(name)
    (tmp_path / "empty").mkdir()
    keep, conflicts = carry_over(
        tmp_path, {"a.csv", "raw/x.csv", "MANIFEST"}, {"a.csv", "raw/x.csv", "notes.txt"}
    )
    assert keep == ["empty", "mywork", "raw/mine.txt"]
    assert conflicts == ["notes.txt"]


def test_a_failed_replacement_restores_everything(tmp_path, monkeypatch):
    target = tmp_path / "w"
    for name in ["old.csv", "MANIFEST", "notes.txt", "sub/mine.txt"]:
        (target / name).parent.mkdir(parents=True, exist_ok=True)
        (target / name).write_text(name)
    before = _tree(tmp_path)
    real = world_module.os.rename

    def refuse_to_move_the_target(src, dst):
        if Path(src) == target:
            raise PermissionError(13, "Permission denied", str(src))
        real(src, dst)

    monkeypatch.setattr("coursekit.fileio.os.rename", refuse_to_move_the_target)
    with (
        pytest.raises(PermissionError),
        atomic_directory(target, replace={"old.csv", "MANIFEST"}) as tmp,
    ):
        (tmp / "new.csv").write_text("new")
        (tmp / "MANIFEST").write_text("new")
    assert _tree(tmp_path) == before  # user files moved back, no partial folder left


def test_replacing_keeps_user_files_and_drops_only_owned_ones(tmp_path):
    target = tmp_path / "w"
    for name in ["old.csv", "MANIFEST", "raw/old.txt", "raw/mine.txt", "notes.txt"]:
        (target / name).parent.mkdir(parents=True, exist_ok=True)
        (target / name).write_text(name)
    with atomic_directory(target, replace={"old.csv", "MANIFEST", "raw/old.txt"}) as tmp:
        (tmp / "MANIFEST").write_text("new")
    assert _tree(tmp_path) == {
        "w": None,
        "w/MANIFEST": b"new",
        "w/notes.txt": b"notes.txt",
        "w/raw": None,
        "w/raw/mine.txt": b"raw/mine.txt",
    }
