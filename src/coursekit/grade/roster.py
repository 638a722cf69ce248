"""Trainees and their worlds: the roster, the per-trainee seed, and a world's identity.

A roster is a CSV file with a header and one trainee per row: ``id`` and ``name`` (the
Chinese headers ``学号`` and ``姓名`` work too). ``coursekit handout`` writes the
instructor's copy, ``instructor/roster.csv``, with three more columns: the ``seed``, the
number of ``customers`` and the ``world`` folder (relative to the roster) of every
trainee; ``coursekit grade --roster`` takes either.

A trainee's seed comes from the course seed and the trainee's id alone
(:func:`trainee_seed`), so adding a trainee to the roster changes no one else's world.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import re
from dataclasses import dataclass
from pathlib import Path

from coursekit.errors import UsageError

ID_COLUMNS = ("id", "学号", "student_id", "trainee")
NAME_COLUMNS = ("name", "姓名")
#: Ids become folder and file names: letters, digits, ".", "_" and "-" only.
_SAFE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
INSTRUCTOR_COLUMNS = ("id", "name", "seed", "customers", "world")


@dataclass(frozen=True)
class Trainee:
    """One row of a roster.

    Attributes:
        id: the trainee's id (safe as a folder name).
        name: the name to show (may be empty).
        seed: the seed of the trainee's world, when the roster is the instructor's copy.
        customers: the size of that world.
        world: the folder of that world (absolute), when known.
    """

    id: str
    name: str = ""
    seed: int | None = None
    customers: int | None = None
    world: Path | None = None

    @property
    def label(self) -> str:
        return f"{self.name} ({self.id})" if self.name else self.id


def trainee_seed(trainee_id: str, course_seed: int) -> int:
    """The seed of a trainee's world: a hash of the course seed and the trainee's id.

    Independent of the roster's other rows and their order; below 2**31.
    """
    digest = hashlib.sha256(f"coursekit-trainee:{course_seed}:{trainee_id}".encode()).digest()
    return int.from_bytes(digest[:4], "big") % 2**31


def read_roster(path: str | os.PathLike) -> list[Trainee]:
    """Read a roster; any problem is a one-line ``UsageError`` naming the file and row.

    UTF-8 (with or without a byte-order mark) is read, and so is GB18030 (GBK), the
    encoding Excel uses for CSV on Chinese Windows.
    """
    path = Path(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise UsageError(f"roster {path} does not exist") from None
    except IsADirectoryError:
        raise UsageError(f"roster {path} is a folder; give the CSV file") from None
    except OSError as exc:
        raise UsageError(f"roster {path} cannot be read ({exc.strerror})") from None
    text = None
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    if text is None:
        raise UsageError(f"roster {path} is neither UTF-8 nor GBK text")
    rows = list(csv.reader(io.StringIO(text)))
    rows = [row for row in rows if any(cell.strip() for cell in row)]
    if not rows:
        raise UsageError(
            f"roster {path} is empty; it needs a header (id,name) and a row per trainee"
        )
    header = [cell.strip().lower() for cell in rows[0]]
    id_col = _column(header, ID_COLUMNS)
    if id_col is None:
        raise UsageError(
            f"roster {path} has no id column (header: {', '.join(rows[0])}); "
            "the first line must name the columns, e.g. id,name"
        )
    name_col = _column(header, NAME_COLUMNS)
    extra = {name: _column(header, (name,)) for name in ("seed", "customers", "world")}
    trainees: list[Trainee] = []
    seen: dict[str, int] = {}
    for number, row in enumerate(rows[1:], start=2):
        trainee_id = _cell(row, id_col)
        if not trainee_id:
            raise UsageError(f"roster {path}, line {number}: the id is empty")
        if not _SAFE_ID.match(trainee_id):
            raise UsageError(
                f"roster {path}, line {number}: id {trainee_id!r} may hold only letters, "
                "digits, '.', '_' and '-' (it names the trainee's folder)"
            )
        if trainee_id in seen:
            raise UsageError(
                f"roster {path}, line {number}: id {trainee_id!r} is already on line "
                f"{seen[trainee_id]}"
            )
        seen[trainee_id] = number
        seed = _whole(row, extra["seed"], path, number, "seed")
        customers = _whole(row, extra["customers"], path, number, "customers")
        world_text = _cell(row, extra["world"])
        world = (path.parent / world_text).resolve() if world_text else None
        trainees.append(
            Trainee(trainee_id, _cell(row, name_col), seed, customers, world)
        )  # fmt: skip
    if not trainees:
        raise UsageError(f"roster {path} lists no trainee (only a header)")
    return trainees


def roster_text(trainees: list[Trainee], base: Path) -> str:
    """The instructor's roster as CSV text (world folders relative to ``base``)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(INSTRUCTOR_COLUMNS)
    for trainee in trainees:
        world = "" if trainee.world is None else os.path.relpath(trainee.world, base)
        writer.writerow([trainee.id, trainee.name, trainee.seed, trainee.customers, world])
    return out.getvalue()


def _column(header: list[str], names: tuple[str, ...]) -> int | None:
    for name in names:
        if name in header:
            return header.index(name)
    return None


def _cell(row: list[str], column: int | None) -> str:
    if column is None or column >= len(row):
        return ""
    return row[column].strip()


def _whole(row, column, path, number, what) -> int | None:
    text = _cell(row, column)
    if not text:
        return None
    try:
        return int(text)
    except ValueError:
        raise UsageError(
            f"roster {path}, line {number}: {what} {text!r} is not a whole number"
        ) from None


# ---------------------------------------------------------------------------- worlds


def world_identity(path: str | os.PathLike) -> str:
    """What makes a world itself: a hash of its observed tables and raw exports.

    The same for a world and its handed-out copy without the hidden tables (the MANIFEST
    and the data dictionary differ between the two; the data does not).

    Raises:
        CourseDataError: no readable MANIFEST.
    """
    from coursekit.synth.io import README_NAME, read_manifest

    manifest = read_manifest(path)
    files = {
        name: entry["sha256"]
        for name, entry in manifest["files"].items()
        if not name.startswith("truth/") and name != README_NAME
    }
    text = json.dumps(sorted(files.items()), separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def world_parameters(path: str | os.PathLike) -> dict:
    """The generator's parameters of a world (seed, n_customers, start, end, locale)."""
    from coursekit.synth.io import read_manifest

    return dict(read_manifest(path).get("parameters", {}))
