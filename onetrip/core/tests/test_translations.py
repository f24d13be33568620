"""The Simplified Chinese catalogue is complete, compiled, and used by Django.

Simplified Chinese is the default language; English (the source strings) is the alternative.
After adding or changing any `_()` / `{% translate %}` / `{% blocktranslate %}` string, refresh
the catalogue from the project root:

    .venv/bin/python manage.py makemessages -l zh_Hans --ignore=.venv --ignore=var \
        --ignore=test-artifacts --no-obsolete
    # translate every new or "#, fuzzy" entry in onetrip/locale/zh_Hans/LC_MESSAGES/django.po,
    # then delete the "#, fuzzy" flags
    .venv/bin/python manage.py compilemessages --ignore=.venv

and commit both django.po and django.mo (the running system has no gettext tools). These tests
fail when a string is untranslated or fuzzy, or when django.mo was not recompiled after the .po
changed. They do not run extraction: a string missing from the .po altogether shows up in
English in the UI, so run makemessages before you commit.
"""

from __future__ import annotations

import gettext as stdlib_gettext
import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import translation

LC_MESSAGES = Path(settings.LOCALE_PATHS[0]) / "zh_Hans" / "LC_MESSAGES"
PO_FILE = LC_MESSAGES / "django.po"
MO_FILE = LC_MESSAGES / "django.mo"

REFRESH_HINT = (
    "run `.venv/bin/python manage.py makemessages -l zh_Hans --ignore=.venv --ignore=var "
    "--ignore=test-artifacts --no-obsolete`, translate, then "
    "`.venv/bin/python manage.py compilemessages --ignore=.venv`"
)

_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\", "a": "\a", "b": "\b"}
_KEYWORD = re.compile(r"^(msgctxt|msgid_plural|msgid|msgstr(?:\[(\d+)\])?)\s+(\".*\")\s*$")
_PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")


@dataclass
class Entry:
    msgid: str = ""
    msgctxt: str | None = None
    msgid_plural: str | None = None
    msgstr: str = ""
    msgstr_plural: dict[int, str] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)
    line: int = 0

    @property
    def translations(self) -> list[str]:
        if self.msgid_plural is None:
            return [self.msgstr]
        return [self.msgstr_plural[i] for i in sorted(self.msgstr_plural)]

    def __str__(self) -> str:
        return f"django.po line {self.line}: {self.msgid!r}"


def _unquote(quoted: str) -> str:
    body = quoted.strip()
    if len(body) < 2 or body[0] != '"' or body[-1] != '"':
        raise ValueError(f"not a PO string: {quoted!r}")
    return re.sub(r"\\(.)", lambda m: _ESCAPES.get(m[1], m[0]), body[1:-1])


def parse_po(text: str) -> list[Entry]:
    """A small PO reader: comments, flags, msgctxt, plurals, multi-line strings.

    Obsolete (`#~`) entries are skipped. The header (empty msgid) is returned as an entry too.
    """
    entries: list[Entry] = []
    entry = Entry()
    started = False
    target: tuple[str, int | None] | None = None  # which field continuation lines extend

    def finish() -> None:
        nonlocal entry, started, target
        if started:
            entries.append(entry)
        entry, started, target = Entry(), False, None

    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line:
            finish()
            continue
        if line.startswith("#"):
            if started and target is not None and target[0] == "msgstr":
                finish()  # a comment after msgstr starts the next entry
            if line.startswith("#,"):
                entry.flags.update(f.strip() for f in line[2:].split(",") if f.strip())
            continue
        if line.startswith('"'):
            assert target is not None, f"line {number}: string without a keyword"
            _append(entry, target, _unquote(line))
            continue
        match = _KEYWORD.match(line)
        assert match, f"line {number}: cannot read {raw!r}"
        keyword, index, value = match[1], match[2], _unquote(match[3])
        if keyword in ("msgctxt", "msgid") and target is not None and target[0] == "msgstr":
            finish()  # entries without a blank line between them
        if not started:
            entry.line, started = number, True
        target = ("msgstr", int(index)) if index is not None else (keyword, None)
        if index is not None:
            entry.msgstr_plural[int(index)] = ""
        elif keyword in ("msgctxt", "msgid_plural"):
            setattr(entry, keyword, "")
        _append(entry, target, value)
    finish()
    return entries


def _append(entry: Entry, target: tuple[str, int | None], value: str) -> None:
    name, index = target
    if name == "msgstr" and index is not None:
        entry.msgstr_plural[index] += value
    else:
        setattr(entry, name, (getattr(entry, name) or "") + value)


@pytest.fixture(scope="module")
def po_entries() -> list[Entry]:
    assert PO_FILE.is_file(), f"{PO_FILE} is missing: {REFRESH_HINT}"
    return parse_po(PO_FILE.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def messages(po_entries) -> list[Entry]:
    return [e for e in po_entries if e.msgid]


def test_the_reader_handles_multi_line_strings_context_and_plurals():
    entries = parse_po(
        'msgid ""\nmsgstr ""\n"Language: zh_Hans\\n"\n\n'
        '#: a.py:1\n#, fuzzy, python-format\nmsgid ""\n"Two "\n"lines %(n)s"\nmsgstr "两行"\n\n'
        'msgctxt "month"\nmsgid "May"\nmsgstr "五月"\n'
        'msgid "one \\"file\\""\nmsgid_plural "%(n)s files"\nmsgstr[0] "%(n)s 个文件"\n\n'
        '#~ msgid "gone"\n#~ msgstr "旧"\n'
    )
    header, two, may, files = entries
    assert header.msgstr == "Language: zh_Hans\n"
    assert (two.msgid, two.msgstr, two.flags) == (
        "Two lines %(n)s",
        "两行",
        {"fuzzy", "python-format"},
    )
    assert (may.msgctxt, may.msgid, may.msgstr) == ("month", "May", "五月")
    assert (files.msgid, files.msgid_plural) == ('one "file"', "%(n)s files")
    assert files.translations == ["%(n)s 个文件"]


def test_header_declares_simplified_chinese_utf8_and_one_plural_form(po_entries):
    header = next(e for e in po_entries if not e.msgid)
    assert "fuzzy" not in header.flags
    assert "Language: zh_Hans\n" in header.msgstr
    assert "charset=UTF-8" in header.msgstr
    assert "Plural-Forms: nplurals=1; plural=0;" in header.msgstr


def test_every_message_is_translated_and_none_is_fuzzy(messages):
    assert len(messages) > 100, "the catalogue looks truncated"
    fuzzy = [str(e) for e in messages if "fuzzy" in e.flags]
    untranslated = [str(e) for e in messages if not all(t.strip() for t in e.translations)]
    assert not fuzzy, f"fuzzy entries (check the translation, remove the flag): {fuzzy}"
    assert not untranslated, f"untranslated entries: {untranslated}"


def test_plural_entries_have_exactly_one_chinese_form(messages):
    wrong = [str(e) for e in messages if e.msgid_plural is not None and set(e.msgstr_plural) != {0}]
    assert not wrong, f"Chinese has one plural form, msgstr[0] only: {wrong}"


def test_translations_keep_every_placeholder(messages):
    broken = []
    for entry in messages:
        expected = set(_PLACEHOLDER.findall(entry.msgid + (entry.msgid_plural or "")))
        for text in entry.translations:
            if set(_PLACEHOLDER.findall(text)) != expected:
                broken.append(f"{entry} -> {text!r}")
    assert not broken, f"placeholders added, lost or renamed: {broken}"


def test_compiled_catalogue_matches_the_po_file(messages):
    assert MO_FILE.is_file(), f"{MO_FILE} is missing: {REFRESH_HINT}"
    with MO_FILE.open("rb") as mo:
        compiled = stdlib_gettext.GNUTranslations(mo)
    catalog = compiled._catalog  # msgid (or (msgid, n) for plurals) -> translation
    stale = []
    for entry in messages:
        key = entry.msgid if entry.msgctxt is None else f"{entry.msgctxt}\x04{entry.msgid}"
        if entry.msgid_plural is None:
            found = [catalog.get(key)]
        else:
            found = [catalog.get((key, i)) for i in sorted(entry.msgstr_plural)]
        if found != entry.translations:
            stale.append(f"{entry}: .po has {entry.translations!r}, .mo has {found!r}")
    assert not stale, f"django.mo is out of date, {REFRESH_HINT}: {stale}"


def test_django_serves_chinese_by_default_and_english_on_request():
    # Called through a plain name so makemessages does not list this file as a source of msgids.
    lookup = translation.gettext
    sms_msgid = (
        "[OneTrip] Your sign-in code is %(code)s, valid for %(minutes)s minutes. "
        "Never tell it to anyone."
    )
    assert settings.LANGUAGE_CODE == "zh-hans"
    with translation.override("zh-hans"):
        assert lookup("Resident identity card") == "居民身份证"
        assert lookup("Registration window") == "挂号窗口"
        assert lookup(sms_msgid) % {"code": "123456", "minutes": 5} == (
            "【OneTrip】您的登录验证码为123456，5分钟内有效，请勿泄露给他人。"
        )
    with translation.override("en"):
        assert lookup("Resident identity card") == "Resident identity card"
        assert lookup("Registration window") == "Registration window"
        assert lookup(sms_msgid) == sms_msgid
