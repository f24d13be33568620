"""Privacy masking (R-ORG-3): what pages and API responses show of identity numbers, phone numbers
and names. Masked values keep their shape so a person can still recognise their own record."""

from __future__ import annotations

import re

MASK = "*"

_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff\U00020000-\U0003134f]")
_WORD = re.compile(r"\w+")


def _keep_ends(text: str, head: int, tail: int) -> str:
    hidden = len(text) - head - tail
    return text[:head] + MASK * hidden + text[len(text) - tail :]


def mask_document_number(number: str) -> str:
    length = len(number)
    if length >= 18:
        return _keep_ends(number, 4, 4)
    if length >= 10:
        return _keep_ends(number, 3, 3)
    if length >= 6:
        return _keep_ends(number, 2, 2)
    if length >= 3:
        return _keep_ends(number, 1, 1)
    # Showing one character at each end of a 1-2 character number would show all of it.
    return MASK * length


def mask_phone(phone: str) -> str:
    length = len(phone)
    if length >= 8:
        return _keep_ends(phone, 3, 4)
    if length >= 4:
        return _keep_ends(phone, 0, 2)
    return MASK * length


def mask_name(name: str) -> str:
    name = name.strip()
    if _CJK.search(name):
        if len(name) == 1:
            return MASK
        if len(name) == 2:
            return name[0] + MASK
        return _keep_ends(name, 1, 1)
    return _WORD.sub(lambda word: _keep_ends(word.group(), 1, 0), name)
