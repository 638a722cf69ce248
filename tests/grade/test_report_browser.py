"""The class report in a real browser: Debian's chromium driven by playwright, offline.

Run with ``COURSEKIT_BROWSER=/usr/bin/chromium`` (as ``make browser-test`` sets it for
the JupyterLab test); skipped otherwise. The report of a small class (the demo module's
answers, graded without kernels) is opened from disk in English and in Chinese: every
chart is drawn (an SVG with a size and bars), no console error or page error, no request
leaves the machine, and a screenshot goes to ``.cache/grade-report-<lang>.png``.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from coursekit.grade import report

from .test_pages import graded_class, world  # noqa: F401 (the fixture is used by name)

ROOT = Path(__file__).resolve().parents[2]
BROWSER = os.environ.get("COURSEKIT_BROWSER", "")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]  # fmt: skip

pytestmark = pytest.mark.skipif(not BROWSER, reason="needs COURSEKIT_BROWSER (a chromium)")


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_every_chart_of_the_report_renders_without_errors(tmp_path, world, lang):  # noqa: F811
    from playwright.sync_api import sync_playwright

    batch = graded_class(tmp_path, world, n=10, wrong=4)
    path = tmp_path / "report.html"
    path.write_text(report.class_report(batch, tmp_path, lang), "utf-8")
    problems: list[str] = []
    remote: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=BROWSER, headless=True, args=ARGS)
        page = browser.new_page(viewport={"width": 1100, "height": 1400})
        page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda exc: problems.append(str(exc)))
        page.on(
            "request", lambda r: remote.append(r.url) if not r.url.startswith("file:") else None
        )
        page.goto(path.as_uri())
        page.wait_for_load_state("load")
        charts = page.eval_on_selector_all(
            "figure.chart",
            """figures => figures.map(f => {
                const svg = f.querySelector('svg');
                const box = svg ? svg.getBoundingClientRect() : {width: 0, height: 0};
                return {name: f.dataset.chart, width: box.width, height: box.height,
                        shapes: svg ? svg.querySelectorAll('path, rect, use').length : 0};
            })""",
        )
        shot = ROOT / ".cache" / f"grade-report-{lang}.png"
        shot.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(shot), full_page=True)
        text = page.inner_text("body")
        browser.close()
    assert sorted(c["name"] for c in charts) == ["mistakes", "pass_rate", "scores", "time"]
    for chart in charts:
        assert chart["width"] > 200 and chart["height"] > 100 and chart["shapes"] > 5, chart
    assert problems == [] and remote == []
    assert ("40% of the class" in text) if lang == "en" else ("40% 的学员" in text)
