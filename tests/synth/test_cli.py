"""`coursekit data generate / verify`: bad input is one clear line, exit 2, nothing written."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from coursekit.cli import main
from coursekit.synth import world as world_module


def _run(capsys, *args):
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--customers", "0"], "must be positive"),
        (["--customers", "-5"], "must be positive"),
        (["--customers", "12.5"], "whole number"),
        (["--customers", "many"], "whole number"),
        (["--seed", "x"], "whole number"),
        (["--seed", "-1"], "non-negative"),
        (["--locale", "fr_FR"], "unknown locale"),
        (["--start", "2025-01-01", "--end", "2024-01-01"], "must be after"),
        (["--start", "2025-01-01", "--end", "2025-01-01"], "must be after"),
        (["--start", "yesterday-ish"], "must be dates"),
        (["--format", "xlsx"], "--format"),
        # absurd sizes and dates: one line, never a MemoryError or OverflowError
        (["--customers", "1000000000000"], "at most 10,000,000"),
        (["--customers", "1" + "0" * 29], "at most 10,000,000"),
        (["--customers", "1" + "0" * 5000], "far too large"),
        (["--customers", "10^29"], "whole number"),
        (["--start", ""], "must be dates"),
        (["--end", "2200-01-01"], "2015-01-01 to 2035-12-31"),
        (["--end", "2262-12-31"], "2015-01-01 to 2035-12-31"),
        (["--start", "1677-09-21"], "2015-01-01 to 2035-12-31"),
        (["--seed", "1" + "0" * 25], "below 2**63"),
        (["--out", ""], "--out"),
    ],
)
def test_bad_parameters(tmp_path, capsys, args, message):
    out_dir = tmp_path / "out"
    code, _, err = _run(capsys, "data", "generate", "--out", str(out_dir), "--quiet", *args)
    assert code == 2
    assert message in err and err.count("\n") == 1 and "Traceback" not in err
    assert not out_dir.exists()
    assert os.listdir(tmp_path) == []


def test_output_path_is_a_file(tmp_path, capsys):
    target = tmp_path / "file.txt"
    target.write_text("keep me")
    code, _, err = _run(capsys, "data", "generate", "--out", str(target), "--quiet")
    assert code == 2 and "is a file" in err
    assert target.read_text() == "keep me"


def test_non_empty_directory_needs_force(tmp_path, capsys):
    out_dir = tmp_path / "data"
    out_dir.mkdir()
    (out_dir / "notes.txt").write_text("mine")
    code, _, err = _run(capsys, "data", "generate", "--out", str(out_dir), "--quiet")
    assert code == 2 and "--force" in err
    # --force never replaces a directory that is not a dataset.
    code, _, err = _run(capsys, "data", "generate", "--out", str(out_dir), "--force", "--quiet")
    assert code == 2 and "not a coursekit dataset" in err
    assert (out_dir / "notes.txt").read_text() == "mine"


def test_generate_verify_and_force(tmp_path, capsys):
    out_dir = tmp_path / "world"
    args = ["data", "generate", "--customers", "120", "--seed", "9", "--out", str(out_dir)]
    assert _run(capsys, *args, "--quiet")[0] == 0
    manifest = json.loads((out_dir / "MANIFEST").read_text())
    assert manifest["parameters"]["n_customers"] == 120
    assert manifest["rows"]["customers"] == 120
    assert "raw/pos_transactions.csv" in manifest["files"]
    assert _run(capsys, "data", "verify", str(out_dir))[0] == 0

    (out_dir / "orders.csv").write_text("tampered\n")
    (out_dir / "raw" / "survey_export.csv").unlink()
    (out_dir / "my_notes.txt").write_text("extra")
    code, out, _ = _run(capsys, "data", "verify", str(out_dir))
    assert code == 1
    assert "changed: orders.csv" in out and "missing: raw/survey_export.csv" in out
    assert "unexpected: my_notes.txt" in out

    assert _run(capsys, *args, "--force", "--quiet")[0] == 0
    assert _run(capsys, "data", "verify", str(out_dir))[0] == 0


def test_verify_refuses_half_written_directories(tmp_path, capsys):
    half = tmp_path / "half"
    half.mkdir()
    (half / "orders.csv").write_text("order_id\n1\n")
    code, _, err = _run(capsys, "data", "verify", str(half))
    assert code == 2 and "no MANIFEST" in err


def test_interrupted_generation_leaves_nothing(tmp_path, capsys, monkeypatch):
    """Ctrl-C halfway through writing the files leaves no partial dataset behind."""
    calls = {"n": 0}
    real = world_module._write_file

    def interrupt_on_fifth(target, data):
        calls["n"] += 1
        if calls["n"] == 5:
            raise KeyboardInterrupt
        real(target, data)

    monkeypatch.setattr(world_module, "_write_file", interrupt_on_fifth)
    out_dir = tmp_path / "world"
    code, _, err = _run(capsys, "data", "generate", "--customers", "50", "--out", str(out_dir),
                        "--quiet")  # fmt: skip
    assert calls["n"] == 5
    assert code == 130 and "nothing was written" in err
    assert os.listdir(tmp_path) == []


def test_failed_replacement_keeps_the_old_dataset(tmp_path, capsys, monkeypatch):
    out_dir = tmp_path / "world"
    base = ["data", "generate", "--customers", "50", "--out", str(out_dir), "--quiet"]
    assert _run(capsys, *base)[0] == 0
    before = (out_dir / "MANIFEST").read_bytes()
    calls = {"n": 0}
    real = world_module._write_file

    def disk_full_on_third(target, data):
        calls["n"] += 1
        if calls["n"] == 3:
            raise OSError(28, "No space left on device")
        real(target, data)

    monkeypatch.setattr(world_module, "_write_file", disk_full_on_third)
    code, _, err = _run(capsys, *base, "--seed", "3", "--force")
    assert code == 1 and "No space left" in err and "Traceback" not in err
    assert (out_dir / "MANIFEST").read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["world"]


# ---------------------------------------------------------------------------- issue 10


def _tree(path):
    """Every file and folder under ``path`` with its bytes (a folder: None)."""
    return {
        p.relative_to(path).as_posix(): (p.read_bytes() if p.is_file() else None)
        for p in sorted(path.rglob("*"))
    }


def _no_generation(monkeypatch):
    """Make generating a world fail the test: refusals must come before any work."""

    def forbidden(*args, **kwargs):
        raise AssertionError("the world was generated before the input was refused")

    monkeypatch.setattr("coursekit.synth.cli_api.generate_world", forbidden)
    monkeypatch.setattr("coursekit.synth.stream.shared_parts", forbidden)


TINY = ["--customers", "20", "--start", "2025-11-01", "--end", "2025-12-31", "--quiet"]


@pytest.fixture
def world(tmp_path, capsys):
    """A tiny world in tmp_path/world, as `coursekit data generate` writes it."""
    path = tmp_path / "world"
    assert _run(capsys, "data", "generate", *TINY, "--out", str(path))[0] == 0
    return path


def test_force_replaces_only_the_files_of_the_world(world, capsys):
    """`--force` onto a world holding the user's notes.txt and mywork/ keeps both."""
    (world / "notes.txt").write_text("my notes")
    (world / "mywork").mkdir()
    (world / "mywork" / "analysis.py").write_text("print(1)")
    (world / "raw" / "my_copy.csv").write_text("a,b")
    mine = {k: v for k, v in _tree(world).items() if k.startswith(("notes", "mywork", "raw/my"))}
    code, _, err = _run(
        capsys, "data", "generate", *TINY, "--seed", "3", "--no-truth", "--out", str(world),
        "--force",
    )  # fmt: skip
    assert code == 0, err
    after = _tree(world)
    assert {k: after.get(k, "gone") for k in mine} == mine
    assert json.loads((world / "MANIFEST").read_text())["parameters"]["seed"] == 3
    assert not (world / "truth").exists()  # the old world's hidden tables went with it
    code, out, _ = _run(capsys, "data", "verify", str(world))
    assert code == 0 and "unexpected: notes.txt" in out
    assert sorted(p.name for p in world.parent.iterdir()) == ["world"]  # nothing left over


def test_force_refuses_files_of_the_user_it_would_overwrite(world, tmp_path, capsys, monkeypatch):
    # A partitioned world writes orders/month=.../part-*.parquet: the user's own file of
    # that name is refused by name before anything is generated.
    mine = world / "orders" / "month=2025-11" / "part-00000.parquet"
    mine.parent.mkdir(parents=True)
    mine.write_text("my own export")
    before = _tree(tmp_path)
    _no_generation(monkeypatch)
    code, _, err = _run(
        capsys, "data", "generate", *TINY, "--format", "parquet", "--out", str(world), "--force"
    )
    assert code == 2 and "orders/month=2025-11" in err and err.count("\n") == 1
    assert _tree(tmp_path) == before


def test_force_refuses_a_world_with_a_damaged_manifest(world, tmp_path, capsys, monkeypatch):
    manifest = json.loads((world / "MANIFEST").read_text())
    manifest["files"] = list(manifest["files"])
    (world / "MANIFEST").write_text(json.dumps(manifest))
    before = _tree(tmp_path)
    _no_generation(monkeypatch)
    code, _, err = _run(capsys, "data", "generate", *TINY, "--out", str(world), "--force")
    assert code == 2 and "refusing to replace" in err and err.count("\n") == 1
    assert _tree(tmp_path) == before


def test_out_below_a_file_is_refused_before_generating(tmp_path, capsys, monkeypatch):
    (tmp_path / "afile.txt").write_text("keep")
    _no_generation(monkeypatch)
    code, _, err = _run(
        capsys, "data", "generate", *TINY, "--out", str(tmp_path / "afile.txt" / "sub")
    )
    assert code == 2 and "afile.txt is a file" in err and err.count("\n") == 1
    assert _tree(tmp_path) == {"afile.txt": b"keep"}


def test_a_world_too_big_for_the_memory_is_refused(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(world_module, "available_memory", lambda: 2 * 2**30)
    _no_generation(monkeypatch)
    code, _, err = _run(
        capsys, "data", "generate", "--customers", "2000000", "--out", str(tmp_path / "w")
    )
    assert code == 2 and "2.0 GiB is available" in err and "customers fit" in err
    assert os.listdir(tmp_path) == []


def test_an_unwritable_world_is_refused_before_generating(world, tmp_path, capsys, monkeypatch):
    """Root may write anywhere, so the missing permission is simulated."""
    real = os.access
    monkeypatch.setattr(
        world_module.os, "access", lambda p, mode: False if p == world else real(p, mode)
    )
    before = _tree(tmp_path)
    _no_generation(monkeypatch)
    code, _, err = _run(capsys, "data", "generate", *TINY, "--out", str(world), "--force")
    assert code == 2 and "no permission" in err and err.count("\n") == 1
    assert _tree(tmp_path) == before


def test_a_replacement_failing_at_the_last_step_leaves_no_partial_folder(
    world, tmp_path, capsys, monkeypatch
):
    (world / "notes.txt").write_text("mine")
    before = _tree(tmp_path)
    real = os.rename

    def permission_denied_on_the_world(src, dst):
        if Path(src) == world:
            raise PermissionError(13, "Permission denied", str(src))
        real(src, dst)

    monkeypatch.setattr("coursekit.fileio.os.rename", permission_denied_on_the_world)
    code, _, err = _run(
        capsys, "data", "generate", *TINY, "--seed", "4", "--out", str(world), "--force"
    )
    assert code == 1 and "Permission denied" in err and err.count("\n") == 1
    assert _tree(tmp_path) == before  # no .partial, no .old, notes.txt where it was


def test_out_dot_and_relative_paths(tmp_path, capsys, monkeypatch):
    (tmp_path / "empty").mkdir()
    monkeypatch.chdir(tmp_path / "empty")
    code, _, err = _run(capsys, "data", "generate", *TINY, "--out", ".")
    assert code == 2 and "current folder" in err and err.count("\n") == 1
    assert os.listdir(".") == []
    # A relative path works, and `.` inside a world is refused, not half-replaced.
    monkeypatch.chdir(tmp_path)
    assert _run(capsys, "data", "generate", *TINY, "--out", "empty/world")[0] == 0
    assert _run(capsys, "data", "verify", "empty/world")[0] == 0
    monkeypatch.chdir(tmp_path / "empty" / "world")
    before = _tree(tmp_path)
    code, _, err = _run(capsys, "data", "generate", *TINY, "--out", ".", "--force")
    assert code == 2 and "current folder" in err
    code, _, err = _run(capsys, "data", "generate", *TINY, "--out", "..", "--force")
    assert code == 2 and "current folder" in err
    assert _tree(tmp_path) == before


def test_no_truth_writes_a_world_to_hand_out(tmp_path, capsys):
    out_dir = tmp_path / "handout"
    code, _, err = _run(capsys, "data", "generate", *TINY, "--no-truth", "--out", str(out_dir))
    assert code == 0, err
    manifest = json.loads((out_dir / "MANIFEST").read_text())
    assert manifest["truth"]["included"] is False
    assert not (out_dir / "truth").exists()
    assert _run(capsys, "data", "verify", str(out_dir))[0] == 0
