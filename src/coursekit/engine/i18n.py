"""Engine messages in English and Chinese, and helpers for the bilingual texts of problems.

Two helpers cover every use:

- ``t(key, **params)`` gives a message of the engine's :data:`CATALOG` in the current language.
- ``text(value)`` gives the current language's version of a problem's bilingual text,
  written by exercise authors as ``{"en": ..., "zh": ...}``. A plain string is
  language-neutral (code, a formula) and is returned unchanged.

The language comes from the course state (:func:`coursekit.state.lang`):
``course.setup(lang="zh")`` or ``COURSEKIT_LANG``.
"""

from __future__ import annotations

import string
from collections.abc import Mapping
from typing import Any

LANGS = ("en", "zh")

Bilingual = Mapping[str, str]


class AuthoringError(ValueError):
    """An exercise module is malformed: a missing translation, a bad id, a mistake without
    a way to produce it. Raised when the module is imported, so authors see it at once."""


def current_lang() -> str:
    """The feedback language; English if the configured one cannot be read."""
    from coursekit import state

    try:
        return state.lang()
    except Exception:  # a bad COURSEKIT_LANG must not break a check
        return "en"


def t(key: str, /, lang: str | None = None, **params: Any) -> str:
    """One catalog message in ``lang`` (default: the current language), formatted with ``params``.

    Args:
        key: a key of :data:`CATALOG`, e.g. ``"check.not_set_up"``.
        lang: "en" or "zh"; None for the current language.
        **params: values for the message's ``{placeholders}``.
    """
    entry = CATALOG[key]
    return entry[lang if lang in LANGS else current_lang()].format(**params)


def text(value: str | Bilingual, lang: str | None = None) -> str:
    """The ``lang`` version of a bilingual text; a plain string is returned unchanged."""
    if isinstance(value, str):
        return value
    return value[lang if lang in LANGS else current_lang()]


def bilingual(value: Any, where: str, *, plain_ok: bool = False) -> str | dict[str, str]:
    """Validate an author's text: a dict with a non-empty "en" and "zh" (and nothing else).

    Args:
        value: the text as written in the exercise module.
        where: what the text is, for the error message (e.g. ``"rfm.q1: hint 2"``).
        plain_ok: accept a plain string as a language-neutral text (code, a label like
            ``"days=0"``).

    Returns:
        The validated text (a new dict, or the plain string).

    Raises:
        AuthoringError: a language is missing or empty, or the value is not a text.
    """
    if isinstance(value, str):
        if plain_ok and value.strip():
            return value
        raise AuthoringError(
            f"{where}: write this text in both languages, e.g. {{'en': ..., 'zh': ...}}"
        )
    if not isinstance(value, Mapping):
        raise AuthoringError(f"{where}: expected a dict {{'en': ..., 'zh': ...}}, got {value!r}")
    unknown = sorted(str(k) for k in value if k not in LANGS)
    if unknown:
        raise AuthoringError(f"{where}: unknown language key(s) {unknown}; use 'en' and 'zh'")
    for lang in LANGS:
        item = value.get(lang)
        if not isinstance(item, str) or not item.strip():
            raise AuthoringError(f"{where}: the {lang!r} text is missing or empty")
    return {lang: value[lang] for lang in LANGS}


def placeholders(template: str) -> set[str]:
    """The ``{names}`` used by a format string (for testing the catalog)."""
    return {name for _, name, _, _ in string.Formatter().parse(template) if name is not None}


# Every message the engine shows. Keys are grouped by prefix: status.*, check.* (headlines),
# diff.* (structured differences), kind.* (what was expected), case.* and function.*
# (function problems), choice.*, open.*, hint.* / solution.*, progress.*.
CATALOG: dict[str, dict[str, str]] = {
    # ------------------------------------------------------------------ status labels
    "status.correct": {"en": "Correct", "zh": "正确"},
    "status.incorrect": {"en": "Not yet", "zh": "还不对"},
    "status.not_attempted": {"en": "Not attempted", "zh": "尚未作答"},
    "status.error": {"en": "Check could not run", "zh": "无法检查"},
    # ------------------------------------------------------------------ headlines
    "check.correct": {
        "en": "Correct! `{var}` matches the expected answer.",
        "zh": "正确！`{var}` 与参考答案一致。",
    },
    "check.incorrect": {
        "en": "Not yet: `{var}` does not match the expected answer.",
        "zh": "还不对：`{var}` 与参考答案不一致。",
    },
    "check.mistake": {
        "en": "This looks like a known mistake ({name}): {explanation}",
        "zh": "这看起来是一个常见错误（{name}）：{explanation}",
    },
    "check.not_attempted": {
        "en": "`{var}` is still ____: write your answer, run the cell, then check again.",
        "zh": "`{var}` 仍是 ____：写好答案并运行该单元格，然后再检查。",
    },
    "check.undefined": {
        "en": "There is no variable `{var}` yet: define it (run its cell), then check again.",
        "zh": "还没有变量 `{var}`：先定义它（运行对应的单元格），然后再检查。",
    },
    "check.not_set_up": {
        "en": (
            "The course data is not set up in this kernel. Run `course.setup()` first "
            "(the first code cell of the notebook), then check again."
        ),
        "zh": (
            "当前内核尚未设置课程数据。请先运行 `course.setup()`"
            "（笔记本的第一个代码单元格），然后再检查。"
        ),
    },
    "check.stale": {
        "en": (
            "The course data changed after `course.setup()` ran, so this kernel holds "
            "out-of-date tables. Restart the kernel and run all cells "
            "(Kernel → Restart Kernel and Run All Cells), then check again."
        ),
        "zh": (
            "运行 `course.setup()` 之后课程数据发生了变化，当前内核中的数据已过期。"
            "请重启内核并运行全部单元格（Kernel → Restart Kernel and Run All Cells），然后再检查。"
        ),
    },
    "check.data_error": {
        "en": (
            "The course data could not be read: {detail}. This is not a problem with your "
            "answer. Once the data is repaired (ask your instructor), run `course.setup()` "
            "again and check again."
        ),
        "zh": (
            "无法读取课程数据：{detail}。这不是你的答案的问题。"
            "数据修复后（请询问讲师），重新运行 `course.setup()`，然后再检查。"
        ),
    },
    "check.preparing": {
        "en": "Preparing the answer from the course data (only the first check takes this long)",
        "zh": "正在根据课程数据准备参考答案（只有第一次检查需要这么久）",
    },
    "check.internal_error": {
        "en": (
            "Something went wrong inside the checker ({error}). This is not your fault and "
            "not a problem with your answer: please tell your instructor, and carry on with "
            "the next exercise."
        ),
        "zh": (
            "检查程序内部出错（{error}）。这不是你的错，也不是你的答案的问题："
            "请告知讲师，并继续做下一题。"
        ),
    },
    "check.more": {"en": "… and {count} more.", "zh": "……另有 {count} 处。"},
    # ------------------------------------------------------------------ what was expected
    "kind.number": {"en": "a number", "zh": "一个数值"},
    "kind.text": {"en": "a text (str)", "zh": "一段文本（str）"},
    "kind.bool": {"en": "True or False", "zh": "True 或 False"},
    "kind.sequence": {"en": "a list", "zh": "一个列表（list）"},
    "kind.set": {"en": "a collection (set or list)", "zh": "一个集合（set 或 list）"},
    "kind.mapping": {"en": "a dict", "zh": "一个字典（dict）"},
    "kind.frame": {"en": "a DataFrame", "zh": "一个 DataFrame"},
    "kind.series": {"en": "a Series", "zh": "一个 Series"},
    "kind.array": {"en": "an array", "zh": "一个数组"},
    "kind.datetime": {
        "en": "a date and time (a pandas Timestamp)",
        "zh": "一个日期时间（pandas Timestamp）",
    },
    # ------------------------------------------------------------------ structured differences
    "diff.type": {
        "en": "Expected {expected}, got a value of type {given}.",
        "zh": "应为{expected}，实际得到 {given} 类型的值。",
    },
    "diff.not_single_value": {
        "en": "Expected a single value, got a {given} of {count} values.",
        "zh": "应为单个值，实际得到包含 {count} 个值的 {given}。",
    },
    "diff.too_large": {
        "en": "Your answer has {given} rows, far more than the {expected} expected; it was not "
        "compared further.",
        "zh": "你的答案有 {given} 行，远多于预期的 {expected} 行，因此没有进一步比较。",
    },
    "diff.row_count": {
        "en": "Row count: expected {expected}, got {given}.",
        "zh": "行数：应为 {expected}，实际为 {given}。",
    },
    "diff.missing_columns": {"en": "Missing columns: {columns}.", "zh": "缺少列：{columns}。"},
    "diff.extra_columns": {"en": "Unexpected columns: {columns}.", "zh": "多出的列：{columns}。"},
    "diff.duplicate_columns": {
        "en": "Duplicate column names: {columns}.",
        "zh": "列名重复：{columns}。",
    },
    "diff.column_order": {
        "en": "The columns are in a different order; expected: {expected}.",
        "zh": "列的顺序不同；应为：{expected}。",
    },
    "diff.dtype": {
        "en": "Column {column}: expected type {expected}, got {given}.",
        "zh": "列 {column}：类型应为 {expected}，实际为 {given}。",
    },
    "diff.missing_key_columns": {
        "en": "Key column(s) {columns} not found, neither as columns nor as the index.",
        "zh": "找不到键列 {columns}（既不在列中，也不在索引中）。",
    },
    "diff.duplicate_keys": {
        "en": "Keys that appear more than once: {count}, e.g. {examples}; each key should "
        "appear once.",
        "zh": "有 {count} 个键出现了不止一次，例如 {examples}；每个键应只出现一次。",
    },
    "diff.missing_keys": {
        "en": "Missing rows: {count}, e.g. {examples}.",
        "zh": "缺少 {count} 行，例如 {examples}。",
    },
    "diff.extra_keys": {
        "en": "Unexpected rows: {count}, e.g. {examples}.",
        "zh": "多出 {count} 行不应有的数据，例如 {examples}。",
    },
    "diff.row_order": {
        "en": "The rows are in a different order than expected.",
        "zh": "行的顺序与预期不同。",
    },
    "diff.index_levels": {
        "en": "The index should have {expected} level(s) ({names}); yours has {given}.",
        "zh": "索引应有 {expected} 层（{names}）；你的有 {given} 层。",
    },
    "diff.values": {
        "en": "Column {column}: {count} of {total} values differ.",
        "zh": "列 {column}：{total} 个值中有 {count} 个不同。",
    },
    "diff.values_subtle": {
        "en": "Column {column}: the values differ slightly from the expected ones (check "
        "rounding, types and missing values).",
        "zh": "列 {column}：取值与预期存在细微差异（请检查舍入、类型和缺失值）。",
    },
    "diff.first_differences": {"en": "First differences:", "zh": "前几处差异："},
    "diff.difference": {
        "en": "{row}, {column}: expected {expected}, got {given}",
        "zh": "{row}，{column}：应为 {expected}，实际为 {given}",
    },
    "diff.row_position": {"en": "row at position {position}", "zh": "位置 {position} 的行"},
    "diff.series_name": {
        "en": "The Series should be named {expected}, got {given}.",
        "zh": "Series 的名称应为 {expected}，实际为 {given}。",
    },
    "diff.cannot_compare": {
        "en": "Your answer could not be compared with the expected one ({error}).",
        "zh": "无法将你的答案与参考答案进行比较（{error}）。",
    },
    "diff.column_cannot_compare": {
        "en": "Column {column}: the values could not be compared ({error}).",
        "zh": "列 {column}：无法比较其中的值（{error}）。",
    },
    "diff.number_high": {
        "en": "Your value {given} is higher than expected (by {by}).",
        "zh": "你的结果 {given} 比预期偏高（高出 {by}）。",
    },
    "diff.number_low": {
        "en": "Your value {given} is lower than expected (by {by}).",
        "zh": "你的结果 {given} 比预期偏低（低了 {by}）。",
    },
    "diff.by_less": {"en": "less than {percent} %", "zh": "不到 {percent}%"},
    "diff.by_more": {"en": "more than {percent} %", "zh": "超过 {percent}%"},
    "diff.by_absolute": {"en": "where 0 was expected", "zh": "预期为 0"},
    "diff.times_100": {
        "en": "It is about 100 times the expected value: a percentage where a fraction "
        "(0 to 1) is expected?",
        "zh": "它约为预期值的 100 倍：题目要的是小数（0 到 1），你给的是不是百分数？",
    },
    "diff.divided_100": {
        "en": "It is about a hundredth of the expected value: divided by 100 once too often?",
        "zh": "它约为预期值的百分之一：是不是多除了一次 100？",
    },
    "diff.times_1000": {
        "en": "It is about 1,000 times the expected value: check the unit (yuan or thousands, "
        "seconds or milliseconds).",
        "zh": "它约为预期值的 1000 倍：请检查单位（元还是千元，秒还是毫秒）。",
    },
    "diff.divided_1000": {
        "en": "It is about a thousandth of the expected value: check the unit (yuan or "
        "thousands, seconds or milliseconds).",
        "zh": "它约为预期值的千分之一：请检查单位（元还是千元，秒还是毫秒）。",
    },
    "diff.sign_flipped": {
        "en": "Only the sign differs: was something subtracted the wrong way round?",
        "zh": "只有正负号不同：是不是减反了？",
    },
    "diff.off_by_one": {
        "en": "It is off by exactly one: check whether a boundary (the first or last day, "
        "<= or <) is counted.",
        "zh": "恰好差 1：请检查边界（第一天或最后一天、<= 还是 <）是否计算在内。",
    },
    "diff.rounded": {
        "en": "It looks rounded to {decimals} decimal place(s): give the value unrounded.",
        "zh": "它看起来被四舍五入到了 {decimals} 位小数：请给出未经舍入的值。",
    },
    "diff.type_value": {
        "en": "Expected {expected}, got a value of type {given}: {value}.",
        "zh": "应为{expected}，实际得到 {given} 类型的值：{value}。",
    },
    "diff.none_value": {
        "en": "Your variable holds None, not {expected}. A function that only shows something "
        "(print, display) or a method called with inplace=True returns None: assign the "
        "result itself.",
        "zh": "你的变量是 None，而不是{expected}。只负责显示的函数（print、display）或使用 "
        "inplace=True 的方法都返回 None：请把结果本身赋给变量。",
    },
    "diff.timezone_attached": {
        "en": "Your value {given} carries a time zone ({zone}); the expected value is a local "
        "date and time without one. Remove it with `.tz_localize(None)`.",
        "zh": "你的结果 {given} 带有时区（{zone}）；预期值是不带时区的本地日期时间。"
        "请用 `.tz_localize(None)` 去掉时区。",
    },
    "diff.timezone_missing": {
        "en": "Your value {given} has no time zone; the expected value is in {zone}.",
        "zh": "你的结果 {given} 没有时区；预期值的时区是 {zone}。",
    },
    "diff.later": {
        "en": "Your value {given} is {by} later than expected.",
        "zh": "你的结果 {given} 比预期晚了 {by}。",
    },
    "diff.earlier": {
        "en": "Your value {given} is {by} earlier than expected.",
        "zh": "你的结果 {given} 比预期早了 {by}。",
    },
    "diff.text_case": {
        "en": "Your text {given} differs from the expected one only in upper and lower case.",
        "zh": "你的文本 {given} 与预期只有大小写不同。",
    },
    "diff.text_spaces": {
        "en": "Your text {given} differs from the expected one only in spaces.",
        "zh": "你的文本 {given} 与预期只有空格不同。",
    },
    "diff.value": {
        "en": "Your value {given} is not the expected one.",
        "zh": "你的结果 {given} 不是预期的值。",
    },
    "diff.length": {
        "en": "Expected {expected} items, got {given}.",
        "zh": "应有 {expected} 个元素，实际有 {given} 个。",
    },
    "diff.item": {
        "en": "Item {position} differs: got {given}.",
        "zh": "第 {position} 个元素不同：实际为 {given}。",
    },
    "diff.missing_items": {
        "en": "Missing items: {count}, e.g. {examples}.",
        "zh": "缺少 {count} 个应有的元素，例如 {examples}。",
    },
    "diff.extra_items": {
        "en": "Unexpected items: {count}, e.g. {examples}.",
        "zh": "多出 {count} 个不应有的元素，例如 {examples}。",
    },
    "diff.duplicate_items": {
        "en": "Items listed more than once: {count}, e.g. {examples}.",
        "zh": "有 {count} 个元素重复出现，例如 {examples}。",
    },
    # ------------------------------------------------------------------ function problems
    "function.correct": {
        "en": "Correct! `{var}` gives the expected result on all {total} test cases.",
        "zh": "正确！`{var}` 在全部 {total} 个测试用例上结果正确。",
    },
    "function.incorrect": {
        "en": "Not yet: `{var}` passes {passed} of {total} test cases.",
        "zh": "还不对：`{var}` 在 {total} 个测试用例中通过了 {passed} 个。",
    },
    "function.not_callable": {
        "en": "`{var}` should be a function (written with def), got a value of type {given}.",
        "zh": "`{var}` 应当是一个函数（用 def 定义），实际得到 {given} 类型的值。",
    },
    "function.limit": {
        "en": "each test case may take {seconds} s",
        "zh": "每个测试用例最多运行 {seconds} 秒",
    },
    "function.limit_scaled": {
        "en": "each test case may take {seconds} s, plus {per_1000} s for every 1,000 values "
        "in its input",
        "zh": "每个测试用例最多运行 {seconds} 秒，输入中每 1,000 个值再加 {per_1000} 秒",
    },
    "function.slow_but_correct": {
        "en": "Note: on the test case “{case}” ({size} values) your function took {seconds} s "
        "(the limit there is {limit} s).",
        "zh": "提示：在测试用例“{case}”（{size} 个值）上，你的函数用了 {seconds} 秒"
        "（该用例的时限为 {limit} 秒）。",
    },
    "function.vectorize": {
        "en": "A loop in Python visits one value at a time; a vectorized pandas or NumPy "
        "operation does the same work in milliseconds.",
        "zh": "Python 循环一次只处理一个值；"
        "向量化的 pandas 或 NumPy 操作几毫秒就能完成同样的工作。",
    },
    "function.progress": {"en": "checking {var}()", "zh": "正在检查 {var}()"},
    "function.placeholder": {
        "en": "The function `{var}` still contains ____ or raises NotImplementedError: "
        "finish it, run the cell, then check again.",
        "zh": (
            "函数 `{var}` 中仍有 ____ 或仍抛出 NotImplementedError："
            "完成它并运行单元格，然后再检查。"
        ),
    },
    "case.raised": {
        "en": "Test case “{case}”: your function raised {error}: {detail}",
        "zh": "测试用例“{case}”：你的函数抛出了 {error}：{detail}",
    },
    "case.endless": {
        "en": "Test case “{case}”: your function did not finish within {seconds} s (an "
        "endless loop?). The input is small, so a loop that never ends is the likely cause: "
        "check that every loop stops.",
        "zh": "测试用例“{case}”：你的函数在 {seconds} 秒内没有结束（是否有死循环？）。"
        "输入很小，最可能的原因是某个循环永远不会结束：请检查每个循环都能终止。",
    },
    "case.too_slow": {
        "en": "Test case “{case}” ({size} values): your function was stopped after {seconds} s, "
        "the limit for this case. It finished the smaller cases (the slowest in {earlier} s), "
        "so it is not stuck: it is too slow for a table this size.",
        "zh": "测试用例“{case}”（{size} 个值）：你的函数运行 {seconds} 秒（本用例的时限）后被停止。"
        "它完成了较小的用例（最慢的用了 {earlier} 秒），所以并没有卡住：只是对这么大的表太慢了。",
    },
    "case.memory": {
        "en": "Test case “{case}”: your function used more memory than allowed and was stopped "
        "(MemoryError). Does a list or a string grow without end?",
        "zh": "测试用例“{case}”：你的函数占用的内存超出限制，已被停止（MemoryError）。"
        "是否有列表或字符串在无限增长？",
    },
    "case.crashed": {
        "en": "Test case “{case}”: your function ended the process running it ({detail}), "
        "e.g. with os._exit(). A function hands back its result with return. (It ran in a "
        "separate process: your kernel is fine.)",
        "zh": "测试用例“{case}”：你的函数结束了运行它的进程（{detail}），例如调用了 os._exit()。"
        "函数应当用 return 返回结果。（它在单独的进程中运行：你的内核没有受到影响。）",
    },
    "case.exit": {
        "en": "Test case “{case}”: your function called sys.exit() (or exit()), which stops a "
        "whole program. A function hands back its result with return.",
        "zh": "测试用例“{case}”：你的函数调用了 sys.exit()（或 exit()），这会结束整个程序。"
        "函数应当用 return 返回结果。",
    },
    "case.expected_given": {
        "en": "Test case “{case}”: expected {expected}, got {given}.",
        "zh": "测试用例“{case}”：应为 {expected}，实际为 {given}。",
    },
    "case.differs": {
        "en": "Test case “{case}”: the result differs from the expected one.",
        "zh": "测试用例“{case}”：结果与预期不同。",
    },
    "case.should_raise": {
        "en": "Test case “{case}”: expected {error} to be raised, but your function returned "
        "{given}.",
        "zh": "测试用例“{case}”：应当抛出 {error}，但你的函数返回了 {given}。",
    },
    # ------------------------------------------------------------------ choice problems
    "choice.correct": {"en": "Correct! {given} is right.", "zh": "正确！{given} 是对的。"},
    "choice.wrong": {
        "en": "Not yet: {given} is not the best answer.",
        "zh": "还不对：{given} 不是最佳答案。",
    },
    "choice.wrong_multi": {
        "en": "Not yet: {given} is not the right set of options.",
        "zh": "还不对：{given} 不是正确的选项组合。",
    },
    "choice.not_text": {
        "en": 'Answer with the letter of an option in quotes, e.g. "{example}"; got a value of '
        "type {given}.",
        "zh": '请用引号中的选项字母作答，例如 "{example}"；实际得到 {given} 类型的值。',
    },
    "choice.invalid": {
        "en": "{given} is not one of the options; answer with one of {options}.",
        "zh": "{given} 不是选项之一；请从 {options} 中作答。",
    },
    "choice.one_only": {
        "en": 'Choose exactly one option, e.g. "{example}"; you gave {given}.',
        "zh": '请只选一个选项，例如 "{example}"；你给出的是 {given}。',
    },
    "choice.answer": {"en": "The answer is {answer}.", "zh": "答案是 {answer}。"},
    # ------------------------------------------------------------------ open problems
    "open.recorded": {
        "en": "Recorded for review by your instructor. Assess your answer against the rubric, "
        "then compare it with the model answer.",
        "zh": "已记录，等待讲师评阅。请先对照评分要点自评，再与参考答案比较。",
    },
    "open.rubric": {"en": "Rubric:", "zh": "评分要点："},
    "open.model_answer": {"en": "Model answer:", "zh": "参考答案："},
    "open.rubric_points": {
        "en": "Rubric ({points} points):",
        "zh": "评分量表（满分 {points} 分）：",
    },
    "rubric.criterion": {
        "en": "{title} (up to {points} points):",
        "zh": "{title}（最高 {points} 分）：",
    },
    "rubric.levels": {"en": " {levels}", "zh": "{levels}"},
    "rubric.separator": {"en": "; ", "zh": "；"},
    "rubric.cell": {"en": "{text} ({points} pts)", "zh": "{text}（{points} 分）"},
    "rubric.max": {"en": "max points", "zh": "满分"},
    "rubric.criterion_column": {"en": "criterion", "zh": "评分维度"},
    "open.not_text": {
        "en": "Write your answer as a text in quotes (a str); got a value of type {given}.",
        "zh": "请把答案写成引号中的文字（str）；实际得到 {given} 类型的值。",
    },
    "open.incorrect": {
        "en": "Not yet: `{var}` is not ready for review.",
        "zh": "还不对：`{var}` 还不能提交评阅。",
    },
    "open.too_short": {
        "en": "The answer is too short to cover the rubric: write at least {minimum} words "
        "(each Chinese character counts as one).",
        "zh": "答案太短，无法覆盖评分要点：请至少写 {minimum} 个词（每个汉字算一个）。",
    },
    # ------------------------------------------------------------------ hints and solutions
    "hint.heading": {"en": "Hint {n} of {total}", "zh": "提示 {n}/{total}"},
    "hint.beyond": {
        "en": "There are only {total} hints for this problem. If you are still stuck, "
        "`{name}.solution()` shows a solution.",
        "zh": "本题只有 {total} 条提示。如果仍有困难，可以用 `{name}.solution()` 查看参考解答。",
    },
    "hint.invalid": {
        "en": "Ask for a hint by its number, from 1 to {total}, e.g. `{name}.hint(1)`.",
        "zh": "请按编号查看提示（1 到 {total}），例如 `{name}.hint(1)`。",
    },
    "hint.none": {
        "en": "This problem has no hints; `{name}.solution()` shows a solution.",
        "zh": "本题没有提示；可以用 `{name}.solution()` 查看参考解答。",
    },
    "hint.title": {"en": "Hint", "zh": "提示"},
    "solution.heading": {"en": "Solution", "zh": "参考解答"},
    "solution.none": {
        "en": "No solution is provided for this problem.",
        "zh": "本题没有提供参考解答。",
    },
    # ------------------------------------------------------------------ progress
    "progress.title": {"en": "Progress", "zh": "学习进度"},
    "progress.module": {"en": "module", "zh": "模块"},
    "progress.problems": {"en": "problems", "zh": "题目"},
    "progress.attempted": {"en": "attempted", "zh": "已尝试"},
    "progress.passed": {"en": "passed", "zh": "已通过"},
    "progress.bar": {"en": "progress", "zh": "进度"},
    "progress.total": {"en": "total", "zh": "合计"},
    "progress.none": {"en": "No exercise modules found.", "zh": "没有找到练习模块。"},
    "progress.unknown_module": {
        "en": "No exercise module named {module}.",
        "zh": "没有名为 {module} 的练习模块。",
    },
    "progress.file": {"en": "Progress file: {path}", "zh": "进度文件：{path}"},
    "progress.unreadable": {
        "en": "The progress file could not be read ({error}); showing no progress.",
        "zh": "无法读取进度文件（{error}）；按没有进度显示。",
    },
    "progress.set_aside": {
        "en": "Your progress file {path} could not be read; it was kept as {aside} and a new "
        "one was started.",
        "zh": "无法读取你的进度文件 {path}；它已另存为 {aside}，并新建了一个进度文件。",
    },
    "progress.not_saved": {
        "en": "Your progress is not being saved: {path} cannot be written ({error}). Checks "
        "still work; set COURSEKIT_PROGRESS to a writable file to keep your progress.",
        "zh": "你的进度没有被保存：无法写入 {path}（{error}）。检查仍可正常使用；"
        "如需保存进度，请把 COURSEKIT_PROGRESS 设为一个可写的文件。",
    },
    "progress.lost": {
        "en": "{count} earlier check(s) could not be saved to {path}: another program kept "
        "the file locked.",
        "zh": "有 {count} 次之前的检查未能保存到 {path}：另一个程序一直锁着该文件。",
    },
    "progress.broken_module": {
        "en": "Could not load exercise module {module} ({error}).",
        "zh": "无法加载练习模块 {module}（{error}）。",
    },
    # ------------------------------------------------------------------ campaign simulator
    # Refusals of coursekit.simulate (one line each; the English wording is matched by tests
    # and shown in stored notebook outputs) and its progress bar.
    # The report of a simulated campaign (Result.report, repr in a notebook).
    "simulate.report.title": {
        "en": "Campaign simulated {start} .. {end} ({limit}, seed {seed}, holdout {holdout})",
        "zh": "模拟活动 {start} .. {end}（{limit}，随机种子 {seed}，对照组 {holdout}）",
    },
    "simulate.report.budget": {"en": "budget {budget}", "zh": "预算 {budget}"},
    "simulate.report.no_budget": {"en": "no budget", "zh": "不限预算"},
    "simulate.report.contacts": {
        "en": "  contacted {contacted} of {members} members; contact cost {contact_cost}; "
        "redemptions {redemptions} costing {redemption_cost}",
        "zh": "  触达 {contacted} / {members} 位会员；触达成本 {contact_cost}；"
        "核销 {redemptions} 次，核销成本 {redemption_cost}",
    },
    "simulate.report.revenue": {
        "en": "  incremental revenue {interval}",
        "zh": "  增量收入 {interval}",
    },
    "simulate.report.profit": {
        "en": "  incremental gross profit {interval}  (95% intervals)",
        "zh": "  增量毛利 {interval}（95% 置信区间）",
    },
    "simulate.report.per_segment": {
        "en": "  per segment (incremental gross profit):",
        "zh": "  各分层（增量毛利）：",
    },
    "simulate.report.expected": {
        "en": "  expected profit under the truth: plan {plan}, random targeting {random}, "
        "oracle {oracle}",
        "zh": "  按真实响应的期望毛利：本方案 {plan}，随机选人 {random}，理想方案 {oracle}",
    },
    "simulate.report.share": {
        "en": "  the plan reaches {plan} of the oracle's profit; random targeting {random}",
        "zh": "  本方案达到理想方案毛利的 {plan}；随机选人 {random}",
    },
    "simulate.not_a_frame": {
        "en": "plan must be a DataFrame with one row per member and the columns customer_id, "
        "offer and channel; got {given}",
        "zh": "方案必须是一个 DataFrame：每位会员一行，包含 customer_id、offer 和 channel 三列；"
        "实际得到的是 {given}",
    },
    "simulate.column_levels": {
        "en": "plan has several levels of column names; give it one level: customer_id, offer "
        "and channel (and may have segment)",
        "zh": "方案的列名有多层；请只用一层列名：customer_id、offer 和 channel（可再加 segment）",
    },
    "simulate.missing_columns": {
        "en": "plan is missing column(s) {columns}; it needs customer_id, offer and channel "
        "(and may have segment)",
        "zh": "方案缺少列 {columns}；方案需要 customer_id、offer 和 channel 三列（可再加 segment）",
    },
    "simulate.duplicate_columns": {
        "en": "plan has duplicate column names",
        "zh": "方案中有重复的列名",
    },
    "simulate.empty": {
        "en": "plan is empty: nobody to contact",
        "zh": "方案是空的：没有要触达的会员",
    },
    "simulate.missing_values": {
        "en": "plan column {column} has {count} missing value(s)",
        "zh": "方案的 {column} 列有 {count} 个缺失值",
    },
    "simulate.text_ids": {
        "en": "plan column 'customer_id' holds text; use the numbers of customers.customer_id",
        "zh": "方案的 'customer_id' 列是文本；请使用 customers.customer_id 中的数字编号",
    },
    "simulate.bad_ids": {
        "en": "plan column 'customer_id' must hold the members' customer_id numbers, got {bad}",
        "zh": "方案的 'customer_id' 列必须是会员的 customer_id 编号，实际得到 {bad}",
    },
    "simulate.member_twice": {
        "en": "{count} member(s) appear more than once in the plan (e.g. {example} {times} "
        "times): each member gets one offer",
        "zh": "有 {count} 位会员在方案中出现了不止一次（例如 {example} 出现了 {times} 次）："
        "每位会员只能获得一个优惠",
    },
    "simulate.unknown_members": {
        "en": "{count} customer_id(s) in the plan are not members of the data in use, e.g. "
        "{examples}",
        "zh": "方案中有 {count} 个 customer_id 不是当前所用数据中的会员，例如 {examples}",
    },
    "simulate.unknown_offers": {
        "en": "unknown offer(s) {unknown} in the plan; the offers are {known} (see "
        "simulate.offers())",
        "zh": "方案中有未知的优惠代码 {unknown}；可用的优惠有 {known}（见 simulate.offers()）",
    },
    "simulate.unknown_channels": {
        "en": "unknown channel(s) {unknown} in the plan; the channels are {known} (see "
        "simulate.channels())",
        "zh": "方案中有未知的渠道代码 {unknown}；可用的渠道有 {known}（见 simulate.channels()）",
    },
    "simulate.budget_not_a_number": {
        "en": "budget must be an amount in yuan (a number) or None, got {budget}",
        "zh": "预算 budget 必须是以元为单位的金额（一个数字）或 None，实际得到 {budget}",
    },
    "simulate.budget_out_of_range": {
        "en": "budget must be a finite amount >= 0, got {budget}",
        "zh": "预算 budget 必须是大于等于 0 的有限金额，实际得到 {budget}",
    },
    "simulate.bad_seed": {
        "en": "seed must be a whole number >= 0 (or None), got {seed}",
        "zh": "随机种子 seed 必须是大于等于 0 的整数（或 None），实际得到 {seed}",
    },
    "simulate.bad_holdout": {
        "en": "holdout must be a share between 0.05 and 0.5, got {holdout}",
        "zh": "对照组比例 holdout 必须介于 0.05 和 0.5 之间，实际得到 {holdout}",
    },
    "simulate.over_budget": {
        "en": "the plan costs {cost} yuan in contacts, over the budget of {budget} by {over}: "
        "contact fewer members or use cheaper channels (simulate.plan_cost(plan) gives the "
        "cost)",
        "zh": "方案的触达成本为 {cost} 元，比预算 {budget} 元多出 {over} 元："
        "请减少触达的会员或改用更便宜的渠道（simulate.plan_cost(plan) 可算出成本）",
    },
    "simulate.no_truth": {
        "en": "the campaign simulator needs the world's hidden tables (truth/): {reason}",
        "zh": "营销活动模拟器需要数据的隐藏表（truth/）：{reason}",
    },
    "simulate.truth_incomplete": {
        "en": "the hidden truth does not cover every member of customers",
        "zh": "隐藏的真实数据没有覆盖 customers 中的每一位会员",
    },
    "simulate.preparing": {
        "en": "Preparing the campaign simulator (once per dataset)",
        "zh": "正在准备营销活动模拟器（每份数据只需一次）",
    },
}
