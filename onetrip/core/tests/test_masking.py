import pytest

from onetrip.core.masking import mask_document_number, mask_name, mask_phone


@pytest.mark.parametrize(
    ("number", "masked"),
    [
        ("330602199001011234", "3306**********1234"),
        ("34052419800101001X", "3405**********001X"),
        ("ABCDEFGHIJKLMNOPQRST", "ABCD************QRST"),
        ("USA310185061201", "USA*********201"),
        ("HZ00123456", "HZ0****456"),
        ("E12345678", "E1*****78"),
        ("123456", "12**56"),
        ("12345", "1***5"),
        ("123", "1*3"),
        ("12", "**"),
        ("1", "*"),
        ("", ""),
    ],
)
def test_document_number_shows_only_its_ends(number, masked):
    assert mask_document_number(number) == masked
    assert len(mask_document_number(number)) == len(number)


@pytest.mark.parametrize(
    ("phone", "masked"),
    [
        ("13812341234", "138****1234"),
        ("18600000000", "186****0000"),
        ("057188881234", "057*****1234"),
        ("12345", "***45"),
        ("123", "***"),
        ("", ""),
    ],
)
def test_phone_shows_only_its_prefix_and_last_four_digits(phone, masked):
    assert mask_phone(phone) == masked


@pytest.mark.parametrize(
    ("name", "masked"),
    [
        ("张三", "张*"),
        ("王小明", "王*明"),
        ("欧阳娜娜", "欧**娜"),
        ("李", "*"),
        (" 王小明 ", "王*明"),
        ("John Smith", "J*** S****"),
        ("Mary-Jane O'Neil", "M***-J*** O'N***"),
        ("Li", "L*"),
        ("", ""),
    ],
)
def test_name_shows_only_its_initials(name, masked):
    assert mask_name(name) == masked
