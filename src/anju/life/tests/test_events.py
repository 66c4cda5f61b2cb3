"""Community events: household sign-ups with people, the waitlist moving up on cancellation
with a notice, fees billed and paid online, check-in by QR, photos and the feedback survey."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone

from anju.billing import selectors as billing_selectors
from anju.core.errors import DomainError, InvalidTransition
from anju.core.models import Notification
from anju.core.testing import PASSWORD, api_client
from anju.governance.models import IncomeEntry
from anju.green import selectors as green_selectors
from anju.green.models import PointsEntry, PointsRule
from anju.life import selectors, services
from anju.life.models import Signup

from .helpers import event

pytestmark = pytest.mark.django_db


def _second_household(world):
    """The neighbour's household (house 2) as a user."""
    return world.users["neighbour"], world.houses[1]


def test_full_event_waitlists_and_moves_up_on_cancellation_with_a_notice(world):
    e = event(world, capacity=3)
    first = services.sign_up(actor=world.users["resident"], event=e, house=world.house, people=3)
    neighbour, house2 = _second_household(world)
    second = services.sign_up(actor=neighbour, event=e, house=house2, people=2)
    assert (first.status, second.status) == ("confirmed", "waitlisted")
    assert selectors.seats(e) == (3, 2)
    services.cancel_signup(actor=world.users["resident"], signup=first)
    second.refresh_from_db()
    assert second.status == "confirmed" and second.promoted_at
    note = Notification.objects.get(user=neighbour, event="life.signup.promoted")
    assert e.title in note.body


def test_a_household_signs_up_once_within_its_limit(world):
    e = event(world, capacity=10)
    with pytest.raises(DomainError) as refused:
        services.sign_up(actor=world.users["resident"], event=e, house=world.house, people=5)
    assert "people" in refused.value.fields
    services.sign_up(actor=world.users["resident"], event=e, house=world.house, people=2)
    with pytest.raises(DomainError) as refused:
        services.sign_up(actor=world.users["tenant"], event=e, house=world.house, people=1)
    assert "house" in refused.value.fields


def test_sign_up_closes_at_the_deadline(world):
    e = event(world)
    with pytest.raises(DomainError) as refused:
        services.sign_up(
            actor=world.users["resident"],
            event=e,
            house=world.house,
            people=1,
            now=e.signup_until + timedelta(minutes=1),
        )
    assert "event" in refused.value.fields


def test_paid_event_bills_confirmed_places_only_and_cancelling_takes_it_back(world):
    e = event(world, capacity=2, fee=Decimal("15.00"))
    mine = services.sign_up(actor=world.users["resident"], event=e, house=world.house, people=2)
    assert billing_selectors.house_arrears(world.house) == Decimal("30.00")
    neighbour, house2 = _second_household(world)
    waiting = services.sign_up(actor=neighbour, event=e, house=house2, people=1)
    assert billing_selectors.house_arrears(house2) == Decimal("0.00")  # no place, no bill
    services.cancel_signup(actor=world.users["resident"], signup=mine)
    assert billing_selectors.house_arrears(world.house) == Decimal("0.00")
    assert billing_selectors.house_arrears(house2) == Decimal("15.00")  # moved up: billed
    waiting.refresh_from_db()
    assert waiting.status == "confirmed"
    assert not IncomeEntry.objects.exists()


def test_check_in_by_qr_code(world):
    e = event(
        world,
        days=0,
        starts_at=timezone.now() + timedelta(minutes=30),
        signup_until=timezone.now() + timedelta(minutes=10),
        ends_at=timezone.now() + timedelta(hours=2),
    )
    s = services.sign_up(actor=world.users["resident"], event=e, house=world.house, people=1)
    with pytest.raises(DomainError):
        services.check_in_by_code(actor=world.users["resident"], event=e, code="wrong")
    done = services.check_in_by_code(actor=world.users["resident"], event=e, code=e.checkin_code)
    assert done.pk == s.pk and done.status == "checked_in"
    # Attending earns the household the event points of the company's rule, once.
    entry = PointsEntry.objects.get(house=world.house)
    rule = green_selectors.points_rule_for(world.house.organization_id)
    assert (entry.points, entry.source) == (rule.event_points, f"life.signup:{s.pk}")
    assert e.title in entry.reason
    services.check_in_by_code(actor=world.users["resident"], event=e, code=e.checkin_code)
    assert PointsEntry.objects.filter(house=world.house).count() == 1
    client = Client()
    assert client.login(username="resident", password=PASSWORD)
    page = client.get(f"/app/life/events/{e.pk}/check-in/{e.checkin_code}/")
    assert page.status_code == 200


def test_feedback_survey_after_the_event_and_photos(world):
    e = event(world)
    s = services.sign_up(actor=world.users["resident"], event=e, house=world.house, people=1)
    with pytest.raises(DomainError):
        services.open_feedback(actor=world.users["manager"], event=e)
    after = e.ends_at + timedelta(hours=1)
    services.check_in(actor=world.users["agent"], signup=s, now=e.starts_at)
    e = services.open_feedback(actor=world.users["manager"], event=e, now=after)
    assert e.survey_id and e.survey.status == "open"
    assert Notification.objects.filter(event="life.event.feedback_asked").exists()


def test_cannot_cancel_after_the_start_409(world):
    e = event(world)
    s = services.sign_up(actor=world.users["resident"], event=e, house=world.house, people=1)
    with pytest.raises(InvalidTransition):
        services.cancel_signup(actor=world.users["resident"], signup=s, now=e.starts_at)


def test_api_contract(world):
    manager = api_client(world.users["manager"])
    start = timezone.now() + timedelta(days=2)
    made = manager.post(
        "/api/v1/events/",
        {
            "community": world.community.pk,
            "title": "邻里节",
            "starts_at": start.isoformat(),
            "ends_at": (start + timedelta(hours=3)).isoformat(),
            "place": "中心广场",
            "capacity": 1,
            "signup_until": (start - timedelta(hours=1)).isoformat(),
            "fee": "0.00",
        },
        format="json",
    )
    assert made.status_code == 201, made.content
    pk = made.json()["id"]
    resident = api_client(world.users["resident"])
    one = resident.post(
        f"/api/v1/events/{pk}/signups/", {"house": world.house.pk, "people": 1}, format="json"
    )
    assert one.status_code == 201 and one.json()["status"] == "confirmed", one.content
    neighbour = api_client(world.users["neighbour"])
    two = neighbour.post(
        f"/api/v1/events/{pk}/signups/", {"house": world.houses[1].pk, "people": 1}, format="json"
    )
    assert two.json()["status"] == "waitlisted"
    again = resident.post(
        f"/api/v1/events/{pk}/signups/", {"house": world.house.pk, "people": 1}, format="json"
    )
    assert again.status_code == 400 and "house" in again.json()["error"]["fields"]
    gone = resident.post(f"/api/v1/signups/{one.json()['id']}/cancel/")
    assert gone.json()["status"] == "cancelled"
    twice = resident.post(f"/api/v1/signups/{one.json()['id']}/cancel/")
    assert twice.status_code == 409
    assert Signup.objects.get(pk=two.json()["id"]).status == "confirmed"
    listed = resident.get("/api/v1/events/").json()["results"]
    assert listed[0]["confirmed_people"] == 1
    assert api_client(world.users["outsider"]).get(f"/api/v1/events/{pk}/").status_code == 404
    assert api_client(world.users["stranger"]).get(f"/api/v1/events/{pk}/").status_code == 404


def test_pages_render(world):
    e = event(world)
    client = Client()
    assert client.login(username="resident", password=PASSWORD)
    assert client.get("/app/life/events/").status_code == 200
    page = client.get(f"/app/life/events/{e.pk}/")
    assert page.status_code == 200 and "亲子手工课" in page.content.decode()
    signed = client.post(f"/app/life/events/{e.pk}/", {"people": "2"})
    assert signed.status_code == 302
    staff = Client()
    assert staff.login(username="manager", password=PASSWORD)
    assert staff.get("/console/life/events/").status_code == 200
    detail = staff.get(f"/console/life/events/{e.pk}/")
    assert detail.status_code == 200 and "<svg" in detail.content.decode()


def test_check_in_by_staff_earns_the_rules_event_points(world):
    from datetime import date

    PointsRule.objects.create(
        organization=world.org, effective_from=date(2020, 1, 1), valid_months=6, event_points=15
    )
    e = event(world)
    s = services.sign_up(actor=world.users["resident"], event=e, house=world.house, people=2)
    services.check_in(actor=world.users["agent"], signup=s, now=e.starts_at)
    entry = PointsEntry.objects.get(house=world.house)
    assert entry.points == 15 and entry.actor_id == world.users["agent"].pk
