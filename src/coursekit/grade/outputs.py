"""What a batch writes: ``grades.csv``, ``grades.xlsx`` and a feedback page per trainee.

Every file is written atomically; the class report is :mod:`coursekit.grade.report`, and
:func:`coursekit.grade.batch.write_all` writes them all.
"""

from __future__ import annotations

import csv
import html
import io
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from coursekit.fileio import atomic_write_bytes, atomic_write_text
from coursekit.grade import texts
from coursekit.grade.texts import word

BASE_COLUMNS = (
    "file", "trainee", "name", "module", "status", "detail", "score", "max_score", "percent",
    "seconds", "review", "tamper", "notes",
)  # fmt: skip


# ---------------------------------------------------------------------------- the grades


def grade_table(batch) -> tuple[list[str], list[list[Any]]]:
    """The header and one row per file: its status, its score, and per exercise the
    status and the named mistake the answer matched."""
    problem_ids: list[str] = []
    for notebook in sorted({r["notebook"] for r in batch.results if r.get("notebook")}):
        problem_ids += [p.id for p in batch.problems.get(notebook, [])]
    header = list(BASE_COLUMNS)
    for problem_id in problem_ids:
        header += [problem_id, f"{problem_id} mistake"]
    rows = []
    for result in batch.results:
        by_id = {p["id"]: p for p in result.get("problems", [])}
        score, total = result.get("score"), result.get("max_score")
        percent = round(100 * score / total, 1) if score is not None and total else None
        review = sum(p.get("status") == "review" for p in by_id.values()) if by_id else None
        row = [
            result.get("file"),
            result.get("trainee"),
            result.get("name"),
            result.get("notebook"),
            result.get("status"),
            result.get("detail") or "",
            score,
            total,
            percent,
            result.get("seconds"),
            review,
            "; ".join(f"{kind}:{what}" for kind, what in result.get("tamper", [])),
            "; ".join(f"{kind}:{what}" for kind, what in result.get("notes", [])),
        ]
        for problem_id in problem_ids:
            entry = by_id.get(problem_id)
            row += [None, None] if entry is None else [entry.get("status"), entry.get("mistake")]
        rows.append(row)
    return header, rows


def write_grades(out: Path, header: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    """``grades.csv`` (UTF-8) and ``grades.xlsx``, the same table."""
    rows = [[_inert(value) for value in row] for row in rows]
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow(["" if value is None else value for value in row])
    atomic_write_text(out / "grades.csv", buffer.getvalue())
    import pandas as pd

    table = pd.DataFrame(rows, columns=list(header))
    data = io.BytesIO()
    with pd.ExcelWriter(data, engine="openpyxl") as excel:
        table.to_excel(excel, sheet_name="grades", index=False)
        sheet = excel.sheets["grades"]
        sheet.freeze_panes = "C2"
        for column, name in zip(sheet.columns, header, strict=False):
            sheet.column_dimensions[column[0].column_letter].width = min(40, max(10, len(name) + 2))
    atomic_write_bytes(out / "grades.xlsx", data.getvalue())


def _inert(value: Any) -> Any:
    """Text a spreadsheet would run as a formula (a file named ``=HYPERLINK(...).ipynb``)
    gets a leading apostrophe, so Excel shows it as text."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


# ---------------------------------------------------------------------------- feedback pages


def feedback_path(result: dict[str, Any]) -> str | None:
    """Where a submission's feedback page goes (None without checked exercises)."""
    if not result.get("problems") or not result.get("trainee"):
        return None
    return f"feedback/{result['notebook']}/{result['trainee']}.html"


def problem_title(problem, lang: str) -> str:
    for where, value in problem.texts():
        if where == "title":
            return value if isinstance(value, str) else value.get(lang) or value.get("en", "")
    return problem.id


def _bilingual(value, lang: str) -> str:
    return value if isinstance(value, str) else (value.get(lang) or value.get("en", ""))


def feedback_page(result: dict[str, Any], problems: Sequence, lang: str) -> str:
    """A trainee's page: every exercise's feedback as the notebook shows it, with the
    hints; open answers with the rubric for the instructor; what stopped the notebook."""
    e = html.escape
    by_id = {p.id: p for p in problems}
    who = result.get("name") or ""
    who = f"{who} ({result['trainee']})" if who else str(result["trainee"])
    title = f"{word('feedback_title', lang)} · {result.get('notebook')} · {who}"
    parts = [f"<h1>{e(title)}</h1>"]
    status = texts.status_label(result["status"], lang)
    parts.append(f"<p class='status'>{e(word('status_line', lang, status=status))}")
    if result.get("detail"):
        parts.append(f" — {e(result['detail'])}")
    parts.append("</p>")
    if result.get("max_score"):
        score_text = word("your_score", lang, score=result["score"], total=result["max_score"])
        parts.append(f"<p class='score'>{e(score_text)}</p>")
    remarks = [texts.tamper_text(k, w, lang) for k, w in result.get("tamper", [])]
    remarks += [texts.note_text(k, w, lang) for k, w in result.get("notes", [])]
    remarks += [word("world_used", lang, what=w) for w in result.get("other_worlds", [])]
    if remarks:
        items = "".join(f"<li>{e(r)}</li>" for r in remarks)
        parts.append(f"<h2>{e(word('notes', lang))}</h2><ul>{items}</ul>")
    reviews = []
    for entry in result.get("problems", []):
        problem = by_id.get(entry["id"])
        heading = (
            entry["id"] if problem is None else f"{entry['id']} · {problem_title(problem, lang)}"
        )
        label = texts.problem_status_label(entry["status"], lang)
        parts.append(
            f"<section class='exercise' data-status='{e(entry['status'])}'>"
            f"<h2>{e(heading)} <span class='badge {e(entry['status'])}'>{e(label)}</span></h2>"
        )
        box = (entry.get("html") or {}).get(lang)
        if box:
            parts.append(box)  # the check's own HTML: every value in it is escaped
        elif entry["status"] == "not_run":
            parts.append(f"<p>{e(word('not_run_text', lang))}</p>")
        elif entry.get("message"):
            parts.append(f"<pre>{e(entry['message'].get(lang, ''))}</pre>")
        hints = problem.hint_texts(lang) if problem is not None else []
        if hints and entry["status"] not in ("correct", "review"):
            items = "".join(
                f"<li><strong>{e(word('hint_n', lang, n=n))}</strong> {e(h)}</li>"
                for n, h in enumerate(hints, 1)
            )
            parts.append(
                f"<details><summary>{e(word('hints', lang))}</summary><ul>{items}</ul></details>"
            )
        parts.append("</section>")
        if entry["status"] == "review":
            reviews.append((entry, problem))
    if reviews:
        parts.append(f"<h2>{e(word('review_title', lang))}</h2>")
        for entry, problem in reviews:
            rubric = [] if problem is None else [
                _bilingual(v, lang) for where, v in problem.texts() if where.startswith("rubric")
            ]  # fmt: skip
            items = "".join(f"<li>{e(point)}</li>" for point in rubric)
            parts.append(
                f"<section class='review'><h3>{e(entry['id'])}</h3>"
                f"<h4>{e(word('answer', lang))}</h4><blockquote>{e(entry.get('answer_text', ''))}"
                f"</blockquote><h4>{e(word('rubric', lang))}</h4><ol>{items}</ol></section>"
            )
    if result.get("cell_errors"):
        items = "".join(
            f"<li>{e(word('cell', lang, n=c.get('cell')))}: "
            f"<code>{e(c.get('error', ''))}</code></li>"
            for c in result["cell_errors"]
        )
        parts.append(f"<h2>{e(word('cell_errors', lang))}</h2><ul>{items}</ul>")
    return page(title, "\n".join(parts), lang)


STYLE = """
body { font-family: -apple-system, "Segoe UI", "Noto Sans", "Noto Sans CJK SC",
       "WenQuanYi Zen Hei", "Microsoft YaHei", sans-serif; color: #1f2328; margin: 2em auto;
       max-width: 980px; padding: 0 1em; line-height: 1.45; }
h1 { font-size: 1.6em; } h2 { font-size: 1.2em; margin-top: 1.6em; }
.badge { font-size: 0.75em; padding: 1px 8px; border-radius: 10px; color: #fff;
         background: #6e7781; vertical-align: middle; }
.badge.correct { background: #1a7f37; } .badge.incorrect { background: #cf222e; }
.badge.error { background: #9a6700; } .badge.review { background: #8250df; }
table { border-collapse: collapse; margin: 0.5em 0; }
th, td { border-bottom: 1px solid #d0d7de; padding: 3px 10px; text-align: left; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
figure { margin: 1em 0; } figure svg { max-width: 100%; height: auto; }
figcaption { color: #57606a; font-size: 0.9em; }
blockquote { border-left: 3px solid #d0d7de; margin: 0.5em 0; padding-left: 1em;
             white-space: pre-wrap; }
.muted { color: #57606a; }
"""


def page(title: str, body: str, lang: str) -> str:
    """A self-contained HTML page (styles inline, nothing loaded from elsewhere)."""
    code = "zh-CN" if lang == "zh" else "en"
    return (
        f"<!DOCTYPE html>\n<html lang='{code}'>\n<head>\n<meta charset='utf-8'>\n"
        f"<meta name='viewport' content='width=device-width, initial-scale=1'>\n"
        f"<title>{html.escape(title)}</title>\n<style>{STYLE}</style>\n</head>\n"
        f"<body>\n{body}\n</body>\n</html>\n"
    )
