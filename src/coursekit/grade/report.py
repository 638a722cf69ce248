"""The class report: one self-contained HTML file, in English or Chinese.

For every module graded: the score distribution, the pass rate per exercise, the time
per notebook, and the misconception analytics an instructor discusses on the next
morning: per exercise, the share of the class whose answer matched each named mistake
("41% of the class: recency_backwards"), the most common wrong answers no mistake
names (grouped by what differs, which is the same in every trainee's world), and the
exercises most often not attempted. Charts are inline SVG drawn by matplotlib with the
text kept as text, so the browser shows Chinese labels with its own fonts.
"""

from __future__ import annotations

import html
import io
import logging
import warnings
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from coursekit.grade import texts
from coursekit.grade.outputs import feedback_path, page, problem_title
from coursekit.grade.statuses import COMPLETE, RAN, STATUSES
from coursekit.grade.texts import word

TOP_UNNAMED = 3
TOP_SKIPPED = 5


@dataclass
class ProblemStats:
    """How the class did on one exercise (over the notebooks that reached its check)."""

    problem: Any
    checked: int = 0
    correct: int = 0
    not_attempted: int = 0
    mistakes: Counter = field(default_factory=Counter)
    unnamed: Counter = field(default_factory=Counter)
    examples: dict[str, dict[str, str]] = field(default_factory=dict)

    @property
    def pass_rate(self) -> float | None:
        return self.correct / self.checked if self.checked else None

    def share(self, count: int) -> float:
        return count / self.checked if self.checked else 0.0


@dataclass
class ModuleStats:
    notebook: str
    rows: list[dict[str, Any]]
    percents: list[float]
    seconds: list[float]
    problems: list[ProblemStats]


def analyse(batch) -> list[ModuleStats]:
    """The statistics of every module in the batch, in course order."""

    stats = []
    for notebook, problems in batch.problems.items():
        rows = [r for r in batch.results if r.get("notebook") == notebook]
        if not rows:
            continue
        ran = [r for r in rows if r["status"] in RAN and r.get("problems")]
        complete = [r for r in ran if r["status"] in COMPLETE]
        percents = [100 * r["score"] / r["max_score"] for r in complete if r.get("max_score")]
        seconds = [r["seconds"] for r in ran if r.get("seconds") is not None]
        per_problem = []
        for problem in problems:
            item = ProblemStats(problem)
            for row in ran:
                entry = next((p for p in row["problems"] if p["id"] == problem.id), None)
                if entry is None or entry["status"] == "not_run":
                    continue
                item.checked += 1
                item.correct += entry["status"] in ("correct", "review")
                item.not_attempted += entry["status"] == "not_attempted"
                if entry.get("mistake"):
                    item.mistakes[entry["mistake"]] += 1
                elif entry["status"] == "incorrect" and entry.get("signature"):
                    item.unnamed[entry["signature"]] += 1
                    item.examples.setdefault(entry["signature"], entry.get("example") or {})
            per_problem.append(item)
        stats.append(ModuleStats(notebook, rows, percents, seconds, per_problem))
    return stats


def _percent(share: float) -> str:
    return f"{100 * share:.0f}%"


def mistake_text(problem, name: str, lang: str) -> str:
    """A named mistake's explanation in ``lang`` (its first sentence)."""
    for mistake in getattr(problem, "mistakes", ()):
        if mistake.name == name:
            explanation = mistake.explanation(lang).strip()
            for stop in ("。", ". ", "；"):
                if stop in explanation:
                    return explanation.split(stop, 1)[0] + stop.strip()
            return explanation
    return ""


# ---------------------------------------------------------------------------- charts


def _charts_style():
    import matplotlib

    matplotlib.use("Agg", force=False)
    return {
        "svg.fonttype": "none",  # text stays text: the browser draws it, Chinese included
        "svg.hashsalt": "coursekit",  # the same ids every time
        "font.family": ["DejaVu Sans", "Noto Sans CJK SC", "WenQuanYi Zen Hei", "sans-serif"],
        "font.size": 10,
        "axes.spines.top": False,
        "axes.spines.right": False,
    }


def _svg(draw, width: float, height: float) -> str:
    """An SVG chart drawn by ``draw(ax)``, without the XML prologue."""
    import matplotlib.pyplot as plt

    with warnings.catch_warnings(), plt.rc_context(_charts_style()):
        warnings.simplefilter("ignore")  # glyphs missing from the layout font (Chinese)
        logging.getLogger("matplotlib.font_manager").setLevel(logging.ERROR)
        fig, ax = plt.subplots(figsize=(width, height))
        try:
            draw(ax)
            fig.tight_layout()
            buffer = io.StringIO()
            fig.savefig(buffer, format="svg", metadata={"Date": None})
        finally:
            plt.close(fig)
    text = buffer.getvalue()
    return text[text.index("<svg") :]


def score_chart(percents: list[float], lang: str) -> str:
    def draw(ax):
        bins = list(range(0, 101, 10))
        ax.hist(percents, bins=bins, color="#0969da", edgecolor="white")
        ax.set_xlim(0, 100)
        ax.set_xlabel(word("score_axis", lang))
        ax.set_ylabel(word("trainees_axis", lang))
        ax.yaxis.get_major_locator().set_params(integer=True)

    return _svg(draw, 6.4, 2.8)


def pass_rate_chart(problems: list[ProblemStats], lang: str) -> str:
    shown = [p for p in problems if p.pass_rate is not None]

    def draw(ax):
        labels = [p.problem.name for p in shown][::-1]
        rates = [100 * p.pass_rate for p in shown][::-1]
        ax.barh(labels, rates, color="#1a7f37")
        ax.set_xlim(0, 100)
        ax.set_xlabel(word("pass_axis", lang) + " (%)")
        for y, rate in enumerate(rates):
            ax.text(min(rate + 1, 92), y, f"{rate:.0f}%", va="center", fontsize=8)

    return _svg(draw, 6.4, 0.6 + 0.32 * max(len(shown), 1))


def mistakes_chart(problems: list[ProblemStats], lang: str) -> str:
    """The named mistakes of the class, largest share first (at most ten)."""
    bars = sorted(
        (
            (p.share(n), f"{p.problem.name} · {name}")
            for p in problems
            for name, n in p.mistakes.items()
        ),
        key=lambda b: (-b[0], b[1]),
    )[:10]

    def draw(ax):
        labels = [label for _, label in bars][::-1]
        shares = [100 * share for share, _ in bars][::-1]
        ax.barh(labels, shares, color="#cf222e")
        ax.set_xlim(0, 100)
        ax.set_xlabel(word("misconceptions", lang) + " (% )".replace(" )", ")"))
        for y, share in enumerate(shares):
            ax.text(min(share + 1, 92), y, f"{share:.0f}%", va="center", fontsize=8)

    return _svg(draw, 6.4, 0.6 + 0.32 * max(len(bars), 1))


def time_chart(seconds: list[float], lang: str) -> str:
    def draw(ax):
        ax.hist(seconds, bins=min(20, max(5, len(seconds))), color="#8250df", edgecolor="white")
        ax.set_xlabel(word("seconds_axis", lang))
        ax.set_ylabel(word("notebooks_axis", lang))
        ax.yaxis.get_major_locator().set_params(integer=True)

    return _svg(draw, 6.4, 2.6)


def _figure(svg: str, caption: str, name: str) -> str:
    return (
        f"<figure class='chart' data-chart='{html.escape(name)}'>{svg}"
        f"<figcaption>{html.escape(caption)}</figcaption></figure>"
    )


# ---------------------------------------------------------------------------- the page


def class_report(batch, out: Path, lang: str) -> str:
    """The report as HTML text (links to the feedback pages are relative to ``out``)."""
    e = html.escape
    title = word("report_title", lang)
    parts = [f"<h1>{e(title)}</h1>"]
    graded_into = word("generated_from", lang, n=len(batch.results), out=out.name)
    parts.append(f"<p class='muted'>{e(graded_into)}</p>")
    counts = batch.counts()

    rows = "".join(
        f"<tr><td>{e(texts.status_label(s, lang))}</td><td class='num'>{counts[s]}</td></tr>"
        for s in STATUSES
        if counts[s]
    )
    parts.append(
        f"<h2>{e(word('accounting', lang))}</h2><table><tr><th>{e(word('status', lang))}</th>"
        f"<th>{e(word('count', lang))}</th></tr>{rows}</table>"
    )
    for module in analyse(batch):
        parts.append(_module_section(module, lang))
    return page(title, "\n".join(parts), lang)


def _module_section(module: ModuleStats, lang: str) -> str:
    e = html.escape
    parts = [f"<section class='module' data-module='{e(module.notebook)}'>"]
    parts.append(f"<h2>{e(word('module', lang))} {e(module.notebook)}</h2>")
    parts.append(f"<p>{e(word('scored', lang, n=len(module.percents)))}</p>")
    if module.percents:
        parts.append(
            _figure(score_chart(module.percents, lang), word("score_distribution", lang), "scores")
        )
        parts.append(
            _figure(pass_rate_chart(module.problems, lang), word("pass_rate", lang), "pass_rate")
        )
    else:
        parts.append(f"<p class='muted'>{e(word('no_scores', lang))}</p>")
    if any(p.mistakes for p in module.problems):
        parts.append(
            _figure(mistakes_chart(module.problems, lang), word("misconceptions", lang), "mistakes")
        )
    if module.seconds:
        parts.append(
            _figure(time_chart(module.seconds, lang), word("time_per_notebook", lang), "time")
        )
    parts.append(_misconceptions(module, lang))
    parts.append(_reviews(module, lang))
    parts.append(_skipped(module, lang))
    parts.append(_submissions(module, lang))
    parts.append("</section>")
    return "\n".join(parts)


def _misconceptions(module: ModuleStats, lang: str) -> str:
    e = html.escape
    parts = [f"<h3>{e(word('misconceptions', lang))}</h3>"]
    parts.append(f"<p class='muted'>{e(word('misconceptions_intro', lang))}</p>")
    # Exercises whose wrong answers are all unnamed or that nobody got wrong are left out
    # of the list and named in one line at its end.
    clean = []
    for item in module.problems:
        if not item.checked:
            continue
        if not item.mistakes and not item.unnamed:
            clean.append(item.problem.name)
            continue
        problem = item.problem
        parts.append(
            f"<div class='exercise' data-problem='{e(problem.id)}'>"
            f"<h4>{e(problem.id)} · {e(problem_title(problem, lang))}</h4>"
        )
        if item.mistakes:
            lines = []
            for name, n in sorted(item.mistakes.items(), key=lambda kv: (-kv[1], kv[0])):
                share = _percent(item.share(n))
                head = word("mistake_share", lang, share=share, name=name)
                why = mistake_text(problem, name, lang)
                lines.append(
                    f"<li data-mistake='{e(name)}'><strong>{e(head)}</strong>"
                    + (f" — {e(why)}" if why else "")
                    + "</li>"
                )
            parts.append("<ul>" + "".join(lines) + "</ul>")
        else:
            parts.append(f"<p class='muted'>{e(word('no_mistakes', lang))}</p>")
        if item.unnamed:
            parts.append(f"<p>{e(word('unnamed', lang))}:</p><ul>")
            ranked = sorted(item.unnamed.items(), key=lambda kv: (-kv[1], kv[0]))[:TOP_UNNAMED]
            for signature, n in ranked:
                head = word("unnamed_row", lang, n=n, share=_percent(item.share(n)))
                sample = item.examples.get(signature, {}).get(lang, "")
                parts.append(
                    f"<li data-signature='{e(signature)}'>{e(head)}: <code>{e(signature)}</code>"
                    + (f"<br><span class='muted'>{e(word('example', lang))}:</span> "
                       f"<span style='white-space:pre-wrap'>{e(sample)}</span>" if sample else "")
                    + "</li>"
                )  # fmt: skip
            parts.append("</ul>")
        parts.append("</div>")
    if clean:
        parts.append(
            f"<p class='muted'>{e(word('no_wrong_answers', lang, names=', '.join(clean)))}</p>"
        )
    return "\n".join(parts)


def _reviews(module: ModuleStats, lang: str) -> str:
    """How many open answers wait for the instructor, per open exercise (the answers and
    the rubric are on each trainee's feedback page)."""
    e = html.escape
    items = []
    for item in module.problems:
        waiting = [
            row
            for row in module.rows
            for entry in row.get("problems") or []
            if entry["id"] == item.problem.id and entry["status"] == "review"
        ]
        if waiting:
            links = ", ".join(
                f"<a href='{e(feedback_path(row) or '')}'>{e(str(row.get('trainee')))}</a>"
                for row in waiting
            )
            head = word("review_count", lang, n=len(waiting))
            items.append(
                f"<li data-review='{e(item.problem.id)}'>{e(item.problem.id)} · "
                f"{e(problem_title(item.problem, lang))}: {e(head)} ({links})</li>"
            )
    if not items:
        return ""
    return f"<h3>{e(word('review_title', lang))}</h3><ul>{''.join(items)}</ul>"


def _skipped(module: ModuleStats, lang: str) -> str:
    e = html.escape
    ranked = sorted(
        (p for p in module.problems if p.not_attempted),
        key=lambda p: (-p.share(p.not_attempted), p.problem.id),
    )[:TOP_SKIPPED]
    parts = [f"<h3>{e(word('not_attempted', lang))}</h3>"]
    if not ranked:
        parts.append(f"<p class='muted'>{e(word('nothing_skipped', lang))}</p>")
        return "\n".join(parts)
    items = "".join(
        f"<li data-problem='{e(p.problem.id)}'>{e(p.problem.id)} · "
        f"{e(problem_title(p.problem, lang))}: "
        f"{e(word('not_attempted_row', lang, share=_percent(p.share(p.not_attempted))))}</li>"
        for p in ranked
    )
    parts.append(f"<ol>{items}</ol>")
    return "\n".join(parts)


def _submissions(module: ModuleStats, lang: str) -> str:
    e = html.escape
    header = "".join(
        f"<th>{e(word(k, lang))}</th>" for k in ("trainee", "file", "status", "score", "seconds")
    )
    rows = []
    for row in module.rows:
        link = feedback_path(row)
        trainee = e(str(row.get("trainee") or ""))
        if link:
            trainee = f"<a href='{e(link)}'>{trainee}</a>"
        score = "" if row.get("score") is None else f"{row['score']}/{row.get('max_score')}"
        seconds = "" if row.get("seconds") is None else f"{row['seconds']:.1f}"
        status = texts.status_label(row["status"], lang)
        detail = row.get("detail") or ""
        rows.append(
            f"<tr data-status='{e(row['status'])}'><td>{trainee}</td><td>{e(row['file'])}</td>"
            f"<td title='{e(detail)}'>{e(status)}</td><td class='num'>{e(score)}</td>"
            f"<td class='num'>{e(seconds)}</td></tr>"
        )
    return f"<h3>{e(word('class_table', lang))}</h3><table><tr>{header}</tr>{''.join(rows)}</table>"
