"""The configuration of the notebook tests: the nbval sanitizer and the Makefile target."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from nbval.plugin import get_sanitize_patterns

from coursekit.build import NOTEBOOK_ENV, NOTEBOOK_ENV_UNSET
from coursekit.course import DataInfo

ROOT = Path(__file__).resolve().parents[2]
PATTERNS = get_sanitize_patterns((ROOT / ".ci" / "nbval_sanitize.cfg").read_text("utf-8"))


def sanitize(text: str) -> str:
    """What nbval does to every output string, reference and fresh alike."""
    for regex, replacement in PATTERNS:
        text = re.sub(regex, replacement, text)
    return text


def test_every_pattern_is_read_and_compiles():
    assert len(PATTERNS) >= 10
    for regex, _ in PATTERNS:
        re.compile(regex)


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_setup_line_is_the_same_wherever_the_data_lives(lang):
    paths = [
        "/home/runner/work/coursekit/datasets",
        "/Users/Zhang Wei/课程 (v2)/datasets",
        r"C:\Users\zw\coursekit\datasets",
    ]
    lines = {
        sanitize(DataInfo(Path(p), "datasets", 2026, 5000, "fp").describe(lang)) for p in paths
    }
    assert len(lines) == 1
    line = lines.pop()
    assert "<DATA_DIR>" in line and "seed=2026" in line and "5,000" in line


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_setup_line_still_shows_what_matters(lang):
    def line(seed, n, source="datasets"):
        return sanitize(DataInfo(Path("/data/x"), source, seed, n, "fp").describe(lang))

    assert line(2026, 5000) != line(2027, 5000)
    assert line(2026, 5000) != line(2026, 4000)
    assert line(2026, 5000) != line(2026, 5000, source="env")
    memory = DataInfo(None, "memory", 2026, 5000, "fp").describe(lang)
    assert sanitize(memory) == memory


@pytest.mark.parametrize(
    ("output", "expected"),
    [
        ("<object object at 0x7f3a5c1f21d0>", "<object object at 0xADDRESS>"),
        ("[<matplotlib.lines.Line2D at 0x10a2b3c40>]", "[<matplotlib.lines.Line2D at 0xADDRESS>]"),
        ("<Figure size 640x480 with 2 Axes>", "<Figure size WxH with 2 Axes>"),
        ("/work/x/.venv/lib/python3.11/site-packages/pandas/a.py:12: FutureWarning: y", None),
        ("PosixPath('/tmp/pytest-of-ci/datasets')", "PosixPath('<PATH>')"),
        ("WindowsPath('C:/Users/zw/datasets')", "WindowsPath('<PATH>')"),
        ('<table id="T_09b64"><td id="T_09b64_row0_col0">', None),
        ("CPU times: user 3 ms, sys: 1 ms, total: 4 ms\nWall time: 5.2 ms", None),
        ("1.23 ms ± 4.5 µs per loop (mean ± std. dev. of 7 runs, 1,000 loops each)", "<TIMEIT>"),
        ("100%|██████████| 100/100 [00:03<00:00, 30.5it/s]", "100%|██████████| 100/100 [<ETA>]"),
    ],
)
def test_volatile_output_is_rewritten(output, expected):
    result = sanitize(output)
    assert result != output
    if expected is not None:
        assert result == expected


@pytest.mark.parametrize(
    "output",
    [
        "R/F/M scores on 2024/01/02; 30 km/h; 元/件; see https://example.org/a/b",
        "<table><tr><th>segment</th></tr></table>",
        "seed=2026, 5,000 customers, 0xff, 12.5% lift, T_score",
        "<Figure size 640x480 with 2 Axes>".replace("Figure", "Frame"),
        "冠军客户 (Champions)  1,234  ¥56,789.00",
    ],
)
def test_meaningful_output_is_left_alone(output):
    assert sanitize(output) == output


# ---------------------------------------------------------------------------- Makefile


def makefile_target(name: str) -> tuple[dict[str, str], str]:
    """The exported variables and the recipe of one Makefile target."""
    text = (ROOT / "Makefile").read_text("utf-8")
    exported = dict(re.findall(rf"^{name}: export (\w+) :=[ \t]*(.*)$", text, flags=re.MULTILINE))
    recipe = re.search(rf"^{name}:(?! export).*\n((?:\t.*\n)+)", text, flags=re.MULTILINE)
    assert recipe, f"no recipe for {name}"
    return exported, recipe[1]


def test_make_notebooks_uses_the_environment_the_outputs_were_made_in():
    exported, _ = makefile_target("notebooks")
    for key, value in NOTEBOOK_ENV.items():
        assert exported.get(key) == value
    for key in NOTEBOOK_ENV_UNSET:
        assert exported.get(key) == ""
    assert "COURSEKIT_PROGRESS" in exported


def test_make_notebooks_runs_both_folders_with_the_tested_options(nbval_opts):
    # One notebook's cells share a kernel: xdist must not spread them over workers.
    assert "--dist loadfile" in " ".join(nbval_opts)
    assert "--nbval-current-env" in nbval_opts
    assert nbval_opts[nbval_opts.index("--nbval-sanitize-with") + 1] == ".ci/nbval_sanitize.cfg"
    _, recipe = makefile_target("notebooks")
    runs = [line for line in recipe.splitlines() if "pytest_or_fail" in line]
    assert [r.split(",", 1)[1].rstrip(")") for r in runs] == [
        "--nbval $(NBVAL_OPTS) solutions",
        "--nbval-lax $(NBVAL_OPTS) -p coursekit.nbval_student notebooks",
    ]


def test_unit_runs_do_not_collect_the_notebook_fixtures():
    # Even with --nbval on, the notebooks under tests/files/build are inputs, not tests.
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "-q", "--nbval", "tests/files/build"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 5, result.stdout + result.stderr  # 5: nothing collected
