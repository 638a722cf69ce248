"""The course in a real browser: JupyterLab from .venv, Debian's chromium, playwright.

``make browser-test`` runs this (``.ci/run`` does, after ``make test``); elsewhere it is
skipped. It serves a copy of ``notebooks/00_welcome.ipynb`` with JupyterLab, opens it in
chromium, runs all cells, answers exercise 1 right and then wrong, and checks what a
trainee sees: the green and the red feedback box with their text, and no traceback in any
cell. A screenshot goes to ``.cache/browser-test.png``.

The network is closed: playwright drives the system browser (``COURSEKIT_BROWSER``,
``/usr/bin/chromium``) and never downloads one; chromium runs headless with a fresh
profile and without its background network services.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BROWSER = os.environ.get("COURSEKIT_BROWSER", "")
SCREENSHOT = ROOT / ".cache" / "browser-test.png"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
RIGHT = 'tier_counts = customers["city_tier"].value_counts().sort_index()'
WRONG = 'tier_counts = customers["city_tier"].value_counts(normalize=True)'
GREEN, RED = "rgb(26, 127, 55)", "rgb(207, 34, 46)"  # the boxes' border colours

pytestmark = pytest.mark.skipif(not BROWSER, reason="run by `make browser-test`")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def quiet_lab_settings(folder: Path) -> None:
    """User settings of a fresh JupyterLab: no news or update pop-ups over the notebook."""
    notification = (
        folder / "@jupyterlab" / "apputils-extension" / "notification.jupyterlab-settings"
    )
    notification.parent.mkdir(parents=True, exist_ok=True)
    notification.write_text(json.dumps({"fetchNews": "false", "checkForUpdates": False}), "utf-8")
    # Every cell in the page, not only those scrolled into view, so they can be inspected.
    tracker = folder / "@jupyterlab" / "notebook-extension" / "tracker.jupyterlab-settings"
    tracker.parent.mkdir(parents=True, exist_ok=True)
    tracker.write_text(json.dumps({"windowingMode": "none"}), "utf-8")


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    """JupyterLab from this environment, serving a copy of the welcome notebook."""
    work = tmp_path_factory.mktemp("lab")
    shutil.copy(ROOT / "notebooks" / "00_welcome.ipynb", work / "00_welcome.ipynb")
    settings = work / ".settings"
    quiet_lab_settings(settings)
    port = free_port()
    env = {
        **os.environ,
        "COURSEKIT_DATA": str(ROOT / "datasets"),  # the copy has no datasets/ above it
        "COURSEKIT_PROGRESS": str(work / "progress.json"),
        "JUPYTER_CONFIG_DIR": str(work / ".jupyter"),
        "JUPYTERLAB_SETTINGS_DIR": str(settings),
        "JUPYTERLAB_WORKSPACES_DIR": str(work / ".workspaces"),
    }
    env.pop("COURSEKIT_LANG", None)
    command = [
        sys.executable, "-m", "jupyterlab", "--no-browser", f"--port={port}",
        "--ServerApp.ip=127.0.0.1", "--IdentityProvider.token=", "--ServerApp.password=",
        f"--ServerApp.root_dir={work}", "--ServerApp.allow_root=True",
        "--LabApp.news_url=", "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
    ]  # fmt: skip
    log = (work / "lab.log").open("w")
    server = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    while True:
        try:
            urllib.request.urlopen(f"{url}/api/status", timeout=2)
            break
        except OSError:
            if server.poll() is not None or time.monotonic() > deadline:
                server.kill()
                pytest.fail("JupyterLab did not start:\n" + (work / "lab.log").read_text())
            time.sleep(0.5)
    yield url, work
    server.terminate()
    try:
        server.wait(20)
    except subprocess.TimeoutExpired:
        server.kill()
    log.close()


@pytest.fixture(scope="module")
def page(lab, tmp_path_factory):
    from playwright.sync_api import sync_playwright

    url, _ = lab
    profile = tmp_path_factory.mktemp("chromium-profile")  # a fresh --user-data-dir
    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(profile),
            executable_path=BROWSER,
            headless=True,
            args=CHROMIUM_ARGS,
            viewport={"width": 1400, "height": 1000},
        )
        page = context.new_page()
        page.set_default_timeout(60_000)
        page.goto(f"{url}/lab/tree/00_welcome.ipynb")
        page.wait_for_selector(".jp-NotebookPanel .jp-Cell", timeout=120_000)
        wait_until_idle(page, url)  # the kernel has started
        yield page
        SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOT), full_page=False)
        context.close()


def kernel_idle(url: str) -> bool:
    """The server's view: one kernel, and it is idle (not starting, not busy)."""
    with urllib.request.urlopen(f"{url}/api/kernels", timeout=5) as response:
        kernels = json.loads(response.read())
    return bool(kernels) and all(k["execution_state"] == "idle" for k in kernels)


def wait_until_idle(page, url: str, seconds: float = 180, last_cell_ran: bool = False) -> None:
    """Until the kernel is idle and no cell is queued or running ("[*]"); with
    ``last_cell_ran``, also until the last code cell has an execution count."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        prompts = page.locator(".jp-CodeCell .jp-InputArea-prompt").all_inner_texts()
        busy = any("*" in prompt for prompt in prompts)
        ran = not last_cell_ran or (prompts and any(ch.isdigit() for ch in prompts[-1]))
        if not busy and ran and kernel_idle(url):
            return
        time.sleep(0.5)
    raise AssertionError("the notebook did not finish running")


def run_all(page, url: str) -> None:
    page.locator(".lm-MenuBar-itemLabel", has_text="Run").first.click()
    page.locator(".lm-Menu-itemLabel", has_text="Run All Cells").first.click()
    wait_until_idle(page, url, last_cell_ran=True)


def answer_cell(page):
    """The code cell where exercise 1's answer goes (it starts as ``tier_counts = ____``)."""
    return page.locator(".jp-CodeCell", has_text="tier_counts =").first


def answer_and_check(page, url: str, code: str):
    """Type ``code`` into the answer cell, run it and the check cell below; the box shown."""
    cell = answer_cell(page)
    cell.scroll_into_view_if_needed()
    editor = cell.locator(".cm-content").first
    editor.click()
    page.keyboard.press("Control+a")
    page.keyboard.insert_text(code)  # no key events: no auto-closed brackets
    page.keyboard.press("Control+Enter")  # run the answer cell in place
    time.sleep(0.5)
    wait_until_idle(page, url, 60)
    check = page.locator(".jp-CodeCell", has_text="q1.check()").first
    check.locator(".cm-content").first.click()
    page.keyboard.press("Control+Enter")  # run the check cell
    time.sleep(0.5)
    wait_until_idle(page, url, 60)
    return check.locator("[data-coursekit-problem='welcome.q1']").first


def border_colour(box) -> str:
    return box.evaluate("element => getComputedStyle(element).borderLeftColor")


def test_the_welcome_notebook_runs_and_shows_green_and_red_feedback(lab, page):
    url, _ = lab
    run_all(page, url)
    page.screenshot(path=str(SCREENSHOT.with_name("browser-test-run-all.png")))
    statuses = page.locator("[data-coursekit-status]")
    assert statuses.count() >= 4  # every exercise check rendered its box
    not_attempted = page.locator("[data-coursekit-status='not_attempted']")
    assert not_attempted.count() >= 4

    green = answer_and_check(page, url, RIGHT)
    assert green.get_attribute("data-coursekit-status") == "correct"
    assert green.is_visible() and border_colour(green) == GREEN
    text = green.inner_text()
    assert "Correct" in text and "tier_counts matches the expected answer" in text

    red = answer_and_check(page, url, WRONG)
    assert red.get_attribute("data-coursekit-status") == "incorrect"
    assert red.is_visible() and border_colour(red) == RED
    text = red.inner_text()
    assert "Not yet" in text and "shares_not_counts" in text

    outputs = page.locator(".jp-OutputArea-output").all_inner_texts()
    assert outputs and not any("Traceback" in output for output in outputs)
    errors = page.locator(".jp-OutputArea-output[data-mime-type*='stderr']").all_inner_texts()
    assert not any("Error" in error for error in errors), errors
