"""``coursekit handout``: a folder and a zip per trainee with an own world, the instructor's
seeds and full worlds; the same roster gives the same worlds, a new trainee changes no one
else's."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import nbformat
import pytest

from coursekit import course
from coursekit.cli import main
from coursekit.errors import UsageError
from coursekit.grade.roster import read_roster, trainee_seed, world_identity
from coursekit.handout import handout_command, parse_modules

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
CUSTOMERS = "200"


def write_roster(path: Path, rows: list[tuple[str, str]]) -> Path:
    path.write_text("id,name\n" + "".join(f"{i},{n}\n" for i, n in rows), "utf-8")
    return path


def hand_out(roster: Path, out: Path) -> None:
    handout_command(
        roster=str(roster), out=str(out), customers=CUSTOMERS, modules="00",
        notebooks=str(NOTEBOOKS), quiet=True,
    )  # fmt: skip


@pytest.fixture(scope="module")
def handed_out(tmp_path_factory):
    """Two trainees handed out, then the same roster with a third trainee (listed first)
    handed out into another folder."""
    root = tmp_path_factory.mktemp("handout")
    first = write_roster(root / "roster.csv", [("t01", "张三"), ("t02", "Li Si")])
    hand_out(first, root / "class")
    grown = write_roster(root / "roster2.csv", [("t03", "王五"), ("t01", "张三"), ("t02", "Li Si")])
    hand_out(grown, root / "class2")
    return root


def test_each_trainee_gets_notebooks_and_a_world_without_the_hidden_tables(handed_out):
    folder = handed_out / "class" / "t01"
    assert sorted(p.name for p in (folder / "notebooks").iterdir()) == ["00_welcome.ipynb"]
    assert (folder / "datasets" / "customers.csv").is_file()
    assert not (folder / "datasets" / "truth").exists()
    full = handed_out / "class" / "instructor" / "worlds" / "t01"
    assert (full / "truth").is_dir() and any((full / "truth").iterdir())
    # The handed-out world holds the same data as the instructor's full one.
    assert world_identity(folder / "datasets") == world_identity(full)


def test_the_zip_holds_the_trainees_folder(handed_out):
    folder = handed_out / "class" / "t02"
    with zipfile.ZipFile(handed_out / "class" / "t02.zip") as archive:
        names = set(archive.namelist())
        customers = archive.read("t02/datasets/customers.csv")
    on_disk = {p.relative_to(folder.parent).as_posix() for p in folder.rglob("*") if p.is_file()}
    assert names == on_disk
    assert not any("/truth/" in name for name in names)
    assert customers == (folder / "datasets" / "customers.csv").read_bytes()


def test_the_instructor_keeps_every_seed_and_world(handed_out):
    instructor = handed_out / "class" / "instructor"
    trainees = {t.id: t for t in read_roster(instructor / "roster.csv")}
    assert sorted(trainees) == ["t01", "t02"]
    assert trainees["t01"].name == "张三"
    assert trainees["t01"].seed == trainee_seed("t01", 2026) != trainees["t02"].seed
    assert trainees["t02"].customers == int(CUSTOMERS)
    assert trainees["t02"].world == (instructor / "worlds" / "t02").resolve()
    settings = json.loads((instructor / "handout.json").read_text("utf-8"))
    assert settings["course_seed"] == 2026 and settings["modules"] == ["00_welcome"]


def test_the_notebook_names_the_trainee_and_the_world(handed_out):
    folder = handed_out / "class" / "t01"
    nb = nbformat.read(folder / "notebooks" / "00_welcome.ipynb", as_version=4)
    meta = nb.metadata["coursekit"]
    assert (meta["trainee"], meta["module"]) == ("t01", "00_welcome")
    assert meta["world"]["seed"] == trainee_seed("t01", 2026)
    assert meta["world"]["identity"] == world_identity(folder / "datasets")
    student = nbformat.read(NOTEBOOKS / "00_welcome.ipynb", as_version=4)
    assert [c.source for c in nb.cells] == [c.source for c in student.cells]


def test_course_setup_in_the_trainees_notebooks_folder_finds_the_own_world(handed_out, monkeypatch):
    folder = handed_out / "class" / "t02"
    monkeypatch.chdir(folder / "notebooks")
    info = course.setup(quiet=True)
    assert Path(info.path).resolve() == (folder / "datasets").resolve()


def test_the_same_roster_gives_the_same_worlds_and_a_new_trainee_changes_no_one_else(
    handed_out,
):
    for trainee in ("t01", "t02"):
        before = handed_out / "class" / trainee
        after = handed_out / "class2" / trainee
        assert world_identity(before / "datasets") == world_identity(after / "datasets")
        assert (handed_out / "class" / f"{trainee}.zip").read_bytes() == (
            handed_out / "class2" / f"{trainee}.zip"
        ).read_bytes()
    new = world_identity(handed_out / "class2" / "t03" / "datasets")
    assert new != world_identity(handed_out / "class2" / "t01" / "datasets")


def test_handing_out_again_keeps_the_worlds_and_adds_the_new_trainee(handed_out, tmp_path):
    out = handed_out / "class"
    customers = out / "t01" / "datasets" / "customers.csv"
    stamp = customers.stat().st_mtime_ns
    roster = write_roster(tmp_path / "r.csv", [("t01", "张三"), ("t02", "Li Si")])
    hand_out(roster, out)
    assert customers.stat().st_mtime_ns == stamp  # kept, not generated again


def test_other_settings_in_an_earlier_handout_folder_are_refused(handed_out, tmp_path):
    roster = write_roster(tmp_path / "r.csv", [("t01", "A")])
    with pytest.raises(UsageError, match="customers=200"):
        handout_command(roster=str(roster), out=str(handed_out / "class"), customers="300",
                        modules="00", notebooks=str(NOTEBOOKS), quiet=True)  # fmt: skip


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        ("id,name\nt01,A\nt01,B\n", "line 3: id 't01' is already on line 2"),
        ("id,name\n../evil,A\n", "may hold only letters"),
        ("name,city\nA,Shanghai\n", "no id column"),
        ("", "is empty"),
        ("id,name\n", "lists no trainee"),
    ],
)
def test_a_bad_roster_is_one_line_and_nothing_is_written(tmp_path, capsys, rows, message):
    roster = tmp_path / "roster.csv"
    roster.write_text(rows, "utf-8")
    out = tmp_path / "out"
    code = main(["handout", "--roster", str(roster), "--out", str(out), "--modules", "00",
                 "--notebooks", str(NOTEBOOKS)])  # fmt: skip
    err = capsys.readouterr().err
    assert code == 2 and message in err and len(err.strip().splitlines()) == 1
    assert not out.exists()


def test_a_gbk_roster_from_excel_is_read(tmp_path):
    roster = tmp_path / "roster.csv"
    roster.write_bytes("学号,姓名\nt01,张三\n".encode("gbk"))
    (trainee,) = read_roster(roster)
    assert (trainee.id, trainee.name) == ("t01", "张三")


def test_module_ranges():
    assert parse_modules("00-02") == [0, 1, 2]
    assert parse_modules("02,00-01") == [2, 0, 1]
    for bad in ("two", "03-01", ""):
        with pytest.raises(UsageError):
            parse_modules(bad)


def test_a_module_without_a_student_notebook_is_refused(tmp_path):
    roster = write_roster(tmp_path / "r.csv", [("t01", "A")])
    only_welcome = tmp_path / "nb"
    only_welcome.mkdir()
    (only_welcome / "00_welcome.ipynb").write_bytes((NOTEBOOKS / "00_welcome.ipynb").read_bytes())
    with pytest.raises(UsageError, match="no student notebook for module 07"):
        handout_command(roster=str(roster), out=str(tmp_path / "o"), customers=CUSTOMERS,
                        modules="07", notebooks=str(only_welcome), quiet=True)  # fmt: skip
    assert not (tmp_path / "o").exists()


def test_a_half_written_trainee_folder_is_completed_with_the_same_world(handed_out, tmp_path):
    import shutil

    out = handed_out / "class2"
    identity = world_identity(out / "t03" / "datasets")
    shutil.rmtree(out / "t03" / "datasets")  # stopped between the two copies of the world
    (out / "t03.zip").unlink()
    roster = write_roster(tmp_path / "r.csv", [("t03", "王五")])
    hand_out(roster, out)
    assert world_identity(out / "t03" / "datasets") == identity
    assert zipfile.ZipFile(out / "t03.zip").testzip() is None
    # Trainees handed out before and not on this roster stay on the instructor's roster.
    assert {t.id for t in read_roster(out / "instructor" / "roster.csv")} == {"t01", "t02", "t03"}


def test_truth_hands_out_the_hidden_tables_and_changing_it_is_refused(tmp_path, capsys):
    """--truth: the reveals of 03-08 can run in the trainee's world; a folder handed out
    without it is not silently switched."""
    roster = write_roster(tmp_path / "r.csv", [("t01", "A")])
    handout_command(roster=str(roster), out=str(tmp_path / "with"), customers=CUSTOMERS,
                    modules="00", notebooks=str(NOTEBOOKS), quiet=True, truth=True)  # fmt: skip
    world = tmp_path / "with" / "t01" / "datasets"
    assert (world / "truth" / "truth.csv").is_file()
    course.setup(data=world, quiet=True)
    assert len(course.load("truth")) == int(CUSTOMERS)
    with pytest.raises(UsageError, match="truth=True"):
        handout_command(roster=str(roster), out=str(tmp_path / "with"), customers=CUSTOMERS,
                        modules="00", notebooks=str(NOTEBOOKS), quiet=True)  # fmt: skip


def test_modules_that_need_the_hidden_tables_are_named_when_they_are_left_out(tmp_path, capsys):
    roster = write_roster(tmp_path / "r.csv", [("t01", "A")])
    handout_command(roster=str(roster), out=str(tmp_path / "h"), customers=CUSTOMERS,
                    modules="00,06", notebooks=str(NOTEBOOKS))  # fmt: skip
    err = capsys.readouterr().err
    assert "without --truth" in err and "06_strategy" in err and "00_welcome" not in err
    assert "rebuild the hidden tables from each world's seed" in err
    assert not (tmp_path / "h" / "t01" / "datasets" / "truth").exists()
