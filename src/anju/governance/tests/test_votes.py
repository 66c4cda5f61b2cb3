"""Owner votes end to end through the API contract: flow and clock, counting (解释第8-9条),
ballots (one head, replaceable before close), result, receipts and the hash chain."""

from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from anju.core.errors import DomainError
from anju.core.models import Occupancy, Person
from anju.core.tests import samples
from anju.governance import services, tally
from anju.governance.models import Ballot, Vote

from .factories import cast, estate, open_vote, user_of

pytestmark = pytest.mark.django_db


def _create(api, world, **extra):
    opens = timezone.now() + timedelta(days=16)
    body = {
        "community": world.community.pk,
        "title": "修改管理规约",
        "matter": "management_statute",
        "opens_at": opens.isoformat(),
        "closes_at": (opens + timedelta(days=7)).isoformat(),
        **extra,
    }
    return api(world.users["committee"]).post("/api/v1/votes/", body, format="json"), opens


def test_draft_notice_open_close_flow_through_the_api(world, api):
    response, opens = _create(api, world)
    assert response.status_code == 201, response.content
    vote = response.json()
    assert (
        vote["status"] == "draft"
        and vote["number"].startswith("TP-")
        and "第二百七十八条" in vote["rule"]
    )
    committee = api(world.users["committee"])
    url = f"/api/v1/votes/{vote['id']}/"
    early = committee.post(url + "open/")
    assert early.status_code == 409 and early.json()["error"]["code"] == "invalid_state"
    assert "publish_notice" in early.json()["error"]["allowed"]
    assert committee.post(url + "publish_notice/").status_code == 200
    too_soon = committee.post(url + "open/")
    assert too_soon.status_code == 409 and "open" not in too_soon.json()["error"]["allowed"]
    with time_machine.travel(opens + timedelta(minutes=1)):
        opened = committee.post(url + "open/")
        assert opened.status_code == 200 and opened.json()["status"] == "open"
        closing = committee.post(url + "close/")
        assert closing.status_code == 409 and closing.json()["error"]["allowed"] == []
        owner = world.people["owner"]
        ballot = api(world.users["resident"]).post(
            url + "ballots/", {"person": owner.pk, "choice": "yes"}, format="json"
        )
        assert ballot.status_code == 201, ballot.content
        assert ballot.json()["channel"] == "online" and len(ballot.json()["receipt"]) == 64
    with time_machine.travel(opens + timedelta(days=7, minutes=1)):
        late = api(world.users["neighbour"]).post(
            url + "ballots/",
            {"person": world.people["neighbour"].pk, "choice": "no"},
            format="json",
        )
        assert (
            late.status_code == 409
        )  # the vote's time is up: refused even before the close action
        closed = committee.post(url + "close/")
        assert closed.status_code == 200 and closed.json()["status"] == "closed"
        after = api(world.users["neighbour"]).post(
            url + "ballots/",
            {"person": world.people["neighbour"].pk, "choice": "no"},
            format="json",
        )
        assert after.status_code == 409
    result = committee.get(url + "result/").json()
    for key in ("total_area", "voted_area", "yes_area", "no_area", "abstain_area"):
        assert isinstance(result[key], str) and Decimal(result[key]) >= 0
    assert result["total_heads"] == 4 and result["yes_heads"] == 1 and result["voted_heads"] == 1
    assert result["total_area"] == "406.00" and result["yes_area"] == "100.00"
    assert result["quorum_met"] is False and result["passed"] is False
    assert "第二百七十八条" in result["rule"] and len(result["digest"]) == 64
    assert Vote.objects.get(pk=vote["id"]).retain_until >= timezone.localdate() + timedelta(
        days=365
    )


def test_notice_must_be_published_notice_days_ahead(world, api, settings):
    response, opens = _create(
        api,
        world,
        opens_at=(timezone.now() + timedelta(days=10)).isoformat(),
        closes_at=(timezone.now() + timedelta(days=20)).isoformat(),
    )
    url = f"/api/v1/votes/{response.json()['id']}/publish_notice/"
    assert api(world.users["committee"]).post(url).status_code == 409
    settings.ANJU_VOTE_NOTICE_DAYS = 7
    assert api(world.users["committee"]).post(url).status_code == 200


def test_periodic_clock_opens_and_closes_on_time(world):
    vote, opens = open_vote(world, days=16)  # opened by hand; a second one left to the clock
    now = timezone.now()
    other = services.create_vote(
        actor=world.users["committee"],
        community=world.community,
        title="第二项",
        matter="other_major",
        opens_at=now + timedelta(days=15, hours=1),
        closes_at=now + timedelta(days=30),
    )
    services.publish_notice(other, actor=world.users["committee"], now=now)
    assert services.run_vote_clock(now + timedelta(days=15)) == {"opened": 0, "closed": 0}
    assert services.run_vote_clock(now + timedelta(days=15, hours=2)) == {"opened": 1, "closed": 0}
    assert services.run_vote_clock(opens + timedelta(days=7)) == {"opened": 0, "closed": 1}
    vote.refresh_from_db()
    assert vote.status == "closed" and vote.digest
    assert (
        services.run_vote_clock(now + timedelta(days=31))["closed"] == 1
    )  # idempotent for the first


def test_owner_with_three_houses_is_one_head_with_all_the_area(world):
    _, houses, people = estate(
        world,
        [
            (90, "A", True, True),
            (110, "A", True, True),
            (120.5, "A", True, True),
            (80, "B", True, True),
        ],
    )
    building = houses[0].building
    vote, opens = open_vote(world, buildings=[building])
    electors = {e.person_id: e for e in vote.electors.all()}
    assert len(electors) == 2
    assert (
        electors[people["A"].pk].area == Decimal("320.50")
        and electors[people["A"].pk].house_count == 3
    )
    cast(vote, people["A"], "yes", opens)
    c = tally.counts(vote)
    assert (c["total_heads"], c["yes_heads"], c["yes_area"], c["total_area"]) == (
        2,
        1,
        Decimal("320.50"),
        Decimal("400.50"),
    )


def test_developer_unsold_and_undelivered_houses_are_one_head(world):
    _, houses, people = estate(
        world,
        [
            (100, None, False, False),
            (90, "X", True, False),
            (80, None, False, True),
            (70, "B", True, True),
        ],
    )
    vote, opens = open_vote(world, buildings=[houses[0].building])
    developer = vote.electors.get(is_developer=True)
    assert developer.area == Decimal("270.00") and developer.house_count == 3
    assert vote.electors.count() == 2
    # The buyer of a sold but undelivered house is not yet a head of their own.
    with pytest.raises(DomainError) as exc:
        cast(vote, people["X"], "yes", opens)
    assert "person" in getattr(exc.value, "fields", {})
    scan = SimpleUploadedFile("dev.pdf", samples.pdf(), content_type="application/pdf")
    ballot = services.cast_ballot(
        actor=world.users["committee"],
        vote=vote,
        developer=True,
        choice="no",
        scan=scan,
        now=opens + timedelta(minutes=5),
    )
    assert ballot.channel == "paper" and ballot.person_id is None and ballot.scan_id
    c = tally.counts(vote)
    assert c["no_heads"] == 1 and c["no_area"] == Decimal("270.00")


def test_co_owners_vote_through_the_representative(world, api):
    _, houses, people = estate(world, [(100, "A", True, True), (80, "C", True, True)])
    spouse = Person.objects.create(organization=world.org, name="配偶")
    Occupancy.objects.create(
        organization=world.org,
        community=world.community,
        house=houses[0],
        person=spouse,
        relation="co_owner",
    )
    from anju.core.models import User

    User.objects.create(username="spouse", person=spouse)
    vote, opens = open_vote(world, buildings=[houses[0].building])
    assert vote.electors.count() == 2
    with time_machine.travel(opens + timedelta(minutes=2)):
        refused = api(User.objects.get(person=spouse)).post(
            f"/api/v1/votes/{vote.pk}/ballots/",
            {"person": spouse.pk, "choice": "no"},
            format="json",
        )
        assert refused.status_code == 400 and "person" in refused.json()["error"]["fields"]
        ok = api(user_of(people["A"])).post(
            f"/api/v1/votes/{vote.pk}/ballots/",
            {"person": people["A"].pk, "choice": "yes"},
            format="json",
        )
        assert ok.status_code == 201


def test_person_owning_no_house_in_the_electorate_gets_400(world, api):
    vote, opens = open_vote(world)
    with time_machine.travel(opens + timedelta(minutes=2)):
        tenant = api(world.users["tenant"]).post(
            f"/api/v1/votes/{vote.pk}/ballots/",
            {"person": world.people["tenant"].pk, "choice": "yes"},
            format="json",
        )
        assert tenant.status_code == 400 and tenant.json()["error"]["fields"]["person"]
        other_building = api(world.users["resident"])
        # A vote of one other building: the owner of houses[0] is outside its electorate.
        _, houses, _ = estate(world, [(50, "Z", True, True)], building_name="8幢")
    vote2, opens2 = open_vote(world, buildings=[houses[0].building])
    with time_machine.travel(opens2 + timedelta(minutes=2)):
        response = other_building.post(
            f"/api/v1/votes/{vote2.pk}/ballots/",
            {"person": world.people["owner"].pk, "choice": "yes"},
            format="json",
        )
        assert response.status_code == 400


def test_owner_cannot_vote_for_someone_else(world, api):
    vote, opens = open_vote(world)
    with time_machine.travel(opens + timedelta(minutes=2)):
        response = api(world.users["resident"]).post(
            f"/api/v1/votes/{vote.pk}/ballots/",
            {"person": world.people["neighbour"].pk, "choice": "no"},
            format="json",
        )
        # The neighbour is outside the resident's scope: answered as a person that does not
        # exist (issue 16, no existence oracle), and nothing is cast.
        assert response.status_code == 404
        assert "person" in response.json()["error"]["fields"]
        assert not vote.ballots.exists()


def test_changed_vote_replaces_the_counted_choice_and_keeps_history(world, api):
    vote, opens = open_vote(world)
    owner = world.people["owner"]
    first = cast(vote, owner, "yes", opens)
    second = services.cast_ballot(
        actor=world.users["resident"],
        vote=vote,
        person=owner,
        choice="no",
        now=opens + timedelta(hours=3),
    )
    assert second.replaces.seq == first.seq
    c = tally.counts(vote)
    assert (c["yes_heads"], c["no_heads"], c["voted_heads"]) == (0, 1, 1)
    assert Ballot.objects.filter(vote=vote).count() == 2 and second.prev_hash == first.hash
    client = api(world.users["resident"])
    old = client.get(f"/api/v1/votes/{vote.pk}/check/", {"receipt": first.hash}).json()
    new = client.get(f"/api/v1/votes/{vote.pk}/check/", {"receipt": second.hash}).json()
    assert (
        old["found"]
        and not old["counted"]
        and new["found"]
        and new["counted"]
        and new["choice"] == "no"
    )
    assert new["chain_ok"] is True
    unknown = client.get(f"/api/v1/votes/{vote.pk}/check/", {"receipt": "0" * 64}).json()
    assert unknown["found"] is False


def test_paper_ballot_needs_staff_and_a_scan(world, api):
    vote, opens = open_vote(world)
    neighbour = world.people["neighbour"]
    url = f"/api/v1/votes/{vote.pk}/ballots/"
    with time_machine.travel(opens + timedelta(minutes=2)):
        committee = api(world.users["committee"])
        no_scan = committee.post(url, {"person": neighbour.pk, "choice": "yes"}, format="json")
        assert no_scan.status_code == 400 and "scan" in no_scan.json()["error"]["fields"]
        scan = SimpleUploadedFile("ballot.jpg", samples.jpeg(), content_type="image/jpeg")
        ok = committee.post(
            url, {"person": neighbour.pk, "choice": "yes", "scan": scan}, format="multipart"
        )
        assert ok.status_code == 201 and ok.json()["channel"] == "paper"
        assert (
            api(world.users["technician"])
            .post(url, {"person": neighbour.pk, "choice": "no"}, format="json")
            .status_code
            == 403
        )


def test_tampering_with_a_stored_ballot_is_detected(world, api):
    vote, opens = open_vote(world)
    cast(vote, world.people["owner"], "yes", opens)
    cast(vote, world.people["neighbour"], "no", opens + timedelta(minutes=3))
    assert tally.verify_chain(vote)["ok"] is True
    with pytest.raises(ValidationError):
        Ballot.objects.filter(vote=vote).update(choice="yes")  # ordinary code cannot edit ballots
    with pytest.raises(ValidationError):
        Ballot.objects.filter(vote=vote).first().delete()
    target = Ballot.objects.get(vote=vote, seq=2)
    Ballot._base_manager.filter(pk=target.pk).update(choice="yes")  # a direct database edit
    report = tally.verify_chain(vote)
    assert report == {"ok": False, "broken_at": 2, "checked": 2}
    assert (
        api(world.users["committee"]).get(f"/api/v1/votes/{vote.pk}/verify/").json()["ok"] is False
    )


def test_closing_digest_binds_the_published_figures(world):
    vote, opens = open_vote(world)
    cast(vote, world.people["owner"], "yes", opens)
    vote = services.close_vote(vote, actor=world.users["committee"], now=opens + timedelta(days=8))
    assert tally.verify_chain(vote)["ok"] is True
    Vote.objects.filter(pk=vote.pk).update(result={**vote.result, "yes_heads": 3})
    vote.refresh_from_db()
    assert tally.verify_chain(vote)["ok"] is False


def test_published_houses_show_number_and_area_never_names(world, api):
    vote, opens = open_vote(world)
    cast(vote, world.people["owner"], "yes", opens)
    services.close_vote(vote, actor=world.users["committee"], now=opens + timedelta(days=8))
    response = api(world.users["resident"]).get(f"/api/v1/votes/{vote.pk}/houses/")
    rows = response.json()["results"]
    assert {r["house"] for r in rows} >= {"1幢-1-0101"} and rows[0]["area"]
    assert "张三" not in response.content.decode()
    assert any(r["choice"] == "yes" for r in rows)


def test_reminders_go_to_owners_who_have_not_voted(world, api):
    from anju.core.models import Notification

    vote, opens = open_vote(world)
    cast(vote, world.people["owner"], "yes", opens)
    Notification.objects.all().delete()
    response = api(world.users["committee"]).post(f"/api/v1/votes/{vote.pk}/remind/")
    assert response.json() == {"reminded": 1}
    assert set(Notification.objects.values_list("user__username", flat=True)) == {"neighbour"}


def test_electorate_of_listed_houses(world, api):
    response, _ = _create(
        api, world, houses=[world.houses[0].pk, world.houses[2].pk], matter="use_maintenance_fund"
    )
    assert response.status_code == 201, response.content
    result = (
        api(world.users["committee"]).get(f"/api/v1/votes/{response.json()['id']}/result/").json()
    )
    assert result["total_heads"] == 2 and result["total_area"] == "202.00"
    assert "过半数" in result["rule"]


def test_parking_area_option_of_the_rule_set(world):
    from anju.core.models import House
    from anju.governance.models import RuleSet

    House.objects.create(
        organization=world.org,
        community=world.community,
        building=world.building,
        number="P01",
        usage="parking",
        area=Decimal("12.50"),
    )
    vote, _ = open_vote(world)
    assert vote.electors.count() == 5
    national = RuleSet.objects.get(jurisdiction="000000")
    local = RuleSet.objects.get(pk=national.pk)
    local.pk, local.jurisdiction, local.name, local.count_parking_area = (
        None,
        "330106",
        "测试区",
        False,
    )
    local.save()
    vote2, _ = open_vote(world)
    assert vote2.electors.count() == 4


def test_draft_is_editable_later_states_are_not(world, api):
    response, _ = _create(api, world)
    url = f"/api/v1/votes/{response.json()['id']}/"
    committee = api(world.users["committee"])
    assert committee.patch(url, {"title": "新标题"}, format="json").json()["title"] == "新标题"
    committee.post(url + "publish_notice/")
    assert committee.patch(url, {"title": "再改"}, format="json").status_code == 409
    assert api(world.users["org_admin"]).delete(url).status_code == 405  # nobody deletes a vote


def test_proposal_attachments_before_opening_only(world, api):
    response, opens = _create(api, world)
    url = f"/api/v1/votes/{response.json()['id']}/attachments/"
    committee = api(world.users["committee"])
    upload = SimpleUploadedFile("方案.pdf", samples.pdf(), content_type="application/pdf")
    added = committee.post(url, {"file": upload}, format="multipart")
    assert added.status_code == 201 and added.json()[0]["name"] == "方案.pdf"
    assert api(world.users["resident"]).get(url).json()[0]["name"] == "方案.pdf"
    refused = api(world.users["resident"]).post(
        url, {"file": SimpleUploadedFile("x.pdf", samples.pdf())}, format="multipart"
    )
    assert refused.status_code == 403
    vote = Vote.objects.get(pk=response.json()["id"])
    services.publish_notice(vote, actor=world.users["committee"])
    services.open_vote(vote, actor=world.users["committee"], now=opens)
    late = committee.post(
        url, {"file": SimpleUploadedFile("y.pdf", samples.pdf())}, format="multipart"
    )
    assert late.status_code == 409
