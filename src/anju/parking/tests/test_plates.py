import pytest

from anju.core.errors import DomainError
from anju.parking.plates import check_plate, normalize, plate_problem

VALID = [
    ("京A12345", "京A12345"),
    ("粤B8K2Z9", "粤B8K2Z9"),
    ("沪a·12345", "沪A12345"),
    (" 川 A 1234 5 ", "川A12345"),
    ("浙AD12345", "浙AD12345"),  # new energy, small, pure electric
    ("苏BFA1234", "苏BFA1234"),  # new energy, small, other new energy
    ("鲁C12345D", "鲁C12345D"),  # new energy, large
    ("琼Z12345F", "琼Z12345F"),
    ("藏AABCDE", "藏AABCDE"),
    ("京I12345", "京I12345"),  # the second character is any letter A-Z
]
INVALID = [
    "",
    "   ",
    "A123456",  # no province
    "港A12345",  # not a mainland province
    "京112345",  # second is not a letter
    "京A1234",  # too short
    "京A123456",  # 8 without D/F
    "京A12I45",  # I in the serial
    "京A12O45",  # O in the serial
    "京AD1234",  # 7 with D is fine? no: D12345 shape needed -> still 7; checked below
    "京A12345DF",  # 9
    "京AX12345",  # 8, third not D/F, last not D/F
    "京AD12A45",  # small NEV: last four must be digits
    "苏BF1A234",
    "京A1234AD",  # large NEV: five digits before D
    "京A12345E",  # large NEV: only D or F
    "京A_2345",
]


@pytest.mark.parametrize(("raw", "plate"), VALID)
def test_valid_plates_are_normalised(raw, plate):
    assert plate_problem(raw) is None
    assert check_plate(raw) == plate


@pytest.mark.parametrize("raw", [p for p in INVALID if p != "京AD1234"])
def test_invalid_plates_are_refused_naming_the_plate(raw):
    assert plate_problem(raw)
    with pytest.raises(DomainError) as caught:
        check_plate(raw)
    assert list(caught.value.fields) == ["plate"]


def test_a_seven_character_plate_with_d_is_an_ordinary_plate():
    assert plate_problem("京AD1234") is None  # D1234 is an ordinary serial


def test_normalise():
    assert normalize("京a•1234５".replace("５", "5")) == "京A12345"
    assert normalize(None) == ""
