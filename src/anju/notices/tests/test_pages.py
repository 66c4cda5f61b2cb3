"""Console and portal pages render for the right people and drive the services."""

from datetime import date

import pytest
from django.test import Client

from anju.notices import services
from anju.notices.models import Notice, NoticeReceipt, SurveyResponse

pytestmark = pytest.mark.django_db


def login(user):
    client = Client()
    client.force_login(user)
    return client


def test_console_pages_render(world):
    notice = services.publish_notice(
        actor=world.users["manager"],
        notice=services.create_notice(
            actor=world.users["manager"], community=world.community, title="停水", body="x"
        ),
    )
    survey = services.open_survey(
        actor=world.users["manager"],
        survey=services.create_quarterly_survey(
            actor=world.users["manager"], community=world.community, year=2026, quarter=4
        ),
    )
    meeting = services.create_meeting(
        actor=world.users["manager"],
        community=world.community,
        title="座谈会",
        held_at=notice.published_at,
        attendees=[{"name": "张三", "role": "业主"}],
    )
    suggestion = services.submit_suggestion(
        actor=world.users["resident"], community=world.community, title="建议", body="内容"
    )
    services.run_engine(today=date(2026, 11, 5), communities=[world.community])
    client = login(world.users["manager"])
    for url in [
        "/console/notices/",
        "/console/notices/new/",
        f"/console/notices/{notice.pk}/",
        "/console/reminders/",
        "/console/surveys/",
        "/console/surveys/new/",
        f"/console/surveys/{survey.pk}/",
        "/console/surveys/dissatisfied/",
        "/console/suggestions/",
        f"/console/suggestions/{suggestion.pk}/",
        "/console/meetings/",
        "/console/meetings/new/",
        f"/console/meetings/{meeting.pk}/",
        "/console/",
    ]:
        response = client.get(url)
        assert response.status_code == 200, url
    assert "reach-total" in client.get(f"/console/notices/{notice.pk}/").content.decode()
    assert login(world.users["outsider"]).get(f"/console/notices/{notice.pk}/").status_code == 404
    assert login(world.users["technician"]).get("/console/reminders/").status_code == 403


def test_console_publish_form(world):
    client = login(world.users["manager"])
    response = client.post(
        "/console/notices/new/",
        {
            "community": world.community.pk,
            "kind": "outage",
            "title": "停电通知",
            "body": "周六检修",
            "audience_kind": "residents",
            "audience_scope": "building",
            "buildings": [world.building.pk],
            "action": "publish",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    notice = Notice.objects.get(title="停电通知")
    assert notice.status == "published" and notice.recipient_count == 3


def test_portal_read_and_answer(world):
    notice = services.publish_notice(
        actor=world.users["manager"],
        notice=services.create_notice(
            actor=world.users["manager"], community=world.community, title="停水", body="x"
        ),
    )
    survey = services.open_survey(
        actor=world.users["manager"],
        survey=services.create_quarterly_survey(
            actor=world.users["manager"], community=world.community, year=2026, quarter=4
        ),
    )
    client = login(world.users["resident"])
    inbox = client.get("/app/notices/")
    assert "停水" in inbox.content.decode()
    receipt = NoticeReceipt.objects.get(notice=notice, person=world.people["owner"])
    assert client.get(f"/app/notices/{receipt.pk}/").status_code == 200
    receipt.refresh_from_db()
    assert receipt.read_at is not None
    other = NoticeReceipt.objects.get(notice=notice, person=world.people["neighbour"])
    assert client.get(f"/app/notices/{other.pk}/").status_code == 404
    form = {}
    for q in survey.questions.all():
        if q.kind in ("rating",):
            form[f"q{q.pk}"] = "4"
        elif q.kind == "nps":
            form[f"q{q.pk}"] = "9"
        elif q.kind == "multiple":
            form[f"q{q.pk}"] = ["0", "2"]
        else:
            form[f"q{q.pk}"] = "楼道灯坏了"
    assert client.get(f"/app/surveys/{survey.pk}/").status_code == 200
    assert client.post(f"/app/surveys/{survey.pk}/", form).status_code == 302
    assert SurveyResponse.objects.filter(survey=survey).count() == 1
    for url in ("/app/surveys/", "/app/suggestions/", "/app/meetings/"):
        assert client.get(url).status_code == 200
    assert (
        client.post(
            "/app/suggestions/",
            {
                "community": world.community.pk,
                "title": "路灯",
                "body": "北门路灯不亮",
                "anonymous": "1",
            },
        ).status_code
        == 302
    )


def test_audience_pickers_list_the_chosen_community_only(world):
    client = login(world.users["org_admin"])
    form = client.get("/console/notices/new/").context["form"]
    assert not form.fields["houses"].queryset.exists()  # no community chosen yet
    assert "Choose the community first." in str(form.fields["houses"].help_text) or (
        "请先选择小区。" in str(form.fields["houses"].help_text)
    )
    response = client.get(f"/console/notices/new/?community={world.community2.pk}")
    houses = response.context["form"].fields["houses"].queryset
    assert {h.community_id for h in houses} == {world.community2.pk}
    assert set(response.context["form"].fields["buildings"].queryset) == {
        h.building for h in houses
    }
    assert b"data-filter" in response.content
    # A house of another community is refused by name, and nothing is created.
    response = client.post(
        "/console/notices/new/",
        {
            "community": world.community.pk,
            "kind": "notice",
            "title": "错投",
            "body": "x",
            "audience_kind": "residents",
            "audience_scope": "houses",
            "houses": [houses[0].pk],
            "action": "publish",
        },
    )
    assert response.status_code == 200 and response.context["form"].errors["houses"]
    assert not Notice.objects.filter(title="错投").exists()
