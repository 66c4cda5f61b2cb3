"""Duty roster (值班表) and skills (技能): services, API scoping and roles, dispatch by roster."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

from anju.core.errors import DomainError
from anju.core.models import AuditEntry
from anju.core.testing import make_user
from anju.servicedesk import selectors, services
from anju.servicedesk.models import DutyShift, StaffSkill

pytestmark = pytest.mark.django_db
SH = ZoneInfo("Asia/Shanghai")
T0 = datetime(2026, 11, 26, 9, 0, tzinfo=SH)  # a Thursday
MONDAY = date(2026, 11, 23)


def at(day, hour, minute=0):
    return datetime(day.year, day.month, day.day, tzinfo=SH) + timedelta(hours=hour, minutes=minute)


def post(client, url, data):
    return client.post(url, data, format="json")


def patch(client, url, data):
    return client.patch(url, data, format="json")


def shift(world, user="technician", role="technician", day=date(2026, 11, 26), start=8, end=17):
    return services.add_duty_shift(
        actor=world.users["manager"],
        community=world.community,
        user=world.users[user],
        role=role,
        starts_at=at(day, start),
        ends_at=at(day, end),
    )


# Services ------------------------------------------------------------------------------------


def test_add_shift_checks_times_person_duty_and_overlap(world):
    s = shift(world)
    assert AuditEntry.objects.filter(action="servicedesk.duty.added").count() == 1

    def refused(field, **kwargs):
        values = {
            "actor": world.users["manager"],
            "community": world.community,
            "user": world.users["technician"],
            "role": "technician",
            "starts_at": at(date(2026, 11, 27), 8),
            "ends_at": at(date(2026, 11, 27), 17),
        }
        values.update(kwargs)
        with pytest.raises(DomainError) as err:
            services.add_duty_shift(**values)
        assert field in err.value.fields, err.value.fields

    refused("ends_at", ends_at=at(date(2026, 11, 27), 7))
    refused("ends_at", ends_at=at(date(2026, 11, 29), 8))  # more than 24 hours
    refused("role", role="chef")
    refused("user", user=world.users["manager2"])  # works in the other community
    refused("user", user=world.users["cashier"])  # not a service role
    refused("role", user=world.users["technician"], role="manager")
    refused("role", user=world.users["guard"], role="technician")
    refused("starts_at", starts_at=s.starts_at + timedelta(hours=2), ends_at=s.ends_at)
    assert DutyShift.objects.count() == 1
    # touching is not overlapping; the other community has its own roster
    shift(world, start=17, end=22)
    other = make_user("tech_both", org=world.org, role="technician")
    services.add_duty_shift(
        actor=world.users["org_admin"],
        community=world.community2,
        user=other,
        role="technician",
        starts_at=s.starts_at,
        ends_at=s.ends_at,
    )
    assert DutyShift.objects.count() == 3


def test_change_and_remove_shift(world):
    s = shift(world)
    later = shift(world, start=18, end=22)
    with pytest.raises(DomainError) as err:
        services.change_duty_shift(actor=world.users["manager"], shift=s, ends_at=later.ends_at)
    assert "starts_at" in err.value.fields
    s = services.change_duty_shift(
        actor=world.users["manager"], shift=s, starts_at=s.starts_at + timedelta(hours=1)
    )
    assert s.starts_at == at(date(2026, 11, 26), 9)
    services.remove_duty_shift(actor=world.users["manager"], shift=later)
    assert list(DutyShift.objects.all()) == [s]
    assert AuditEntry.objects.filter(action="servicedesk.duty.removed").count() == 1


def test_copy_week(world):
    shift(world, day=MONDAY)
    shift(world, day=MONDAY + timedelta(days=2), start=20, end=23)
    shift(world, user="agent", role="agent", day=MONDAY + timedelta(days=6), start=16, end=24)
    next_monday = MONDAY + timedelta(days=7)
    shift(world, day=next_monday)  # already planned: skipped, not doubled
    n = services.copy_duty_week(
        actor=world.users["manager"], community=world.community, from_day=MONDAY, to_day=next_monday
    )
    assert n == 2
    copied = DutyShift.objects.filter(starts_at__gte=at(next_monday, 0)).order_by("starts_at")
    assert [(timezone_local(c.starts_at), timezone_local(c.ends_at)) for c in copied] == [
        ("11-30 08:00", "11-30 17:00"),
        ("12-02 20:00", "12-02 23:00"),
        ("12-06 16:00", "12-07 00:00"),
    ]


def timezone_local(value):
    return value.astimezone(SH).strftime("%m-%d %H:%M")


def test_set_skills_and_scope_by_community(world):
    tech = world.users["technician"]
    tech2 = make_user("tech_b2", org=world.org, role="technician", communities=[world.community2])
    services.set_skills(
        actor=world.users["manager"], organization=world.org, user=tech, skills=["gas", "plumbing"]
    )
    services.set_skills(
        actor=world.users["manager2"], organization=world.org, user=tech2, skills=["elevator"]
    )
    assert set(StaffSkill.objects.filter(user=tech).values_list("skill", flat=True)) == {
        "gas",
        "plumbing",
    }
    services.set_skills(
        actor=world.users["manager"], organization=world.org, user=tech, skills=["plumbing"]
    )
    assert list(StaffSkill.objects.filter(user=tech).values_list("skill", flat=True)) == [
        "plumbing"
    ]
    with pytest.raises(DomainError):
        services.set_skills(
            actor=world.users["manager"], organization=world.org, user=tech, skills=["cooking"]
        )
    with pytest.raises(DomainError):
        services.set_skills(
            actor=world.users["manager"],
            organization=world.other_org,
            user=tech,
            skills=["plumbing"],
        )

    def visible(user):
        return set(
            StaffSkill.objects.visible_to(world.users[user], "servicedesk.ticket.dispatch")
            .values_list("user__username", flat=True)
            .distinct()
        )

    assert visible("manager") == {"technician"}
    assert visible("manager2") == {"tech_b2"}
    assert visible("org_admin") == {"technician", "tech_b2"}
    assert visible("outsider") == set()
    assert visible("technician") == set()
    assert set(
        selectors.staff_in_scope(world.users["manager2"], "servicedesk.roster.manage").values_list(
            "username", flat=True
        )
    ) == {"manager2", "tech_b2"}


def test_dispatch_follows_the_roster(world):
    other = make_user("tech_b", org=world.org, role="technician", communities=[world.community])
    with time_machine.travel(T0, tick=False):
        shift(world, user="technician", start=8, end=12)
        services.add_duty_shift(
            actor=world.users["manager"],
            community=world.community,
            user=other,
            role="technician",
            starts_at=at(date(2026, 11, 26), 12),
            ends_at=at(date(2026, 11, 26), 20),
        )
        ticket = services.create_ticket(
            actor=world.users["agent"],
            community=world.community,
            kind="repair",
            category="water",
            description="x",
            channel="phone",
        )
        assert services.dispatch_candidates(ticket)[0] == world.users["technician"]
    with time_machine.travel(T0 + timedelta(hours=4), tick=False):
        assert services.dispatch_candidates(ticket) == [other]
        on_duty = selectors.on_duty_now([world.community.pk])[world.community.pk]
        assert [s.user for s in on_duty] == [other]


# API -----------------------------------------------------------------------------------------


def shift_data(world, **extra):
    data = {
        "community": world.community.pk,
        "user": world.users["technician"].pk,
        "role": "technician",
        "starts_at": "2026-11-27T08:00:00+08:00",
        "ends_at": "2026-11-27T17:00:00+08:00",
    }
    data.update(extra)
    return data


@time_machine.travel(T0, tick=False)
def test_duty_shift_api_crud(world, api):
    manager = api(world.users["manager"])
    r = post(manager, "/api/v1/duty-shifts/", shift_data(world))
    assert r.status_code == 201, r.content
    body = r.json()
    assert body["user_name"] == "technician" and body["role_display"] and not body["on_duty_now"]
    url = f"/api/v1/duty-shifts/{body['id']}/"
    r = post(
        manager, "/api/v1/duty-shifts/", shift_data(world, ends_at="2026-11-27T07:00:00+08:00")
    )
    assert r.status_code == 400 and "ends_at" in r.json()["error"]["fields"]
    r = post(manager, "/api/v1/duty-shifts/", shift_data(world))
    assert r.status_code == 400 and "starts_at" in r.json()["error"]["fields"]  # overlap
    r = patch(manager, url, {"ends_at": "2026-11-27T18:00:00+08:00"})
    assert r.status_code == 200 and r.json()["ends_at"].startswith("2026-11-27T18:00")
    r = patch(manager, url, {"community": world.community2.pk})
    assert r.status_code in (400, 404)
    agent = api(world.users["agent"])
    listed = agent.get("/api/v1/duty-shifts/?from=2026-11-27&to=2026-11-27").json()
    assert [s["id"] for s in listed["results"]] == [body["id"]]
    assert agent.get("/api/v1/duty-shifts/?from=2026-11-28").json()["count"] == 0
    assert agent.get("/api/v1/duty-shifts/?from=bad").status_code == 400
    with time_machine.travel(datetime(2026, 11, 27, 10, 0, tzinfo=SH), tick=False):
        now = agent.get("/api/v1/duty-shifts/?now=1").json()["results"]
        assert [s["on_duty_now"] for s in now] == [True]
    assert manager.delete(url).status_code == 204
    assert not DutyShift.objects.exists()


@pytest.mark.parametrize(
    "user,method,status",
    [
        ("manager2", "get", 404),
        ("manager2", "patch", 404),
        ("manager2", "delete", 404),
        ("outsider", "get", 404),
        ("outsider", "delete", 404),
        ("agent", "patch", 403),
        ("agent", "delete", 403),
        ("technician", "get", 403),
        ("cashier", "get", 403),
        ("resident", "get", 403),
    ],
)
def test_duty_shift_api_scoping_and_roles(world, api, user, method, status):
    s = shift(world)
    url = f"/api/v1/duty-shifts/{s.pk}/"
    client = api(world.users[user])
    if method == "get":
        r = client.get(url)
    elif method == "patch":
        r = patch(client, url, {"ends_at": "2026-11-26T18:00:00+08:00"})
    else:
        r = client.delete(url)
    assert r.status_code == status, r.content
    s.refresh_from_db()
    assert s.ends_at == at(date(2026, 11, 26), 17)


def test_duty_shift_api_create_scoping(world, api):
    # another community's manager: the community (and the person) are not found
    r = post(api(world.users["manager2"]), "/api/v1/duty-shifts/", shift_data(world))
    assert r.status_code == 404
    r = post(
        api(world.users["manager2"]),
        "/api/v1/duty-shifts/",
        shift_data(world, community=world.community2.pk),
    )
    assert r.status_code == 404 and "user" in r.json()["error"]["fields"]
    assert (
        post(api(world.users["agent"]), "/api/v1/duty-shifts/", shift_data(world)).status_code
        == 403
    )
    assert (
        post(api(world.users["technician"]), "/api/v1/duty-shifts/", shift_data(world)).status_code
        == 403
    )
    assert (
        post(api(world.users["outsider"]), "/api/v1/duty-shifts/", shift_data(world)).status_code
        == 404
    )
    assert not DutyShift.objects.exists()
    # lists are scoped too
    shift(world)
    assert api(world.users["manager2"]).get("/api/v1/duty-shifts/").json()["count"] == 0
    assert api(world.users["agent"]).get("/api/v1/duty-shifts/").json()["count"] == 1


def test_duty_shift_list_query_count(world, api, django_assert_max_num_queries):
    for i in range(10):
        shift(world, day=MONDAY + timedelta(days=i))
    agent = api(world.users["agent"])
    with django_assert_max_num_queries(8):
        r = agent.get(f"/api/v1/duty-shifts/?community={world.community.pk}")
    assert r.json()["count"] == 10


def test_staff_skill_api_crud(world, api):
    manager = api(world.users["manager"])
    tech = world.users["technician"]
    r = post(manager, "/api/v1/staff-skills/", {"user": tech.pk, "skill": "plumbing"})
    assert r.status_code == 201, r.content
    assert r.json()["organization"] == world.org.pk and r.json()["skill_display"]
    url = f"/api/v1/staff-skills/{r.json()['id']}/"
    r = post(manager, "/api/v1/staff-skills/", {"user": tech.pk, "skill": "plumbing"})
    assert r.status_code == 400 and "skill" in r.json()["error"]["fields"]
    r = post(manager, "/api/v1/staff-skills/", {"user": tech.pk, "skill": "cooking"})
    assert r.status_code == 400 and "skill" in r.json()["error"]["fields"]
    r = patch(manager, url, {"skill": "gas"})
    assert r.status_code == 200 and r.json()["skill"] == "gas"
    listed = api(world.users["agent"]).get(f"/api/v1/staff-skills/?user={tech.pk}").json()
    assert [s["skill"] for s in listed["results"]] == ["gas"]
    assert (
        api(world.users["agent"])
        .get(f"/api/v1/staff-skills/?community={world.community2.pk}")
        .json()["count"]
        == 0
    )
    assert manager.delete(url).status_code == 204
    assert not StaffSkill.objects.exists()


@pytest.mark.parametrize(
    "user,method,status",
    [
        ("manager2", "get", 404),
        ("manager2", "patch", 404),
        ("manager2", "delete", 404),
        ("outsider", "get", 404),
        ("agent", "patch", 403),
        ("agent", "delete", 403),
        ("technician", "get", 403),
        ("cashier", "get", 403),
    ],
)
def test_staff_skill_api_scoping_and_roles(world, api, user, method, status):
    row = services.add_staff_skill(
        actor=world.users["manager"],
        organization=world.org,
        user=world.users["technician"],
        skill="plumbing",
    )
    url = f"/api/v1/staff-skills/{row.pk}/"
    client = api(world.users[user])
    if method == "get":
        r = client.get(url)
    elif method == "patch":
        r = patch(client, url, {"skill": "gas"})
    else:
        r = client.delete(url)
    assert r.status_code == status, r.content
    row.refresh_from_db()
    assert row.skill == "plumbing"


def test_staff_skill_api_create_scoping(world, api):
    tech = world.users["technician"]
    data = {"user": tech.pk, "skill": "plumbing"}
    assert post(api(world.users["manager2"]), "/api/v1/staff-skills/", data).status_code == 404
    assert post(api(world.users["outsider"]), "/api/v1/staff-skills/", data).status_code == 404
    assert post(api(world.users["agent"]), "/api/v1/staff-skills/", data).status_code == 403
    assert post(api(world.users["technician"]), "/api/v1/staff-skills/", data).status_code == 403
    assert not StaffSkill.objects.exists()
    assert api(world.users["manager2"]).get("/api/v1/staff-skills/").json()["count"] == 0
