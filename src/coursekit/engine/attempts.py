"""The attempt store: attempts and passes per problem, in a small JSON file.

The file is ``COURSEKIT_PROGRESS`` if set, else ``progress.json`` in the user data
directory. Every check (except "not attempted") adds one attempt, and one pass when
correct::

    {"version": 1, "problems": {"rfm.q1": {"attempts": 3, "passes": 1}}}

Two kernels may check at the same moment, so each update is a read-modify-write under a
``filelock.FileLock`` with an atomic replace. Progress must never cost the trainee their
feedback, nor be lost without a word:

- the lock is only tried, never waited for: when another process holds it, the check
  answers at once and the attempt waits in memory; a background thread saves it as soon
  as the lock is free (and at the latest when the kernel exits). Attempts still unsaved
  after :data:`RETRY_FOR` seconds are given up, and the next check says how many;
- a file that cannot be read as progress is kept as ``progress.json.corrupt-N`` and a
  fresh one started; the next check says so, once;
- a file or folder that cannot be written: the next check says, once, that progress is
  not being saved and where.

:func:`record` returns those notices; the engine shows them under the feedback.
"""

from __future__ import annotations

import atexit
import contextlib
import json
import os
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from coursekit.engine.i18n import t

FORMAT_VERSION = 1
LOCK_TIMEOUT = 10.0  # seconds the final save at exit may wait for the lock
RETRY_INTERVAL = 0.2  # seconds between two tries of a busy lock
RETRY_FOR = 30.0  # seconds after which attempts that could not be saved are given up

Progress = dict[str, dict[str, int]]


class ProgressFileError(Exception):
    """The progress file exists but cannot be read as progress."""


def progress_path() -> Path:
    """Where progress is stored: ``COURSEKIT_PROGRESS``, else the user data directory."""
    configured = os.environ.get("COURSEKIT_PROGRESS", "").strip()
    if configured:
        return Path(configured).expanduser()
    import platformdirs

    return Path(platformdirs.user_data_dir("coursekit")) / "progress.json"


def read_progress(path: str | os.PathLike | None = None) -> Progress:
    """Problem id → ``{"attempts": n, "passes": k}``; empty when there is no file yet.

    Raises:
        ProgressFileError: the file exists but is not valid progress.
    """
    path = Path(path) if path is not None else progress_path()
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return {}
    except OSError as exc:
        raise ProgressFileError(f"{type(exc).__name__}: {exc}") from exc
    return _parse(raw)


def _parse(raw: bytes) -> Progress:
    try:
        # utf-8-sig: an editor on Windows may have saved the file with a byte order mark.
        data = json.loads(raw.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise ProgressFileError(f"not JSON ({type(exc).__name__})") from exc
    problems = data.get("problems") if isinstance(data, dict) else None
    if not isinstance(problems, dict):
        raise ProgressFileError("no 'problems' table")
    out: Progress = {}
    for problem_id, entry in problems.items():
        attempts = entry.get("attempts") if isinstance(entry, dict) else None
        passes = entry.get("passes") if isinstance(entry, dict) else None
        if not (_count(attempts) and _count(passes) and passes <= attempts):
            raise ProgressFileError(f"bad entry for {problem_id!r}")
        out[problem_id] = {"attempts": attempts, "passes": passes}
    return out


def _count(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


# ---------------------------------------------------------------------------- recording


@dataclass
class _Store:
    """Attempts of one progress file not yet written, and what to tell the trainee."""

    path: Path
    pending: list[tuple[str, bool]] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)
    told_unwritable: bool = False
    retrying: bool = False


_stores: dict[Path, _Store] = {}
_guard = threading.RLock()  # one kernel, several threads (the retry thread, the cell)


def record(problem_id: str, status: str, path: str | os.PathLike | None = None) -> list[str]:
    """Add one attempt (and one pass when ``status == "correct"``). Never raises.

    Returns:
        Notices for the trainee (empty almost always): a progress file set aside as
        corrupt, progress that cannot be saved, attempts given up. Each is returned once.
    """
    try:
        target = Path(path) if path is not None else progress_path()
        with _guard:
            store = _stores.setdefault(target, _Store(target))
            store.pending.append((problem_id, status == "correct"))
            _save(store, wait=False)
            notices, store.notices = store.notices, []
        return notices
    except Exception:  # progress is a convenience: never at the cost of the feedback
        return []


def flush(path: str | os.PathLike | None = None, timeout: float = LOCK_TIMEOUT) -> bool:
    """Save attempts still waiting for the lock, waiting up to ``timeout`` seconds.

    Returns:
        True when nothing is left unsaved.
    """
    target = Path(path) if path is not None else progress_path()
    with _guard:
        store = _stores.get(target)
        if store is None or not store.pending:
            return True
        _save(store, wait=True, timeout=timeout)
        return not store.pending


def _save(store: _Store, *, wait: bool, timeout: float = LOCK_TIMEOUT) -> None:
    """Write the store's pending attempts if the lock can be had; else retry later."""
    from filelock import FileLock, Timeout

    try:
        store.path.parent.mkdir(parents=True, exist_ok=True)
        with FileLock(f"{store.path}.lock", timeout=timeout if wait else 0):
            _write(store)
    except Timeout:
        if not wait:
            _retry_later(store)
    except OSError as exc:
        # Read-only file or folder, full disk: these attempts cannot be kept. Say so once.
        store.pending.clear()
        if not store.told_unwritable:
            store.told_unwritable = True
            store.notices.append(
                t("progress.not_saved", path=store.path, error=exc.strerror or type(exc).__name__)
            )


def _write(store: _Store) -> None:
    from coursekit.fileio import atomic_write_text

    if store.path.exists() and not os.access(store.path, os.W_OK):
        # A replace would succeed in a writable folder, but the trainee (or an instructor)
        # made the file read-only on purpose.
        raise PermissionError(13, "the file is read-only", str(store.path))
    try:
        problems = read_progress(store.path)
    except ProgressFileError:
        aside = _move_aside(store.path)
        store.notices.append(t("progress.set_aside", path=store.path, aside=aside.name))
        problems = {}
    for problem_id, passed in store.pending:
        entry = problems.setdefault(problem_id, {"attempts": 0, "passes": 0})
        entry["attempts"] += 1
        entry["passes"] += int(passed)
    document = {"version": FORMAT_VERSION, "problems": dict(sorted(problems.items()))}
    atomic_write_text(store.path, json.dumps(document, ensure_ascii=False, indent=1) + "\n")
    store.pending.clear()


def _retry_later(store: _Store) -> None:
    """Start (once) a thread that keeps trying the lock until the attempts are saved."""
    if store.retrying:
        return
    store.retrying = True
    _register_exit_flush()

    def retry() -> None:
        waited = 0.0
        try:
            while waited < RETRY_FOR:
                threading.Event().wait(RETRY_INTERVAL)
                waited += RETRY_INTERVAL
                with _guard:
                    if not store.pending:
                        return
                    _save(store, wait=False)
                    if not store.pending:
                        return
            with _guard:
                if store.pending:
                    store.notices.append(
                        t("progress.lost", count=len(store.pending), path=store.path)
                    )
                    store.pending.clear()
        finally:
            store.retrying = False

    threading.Thread(target=retry, name="coursekit-progress", daemon=True).start()


_exit_flush_registered = False


def _register_exit_flush() -> None:
    global _exit_flush_registered
    if not _exit_flush_registered:
        _exit_flush_registered = True
        atexit.register(_flush_all)


def _flush_all() -> None:
    """At exit: a last, waiting try for every file with attempts still pending."""
    for path in list(_stores):
        with contextlib.suppress(Exception):
            flush(path)


def _move_aside(path: Path) -> Path:
    """Rename a corrupted file to the first free ``<name>.corrupt-N`` (kept for inspection)."""
    for n in range(1, 10_000):
        target = path.with_name(f"{path.name}.corrupt-{n}")
        if not target.exists():
            os.replace(path, target)
            return target
    raise OSError(f"too many corrupted progress files next to {path}")
