"""The resident pages of self-service accounts and the console's review queue."""

import logging
import re

import pytest
from django.test import Client

from anju.accounts import services
from anju.accounts.models import HouseClaim
from anju.core.demo_photos import photo
from anju.core.models import Occupancy, User

pytestmark = pytest.mark.django_db
NEW = "13700007777"


def code_from(caplog, phone):
    found = [
        m.group(1)
        for r in caplog.records
        if r.name == "anju.sms"
        for m in [re.search(rf"sms {phone} .*?(\d{{6}})", r.getMessage())]
        if m
    ]
    return found[-1]


@pytest.mark.parametrize("url", ["/app/register/", "/app/login/code/", "/app/forgot-password/"])
def test_anonymous_pages_render(world, url):
    assert Client().get(url).status_code == 200


def test_register_claim_and_members_through_the_pages(world, caplog):
    caplog.set_level(logging.INFO, logger="anju.sms")
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    sent = client.post("/app/sms-code/", {"phone": NEW, "purpose": "register"})
    assert sent.status_code == 202
    assert client.post("/app/sms-code/", {"phone": NEW, "purpose": "register"}).status_code == 429
    wrong = client.post("/app/register/", {"phone": NEW, "code": "x", "name": "陈七"})
    assert wrong.status_code == 400 and "验证码" in wrong.content.decode()
    done = client.post(
        "/app/register/", {"phone": NEW, "code": code_from(caplog, NEW), "name": "陈七"}
    )
    assert done.status_code == 302 and done["Location"] == "/app/me/homes/"
    page = client.get(f"/app/me/homes/?community={world.community.pk}&building={world.building.pk}")
    assert page.status_code == 200 and "claim-form" in page.content.decode()
    client.post(
        "/app/me/homes/",
        {
            "action": "claim",
            "house": world.houses[3].pk,
            "relation": "owner",
            "evidence": photo("form"),
        },
    )
    claim = HouseClaim.objects.get(user__phone=NEW)
    assert claim.status == "pending" and claim.attachments.count() == 1
    agent = Client()
    agent.force_login(world.users["agent"])
    queue = agent.get("/console/claims/")
    assert (
        queue.status_code == 200
        and f"/files/{claim.attachments.get().pk}/thumbnail/" in queue.content.decode()
    )
    agent.post("/console/claims/", {"claim": claim.pk, "action": "reject", "reason": ""})
    assert HouseClaim.objects.get().status == "pending"
    agent.post("/console/claims/", {"claim": claim.pk, "action": "approve"})
    assert HouseClaim.objects.get().status == "approved"
    user = User.objects.get(phone=NEW)
    assert world.houses[3].pk in user.resident_house_ids()
    # now an owner: add and remove a member
    client.post(
        "/app/me/homes/",
        {
            "action": "add_member",
            "house": world.houses[3].pk,
            "phone": "13700008888",
            "name": "陈八",
            "relation": "family",
        },
    )
    member = Occupancy.objects.get(house=world.houses[3], person__phone="13700008888")
    assert "陈八" in client.get("/app/me/homes/").content.decode()
    client.post(
        "/app/me/homes/",
        {"action": "end_member", "house": world.houses[3].pk, "occupancy": member.pk},
    )
    # added today, removed today: they never lived there, so no row is left
    assert not Occupancy.objects.filter(pk=member.pk).exists()


def test_code_login_and_reset_pages(world, caplog):
    caplog.set_level(logging.INFO, logger="anju.sms")
    client = Client()
    client.post("/app/sms-code/", {"phone": "13900001111", "purpose": "login"})
    answer = client.post(
        "/app/login/code/", {"phone": "13900001111", "code": code_from(caplog, "13900001111")}
    )
    assert answer.status_code == 302
    assert client.get("/app/me/notifications/settings/").status_code == 200
    assert (
        client.post(
            "/app/me/notifications/settings/", {"quiet_start": "22:00", "quiet_end": "07:00"}
        ).status_code
        == 302
    )
    assert world.users["resident"].notification_preference.quiet_start.hour == 22
    services.purge_codes()


def test_a_pending_claim_shows_on_the_resident_home(world, client):
    from anju.accounts import services as account_services
    from anju.core.models import User

    user = User.objects.create_user(username="13700005555", phone="13700005555", first_name="赵")
    account_services.claim_house(actor=user, house=world.houses[3], relation="tenant")
    client.force_login(user)
    page = client.get("/app/").content.decode()
    assert "/app/me/homes/#my-claims" in page and str(world.houses[3]) in page
