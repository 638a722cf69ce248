"""`coursekit data generate / verify`: bad input is one clear line, exit 2, nothing written."""

from __future__ import annotations

import json
import os

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
