"""Fuzz of `coursekit data generate / verify` and of the MANIFEST (hypothesis).

Whatever the arguments or the MANIFEST: an exit code of 0 or 2 (0, 1 or 2 for verify), a
one-line message and no traceback on refusal, and no file outside the target touched
(the whole sandbox is compared before and after). Worlds are tiny and the examples few:
derandomized, so a run is reproducible and CI is not flaky.
"""

from __future__ import annotations

import contextlib
import json
import shutil
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from coursekit import course
from coursekit.cli import main
from coursekit.errors import CourseDataError
from coursekit.synth import io as sio

FUZZ = settings(
    max_examples=30,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@pytest.fixture(scope="module")
def pristine(tmp_path_factory):
    """A tiny world written by the CLI, copied into each example's sandbox."""
    path = tmp_path_factory.mktemp("fuzz") / "world"
    code = main(
        ["data", "generate", "--customers", "20", "--start", "2025-11-01", "--end",
         "2025-12-31", "--quiet", "--out", str(path)]
    )  # fmt: skip
    assert code == 0
    return path


def _tree(path: Path) -> dict[str, bytes | None]:
    return {
        p.relative_to(path).as_posix(): (p.read_bytes() if p.is_file() else None)
        for p in sorted(path.rglob("*"))
    }


def _outside(tree: dict, target: str) -> dict:
    return {k: v for k, v in tree.items() if k != target and not k.startswith(target + "/")}


def _one_line_error(err: str) -> bool:
    return err.count("\n") == 1 and err.startswith("coursekit: error: ") and "Traceback" not in err


# ---------------------------------------------------------------------------- CLI arguments

ODD_NUMBERS = ["0", "-3", "1e3", "", " 12 ", "10^29", "1000000000000", "1" + "0" * 40,
               "twenty", "２０", "5_0", "nan"]  # fmt: skip
NUMBERS = st.one_of(st.integers(1, 30).map(str), st.sampled_from(ODD_NUMBERS), st.text(max_size=8))
SHORT_WINDOW = st.integers(0, 300).map(lambda d: str(pd_day("2025-01-01", d)))
ODD_DATES = ["", "2025-02-30", "tomorrow", "2200-01-01", "2262-04-12", "1677-09-21",
             "2014-12-31", "2035-12-31", "99999-01-01", "2025-06-01T10:00+08:00"]  # fmt: skip
DATES = st.one_of(st.sampled_from(ODD_DATES), st.dates().map(str), st.text(max_size=12))
# Where --out points, inside the sandbox's `parent` folder (the current folder).
OUT_KINDS = ["new", "a/b/c", "afile.txt", "afile.txt/sub", "world", "notes_only", "empty", ".",
             "world/raw", "new_rel"]  # fmt: skip
NAMES = st.text(
    alphabet=st.characters(blacklist_characters="/.~\\", blacklist_categories=("Cs",)),
    min_size=1,
    max_size=20,
)


def pd_day(start: str, days: int):
    import pandas as pd

    return (pd.Timestamp(start) + pd.Timedelta(days=days)).date()


@st.composite
def arguments(draw):
    valid = draw(st.booleans())
    customers = draw(st.integers(5, 30).map(str) if valid else NUMBERS)
    if valid:
        start = draw(SHORT_WINDOW)
        end = str(pd_day(start, draw(st.integers(1, 40))))
    else:
        start, end = draw(DATES), draw(DATES)
    return {
        "customers": customers,
        "seed": draw(st.one_of(st.integers(0, 10**6).map(str), NUMBERS)),
        "start": start,
        "end": end,
        "locale": draw(st.sampled_from(["zh_CN", "en_US", "zh_CN", "fr_FR", ""])),
        "format": draw(st.sampled_from(["csv", "parquet", "csv", "xlsx", ""])),
        "out": draw(st.sampled_from(OUT_KINDS) | NAMES),
        "force": draw(st.booleans()),
        "no_truth": draw(st.booleans()),
    }


@FUZZ
@given(args=arguments())
def test_generate_never_touches_anything_but_its_target(pristine, args, capsys):
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        parent = root / "parent"
        shutil.copytree(pristine, parent / "world")
        (parent / "world" / "notes.txt").write_text("mine")
        (parent / "notes_only").mkdir()
        (parent / "notes_only" / "notes.txt").write_text("mine")
        (parent / "empty").mkdir()
        (parent / "afile.txt").write_text("keep me")
        (root / "outside.txt").write_text("keep me too")
        before = _tree(root)
        argv = ["data", "generate", "--quiet", f"--out={args['out']}"]
        argv += [f"--{k}={args[k]}" for k in ("customers", "seed", "start", "end", "locale")]
        argv += [f"--format={args['format']}"]
        argv += ["--force"] * args["force"] + ["--no-truth"] * args["no_truth"]
        with contextlib.chdir(parent):
            code = main(argv)
        _, err = capsys.readouterr()
        after = _tree(root)
        assert code in (0, 2), (argv, err)
        event(f"exit {code}")
        if code == 2:
            assert _one_line_error(err), (argv, err)
            assert after == before, argv
            return
        target = (parent / args["out"]).resolve().relative_to(root).as_posix()
        assert _outside(after, target) == _outside(before, target), argv
        # What the user had in the target is still there.
        for name, data in before.items():
            if name.startswith(target + "/") and name.endswith("notes.txt"):
                assert after[name] == data, argv
        assert main(["data", "verify", str(root / target)]) == 0, argv
        capsys.readouterr()


# ---------------------------------------------------------------------------- the MANIFEST

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3)
    ),
    max_leaves=6,
)


def _paths(node, prefix=()):
    """Every place in a parsed MANIFEST, as a tuple of keys."""
    yield prefix
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _paths(value, (*prefix, key))


def _mutate(manifest, path, action, value):
    if not path:
        return value if action == "replace" else {}
    node = manifest
    for key in path[:-1]:
        node = node[key]
    if action == "delete":
        del node[path[-1]]
    elif action == "rename":
        node[str(value)[:20]] = node.pop(path[-1])
    else:
        node[path[-1]] = value
    return manifest


@st.composite
def manifests(draw, original: dict):
    if draw(st.integers(0, 9)) == 0:
        return draw(st.binary(max_size=64))
    manifest = json.loads(json.dumps(original))
    for _ in range(draw(st.integers(1, 3))):
        places = list(_paths(manifest)) if isinstance(manifest, dict) else [()]
        path = draw(st.sampled_from(places))
        action = draw(st.sampled_from(["replace", "replace", "delete", "rename"]))
        manifest = _mutate(manifest, path, action, draw(JSON))
    return json.dumps(manifest).encode()


@FUZZ
@given(data=st.data())
def test_any_manifest_is_read_or_refused_in_one_line(pristine, data, capsys):
    original = json.loads((pristine / sio.MANIFEST_NAME).read_text())
    text = data.draw(manifests(original))
    with tempfile.TemporaryDirectory() as tmp:
        world = Path(shutil.copytree(pristine, Path(tmp) / "world"))
        (world / sio.MANIFEST_NAME).write_bytes(text)
        before = _tree(Path(tmp))
        try:
            parsed = json.loads(text)
        except ValueError:
            parsed = None
        well_formed = parsed is not None and sio.manifest_problem(parsed) is None
        event("well formed" if well_formed else "malformed")

        code = main(["data", "verify", str(world)])
        out, err = capsys.readouterr()
        if well_formed:
            assert code in (0, 1), err
        else:
            assert code == 2 and out == "" and _one_line_error(err), err

        try:
            course.setup(data=world, quiet=True)
        except CourseDataError as exc:
            assert "\n" not in str(exc)
        else:
            assert well_formed
            for name in ("orders", "truth"):
                try:
                    course.load(name)
                except CourseDataError as exc:
                    assert "\n" not in str(exc)
        finally:
            course.reset()
        assert _tree(Path(tmp)) == before
