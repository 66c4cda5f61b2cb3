"""The notification centre (消息): the caller's own inbox through the API and the pages, the
settings, quiet hours, the recipient's language, and one message per event for the right
person."""

from datetime import datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils.translation import gettext_lazy

from anju.core.models import Notification, NotificationPreference, User
from anju.core.notifications import (
    LogSmsBackend,
    deliver_deferred,
    interpolate,
    notify,
    safe_link,
)
from anju.core.testing import PASSWORD, make_user

pytestmark = pytest.mark.django_db
SH = ZoneInfo("Asia/Shanghai")


def _many(user, n, **kw):
    return [
        notify([user], f"消息 {i}", "内容", link=f"/app/tickets/{i}/", **kw)[0] for i in range(n)
    ]


# --- API ---------------------------------------------------------------------------------------


def test_list_is_the_callers_own_newest_first_and_filters_unread(world, api):
    me, other = world.users["resident"], world.users["neighbour"]
    first, second = _many(me, 2)
    notify([other], "别人的", "")
    Notification.objects.filter(pk=first.pk).update(read_at=first.created_at)
    client = api(me)
    body = client.get("/api/v1/notifications/").json()
    assert body["count"] == 2
    assert [r["id"] for r in body["results"]] == [second.pk, first.pk]
    assert body["results"][0]["unread"] is True and body["results"][1]["unread"] is False
    unread = client.get("/api/v1/notifications/?unread=1").json()
    assert [r["id"] for r in unread["results"]] == [second.pk]
    bad = client.get("/api/v1/notifications/?unread=maybe")
    assert bad.status_code == 400 and "unread" in bad.json()["error"]["fields"]


def test_unread_count_read_and_read_all(world, api):
    me = world.users["resident"]
    rows = _many(me, 3)
    client = api(me)
    assert client.get("/api/v1/notifications/unread-count/").json() == {"count": 3}
    answer = client.post(f"/api/v1/notifications/{rows[0].pk}/read/")
    assert answer.status_code == 200 and answer.json()["read_at"]
    assert client.get("/api/v1/notifications/unread-count/").json() == {"count": 2}
    assert client.post("/api/v1/notifications/read-all/").json() == {"read": 2}
    assert client.get("/api/v1/notifications/unread-count/").json() == {"count": 0}


def test_another_persons_notification_is_404(world, api):
    theirs = notify([world.users["neighbour"]], "别人的", "")[0]
    answer = api(world.users["resident"]).post(f"/api/v1/notifications/{theirs.pk}/read/")
    assert answer.status_code == 404
    assert answer.json()["error"]["code"] == "not_found"
    assert Notification.objects.get(pk=theirs.pk).read_at is None
    assert api(world.users["resident"]).post("/api/v1/notifications/abc/read/").status_code == 404


def test_list_queries_do_not_grow_with_the_page(world, api):
    me = world.users["resident"]
    client = api(me)
    _many(me, 3)
    with CaptureQueriesContext(connection) as few:
        assert client.get("/api/v1/notifications/").status_code == 200
    _many(me, 40)
    with CaptureQueriesContext(connection) as many:
        assert client.get("/api/v1/notifications/").status_code == 200
    assert len(many) == len(few) <= 4


def test_preferences_read_and_patch(world, api):
    client = api(world.users["resident"])
    prefs = client.get("/api/v1/me/notification-preferences/").json()
    assert prefs["inbox"] is True and prefs["sms"] is True and prefs["quiet_start"] is None
    assert "inbox" in prefs["available"] and "sms" in prefs["available"]
    answer = client.patch(
        "/api/v1/me/notification-preferences/",
        {"sms": False, "quiet_start": "22:00", "quiet_end": "07:30", "language": "en"},
        format="json",
    )
    assert answer.status_code == 200, answer.json()
    assert answer.json()["quiet_end"] == "07:30" and answer.json()["sms"] is False
    pref = NotificationPreference.objects.get(user=world.users["resident"])
    assert pref.quiet_start == time(22, 0) and not pref.sms
    assert User.objects.get(pk=world.users["resident"].pk).language == "en"


@pytest.mark.parametrize(
    "data, field",
    [
        ({"quiet_start": "25:00", "quiet_end": "07:00"}, "quiet_start"),
        ({"quiet_start": "22:00"}, "quiet_end"),
        ({"quiet_end": "07:00"}, "quiet_start"),
        ({"quiet_start": "07:00", "quiet_end": "07:00"}, "quiet_end"),
        ({"inbox": False}, "inbox"),
        ({"sms": "perhaps"}, "sms"),
        ({"language": "fr"}, "language"),
    ],
)
def test_preferences_refuse_bad_values_naming_the_field(world, api, data, field):
    answer = api(world.users["resident"]).patch(
        "/api/v1/me/notification-preferences/", data, format="json"
    )
    assert answer.status_code == 400
    assert field in answer.json()["error"]["fields"], answer.json()
    assert not NotificationPreference.objects.filter(user=world.users["resident"]).exists()


def test_preferences_need_a_login(db, api):
    assert api().get("/api/v1/me/notification-preferences/").status_code in (401, 403)
    assert api().get("/api/v1/notifications/unread-count/").status_code in (401, 403)


# --- delivery ----------------------------------------------------------------------------------


def _quiet(user, start=time(22, 0), end=time(7, 0)):
    NotificationPreference.objects.create(user=user, quiet_start=start, quiet_end=end)


def test_quiet_hours_defer_sms_to_their_end_while_the_inbox_row_is_there(
    world, django_capture_on_commit_callbacks
):
    user = world.users["resident"]
    _quiet(user)
    sent = len(LogSmsBackend.sent)
    with time_machine.travel(datetime(2026, 12, 2, 23, 30, tzinfo=SH), tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            row = notify([user], "夜里的消息", "正文", channels=("inbox", "sms"))[0]
        assert len(LogSmsBackend.sent) == sent
        row.refresh_from_db()
        assert row.pending_channels == "wechat,sms"
        assert row.deliver_after == datetime(2026, 12, 3, 7, 0, tzinfo=SH)
        assert deliver_deferred() == 0  # not yet
    with time_machine.travel(datetime(2026, 12, 3, 7, 1, tzinfo=SH), tick=False):
        assert deliver_deferred() == 1
        assert deliver_deferred() == 0  # claimed once
    assert LogSmsBackend.sent[-1] == (user.phone, "夜里的消息 正文")


def test_urgent_messages_and_daytime_go_at_once(world, django_capture_on_commit_callbacks):
    user = world.users["resident"]
    _quiet(user)
    with time_machine.travel(datetime(2026, 12, 2, 23, 30, tzinfo=SH), tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            notify([user], "漏水紧急", "", channels=("inbox", "sms"), urgent=True)
        assert LogSmsBackend.sent[-1] == (user.phone, "漏水紧急")
    with time_machine.travel(datetime(2026, 12, 2, 12, 0, tzinfo=SH), tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            notify([user], "白天的消息", "", channels=("inbox", "sms"))
        assert LogSmsBackend.sent[-1] == (user.phone, "白天的消息")


def test_sms_switched_off_is_not_sent_and_a_failing_gateway_is_logged(
    world, django_capture_on_commit_callbacks, settings, caplog
):
    user = world.users["resident"]
    NotificationPreference.objects.create(user=user, sms=False)
    sent = len(LogSmsBackend.sent)
    with django_capture_on_commit_callbacks(execute=True):
        notify([user], "不发短信", "", channels=("inbox", "sms"))
    assert len(LogSmsBackend.sent) == sent
    settings.ANJU_SMS_BACKEND = "anju.core.tests.test_notification_centre.BrokenSms"
    with django_capture_on_commit_callbacks(execute=True):
        rows = notify([world.users["neighbour"]], "网关坏了", "", channels=("inbox", "sms"))
    assert rows and "SMS to" in caplog.text


class BrokenSms:
    def send(self, phone, text):
        raise ConnectionError("gateway down")


def test_titles_are_written_in_the_recipients_language(world):
    english, chinese = world.users["resident"], world.users["neighbour"]
    english.language = "en"
    english.save(update_fields=["language"])
    notify(
        [english, chinese],
        interpolate(gettext_lazy("Payment received: %(amount)s"), amount="¥10.00"),
        gettext_lazy("Reminder: your booking starts soon"),
    )
    assert Notification.objects.get(user=english).title == "Payment received: ¥10.00"
    assert Notification.objects.get(user=chinese).title == "已收到缴费：¥10.00"
    assert Notification.objects.get(user=english).body == "Reminder: your booking starts soon"


def test_the_language_switch_is_remembered_for_messages(world, client):
    client.login(username="resident", password=PASSWORD)
    client.post("/i18n/setlang/", {"language": "en", "next": "/app/"})
    assert User.objects.get(username="resident").language == "en"


def test_bulk_notify_costs_the_same_queries_for_five_or_fifty(world, django_assert_max_num_queries):
    org = world.org
    five = [make_user(f"r{i}", phone=f"1380000{i:04d}") for i in range(5)]
    fifty = [make_user(f"s{i}", phone=f"1381000{i:04d}") for i in range(50)]
    for user in fifty[::2]:
        user.language = "en"
    User.objects.bulk_update(fifty, ["language"])
    with CaptureQueriesContext(connection) as small:
        notify(five, "停水通知", "", community=world.community, channels=("inbox", "sms"))
    with CaptureQueriesContext(connection) as big:
        notify(fifty, "停水通知", "", community=world.community, channels=("inbox", "sms"))
    assert len(big) == len(small) <= 3
    assert Notification.objects.filter(title="停水通知").count() == 55
    assert org  # the world's company is untouched


def test_once_dedupes_on_the_event_and_link(world):
    user = world.users["resident"]
    assert notify(
        [user], "提醒", "", link="/app/spaces/", event="spaces.booking.reminder", once=True
    )
    assert not notify(
        [user], "提醒", "", link="/app/spaces/", event="spaces.booking.reminder", once=True
    )


@pytest.mark.parametrize(
    "link, safe",
    [
        ("/app/tickets/3/", "/app/tickets/3/"),
        ("https://evil.example/", ""),
        ("//evil.example/", ""),
        ("/\\evil.example/", ""),
        ("javascript:alert(1)", ""),
        ("/app/\nx", ""),
    ],
)
def test_only_links_on_this_site_are_kept(link, safe):
    assert safe_link(link) == safe


# --- pages -------------------------------------------------------------------------------------


CONSOLE_PAGES = ["/console/", "/console/houses/", "/console/me/", "/console/notifications/"]


def test_console_bell_with_the_unread_count_on_every_page(world, client):
    manager = world.users["manager"]
    _many(manager, 3)
    client.force_login(manager)
    for url in CONSOLE_PAGES + ["/console/tickets/", "/console/audit/"]:
        page = client.get(url)
        if page.status_code != 200:
            continue  # a page this role may not open
        html = page.content.decode()
        assert "data-bell" in html and '<span class="badge" aria-hidden="true">3</span>' in html, (
            url
        )


def test_console_inbox_lists_opens_and_marks_all_read(world, client):
    manager = world.users["manager"]
    rows = _many(manager, 25)
    evil = notify([manager], "外链", "", link="https://evil.example/")[0]
    client.force_login(manager)
    html = client.get("/console/notifications/").content.decode()
    assert "外链" in html and "消息 24" in html and "消息 0" not in html  # 20 a page
    assert "page=2" in html
    answer = client.post(f"/console/notifications/{rows[3].pk}/open/")
    assert answer.status_code == 302 and answer["Location"] == "/app/tickets/3/"
    assert Notification.objects.get(pk=rows[3].pk).read_at is not None
    answer = client.post(f"/console/notifications/{evil.pk}/open/")
    assert answer["Location"] == "/console/notifications/"
    theirs = notify([world.users["agent"]], "别人的", "")[0]
    assert client.post(f"/console/notifications/{theirs.pk}/open/").status_code == 404
    client.post("/console/notifications/read-all/")
    assert not Notification.objects.filter(user=manager, read_at__isnull=True).exists()
    assert client.get(f"/console/notifications/{rows[0].pk}/open/").status_code == 405


def test_portal_badge_on_me_and_the_inbox(world, client):
    resident = world.users["resident"]
    rows = _many(resident, 2)
    client.force_login(resident)
    home = client.get("/app/").content.decode()
    assert "data-me-tab" in home and '<span class="badge" aria-hidden="true">2</span>' in home
    page = client.get("/app/notifications/").content.decode()
    assert "消息 1" in page and "未读" in page and "全部标为已读" in page
    assert client.get("/app/notifications/?unread=1").status_code == 200
    answer = client.post(f"/app/notifications/{rows[1].pk}/open/")
    assert answer["Location"] == "/app/tickets/1/"
    assert '<span class="badge" aria-hidden="true">1</span>' in client.get("/app/").content.decode()


def test_inbox_pages_in_english(world, client):
    resident = world.users["resident"]
    _many(resident, 1)
    client.force_login(resident)
    client.cookies["django_language"] = "en"
    html = client.get("/app/notifications/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Mark all read" in html and "unread" in html


# --- events ------------------------------------------------------------------------------------


def _events(user):
    return list(Notification.objects.filter(user=user).values_list("event", flat=True))


def test_each_ticket_step_tells_the_resident_once(world, django_capture_on_commit_callbacks):
    from anju.servicedesk import services

    resident, agent, tech = (world.users[n] for n in ("resident", "agent", "technician"))
    ticket = services.create_ticket(
        actor=agent,
        community=world.community,
        kind="repair",
        category="water",
        description="厨房水管漏水",
        channel="phone",
        house=world.house,
        reporter=world.people["owner"],
        priority="P3",
    )
    assert _events(resident) == ["servicedesk.ticket.received"]
    services.assign(actor=agent, ticket=ticket, assignee=tech)
    assert _events(tech).count("servicedesk.ticket.assigned") == 1
    services.accept(actor=tech, ticket=ticket)
    services.set_appointment(
        actor=agent, ticket=ticket, appointment_at=datetime.now(SH) + timedelta(hours=3)
    )
    services.set_appointment(
        actor=agent, ticket=ticket, appointment_at=datetime.now(SH) + timedelta(hours=5)
    )
    services.arrive(actor=tech, ticket=ticket)
    services.resolve(actor=tech, ticket=ticket, note="更换了水管接头")
    events = _events(resident)
    for step in ("received", "dispatched", "accepted", "arrived", "resolved"):
        assert events.count(f"servicedesk.ticket.{step}") == 1, (step, events)
    assert events.count("servicedesk.ticket.appointment") == 2
    titles = list(Notification.objects.filter(user=resident).values_list("title", flat=True))
    tech_name = tech.get_full_name() or tech.username
    assert any(ticket.number in t and tech_name in t for t in titles)
    assert any("改到" in t or "改为" in t for t in titles), titles
    links = set(Notification.objects.filter(user=resident).values_list("link", flat=True))
    assert links == {f"/app/tickets/{ticket.pk}/"}
    assert not Notification.objects.filter(user=world.users["neighbour"]).exists()


def test_a_resident_reporting_their_own_ticket_is_not_told_they_did(world):
    from anju.servicedesk import services

    resident = world.users["resident"]
    services.create_ticket(
        actor=resident,
        community=world.community,
        kind="repair",
        category="water",
        description="卫生间漏水",
        channel="portal",
        house=world.house,
        reporter=world.people["owner"],
    )
    assert _events(resident) == []


def test_bills_issued_and_payment_tell_the_household_once(
    world, django_capture_on_commit_callbacks
):
    from datetime import date

    from anju.billing import services
    from anju.billing.choices import Method

    admin = world.users["org_admin"]
    services.create_fee_item(
        actor=admin,
        community=world.community,
        name="垃圾清运费",
        method=Method.FIXED,
        unit_price=Decimal("10.0000"),
        unit="元/户·月",
        basis="合同附件2",
        effective_from=date(2026, 1, 1),
        published=True,
    )
    run = services.create_billing_run(actor=admin, community=world.community, period="2027-01")
    with django_capture_on_commit_callbacks(execute=True):
        services.post_billing_run(actor=admin, run=run)
    household = ("resident", "tenant")
    for name in household:
        assert _events(world.users[name]) == ["billing.bill.issued"], name
    assert _events(world.users["neighbour"]) == ["billing.bill.issued"]  # their own house
    assert not _events(world.users["stranger"])
    services.record_payment(
        actor=world.users["cashier"], house=world.house, amount=Decimal("10.00"), method="cash"
    )
    for name in household:
        assert _events(world.users[name]).count("billing.payment.received") == 1, name
    assert "billing.payment.received" not in _events(world.users["neighbour"])
    title = Notification.objects.get(user=world.users["resident"], event="billing.payment.received")
    assert "10.00" in title.title and title.link.startswith("/app/bills/receipts/")
