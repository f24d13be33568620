from datetime import date

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from onetrip.core.errors import FieldError, InvalidInput
from onetrip.identity.documents import (
    DocumentType,
    ValidDocument,
    check_consistency,
    normalise_mobile,
    parse_e_health_qr,
    validate_document,
)

TODAY = date(2026, 6, 1)
E_HEALTH_ID = "A88ADB14F8D2C518BC97A6139E436743560817F26152C31C634534D28664BA37"


def single_error(excinfo: pytest.ExceptionInfo[InvalidInput]) -> FieldError:
    (error,) = excinfo.value.errors
    assert str(error.message)  # the lazy message renders (catches broken placeholders)
    return error


def test_document_type_codes_are_stable_because_they_are_stored():
    assert DocumentType.values == [
        "resident_id",
        "household_register",
        "passport",
        "social_security_card",
        "citizen_card",
        "e_health_card",
        "hmt_residence_permit",
        "foreigner_permanent_residence",
    ]


@pytest.mark.parametrize(
    ("doc_type", "number", "expected"),
    [
        (
            "resident_id",
            "34052419800101001X",
            ValidDocument("resident_id", "34052419800101001X", date(1980, 1, 1), "male", "340524"),
        ),
        (
            "resident_id",
            "110101199003074477",
            ValidDocument("resident_id", "110101199003074477", date(1990, 3, 7), "male", "110101"),
        ),
        (
            "household_register",
            "320102197012315558",
            ValidDocument(
                "household_register", "320102197012315558", date(1970, 12, 31), "male", "320102"
            ),
        ),
        (
            "social_security_card",
            "440306200002290025",
            ValidDocument(
                "social_security_card", "440306200002290025", date(2000, 2, 29), "female", "440306"
            ),
        ),
        (
            "hmt_residence_permit",
            "820000198506150022",
            ValidDocument(
                "hmt_residence_permit", "820000198506150022", date(1985, 6, 15), "female", "820000"
            ),
        ),
        (
            "hmt_residence_permit",
            "830000200101012010",
            ValidDocument(
                "hmt_residence_permit", "830000200101012010", date(2001, 1, 1), "male", "830000"
            ),
        ),
        (
            "foreigner_permanent_residence",
            "931840198506120035",
            ValidDocument(
                "foreigner_permanent_residence",
                "931840198506120035",
                date(1985, 6, 12),
                "male",
                None,
            ),
        ),
        (
            "foreigner_permanent_residence",
            "usa310185061201",
            ValidDocument(
                "foreigner_permanent_residence", "USA310185061201", date(1985, 6, 12), None, None
            ),
        ),
        (
            "citizen_card",
            " hz 0012 3456 ",
            ValidDocument("citizen_card", "HZ00123456", None, None, None),
        ),
        (
            "e_health_card",
            E_HEALTH_ID.lower(),
            ValidDocument("e_health_card", E_HEALTH_ID, None, None, None),
        ),
    ],
)
def test_valid_document_is_normalised_and_decoded(doc_type, number, expected):
    assert validate_document(doc_type, number, today=TODAY) == expected


def test_lowercase_x_check_character_is_normalised_to_upper_case():
    document = validate_document("resident_id", "34052419800101001x", today=TODAY)

    assert document.number == "34052419800101001X"


def test_spaces_and_full_width_digits_from_chinese_input_methods_are_normalised():
    document = validate_document("resident_id", "１１０１０１ 19900307 4477", today=TODAY)

    assert document.number == "110101199003074477"


def test_legacy_15_digit_resident_id_is_upgraded_to_18():
    document = validate_document("resident_id", "110101900307447", today=TODAY)

    assert document == ValidDocument(
        "resident_id", "110101199003074477", date(1990, 3, 7), "male", "110101"
    )


@pytest.mark.parametrize(
    ("doc_type", "number", "code"),
    [
        ("resident_id", "", "required"),
        ("resident_id", "   ", "required"),
        ("resident_id", "11010119900307447", "length"),
        ("resident_id", "1101011990030744771", "length"),
        ("resident_id", "11010119900307447A", "format"),
        ("resident_id", "11010119900307X477", "format"),
        ("resident_id", "11010190030744X", "format"),
        ("resident_id", "110101199003074478", "checksum"),
        ("resident_id", "340524198001010013", "checksum"),
        ("resident_id", "110101199002301236", "birth_date"),  # 30 February
        ("resident_id", "110101203001011236", "birth_date"),  # in the future
        ("resident_id", "110101189912311231", "birth_date"),  # before 1900
        ("resident_id", "110101900230123", "birth_date"),  # legacy 15-digit, 30 February
        ("resident_id", "990101199001011230", "region"),
        ("resident_id", "710101199001011239", "region"),  # Taiwan
        ("resident_id", "810000199001011230", "wrong_type"),
        ("resident_id", "820000198506150022", "wrong_type"),
        ("household_register", "830000200101012010", "wrong_type"),
        ("social_security_card", "110101199003074478", "checksum"),
        ("hmt_residence_permit", "110101199003074477", "wrong_type"),
        ("hmt_residence_permit", "990101199001011230", "region"),
        ("hmt_residence_permit", "820000198506150023", "checksum"),
        ("hmt_residence_permit", "110101900307447", "length"),
        ("foreigner_permanent_residence", "931840198506120036", "checksum"),
        ("foreigner_permanent_residence", "831840198506120035", "format"),
        ("foreigner_permanent_residence", "US3101850612011", "format"),
        ("foreigner_permanent_residence", "USA310185023001", "birth_date"),
        ("foreigner_permanent_residence", "USA31018506120", "length"),
        ("citizen_card", "HZ123", "format"),
        ("citizen_card", "HZ-00123456", "format"),
        ("e_health_card", E_HEALTH_ID[:-1], "format"),
        ("e_health_card", E_HEALTH_ID[:-1] + "G", "format"),
    ],
)
def test_invalid_number_names_the_field_and_the_kind_of_failure(doc_type, number, code):
    with pytest.raises(InvalidInput) as excinfo:
        validate_document(doc_type, number, today=TODAY)

    error = single_error(excinfo)
    assert (error.field, error.code) == ("number", code)


def test_error_names_the_field_the_caller_passes():
    with pytest.raises(InvalidInput) as excinfo:
        validate_document("resident_id", "110101199003074478", field="id_number", today=TODAY)

    assert single_error(excinfo).field == "id_number"


def test_unknown_document_type_is_reported_on_doc_type():
    with pytest.raises(InvalidInput) as excinfo:
        validate_document("driving_licence", "110101199003074477", today=TODAY)

    error = single_error(excinfo)
    assert (error.field, error.code) == ("doc_type", "unknown_type")


@pytest.mark.parametrize(
    ("yymmdd", "birth_date"),
    [
        ("300101", date(1930, 1, 1)),
        ("100101", date(2010, 1, 1)),  # 1910 would make the holder over 100
        ("000229", date(2000, 2, 29)),  # 29 February 1900 does not exist
        ("260501", date(2026, 5, 1)),  # 1926-05-01 is more than 100 years before TODAY
        ("260701", date(1926, 7, 1)),
    ],
)
def test_old_permanent_residence_card_two_digit_year_gets_a_plausible_century(yymmdd, birth_date):
    document = validate_document("foreigner_permanent_residence", f"USA3101{yymmdd}01", today=TODAY)

    assert document.birth_date == birth_date


@pytest.mark.parametrize(
    ("country", "number", "expected_number"),
    [
        ("CHN", "E12345678", "E12345678"),
        ("CHN", "ea1234567", "EA1234567"),
        ("CHN", "G12345678", "G12345678"),
        ("CHN", "D12345678", "D12345678"),
        ("chn", "P12345678", "P12345678"),
        ("USA", "567 890 123", "567890123"),
        ("GBR", "AB12345", "AB12345"),
    ],
)
def test_valid_passport_keeps_the_issuing_country(country, number, expected_number):
    document = validate_document("passport", number, issuing_country=country, today=TODAY)

    assert document == ValidDocument(
        "passport", expected_number, None, None, None, issuing_country=country.upper()
    )


@pytest.mark.parametrize(
    ("country", "number", "field", "code"),
    [
        (None, "E12345678", "issuing_country", "required"),
        ("  ", "E12345678", "issuing_country", "required"),
        ("CN", "E12345678", "issuing_country", "format"),
        ("C1N", "E12345678", "issuing_country", "format"),
        ("USA", "1234", "number", "format"),
        ("USA", "123-456-789", "number", "format"),
        ("CHN", "X12345678", "number", "format"),
        ("CHN", "E1234567", "number", "format"),
        ("CHN", "G1234567A", "number", "format"),
        ("CHN", "", "number", "required"),
    ],
)
def test_invalid_passport_names_the_field_and_the_kind_of_failure(country, number, field, code):
    with pytest.raises(InvalidInput) as excinfo:
        validate_document("passport", number, issuing_country=country, today=TODAY)

    error = single_error(excinfo)
    assert (error.field, error.code) == (field, code)


@pytest.mark.parametrize(
    ("payload", "expires_on"),
    [
        (f"{E_HEALTH_ID}:1", None),
        (f"{E_HEALTH_ID.lower()}:0", None),
        (f"{E_HEALTH_ID}:1:20260601", date(2026, 6, 1)),
        (f"{E_HEALTH_ID}:12:20260602083000", date(2026, 6, 2)),
    ],
)
def test_e_health_qr_payload_yields_the_card_id(payload, expires_on):
    expected = ValidDocument("e_health_card", E_HEALTH_ID, None, None, None, expires_on=expires_on)

    assert parse_e_health_qr(payload, today=TODAY) == expected
    assert validate_document("e_health_card", payload, today=TODAY) == expected


@pytest.mark.parametrize(
    ("payload", "code"),
    [
        (f"{E_HEALTH_ID}:1:20260531", "expired"),
        (f"{E_HEALTH_ID}:1:20260531235959", "expired"),
        (f"{E_HEALTH_ID}:1:20260230", "format"),
        (f"{E_HEALTH_ID}:1:20260601250000", "format"),
        (f"{E_HEALTH_ID}:1:202606", "format"),
        (f"{E_HEALTH_ID}:A", "format"),
        (f"{E_HEALTH_ID}:", "format"),
        (f"{E_HEALTH_ID}:1:20260601:X", "format"),
        (f"{E_HEALTH_ID[:63]}:1", "format"),
        ("", "required"),
    ],
)
def test_invalid_or_expired_e_health_qr_is_refused(payload, code):
    with pytest.raises(InvalidInput) as excinfo:
        parse_e_health_qr(payload, today=TODAY)

    error = single_error(excinfo)
    assert (error.field, error.code) == ("number", code)


def test_expired_e_health_qr_entered_as_number_is_refused():
    with pytest.raises(InvalidInput) as excinfo:
        validate_document("e_health_card", f"{E_HEALTH_ID}:1:20260531", today=TODAY)

    error = single_error(excinfo)
    assert (error.field, error.code) == ("number", "expired")


RESIDENT = ValidDocument("resident_id", "110101199003074477", date(1990, 3, 7), "male", "110101")


@pytest.mark.parametrize(
    ("sex", "birth_date"),
    [("male", date(1990, 3, 7)), (None, None), ("male", None), (None, date(1990, 3, 7))],
)
def test_entered_details_matching_the_number_are_consistent(sex, birth_date):
    check_consistency(RESIDENT, sex=sex, birth_date=birth_date)


def test_details_are_consistent_when_the_document_encodes_nothing():
    passport = ValidDocument("passport", "E12345678", None, None, None, issuing_country="CHN")

    check_consistency(passport, sex="female", birth_date=date(2000, 1, 1))


@pytest.mark.parametrize(
    ("sex", "birth_date", "fields"),
    [
        ("female", date(1990, 3, 7), ["sex"]),
        ("male", date(1990, 3, 8), ["birth_date"]),
        ("female", date(1991, 3, 7), ["sex", "birth_date"]),
    ],
)
def test_entered_details_contradicting_the_number_name_each_field(sex, birth_date, fields):
    with pytest.raises(InvalidInput) as excinfo:
        check_consistency(RESIDENT, sex=sex, birth_date=birth_date)

    errors = excinfo.value.errors
    assert [error.field for error in errors] == fields
    assert {error.code for error in errors} == {"mismatch"}


@pytest.mark.parametrize(
    "phone",
    [
        "13812341234",
        "138 1234 1234",
        "138-1234-1234",
        "+86 138 1234 1234",
        "+86-13812341234",
        "8613812341234",
        "008613812341234",
        "１３８１２３４１２３４",
    ],
)
def test_mainland_mobile_is_normalised_to_11_digits(phone):
    assert normalise_mobile(phone) == "13812341234"


def test_mobile_starting_with_86_is_not_mistaken_for_a_country_code():
    assert normalise_mobile("+86 18612341234") == "18612341234"


@pytest.mark.parametrize(
    ("phone", "code"),
    [
        ("", "required"),
        (" - ", "required"),
        ("12812341234", "format"),
        ("23812341234", "format"),
        ("1381234123", "format"),
        ("138123412345", "format"),
        ("+85291234567", "format"),
        ("138l2341234", "format"),
        ("(138)12341234", "format"),
    ],
)
def test_malformed_mobile_is_refused(phone, code):
    with pytest.raises(InvalidInput) as excinfo:
        normalise_mobile(phone, field="mobile")

    error = single_error(excinfo)
    assert (error.field, error.code) == ("mobile", code)


MAINLAND_PROVINCES = [
    *range(11, 16),
    *range(21, 24),
    *range(31, 38),
    *range(41, 47),
    *range(50, 55),
    *range(61, 66),
]


def iso7064_mod_11_2_check_char(digits: str) -> str:
    # Derived from the standard's definition (weights 2^(i-1) mod 11 counted from the right, with
    # the check character making the weighted sum ≡ 1 mod 11) rather than from the lookup tables
    # the production code uses, so the two implementations check each other.
    weighted = sum(int(digit) * pow(2, 17 - position, 11) for position, digit in enumerate(digits))
    value = (1 - weighted) % 11
    return "X" if value == 10 else str(value)


@st.composite
def citizen_id_bodies(draw):
    province = draw(st.sampled_from(MAINLAND_PROVINCES))
    district = draw(st.text("0123456789", min_size=4, max_size=4))
    born = draw(st.dates(min_value=date(1900, 1, 1), max_value=TODAY))
    sequence = draw(st.text("0123456789", min_size=3, max_size=3))
    return f"{province}{district}{born:%Y%m%d}{sequence}", born


@settings(database=None, deadline=None)
@given(body_and_birth_date=citizen_id_bodies(), replacement=st.sampled_from("0123456789X"))
def test_any_well_formed_citizen_id_validates_and_any_other_check_char_fails(
    body_and_birth_date, replacement
):
    body, born = body_and_birth_date
    check_char = iso7064_mod_11_2_check_char(body)

    document = validate_document("resident_id", body + check_char, today=TODAY)
    assert (document.number, document.birth_date) == (body + check_char, born)

    assume(replacement != check_char)
    with pytest.raises(InvalidInput) as excinfo:
        validate_document("resident_id", body + replacement, today=TODAY)
    assert single_error(excinfo).code == "checksum"
