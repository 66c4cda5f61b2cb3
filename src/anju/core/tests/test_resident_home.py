"""The resident home (我的家) answers "what needs me now": each app's section shows only the
resident's own rows, counted as the app's list counts them, in a fixed number of queries."""

import json
import re
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.staticfiles import finders
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from anju.billing import selectors as billing_selectors
from anju.billing import services as billing
from anju.billing.choices import Method
from anju.billing.models import Bill
from anju.core.choices import Relation
from anju.core.models import Occupancy
from anju.governance.models import Vote
from anju.governance.tests.factories import cast, open_vote
from anju.notices import services as notices
from anju.servicedesk import services as desk
from anju.spaces import services as spaces
from anju.spaces.tests.factories import meeting_room

pytestmark = pytest.mark.django_db


@pytest.fixture
def three_houses(world):
    """The owner of the first house also owns the third and fourth."""
    for house in world.houses[2:4]:
        Occupancy.objects.create(
            organization=world.org,
            community=world.community,
            house=house,
            person=world.people["owner"],
            relation=Relation.OWNER,
            is_payer=True,
            is_representative=True,
        )
    return world.houses[0], world.houses[2], world.houses[3]


@pytest.fixture
def fee(world):
    return billing.create_fee_item(
        actor=world.users["org_admin"],
        community=world.community,
        name="物业服务费",
        method=Method.AREA,
        unit_price=Decimal("2.5000"),
        unit="元/m²·月",
        basis="前期物业服务合同第5条",
        effective_from=date(2026, 1, 1),
        published=True,
    )


def bill_period(world, period):
    admin = world.users["org_admin"]
    run = billing.create_billing_run(actor=admin, community=world.community, period=period)
    billing.post_billing_run(actor=admin, run=run)


def report(world, house, text="厨房漏水"):
    return desk.create_ticket(
        actor=world.users["agent"],
        community=world.community,
        kind="repair",
        category="water",
        description=text,
        channel="phone",
        house=house,
        reporter=world.people["owner"],
    )


def resolved(world, house):
    ticket = report(world, house)
    desk.assign(actor=world.users["agent"], ticket=ticket, assignee=world.users["technician"])
    desk.accept(actor=world.users["technician"], ticket=ticket)
    desk.resolve(actor=world.users["technician"], ticket=ticket, note="换了阀门")
    return ticket


def notice(world, title):
    created = notices.create_notice(
        actor=world.users["manager"], community=world.community, title=title, body="x"
    )
    notices.publish_notice(actor=world.users["manager"], notice=created)
    return created


def tomorrow_at(hour):
    day = timezone.localdate() + timedelta(days=1)
    return datetime.combine(day, time(hour, 0), tzinfo=timezone.get_current_timezone())


def home(client, user):
    client.force_login(user)
    answer = client.get("/app/")
    assert answer.status_code == 200
    return answer.content.decode()


def pay_links(page):
    return re.findall(r'href="/app/billing/pay/\?bills=([0-9,]+)"', page)


def test_nothing_to_do_says_so_and_keeps_the_services(world, client):
    page = home(client, world.users["resident"])
    assert "Nothing needs you right now" in page or "现在没有需要您处理的事" in page
    assert "/app/tickets/" in page and "/app/bills/" in page  # the all-services grid
    assert "/app/billing/pay/" not in page


def test_amount_due_and_the_pay_link_carry_exactly_the_open_bills(world, client, fee, three_houses):
    bill_period(world, "2026-06")  # due months ago: overdue
    bill_period(world, "2027-01")
    mine = Bill.objects.filter(house__in=three_houses).order_by("due_date", "house_id", "id")
    theirs = Bill.objects.filter(house=world.houses[1])  # the neighbour's
    assert mine.count() == 6 and theirs.exists()
    page = home(client, world.users["resident"])
    total = billing_selectors.total_balance(mine)
    assert f"¥{total:,.2f}" in page
    assert "逾期" in page or "overdue" in page
    links = pay_links(page)
    # one pay button per house (a payment is for one house), each with that house's bills
    expected = {
        ",".join(str(b.pk) for b in mine.filter(house=h).order_by("due_date", "id"))
        for h in three_houses
    }
    assert set(links) == expected
    # choose which bills: one ticked box per open bill of mine, submitting to the pay page
    boxes = re.findall(r'name="bills" value="(\d+)" checked', page)
    assert sorted(map(int, boxes)) == sorted(b.pk for b in mine)
    assert 'action="/app/billing/pay/"' in page
    for bill in theirs:
        assert f'value="{bill.pk}"' not in page
        assert all(str(bill.pk) not in link.split(",") for link in links)


def test_one_house_has_one_big_pay_button(world, client, fee):
    bill_period(world, "2027-01")
    page = home(client, world.users["resident"])
    bill = Bill.objects.get(house=world.house)
    assert pay_links(page) == [str(bill.pk)]
    assert 'id="home-pay"' in page
    # the neighbour sees their own bill only
    neighbour = home(client, world.users["neighbour"])
    assert pay_links(neighbour) == [str(Bill.objects.get(house=world.houses[1]).pk)]


def test_paid_up_resident_sees_no_bill_section(world, client, fee):
    bill_period(world, "2027-01")
    page = home(client, world.users["stranger"])  # another company's owner
    assert "/app/billing/pay/" not in page
    assert "甲一小区" not in page


def test_repairs_show_their_clock_and_next_step(world, client):
    new = report(world, world.house, "阳台灯不亮")
    done = resolved(world, world.house)
    page = home(client, world.users["resident"])
    assert new.number in page and done.number in page
    assert "等待派单" in page or "Waiting to be dispatched" in page
    assert f'href="/app/tickets/{done.pk}/#confirm"' in page  # confirm and rate
    assert page.index(done.number) < page.index(new.number)  # the resident's turn first
    # the neighbour's home shows neither
    other = home(client, world.users["neighbour"])
    assert new.number not in other and done.number not in other


def test_an_accepted_repair_names_the_technician_and_the_visit(world, client):
    world.users["technician"].first_name = "师傅甲"
    world.users["technician"].save()
    ticket = report(world, world.house)
    desk.assign(actor=world.users["agent"], ticket=ticket, assignee=world.users["technician"])
    desk.accept(actor=world.users["technician"], ticket=ticket)
    desk.set_appointment(
        actor=world.users["technician"], ticket=ticket, appointment_at=tomorrow_at(14)
    )
    page = home(client, world.users["resident"])
    assert "14:00" in page and ("明天" in page or "tomorrow" in page)


def test_unread_notices_count_and_latest_three(world, client):
    for n in range(5):
        notice(world, f"停水通知{n}")
    page = home(client, world.users["resident"])
    assert "5 条未读通知" in page
    shown = [n for n in range(5) if f"停水通知{n}" in page]
    assert len(shown) == 3
    assert "停水通知" not in home(client, world.users["stranger"])


def opened_now(world):
    """A vote opened an hour ago (a vote is noticed 15 days ahead; its window is moved)."""
    vote, _opens = open_vote(world, buildings=[world.building])
    Vote.objects.filter(pk=vote.pk).update(opens_at=timezone.now() - timedelta(hours=1))
    return vote


def test_open_vote_until_voted_and_after(world, client):
    vote = opened_now(world)
    page = home(client, world.users["resident"])
    assert vote.title in page and f"/app/votes/{vote.pk}/" in page
    assert "未投票" in page or "Not voted yet" in page
    cast(vote, world.people["owner"], "yes", timezone.now() - timedelta(minutes=5))
    page = home(client, world.users["resident"])
    assert "已投票" in page or "You have voted" in page
    # not an elector: the vote does not ask them
    assert vote.title not in home(client, world.users["stranger"])


def test_bookings_of_the_coming_week(world, client):
    hall = meeting_room(world, needs_approval=False, price_per_slot=Decimal("0"))
    spaces.book(
        actor=world.users["resident"], space=hall, starts_at=tomorrow_at(10), purpose="读书会"
    )
    page = home(client, world.users["resident"])
    assert hall.name in page and "10:00" in page
    assert hall.name not in home(client, world.users["neighbour"])


def test_home_queries_do_not_grow_with_the_rows(world, client, fee, three_houses):
    hall = meeting_room(world, needs_approval=False, price_per_slot=Decimal("0"))
    opened_now(world)
    client.force_login(world.users["resident"])

    def count():
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/app/").status_code == 200
        return len(queries)

    bill_period(world, "2026-06")
    resolved(world, world.house)
    notice(world, "停水")
    spaces.book(
        actor=world.users["resident"], space=hall, starts_at=tomorrow_at(10), purpose="读书会"
    )
    few = count()
    bill_period(world, "2026-07")
    bill_period(world, "2027-01")
    for house in three_houses:
        report(world, house)
        resolved(world, house)
    for n in range(4):
        notice(world, f"通知{n}")
    spaces.book(
        actor=world.users["resident"], space=hall, starts_at=tomorrow_at(14), purpose="合唱"
    )
    assert count() == few
    assert few <= 40, few


def test_manifest_is_valid_and_its_icons_exist(client):
    answer = client.get("/app/manifest.webmanifest")
    assert answer.status_code == 200
    assert answer["Content-Type"].startswith("application/manifest+json")
    data = json.loads(answer.content)
    assert data["start_url"] == "/app/" and data["display"] == "standalone"
    assert data["name"] and data["short_name"] and data["theme_color"].startswith("#")
    sizes = {icon["sizes"] for icon in data["icons"]}
    assert {"192x192", "512x512"} <= sizes
    from PIL import Image

    for icon in data["icons"]:
        path = finders.find(icon["src"].removeprefix(settings.STATIC_URL))
        assert path, icon
        with Image.open(Path(path)) as image:
            assert f"{image.width}x{image.height}" == icon["sizes"]


def test_portal_pages_link_the_manifest(world, client):
    page = home(client, world.users["resident"])
    assert 'rel="manifest" href="/app/manifest.webmanifest"' in page
    assert 'rel="apple-touch-icon"' in page


def test_large_text_still_works_on_the_home(world, client):
    client.force_login(world.users["resident"])
    client.post("/app/me/large-text/", {"next": "/app/"})
    assert 'class="large-text"' in client.get("/app/").content.decode()
