"""The words of the grader's pages and report, in English and Chinese."""

from __future__ import annotations

from typing import Any

STATUS = {
    "graded": ("graded", "已评分"),
    "tampered": ("tampered", "检查被改动"),
    "wrong_world": ("wrong world", "用错数据"),
    "timeout": ("timeout", "超时"),
    "memory": ("memory limit", "内存超限"),
    "kernel_died": ("kernel died", "内核崩溃"),
    "corrupt": ("corrupt", "文件损坏"),
    "not_a_notebook": ("not a notebook", "不是笔记本"),
    "wrong_module": ("wrong module", "模块不符"),
    "unknown_trainee": ("unknown trainee", "学员未知"),
    "no_world": ("no world", "找不到数据"),
    "duplicate": ("duplicate", "重复提交"),
    "grader_error": ("grader error", "评分程序出错"),
}

PROBLEM_STATUS = {
    "correct": ("correct", "正确"),
    "incorrect": ("incorrect", "不正确"),
    "not_attempted": ("not attempted", "未作答"),
    "error": ("error", "出错"),
    "review": ("for review", "待人工评阅"),
    "not_run": ("not run", "未运行到"),
}

TAMPER = {
    "check_cell_edited": ("the check cell of {what} was edited", "{what} 的检查单元格被修改"),
    "check_cell_missing": ("the check cell of {what} was removed", "{what} 的检查单元格被删除"),
    "expected_used": (
        "{what} was answered with {what}.expected() before its check",
        "{what} 在检查之前用 {what}.expected() 作答",
    ),
    "course_replaced": ("`course` was replaced", "`course` 被替换"),
    "module_replaced": ("the module {what} was replaced", "模块 {what} 被替换"),
    "library_patched": ("{what} was changed in the notebook", "{what} 在笔记本中被改动"),
    "problem_replaced": ("{what} is not the course's problem", "{what} 不是课程提供的题目"),
    "method_replaced": ("{what} was replaced", "{what} 被替换"),
    "check_output_disagrees": (
        "the notebook's own check of {what} said correct; the grader's check does not",
        "笔记本中 {what} 的检查显示正确，但评分程序的检查不认可",
    ),
}

NOTES = {
    "output_truncated": (
        "{what} MB of output left out (too much printed)",
        "输出过多，已省略 {what} MB",
    ),
    "same_file_as": (
        "the same file as {what} (handed in by another trainee)",
        "与 {what} 完全相同（另一位学员提交的文件）",
    ),
}

WORDS = {
    "report_title": ("Class report", "班级报告"),
    "feedback_title": ("Feedback", "反馈"),
    "generated_from": ("{n} submissions graded into {out}", "共 {n} 份提交，结果位于 {out}"),
    "accounting": ("Every submission", "全部提交"),
    "status": ("status", "状态"),
    "count": ("submissions", "份数"),
    "module": ("Module", "模块"),
    "scored": ("{n} notebooks checked completely", "{n} 份笔记本完整检查"),
    "score_distribution": ("Score distribution", "得分分布"),
    "score_axis": ("score (% of exercises correct)", "得分（答对题目的百分比）"),
    "trainees_axis": ("trainees", "学员人数"),
    "pass_rate": ("Pass rate per exercise", "各题通过率"),
    "pass_axis": ("share of the class correct", "答对比例"),
    "time_per_notebook": ("Time per notebook", "每份笔记本的运行时间"),
    "seconds_axis": ("seconds to run", "运行秒数"),
    "notebooks_axis": ("notebooks", "笔记本数"),
    "misconceptions": ("Misconceptions", "常见误区"),
    "misconceptions_intro": (
        "Per exercise, the share of the class whose answer matched each named mistake.",
        "每道题中，答案符合某个已知错误的学员比例。",
    ),
    "mistake_share": ("{share} of the class: {name}", "{share} 的学员：{name}"),
    "no_mistakes": ("No named mistake matched.", "没有匹配到已知错误。"),
    "no_wrong_answers": (
        "No named mistake and no other common wrong answer in: {names}.",
        "以下题目没有已知错误，也没有其他常见错误答案：{names}。",
    ),
    "unnamed": ("Most common other wrong answers", "其他最常见的错误答案"),
    "unnamed_row": ("{n} trainee(s), {share}", "{n} 位学员，{share}"),
    "example": ("for example", "例如"),
    "not_attempted": ("Exercises most often not attempted", "最常未作答的题目"),
    "not_attempted_row": ("{share} did not attempt it", "{share} 未作答"),
    "nothing_skipped": ("Every exercise was attempted by everyone.", "所有题目都有人作答。"),
    "exercise": ("exercise", "题目"),
    "trainee": ("trainee", "学员"),
    "score": ("score", "得分"),
    "file": ("file", "文件"),
    "detail": ("detail", "说明"),
    "seconds": ("seconds", "秒"),
    "feedback_link": ("feedback", "反馈"),
    "hints": ("Hints", "提示"),
    "hint_n": ("Hint {n}", "提示 {n}"),
    "review_title": ("Open answers for the instructor's review", "待讲师评阅的开放题"),
    "rubric": ("Rubric", "评分要点"),
    "answer": ("Answer", "答案"),
    "cell_errors": ("Cells that raised an error", "运行出错的单元格"),
    "cell": ("cell {n}", "第 {n} 个单元格"),
    "notes": ("Notes", "备注"),
    "your_score": ("Score: {score} of {total}", "得分：{score} / {total}"),
    "not_run_text": (
        "The notebook stopped before this exercise's check.",
        "笔记本在这道题的检查之前停止了。",
    ),
    "status_line": ("Status: {status}", "状态：{status}"),
    "world_used": ("the notebook used other data: {what}", "笔记本使用了其他数据：{what}"),
    "class_table": ("Submissions", "提交列表"),
    "no_scores": ("No notebook was checked completely.", "没有完整检查的笔记本。"),
    "charts": ("Charts", "图表"),
    "review_count": ("open answers to review: {n}", "待评阅开放题：{n}"),
}


def word(key: str, lang: str, **params: Any) -> str:
    """The text ``key`` in ``lang`` ("en" or "zh"), formatted with ``params``."""
    en, zh = WORDS[key]
    return (zh if lang == "zh" else en).format(**params)


def status_label(status: str, lang: str) -> str:
    en, zh = STATUS.get(status, (status, status))
    return zh if lang == "zh" else en


def problem_status_label(status: str, lang: str) -> str:
    en, zh = PROBLEM_STATUS.get(status, (status, status))
    return zh if lang == "zh" else en


def tamper_text(kind: str, what: str, lang: str) -> str:
    en, zh = TAMPER.get(kind, ("{what}: " + kind, "{what}：" + kind))
    return (zh if lang == "zh" else en).format(what=what)


def note_text(kind: str, what: str, lang: str) -> str:
    en, zh = NOTES.get(kind, ("{what}: " + kind, "{what}：" + kind))
    return (zh if lang == "zh" else en).format(what=what)
