"""Real-name identity documents (R-ID-1): validate and normalise the number a patient enters for
each accepted document type, and derive what the number encodes (birth date, sex, region).

Pure functions, no database. Failures raise `InvalidInput` naming the caller's field and a stable
code per kind of failure, so pages and the API can both explain exactly what is wrong.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date

from django.db import models
from django.utils.translation import gettext_lazy as _

from onetrip.core import clock
from onetrip.core.errors import FieldError, InvalidInput

__all__ = [
    "DocumentType",
    "ValidDocument",
    "check_consistency",
    "normalise_mobile",
    "parse_e_health_qr",
    "validate_document",
]


class DocumentType(models.TextChoices):
    RESIDENT_ID = "resident_id", _("Resident identity card")
    HOUSEHOLD_REGISTER = "household_register", _("Household register")
    PASSPORT = "passport", _("Passport")
    SOCIAL_SECURITY_CARD = "social_security_card", _("Social security card")
    CITIZEN_CARD = "citizen_card", _("Citizen card")
    E_HEALTH_CARD = "e_health_card", _("Resident e-health card")
    HMT_RESIDENCE_PERMIT = "hmt_residence_permit", _("Hong Kong/Macao/Taiwan residence permit")
    FOREIGNER_PERMANENT_RESIDENCE = (
        "foreigner_permanent_residence",
        _("Foreigner permanent residence card"),
    )


@dataclass(frozen=True)
class ValidDocument:
    doc_type: str
    number: str
    birth_date: date | None
    sex: str | None
    region_code: str | None
    expires_on: date | None = None
    issuing_country: str | None = None


MALE = "male"
FEMALE = "female"

# GB 11643-1999 check character: ISO 7064 MOD 11-2.
_CHECK_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK_CHARS = "10X98765432"

# GB/T 2260 province-level codes of the mainland.
_MAINLAND_PROVINCES = frozenset(
    f"{code:02d}"
    for first, last in ((11, 15), (21, 23), (31, 37), (41, 46), (50, 54), (61, 65))
    for code in range(first, last + 1)
)
_RESIDENCE_PERMIT_PREFIXES = frozenset({"81", "82", "83"})
_RESIDENCE_PERMIT_REGIONS = frozenset({"810000", "820000", "830000"})

_CITIZEN_ID_18 = re.compile(r"[0-9]{17}[0-9X]")
_CITIZEN_ID_15 = re.compile(r"[0-9]{15}")
_FOREIGNER_OLD = re.compile(r"[A-Z]{3}[0-9]{12}")
_FOREIGNER_2023 = re.compile(r"9[0-9]{16}[0-9X]")
_COUNTRY_CODE = re.compile(r"[A-Z]{3}")
_PASSPORT = re.compile(r"[A-Z0-9]{5,20}")
_PASSPORT_CHN = re.compile(r"E[A-Z0-9][0-9]{7}|[GDSP][0-9]{8}")
_CITIZEN_CARD = re.compile(r"[A-Z0-9]{6,20}")
_E_HEALTH_ID = re.compile(r"[0-9A-F]{64}")
_E_HEALTH_TYPE = re.compile(r"[0-9]{1,3}")
_E_HEALTH_EXPIRY = re.compile(r"[0-9]{8}|[0-9]{14}")
_MAINLAND_MOBILE = re.compile(r"1[3-9][0-9]{9}")
_EARLIEST_BIRTH_YEAR = 1900


def _normalise(number: str) -> str:
    # NFKC turns full-width digits and letters (common from Chinese IMEs) into ASCII.
    text = unicodedata.normalize("NFKC", number or "")
    return "".join(text.split()).upper()


def _required(number: str, field: str) -> None:
    if not number:
        raise InvalidInput.field(field, _("Enter the document number."), "required")


def validate_document(
    doc_type: str,
    number: str,
    *,
    issuing_country: str | None = None,
    field: str = "number",
    today: date | None = None,
) -> ValidDocument:
    try:
        kind = DocumentType(doc_type)
    except ValueError:
        raise InvalidInput.field(
            "doc_type", _("Choose a supported document type."), "unknown_type"
        ) from None
    today = today if today is not None else clock.today()
    normalised = _normalise(number)
    _required(normalised, field)

    if kind in (
        DocumentType.RESIDENT_ID,
        DocumentType.HOUSEHOLD_REGISTER,
        DocumentType.SOCIAL_SECURITY_CARD,
    ):
        # The household register and the social security card both carry the holder's citizen
        # identity number (the social security number is the citizen ID number by law).
        return _validate_citizen_id(kind.value, normalised, field, today)
    if kind == DocumentType.HMT_RESIDENCE_PERMIT:
        return _validate_residence_permit(normalised, field, today)
    if kind == DocumentType.FOREIGNER_PERMANENT_RESIDENCE:
        return _validate_foreigner_permanent_residence(normalised, field, today)
    if kind == DocumentType.PASSPORT:
        return _validate_passport(normalised, issuing_country, field)
    if kind == DocumentType.CITIZEN_CARD:
        return _validate_citizen_card(normalised, field)
    return _validate_e_health_card(normalised, field, today)


def check_consistency(doc: ValidDocument, *, sex: str | None, birth_date: date | None) -> None:
    errors = []
    if sex is not None and doc.sex is not None and sex != doc.sex:
        errors.append(
            FieldError("sex", _("Does not match the sex encoded in the ID number."), "mismatch")
        )
    if birth_date is not None and doc.birth_date is not None and birth_date != doc.birth_date:
        errors.append(
            FieldError(
                "birth_date",
                _("Does not match the birth date encoded in the ID number."),
                "mismatch",
            )
        )
    if errors:
        raise InvalidInput(*errors)


def normalise_mobile(phone: str, *, field: str = "phone") -> str:
    text = unicodedata.normalize("NFKC", phone or "")
    digits = "".join(text.split()).replace("-", "")
    if not digits:
        raise InvalidInput.field(field, _("Enter a mobile phone number."), "required")
    for prefix in ("+86", "0086", "86"):
        # A mainland mobile number never starts with 86, so the prefix is only a country code
        # when exactly 11 digits remain.
        if digits.startswith(prefix) and len(digits) == len(prefix) + 11:
            digits = digits[len(prefix) :]
            break
    if not _MAINLAND_MOBILE.fullmatch(digits):
        raise InvalidInput.field(
            field, _("Enter an 11-digit mainland mobile number starting with 1."), "format"
        )
    return digits


def parse_e_health_qr(payload: str, *, today: date) -> ValidDocument:
    return _parse_e_health_qr(_normalise(payload), "number", today)


# Citizen identity numbers (GB 11643-1999) and the numbers built on the same scheme.


def _check_char(first_17_digits: str) -> str:
    total = sum(
        int(digit) * weight for digit, weight in zip(first_17_digits, _CHECK_WEIGHTS, strict=True)
    )
    return _CHECK_CHARS[total % 11]


def _require_check_char(number: str, field: str) -> None:
    if _check_char(number[:17]) != number[17]:
        # Deliberately not revealing the expected character: the typo is usually elsewhere, and
        # "fixing" the last character would turn a mistyped number into a valid wrong one.
        raise InvalidInput.field(
            field,
            _("This number is not valid: its check character does not match. Check each digit."),
            "checksum",
        )


def _require_18_digit_form(number: str, field: str, *, allow_legacy: bool) -> None:
    if len(number) == 18:
        if not _CITIZEN_ID_18.fullmatch(number):
            raise InvalidInput.field(
                field,
                _("Enter 17 digits followed by a digit or the letter X."),
                "format",
            )
        return
    if allow_legacy and len(number) == 15:
        if not _CITIZEN_ID_15.fullmatch(number):
            raise InvalidInput.field(field, _("A 15-digit ID number has digits only."), "format")
        return
    raise InvalidInput.field(
        field,
        _("An ID number has 18 characters (or 15 digits for old cards).")
        if allow_legacy
        else _("This number has 18 characters."),
        "length",
    )


def _birth_date(year: int, month: int, day: int, field: str, today: date) -> date:
    try:
        born = date(year, month, day)
    except ValueError:
        raise InvalidInput.field(
            field, _("The birth date in the number is not a real date."), "birth_date"
        ) from None
    if born > today:
        raise InvalidInput.field(
            field, _("The birth date in the number is in the future."), "birth_date"
        )
    if born.year < _EARLIEST_BIRTH_YEAR:
        raise InvalidInput.field(
            field, _("The birth date in the number is before 1900."), "birth_date"
        )
    return born


def _birth_date_yyyymmdd(digits: str, field: str, today: date) -> date:
    return _birth_date(int(digits[0:4]), int(digits[4:6]), int(digits[6:8]), field, today)


def _sex(sequence_digit: str) -> str:
    return MALE if int(sequence_digit) % 2 else FEMALE


def _validate_citizen_id(doc_type: str, number: str, field: str, today: date) -> ValidDocument:
    _require_18_digit_form(number, field, allow_legacy=True)
    if len(number) == 15:
        # Cards issued before 1999: YYMMDD birth dates in the 1900s and no check character.
        body = number[:6] + "19" + number[6:]
        number = body + _check_char(body)
    else:
        _require_check_char(number, field)

    province = number[:2]
    if province in _RESIDENCE_PERMIT_PREFIXES:
        raise InvalidInput.field(
            field,
            _(
                "This is a Hong Kong/Macao/Taiwan residence permit number: choose "
                "“Hong Kong/Macao/Taiwan residence permit” as the document type."
            ),
            "wrong_type",
        )
    if province not in _MAINLAND_PROVINCES:
        raise InvalidInput.field(
            field,
            _("The first two digits are not a mainland province code."),
            "region",
        )
    return ValidDocument(
        doc_type=doc_type,
        number=number,
        birth_date=_birth_date_yyyymmdd(number[6:14], field, today),
        sex=_sex(number[16]),
        region_code=number[:6],
    )


def _validate_residence_permit(number: str, field: str, today: date) -> ValidDocument:
    _require_18_digit_form(number, field, allow_legacy=False)
    _require_check_char(number, field)
    region = number[:6]
    if region not in _RESIDENCE_PERMIT_REGIONS:
        if region[:2] in _MAINLAND_PROVINCES:
            raise InvalidInput.field(
                field,
                _(
                    "This is a mainland resident ID number: choose “Resident identity card” "
                    "as the document type."
                ),
                "wrong_type",
            )
        raise InvalidInput.field(
            field,
            _("A residence permit number starts with 810000, 820000 or 830000."),
            "region",
        )
    return ValidDocument(
        doc_type=DocumentType.HMT_RESIDENCE_PERMIT.value,
        number=number,
        birth_date=_birth_date_yyyymmdd(number[6:14], field, today),
        sex=_sex(number[16]),
        region_code=region,
    )


def _validate_foreigner_permanent_residence(number: str, field: str, today: date) -> ValidDocument:
    doc_type = DocumentType.FOREIGNER_PERMANENT_RESIDENCE.value
    if len(number) == 15:
        if not _FOREIGNER_OLD.fullmatch(number):
            raise InvalidInput.field(
                field,
                _("Enter the 3-letter nationality code followed by 12 digits."),
                "format",
            )
        return ValidDocument(
            doc_type=doc_type,
            number=number,
            birth_date=_two_digit_year_birth_date(number[7:13], field, today),
            sex=None,
            region_code=None,
        )
    if len(number) == 18:
        if not _FOREIGNER_2023.fullmatch(number):
            raise InvalidInput.field(
                field,
                _("Enter 9 followed by 16 digits and a digit or the letter X."),
                "format",
            )
        _require_check_char(number, field)
        return ValidDocument(
            doc_type=doc_type,
            number=number,
            birth_date=_birth_date_yyyymmdd(number[6:14], field, today),
            sex=_sex(number[16]),
            # Digits 2-6 are the accepting province and a nationality code, not an address code.
            region_code=None,
        )
    raise InvalidInput.field(
        field,
        _("A permanent residence card number has 18 characters (or 15 for old cards)."),
        "length",
    )


def _two_digit_year_birth_date(yymmdd: str, field: str, today: date) -> date:
    year, month, day = int(yymmdd[0:2]), int(yymmdd[2:4]), int(yymmdd[4:6])
    try:
        in_1900s = date(1900 + year, month, day)
    except ValueError:
        in_1900s = None  # e.g. 29 February of 1900, which only exists in 2000
    if in_1900s is not None and _years_before(today, 100) <= in_1900s <= today:
        return in_1900s
    return _birth_date(2000 + year, month, day, field, today)


def _years_before(today: date, years: int) -> date:
    try:
        return today.replace(year=today.year - years)
    except ValueError:  # today is 29 February
        return today.replace(year=today.year - years, day=28)


# Other documents.


def _validate_passport(number: str, issuing_country: str | None, field: str) -> ValidDocument:
    country = _normalise(issuing_country or "")
    if not country:
        raise InvalidInput.field(
            "issuing_country", _("Choose the country that issued the passport."), "required"
        )
    if not _COUNTRY_CODE.fullmatch(country):
        raise InvalidInput.field(
            "issuing_country",
            _("Enter the issuing country as a 3-letter ISO 3166 code, e.g. CHN."),
            "format",
        )
    if not _PASSPORT.fullmatch(number):
        raise InvalidInput.field(
            field, _("A passport number has 5 to 20 letters and digits."), "format"
        )
    if country == "CHN" and not _PASSPORT_CHN.fullmatch(number):
        raise InvalidInput.field(
            field,
            _(
                "A Chinese passport number is E followed by 8 characters, or G, D, S or P "
                "followed by 8 digits."
            ),
            "format",
        )
    return ValidDocument(
        doc_type=DocumentType.PASSPORT.value,
        number=number,
        birth_date=None,
        sex=None,
        region_code=None,
        issuing_country=country,
    )


def _validate_citizen_card(number: str, field: str) -> ValidDocument:
    if not _CITIZEN_CARD.fullmatch(number):
        raise InvalidInput.field(
            field, _("A citizen card number has 6 to 20 letters and digits."), "format"
        )
    return ValidDocument(
        doc_type=DocumentType.CITIZEN_CARD.value,
        number=number,
        birth_date=None,
        sex=None,
        region_code=None,
    )


def _validate_e_health_card(number: str, field: str, today: date) -> ValidDocument:
    if ":" in number:
        return _parse_e_health_qr(number, field, today)
    _require_e_health_id(number, field)
    return ValidDocument(
        doc_type=DocumentType.E_HEALTH_CARD.value,
        number=number,
        birth_date=None,
        sex=None,
        region_code=None,
    )


def _require_e_health_id(card_id: str, field: str) -> None:
    if not _E_HEALTH_ID.fullmatch(card_id):
        raise InvalidInput.field(
            field, _("An e-health card ID has 64 hexadecimal characters."), "format"
        )


def _parse_e_health_qr(payload: str, field: str, today: date) -> ValidDocument:
    _required(payload, field)
    parts = payload.split(":")
    if len(parts) not in (2, 3):
        raise InvalidInput.field(
            field, _("This is not a resident e-health card QR code."), "format"
        )
    card_id, card_type = parts[0], parts[1]
    _require_e_health_id(card_id, field)
    if not _E_HEALTH_TYPE.fullmatch(card_type):
        raise InvalidInput.field(
            field, _("This is not a resident e-health card QR code."), "format"
        )
    expires_on = _e_health_expiry(parts[2], field) if len(parts) == 3 else None
    if expires_on is not None and expires_on < today:
        raise InvalidInput.field(
            field,
            _("This e-health card QR code has expired. Refresh the code and scan it again."),
            "expired",
        )
    return ValidDocument(
        doc_type=DocumentType.E_HEALTH_CARD.value,
        number=card_id,
        birth_date=None,
        sex=None,
        region_code=None,
        expires_on=expires_on,
    )


def _e_health_expiry(text: str, field: str) -> date:
    invalid = InvalidInput.field(
        field, _("The expiry time in the e-health card QR code is not valid."), "format"
    )
    if not _E_HEALTH_EXPIRY.fullmatch(text):
        raise invalid
    try:
        expires_on = date(int(text[0:4]), int(text[4:6]), int(text[6:8]))
        if len(text) == 14:
            hours, minutes, seconds = int(text[8:10]), int(text[10:12]), int(text[12:14])
            if hours > 23 or minutes > 59 or seconds > 59:
                raise invalid
    except ValueError:
        raise invalid from None
    return expires_on
