"""Console pages 排班 (duty roster) and 技能 (skills): who sees, who changes, in which community."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

from anju.core.testing import make_user
from anju.servicedesk import services
from anju.servicedesk.models import DutyShift, StaffSkill

pytestmark = pytest.mark.django_db
SH = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 26, 10, 0, tzinfo=SH)  # Thursday
MONDAY = date(2026, 11, 23)
URL = "/console/service/roster/"
SKILLS = "/console/service/skills/"


def at(day, hour, minute=0):
    return datetime(day.year, day.month, day.day, tzinfo=SH) + timedelta(hours=hour, minutes=minute)


@pytest.fixture
def roster(world):
    day = date(2026, 11, 26)
    return [
        services.add_duty_shift(
            actor=world.users["manager"],
            community=world.community,
            user=world.users["technician"],
            role="technician",
            starts_at=at(day, 8),
            ends_at=at(day, 17),
        ),
        services.add_duty_shift(
            actor=world.users["manager"],
            community=world.community,
            user=world.users["agent"],
            role="agent",
            starts_at=at(day, 16),
            ends_at=at(day, 24),
        ),
    ]


def login(client, user):
    client.force_login(user)
    return client


@time_machine.travel(NOW, tick=False)
def test_roster_page_shows_week_and_who_is_on_duty_now(world, client, roster):
    page = login(client, world.users["manager"]).get(URL).content.decode()
    assert "甲一小区" in page and "甲二小区" not in page  # the manager's own community
    assert "08:00–17:00" in page and "16:00–24:00" in page
    assert 'class="shift technician now"' in page  # the technician's shift runs now
    assert 'class="shift agent"' in page  # the agent's starts at 16:00
    assert 'id="add-shift"' in page and 'name="action" value="delete"' in page
    # the nav marks the roster, not the workbench it sits under
    assert page.count('aria-current="page"') == 1
    assert f'href="{URL}" class="active"' in page
    other_week = client.get(f"{URL}?week=2026-11-30").content.decode()
    assert "08:00–17:00" not in other_week and "2026-11-30" in other_week


@time_machine.travel(NOW, tick=False)
def test_manager_adds_removes_and_copies_shifts(world, client, roster):
    c = login(client, world.users["manager"])
    response = c.post(
        URL,
        {
            "action": "add",
            "community": world.community.pk,
            "user": world.users["technician"].pk,
            "role": "technician",
            "day": "2026-11-27",
            "start": "20:00",
            "end": "08:00",
        },
    )
    assert response.status_code == 302 and "week=2026-11-23" in response["Location"]
    night = DutyShift.objects.get(starts_at=at(date(2026, 11, 27), 20))
    assert night.ends_at == at(date(2026, 11, 28), 8)  # end before start: the next morning
    # a clash keeps what was typed and says why, in Chinese
    response = c.post(
        URL,
        {
            "action": "add",
            "community": world.community.pk,
            "user": world.users["technician"].pk,
            "role": "technician",
            "day": "2026-11-27",
            "start": "22:00",
            "end": "23:00",
        },
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "时间重叠" in page and 'value="22:00"' in page
    assert DutyShift.objects.count() == 3
    response = c.post(URL, {"action": "delete", "shift": night.pk, "week": "2026-11-23"})
    assert response.status_code == 302 and not DutyShift.objects.filter(pk=night.pk).exists()
    response = c.post(
        URL, {"action": "copy", "community": world.community.pk, "week": "2026-11-30"}
    )
    assert response.status_code == 302
    assert DutyShift.objects.filter(starts_at__gte=at(date(2026, 11, 30), 0)).count() == 2


@time_machine.travel(NOW, tick=False)
def test_roster_page_scoping_and_roles(world, client, roster):
    # the agent sees the roster but cannot change it
    page = login(client, world.users["agent"]).get(URL).content.decode()
    assert "08:00–17:00" in page and 'id="add-shift"' not in page
    assert 'value="delete"' not in page
    assert client.post(URL, {"action": "delete", "shift": roster[0].pk}).status_code == 403
    # a technician or a cashier does not see it at all
    assert login(client, world.users["technician"]).get(URL).status_code == 403
    assert login(client, world.users["cashier"]).get(URL).status_code == 403
    # another community's manager: not on the page, 404 on change
    c = login(client, world.users["manager2"])
    page = c.get(URL).content.decode()
    assert "甲一小区" not in page and "08:00–17:00" not in page
    assert c.post(URL, {"action": "delete", "shift": roster[0].pk}).status_code == 404
    assert (
        c.post(URL, {"action": "copy", "community": world.community.pk, "week": "2026-11-30"})
    ).status_code == 404
    response = c.post(
        URL,
        {
            "action": "add",
            "community": world.community.pk,
            "user": world.users["technician"].pk,
            "role": "technician",
            "day": "2026-11-28",
            "start": "08:00",
            "end": "17:00",
        },
    )
    assert response.status_code == 200  # the form refuses the community it does not offer
    assert DutyShift.objects.count() == 2
    assert login(client, world.users["outsider"]).get(URL).content.decode().count("甲一小区") == 0


@time_machine.travel(NOW, tick=False)
def test_skills_page_lists_and_edits(world, client, roster):
    StaffSkill.objects.create(organization=world.org, user=world.users["technician"], skill="gas")
    c = login(client, world.users["manager"])
    page = c.get(SKILLS).content.decode()
    assert "technician" in page and "燃气" in page and "编辑技能" in page
    assert f'id="staff-{world.users["agent"].pk}"' in page
    response = c.post(
        SKILLS, {"user": world.users["technician"].pk, "skills": ["plumbing", "electrical"]}
    )
    assert response.status_code == 302
    assert set(
        StaffSkill.objects.filter(user=world.users["technician"]).values_list("skill", flat=True)
    ) == {"plumbing", "electrical"}
    filtered = c.get(f"{SKILLS}?skill=plumbing").content.decode()
    assert f'id="staff-{world.users["technician"].pk}"' in filtered
    assert f'id="staff-{world.users["agent"].pk}"' not in filtered


def test_skills_page_scoping_and_roles(world, client):
    tech_b = make_user("tech_b", org=world.org, role="technician", communities=[world.community2])
    tech = world.users["technician"]
    # another community's manager sees their own staff only and cannot edit ours
    c = login(client, world.users["manager2"])
    page = c.get(SKILLS).content.decode()
    assert f'id="staff-{tech_b.pk}"' in page and f'id="staff-{tech.pk}"' not in page
    assert c.post(SKILLS, {"user": tech.pk, "skills": ["gas"]}).status_code == 404
    # the agent reads, does not edit
    c = login(client, world.users["agent"])
    page = c.get(SKILLS).content.decode()
    assert f'id="staff-{tech.pk}"' in page and "编辑技能" not in page
    assert c.post(SKILLS, {"user": tech.pk, "skills": ["gas"]}).status_code == 403
    assert login(client, world.users["technician"]).get(SKILLS).status_code == 403
    assert not StaffSkill.objects.exists()


def test_pages_query_counts(world, client, django_assert_max_num_queries):
    for i in range(8):
        user = make_user(f"t{i}", org=world.org, role="technician", communities=[world.community])
        StaffSkill.objects.create(organization=world.org, user=user, skill="plumbing")
        services.add_duty_shift(
            actor=None,
            community=world.community,
            user=user,
            role="technician",
            starts_at=at(MONDAY, 8) + timedelta(days=i % 7),
            ends_at=at(MONDAY, 17) + timedelta(days=i % 7),
        )
    c = login(client, world.users["manager"])
    c.get(SKILLS)
    with django_assert_max_num_queries(20):
        assert c.get(SKILLS).status_code == 200
    with django_assert_max_num_queries(20):
        assert c.get(f"{URL}?week=2026-11-23").status_code == 200
