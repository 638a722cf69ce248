"""``coursekit handout``: a folder (and a zip) per trainee, each with an own world.

``coursekit handout --roster roster.csv --out DIR`` writes::

    DIR/
      t01/                      one folder per trainee, and t01.zip holding it
        README.txt
        notebooks/00_welcome.ipynb ...   the student notebooks, marked with the trainee
        datasets/               the trainee's world without the hidden tables (truth/),
                                or with them when --truth is given
      instructor/
        roster.csv              id, name, seed, customers, world of every trainee
        handout.json            the course seed, the world size and the modules
        worlds/t01/             every world in full, hidden tables included

A trainee opens ``notebooks/NN_*.ipynb``; ``course.setup()`` finds ``datasets/`` one folder
up. Each notebook's metadata names the trainee and the world (seed and identity), which
``coursekit grade`` reads to grade the submission on that world.

Each trainee's seed comes from the course seed and the trainee's id
(:func:`coursekit.grade.roster.trainee_seed`): running the command again with the same
roster writes the same worlds (a trainee whose folders are complete is kept as is), and
adding a trainee changes no one else's.
"""

from __future__ import annotations

import io
import json
import re
import sys
import zipfile
from collections.abc import Sequence
from pathlib import Path

from coursekit.errors import UsageError
from coursekit.fileio import atomic_write_bytes, atomic_write_text
from coursekit.grade.roster import Trainee, read_roster, roster_text, trainee_seed

INSTRUCTOR = "instructor"
SETTINGS = "handout.json"
ALL_MODULES = "00-08"
#: Zip entries get this date, so that the same folder gives the same zip, byte for byte.
ZIP_DATE = (2024, 1, 1, 0, 0, 0)

README = """\
Precise customer segmentation course (精准客户分层) — {label}

Open the notebooks in notebooks/ with JupyterLab, starting with {first}.
Your own data is in datasets/: course.setup() finds it by itself.
Hand in the notebooks you worked on (File > Save, then the .ipynb file).

在 JupyterLab 中打开 notebooks/ 里的笔记本，从 {first} 开始。
你自己的数据在 datasets/ 中，course.setup() 会自动找到它。
完成后提交你的 .ipynb 笔记本文件。
"""


def parse_modules(spec: str) -> list[int]:
    """Module numbers from ``"00-08"``, ``"02"``, ``"00,02-03"``; ``UsageError`` otherwise."""
    numbers: list[int] = []
    for part in str(spec).split(","):
        part = part.strip()
        match = re.fullmatch(r"(\d{1,2})(?:\s*-\s*(\d{1,2}))?", part)
        if not match:
            raise UsageError(
                f"--modules takes module numbers such as 00-08, 02 or 00,02; not {spec!r}"
            )
        first = int(match.group(1))
        last = int(match.group(2)) if match.group(2) else first
        if last < first:
            raise UsageError(f"--modules: the range {part!r} runs backwards")
        numbers += [n for n in range(first, last + 1) if n not in numbers]
    return numbers


def find_notebooks(folder: Path, numbers: Sequence[int], explicit: bool) -> list[Path]:
    """The student notebooks ``NN_*.ipynb`` of ``folder`` for the module numbers given."""
    if not folder.is_dir():
        raise UsageError(f"no notebooks folder {folder}; give --notebooks DIR")
    available = {}
    for path in sorted(folder.glob("[0-9][0-9]_*.ipynb")):
        available.setdefault(int(path.name[:2]), path)
    chosen = [available[n] for n in numbers if n in available]
    missing = [f"{n:02d}" for n in numbers if n not in available]
    if not chosen or (explicit and missing):
        have = ", ".join(p.stem for p in available.values()) or "none"
        raise UsageError(f"no student notebook for module {', '.join(missing)} in {folder} "
                         f"(there: {have})")  # fmt: skip
    return chosen


def handout_command(
    *,
    roster: str,
    out: str,
    customers: str = "5000",
    modules: str | None = None,
    seed: str = "2026",
    notebooks: str = "notebooks",
    quiet: bool = False,
    truth: bool = False,
) -> int:
    """What ``coursekit handout`` does; bad input is a ``UsageError`` before anything is
    written."""
    trainees = read_roster(roster)
    n_customers = _positive(customers, "--customers")
    course_seed = _positive(seed, "--seed", zero_ok=True)
    numbers = parse_modules(modules or ALL_MODULES)
    chosen = find_notebooks(Path(notebooks), numbers, explicit=modules is not None)
    if not str(out).strip():
        raise UsageError("--out needs the name of a folder")
    from coursekit.synth.world import GeneratorInputError, validate_parameters

    try:
        validate_parameters(n_customers, course_seed, "2024-01-01", "2025-12-31", "zh_CN")
    except GeneratorInputError as exc:
        raise UsageError(str(exc)) from None
    with_reveals = [p.stem for p in chosen if p.stem[:2].isdigit() and 3 <= int(p.stem[:2]) <= 8]
    if with_reveals and not truth and not quiet:
        # Without truth/ the reveal cells print that the instructor shows them (and 04's q9,
        # itself a reveal, cannot be answered); the checks and the campaign simulator rebuild
        # the hidden tables from the world's seed. Say so before an hour of writing.
        print(
            f"note: without --truth, the reveals against the hidden truth in "
            f"{', '.join(with_reveals)} say that you show them (04's q9 is one); the checks "
            "and the campaign simulator rebuild the hidden tables from each world's seed. Add "
            "--truth to hand out the hidden tables too (trainees can then read them)",
            file=sys.stderr,
        )
    handout(trainees, Path(out), n_customers, course_seed, chosen, quiet=quiet, truth=truth)
    return 0


def handout(
    trainees: Sequence[Trainee],
    out: Path,
    n_customers: int,
    course_seed: int,
    notebooks: Sequence[Path],
    *,
    quiet: bool = False,
    truth: bool = False,
) -> list[Trainee]:
    """Write every trainee's folder, zip and world, and the instructor's folder.

    ``truth=True`` hands out the hidden tables too (the reveals of modules 03-08 need them;
    the checks and the campaign simulator rebuild them from the world's seed without).

    Returns:
        The trainees with their seed, size and world folder filled in.
    """
    out = Path(out)
    settings = {"course_seed": course_seed, "customers": n_customers}
    if truth:  # recorded only when given, so earlier handouts (no key) stay valid reruns
        settings["truth"] = True
    _check_out(out, settings)
    modules = [path.stem for path in notebooks]
    done: list[Trainee] = []
    for number, trainee in enumerate(trainees, start=1):
        seed = trainee_seed(trainee.id, course_seed)
        world_dir = out / INSTRUCTOR / "worlds" / trainee.id
        folder = out / trainee.id
        kept = _world_ready(world_dir, seed, n_customers) and _world_ready(
            folder / "datasets", seed, n_customers
        )
        kept = kept and (folder / "datasets" / "truth").is_dir() == truth
        if not kept:
            _write_worlds(world_dir, folder / "datasets", seed, n_customers, truth)
        from coursekit.grade.roster import world_identity, world_parameters

        params = world_parameters(world_dir)
        world = {
            "seed": seed,
            "customers": n_customers,
            "start": params.get("start"),
            "end": params.get("end"),
            "locale": params.get("locale"),
            "identity": world_identity(world_dir),
        }
        for path in notebooks:
            _write_notebook(path, folder / "notebooks" / path.name, trainee, world)
        first = notebooks[0].name
        readme = README.format(label=trainee.label, first=f"notebooks/{first}")
        atomic_write_text(folder / "README.txt", readme)
        atomic_write_bytes(out / f"{trainee.id}.zip", _zip_folder(folder))
        done.append(Trainee(trainee.id, trainee.name, seed, n_customers, world_dir.resolve()))
        if not quiet:
            what = "kept" if kept else "written"
            print(
                f"[{number}/{len(trainees)}] {trainee.label}: world seed {seed} "
                f"({n_customers:,} customers) {what}; {len(notebooks)} notebook(s)",
                file=sys.stderr,
            )
    instructor = out / INSTRUCTOR
    # Trainees handed out before and not on this roster stay on the instructor's roster.
    previous = _previous_roster(instructor / "roster.csv")
    listed = {t.id for t in done}
    everyone = done + [t for t in previous if t.id not in listed]
    atomic_write_text(instructor / "roster.csv", roster_text(everyone, instructor))
    record = {**settings, "modules": modules, "trainees": len(everyone)}
    atomic_write_text(instructor / SETTINGS, json.dumps(record, indent=1) + "\n")
    if not quiet:
        print(
            f"handed out {len(done)} trainee folder(s) and zip(s) to {out}; the seeds and "
            f"the full worlds are in {instructor}",
            file=sys.stderr,
        )
    return done


def _check_out(out: Path, settings: dict) -> None:
    """Refuse a folder that is not an earlier handout, or one made with other settings."""
    if out.exists() and not out.is_dir():
        raise UsageError(f"--out {out} is a file, not a folder")
    recorded = out / INSTRUCTOR / SETTINGS
    if recorded.is_file():
        try:
            before = json.loads(recorded.read_text("utf-8"))
        except (OSError, ValueError):
            raise UsageError(f"{recorded} is damaged; hand out into a new folder") from None
        changed = [k for k in (*settings, "truth") if before.get(k) != settings.get(k)]
        changed = list(dict.fromkeys(changed))
        if changed:
            was = ", ".join(f"{k}={before.get(k)}" for k in changed)
            raise UsageError(
                f"{out} was handed out with {was}: the same values keep every trainee's "
                "world; for other worlds choose a new folder"
            )
    elif out.is_dir() and any(out.iterdir()):
        raise UsageError(f"{out} is not empty and holds no handout; choose a new folder")


def _world_ready(path: Path, seed: int, n_customers: int) -> bool:
    from coursekit.errors import CourseDataError
    from coursekit.grade.roster import world_parameters

    try:
        params = world_parameters(path)
    except CourseDataError:
        return False
    return params.get("seed") == seed and params.get("n_customers") == n_customers


def _write_worlds(
    full: Path, handed_out: Path, seed: int, n_customers: int, truth: bool = False
) -> None:
    from coursekit.synth import generate_world

    world = generate_world(n_customers=n_customers, seed=seed)
    full.parent.mkdir(parents=True, exist_ok=True)
    handed_out.parent.mkdir(parents=True, exist_ok=True)
    world.save(full, force=True, truth=True)
    world.save(handed_out, force=True, truth=truth)


def _write_notebook(source: Path, target: Path, trainee: Trainee, world: dict) -> None:
    from coursekit.build.student import notebook_text, read_notebook

    nb = read_notebook(source)
    nb.metadata["coursekit"] = {
        "module": source.stem,
        "trainee": trainee.id,
        "name": trainee.name,
        "world": world,
    }
    atomic_write_text(target, notebook_text(nb))


def _zip_folder(folder: Path) -> bytes:
    """The folder as a zip (entries under ``<folder name>/``), the same bytes every time."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(p for p in folder.rglob("*") if p.is_file()):
            relative = path.relative_to(folder.parent).as_posix()
            if any(part.startswith(".") for part in path.relative_to(folder).parts):
                continue  # checkpoints, editor files
            info = zipfile.ZipInfo(relative, date_time=ZIP_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, path.read_bytes())
    return buffer.getvalue()


def _previous_roster(path: Path) -> list[Trainee]:
    if not path.is_file():
        return []
    try:
        return read_roster(path)
    except UsageError:
        return []


def _positive(text: str, what: str, zero_ok: bool = False) -> int:
    try:
        value = int(str(text).strip())
    except ValueError:
        raise UsageError(f"{what} must be a whole number, got {text!r}") from None
    if value < 0 or (value == 0 and not zero_ok):
        raise UsageError(f"{what} must be {'0 or more' if zero_ok else 'positive'}, got {value}")
    return value
