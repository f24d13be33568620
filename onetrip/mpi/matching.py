"""How two patient records are compared (R-ID-2). Pure functions, no database.

Fellegi–Sunter scoring: each field lands on an agreement level, each level weighs
log2(m/u) bits — m the chance the level is seen when the two records are one person, u the
chance when they are two. The weights add up to the pair's score; the levels and their weights
are its explanation. Name and phone weights are frequency-adjusted: agreeing on "王伟" or on a
family's shared phone is weaker evidence than agreeing on a rare name.

One rule is deterministic: two records holding the same validated document of a type that
identifies one person are the same person. A guardian's document, under which a minor was
registered, identifies nobody but the guardian and is never such evidence.

Guards keep the cases that look alike by nature out of automatic linking: records registered
only under a guardian's document (newborns), and possible twins or siblings (one household,
different given names). They can still reach the review queue; staff decide.
"""

from __future__ import annotations

import datetime as dt
import math
import operator
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache

from django.utils.translation import gettext_lazy as _
from pypinyin import lazy_pinyin
from rapidfuzz import fuzz
from rapidfuzz.distance import OSA, JaroWinkler

from onetrip.identity.fhir import COMPOUND_SURNAMES

# Document types whose number is the holder's citizen identity number: one namespace, so a
# resident ID card and a household register holding the same number are the same person.
CITIZEN_NUMBER_TYPES = frozenset({"resident_id", "household_register", "social_security_card"})
CITIZEN = "citizen"

_LATIN_WORD = re.compile(r"[a-z]+")
_SPACES = re.compile(r"\s+")


class Field(StrEnum):
    DOCUMENT = "document"
    NAME = "name"
    BIRTH_DATE = "birth_date"
    SEX = "sex"
    PHONE = "phone"
    ADDRESS = "address"
    NUMBER = "number"


class Level(StrEnum):
    SHARED = "shared"
    CONFLICT = "conflict"
    EXACT = "exact"
    HOMOPHONE = "homophone"
    ROMANISED = "romanised"
    TYPO = "one_typo"
    TYPOS = "typo_in_each_word"
    PART_MISSING = "part_missing"
    PART_SAME = "one_part_same"
    SIMILAR = "similar"
    PARTLY = "partly_same"
    SWAPPED = "swapped_day_month"
    ONE_DIGIT = "one_digit"
    NEAR = "one_day_apart"
    DIFFERENT = "different"
    MISSING = "missing"


LEVEL_LABELS = {
    Level.SHARED: _("same identity document"),
    Level.CONFLICT: _("different citizen identity numbers"),
    Level.EXACT: _("the same"),
    Level.HOMOPHONE: _("same pinyin, different characters"),
    Level.ROMANISED: _("pinyin spelling of the same name"),
    Level.TYPO: _("one letter mistyped"),
    Level.TYPOS: _("one letter mistyped in each word"),
    Level.PART_MISSING: _("the same or one letter off, with a part not recorded on one side"),
    Level.PART_SAME: _("one part the same or one letter off, the other different"),
    Level.SIMILAR: _("similar"),
    Level.PARTLY: _("partly the same"),
    Level.SWAPPED: _("day and month swapped"),
    Level.ONE_DIGIT: _("one digit differs"),
    Level.NEAR: _("one day apart"),
    Level.DIFFERENT: _("different"),
    Level.MISSING: _("not recorded on one side"),
}
FIELD_LABELS = {
    Field.DOCUMENT: _("Identity document"),
    Field.NAME: _("Name"),
    Field.BIRTH_DATE: _("Date of birth"),
    Field.SEX: _("Sex"),
    Field.PHONE: _("Mobile phone"),
    Field.ADDRESS: _("Address"),
    Field.NUMBER: _("Other identifier (not validated)"),
}


class Guard(StrEnum):
    GUARDIAN_DOCUMENT = "guardian_document"
    POSSIBLE_TWIN = "possible_twin"
    # Set by a batch run, not by `compare`: the link would give one person two citizen identity
    # numbers (D303).
    TWO_CITIZEN_NUMBERS = "two_citizen_numbers"


GUARD_LABELS = {
    Guard.GUARDIAN_DOCUMENT: _(
        "Registered under a guardian's document: newborns and siblings share it, so staff decide."
    ),
    Guard.POSSIBLE_TWIN: _(
        "Same household but different given names: possibly twins or siblings, so staff decide."
    ),
    Guard.TWO_CITIZEN_NUMBERS: _(
        "Linking them would give one person two citizen ID numbers: records of another person "
        "are among them, so staff decide."
    ),
}

# (m, u) per level. u of the name and phone levels marked None is the value's frequency.
M_U: dict[Field, dict[Level, tuple[float, float | None]]] = {
    Field.DOCUMENT: {Level.CONFLICT: (0.001, 0.99)},
    Field.NAME: {
        Level.EXACT: (0.88, None),
        Level.HOMOPHONE: (0.05, None),
        Level.ROMANISED: (0.04, None),
        # Latin-script names (foreign patients, passports) that are not pinyin (D310): one letter
        # added, dropped, changed or two swapped in a word of TYPO_MIN_LETTERS or more, in either
        # word order. u: the name's own share times TYPO_NEIGHBOURS, at least TYPO_MIN_SHARE.
        Level.TYPO: (0.04, None),
        # A letter mistyped in each of two or more words, each as a typo above (Emiily Croker /
        # Emiiluy Crokder; D340). u: TYPO_NEIGHBOURS per mistyped word.
        Level.TYPOS: (0.01, None),
        # One side recorded only some of the other's name words, each the same or one letter
        # off ("Donaldson" / "Matthew Donaldson", "Glaws" / "Charlotte Glass"; D351): about an
        # average family name's share of agreeing by chance.
        Level.PART_MISSING: (0.02, 0.001),
        # One word the same or one letter off, the other replaced (a given name changed or
        # mistyped beyond one letter, a family name changed at marriage; D336, D351): u is the
        # shared word's share (times TYPO_NEIGHBOURS when mistyped), at least
        # PART_SAME_MIN_SHARE.
        Level.PART_SAME: (0.03, None),
        Level.SIMILAR: (0.02, 0.002),
        Level.DIFFERENT: (0.01, 0.99),
        # No name on one side (a legacy row kept without one, D345): no evidence either way.
        Level.MISSING: (1.0, 1.0),
    },
    Field.BIRTH_DATE: {
        Level.EXACT: (0.93, 1 / 29_200),  # one day out of ~80 years of birth dates
        Level.SWAPPED: (0.02, 1 / 29_200),
        Level.ONE_DIGIT: (0.03, 40 / 29_200),  # ~40 dates are one digit away from a date
        Level.NEAR: (0.01, 2 / 29_200),  # the day before or after, across months and years
        Level.DIFFERENT: (0.02, 0.99),
        # Not recorded on one side (a legacy record): no evidence either way, as in Splink.
        Level.MISSING: (1.0, 1.0),
    },
    Field.SEX: {Level.EXACT: (0.98, 0.5), Level.DIFFERENT: (0.02, 0.5)},
    Field.PHONE: {
        Level.EXACT: (0.65, None),
        # One digit mistyped or two neighbours swapped: ~100 numbers are that close to a number,
        # out of the ~10^6 a region's registry holds around it.
        Level.ONE_DIGIT: (0.04, 1e-4),
        Level.DIFFERENT: (0.31, 0.9999),
    },
    Field.ADDRESS: {
        Level.EXACT: (0.55, 0.001),
        Level.SIMILAR: (0.2, 0.01),
        # A latin-script address with the same street and another suburb, or several typos
        # (D339): FEBRL's strangers in one block never agree so far.
        Level.PARTLY: (0.05, 0.01),
        Level.DIFFERENT: (0.25, 0.99),
    },
    # A number typed without a check digit (a foreign insurance or social security number, an
    # old system's member number; D312): evidence, never a rule, as documents are. Exact: the
    # number's share (a family's shared number is weak); one digit: ~100 numbers are that close.
    Field.NUMBER: {
        Level.EXACT: (0.9, None),
        Level.ONE_DIGIT: (0.05, 1e-4),
        Level.DIFFERENT: (0.05, 0.9999),
    },
}
# Shares are counts over this many records whatever the registry's size (D252): a name held
# by k records weighs log2(m · REFERENCE_POPULATION / k), so a link means "few records in this
# registry would agree so by chance" at 100,000 records as at ten million. A value nobody else
# holds is still shared by chance with MIN_SHARE: no absurd weight for a rare name.
REFERENCE_POPULATION = 1_000_000
MIN_SHARE = 2e-6


def weight(m: float, u: float) -> float:
    return round(math.log2(m / u), 2)


@dataclass(frozen=True, slots=True)
class Thresholds:
    """Decision thresholds on the total weight (bits). Configurable through
    settings.ONETRIP_MPI = {"link_at": …, "review_at": …, "possible_at": …}."""

    link_at: float = 22.0
    # The automatic link of a batch run scoring with m estimated from its load (D263): the
    # estimated weights are larger where the load's pairs disagree most, and so is the bar.
    estimated_link_at: float = 23.0
    review_at: float = 12.0
    possible_at: float = 4.0
    # Prior odds that two records in the same block are one person, for the match probability.
    prior_bits: float = -12.0


class Decision(StrEnum):
    LINK = "link"
    REVIEW = "review"
    DISTINCT = "distinct"


class Grade(StrEnum):
    """The FHIR `match-grade` codes."""

    CERTAIN = "certain"
    PROBABLE = "probable"
    POSSIBLE = "possible"
    CERTAINLY_NOT = "certainly-not"


# --- what a record is reduced to ------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Features:
    id: int
    name: str
    chars: str  # the name without spaces, lower case
    is_latin: bool
    spellings: tuple[str, ...]  # pinyin without tones; both word orders for a romanised name
    surnames: tuple[str, ...]  # pinyin of the possible family names
    birth: str  # YYYYMMDD, or empty when not recorded
    id_birth: str  # YYYYMMDD in the record's own 18-digit citizen ID number, or empty
    sex: str
    id_sex: str  # "male"/"female" as the record's own 18-digit citizen ID number states, or empty
    phone: str
    address: str
    documents: frozenset[tuple[str, str]]  # identifying: (namespace, number)
    guardian_only: bool
    numbers: frozenset[str] = frozenset()  # unvalidated identifiers (D312)

    @property
    def spelling(self) -> str:
        return self.spellings[0] if self.spellings else ""


def document_namespace(doc_type: str) -> str:
    return CITIZEN if doc_type in CITIZEN_NUMBER_TYPES else doc_type


def features(
    id: int,
    *,
    name: str,
    birth_date: dt.date | str | None,
    sex: str,
    phone: str = "",
    address: str = "",
    documents: Iterable[tuple[str, str]] = (),
    guardian_documents: Iterable[tuple[str, str]] = (),
    numbers: Iterable[str] = (),
) -> Features:
    """`documents`: the record's own (doc_type, number); `guardian_documents`: those it was
    registered under for a minor; `numbers`: identifiers nobody validated (D312)."""
    chars, is_latin, spellings, surnames = _name_parts(name)
    own = frozenset(
        [(CITIZEN if t in CITIZEN_NUMBER_TYPES else t, n) for t, n in documents]
    )  # a list, not a generator: a million records (D262)
    if birth_date is None:
        birth = ""
    elif isinstance(birth_date, str):
        birth = birth_date
    else:
        birth = birth_date.isoformat()[:10].replace("-", "")  # a third of strftime's time
    id_birth = id_sex = ""
    for namespace, number in own:
        if namespace == CITIZEN and (id_birth := _birth_in_id(number)):
            id_sex = _sex_in_id(number)
            break
    return Features(
        id=id,
        name=name,
        chars=chars,
        is_latin=is_latin,
        spellings=spellings,
        surnames=surnames,
        birth=birth,
        id_birth=id_birth,
        sex=sex if sex in ("male", "female") else "",
        id_sex=id_sex,
        phone=phone or "",
        address=_normalise_address(address),
        documents=own,
        guardian_only=not own and any(True for _ in guardian_documents),
        numbers=frozenset(n for n in numbers if n),
    )


def _birth_in_id(number: str) -> str:
    """The birth date an 18-digit citizen ID number carries (digits 7–14): evidence of its own
    when a clerk typed another date, or none."""
    digits = number[6:14]
    if len(number) != 18 or not digits.isdigit():
        return ""
    try:
        dt.date(int(digits[:4]), int(digits[4:6]), int(digits[6:]))
    except ValueError:
        return ""
    return digits


def _sex_in_id(number: str) -> str:
    """The sex an 18-digit citizen ID number carries (digit 17: odd for men, even for women),
    for a number whose birth date `_birth_in_id` read."""
    digit = number[16]
    return ("male" if int(digit) % 2 else "female") if digit.isdigit() else ""


@lru_cache(maxsize=200_000)
def _name_parts(name: str) -> tuple[str, bool, tuple[str, ...], tuple[str, ...]]:
    text = unicodedata.normalize("NFKC", name).strip().lower()
    if not _SPACES.sub("", text):
        return "", False, (), ()  # no name (a legacy row, D345): no spelling, no name blocks
    words = _LATIN_WORD.findall(text)
    if words and len("".join(words)) >= len(_SPACES.sub("", text)) / 2:
        # A romanised name (a passport): the family name may come first or last.
        forward, backward = "".join(words), "".join(reversed(words))
        spellings = (forward,) if forward == backward else (forward, backward)
        surnames = tuple(dict.fromkeys((words[0], words[-1])))
        return "".join(words), True, spellings, surnames
    chars = _SPACES.sub("", text)
    syllables = [_syllable(ch) for ch in chars]
    surname_length = 2 if len(chars) >= 3 and chars[:2] in COMPOUND_SURNAMES else 1
    return chars, False, ("".join(syllables),), ("".join(syllables[:surname_length]),)


@lru_cache(maxsize=50_000)
def _syllable(ch: str) -> str:
    # Character by character (names have no phrase context pypinyin could use), cached: a
    # registry of millions of names uses a few thousand characters.
    return lazy_pinyin(ch)[0]


def _normalise_address(address: str) -> str:
    return _SPACES.sub("", unicodedata.normalize("NFKC", address or "")).lower()


# --- blocking -------------------------------------------------------------------------------

# Keys a candidate search looks up. Count-only keys (below) are never looked up as blocks.
BLOCKING_PREFIXES = ("d:", "p:", "n:", "s:", "b:", "l:", "w:", "i:")
FREQUENCY_PREFIXES = ("c:", "y:", "p:", "i:", "v:")
_BLOCKING = frozenset(BLOCKING_PREFIXES)  # every key starts with a letter and a colon


def blocking_keys(f: Features) -> set[str]:
    """Keys under which a record is filed; two records meet if they share one.

    d: an identifying document; p: the phone; n: name spelling + birth year (homophones, pinyin
    passports, swapped or mistyped day); s: family name + birth year + day and month in either
    order (any given-name typo, swapped day/month); b: spelling + day and month in either order
    (a mistyped year). c:/y: count name characters and spellings for frequency weights. n:, s:
    and b: are filed under the typed birth date and the ID number's; a record with neither has
    none (see `batch_keys`). A foreign name (D311) is also filed under l: the first three letters
    of each word, and its consonants, + birth date (a typo anywhere but there, and a word changed
    or missing) and w: the first three letters of its words together (a name with typos after
    them, whatever the birth date), and counted by word under v: (D335, D336). i: an unvalidated
    number (D312)."""
    keys = {f"d:{ns}:{number}" for ns, number in f.documents}
    foreign = _name_prefixes(f)
    if f.phone:
        keys.add(f"p:{f.phone}")
    keys.update(f"i:{number}" for number in f.numbers)
    for spelling in f.spellings:
        keys.add(f"y:{spelling}")
    for birth in birth_dates(f):
        year, month_day = birth[:4], "".join(sorted((birth[4:6], birth[6:8])))
        for spelling in f.spellings:
            keys.add(f"n:{spelling}:{year}")
            keys.add(f"b:{spelling}:{month_day}")
        for surname in f.surnames:
            keys.add(f"s:{surname}:{year}:{month_day}")
        if foreign:
            for prefix in foreign:
                keys.add(f"l:{prefix}:{year}:{month_day}")
    if foreign:
        keys.add(f"w:{''.join(sorted(p for p in foreign if p[0] != '~'))}")
        keys.update(word_keys(f))
    if f.chars:
        keys.add(f"c:{f.chars}")
    return {key[:120] for key in keys}


def word_keys(f: Features) -> set[str]:
    """The count keys of a foreign name's words (v:, D335); none for other names."""
    if not f.is_latin or not foreign_name(f.name):
        return set()
    return {f"v:{word}"[:120] for word in latin_words(f.name)}


def _name_prefixes(f: Features) -> set[str]:
    """The first three letters of each word of a foreign name, and its consonants as heard
    (D311); none for other names."""
    if not f.is_latin or not foreign_name(f.name):
        return set()
    words = [word for word in latin_words(f.name) if len(word) >= 2]
    return {word[:3] for word in words} | {"~" + _consonants(word) for word in words}


_SILENT = str.maketrans("", "", "aeiouyhw")


@lru_cache(maxsize=50_000)
def _consonants(word: str) -> str:
    """The first letter and up to three consonants after it, doubled ones once: Jon and John,
    Smith and Smyth, Isabelle and Isabeel agree."""
    kept = word[0]
    for letter in word[1:].translate(_SILENT):
        if letter != kept[-1]:
            kept += letter
    return kept[:4]


def birth_dates(f: Features) -> set[str]:
    """The typed birth date and the one in the ID number, where known (usually one date)."""
    return {f.birth, f.id_birth} - {""}


def batch_keys(f: Features, keys: set[str] | None = None) -> tuple[set[str], set[str]]:
    """The blocks a record looks up and the blocks it is filed in, in a batch run. A record
    without a birth date meets dated records of the same spelling (m:) and other undated ones
    (u:); a dated record looks only in u:, so the few undated records cost little and dated
    records never meet each other on their name alone. `keys`: the record's `blocking_keys`,
    when the caller has them already."""
    keys = {k for k in (keys or blocking_keys(f)) if k[:2] in _BLOCKING}
    by_name = {f"m:{s}"[:120] for s in f.spellings}
    undated = {f"u:{s}"[:120] for s in f.spellings}
    if birth_dates(f):
        return keys | undated, keys | by_name
    return keys | by_name | undated, keys | undated


class Frequencies:
    """How many records share a name, a spelling or a phone: u of the frequency-adjusted levels.

    The count is divided by REFERENCE_POPULATION, not by the registry's size: the chance that a
    record meets a stranger with its name grows with the registry, and so must the evidence a
    link needs (D252). Registries below a million records were always scored so; above, a
    share of the registry would let twice the registry link on the same evidence."""

    def __init__(self, counts: Mapping[str, int]) -> None:
        self.counts = counts
        self.population = REFERENCE_POPULATION
        # Shares by name and by spellings, as looked up: a batch run asks for the same names
        # millions of times (D262).
        self._names: dict[str, float] = {}
        self._spellings: dict[tuple[str, ...], float] = {}

    def share(self, key: str) -> float:
        return max(MIN_SHARE, self.counts.get(key, 0) / self.population)

    def name_share(self, f: Features) -> float:
        found = self._names.get(f.chars)
        if found is None:
            found = self._names[f.chars] = self.share(f"c:{f.chars}"[:120])
        return found

    def spelling_share(self, f: Features) -> float:
        found = self._spellings.get(f.spellings)
        if found is None:
            found = self._spellings[f.spellings] = max(
                self.share(f"y:{s}"[:120]) for s in f.spellings
            )
        return found

    def word_count(self, word: str) -> int:
        """Records holding this word in a foreign name (D335)."""
        return self.counts.get(f"v:{word}"[:120], 0)

    def phone_share(self, phone: str) -> float:
        return self.share(f"p:{phone}")

    def number_share(self, number: str) -> float:
        return self.share(f"i:{number}"[:120])


# --- comparing two records ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class FieldScore:
    field: Field
    level: Level
    weight: float


@dataclass(frozen=True, slots=True)
class Comparison:
    left: int
    right: int
    fields: tuple[FieldScore, ...]
    total: float
    deterministic: bool
    guard: Guard | None

    def decision(self, thresholds: Thresholds) -> Decision:
        if self.deterministic:
            return Decision.LINK
        if self.conflicting_documents or self.total < thresholds.review_at:
            return Decision.DISTINCT
        if self.total >= thresholds.link_at and self.guard is None:
            return Decision.LINK
        return Decision.REVIEW

    def grade(self, thresholds: Thresholds) -> Grade:
        decision = self.decision(thresholds)
        if decision == Decision.LINK:
            return Grade.CERTAIN
        if decision == Decision.REVIEW:
            return Grade.PROBABLE
        if self.total >= thresholds.possible_at and not self.conflicting_documents:
            return Grade.POSSIBLE
        return Grade.CERTAINLY_NOT

    def probability(self, thresholds: Thresholds) -> float:
        if self.deterministic:
            return 1.0
        bits = self.total + thresholds.prior_bits
        return round(1 / (1 + 2.0 ** (-bits)), 4) if bits > -60 else 0.0

    @property
    def conflicting_documents(self) -> bool:
        return any(s.level == Level.CONFLICT for s in self.fields)

    def explanation(self) -> list[dict[str, object]]:
        return [
            {"field": s.field.value, "level": s.level.value, "weight": s.weight}
            for s in self.fields
        ]


def compare(a: Features, b: Features, freq: Frequencies) -> Comparison:
    scores = [
        _document(a, b),
        _name(a, b, freq),
        _birth_dates(a, b),
        _sexes(a, b),
        _phone(a.phone, b.phone, freq),
        _address(a.address, b.address),
        _number(a.numbers, b.numbers, freq),
    ]
    fields = tuple(s for s in scores if s is not None)
    deterministic = any(s.level == Level.SHARED for s in fields)
    return Comparison(
        left=a.id,
        right=b.id,
        fields=fields,
        total=round(sum(s.weight for s in fields), 2),
        deterministic=deterministic,
        guard=None if deterministic else _guard(a, b, fields, freq),
    )


def _scored(field: Field, level: Level, u: float | None = None) -> FieldScore:
    if u is None:
        return _FIXED[field, level]
    return FieldScore(field, level, weight(M_U[field][level][0], u))


# The scores of the levels whose u does not depend on the value, made once: a batch run scores
# millions of pairs (D262).
_FIXED = {
    (field, level): FieldScore(field, level, weight(m, u))
    for field, levels in M_U.items()
    for level, (m, u) in levels.items()
    if u is not None
}


def _document(a: Features, b: Features) -> FieldScore | None:
    if not a.documents or not b.documents:
        return None
    if a.documents & b.documents:
        return FieldScore(Field.DOCUMENT, Level.SHARED, 0.0)
    if any(ns == CITIZEN for ns, _n in a.documents) and any(
        ns == CITIZEN for ns, _n in b.documents
    ):
        # Two different citizen identity numbers: one person has one for life. Cards and
        # passports are reissued under new numbers, so differing ones say nothing.
        return _scored(Field.DOCUMENT, Level.CONFLICT)
    return None


def _name(a: Features, b: Features, freq: Frequencies) -> FieldScore:
    if not a.chars or not b.chars:
        return _scored(Field.NAME, Level.MISSING)  # D345: nobody is named "", nor unlike it
    if a.chars == b.chars:
        return _scored(Field.NAME, Level.EXACT, freq.name_share(a))
    if set(a.spellings) & set(b.spellings):
        level = Level.ROMANISED if a.is_latin != b.is_latin else Level.HOMOPHONE
        if a.is_latin and b.is_latin:
            level = Level.EXACT  # the same words in the other order
        return _scored(Field.NAME, level, max(freq.spelling_share(a), freq.spelling_share(b)))
    if a.is_latin and b.is_latin and (foreign_name(a.name) or foreign_name(b.name)):
        return _foreign_name(a, b, freq)
    if fuzz.ratio(a.spelling, b.spelling) >= 85 or (
        not a.is_latin and not b.is_latin and _one_character_apart(a.chars, b.chars)
    ):
        return _scored(Field.NAME, Level.SIMILAR)
    return _scored(Field.NAME, Level.DIFFERENT)


# A name one letter away from a name is about as common as TYPO_NEIGHBOURS times that name (its
# real neighbours, "Jon" for "John", and others' typos), and never rarer than TYPO_MIN_SHARE.
TYPO_NEIGHBOURS = 4
TYPO_MIN_SHARE = 2e-5


def _foreign_name(a: Features, b: Features, freq: Frequencies) -> FieldScore:
    """Two latin-script names, one of them not pinyin (D310): a foreign patient's name, whose
    typos are letters. One letter added, dropped, changed or two neighbours swapped in one word
    of five letters or more, in either word order, is a typo; a word recorded on one side only
    is a part not recorded; two pinyin names one letter apart (Wang Wei, Wang Wen) are two names
    and never get here. Names whose words are each close to one of the other's are similar (Jon
    Smith, John Smyth). The same words in another order are the same name (D350); a word one
    letter off counts as its partner for a part missing or one part the same (D351); a short
    word one letter off is a typo only as a slip (D353)."""
    words_a, words_b = latin_words(a.name), latin_words(b.name)
    if len(words_a) > 2 and sorted(words_a) == sorted(words_b):
        # The same words in another order (Cambell De La Cruz / De La Cruz Cambell, D350): the
        # spellings only hold the two orders a two-word name has.
        share = max(freq.spelling_share(a), freq.spelling_share(b))
        return _scored(Field.NAME, Level.EXACT, share)
    if _one_typo(a, b, words_a, words_b, freq):
        share = max(freq.spelling_share(a), freq.spelling_share(b))
        return _scored(Field.NAME, Level.TYPO, max(TYPO_MIN_SHARE, TYPO_NEIGHBOURS * share))
    if typos := _typos(words_a, words_b, freq):
        share = max(freq.spelling_share(a), freq.spelling_share(b))
        return _scored(Field.NAME, Level.TYPOS, max(TYPO_MIN_SHARE, TYPO_NEIGHBOURS**typos * share))
    fewer, more = sorted((set(words_a), set(words_b)), key=len)
    if (
        fewer
        and len(fewer) < len(more)
        and len("".join(fewer)) >= 3
        and all(w in more or any(_typo_word(w, x, freq) for x in more) for w in fewer)
    ):
        return _scored(Field.NAME, Level.PART_MISSING)
    if max(fuzz.ratio(x, y) for x in a.spellings for y in b.spellings) >= 85 or (
        len(words_a) == len(words_b)
        and any(all(map(_close_words, words_a, order)) for order in (words_b, words_b[::-1]))
    ):
        return _scored(Field.NAME, Level.SIMILAR)
    shared = [w for w in set(words_a) & set(words_b) if len(w) >= PART_SAME_MIN_LETTERS]
    if shared:
        rarest = min(freq.word_count(w) for w in shared)
        u = max(PART_SAME_MIN_SHARE, rarest / REFERENCE_POPULATION)
        return _scored(Field.NAME, Level.PART_SAME, u)
    mistyped = [(x, y) for x in set(words_a) for y in set(words_b) if _typo_word(x, y, freq)]
    if mistyped:
        rarest = min(max(freq.word_count(x), freq.word_count(y)) for x, y in mistyped)
        u = max(PART_SAME_MIN_SHARE, TYPO_NEIGHBOURS * rarest / REFERENCE_POPULATION)
        return _scored(Field.NAME, Level.PART_SAME, u)
    return _scored(Field.NAME, Level.DIFFERENT)


def _typo_word(x: str, y: str, freq: Frequencies) -> bool:
    """One letter added, dropped, changed or two neighbours swapped (OSA) in a word of
    TYPO_MIN_LETTERS or more (D310); in a shorter word only when one spelling is held by nobody
    else and the other by others (D353): Cobuy beside the Cobys is a slip, Jon and Jan are two
    names."""
    if OSA.distance(x, y, score_cutoff=1) > 1:
        return False
    shorter = min(len(x), len(y))
    return shorter >= TYPO_MIN_LETTERS or (shorter >= PART_SAME_MIN_LETTERS and _slip(x, y, freq))


# One word of two names the same (D336): two strangers share a given name or a family name
# about this often, however rare the word looks in a small load; a word of one or two letters
# is an initial or a particle, not a name.
PART_SAME_MIN_SHARE = 0.004
PART_SAME_MIN_LETTERS = 3


def _clerical_slip(a: Features, b: Features, freq: Frequencies) -> bool:
    """Each word that differs is one edit from its partner and spelled so by no other record
    of the registry, while others spell it as its partner does (D335): Hayedn beside the Haydens,
    Broc beside the Brocks, is a clerk's slip; Christina and Christine, both names others hold,
    may be twins. Counts are the load's in a batch run (both records counted) and the
    registry's at registration."""
    words_a, words_b = latin_words(a.name), latin_words(b.name)
    if len(words_a) != len(words_b):
        return False  # the words split differently: which word is mistyped is not known
    for order in (words_b, words_b[::-1]):
        differing = [(x, y) for x, y in zip(words_a, order, strict=True) if x != y]
        if differing and all(_slip(x, y, freq) for x, y in differing):
            return True
    return False


def _slip(x: str, y: str, freq: Frequencies) -> bool:
    if OSA.distance(x, y, score_cutoff=1) > 1:
        return False
    rare, common = sorted((freq.word_count(x), freq.word_count(y)))
    return rare <= SLIP_MAX_HOLDERS < common


# A spelling held by at most this many records (the mistyped record itself) is a slip when
# its partner spelling is held by more.
SLIP_MAX_HOLDERS = 1


# A word shorter than this is one letter from many other names (Jon, Jan, Joan; Man, Wan, Ming,
# Ling in Cantonese romanisation): a letter changed there is only "similar".
TYPO_MIN_LETTERS = 5


def _one_typo(
    a: Features,
    b: Features,
    words_a: tuple[str, ...],
    words_b: tuple[str, ...],
    freq: Frequencies,
) -> bool:
    """One word of either order is mistyped (`_typo_word`); or, the words split differently
    (Elk I / Elki), one edit in all, both names at least TYPO_MIN_LETTERS long."""
    if len(words_a) != len(words_b):
        return min(len(a.chars), len(b.chars)) >= TYPO_MIN_LETTERS and (
            min(OSA.distance(x, y, score_cutoff=1) for x in a.spellings for y in b.spellings) <= 1
        )
    for order in (words_b, words_b[::-1]):
        differing = [(x, y) for x, y in zip(words_a, order, strict=True) if x != y]
        if len(differing) == 1 and _typo_word(*differing[0], freq):
            return True
    return False


def _typos(words_a: tuple[str, ...], words_b: tuple[str, ...], freq: Frequencies) -> int:
    """How many words differ, in either order, when two or more do and each is a mistyping of
    its partner (`_typo_word`; D340); else 0."""
    if len(words_a) != len(words_b):
        return 0
    for order in (words_b, words_b[::-1]):
        differing = [(x, y) for x, y in zip(words_a, order, strict=True) if x != y]
        if len(differing) >= 2 and all(_typo_word(x, y, freq) for x, y in differing):
            return len(differing)
    return 0


def _close_words(a: str, b: str) -> bool:
    """One typo apart, or alike by Jaro-Winkler (Smith, Smyth): each word of Jon Smith and John
    Smyth is close to one of the other's."""
    return OSA.distance(a, b, score_cutoff=1) <= 1 or JaroWinkler.similarity(a, b) >= 0.88


@lru_cache(maxsize=200_000)
def latin_words(name: str) -> tuple[str, ...]:
    return tuple(_LATIN_WORD.findall(unicodedata.normalize("NFKC", name).lower()))


@lru_cache(maxsize=200_000)
def foreign_name(name: str) -> bool:
    """A latin-script name with a word that is not pinyin: typos in it are letters, not other
    syllables. A romanised Chinese name (ZHANG Wei) is not foreign."""
    return _name_parts(name)[1] and not all(_pinyin_word(w) for w in latin_words(name))


# Every syllable of Mandarin as written in pinyin without tones (ü as v, or yu after l and n).
PINYIN_SYLLABLES = frozenset(
    """a ai an ang ao ba bai ban bang bao bei ben beng bi bian biao bie bin bing bo bu ca cai can
    cang cao ce cen ceng cha chai chan chang chao che chen cheng chi chong chou chu chua chuai
    chuan chuang chui chun chuo ci cong cou cu cuan cui cun cuo da dai dan dang dao de dei den
    deng di dia dian diao die ding diu dong dou du duan dui dun duo e ei en eng er fa fan fang fei
    fen feng fo fou fu ga gai gan gang gao ge gei gen geng gong gou gu gua guai guan guang gui gun
    guo ha hai han hang hao he hei hen heng hong hou hu hua huai huan huang hui hun huo ji jia
    jian jiang jiao jie jin jing jiong jiu ju juan jue jun ka kai kan kang kao ke kei ken keng
    kong kou ku kua kuai kuan kuang kui kun kuo la lai lan lang lao le lei leng li lia lian liang
    liao lie lin ling liu lo long lou lu luan lun luo lv lve lyu lue ma mai man mang mao me mei
    men meng mi mian miao mie min ming miu mo mou mu na nai nan nang nao ne nei nen neng ni nian
    niang niao nie nin ning niu nong nou nu nuan nuo nv nve nyu nue o ou pa pai pan pang pao pei
    pen peng pi pian piao pie pin ping po pou pu qi qia qian qiang qiao qie qin qing qiong qiu qu
    quan que qun ran rang rao re ren reng ri rong rou ru rua ruan rui run ruo sa sai san sang sao
    se sen seng sha shai shan shang shao she shei shen sheng shi shou shu shua shuai shuan shuang
    shui shun shuo si song sou su suan sui sun suo ta tai tan tang tao te teng ti tian tiao tie
    ting tong tou tu tuan tui tun tuo wa wai wan wang wei wen weng wo wu xi xia xian xiang xiao
    xie xin xing xiong xiu xu xuan xue xun ya yan yang yao ye yi yin ying yo yong you yu yuan yue
    yun za zai zan zang zao ze zei zen zeng zha zhai zhan zhang zhao zhe zhei zhen zheng zhi zhong
    zhou zhu zhua zhuai zhuan zhuang zhui zhun zhuo zi zong zou zu zuan zui zun zuo""".split()  # noqa: SIM905
)


@lru_cache(maxsize=50_000)
def _pinyin_word(word: str) -> bool:
    """The word is one to four pinyin syllables (xiaoming, ouyang)."""
    reachable = {0: 0}  # end position → syllables used
    for start in range(len(word)):
        used = reachable.get(start)
        if used is None or used >= 4:
            continue
        for end in range(start + 1, min(start + 6, len(word)) + 1):
            if word[start:end] in PINYIN_SYLLABLES:
                reachable[end] = min(reachable.get(end, 5), used + 1)
    return bool(word) and len(word) in reachable


def _one_character_apart(a: str, b: str) -> bool:
    # A mistyped character (形近字) in a name of three or more characters.
    return len(a) == len(b) >= 3 and sum(map(operator.ne, a, b)) == 1


def _birth_dates(a: Features, b: Features) -> FieldScore:
    """The best agreement between either record's typed date and the date in its ID number: a
    clerk's typo in one record does not outweigh the date its ID number states."""
    if (not (a.birth and a.id_birth) or a.birth == a.id_birth) and (
        not (b.birth and b.id_birth) or b.birth == b.id_birth
    ):
        return _birth_date(a.birth or a.id_birth, b.birth or b.id_birth)  # one date each
    return max(
        (_birth_date(x, y) for x in birth_dates(a) or {""} for y in birth_dates(b) or {""}),
        key=lambda score: score.weight,
    )


def _birth_date(a: str, b: str) -> FieldScore:
    if not a or not b:
        return _scored(Field.BIRTH_DATE, Level.MISSING)
    if a == b:
        return _scored(Field.BIRTH_DATE, Level.EXACT)
    if a[:4] == b[:4] and a[4:6] == b[6:8] and a[6:8] == b[4:6]:
        return _scored(Field.BIRTH_DATE, Level.SWAPPED)
    if _one_day_apart(a, b):
        # The day before or after, whichever digits differ (D301): 19891231 and 19900101 differ
        # in every digit but the first (born around midnight), 19900307 and 19900308 in one.
        # Two dates are a day from a date and ~40 a digit from it: the rarer agreement first.
        return _scored(Field.BIRTH_DATE, Level.NEAR)
    if _one_digit_apart(a, b):
        return _scored(Field.BIRTH_DATE, Level.ONE_DIGIT)
    return _scored(Field.BIRTH_DATE, Level.DIFFERENT)


def _one_digit_apart(a: str, b: str) -> bool:
    """One digit differs, or two neighbouring digits are swapped."""
    if len(a) != len(b):
        return False
    differing = [i for i in range(len(a)) if a[i] != b[i]]
    return len(differing) == 1 or (
        len(differing) == 2
        and differing[1] == differing[0] + 1
        and a[differing[0]] == b[differing[1]]
        and a[differing[1]] == b[differing[0]]
    )


def _one_day_apart(a: str, b: str) -> bool:
    if a[:4] != b[:4] and abs(int(a[:4]) - int(b[:4])) != 1:
        return False  # most dates that differ: no need to read them as dates
    try:
        first = dt.date(int(a[:4]), int(a[4:6]), int(a[6:8]))
        second = dt.date(int(b[:4]), int(b[4:6]), int(b[6:8]))
    except ValueError:
        return False
    return abs((first - second).days) == 1


def _sexes(a: Features, b: Features) -> FieldScore | None:
    """The best agreement between either record's typed sex and the one its ID number states
    (D302), as for birth dates: a clerk's slip in one record does not outweigh the ID number."""
    if (a.id_sex in ("", a.sex) or not a.sex) and (b.id_sex in ("", b.sex) or not b.sex):
        return _sex(a.sex or a.id_sex, b.sex or b.id_sex)  # one sex each
    # One record states both sexes (typed and in its ID number): the other's agrees with one.
    if {a.sex, a.id_sex} & {b.sex, b.id_sex} - {""}:
        return _scored(Field.SEX, Level.EXACT)
    return None


def _sex(a: str, b: str) -> FieldScore | None:
    if not a or not b:
        return None
    return _scored(Field.SEX, Level.EXACT if a == b else Level.DIFFERENT)


def _phone(a: str, b: str, freq: Frequencies) -> FieldScore | None:
    if not a or not b:
        return None
    if a == b:
        return _scored(Field.PHONE, Level.EXACT, freq.phone_share(a))
    if _one_digit_apart(a, b):
        return _scored(Field.PHONE, Level.ONE_DIGIT)
    return _scored(Field.PHONE, Level.DIFFERENT)


def _address(a: str, b: str) -> FieldScore | None:
    if not a or not b:
        return None
    if a == b:
        return _scored(Field.ADDRESS, Level.EXACT)
    ratio = fuzz.ratio(a, b)
    if ratio >= 85:
        return _scored(Field.ADDRESS, Level.SIMILAR)
    if ratio >= ADDRESS_PARTLY_MIN_RATIO and a.isascii() and b.isascii():
        return _scored(Field.ADDRESS, Level.PARTLY)
    return _scored(Field.ADDRESS, Level.DIFFERENT)


# Two latin-script addresses at least this alike (rapidfuzz ratio, 0–100) but not similar are
# partly the same (D339): FEBRL's true pairs with addresses not similar are two thirds at 65 or
# more, its strangers compared in one block none (all below 60). Not Chinese addresses: they
# begin with the city and district most patients share (杭州市西湖区文三路1号 and
# 杭州市西湖区天目山路88号, two streets, are 67 alike), and their typos are "similar" already.
ADDRESS_PARTLY_MIN_RATIO = 65


def _number(a: frozenset[str], b: frozenset[str], freq: Frequencies) -> FieldScore | None:
    """Unvalidated identifiers (D312): the same number, one digit apart, or different."""
    if not a or not b:
        return None
    if shared := a & b:
        return _scored(Field.NUMBER, Level.EXACT, min(map(freq.number_share, shared)))
    if any(_one_digit_apart(x, y) for x in a for y in b):
        return _scored(Field.NUMBER, Level.ONE_DIGIT)
    return _scored(Field.NUMBER, Level.DIFFERENT)


def _guard(
    a: Features, b: Features, fields: tuple[FieldScore, ...], freq: Frequencies
) -> Guard | None:
    if a.guardian_only or b.guardian_only:
        return Guard.GUARDIAN_DOCUMENT
    levels = {s.field: s.level for s in fields}
    same_household = levels.get(Field.PHONE) in (Level.EXACT, Level.ONE_DIGIT) or levels.get(
        Field.ADDRESS
    ) in (
        Level.EXACT,
        Level.SIMILAR,
    )
    # Different names in one household are family (twins above all: one birth date) far more
    # often than one person renamed; a mistyped birth date must not let a twin through. Unless
    # both carry the same personal number (D312) or one a keystroke away from it, not at its end
    # (D341): twins have one each; or the one letter apart is a spelling nobody else holds
    # beside a name others hold (D335): a clerk's slip.
    name = levels[Field.NAME]
    number = levels.get(Field.NUMBER)
    if (
        same_household
        and name in _FAMILY_NAME_LEVELS
        and number != Level.EXACT
        and not (number == Level.ONE_DIGIT and _number_slip(a.numbers, b.numbers))
        and not (name in (Level.TYPO, Level.TYPOS, Level.SIMILAR) and _clerical_slip(a, b, freq))
        and not _family_name_differs(a, b)
    ):
        return Guard.POSSIBLE_TWIN
    return None


def _family_name_differs(a: Features, b: Features) -> bool:
    """Two foreign names (D310) with the same given name and another family name, replaced or
    mistyped (D352): twins share a family name and never a given name."""
    if not (a.is_latin and b.is_latin and foreign_name(a.name) and foreign_name(b.name)):
        return False
    parts_a, parts_b = given_and_family(a.name), given_and_family(b.name)
    return (
        parts_a is not None
        and parts_b is not None
        and parts_a[0] == parts_b[0]
        and parts_a[1] != parts_b[1]
        and parts_a[0] not in parts_a[1] + parts_b[1]
    )


_CAPITALS = re.compile(r"\b[A-Z]{2,}\b")


@lru_cache(maxsize=50_000)
def given_and_family(name: str) -> tuple[str, tuple[str, ...]] | None:
    """A latin name's given name and family name words (D352), or None for a single word. The
    family name is the part before a comma (Smith, John), or the words in capitals when the rest
    is not (SMITH John, John SMITH); else the last word, given names written first, as OneTrip
    writes a latin name it is given in parts (FHIR `Patient.name`)."""
    text = unicodedata.normalize("NFKC", name)
    if "," in text:
        family, given = (latin_words(part) for part in text.split(",", 1))
        return (given[0], family) if given and family else None
    words = latin_words(text)
    if len(words) < 2:
        return None
    capitals = tuple(w.lower() for w in _CAPITALS.findall(text))
    if capitals and len(capitals) < len(words):
        given = [w for w in words if w not in capitals]
        return (given[0], capitals) if given else None
    return words[0], (words[-1],)


def _number_slip(a: frozenset[str], b: frozenset[str]) -> bool:
    """One digit mistyped or two neighbours swapped, none of them among the last
    NUMBER_ISSUE_DIGITS (D341): a clerk's slip of one number, not twins' numbers issued together
    (consecutive, a family suffix, another check digit: all at the end)."""
    return any(
        _one_digit_apart(x, y) and x[-NUMBER_ISSUE_DIGITS:] == y[-NUMBER_ISSUE_DIGITS:]
        for x in a
        for y in b
    )


# Numbers issued together (twins registered on one day, a family's members) differ in their last
# digits: consecutive serials, a member suffix, the check digit those change (D341).
NUMBER_ISSUE_DIGITS = 2

# A name not recorded on one side (D345) may be any member of the household: staff decide.
_FAMILY_NAME_LEVELS = frozenset(
    {
        Level.TYPO,
        Level.TYPOS,
        Level.PART_MISSING,
        Level.PART_SAME,
        Level.SIMILAR,
        Level.DIFFERENT,
        Level.MISSING,
    }
)


# --- m estimated from the load (D263) -------------------------------------------------------

# The levels whose m a load estimates: every level but the document's (a shared document is a
# rule, a conflict a near-veto) and "missing" (no evidence either way).
Key = tuple[Field, Level]
ESTIMATED: tuple[Key, ...] = tuple(
    (field, level)
    for field, levels in M_U.items()
    if field != Field.DOCUMENT
    for level in levels
    if level != Level.MISSING
)
EM_ITERATIONS = 30
EM_TOLERANCE = 1e-4
# The hand-set m counts as this many matched pairs' worth of evidence: a level the load hardly
# shows keeps about its set m instead of an estimate from a handful of pairs.
EM_PRIOR_PAIRS = 20.0
EM_MIN_M = 1e-4
# A pattern: whether a document was shared, and the fields as scored with the set m.
Pattern = tuple[bool, tuple[FieldScore, ...]]


def pattern(c: Comparison) -> Pattern:
    return c.deterministic, c.fields


# EM learns each field's m from pairs brought together by another field, as Splink trains one
# session per blocking rule: u is the chance of a level between two random records, and two
# records sharing a phone (a family) or a name (namesakes) are not random on that field or on
# the fields that go with it. (session, what its pairs agree on, the fields it scores and learns)
SESSIONS: tuple[tuple[str, Field, frozenset[Level], frozenset[Field]], ...] = (
    (
        "same_phone",
        Field.PHONE,
        frozenset({Level.EXACT}),
        frozenset({Field.NAME, Field.BIRTH_DATE}),
    ),
    (
        "same_name_spelling",
        Field.NAME,
        frozenset({Level.EXACT, Level.HOMOPHONE, Level.ROMANISED}),
        frozenset({Field.PHONE, Field.ADDRESS, Field.SEX, Field.NUMBER}),
    ),
    # Pairs sharing an unvalidated number (D312, D337): a foreign system's social security or
    # member number, shared by chance far less than a phone, and by a household hardly at all.
    (
        "same_number",
        Field.NUMBER,
        frozenset({Level.EXACT}),
        frozenset({Field.NAME, Field.BIRTH_DATE, Field.ADDRESS}),
    ),
)
# A session with fewer pairs than this learns nothing (a load without phones, or without
# numbers); a field learned by several sessions takes the mean of their m (D337).
EM_SESSION_MIN_PAIRS = 200
# A level seen in fewer of a session's pairs than this keeps its set m (D338): EM prices a
# level by the pairs that show it, and none (foreign-name typos in a Chinese registry) is not
# evidence that a match never shows it.
EM_MIN_LEVEL_PAIRS = 10


@dataclass(frozen=True)
class Estimate:
    """m per level estimated by expectation–maximisation over a load's compared pairs, u kept
    as set (fixed, or the value's frequency). `delta`: what each level's weight gains (bits).
    `sessions`: per EM session, its pairs, iterations and share of pairs found to match."""

    m: dict[Key, float]
    sessions: dict[str, dict[str, float]]

    @property
    def delta(self) -> dict[Key, float]:
        return {key: round(math.log2(m / M_U[key[0]][key[1]][0]), 2) for key, m in self.m.items()}

    def as_json(self) -> dict[str, object]:
        delta = self.delta
        return {
            "sessions": self.sessions,
            "levels": {
                f"{field.value}={level.value}": {
                    "m_set": M_U[field][level][0],
                    "m": m,  # unrounded: a level a load hardly shows has a tiny m
                    "delta_bits": delta[field, level],
                }
                for (field, level), m in self.m.items()
            },
        }

    @classmethod
    def from_json(cls, data: Mapping[str, object]) -> Estimate:
        levels = data["levels"]
        sessions = data["sessions"]
        assert isinstance(levels, dict)
        assert isinstance(sessions, dict)
        m = {}
        for name, values in levels.items():
            field, level = name.split("=")
            m[Field(field), Level(level)] = float(values["m"])
        return cls(m=m, sessions=sessions)


def estimate(patterns: Mapping[Pattern, int]) -> Estimate:
    """Each session's EM on the patterns of its pairs; a field's m from the session that learns
    it."""
    learned_m: dict[Key, list[float]] = {}
    sessions: dict[str, dict[str, float]] = {}
    for name, blocked, agreeing, learned in SESSIONS:
        chosen = {
            p: n
            for p, n in patterns.items()
            if any(s.field == blocked and s.level in agreeing for s in p[1])
        }
        pairs = sum(chosen.values())
        if pairs < EM_SESSION_MIN_PAIRS:
            sessions[name] = {"pairs": pairs, "iterations": 0, "match_share": 0.0}
            continue
        found, share, iterations = estimate_m(chosen, learned)
        for key, value in found.items():
            learned_m.setdefault(key, []).append(value)
        sessions[name] = {"pairs": pairs, "iterations": iterations, "match_share": round(share, 4)}
    m = {key: math.fsum(values) / len(values) for key, values in learned_m.items()}
    return Estimate(m=m, sessions=sessions)


def estimate_m(
    patterns: Mapping[Pattern, int],
    fields: frozenset[Field],
    *,
    iterations: int = EM_ITERATIONS,
    tolerance: float = EM_TOLERANCE,
) -> tuple[dict[Key, float], float, int]:
    """Fellegi–Sunter EM with u fixed (as Splink's `fix_u_probabilities`), on `fields` alone:
    each pair's chance of being one person from those fields' current weights (E), then each
    of their levels' m as its share among the pairs weighted by that chance (M), starting from
    the set m, `iterations` times at most. Pairs sharing a document are one person (chance 1).
    Returns the m, the share of pairs that match and the iterations made. Deterministic: the
    same patterns give the same estimate."""
    m_set = {key: M_U[key[0]][key[1]][0] for key in ESTIMATED if key[0] in fields}
    # Per pattern: count, shared document, the weight of a document conflict, and for each
    # learned field its level and log2 u (= log2 m_set − weight as set).
    prepared = []
    for (deterministic, scores), n in sorted(
        patterns.items(), key=lambda item: repr(item[0])
    ):  # a fixed order: float sums do not depend on how the patterns were counted
        fixed = 0.0
        items = []
        for s in scores:
            key = (s.field, s.level)
            if key in m_set:
                items.append((key, math.log2(m_set[key]) - s.weight))
            elif s.field == Field.DOCUMENT:
                fixed += s.weight
        prepared.append((n, deterministic, fixed, items))
    shown: dict[Key, int] = dict.fromkeys(m_set, 0)
    for n, _deterministic, _fixed, items in prepared:
        for key, _log_u in items:
            shown[key] += n
    held = {key for key, n in shown.items() if n < EM_MIN_LEVEL_PAIRS}
    total = sum(n for n, *_rest in prepared)
    m = dict(m_set)
    share = 0.1
    done = 0
    for done in range(1, iterations + 1):  # noqa: B007
        log_m = {key: math.log2(value) for key, value in m.items()}
        prior = math.log2(share / (1 - share))
        seen: dict[Key, float] = dict.fromkeys(m_set, 0.0)
        matched = 0.0
        for n, deterministic, fixed, items in prepared:
            if deterministic:
                p = 1.0
            else:
                bits = prior + fixed + sum(log_m[key] - log_u for key, log_u in items)
                p = 1.0 / (1.0 + 2.0 ** (-bits)) if bits > -60 else 0.0
            weight_of = n * p
            matched += weight_of
            for key, _log_u in items:
                seen[key] += weight_of
        by_field: dict[Field, float] = {}
        for (field, _level), value in seen.items():
            by_field[field] = by_field.get(field, 0.0) + value
        new = {
            key: m_set[key]
            if key in held
            else max(
                EM_MIN_M,
                (seen[key] + EM_PRIOR_PAIRS * m_set[key])
                / (by_field[key[0]] + EM_PRIOR_PAIRS * _set_total(key[0])),
            )
            for key in m_set
        }
        share = min(max(matched / total, 1e-6), 1 - 1e-6) if total else share
        change = max(abs(new[key] - m[key]) for key in m)
        m = new
        if change < tolerance:
            break
    return m, share, done


def _set_total(field: Field) -> float:
    return sum(m for level, (m, _u) in M_U[field].items() if level != Level.MISSING)


def reweighted(c: Comparison, delta: Mapping[Key, float]) -> Comparison:
    """The comparison with each field's weight moved by its level's `delta` (bits): u is
    unchanged, so log2(m_new/u) = log2(m_set/u) + log2(m_new/m_set). Guards and documents as
    they were."""
    fields = tuple(
        FieldScore(s.field, s.level, round(s.weight + d, 2))
        if (d := delta.get((s.field, s.level), 0.0))
        else s
        for s in c.fields
    )
    return Comparison(
        left=c.left,
        right=c.right,
        fields=fields,
        total=round(sum(s.weight for s in fields), 2),
        deterministic=c.deterministic,
        guard=c.guard,
    )


def most_gained(delta: Mapping[Key, float]) -> float:
    """The most a comparison's total can gain from `delta`: a pair scored lower than the review
    threshold by more than this stays distinct and need not be rescored."""
    best: dict[Field, float] = {}
    for (field, _level), d in delta.items():
        best[field] = max(best.get(field, 0.0), d)
    return sum(best.values())
