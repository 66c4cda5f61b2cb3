"""Self-service accounts through the API: SMS codes and their limits, registration, login and
password reset by code, home claims and household members."""

import logging
import re
from datetime import date, timedelta

import pytest
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from anju.accounts import services
from anju.accounts.models import HouseClaim, SmsCode
from anju.core.demo_photos import photo
from anju.core.messaging import Notification
from anju.core.models import Login, Occupancy, Person, User
from anju.core.testing import api_client

pytestmark = pytest.mark.django_db
NEW = "13700007777"


def ask(phone, purpose, client=None):
    return (client or APIClient()).post(
        "/api/v1/auth/sms-code/", {"phone": phone, "purpose": purpose}, format="json"
    )


def sent_code(caplog, phone):
    found = [
        m.group(1)
        for r in caplog.records
        if r.name == "anju.sms"
        for m in [re.search(rf"sms {phone} .*?(\d{{6}})", r.getMessage())]
        if m
    ]
    return found[-1] if found else None


def age_codes(phone, seconds=61):
    SmsCode.objects.filter(phone=phone).update(
        created_at=timezone.now() - timedelta(seconds=seconds)
    )


def register(caplog, phone=NEW, name="陈七", password=None):
    caplog.set_level(logging.INFO, logger="anju.sms")
    assert ask(phone, "register").status_code == 202
    code = sent_code(caplog, phone)
    body = {"phone": phone, "code": code, "name": name}
    if password:
        body["password"] = password
    return APIClient().post("/api/v1/auth/register/", body, format="json")


def test_codes_are_six_digits_stored_hashed(world, caplog):
    caplog.set_level(logging.INFO, logger="anju.sms")
    assert ask(NEW, "register").status_code == 202
    code = sent_code(caplog, NEW)
    assert re.fullmatch(r"\d{6}", code)
    row = SmsCode.objects.get(phone=NEW)
    assert code not in row.digest and row.sent
    assert row.expires_at - row.created_at == timedelta(minutes=5)


def test_unknown_phone_on_login_and_registered_on_register_send_nothing(world, caplog):
    caplog.set_level(logging.INFO, logger="anju.sms")
    assert ask(NEW, "login").status_code == 202
    assert ask("13900001111", "register").status_code == 202
    assert ask("13900002222", "reset").status_code == 202
    assert sent_code(caplog, NEW) is None and sent_code(caplog, "13900001111") is None
    assert sent_code(caplog, "13900002222") is not None


def test_limits_per_minute_per_day_and_per_address(world, settings):
    assert ask(NEW, "register").status_code == 202
    again = ask(NEW, "register")
    assert again.status_code == 429
    assert (
        again.json()["error"]["code"] == "throttled" and "phone" in again.json()["error"]["fields"]
    )
    for _ in range(9):
        age_codes(NEW)
        assert ask(NEW, "register").status_code == 202
    age_codes(NEW)
    assert ask(NEW, "register").status_code == 429  # ten a day
    settings.ANJU_ACCOUNTS_CODES_PER_ADDRESS_HOUR = 2
    SmsCode.objects.all().delete()
    assert ask("13700000001", "register").status_code == 202
    assert ask("13700000002", "register").status_code == 202
    assert ask("13700000003", "register").status_code == 429


def test_register_makes_a_login_and_a_token(world, caplog):
    answer = register(caplog, password="a-long-pass-2026")
    assert answer.status_code == 201, answer.content
    user = User.objects.get(phone=NEW)
    assert (
        user.first_name == "陈七"
        and user.person is None
        and user.check_password("a-long-pass-2026")
    )
    me = APIClient(HTTP_AUTHORIZATION=f"Token {answer.json()['token']}").get("/api/v1/me/")
    assert me.status_code == 200


def test_register_links_the_person_on_record(world, caplog):
    person = Person.objects.create(organization=world.org, name="陈七", phone=NEW)
    assert register(caplog).status_code == 201
    assert User.objects.get(phone=NEW).person == person


def test_a_code_is_single_use_and_dies_after_five_wrong_tries(world, caplog):
    caplog.set_level(logging.INFO, logger="anju.sms")
    ask(NEW, "register")
    code = sent_code(caplog, NEW)
    body = {"phone": NEW, "code": "000000" if code != "000000" else "111111", "name": "陈七"}
    for _ in range(5):
        wrong = APIClient().post("/api/v1/auth/register/", body, format="json")
        assert wrong.status_code == 400 and "code" in wrong.json()["error"]["fields"]
    body["code"] = code
    dead = APIClient().post("/api/v1/auth/register/", body, format="json")
    assert dead.status_code == 400 and "code" in dead.json()["error"]["fields"]
    age_codes(NEW)
    ask(NEW, "register")
    body["code"] = sent_code(caplog, NEW)
    assert APIClient().post("/api/v1/auth/register/", body, format="json").status_code == 201
    body["phone"], body["name"] = NEW, "again"
    assert APIClient().post("/api/v1/auth/register/", body, format="json").status_code == 400


def test_an_expired_code_is_refused(world, caplog):
    caplog.set_level(logging.INFO, logger="anju.sms")
    ask(NEW, "register")
    SmsCode.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    body = {"phone": NEW, "code": sent_code(caplog, NEW), "name": "陈七"}
    answer = APIClient().post("/api/v1/auth/register/", body, format="json")
    assert answer.status_code == 400 and "code" in answer.json()["error"]["fields"]


def test_token_by_phone_and_code(world, caplog):
    caplog.set_level(logging.INFO, logger="anju.sms")
    ask("13900001111", "login")
    code = sent_code(caplog, "13900001111")
    answer = APIClient().post(
        "/api/v1/auth/token/", {"phone": "13900001111", "code": code}, format="json"
    )
    assert answer.status_code == 200 and answer.json()["token"]
    again = APIClient().post(
        "/api/v1/auth/token/", {"phone": "13900001111", "code": code}, format="json"
    )
    assert again.status_code == 400
    password = APIClient().post(
        "/api/v1/auth/token/", {"username": "resident", "password": "anju-test-pass-2026"}
    )
    assert password.status_code == 200


def test_reset_password_ends_every_login(world, caplog):
    caplog.set_level(logging.INFO, logger="anju.sms")
    user = world.users["resident"]
    from anju.core.logins import issue_token

    issue_token(user)
    ask("13900001111", "reset")
    body = {"phone": "13900001111", "code": sent_code(caplog, "13900001111"), "new_password": "1"}
    weak = APIClient().post("/api/v1/auth/reset-password/", body, format="json")
    assert weak.status_code == 400 and "new_password" in weak.json()["error"]["fields"]
    body["new_password"] = "a-new-long-pass-2026"
    assert APIClient().post("/api/v1/auth/reset-password/", body, format="json").status_code == 204
    user.refresh_from_db()
    assert user.check_password("a-new-long-pass-2026")
    assert not Login.objects.filter(user=user).exists()


def test_errors_are_in_the_users_language(world):
    answer = APIClient().post(
        "/api/v1/auth/sms-code/",
        {"phone": "12", "purpose": "register"},
        format="json",
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )
    assert answer.status_code == 400 and "phone" in answer.json()["error"]["fields"]
    assert "手机" in answer.json()["error"]["message"]


# --- home claims ---------------------------------------------------------------------------


def owner_on_record(world, phone=NEW, house=None):
    house = house or world.houses[2]
    person = Person.objects.create(organization=world.org, name="陈七", phone=phone)
    Occupancy.objects.create(
        organization=world.org,
        community=world.community,
        house=house,
        person=person,
        relation="owner",
        since=date(2021, 1, 1),
    )
    return person


def new_user(phone=NEW, name="陈七"):
    return User.objects.create_user(username=phone, phone=phone, first_name=name)


def test_a_claim_by_the_owners_phone_is_approved_at_once(world):
    person = owner_on_record(world)
    user = new_user()
    answer = api_client(user).post(
        "/api/v1/house-claims/", {"house": world.houses[2].pk, "relation": "owner"}, format="json"
    )
    assert answer.status_code == 201, answer.content
    assert answer.json()["status"] == "approved"
    user.refresh_from_db()
    assert user.person == person and world.houses[2].pk in user.resident_house_ids()
    assert Notification.objects.filter(user=user).exists()


def test_other_claims_wait_for_staff_in_their_community(world):
    user = new_user()
    answer = api_client(user).post(
        "/api/v1/house-claims/",
        {"house": world.houses[3].pk, "relation": "tenant", "evidence": photo("form")},
        format="multipart",
    )
    assert answer.status_code == 201, answer.content
    claim = answer.json()
    assert claim["status"] == "pending" and len(claim["attachments"]) == 1
    again = api_client(user).post(
        "/api/v1/house-claims/", {"house": world.houses[3].pk, "relation": "tenant"}, format="json"
    )
    assert again.status_code == 400 and "house" in again.json()["error"]["fields"]
    # the queue: the community's staff see it, others do not
    agent = api_client(world.users["agent"])
    assert [c["id"] for c in agent.get("/api/v1/house-claims/").json()["results"]] == [claim["id"]]
    assert (
        api_client(world.users["manager2"]).get(f"/api/v1/house-claims/{claim['id']}/").status_code
        == 404
    )
    assert (
        api_client(world.users["outsider"])
        .post(f"/api/v1/house-claims/{claim['id']}/approve/")
        .status_code
        == 404
    )
    assert api_client(world.users["resident"]).post(
        f"/api/v1/house-claims/{claim['id']}/approve/"
    ).status_code in (403, 404)
    no_reason = agent.post(f"/api/v1/house-claims/{claim['id']}/reject/", {}, format="json")
    assert no_reason.status_code == 400 and "reason" in no_reason.json()["error"]["fields"]
    approved = agent.post(f"/api/v1/house-claims/{claim['id']}/approve/")
    assert approved.status_code == 200 and approved.json()["status"] == "approved"
    user.refresh_from_db()
    occupancy = Occupancy.objects.get(house=world.houses[3], person=user.person)
    assert occupancy.relation == "tenant"
    twice = agent.post(f"/api/v1/house-claims/{claim['id']}/reject/", {"reason": "x"})
    assert twice.status_code == 409 and twice.json()["error"]["allowed"] == []
    assert Notification.objects.filter(user=user).count() == 2


def test_a_rejected_claim_tells_the_reason(world):
    user = new_user()
    claim = services.claim_house(actor=user, house=world.houses[3], relation="owner")
    services.reject_claim(actor=world.users["agent"], claim=claim, reason="请上传房产证")
    mine = api_client(user).get("/api/v1/house-claims/").json()["results"]
    assert mine[0]["status"] == "rejected" and mine[0]["reason"] == "请上传房产证"
    assert HouseClaim.objects.get().decided_by == world.users["agent"]


def test_claiming_an_unknown_house_names_the_field(world):
    answer = api_client(new_user()).post(
        "/api/v1/house-claims/", {"house": 999999, "relation": "owner"}, format="json"
    )
    assert answer.status_code == 404 and "house" in answer.json()["error"]["fields"]


# --- members -------------------------------------------------------------------------------


def test_an_owner_adds_lists_and_ends_members(world, caplog, django_capture_on_commit_callbacks):
    caplog.set_level(logging.INFO, logger="anju.sms")
    owner = api_client(world.users["resident"])
    url = f"/api/v1/me/houses/{world.house.pk}/members/"
    with django_capture_on_commit_callbacks(execute=True):
        added = owner.post(url, {"phone": NEW, "name": "陈七", "relation": "family"}, format="json")
    assert added.status_code == 201, added.content
    assert any(NEW in r.getMessage() and "/app/register/" in r.getMessage() for r in caplog.records)
    rows = owner.get(url).json()
    assert {r["person_name"] for r in rows} >= {"陈七", "李四"}
    member = added.json()["id"]
    assert owner.delete(f"{url}{member}/").status_code == 204
    assert not Occupancy.objects.filter(pk=member).exists()  # added today: never lived there
    since = (timezone.localdate() - timedelta(days=30)).isoformat()
    tenant = owner.post(
        url, {"phone": NEW, "name": "陈七", "relation": "tenant", "since": since}, format="json"
    ).json()["id"]
    assert owner.delete(f"{url}{tenant}/").status_code == 204
    ended = Occupancy.objects.get(pk=tenant)  # history kept, access ends now
    assert ended.until == timezone.localdate() - timedelta(days=1)
    assert ended.pk not in Occupancy.objects.active().values_list("pk", flat=True)
    again = owner.delete(f"{url}{tenant}/")
    assert again.status_code == 409 and again.json()["error"]["allowed"] == []
    # not an owner of that house: 404, whoever asks
    assert api_client(world.users["tenant"]).get(url).status_code == 404
    assert (
        api_client(world.users["neighbour"])
        .post(url, {"phone": NEW, "name": "x", "relation": "family"}, format="json")
        .status_code
        == 404
    )
    owners = Occupancy.objects.get(house=world.house, relation="owner").pk
    assert owner.delete(f"{url}{owners}/").status_code == 404


def test_the_evidence_is_read_by_the_claimant_and_the_reviewers_only(world):
    user = new_user()
    answer = api_client(user).post(
        "/api/v1/house-claims/",
        {"house": world.houses[3].pk, "relation": "tenant", "evidence": photo("form")},
        format="multipart",
    )
    url = answer.json()["attachments"][0]["url"]

    def fetch(who):
        browser = Client()
        browser.force_login(who)
        return browser.get(url).status_code

    assert fetch(user) == 200
    assert fetch(world.users["agent"]) == 200
    for other in ("manager2", "outsider", "resident"):
        assert fetch(world.users[other]) == 404, other


def test_register_does_not_tell_who_is_registered(world, caplog):
    """A registered phone asking for a register code is answered like any other, its owner is
    told by SMS that the account exists, and a made-up code is refused as wrong, not as
    "already registered"."""
    caplog.set_level(logging.INFO, logger="anju.sms")
    registered = world.users["resident"]
    registered.phone = "13900001111"
    registered.save(update_fields=["phone"])
    assert ask("13900001111", "register").status_code == 202
    assert sent_code(caplog, "13900001111") is None  # no code: nothing to register with
    assert any(
        "13900001111" in r.getMessage() for r in caplog.records if r.name == "anju.sms"
    )  # the owner hears that the account exists
    body = {"phone": "13900001111", "code": "123456", "name": "某人"}
    refused = APIClient().post("/api/v1/auth/register/", body, format="json")
    fresh = APIClient().post(
        "/api/v1/auth/register/", {**body, "phone": "13700006666"}, format="json"
    )
    assert refused.status_code == fresh.status_code == 400
    assert refused.json()["error"]["fields"].keys() == fresh.json()["error"]["fields"].keys()
    assert "code" in refused.json()["error"]["fields"]
