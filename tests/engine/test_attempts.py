"""The attempt store under bad input and faults: nothing lost, nothing silent.

A progress file with a byte order mark is read; a corrupt one is set aside and the trainee
told once; a folder that cannot be written is announced once, with its path; a lock held
by another process never makes a check wait, and the attempt is saved once the lock is
free (or its loss announced).
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from coursekit.engine import attempts
from coursekit.engine.attempts import read_progress, record

from .demo_exercises import q2


@pytest.fixture
def path():
    return Path(os.environ["COURSEKIT_PROGRESS"])  # private per test (tests/conftest.py)


DOCUMENT = '{"version": 1, "problems": {"rfm.q1": {"attempts": 2, "passes": 1}}}'


def test_a_file_with_a_byte_order_mark_is_read_not_set_aside(path):
    path.write_bytes(b"\xef\xbb\xbf" + DOCUMENT.encode())
    assert read_progress(path) == {"rfm.q1": {"attempts": 2, "passes": 1}}
    assert record("rfm.q1", "correct") == []
    assert read_progress(path)["rfm.q1"] == {"attempts": 3, "passes": 2}
    assert not list(path.parent.glob("*.corrupt-*"))


def test_a_file_set_aside_as_corrupt_is_announced_once(path):
    path.write_text("{broken", "utf-8")
    notices = record("rfm.q1", "incorrect")
    assert len(notices) == 1
    assert str(path) in notices[0] and "progress.json.corrupt-1" in notices[0]
    assert record("rfm.q1", "incorrect") == []


def test_the_notice_is_shown_under_the_feedback_once(path, demo_world):
    path.write_text("{broken", "utf-8")
    first = q2.check(q2.expected())
    assert first.passed and len(first.notes) == 1
    assert "corrupt-1" in str(first) and "corrupt-1" in first._repr_html_()
    assert q2.check(q2.expected()).notes == ()


def test_a_folder_that_cannot_be_written_is_announced_once_with_its_path(tmp_path):
    blocker = tmp_path / "a_file"
    blocker.write_text("not a directory", "utf-8")
    target = blocker / "progress.json"
    notices = record("rfm.q1", "correct", path=target)
    assert len(notices) == 1
    assert "not being saved" in notices[0] and str(target) in notices[0]
    assert record("rfm.q1", "correct", path=target) == []


def test_a_failing_write_is_announced(path, monkeypatch):
    import coursekit.fileio

    def read_only(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(coursekit.fileio, "atomic_write_text", read_only)
    assert "Permission denied" in record("rfm.q1", "correct")[0]
    assert not path.exists()


@pytest.mark.skipif(hasattr(os, "geteuid") and os.geteuid() == 0, reason="root writes anyway")
def test_a_read_only_file_is_respected_and_announced(path):
    path.write_text(DOCUMENT, "utf-8")
    path.chmod(0o444)
    assert "not being saved" in record("rfm.q1", "correct")[0]
    assert path.read_text("utf-8") == DOCUMENT


def hold_lock(path: Path, seconds: float) -> subprocess.Popen:
    """Another process holding the progress file's lock for ``seconds``."""
    ready = path.with_name("locked")
    code = textwrap.dedent(
        f"""
        import time
        from pathlib import Path
        from filelock import FileLock
        with FileLock({str(path) + ".lock"!r}):
            Path({str(ready)!r}).write_text("yes")
            time.sleep({seconds})
        """
    )
    holder = subprocess.Popen([sys.executable, "-c", code])
    deadline = time.monotonic() + 20
    while not ready.exists():
        assert time.monotonic() < deadline, "the lock holder did not start"
        time.sleep(0.02)
    return holder


def wait_for(condition, seconds: float = 10.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return False


@pytest.mark.slow
def test_a_held_lock_never_makes_a_check_wait_and_the_attempt_is_saved_later(path, demo_world):
    holder = hold_lock(path, 1.5)
    started = time.monotonic()
    assert q2.check(q2.expected()).passed
    assert time.monotonic() - started < 1.0  # answered at once, not after the lock
    assert not path.exists()
    holder.wait(20)
    assert wait_for(lambda: path.exists() and read_progress(path) != {})
    assert read_progress(path) == {"demo.q2": {"attempts": 1, "passes": 1}}


@pytest.mark.slow
def test_attempts_that_could_never_be_saved_are_announced(path, monkeypatch):
    monkeypatch.setattr(attempts, "RETRY_FOR", 0.6)
    holder = hold_lock(path, 2.0)
    assert record("rfm.q1", "correct") == []
    assert record("rfm.q2", "correct") == []
    time.sleep(1.0)  # the retry thread gives up while the lock is still held
    holder.wait(20)
    notices = record("rfm.q3", "correct")
    assert any("2 earlier check(s) could not be saved" in n for n in notices), notices
    assert read_progress(path) == {"rfm.q3": {"attempts": 1, "passes": 1}}


def test_flush_saves_what_waits(path, monkeypatch):
    real_save = attempts._save
    calls = []

    def busy_once(store, *, wait, timeout=attempts.LOCK_TIMEOUT):
        if not calls:
            calls.append(1)
            return  # as if the lock was busy: the attempt stays pending
        return real_save(store, wait=wait, timeout=timeout)

    monkeypatch.setattr(attempts, "_save", busy_once)
    record("rfm.q1", "correct")
    assert not path.exists()
    assert attempts.flush(path) is True
    assert read_progress(path) == {"rfm.q1": {"attempts": 1, "passes": 1}}
