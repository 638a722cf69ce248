"""The instructor guides: the generated misconception tables are up to date, cover every
module and mistake, and `coursekit guide` rewrites only the block between the markers."""

from __future__ import annotations

import shutil
import sys
import textwrap
from pathlib import Path

import pytest

from coursekit import guide
from coursekit.cli import main
from coursekit.engine import registry
from coursekit.errors import UsageError

ROOT = Path(__file__).resolve().parents[1]


def test_the_committed_guides_are_up_to_date():
    stale = guide.stale_guides(ROOT)
    assert stale == [], f"run `coursekit guide`: {[str(p) for p in stale]} are out of date"


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_every_module_and_named_mistake_is_in_the_guide(lang):
    document = (ROOT / guide.GUIDES[lang]).read_text(encoding="utf-8")
    block = document[document.index(guide.BEGIN) : document.index(guide.END)]
    for name, problems in registry.problems_by_module().items():
        notebook = registry.load_module(name).NOTEBOOK
        assert f"### {notebook}\n" in block
        for problem in problems:
            for mistake in problem.mistakes:
                if mistake.name != guide.BUILT_IN:
                    assert f"`{mistake.name}`" in block, (name, mistake.name)
    assert "08_capstone" in block and "group_price_for_everyone" in block


def test_the_explanation_is_in_the_guides_language():
    from coursekit.exercises.capstone import q7

    mistake = next(m for m in q7.mistakes if m.name == "over_budget")
    english = guide.render("en")
    chinese = guide.render("zh")
    assert " ".join(mistake.en.split()) in english and mistake.zh in chinese
    assert mistake.zh not in english


def _copy_guides(tmp_path: Path) -> Path:
    for relative in guide.GUIDES.values():
        (tmp_path / relative).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(ROOT / relative, tmp_path / relative)
    return tmp_path


def test_update_rewrites_the_block_and_keeps_the_hand_written_text(tmp_path):
    root = _copy_guides(tmp_path)
    path = root / guide.GUIDES["en"]
    original = path.read_text(encoding="utf-8")
    start = original.index(guide.BEGIN) + len(guide.BEGIN)
    damaged = (
        "A note of our own.\n"
        + original[:start]
        + "\nstale table\n"
        + original[original.index(guide.END) :]
    )
    path.write_text(damaged, encoding="utf-8")
    assert guide.stale_guides(root) == [path]
    assert guide.update_guides(root) == [path]
    assert path.read_text(encoding="utf-8") == "A note of our own.\n" + original
    assert guide.update_guides(root) == []  # idempotent


def test_a_guide_without_markers_changes_neither_file(tmp_path):
    root = _copy_guides(tmp_path)
    english, chinese = root / guide.GUIDES["en"], root / guide.GUIDES["zh"]
    english.write_text(english.read_text(encoding="utf-8") + "\nedited\n", encoding="utf-8")
    chinese.write_text(chinese.read_text(encoding="utf-8").replace(guide.END, ""), encoding="utf-8")
    before = english.read_text(encoding="utf-8"), chinese.read_text(encoding="utf-8")
    stale_block = before[0].replace(guide.BEGIN + "\n", guide.BEGIN + "\nold\n")
    english.write_text(stale_block, encoding="utf-8")
    with pytest.raises(UsageError, match="markers"):
        guide.update_guides(root)
    assert english.read_text(encoding="utf-8") == stale_block
    assert chinese.read_text(encoding="utf-8") == before[1]


def test_markers_out_of_order_are_refused():
    with pytest.raises(UsageError):
        guide.replace_block(f"{guide.END}\n{guide.BEGIN}\n", "x")


def test_a_module_merged_later_appears_when_the_command_is_run_again(tmp_path, monkeypatch):
    name = f"exercises_{tmp_path.name.replace('-', '_')}"
    package = tmp_path / name
    package.mkdir()
    (package / "__init__.py").write_text("", "utf-8")
    (package / "rfm.py").write_text(
        textwrap.dedent(
            """
            from coursekit.engine import Mistake, ValueProblem
            NOTEBOOK = "02_rfm"
            q1 = ValueProblem(id="rfm.q1", var="a", title={"en": "A", "zh": "甲"},
                              reference=lambda: 1,
                              mistakes=[Mistake("off_by_one", en="One more.", zh="多一。",
                                                produce=lambda e: e + 1)])
            """
        ),
        "utf-8",
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    root = _copy_guides(tmp_path / "repo")
    try:
        guide.update_guides(root, package=name)
        text = (root / guide.GUIDES["en"]).read_text(encoding="utf-8")
        assert "### 02_rfm" in text and "`off_by_one`" in text and "09_scale" not in text
        (package / "scale.py").write_text(
            textwrap.dedent(
                """
                from coursekit.engine import Mistake, ValueProblem
                NOTEBOOK = "09_scale"
                q1 = ValueProblem(id="scale.q1", var="b", title={"en": "B", "zh": "乙"},
                                  reference=lambda: 2,
                                  mistakes=[Mistake("rows_not_members", en="Rows.", zh="行。",
                                                    produce=lambda e: e + 1)])
                """
            ),
            "utf-8",
        )
        assert guide.stale_guides(root, package=name) == [
            root / guide.GUIDES["en"],
            root / guide.GUIDES["zh"],
        ]
        guide.update_guides(root, package=name)
        chinese = (root / guide.GUIDES["zh"]).read_text(encoding="utf-8")
        assert chinese.index("### 02_rfm") < chinese.index("### 09_scale")
        assert "| `q1` | 乙 | `rows_not_members` | 行。 |" in chinese
    finally:
        for module in [m for m in sys.modules if m == name or m.startswith(f"{name}.")]:
            del sys.modules[module]


def test_cli_check_fails_on_a_stale_guide_and_passes_after_the_update(tmp_path, capsys):
    root = _copy_guides(tmp_path)
    path = root / guide.GUIDES["zh"]
    path.write_text(
        path.read_text(encoding="utf-8").replace(guide.BEGIN + "\n", guide.BEGIN + "\nold\n"),
        encoding="utf-8",
    )
    assert main(["guide", "--check", "--root", str(root)]) == 1
    assert "out of date" in capsys.readouterr().out
    assert main(["guide", "--root", str(root)]) == 0
    assert main(["guide", "--check", "--root", str(root)]) == 0


def test_cli_without_guides_is_a_usage_error(tmp_path, capsys):
    assert main(["guide", "--root", str(tmp_path)]) == 2
    assert "not found" in capsys.readouterr().err


def test_cli_finds_the_guides_from_a_subfolder(tmp_path, monkeypatch, capsys):
    root = _copy_guides(tmp_path)
    (root / "notebooks").mkdir()
    monkeypatch.chdir(root / "notebooks")
    assert main(["guide", "--check"]) == 0
    assert guide.find_root() == root.resolve()
