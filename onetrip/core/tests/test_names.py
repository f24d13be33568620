"""Names without invisible characters (issue 12, item 11; D59): bidi overrides and zero-width
characters are refused with a field-level message wherever a name is typed, and names are kept
in one normal form (NFKC) so that look-alikes compare equal."""

import pytest

from onetrip.consortium import services as consortium
from onetrip.consortium.models import Department
from onetrip.core.actors import SYSTEM
from onetrip.core.errors import InvalidInput
from onetrip.core.text import clean_name

pytestmark = pytest.mark.django_db

SPOOFS = {
    "bidi override": "张\u202e伟",
    "zero-width space": "张\u200b伟",
    "zero-width joiner": "张\u200d伟",
    "byte-order mark": "\ufeff张伟",
    "right-to-left mark": "张\u200f伟",
    "control character": "张\u0007伟",
}

STAFF_BODY = {
    "sex": "male",
    "birth_date": "1990-03-07",
    "phone": "13812345678",
    "documents": [{"doc_type": "resident_id", "number": "110101199003074477"}],
}


def test_names_come_in_one_normal_form():
    assert clean_name("  ＺＨＡＮＧ\u3000 Ｗｅｉ ") == "ZHANG Wei"
    assert clean_name("买买提·艾力") == "买买提·艾力"


@pytest.mark.parametrize("name", SPOOFS.values(), ids=SPOOFS.keys())
def test_the_patient_api_refuses_invisible_characters_in_a_name(client, clerk, name):
    client.force_login(clerk.user)

    response = client.post(
        "/api/patients", STAFF_BODY | {"name": name}, content_type="application/json"
    )

    assert response.status_code == 422
    (error,) = response.json()["errors"]
    assert error["field"] == "name"
    assert "U+" in error["message"]


def test_a_renamed_patient_is_checked_the_same_way(client, clerk, register):
    patient = register()
    client.force_login(clerk.user)

    response = client.patch(
        f"/api/patients/{patient.pk}", {"name": "张\u202e伟"}, content_type="application/json"
    )

    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "name"
    patient.refresh_from_db()
    assert patient.name == "张伟"


def test_the_registration_page_says_what_is_wrong_with_the_name(client, clerk):
    client.force_login(clerk.user)

    page = client.post(
        "/staff/patients/new",
        {
            "name": "张\u200b伟",
            "sex": "male",
            "birth_date": "1990-03-07",
            "phone": "13812345678",
            "doc_type": "resident_id",
            "doc_number": "110101199003074477",
        },
    ).content.decode()

    assert "U+200B" in page.split('id="field-name"')[1].split("</div>")[0]


def test_a_full_width_name_is_stored_in_its_ordinary_form(register):
    assert register(name="ＺＨＡＮＧ Ｗｅｉ").name == "ZHANG Wei"


@pytest.mark.parametrize("name", [SPOOFS["bidi override"], SPOOFS["zero-width space"]])
def test_staff_and_doctor_names_are_checked(tertiary, name):
    with pytest.raises(InvalidInput) as staff_error:
        consortium.create_staff_account(
            username="new-clerk",
            password="correct-horse-battery",
            full_name=name,
            institution=tertiary,
            roles=["registration"],
            actor=SYSTEM,
        )
    assert staff_error.value.errors[0].field == "full_name"

    department = Department.objects.create(institution=tertiary, code="X1", name="内科")
    with pytest.raises(InvalidInput) as doctor_error:
        consortium.add_doctor(department, name=name, title="attending", actor=SYSTEM)
    assert doctor_error.value.errors[0].field == "name"
