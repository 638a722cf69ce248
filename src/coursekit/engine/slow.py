"""Something to look at while a check takes its time: progress bars that appear late.

A first check may have to read raw exports, and a trainee's slow function may run for
seconds. Nothing on screen for that long reads as a frozen kernel in a workshop, so
anything still running after :data:`DELAY` seconds shows a bar (plain ``tqdm`` on stderr,
which a notebook shows under the cell). ``TQDM_DISABLE=1`` turns the bars off, as it does
for every tqdm bar; ``coursekit build --execute`` and ``make notebooks`` set it, so
stored notebook outputs never depend on the speed of the machine.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from typing import Any

DELAY = 1.0  # seconds before a bar appears
TICK = 0.5  # seconds between two updates of an open-ended bar
_active = False  # a step is being watched (steps nest: references read shared tables)


def progress_bar(total: int | None, description: str) -> Any:
    """A tqdm bar on stderr that disappears when closed (``leave=False``)."""
    from tqdm import tqdm

    return tqdm(total=total, desc=description, leave=False, dynamic_ncols=True)


@contextlib.contextmanager
def slow_step(description: str, delay: float = DELAY) -> Iterator[None]:
    """Show an open-ended bar (elapsed seconds) if the block runs longer than ``delay``.

    The bar is drawn by a daemon thread, so the block itself needs no changes; it is
    closed when the block ends, however it ends.
    """
    global _active
    if _active:  # an enclosing step already shows a bar (or will)
        yield
        return
    _active = True
    done = threading.Event()

    def watch() -> None:
        if done.wait(delay):
            return
        try:
            bar = progress_bar(None, description)
        except Exception:  # a progress bar is a courtesy
            return
        try:
            while not done.wait(TICK):
                bar.refresh()
        finally:
            bar.close()

    watcher = threading.Thread(target=watch, name="coursekit-slow-step", daemon=True)
    watcher.start()
    try:
        yield
    finally:
        done.set()
        watcher.join(timeout=2.0)
        _active = False
