"""Atomic file writes: a reader never sees a half-written file, a crash loses nothing."""

from __future__ import annotations

import contextlib
import errno
import os
import secrets
import shutil
import tempfile
import warnings
from collections.abc import Collection, Iterator
from pathlib import Path


def atomic_write_bytes(path: str | os.PathLike, data: bytes) -> None:
    """Write ``data`` to ``path`` via a temporary file in the same directory and a rename."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def atomic_write_text(path: str | os.PathLike, text: str, encoding: str = "utf-8") -> None:
    """Text version of :func:`atomic_write_bytes` (newlines are written as given)."""
    atomic_write_bytes(path, text.encode(encoding))


def carry_over(
    folder: str | os.PathLike, owned: Collection[str], planned: Collection[str]
) -> tuple[list[str], list[str]]:
    """What of ``folder`` is not ``owned`` and must survive its replacement.

    Args:
        folder: the directory about to be replaced.
        owned: relative paths (``a/b.csv``) of the files that belong to what is replaced.
        planned: relative paths of the files the replacement will hold.

    Returns:
        (keep, conflicts): the other entries, each as large as possible (a folder without
        owned or planned files inside is one entry), to move into the replacement; and
        those of them that have the name of a planned file or folder.
    """
    owned, planned = set(owned), set(planned)
    inside = {p for name in owned | planned for p in folders_of(name)}
    planned_folders = {p for name in planned for p in folders_of(name)}
    keep: list[str] = []
    conflicts: list[str] = []

    def visit(path: str, prefix: str) -> None:
        with os.scandir(path) as it:
            entries = sorted(it, key=lambda e: e.name)
        for entry in entries:
            rel = prefix + entry.name
            is_dir = entry.is_dir(follow_symlinks=False)
            if is_dir and rel in inside:
                visit(entry.path, rel + "/")
            elif rel in owned and not is_dir:
                continue  # replaced
            elif rel in planned or rel in planned_folders:
                conflicts.append(rel)
            else:
                keep.append(rel)

    visit(os.fspath(folder), "")
    return keep, conflicts


def folders_of(name: str) -> list[str]:
    """The folders a relative path lies in: ``a/b/c.csv`` -> ``a``, ``a/b``."""
    parts = name.split("/")[:-1]
    return ["/".join(parts[: k + 1]) for k in range(len(parts))]


class StrandedFilesError(OSError):
    """A failed replacement could not put the user's files back where they were."""


@contextlib.contextmanager
def atomic_directory(
    target: str | os.PathLike, *, replace: Collection[str] | bool | None = None
) -> Iterator[Path]:
    """Build a directory in a temporary sibling and move it into place only on success.

    Yields the temporary directory to fill. On any exception (in the body or while moving
    into place) the temporary directory is removed and ``target`` is as it was.

    Args:
        target: the directory to create or replace.
        replace: None (or False) when ``target`` must not exist. Otherwise the relative
            paths of the files of ``target`` that the new directory replaces (True: all
            of them). Everything else in ``target`` (a user's notes, a folder of their
            own) is moved into the new directory, so nothing but those files is lost.
    """
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".partial", dir=target.parent))
    try:
        # mkdtemp makes the folder private (0700); a world is for others to read too.
        os.chmod(tmp, 0o777 & ~_umask())
        yield tmp
        _move_into_place(tmp, target, replace)
    except StrandedFilesError:
        raise  # the temporary folder holds the user's files: never delete it
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def _move_into_place(tmp: Path, target: Path, replace: Collection[str] | bool | None) -> None:
    if not os.path.lexists(target):
        os.rename(tmp, target)
        return
    if replace is None or replace is False:
        raise FileExistsError(errno.EEXIST, "already exists", str(target))
    if replace is True:
        keep: list[str] = []
    else:
        # Decided now, not when the run started: a file saved in the folder meanwhile is kept.
        planned = [p.relative_to(tmp).as_posix() for p in tmp.rglob("*") if not p.is_dir()]
        keep, conflicts = carry_over(target, replace, planned)
        if conflicts:
            raise FileExistsError(
                errno.EEXIST,
                f"{target} now holds {', '.join(conflicts)}, which the new content would "
                "overwrite; nothing was changed",
            )
    moved: list[str] = []
    old = None
    try:
        for rel in keep:
            destination = tmp / rel
            if os.path.lexists(destination):
                raise FileExistsError(errno.EEXIST, "would overwrite", str(destination))
            destination.parent.mkdir(parents=True, exist_ok=True)
            os.rename(target / rel, destination)
            moved.append(rel)
        old = target.with_name(f".{target.name}.old-{os.getpid()}-{secrets.token_hex(4)}")
        os.rename(target, old)
        try:
            os.rename(tmp, target)
        except BaseException:
            os.rename(old, target)
            raise
    except BaseException:
        _move_back(moved, tmp, target)
        raise
    _remove_replaced(old, None if replace is True else replace)


def _move_back(moved: list[str], tmp: Path, target: Path) -> None:
    for rel in reversed(moved):
        try:
            os.rename(tmp / rel, target / rel)
        except OSError as exc:
            raise StrandedFilesError(
                f"could not move {rel} back into {target} ({exc.strerror}); it is in {tmp}"
            ) from exc


def _remove_replaced(old: Path, owned: Collection[str] | None) -> None:
    """Delete what was replaced: only the owned files and the folders they leave empty."""
    if owned is None:
        shutil.rmtree(old, ignore_errors=True)
        return
    for rel in owned:
        with contextlib.suppress(FileNotFoundError, NotADirectoryError, IsADirectoryError):
            os.unlink(old / rel)
    for folder, _, _ in os.walk(old, topdown=False):  # children before their parents
        with contextlib.suppress(OSError):
            os.rmdir(folder)  # only empty folders go
    if os.path.lexists(old):
        warnings.warn(f"kept {old}: files appeared in it while it was replaced", stacklevel=4)


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask
