"""Robust input (issue 16): every /api/ answer in the error format, request bodies that are not
objects, too deep, too large or carry a NUL, and query parameters that cannot be read."""

import json
import logging

import pytest
from django.test import Client, override_settings

from anju.core import privacy
from anju.core.testing import api_token

pytestmark = pytest.mark.django_db


def _client(user):
    return Client(HTTP_AUTHORIZATION=f"Token {api_token(user)}", raise_request_exception=False)


def _error(response, status):
    assert response.status_code == status, response.content[:500]
    assert response["Content-Type"].startswith("application/json"), response["Content-Type"]
    body = response.json()
    assert set(body["error"]) >= {"code", "message", "fields"}, body
    return body["error"]


# --- 1. the error format everywhere under /api/ ------------------------------------------------


def test_unknown_api_url_answers_json_404(world):
    client = _client(world.users["org_admin"])
    error = _error(client.get("/api/v1/no-such-thing/"), 404)
    assert error["code"] == "not_found"
    error = _error(Client().get("/api/nothing/at/all"), 404)
    assert error["code"] == "not_found"


def test_pages_outside_api_keep_their_html_404(world):
    response = Client().get("/console/no-such-page/")
    assert response.status_code in (302, 404)
    assert not response["Content-Type"].startswith("application/json")


def test_unexpected_exception_in_an_api_view_answers_json_500_and_is_logged(
    world, monkeypatch, caplog
):
    def broken(user):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(privacy, "personal_data", broken)
    client = _client(world.users["resident"])
    with caplog.at_level(logging.ERROR):
        error = _error(client.get("/api/v1/me/data/"), 500)
    assert error["code"] == "server_error"
    assert "disk on fire" not in error["message"]
    logged = [r for r in caplog.records if r.exc_info and "disk on fire" in str(r.exc_info[1])]
    assert logged, "the traceback is logged"


@override_settings(DATA_UPLOAD_MAX_NUMBER_FIELDS=5)
def test_errors_raised_before_drf_are_json_too(world):
    client = _client(world.users["org_admin"])
    data = "&".join(f"f{i}=1" for i in range(20))
    response = client.post(
        "/api/v1/buildings/", data, content_type="application/x-www-form-urlencoded"
    )
    error = _error(response, 400)
    assert error["code"] == "invalid"


# --- 2. request bodies ------------------------------------------------------------------------


@pytest.mark.parametrize("body", ["[]", "[1, 2]", '"text"', "42", "null", "true"])
def test_a_json_body_that_is_not_an_object_is_400(world, body):
    client = _client(world.users["org_admin"])
    response = client.post("/api/v1/buildings/", body, content_type="application/json")
    error = _error(response, 400)
    assert error["code"] == "invalid"
    assert "body" in error["fields"]


def test_a_list_body_is_400_on_an_update_too(world):
    client = _client(world.users["org_admin"])
    response = client.patch(
        f"/api/v1/buildings/{world.building.pk}/", "[]", content_type="application/json"
    )
    assert "body" in _error(response, 400)["fields"]


@override_settings(ANJU_API_MAX_JSON_DEPTH=20)
def test_json_nested_deeper_than_the_limit_is_400(world):
    client = _client(world.users["org_admin"])
    deep = {"community": world.community.pk, "name": "x"}
    inner = deep
    for _ in range(25):
        inner["extra"] = {}
        inner = inner["extra"]
    response = client.post("/api/v1/buildings/", json.dumps(deep), content_type="application/json")
    error = _error(response, 400)
    assert "body" in error["fields"]
    very_deep = "[" * 100000 + "]" * 100000  # Python's parser would hit its recursion limit
    response = client.post("/api/v1/buildings/", very_deep, content_type="application/json")
    _error(response, 400)


def test_shallow_json_is_still_accepted(world):
    client = _client(world.users["org_admin"])
    body = {"community": world.community.pk, "name": "9幢"}
    response = client.post("/api/v1/buildings/", json.dumps(body), content_type="application/json")
    assert response.status_code == 201, response.content


def test_a_nul_character_in_a_json_string_is_400_naming_the_field(world):
    client = _client(world.users["org_admin"])
    body = {"community": world.community.pk, "name": "9\u0000幢"}
    response = client.post("/api/v1/buildings/", json.dumps(body), content_type="application/json")
    error = _error(response, 400)
    assert list(error["fields"]) == ["name"]
    body = {"community": world.community.pk, "name": "9幢", "notes": {"deep": ["a\u0000"]}}
    response = client.post("/api/v1/buildings/", json.dumps(body), content_type="application/json")
    assert list(_error(response, 400)["fields"]) == ["notes"]
    body = {"community": world.community.pk, "na\u0000me": "9幢"}
    response = client.post("/api/v1/buildings/", json.dumps(body), content_type="application/json")
    _error(response, 400)


def test_malformed_json_is_400_in_the_error_format(world):
    client = _client(world.users["org_admin"])
    response = client.post("/api/v1/buildings/", "{nope", content_type="application/json")
    assert _error(response, 400)["code"] == "parse_error"


@override_settings(ANJU_API_MAX_BODY_BYTES=1000)
def test_a_body_over_the_limit_is_413_json(world):
    client = _client(world.users["org_admin"])
    body = {"community": world.community.pk, "name": "x" * 2000}
    response = client.post("/api/v1/buildings/", json.dumps(body), content_type="application/json")
    error = _error(response, 413)
    assert error["code"] == "too_large"


# --- 3. query parameters ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "query, param",
    [
        ("page=abc", "page"),
        ("page=0", "page"),
        ("page=-1", "page"),
        ("page_size=abc", "page_size"),
        ("page_size=0", "page_size"),
        ("page_size=-5", "page_size"),
    ],
)
def test_pagination_parameters_must_be_positive_integers(world, query, param):
    client = _client(world.users["org_admin"])
    error = _error(client.get(f"/api/v1/houses/?{query}"), 400)
    assert param in error["fields"]


def test_a_page_beyond_the_last_is_still_404(world):
    client = _client(world.users["org_admin"])
    _error(client.get("/api/v1/houses/?page=999"), 404)


@pytest.mark.parametrize(
    "url, param",
    [
        ("/api/v1/bookings/?starts_at__gte=2026-01-01T00:00:00%2B99:00", "starts_at__gte"),
        ("/api/v1/bookings/?starts_at__lt=2026-02-30T00:00:00", "starts_at__lt"),
        ("/api/v1/payments/?paid_on=2026-02-30", "paid_on"),
        ("/api/v1/houses/?floor=abc", "floor"),
        ("/api/v1/houses/?community=abc", "community"),
        ("/api/v1/people/?house=abc", "house"),
        ("/api/v1/occupancies/?active=maybe", "active"),
        ("/api/v1/cash-ups/report/?community={community}&day=2026-02-30", "day"),
        ("/api/v1/cash-ups/report/?community=abc", "community"),
        ("/api/v1/billing-reports/rates/?period=2026-13", "period"),
        ("/api/v1/billing-reports/arrears/?community=abc", "community"),
        ("/api/v1/community-comparison/?from=2026-02-30", "from"),
        ("/api/v1/community-comparison/?from=2026-03-01&to=2026-02-01", "from"),
        ("/api/v1/service-kpis/?from=2026-03-01&to=2026-02-01", "from"),
        ("/api/v1/service-kpis/?community=abc", "community"),
        ("/api/v1/tickets/?open=maybe", "open"),
        ("/api/v1/notices/?community=abc", "community"),
    ],
)
def test_an_unreadable_query_parameter_is_400_naming_it(world, url, param):
    client = _client(world.users["org_admin"])
    error = _error(client.get(url.format(community=world.community.pk)), 400)
    assert param in error["fields"], error


def test_a_datetime_filter_with_a_valid_offset_still_works(world):
    client = _client(world.users["org_admin"])
    response = client.get("/api/v1/bookings/?starts_at__gte=2026-01-01T00:00:00%2B08:00")
    assert response.status_code == 200, response.content


# --- 6. the schema documents errors and upload file types --------------------------------------


def test_the_schema_documents_error_answers_and_upload_types(world):
    client = _client(world.users["org_admin"])
    schema = client.get("/api/schema/?format=json").json()
    error = schema["components"]["schemas"]["Error"]
    assert set(error["properties"]["error"]["required"]) == {"code", "message", "fields"}
    ref = {"$ref": "#/components/schemas/Error"}
    create = schema["paths"]["/api/v1/buildings/"]["post"]["responses"]
    for code in ("400", "401", "403", "404", "409", "413", "429"):
        assert create[code]["content"]["application/json"]["schema"] == ref, code
    listing = schema["paths"]["/api/v1/buildings/"]["get"]["responses"]
    assert {"400", "401", "403", "404", "429"} <= set(listing)
    export = schema["paths"]["/api/v1/buildings/export/"]["get"]["responses"]["200"]
    assert list(export["content"]) == [
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    ]
    hazard = schema["paths"]["/api/v1/hazards/"]["post"]["requestBody"]["content"]
    assert "image/jpeg" in hazard["multipart/form-data"]["encoding"]["photos"]["contentType"]
    imports = schema["paths"]["/api/v1/imports/"]["post"]["requestBody"]["content"]
    assert "spreadsheetml" in imports["multipart/form-data"]["encoding"]["file"]["contentType"]


# --- found by the fuzz run (tests/test_api_fuzz.py) --------------------------------------------


@pytest.mark.parametrize("pk", [10**30, -5, 0])
def test_a_reference_id_no_row_can_have_is_404_naming_the_field(world, pk):
    client = _client(world.users["org_admin"])
    body = {"community": pk, "name": "9幢"}
    response = client.post("/api/v1/buildings/", json.dumps(body), content_type="application/json")
    assert list(_error(response, 404)["fields"]) == ["community"]


def test_a_notice_without_community_or_company_is_400(world):
    client = _client(world.users["org_admin"])
    body = {"title": "停水通知", "body": "明天停水"}
    response = client.post("/api/v1/notices/", json.dumps(body), content_type="application/json")
    assert "community" in _error(response, 400)["fields"]


# --- 5. text: control and bidi characters, length -----------------------------------------------


def test_bidi_and_control_characters_are_stripped_from_names_everywhere(world):
    from anju.core.models import Building, Person

    client = _client(world.users["org_admin"])
    name = "\u202e张\u2066三\u200f\x07\n"
    body = {"community": world.community.pk, "name": f"9{name}幢"}
    response = client.post("/api/v1/buildings/", json.dumps(body), content_type="application/json")
    assert response.status_code == 201, response.content
    assert Building.objects.get(pk=response.json()["id"]).name == "9张三 幢"
    body = {"organization": world.org.pk, "name": name, "phone": "13900009999"}
    response = client.post("/api/v1/people/", json.dumps(body), content_type="application/json")
    assert response.status_code == 201, response.content
    assert Person.objects.get(pk=response.json()["id"]).name == "张三"


def test_multi_line_text_keeps_its_line_breaks_and_loses_other_controls(world):
    from anju.core import text

    assert text.clean_text("第一行\r\n\u202e第二行\t完\x00") == "第一行\n第二行\t完"
    assert text.clean_line("一\n二\u2067") == "一 二"


@override_settings(ANJU_TEXT_MAX_CHARS=100)
def test_free_text_has_a_maximum_length(world):
    client = _client(world.users["org_admin"])
    body = {"community": world.community.pk, "title": "停水", "body": "很" * 101}
    response = client.post("/api/v1/notices/", json.dumps(body), content_type="application/json")
    assert "body" in _error(response, 400)["fields"]


def test_a_million_character_description_is_refused(world):
    client = _client(world.users["org_admin"])
    body = {"community": world.community.pk, "title": "停水", "body": "很" * 1_000_000}
    data = json.dumps(body, ensure_ascii=False)  # 3 MB: under the body limit
    response = client.post("/api/v1/notices/", data, content_type="application/json")
    assert "body" in _error(response, 400)["fields"]


def test_forms_strip_bidi_characters_too():
    from django import forms

    class NameForm(forms.Form):
        name = forms.CharField(max_length=50)
        notes = forms.CharField(widget=forms.Textarea, required=False)
        password = forms.CharField(strip=False)

    form = NameForm(data={"name": "\u202e李四", "notes": "a\nb\u202e", "password": "\u202ex"})
    assert form.is_valid(), form.errors
    assert form.cleaned_data == {"name": "李四", "notes": "a\nb", "password": "\u202ex"}


def test_a_value_the_database_cannot_store_is_400_not_500():
    from django.db import DataError

    from anju.core.api.errors import exception_handler

    response = exception_handler(DataError("value too long for type character varying(30)"), {})
    assert response.status_code == 400
    assert response.data["error"]["code"] == "invalid"
