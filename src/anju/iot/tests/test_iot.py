"""IoT: devices and gateways, the batch ingest (all or nothing, every bad row named), alarms that
raise tickets once and clear, the offline sweep, meters' daily use, scoping, and MQTT for real."""

import json
import os
import time as clock
from datetime import datetime, time, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone, translation

from anju.core.errors import DomainError, Forbidden
from anju.iot import mqtt, selectors, services
from anju.iot.models import Alarm, AlarmRule, Device, Reading
from anju.servicedesk.models import Ticket

pytestmark = pytest.mark.django_db


@pytest.fixture
def leak(world):
    return services.register_device(
        actor=world.users["manager"],
        community=world.community,
        code="WL-0301",
        name="3幢水泵房水浸",
        kind="water_leak",
        place="3幢地下一层水泵房",
        building=world.building,
    )


@pytest.fixture
def gateway(world):
    return services.create_gateway(
        actor=world.users["manager"], community=world.community, name="楼宇网关"
    )


def _post(api, key, readings):
    client = api()
    return client.post(
        "/api/v1/iot/ingest/",
        {"readings": readings},
        format="json",
        HTTP_AUTHORIZATION=f"Gateway {key}",
    )


def test_register_device_brings_default_rules_and_checks_input(world, leak):
    rule = AlarmRule.objects.get(community=world.community, device_kind="water_leak")
    assert (rule.metric, rule.operator, rule.priority, rule.category) == (
        "leak",
        "eq",
        "P1",
        "water",
    )
    assert rule.message == "水浸传感器报警：疑似漏水淹水"
    with pytest.raises(DomainError) as refused:
        services.register_device(
            actor=world.users["manager"],
            community=world.community,
            code="WL-0301",
            name="x",
            kind="water_leak",
        )
    assert "code" in refused.value.fields
    with pytest.raises(Forbidden):
        services.register_device(
            actor=world.users["agent"], community=world.community, code="X1", name="x", kind="smoke"
        )
    with pytest.raises(DomainError) as refused:
        services.register_device(
            actor=world.users["manager"],
            community=world.community2,
            code="X2",
            name="x",
            kind="smoke",
        )
    assert isinstance(refused.value, Forbidden)  # the manager of 甲一 does not manage 甲二


def test_ingest_raises_one_alarm_and_ticket_then_clears(world, api, leak, gateway):
    _gw, key = gateway
    answer = _post(api, key, [{"device": "WL-0301", "metric": "leak", "value": 1}])
    assert answer.status_code == 200, answer.content
    assert answer.json()["alarms"] == 1
    alarm = Alarm.objects.get()
    ticket = alarm.ticket
    assert (ticket.priority, ticket.category, ticket.channel) == ("P1", "water", "system")
    assert "WL-0301" in ticket.description and "3幢地下一层水泵房" in ticket.description
    # Still wet: no second alarm, no second ticket.
    again = _post(api, key, [{"device": "WL-0301", "metric": "leak", "value": "1"}]).json()
    assert again["alarms"] == 0 and Alarm.objects.count() == 1 and Ticket.objects.count() == 1
    dry = _post(api, key, [{"device": "WL-0301", "metric": "leak", "value": 0}]).json()
    assert dry["cleared"] == 1
    alarm.refresh_from_db()
    assert alarm.status == "cleared" and alarm.cleared_at is not None
    # The ticket stays for people to close; the device shows its last value.
    assert Ticket.objects.get(pk=ticket.pk).status != "closed"
    leak.refresh_from_db()
    assert leak.last_values["leak"]["value"] == "0"
    assert Reading.objects.count() == 3


def test_bad_batches_name_each_row_and_store_nothing(world, api, leak, gateway):
    _gw, key = gateway
    future = (timezone.now() + timedelta(hours=1)).isoformat()
    answer = _post(
        api,
        key,
        [
            {"device": "WL-0301", "metric": "leak", "value": 0},
            {"device": "NOPE", "metric": "leak", "value": 1},
            {"device": "WL-0301", "metric": "leak", "value": "wet"},
            {"device": "WL-0301", "metric": "leak", "value": 1, "at": future},
            {"device": "WL-0301", "metric": "leak", "value": 1, "at": "2026-11-27 08:00"},
            {"device": "WL-0301", "metric": "leak", "value": 1, "at": "2026-02-30T08:00:00+08:00"},
        ],
    )
    assert answer.status_code == 400
    fields = answer.json()["error"]["fields"]
    assert set(fields) == {
        "readings[1]",
        "readings[2]",
        "readings[3]",
        "readings[4]",
        "readings[5]",
    }
    assert "NOPE" in fields["readings[1]"][0]
    assert not Reading.objects.exists() and not Alarm.objects.exists()
    assert (
        _post(api, "wrong-key", [{"device": "WL-0301", "metric": "leak", "value": 0}]).status_code
        == 401
    )
    assert api().post("/api/v1/iot/ingest/", {"readings": []}, format="json").status_code == 401


def test_a_gateway_reaches_only_its_community(world, api, leak):
    _gw, key = services.create_gateway(
        actor=world.users["manager2"], community=world.community2, name="甲二网关"
    )
    answer = _post(api, key, [{"device": "WL-0301", "metric": "leak", "value": 1}])
    assert answer.status_code == 400 and not Alarm.objects.exists()


def test_late_readings_do_not_overwrite_newer_values(world, leak):
    now = timezone.now()
    services.ingest(
        world.community, [{"device": "WL-0301", "metric": "leak", "value": 0, "at": now}]
    )
    services.ingest(
        world.community,
        [{"device": "WL-0301", "metric": "leak", "value": 1, "at": now - timedelta(hours=1)}],
    )
    leak.refresh_from_db()
    assert Decimal(leak.last_values["leak"]["value"]) == 0
    assert not Alarm.objects.exists() and Reading.objects.count() == 2


def test_offline_sweep_once_and_clears_on_report(world, leak):
    now = timezone.now()
    # A device with an open alarm of another kind and an earlier, cleared offline alarm.
    earlier = now - timedelta(hours=2)
    services.ingest(
        world.community, [{"device": "WL-0301", "metric": "leak", "value": 1, "at": earlier}]
    )
    assert services.sweep_offline(now=earlier + timedelta(minutes=31)) == 1
    services.ingest(
        world.community, [{"device": "WL-0301", "metric": "leak", "value": 1, "at": now}]
    )
    assert Alarm.objects.filter(kind="offline", status="cleared").count() == 1
    assert Alarm.objects.filter(kind="threshold", status="open").count() == 1
    # Neither hides a new silence; it raises one offline alarm, not one per sweep.
    assert services.sweep_offline(now=now + timedelta(minutes=10)) == 0
    assert services.sweep_offline(now=now + timedelta(minutes=31)) == 1
    assert services.sweep_offline(now=now + timedelta(minutes=40)) == 0
    alarm = Alarm.objects.get(kind="offline", status="open")
    assert alarm.ticket.priority == "P3" and "离线" in alarm.message
    result = services.ingest(
        world.community,
        [{"device": "WL-0301", "metric": "leak", "value": 1, "at": now + timedelta(minutes=41)}],
        now=now + timedelta(minutes=41),
    )
    assert result["cleared"] == 1
    assert not Alarm.objects.filter(kind="offline", status="open").exists()


def test_meter_daily_use(world):
    meter = services.register_device(
        actor=world.users["manager"],
        community=world.community,
        code="WM-1",
        name="总水表",
        kind="water_meter",
    )
    zone = timezone.get_current_timezone()
    today = timezone.localdate()
    rows = []
    total = Decimal("1000")
    for days_ago in (2, 1, 0):
        day = today - timedelta(days=days_ago)
        for hour in (1, 12, 23):
            total += Decimal("10.5")
            at = datetime.combine(day, time(hour), tzinfo=zone)
            rows.append({"device": "WM-1", "metric": "total", "value": total, "at": at})
    services.ingest(world.community, rows, now=datetime.combine(today, time(23, 30), tzinfo=zone))
    usage = selectors.daily_usage(meter, now=datetime.combine(today, time(23, 30), tzinfo=zone))
    assert [u["usage"] for u in usage] == [Decimal("21.0"), Decimal("31.5"), Decimal("31.5")]


def test_api_scoping_and_roles(world, api, leak):
    assert api(world.users["technician"]).get(f"/api/v1/iot/devices/{leak.pk}/").status_code == 200
    assert api(world.users["manager2"]).get(f"/api/v1/iot/devices/{leak.pk}/").status_code == 404
    assert api(world.users["outsider"]).get(f"/api/v1/iot/devices/{leak.pk}/").status_code == 404
    assert api(world.users["resident"]).get("/api/v1/iot/devices/").status_code == 403
    assert api(world.users["cashier"]).get("/api/v1/iot/alarms/").status_code == 403
    created = api(world.users["technician"]).post(
        "/api/v1/iot/devices/",
        {"community": world.community.pk, "code": "S-1", "name": "烟感", "kind": "smoke"},
        format="json",
    )
    assert created.status_code in (403, 404) and not Device.objects.filter(code="S-1").exists()
    ok = api(world.users["manager"]).post(
        "/api/v1/iot/devices/",
        {"community": world.community.pk, "code": "S-1", "name": "1幢烟感", "kind": "smoke"},
        format="json",
    )
    assert ok.status_code == 201 and ok.json()["online"] is False
    services.ingest(world.community, [{"device": "S-1", "metric": "smoke", "value": 1}])
    readings = api(world.users["agent"]).get(f"/api/v1/iot/devices/{ok.json()['id']}/readings/")
    assert [r["metric"] for r in readings.json()] == ["smoke"]
    alarms = api(world.users["agent"]).get("/api/v1/iot/alarms/?status=open").json()["results"]
    assert alarms[0]["ticket_number"].startswith("BX-")
    assert api(world.users["manager2"]).get("/api/v1/iot/alarms/").json()["count"] == 0


def test_console_pages(world, leak, client):
    from anju.core.testing import PASSWORD

    services.ingest(world.community, [{"device": "WL-0301", "metric": "leak", "value": 1}])
    client.login(username="manager", password=PASSWORD)
    for url in (
        "/console/iot/devices/",
        f"/console/iot/devices/{leak.pk}/",
        "/console/iot/devices/new/",
        "/console/iot/alarms/?status=open",
        "/console/iot/rules/",
        "/console/iot/rules/new/",
        "/console/iot/gateways/",
    ):
        assert client.get(url).status_code == 200, url
    made = client.post(
        "/console/iot/gateways/", {"community": world.community.pk, "name": "新网关"}
    )
    key = made.content.decode().split('id="gateway-key"', 1)[1].split(">", 1)[1].split("<", 1)[0]
    assert services.gateway_for_key(key).name == "新网关"
    assert key not in client.get("/console/iot/gateways/").content.decode()  # shown once
    client.logout()
    client.login(username="manager2", password=PASSWORD)
    assert client.get(f"/console/iot/devices/{leak.pk}/").status_code == 404


@pytest.mark.mqtt
@pytest.mark.postgres  # the consumer's thread writes while the test reads: SQLite's test database locks
@pytest.mark.django_db(transaction=True)
def test_mqtt_message_to_ticket(world):
    """A real broker: publish on the device's topic; the consumer stores it and raises the alarm."""
    import paho.mqtt.client as paho
    import paho.mqtt.publish as publish

    services.register_device(
        actor=world.users["manager"],
        community=world.community,
        code="EL-1",
        name="1号电梯",
        kind="elevator",
    )
    url = os.environ.get("ANJU_TEST_MQTT_URL", "mqtt://127.0.0.1:1883")
    host, port = url.split("//", 1)[1].split(":")
    topic = f"anju/iot/{world.community.pk}/EL-1"
    consumer = mqtt.connect(url, topic=f"anju/iot/{world.community.pk}/+")
    consumer.loop_start()
    try:
        clock.sleep(0.5)  # subscribed
        publish.single(
            topic,
            json.dumps({"trapped": 1}),
            qos=1,
            hostname=host,
            port=int(port),
            protocol=paho.MQTTv311,
        )
        for _ in range(100):
            if Alarm.objects.exists():
                break
            clock.sleep(0.1)
    finally:
        consumer.disconnect()  # in the network thread: closes its database connection
        consumer.loop_stop()
    alarm = Alarm.objects.get()
    assert alarm.ticket.priority == "P1" and alarm.ticket.category == "elevator"
    assert Reading.objects.get().metric == "trapped"


def test_mqtt_topics_and_payloads():
    assert mqtt.rows_of(
        "anju/iot/7/WM-1", b'{"total": 12.5, "at": "2026-11-27T08:00:00+08:00"}'
    ) == (
        7,
        [{"device": "WM-1", "metric": "total", "value": 12.5, "at": "2026-11-27T08:00:00+08:00"}],
    )
    for topic, payload in (("other/1/x", b"{}"), ("anju/iot/x/y", b"{}"), ("anju/iot/1/y", b"[1]")):
        with pytest.raises(ValueError):
            mqtt.rows_of(topic, payload)
    assert mqtt.handle("anju/iot/1/y", b"not json") is None


def test_numbers_read_as_people_write_them(world):
    services.register_device(
        actor=world.users["manager"],
        community=world.community,
        code="T-1",
        name="配电房温度",
        kind="temperature",
    )
    rule = AlarmRule.objects.get(community=world.community, device_kind="temperature")
    assert rule.condition == "temp_c > 40"
    with translation.override("zh-hans"):
        assert rule.shown_condition == "温度 > 40°C"  # what people read: no metric key
    with translation.override("en"):
        assert rule.shown_condition == "Temperature > 40°C"
    services.ingest(world.community, [{"device": "T-1", "metric": "temp_c", "value": "50.00"}])
    description = Alarm.objects.get().ticket.description
    assert "temp_c" not in description
    assert "(温度 50°C)" in description or "(Temperature 50°C)" in description


def _meter_days(world, code, kind, per_day, now):
    """A meter with readings every six hours over ``len(per_day)`` days ending yesterday."""
    services.register_device(
        actor=world.users["manager"], community=world.community, code=code, name=code, kind=kind
    )
    zone = timezone.get_current_timezone()
    today = timezone.localdate(now)
    total, rows = Decimal("1000"), []
    for offset, used in enumerate(per_day):  # oldest first: a cumulative reading only rises
        day = today - timedelta(days=len(per_day) - offset)
        for hour in (0, 6, 12, 18):
            total += Decimal(str(used)) / 4
            rows.append(
                {
                    "device": code,
                    "metric": "total",
                    "value": total,
                    "at": datetime.combine(day, time(hour), tzinfo=zone),
                }
            )
    services.ingest(world.community, rows, now=now)


def test_usage_spike_raises_one_ticket(world):
    zone = timezone.get_current_timezone()
    now = datetime.combine(timezone.localdate(), time(6), tzinfo=zone)
    _meter_days(world, "WM-1", "water_meter", [10, 11, 9, 10, 12, 10, 11, 10, 40], now)
    _meter_days(world, "EM-1", "power_meter", [100, 98, 103, 101, 99, 100, 102, 100, 104], now)
    assert services.check_usage_spikes(now=now) == 1
    alarm = Alarm.objects.get()
    assert alarm.kind == "usage" and alarm.device.code == "WM-1"
    assert (alarm.ticket.category, alarm.ticket.priority) == ("water", "P3")
    assert "40" in alarm.message
    assert services.check_usage_spikes(now=now + timedelta(hours=1)) == 0  # once a day


def test_energy_page_compares_periods(world):
    now = timezone.now()
    _meter_days(world, "WM-1", "water_meter", [10] * 7 + [20] * 7, now)
    rows, by_kind = selectors.energy(world.users["manager"], days=7, now=now)
    row = rows[0]
    # "the last 7 days" are today (no readings yet) and the six days before: 6 x 20
    assert row["total"] == Decimal("120") and row["previous"] > 0 and row["change"] > 0
    assert sum(by_kind["water_meter"].values()) == Decimal("120")
    assert selectors.energy(world.users["manager2"], days=7, now=now)[0] == []
    from django.test import Client

    from anju.core.testing import PASSWORD

    client = Client()
    client.login(username="manager", password=PASSWORD)
    page = client.get("/console/iot/energy/?days=7")
    assert page.status_code == 200 and "WM-1" in page.content.decode()
    client.login(username="cashier", password=PASSWORD)
    assert client.get("/console/iot/energy/").status_code == 403
