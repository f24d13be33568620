"""Audit summaries are shown in the reader's language (issue 15 item 8, D104): every summary a
service writes has a translated pattern, and the audit page shows the translation."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from django.utils import translation

from onetrip.core.audit_text import readable

ROOT = Path(__file__).resolve().parents[2]


def _samples(node: ast.expr) -> list[str]:
    """The texts an expression can give, each value written as 7."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.JoinedStr):
        texts = [""]
        for part in node.values:
            inner = part.value if isinstance(part, ast.FormattedValue) else part
            pieces = _samples(inner) or ["7"]
            texts = [text + piece for text in texts for piece in pieces]
        return texts
    if isinstance(node, ast.IfExp):
        return _samples(node.body) + _samples(node.orelse)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        return [a + b for a in _samples(node.left) for b in _samples(node.right)]
    if isinstance(node, ast.Subscript):
        return _samples(node.value)
    return []  # a name: its assignments are found as summaries of their own


def _written_summaries() -> dict[str, str]:
    found: dict[str, str] = {}
    for path in ROOT.rglob("*.py"):
        if "tests" in path.parts or "migrations" in path.parts:
            continue
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            values: list[ast.expr] = []
            if (
                isinstance(node, ast.keyword)
                and node.arg == "summary"
                or isinstance(node, ast.Assign)
                and any(isinstance(t, ast.Name) and t.id == "summary" for t in node.targets)
            ):
                values.append(node.value)
            elif (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id == "_audit_list"
            ):
                values.append(node.args[1])
            for value in values:
                for text in _samples(value):
                    found[text] = f"{path.relative_to(ROOT)}:{value.lineno}"
    return found


def test_every_summary_a_service_writes_has_a_translated_pattern():
    written = _written_summaries()
    assert len(written) > 80
    untranslated = {text: where for text, where in written.items() if not readable(text).translated}
    assert not untranslated, untranslated


@pytest.mark.parametrize(
    ("summary", "chinese"),
    [
        ("patient record", "患者档案"),
        ("patient search (3 found)", "3"),
        ("referral office worklist", "转诊办公室工作列表"),
        ("referral accepted", "accepted"),
    ],
)
def test_a_summary_is_shown_in_chinese_with_its_values(summary, chinese):
    with translation.override("zh-hans"):
        shown = readable(summary)
    assert shown.translated
    assert chinese in shown.text
    assert not shown.text.startswith(summary)


def test_in_english_the_summary_reads_as_written_and_an_unknown_one_is_marked():
    with translation.override("en"):
        assert readable("patient search (3 found)").text == "patient search (3 found)"
    unknown = readable("something a service no longer writes")
    assert not unknown.translated
    assert unknown.text == "something a service no longer writes"
