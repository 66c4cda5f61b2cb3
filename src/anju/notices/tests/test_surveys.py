"""Surveys: builder, audience (all or a sample), one response per household (DB constraint),
low named answers open exactly one follow-up ticket, anonymous ones go to the dissatisfaction
list, results by dimension with last quarter and other communities."""

from datetime import date

import pytest
from django.db import IntegrityError

from anju.core.models import House, Occupancy
from anju.notices import selectors, services
from anju.notices.models import Answer, SurveyResponse

pytestmark = pytest.mark.django_db


def quarterly(world, community=None, year=2026, quarter=4, anonymous=False, open_it=True):
    survey = services.create_quarterly_survey(
        actor=world.users["manager"],
        community=community or world.community,
        year=year,
        quarter=quarter,
        anonymous=anonymous,
    )
    if open_it:
        survey = services.open_survey(actor=world.users["manager"], survey=survey)
    return survey


def answers_for(survey, rating=5, nps=9, text="", picked=(0,)):
    rows = []
    for q in survey.questions.all():
        if q.kind == "rating":
            rows.append({"question": q.pk, "value": rating})
        elif q.kind == "nps":
            rows.append({"question": q.pk, "value": nps})
        elif q.kind == "multiple":
            rows.append({"question": q.pk, "choices": list(picked)})
        elif q.kind == "text" and text:
            rows.append({"question": q.pk, "text": text})
    return rows


def test_quarterly_template_covers_every_dimension(world):
    survey = quarterly(world, open_it=False)
    dims = set(survey.questions.values_list("dimension", flat=True))
    assert dims == {
        "service",
        "repair",
        "security",
        "cleaning",
        "greening",
        "facilities",
        "fees",
        "overall",
    }
    kinds = set(survey.questions.values_list("kind", flat=True))
    assert {"rating", "nps", "multiple", "text"} <= kinds
    assert survey.period == "2026Q4"


def test_builder_validates_and_api_contract(world, api):
    client = api(world.users["manager"])
    bad = client.post(
        "/api/v1/surveys/",
        {
            "community": world.community.pk,
            "title": "活动意向",
            "questions": [{"kind": "single", "text": "去哪", "options": ["A"]}],
        },
        format="json",
    )
    assert bad.status_code == 400 and "questions" in bad.json()["error"]["fields"]
    created = client.post(
        "/api/v1/surveys/",
        {
            "community": world.community.pk,
            "title": "活动意向",
            "audience": "sample",
            "sample_size": 1,
            "questions": [
                {
                    "kind": "single",
                    "text": "您希望的活动",
                    "options": ["亲子", "健康讲座"],
                    "dimension": "service",
                },
                {"kind": "rating", "text": "您对上次活动的评价", "dimension": "service"},
            ],
        },
        format="json",
    )
    assert created.status_code == 201, created.content
    survey_id = created.json()["id"]
    assert client.post(f"/api/v1/surveys/{survey_id}/close/").status_code == 409
    opened = client.post(f"/api/v1/surveys/{survey_id}/open/").json()
    assert (
        opened["status"] == "open" and opened["invited_count"] == 1
    )  # a random sample of one household
    assert (
        api(world.users["technician"]).post(f"/api/v1/surveys/{survey_id}/close/").status_code
        == 403
    )
    assert (
        api(world.users["outsider"]).get(f"/api/v1/surveys/{survey_id}/results/").status_code == 404
    )


def test_one_response_per_household(world, api):
    survey = quarterly(world)
    assert survey.invited_count == 2  # houses[0] and houses[1] have occupants
    owner = api(world.users["resident"])
    first = owner.post(
        f"/api/v1/surveys/{survey.pk}/responses/", {"answers": answers_for(survey)}, format="json"
    )
    assert first.status_code == 201, first.content
    # The tenant of the same house cannot answer again for the household.
    second = api(world.users["tenant"]).post(
        f"/api/v1/surveys/{survey.pk}/responses/", {"answers": answers_for(survey)}, format="json"
    )
    assert second.status_code == 409 and second.json()["error"]["code"] == "already_answered"
    assert SurveyResponse.objects.filter(survey=survey).count() == 1
    with pytest.raises(IntegrityError):
        SurveyResponse.objects.create(
            organization=world.org,
            community=world.community,
            survey=survey,
            house=world.houses[0],
            submitted_at=first.json()["submitted_at"],
        )


def test_response_validation_and_eligibility(world, api):
    survey = quarterly(world)
    client = api(world.users["neighbour"])
    rows = answers_for(survey)
    rows[0]["value"] = 7
    bad = client.post(f"/api/v1/surveys/{survey.pk}/responses/", {"answers": rows}, format="json")
    assert (
        bad.status_code == 400 and f"answers.{rows[0]['question']}" in bad.json()["error"]["fields"]
    )
    missing = client.post(
        f"/api/v1/surveys/{survey.pk}/responses/", {"answers": rows[1:]}, format="json"
    )
    assert missing.status_code == 400
    assert not SurveyResponse.objects.exists()
    stranger = api(world.users["stranger"]).post(
        f"/api/v1/surveys/{survey.pk}/responses/", {"answers": answers_for(survey)}, format="json"
    )
    assert stranger.status_code == 404
    assert (
        api(world.users["technician"])
        .post(
            f"/api/v1/surveys/{survey.pk}/responses/",
            {"answers": answers_for(survey)},
            format="json",
        )
        .status_code
        == 403
    )


def test_low_named_answer_opens_exactly_one_ticket(world):
    from anju.servicedesk.models import Ticket
    from anju.servicedesk.services import ticket_for_source

    survey = quarterly(world)
    rows = answers_for(survey, rating=5, nps=9)
    repair = survey.questions.get(dimension="repair")
    next(r for r in rows if r["question"] == repair.pk)["value"] = 2
    response = services.submit_response(actor=world.users["resident"], survey=survey, answers=rows)
    low = Answer.objects.get(response=response, low=True)
    assert low.question_id == repair.pk and not low.anonymous
    ticket = ticket_for_source(low)
    assert ticket is not None and ticket.kind == "complaint" and ticket.category == "other"
    assert ticket.house_id == world.houses[0].pk and ticket.community_id == world.community.pk
    assert Ticket.objects.count() == 1
    # Raising it again for the same answer does not duplicate it.
    services.surveys._open_follow_up(None, survey, response, low, repair)
    assert Ticket.objects.count() == 1
    # A satisfied household opens none.
    services.submit_response(
        actor=world.users["neighbour"], survey=survey, answers=answers_for(survey)
    )
    assert Ticket.objects.count() == 1


def test_nps_detractor_opens_a_ticket_and_anonymous_goes_to_the_list(world):
    from anju.servicedesk.models import Ticket

    named = quarterly(world)
    services.submit_response(
        actor=world.users["resident"], survey=named, answers=answers_for(named, nps=6)
    )
    assert Ticket.objects.count() == 1
    anonymous = quarterly(world, quarter=3, anonymous=True)
    response = services.submit_response(
        actor=world.users["neighbour"],
        survey=anonymous,
        answers=answers_for(anonymous, rating=1, nps=2),
    )
    assert response.person_id is None
    assert Ticket.objects.count() == 1
    listed = selectors.dissatisfaction_list(Answer.objects.filter(community=world.community))
    assert listed.count() == 8 and all(a.anonymous for a in listed)


def test_results_dimensions_last_quarter_and_communities(world, api):
    previous = quarterly(world, quarter=3)
    services.submit_response(
        actor=world.users["resident"], survey=previous, answers=answers_for(previous, rating=3)
    )
    services.close_survey(actor=world.users["manager"], survey=previous)
    current = quarterly(world, quarter=4)
    services.submit_response(
        actor=world.users["resident"],
        survey=current,
        answers=answers_for(current, rating=5, text="电梯维修慢", picked=(1, 3)),
    )
    services.submit_response(
        actor=world.users["neighbour"],
        survey=current,
        answers=answers_for(current, rating=4, nps=10),
    )
    # The second community answers the same quarter.
    house = world.houses[-1]
    Occupancy.objects.create(
        organization=world.org,
        community=world.community2,
        house=house,
        person=world.people["neighbour"],
        relation="owner",
        since=date(2020, 1, 1),
    )
    other = quarterly(world, community=world.community2, quarter=4)
    world.users["neighbour"].refresh_scope()
    services.submit_response(
        actor=world.users["neighbour"],
        survey=other,
        house=house,
        answers=answers_for(other, rating=1, nps=0),
    )

    results = api(world.users["org_admin"]).get(f"/api/v1/surveys/{current.pk}/results/").json()
    assert (
        results["responses"] == 2 and results["invited"] == 2 and results["response_rate"] == 100.0
    )
    repair = next(d for d in results["dimensions"] if d["dimension"] == "repair")
    assert repair["score"] == 87.5 and repair["previous_score"] == 50.0 and repair["change"] == 37.5
    assert repair["satisfaction_rate"] == 100.0
    assert results["previous"]["period"] == "2026Q3"
    assert results["nps"] == 100.0
    names = [c["name"] for c in results["communities"]]
    assert names == ["甲一小区", "甲二小区"]
    multiple = next(q for q in results["questions"] if q["kind"] == "multiple")
    assert multiple["counts"][:4] == [1, 1, 0, 1]
    assert results["free_text"][0]["dimension"] == "overall" and results["free_text"][0][
        "samples"
    ] == ["电梯维修慢"]
    # A community manager compares only with what they may see.
    mine = api(world.users["manager"]).get(f"/api/v1/surveys/{current.pk}/results/").json()
    assert [c["name"] for c in mine["communities"]] == ["甲一小区"]
    assert House.objects.count()


def test_resident_sees_invited_surveys_only(world, api):
    survey = quarterly(world)
    draft = quarterly(world, quarter=2, open_it=False)
    ids = {
        row["id"] for row in api(world.users["resident"]).get("/api/v1/surveys/").json()["results"]
    }
    assert survey.pk in ids and draft.pk not in ids
    assert (
        api(world.users["resident"]).get(f"/api/v1/surveys/{survey.pk}/results/").status_code == 403
    )


def test_scheduled_survey_opens_and_closes_by_the_job(world):
    from datetime import datetime, timedelta
    from zoneinfo import ZoneInfo

    import time_machine

    from anju.notices.tasks import open_and_close_surveys

    start = datetime(2026, 12, 1, 8, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
    with time_machine.travel(start, tick=False):
        survey = services.create_quarterly_survey(
            actor=world.users["manager"],
            community=world.community,
            year=2026,
            quarter=4,
            closes_at=start + timedelta(days=14),
        )
        services.schedule_survey(
            actor=world.users["manager"], survey=survey, opens_at=start + timedelta(days=1)
        )
        open_and_close_surveys()
        survey.refresh_from_db()
        assert survey.status == "scheduled"
    with time_machine.travel(start + timedelta(days=1, minutes=5), tick=False):
        open_and_close_surveys()
        survey.refresh_from_db()
        assert survey.status == "open" and survey.invited_count == 2
    with time_machine.travel(start + timedelta(days=15), tick=False):
        open_and_close_surveys()
        survey.refresh_from_db()
        assert survey.status == "closed"


def test_survey_list_query_count(world, api, django_assert_max_num_queries):
    for quarter in (1, 2, 3, 4):
        quarterly(world, quarter=quarter)
    client = api(world.users["manager"])
    with django_assert_max_num_queries(10):
        assert client.get("/api/v1/surveys/").json()["count"] == 4
