"""Resident ID numbers (居民身份证号码, GB 11643): ASCII digits only (full-width normalised),
a real birth date that is neither in the future nor before 1900, the MOD 11-2 check digit, and
15-digit legacy numbers converted to 18, the same on entry (API, console) and on import."""

from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from anju.core import idnumbers
from anju.core.errors import DomainError
from anju.core.models import Person

from .test_import_excel import GOOD_HOUSES, post, workbook

WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]


def with_check(body17):
    """The check digit, written here independently of the module under test."""
    return (
        body17 + "10X98765432"[sum(int(c) * w for c, w in zip(body17, WEIGHTS, strict=True)) % 11]
    )


FULL_WIDTH = str.maketrans("0123456789X", "０１２３４５６７８９ｘ")
ARABIC_INDIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")


def create(api, world, number):
    return api(world.users["org_admin"]).post(
        "/api/v1/people/",
        {"organization": world.org.pk, "name": "新业主", "id_number": number},
        format="json",
    )


@pytest.mark.django_db
@pytest.mark.parametrize(
    "number",
    [
        # Arabic-Indic digits with a right check digit: str.isdigit() and int() take them.
        "11010519900101123".translate(ARABIC_INDIC) + with_check("11010519900101123")[-1],
        with_check("11010519900101123").translate(ARABIC_INDIC),
        "1101051990010112³" + "2",  # superscript three: str.isdigit() is True, int() raises
        "1101051990010112" + "３" + "2" + "x",  # full-width is fine, but 19 characters
        with_check("11010519900230123"),  # 30 February
        with_check("11010518991231123"),  # before 1900
        with_check(f"110105{date.today().year + 1}0101123"),  # born next year
        "11010519900101123",  # 17 characters
        "1101051990010112345",  # 19 characters
    ],
)
def test_impossible_numbers_are_refused_naming_the_field(world, api, number):
    response = create(api, world, number)
    assert response.status_code == 400, response.content
    body = response.json()
    assert list(body["error"]["fields"]) == ["id_number"]
    assert not Person.objects.filter(name="新业主").exists()


@pytest.mark.django_db
def test_tomorrow_is_refused_and_today_accepted(world, api):
    tomorrow = date.today() + timedelta(days=1)
    assert create(api, world, with_check(f"110105{tomorrow:%Y%m%d}123")).status_code == 400
    assert create(api, world, with_check(f"110105{date.today():%Y%m%d}123")).status_code == 201


@pytest.mark.django_db
def test_error_speaks_the_users_language(world, api):
    client = api(world.users["org_admin"])
    number = with_check("11010519900230123")
    zh = client.post(
        "/api/v1/people/",
        {"organization": world.org.pk, "name": "甲", "id_number": number},
        format="json",
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )
    en = client.post(
        "/api/v1/people/",
        {"organization": world.org.pk, "name": "甲", "id_number": number},
        format="json",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert "出生日期" in zh.json()["error"]["fields"]["id_number"][0]
    assert "birth date" in en.json()["error"]["fields"]["id_number"][0]


@pytest.mark.django_db
def test_full_width_and_legacy_numbers_are_stored_as_18_ascii(world, api):
    full = create(api, world, "１１０１０５１９４９１２３１００２ｘ")
    assert full.status_code == 201, full.content
    assert full.json()["id_number"] == "11010519491231002X"
    legacy = create(api, world, "110105491231003")
    assert legacy.status_code == 201, legacy.content
    assert legacy.json()["id_number"] == with_check("11010519491231003")
    # The people search finds a person by the number as it was typed.
    found = (
        api(world.users["org_admin"])
        .get("/api/v1/people/", {"id_number": "110105491231003"})
        .json()
    )
    assert [row["id"] for row in found["results"]] == [legacy.json()["id"]]


@pytest.mark.django_db
def test_update_normalises_too(world, api):
    owner = world.people["owner"]
    response = api(world.users["org_admin"]).patch(
        f"/api/v1/people/{owner.pk}/", {"id_number": "110105900101123"}, format="json"
    )
    assert response.status_code == 200, response.content
    owner.refresh_from_db()
    assert owner.id_number == with_check("11010519900101123")
    bad = api(world.users["org_admin"]).patch(
        f"/api/v1/people/{owner.pk}/", {"id_number": "11010519900101123²"}, format="json"
    )
    assert bad.status_code == 400 and "id_number" in bad.json()["error"]["fields"]


@pytest.mark.django_db
def test_import_converts_legacy_and_names_bad_numbers(world, api):
    residents = [
        ("2幢", "101", "周杰", "13712345678", "110105491231003", "业主", "是", "是", ""),
        (
            "2幢",
            "102",
            "周小杰",
            "13712345679",
            "１１０１０５１９４９１２３１００２Ｘ",
            "业主",
            "是",
            "是",
            "",
        ),
    ]
    response = post(api, world.users["manager"], world.community, workbook(GOOD_HOUSES, residents))
    assert response.status_code == 200, response.content
    numbers = set(Person.objects.filter(name__startswith="周").values_list("id_number", flat=True))
    assert numbers == {with_check("11010519491231003"), "11010519491231002X"}

    bad = [("2幢", "103", "周三", "13712345670", "١١٠١٠٥١٩٤٩١٢٣١٠٠٢X", "业主", "是", "是", "")]
    response = post(
        api,
        world.users["manager"],
        world.community,
        workbook([("2幢", "1单元", "103", 1, "住宅", "89.50", "不动产登记", "是", "是")], bad),
    )
    assert response.status_code == 400, response.content
    assert {(e["sheet"], e["row"], e["field"]) for e in response.json()["errors"]} == {
        ("住户", 2, "id_number")
    }
    assert not Person.objects.filter(name="周三").exists()


# Properties -------------------------------------------------------------------------------

birth_dates = st.dates(min_value=date(1900, 1, 1), max_value=date.today())
regions = st.from_regex(r"[1-8][0-9]{5}", fullmatch=True)
sequences = st.from_regex(r"[0-9]{3}", fullmatch=True)


@settings(max_examples=300, deadline=None)
@given(region=regions, born=birth_dates, sequence=sequences)
def test_valid_numbers_round_trip(region, born, sequence):
    number = with_check(f"{region}{born:%Y%m%d}{sequence}")
    assert idnumbers.normalise(number) == number
    assert idnumbers.normalise(number.lower()) == number
    assert idnumbers.normalise(number.translate(FULL_WIDTH)) == number
    assert idnumbers.birth_date(number) == born
    if 1900 <= born.year <= 1999:
        legacy = f"{region}{born:%y%m%d}{sequence}"
        assert idnumbers.normalise(legacy) == number


@settings(max_examples=300, deadline=None)
@given(
    region=regions,
    born=birth_dates,
    sequence=sequences,
    position=st.integers(0, 17),
    data=st.data(),
)
def test_any_single_changed_character_fails_the_checksum(region, born, sequence, position, data):
    number = with_check(f"{region}{born:%Y%m%d}{sequence}")
    alphabet = "0123456789X" if position == 17 else "0123456789"
    other = data.draw(st.sampled_from([c for c in alphabet if c != number[position]]))
    changed = number[:position] + other + number[position + 1 :]
    assert not idnumbers.checksum_ok(changed)
    with pytest.raises(DomainError) as refused:
        idnumbers.normalise(changed)
    assert list(refused.value.fields) == ["id_number"]


@settings(max_examples=200, deadline=None)
@given(text=st.text(max_size=20))
def test_arbitrary_text_is_refused_or_ascii_never_an_exception(text):
    try:
        result = idnumbers.normalise(text)
    except DomainError as exc:
        assert list(exc.fields) == ["id_number"]
    else:
        assert result == "" or (result.isascii() and len(result) == 18)
