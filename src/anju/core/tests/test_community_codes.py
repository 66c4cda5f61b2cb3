"""A community's short code keeps business numbers unique in a company (issue 18)."""

import importlib

import pytest
from django.apps import apps as django_apps
from django.urls import reverse

from anju.core.models import Community
from anju.core.numbering import next_number

pytestmark = pytest.mark.django_db


def test_every_community_has_a_code_unique_in_its_company(world):
    codes = list(Community.objects.filter(organization=world.org).values_list("code", flat=True))
    assert all(codes) and len(set(codes)) == len(codes)


def test_numbers_of_two_communities_differ_on_the_same_day(world):
    a = next_number("BX", world.community.pk)
    b = next_number("BX", world.community2.pk)
    assert a.endswith("-0001") and b.endswith("-0001")
    assert a != b
    assert a.startswith(f"BX-{world.community.code}-")


def test_the_migration_gives_each_existing_community_a_code(world):
    for community in Community.objects.filter(organization=world.org):
        Community.objects.filter(pk=community.pk).update(code=f"Z{community.pk}")  # as if none
    migration = importlib.import_module("anju.core.migrations.0013_community_codes")
    migration.give_codes(django_apps, None)
    codes = list(Community.objects.filter(organization=world.org).values_list("code", flat=True))
    assert sorted(codes) == [f"C{i}" for i in range(1, len(codes) + 1)]


@pytest.mark.parametrize(
    "code, ok", [("a1", True), ("XHY", True), ("A", False), ("ABCDEFG", False), ("A-1", False)]
)
def test_the_community_form_takes_letters_and_digits_2_to_6(world, client, code, ok):
    client.force_login(world.users["org_admin"])
    community = world.community
    data = {
        "organization": community.organization_id,
        "name": community.name,
        "address": community.address,
        "jurisdiction": community.jurisdiction,
        "service_level": community.service_level,
        "service_phone": community.service_phone,
        "developer": community.developer,
        "code": code,
    }
    response = client.post(reverse("console:community-edit", args=[community.pk]), data)
    community.refresh_from_db()
    if ok:
        assert response.status_code == 302, response.content.decode()[:2000]
        assert community.code == code.upper()
    else:
        assert response.status_code == 200 and community.code != code.upper()


def test_a_code_taken_in_the_company_is_refused_on_the_form(world, client):
    client.force_login(world.users["org_admin"])
    community = world.community
    data = {
        "organization": community.organization_id,
        "name": community.name,
        "jurisdiction": community.jurisdiction,
        "service_level": community.service_level,
        "code": world.community2.code,
    }
    response = client.post(reverse("console:community-edit", args=[community.pk]), data)
    assert response.status_code in (200, 400)
    community.refresh_from_db()
    assert community.code != world.community2.code
