"""An owner votes in two steps: picks a choice (nothing cast, none styled as the default), then
confirms a step that names the choice and the rule; a refusal keeps what was picked. Vote
statuses read as a vote's (投票中, 已结束), numbers are headed 编号."""

from datetime import timedelta

import pytest
import time_machine
from django.test import Client
from django.utils import translation

from anju.core.testing import PASSWORD
from anju.governance.choices import VoteStatus

from .factories import open_vote

pytestmark = pytest.mark.django_db


def _resident():
    client = Client()
    assert client.login(username="resident", password=PASSWORD)
    return client


def test_picking_casts_nothing_and_the_confirmation_names_the_choice_and_rule(world):
    vote, opens = open_vote(world)
    with time_machine.travel(opens + timedelta(hours=1)):
        client = _resident()
        page = client.get(f"/app/votes/{vote.pk}/").content.decode()
        pick = page[page.index('id="vote-pick"') : page.index("</form>", page.index("vote-pick"))]
        assert 'class="primary"' not in pick and "primary" not in pick
        assert pick.count('type="radio"') == 3 and "checked" not in pick

        page = client.post(f"/app/votes/{vote.pk}/", {"choice": "yes", "step": "review"})
        assert page.status_code == 200 and vote.ballots.count() == 0
        text = page.content.decode()
        assert 'id="vote-confirm"' in text and "同意" in text and "最后一次" in text

        back = client.post(f"/app/votes/{vote.pk}/", {"choice": "no", "step": "back"})
        assert 'value="no" style="width:24px;height:24px" checked' in back.content.decode()

        done = client.post(f"/app/votes/{vote.pk}/", {"choice": "yes", "step": "cast"})
        assert done.status_code == 302 and vote.ballots.get().choice == "yes"


def test_nothing_picked_says_so_and_a_refusal_keeps_the_choice(world):
    vote, opens = open_vote(world)
    with time_machine.travel(opens + timedelta(hours=1)):
        client = _resident()
        r = client.post(f"/app/votes/{vote.pk}/", {"step": "review"})
        assert r.status_code == 200 and 'id="vote-error"' in r.content.decode()
    # After the close the service refuses: the page says why, nothing is cast.
    with time_machine.travel(vote.closes_at + timedelta(minutes=5)):
        r = client.post(f"/app/votes/{vote.pk}/", {"choice": "abstain", "step": "cast"})
        assert r.status_code == 200 and vote.ballots.count() == 0
        assert 'id="vote-error"' in r.content.decode()


def test_vote_statuses_read_as_a_votes():
    with translation.override("zh-hans"):
        assert str(VoteStatus.OPEN.label) == "投票中"
        assert str(VoteStatus.CLOSED.label) == "已结束"


def test_vote_list_numbers_are_headed_bianhao(world):
    open_vote(world)
    client = Client()
    assert client.login(username="committee", password=PASSWORD)
    text = client.get("/console/votes/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "<th" in text and "编号" in text and "房号" not in text


def test_a_refused_fund_action_keeps_what_was_typed(world):
    from decimal import Decimal

    from anju.governance import services

    services.open_fund_accounts(
        actor=world.users["finance"], community=world.community, rate_per_m2=Decimal("50")
    )
    request = services.create_fund_request(
        actor=world.users["manager"],
        community=world.community,
        title="1幢屋面防水",
        houses=world.houses[:3],
        estimated_cost=Decimal("1000.00"),
        emergency=True,
        emergency_kind="roof",
        justification="屋面大面积渗漏，雨季将至。",
    )
    services.start_works(request, actor=world.users["manager"], contractor="防水公司")
    client = Client()
    assert client.login(username="manager", password=PASSWORD)
    r = client.post(
        f"/console/fund/requests/{request.pk}/apply/",
        {"actual_cost": "一千二"},
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )
    text = r.content.decode()
    assert r.status_code == 200 and 'id="action-error"' in text and 'value="一千二"' in text
    assert "ConversionSyntax" not in text


def test_ballot_check_names_the_ballot_receipt_and_writes_its_time(world):
    from anju.core import formats

    from .factories import cast

    vote, opens = open_vote(world)
    ballot = cast(vote, world.people["owner"], "yes", opens)
    client = _resident()
    page = client.get(
        f"/app/votes/{vote.pk}/check/", {"receipt": ballot.hash}, HTTP_ACCEPT_LANGUAGE="zh-hans"
    ).content.decode()
    assert formats.when(ballot.cast_at) in page and "投票回执" in page
    assert "收据" not in page and formats.when(ballot.cast_at).replace(" ", "T") not in page
