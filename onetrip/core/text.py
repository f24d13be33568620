"""Names and other free text people type: one normal form, and no invisible characters (D59).

A bidi override (U+202E) makes "张三‮" display as something else, and a zero-width space makes
two identical-looking names compare unequal, defeating the duplicate checks. Text is brought to
NFKC (full-width Latin letters and compatibility ideographs become their ordinary forms) with
whitespace collapsed, and control, format, private-use, unassigned and separator characters are
refused with a message naming the character, not silently dropped: the person sees what was
wrong with what they typed.
"""

from __future__ import annotations

import unicodedata

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from onetrip.core.errors import InvalidInput

# Cc control, Cf format (bidi controls, zero-width characters, soft hyphen), Cs surrogates,
# Co private use, Cn unassigned, Zl/Zp line and paragraph separators. Combining marks (Mn) stay:
# ideographic variation selectors pick the right glyph of a rare character in a name.
REFUSED_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})


def first_refused_character(text: str) -> str | None:
    """The first character a name or address may not hold (whitespace aside), or None."""
    for ch in text:
        if unicodedata.category(ch) in REFUSED_CATEGORIES and ch not in " \t\r\n":
            return ch
    return None


def refused_character_message(ch: str) -> str:
    return _("Remove the invisible or control character U+%(code)04X and type the text again.") % {
        "code": ord(ch)
    }


def normalise_text(text: str) -> str:
    """NFKC with runs of whitespace as one space."""
    return " ".join(unicodedata.normalize("NFKC", text).split())


def clean_name(value: str, *, field: str = "name") -> str:
    """A person's name in its normal form, or InvalidInput on the field for a refused character.
    Emptiness and length are the caller's rules."""
    name = normalise_text(value)
    if (ch := first_refused_character(name)) is not None:
        raise InvalidInput.field(field, refused_character_message(ch), "invalid")
    return name


def clean_free_text(value: str, *, field: str) -> str:
    """An address or note: surrounding whitespace trimmed, line breaks kept, refused characters
    refused as for names."""
    text = unicodedata.normalize("NFKC", value).strip()
    if (ch := first_refused_character(text)) is not None:
        raise InvalidInput.field(field, refused_character_message(ch), "invalid")
    return text


def validate_person_name(value: str) -> None:
    """Model-field validator for names edited in the back office (staff, doctors)."""
    if (ch := first_refused_character(value)) is not None:
        raise ValidationError(refused_character_message(ch), code="invalid")
