"""Warm-reminder engine: shipped data (solar terms, holidays, 30+ templates), proposals ahead of
立冬, 春节 and a configured heat day, exactly once; approval publishes; auto-publish."""

from datetime import date
from decimal import Decimal

import pytest
from django.db import IntegrityError

from anju.notices import services
from anju.notices.models import (
    Holiday,
    Notice,
    ReminderProposal,
    ReminderSettings,
    ReminderTemplate,
    SolarTerm,
)

pytestmark = pytest.mark.django_db


def keys(community):
    return set(
        ReminderProposal.objects.filter(community=community).values_list(
            "template__key", "occurrence_key"
        )
    )


def test_shipped_data():
    assert SolarTerm.objects.get(year=2026, name="立冬").date == date(2026, 11, 7)
    assert SolarTerm.objects.get(year=2026, name="冬至").date == date(2026, 12, 22)
    assert SolarTerm.objects.get(year=2027, name="清明").date == date(2027, 4, 5)
    assert SolarTerm.objects.filter(year__gte=2020, year__lte=2035).count() == 16 * 24
    expected = {
        2026: {
            "spring_festival": date(2026, 2, 17),
            "qingming": date(2026, 4, 5),
            "labour_day": date(2026, 5, 1),
            "dragon_boat": date(2026, 6, 19),
            "mid_autumn": date(2026, 9, 25),
            "national_day": date(2026, 10, 1),
        },
        2027: {
            "spring_festival": date(2027, 2, 6),
            "qingming": date(2027, 4, 5),
            "labour_day": date(2027, 5, 1),
            "dragon_boat": date(2027, 6, 9),
            "mid_autumn": date(2027, 9, 15),
            "national_day": date(2027, 10, 1),
        },
    }
    for year, days in expected.items():
        for key, day in days.items():
            assert Holiday.objects.get(year=year, key=key).date == day
    builtin = ReminderTemplate.objects.filter(builtin=True)
    assert builtin.count() >= 30
    topics = set(builtin.values_list("topic", flat=True))
    for topic in (
        "防火",
        "防盗",
        "防寒",
        "防暑",
        "防汛/防台",
        "电动车充电安全",
        "高空抛物",
        "燃气安全",
        "垃圾分类",
        "装修须知",
        "春节烟花爆竹",
    ):
        assert topic in topics
    assert all(t.triggers.exists() for t in builtin)


def test_proposes_before_lidong_exactly_once(world):
    services.run_engine(today=date(2026, 11, 3), communities=[world.community])
    # 立冬 is 11-07: four days away, beyond the 3-day lead of the cold-weather template.
    assert not ReminderProposal.objects.filter(template__key="winter-cold").exists()
    assert ("gas-safety", "solar_term:立冬:2026") in keys(world.community)  # 5 days ahead
    created = services.run_engine(today=date(2026, 11, 4), communities=[world.community])
    found = keys(world.community)
    assert ("winter-cold", "solar_term:立冬:2026") in found
    assert (
        "winter-fire",
        "solar_term:立冬:2026",
    ) in found  # season "winter" and 立冬 are one occasion
    assert len(created) == len(found) - 2  # gas safety and e-bike charging came a day earlier
    proposal = ReminderProposal.objects.get(community=world.community, template__key="winter-cold")
    assert proposal.occurrence_date == date(2026, 11, 7) and proposal.status == "proposed"
    assert "甲一小区" in proposal.body and "11月7日" in proposal.body
    # The next days and repeated runs add nothing for 立冬.
    for day in (date(2026, 11, 4), date(2026, 11, 5), date(2026, 11, 7)):
        services.run_engine(today=day, communities=[world.community])
    assert (
        ReminderProposal.objects.filter(
            community=world.community, template__key="winter-cold"
        ).count()
        == 1
    )
    # Other communities get their own proposal, once.
    services.run_engine(today=date(2026, 11, 5), communities=[world.community2])
    assert (
        ReminderProposal.objects.filter(
            community=world.community2, template__key="winter-cold"
        ).count()
        == 1
    )


def test_unique_constraint_guards_the_occasion(world):
    services.run_engine(today=date(2026, 11, 5), communities=[world.community])
    proposal = ReminderProposal.objects.filter(community=world.community).first()
    with pytest.raises(IntegrityError):
        ReminderProposal.objects.create(
            organization=world.org,
            community=world.community,
            template=proposal.template,
            occurrence_key=proposal.occurrence_key,
            occasion="x",
            occurrence_date=proposal.occurrence_date,
            title="x",
            body="x",
        )


def test_proposes_fireworks_before_spring_festival(world):
    services.run_engine(today=date(2027, 2, 1), communities=[world.community])
    found = keys(world.community)
    assert ("fireworks", "holiday:spring_festival:2027") in found
    assert ("spring-festival-travel", "holiday:spring_festival:2027") in found
    services.run_engine(today=date(2027, 2, 3), communities=[world.community])
    assert (
        ReminderProposal.objects.filter(
            template__key="fireworks", community=world.community
        ).count()
        == 1
    )


def test_edited_holiday_moves_the_proposal(world, api):
    """The platform administrator corrects the national calendar (the admin site calls the
    same service); the engine proposes for the new date. Companies cannot change it."""
    row = Holiday.objects.get(organization=None, year=2027, key="national_day")
    response = api(world.users["manager"]).patch(
        f"/api/v1/holidays/{row.pk}/", {"date": "2027-10-02"}, format="json"
    )
    assert response.status_code == 403, response.content
    services.save_holiday(actor=world.users["root"], holiday=row, date=date(2027, 10, 2))
    services.run_engine(today=date(2027, 9, 29), communities=[world.community])
    proposal = ReminderProposal.objects.get(
        template__key="national-day-travel", community=world.community
    )
    assert proposal.occurrence_date == date(2027, 10, 2)
    assert (
        api(world.users["technician"])
        .patch(f"/api/v1/holidays/{row.pk}/", {"name": "x"}, format="json")
        .status_code
        == 403
    )


def test_configured_heat_day_manual_trigger(world, api):
    services.update_reminder_settings(
        actor=world.users["manager"], community=world.community, heat_threshold=Decimal("36")
    )
    client = api(world.users["manager"])
    cool = client.post(
        "/api/v1/weather-reports/",
        {"community": world.community.pk, "day": "2026-07-15", "max_temp": "35.5"},
        format="json",
    )
    assert cool.status_code == 201, cool.content
    # Manual entries trigger the engine relative to today; run it for the day before.
    services.run_engine(today=date(2026, 7, 14), communities=[world.community])
    assert not ReminderProposal.objects.filter(template__key="heat-day").exists()
    services.record_weather(
        actor=world.users["manager"],
        community=world.community,
        day=date(2026, 7, 16),
        max_temp=Decimal("37.0"),
        today=date(2026, 7, 15),
    )
    proposal = ReminderProposal.objects.get(template__key="heat-day", community=world.community)
    assert proposal.occurrence_key == "weather:heat:2026-07-16"
    services.run_engine(today=date(2026, 7, 16), communities=[world.community])
    assert ReminderProposal.objects.filter(template__key="heat-day").count() == 1
    assert not ReminderProposal.objects.filter(
        template__key="heat-day", community=world.community2
    ).exists()


class FakeWeather(services.WeatherSource):
    name = "fake"

    def forecast(self, community, start, days):
        from datetime import timedelta

        return [
            {"day": start + timedelta(days=1), "max_temp": Decimal("38"), "conditions": ["typhoon"]}
        ]


def test_pluggable_weather_source(world):
    services.update_reminder_settings(
        actor=world.users["manager"],
        community=world.community,
        weather_source="anju.notices.tests.test_reminders.FakeWeather",
    )
    services.run_engine(today=date(2026, 8, 1), communities=[world.community])
    found = {k for k, _ in keys(world.community)}
    assert {"heat-day", "typhoon"} <= found


def test_policy_change_and_approval_publishes(world, api):
    services.create_policy_change(
        actor=world.users["manager"],
        community=world.community,
        title="《杭州市生活垃圾管理条例》修订",
        summary="新增大件垃圾预约",
        effective_on=date(2026, 12, 1),
        today=date(2026, 11, 27),
    )
    proposal = ReminderProposal.objects.get(
        template__key="policy-change", community=world.community
    )
    assert "生活垃圾管理条例" in proposal.body
    client = api(world.users["manager"])
    listed = client.get("/api/v1/reminder-proposals/?status=proposed").json()
    assert proposal.pk in {row["id"] for row in listed["results"]}
    approved = client.post(f"/api/v1/reminder-proposals/{proposal.pk}/approve/")
    assert approved.status_code == 200 and approved.json()["status"] == "published"
    notice = Notice.objects.get(pk=approved.json()["notice"])
    assert (
        notice.kind == "reminder" and notice.status == "published" and notice.recipient_count == 3
    )
    assert client.post(f"/api/v1/reminder-proposals/{proposal.pk}/approve/").status_code == 409
    assert (
        api(world.users["agent"])
        .post(f"/api/v1/reminder-proposals/{proposal.pk}/dismiss/")
        .status_code
        == 403
    )
    assert (
        api(world.users["outsider"]).get(f"/api/v1/reminder-proposals/{proposal.pk}/").status_code
        == 404
    )


def test_auto_publish_per_community(world):
    ReminderSettings.objects.create(
        organization=world.org, community=world.community, auto_publish=True
    )
    services.run_engine(today=date(2026, 11, 5), communities=[world.community, world.community2])
    assert not ReminderProposal.objects.filter(
        community=world.community, status="proposed"
    ).exists()
    assert ReminderProposal.objects.filter(community=world.community, status="published").exists()
    assert ReminderProposal.objects.filter(community=world.community2, status="proposed").exists()
    assert Notice.objects.filter(
        community=world.community, kind="reminder", status="published"
    ).exists()


def test_templates_api(world, api):
    client = api(world.users["manager"])
    listed = client.get("/api/v1/reminder-templates/?page_size=100").json()
    assert listed["count"] >= 30
    own = client.post(
        "/api/v1/reminder-templates/",
        {
            "organization": world.org.pk,
            "key": "lift-upgrade",
            "topic": "设施设备",
            "title": "电梯改造提示",
            "body": "{community}电梯将于{date}改造",
            "triggers": [{"kind": "holiday", "value": "national_day", "lead_days": 10}],
        },
        format="json",
    )
    assert own.status_code == 201, own.content
    assert (
        api(world.users["outsider"])
        .get(f"/api/v1/reminder-templates/{own.json()['id']}/")
        .status_code
        == 404
    )
    builtin = ReminderTemplate.objects.filter(builtin=True).first()
    assert (
        client.patch(
            f"/api/v1/reminder-templates/{builtin.pk}/", {"title": "x"}, format="json"
        ).status_code
        == 403
    )
    assert api(world.users["technician"]).get("/api/v1/reminder-templates/").status_code == 403
