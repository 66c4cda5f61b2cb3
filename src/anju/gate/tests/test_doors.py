"""Doors: rights follow occupancy (a tenant's end date ends them), the open command (202, 403
without a right) to the gateway over the real Mosquitto or HTTP polling, its acknowledgement,
cards and QR codes, and face recognition only by consent, deleted by its owner."""

import json
import os
import threading
import time
from datetime import timedelta

import pytest
from django.test import override_settings
from django.utils import timezone

from anju.core.errors import DomainError, Forbidden
from anju.core.models import AuditEntry, Building, House, Occupancy
from anju.core.testing import api_client
from anju.gate import selectors, services
from anju.gate.choices import CommandStatus, CredentialKind, DoorKind
from anju.gate.models import Credential, DoorCommand
from anju.iot import services as iot

pytestmark = pytest.mark.django_db


@pytest.fixture
def doors(world):
    manager = world.users["manager"]
    other = Building.objects.create(organization=world.org, community=world.community, name="2幢")
    made = {}
    for code, name, kind, building in (
        ("D-EAST", "东门", DoorKind.COMMUNITY_GATE, None),
        ("D-B1", "1幢单元门", DoorKind.BUILDING_ENTRANCE, world.building),
        ("D-B2", "2幢单元门", DoorKind.BUILDING_ENTRANCE, other),
        ("D-GAR", "车库门", DoorKind.GARAGE, None),
    ):
        device = iot.register_device(
            actor=manager, community=world.community, code=code, name=name, kind="other"
        )
        made[code] = services.save_door(
            actor=manager,
            community=world.community,
            name=name,
            kind=kind,
            device=device,
            building=building,
        )
    return made


def test_rights_follow_the_home(world, doors):
    resident = world.users["resident"]
    mine = set(selectors.doors_openable_by(resident).values_list("name", flat=True))
    assert mine == {"东门", "1幢单元门", "车库门"}
    assert selectors.may_open(resident, doors["D-B1"])
    assert not selectors.may_open(resident, doors["D-B2"])
    assert not selectors.may_open(world.users["stranger"], doors["D-EAST"])
    # A guard on duty opens any door of the community; a cleaner none.
    assert selectors.may_open(world.users["guard"], doors["D-B2"])
    assert not selectors.may_open(world.users["cleaner"], doors["D-EAST"])
    client = api_client(resident)
    listed = {d["name"]: d["may_open"] for d in client.get("/api/v1/doors/").json()["results"]}
    assert listed == {"东门": True, "1幢单元门": True, "2幢单元门": False, "车库门": True}
    denied = client.post(f"/api/v1/doors/{doors['D-B2'].pk}/open/")
    assert denied.status_code == 403
    assert not DoorCommand.objects.exists()
    outsider = api_client(world.users["stranger"])
    assert outsider.post(f"/api/v1/doors/{doors['D-EAST'].pk}/open/").status_code == 404


def test_a_tenants_end_date_ends_their_rights(world, doors):
    tenant = world.users["tenant"]
    occupancy = Occupancy.objects.get(person=world.people["tenant"])
    today = timezone.localdate()
    occupancy.until = today
    occupancy.save()
    assert selectors.may_open(tenant, doors["D-EAST"])  # the last day still counts
    assert selectors.may_open(tenant, doors["D-EAST"], on=today + timedelta(days=1)) is False
    occupancy.until = today - timedelta(days=1)
    occupancy.save()
    tenant = type(tenant).objects.get(pk=tenant.pk)  # a fresh login: no cached homes
    assert not selectors.may_open(tenant, doors["D-EAST"])
    assert list(selectors.doors_openable_by(tenant)) == []
    with pytest.raises(Forbidden):
        services.open_door(actor=tenant, door=doors["D-EAST"])
    answer = api_client(tenant).post(f"/api/v1/doors/{doors['D-EAST'].pk}/open/")
    assert answer.status_code in (403, 404)
    assert not DoorCommand.objects.exists()


def test_open_is_202_queued_for_polling_and_acknowledged(world, doors, api):
    client = api_client(world.users["resident"])
    answer = client.post(f"/api/v1/doors/{doors['D-EAST'].pk}/open/")
    assert answer.status_code == 202, answer.content
    command = DoorCommand.objects.get(pk=answer.json()["command"])
    assert command.status == CommandStatus.QUEUED and command.channel == "http"
    assert command.requested_by == world.users["resident"]
    assert AuditEntry.objects.filter(action="gate.door.opened").exists()
    gateway, key = iot.create_gateway(
        actor=world.users["manager"], community=world.community, name="门禁网关"
    )
    machine = api()
    auth = {"HTTP_AUTHORIZATION": f"Gateway {key}"}
    polled = machine.get("/api/v1/gate/commands/", **auth).json()["commands"]
    assert polled == [
        {"id": command.pk, "action": "open", "device": "D-EAST", "door": doors["D-EAST"].pk}
    ]
    acked = machine.post(
        f"/api/v1/gate/commands/{command.pk}/ack/", {"ok": True}, format="json", **auth
    )
    assert acked.status_code == 200 and acked.json()["status"] == CommandStatus.DONE
    again = machine.post(
        f"/api/v1/gate/commands/{command.pk}/ack/", {"ok": True}, format="json", **auth
    )
    assert again.status_code == 409
    assert machine.get("/api/v1/gate/commands/", **auth).json()["commands"] == []
    assert machine.get("/api/v1/gate/commands/").status_code in (401, 403)
    # A gateway of another community knows no such command.
    other, other_key = iot.create_gateway(
        actor=world.users["manager2"], community=world.community2, name="网关"
    )
    foreign = machine.post(
        f"/api/v1/gate/commands/{command.pk}/ack/",
        {"ok": False},
        format="json",
        HTTP_AUTHORIZATION=f"Gateway {other_key}",
    )
    assert foreign.status_code == 400
    log = client.get("/api/v1/door-commands/").json()["results"]
    assert [row["id"] for row in log] == [command.pk]
    assert (
        api_client(world.users["neighbour"]).get("/api/v1/door-commands/").json()["results"] == []
    )


def test_doors_are_managed_with_checks(world, doors):
    manager = world.users["manager"]
    device = doors["D-EAST"].device
    with pytest.raises(DomainError) as same:
        services.save_door(
            actor=manager,
            community=world.community,
            name="东门",
            kind="community_gate",
            device=device,
        )
    assert "name" in same.value.fields
    with pytest.raises(DomainError) as entrance:
        services.save_door(
            actor=manager,
            community=world.community,
            name="X",
            kind="building_entrance",
            device=device,
        )
    assert "building" in entrance.value.fields
    with pytest.raises(Forbidden):
        services.save_door(
            actor=world.users["guard"],
            community=world.community,
            name="Y",
            kind="garage",
            device=device,
        )
    foreign = iot.register_device(
        actor=world.users["manager2"], community=world.community2, code="Z", name="Z", kind="other"
    )
    with pytest.raises(DomainError) as wrong:
        services.save_door(
            actor=manager, community=world.community, name="Z", kind="garage", device=foreign
        )
    assert "device" in wrong.value.fields


@pytest.mark.mqtt
@pytest.mark.django_db(transaction=True)
def test_a_door_command_goes_over_the_real_mosquitto(world, doors):
    import paho.mqtt.client as paho

    url = os.environ.get("ANJU_TEST_MQTT_URL", "mqtt://127.0.0.1:1883")
    host, port = url.split("//", 1)[1].split(":")
    topic = f"anju/cmd/{world.community.pk}/D-EAST"
    received, subscribed = [], threading.Event()
    listener = paho.Client(paho.CallbackAPIVersion.VERSION2, protocol=paho.MQTTv311)
    listener.on_connect = lambda c, u, f, rc, p: c.subscribe(topic, qos=1)
    listener.on_subscribe = lambda c, u, mid, rc, p: subscribed.set()
    listener.on_message = lambda c, u, m: received.append((m.topic, json.loads(m.payload)))
    listener.connect(host, int(port))
    listener.loop_start()
    try:
        assert subscribed.wait(5)
        with override_settings(MQTT_URL=url):
            command = services.open_door(actor=world.users["resident"], door=doors["D-EAST"])
        for _ in range(50):
            if received:
                break
            time.sleep(0.1)
    finally:
        listener.disconnect()
        listener.loop_stop()
    assert received == [
        (topic, {"command": command.pk, "action": "open", "door": doors["D-EAST"].pk})
    ]
    command.refresh_from_db()
    assert command.channel == "mqtt" and command.status == CommandStatus.SENT
    gateway, _key = iot.create_gateway(
        actor=world.users["manager"], community=world.community, name="g"
    )
    services.acknowledge(gateway=gateway, command_id=command.pk, ok=True)
    command.refresh_from_db()
    assert command.status == CommandStatus.DONE and command.acked_at


@pytest.mark.mqtt
@pytest.mark.postgres  # the consumer writes from its own thread; SQLite's test database locks
@pytest.mark.django_db(transaction=True)
def test_the_gateway_acknowledges_over_mqtt_and_the_consumer_records_it(world, doors):
    """A gateway answers a command on anju/ack/<community>/<device>; ``anju iot_listen``'s
    client (the apps' topics included) marks the command done. A message naming another
    device's command is dropped."""
    import paho.mqtt.client as paho

    from anju.gate import mqtt as gate_mqtt
    from anju.iot import mqtt as iot_mqtt

    url = os.environ.get("ANJU_TEST_MQTT_URL", "mqtt://127.0.0.1:1883")
    host, port = url.split("//", 1)[1].split(":")
    community = world.community.pk
    consumer = iot_mqtt.connect(url)
    consumer.loop_start()
    gateway = paho.Client(paho.CallbackAPIVersion.VERSION2, protocol=paho.MQTTv311)
    subscribed = threading.Event()

    def answer(client, userdata, message):
        sent = json.loads(message.payload)
        device = message.topic.rsplit("/", 1)[1]
        # First a wrong device's answer (dropped), then the right one.
        client.publish(
            gate_mqtt.ack_topic(community, "D-OTHER"), json.dumps({"command": sent["command"]}), 1
        )
        client.publish(
            gate_mqtt.ack_topic(community, device),
            json.dumps({"command": sent["command"], "ok": True, "result": "opened"}),
            1,
        )

    gateway.on_connect = lambda c, u, f, rc, p: c.subscribe(f"anju/cmd/{community}/+", qos=1)
    gateway.on_subscribe = lambda c, u, mid, rc, p: subscribed.set()
    gateway.on_message = answer
    gateway.connect(host, int(port))
    gateway.loop_start()
    try:
        assert subscribed.wait(5)
        time.sleep(0.5)  # the consumer's subscription
        with override_settings(MQTT_URL=url):
            command = services.open_door(actor=world.users["resident"], door=doors["D-EAST"])
        for _ in range(100):
            command.refresh_from_db()
            if command.status == CommandStatus.DONE:
                break
            time.sleep(0.1)
    finally:
        for client in (gateway, consumer):
            client.disconnect()
            client.loop_stop()
    assert command.status == CommandStatus.DONE and command.result == "opened"


def test_an_acknowledgement_message_is_checked_before_it_counts(world, doors):
    from anju.gate import mqtt as gate_mqtt

    command = services.open_door(actor=world.users["resident"], door=doors["D-EAST"])
    topic = gate_mqtt.ack_topic(world.community.pk, "D-EAST")
    for bad_topic, payload in (
        ("anju/ack/x/D-EAST", b'{"command": 1}'),
        (topic, b"not json"),
        (topic, b'{"ok": true}'),
        (topic, json.dumps({"command": command.pk, "ok": "yes"}).encode()),
    ):
        with pytest.raises(ValueError):
            gate_mqtt.handle_ack(bad_topic, payload)
    with pytest.raises(DomainError):
        gate_mqtt.handle_ack(
            gate_mqtt.ack_topic(world.community.pk + 1000, "D-EAST"),
            json.dumps({"command": command.pk}).encode(),
        )
    assert gate_mqtt.handle_ack(topic, json.dumps({"command": command.pk, "ok": False}).encode())
    command.refresh_from_db()
    assert command.status == CommandStatus.FAILED


def test_cards_and_qr_codes_are_issued_by_the_office(world):
    manager = world.users["manager"]
    card = services.issue_credential(
        actor=manager,
        house=world.house,
        person=world.people["owner"],
        kind="card",
        number="0012345678",
    )
    qr = services.issue_credential(
        actor=manager, house=world.house, person=world.people["owner"], kind="qr"
    )
    assert card.number == "0012345678" and len(qr.number) >= 24
    with pytest.raises(DomainError):
        services.issue_credential(
            actor=manager,
            house=world.house,
            person=world.people["owner"],
            kind="card",
            number="0012345678",
        )
    with pytest.raises(DomainError) as face:
        services.issue_credential(
            actor=manager, house=world.house, person=world.people["owner"], kind="face"
        )
    assert "kind" in face.value.fields
    with pytest.raises(DomainError) as stranger:
        services.issue_credential(
            actor=manager, house=world.house, person=world.people["neighbour"], kind="qr"
        )
    assert "person" in stranger.value.fields


def test_face_recognition_needs_the_community_and_a_separate_consent(world):
    resident, manager = world.users["resident"], world.users["manager"]
    client = api_client(resident)
    url = "/api/v1/access-credentials/face/"
    off = client.post(url, {"house": world.house.pk, "consent": True}, format="json")
    assert off.status_code == 400 and "house" in off.json()["error"]["fields"]
    services.set_face_recognition(actor=manager, community=world.community, enabled=True)
    refused = client.post(url, {"house": world.house.pk, "consent": False}, format="json")
    assert refused.status_code == 400 and "consent" in refused.json()["error"]["fields"]
    assert not Credential.objects.filter(kind=CredentialKind.FACE).exists()
    made = client.post(url, {"house": world.house.pk, "consent": True}, format="json")
    assert made.status_code == 201, made.content
    face = Credential.objects.get(kind=CredentialKind.FACE)
    assert face.consent_at and face.consent_text == str(services.FACE_CONSENT)
    assert face.person == world.people["owner"]
    # The alternative is always there: the doors still open from the phone.
    assert selectors.doors_openable_by(resident) is not None
    # Only its owner deletes it: the tenant of the same home cannot.
    tenant = api_client(world.users["tenant"])
    assert tenant.post(f"/api/v1/access-credentials/{face.pk}/delete-face/").status_code in (
        403,
        404,
    )
    assert client.post(f"/api/v1/access-credentials/{face.pk}/delete-face/").status_code == 204
    assert not Credential.objects.filter(pk=face.pk).exists()
    assert AuditEntry.objects.filter(action="gate.face.deleted").exists()
    # A community that stops offering it deletes what is left.
    services.enrol_face(actor=resident, house=world.house, consent=True)
    services.set_face_recognition(actor=manager, community=world.community, enabled=False)
    assert not Credential.objects.filter(kind=CredentialKind.FACE).exists()


def test_the_portal_doors_page_opens_with_one_tap(world, doors, client):
    client.force_login(world.users["resident"])
    page = client.get("/app/gate/doors/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "东门" in text and "2幢单元门" not in text
    opened = client.post("/app/gate/doors/", {"what": "open", "door": doors["D-EAST"].pk})
    assert opened.status_code == 302 and DoorCommand.objects.count() == 1
    assert (
        client.post("/app/gate/doors/", {"what": "open", "door": doors["D-B2"].pk}).status_code
        == 404
    )
    assert House.objects.count()  # the world is intact


def test_the_door_log_is_kept_only_for_its_retention_days(world, doors, settings):
    from datetime import timedelta

    from django.utils import timezone

    from anju.gate.models import DoorCommand

    settings.ANJU_DOOR_LOG_RETENTION_DAYS = 30
    old = services.open_door(actor=world.users["resident"], door=doors["D-EAST"])
    recent = services.open_door(actor=world.users["resident"], door=doors["D-EAST"])
    now = timezone.now()
    DoorCommand.objects.filter(pk=old.pk).update(created_at=now - timedelta(days=31))
    DoorCommand.objects.filter(pk=recent.pk).update(created_at=now - timedelta(days=29))
    assert services.purge_door_log(now=now) == 1
    assert list(DoorCommand.objects.values_list("pk", flat=True)) == [recent.pk]
    assert services.purge_door_log(now=now) == 0


def test_a_door_device_gets_the_credentials_of_the_homes_with_a_right(world, doors, api):
    """Cards and QR codes reach the devices: the list a door's device keeps follows the
    rights (a building entrance only its building's homes; a tenant's end ends theirs), over
    HTTP for a polling gateway (another community's door is unknown) and pushed over MQTT."""
    from datetime import timedelta

    from django.utils import timezone

    from anju.core.models import Occupancy

    manager = world.users["manager"]
    card = services.issue_credential(
        actor=manager, house=world.house, person=world.people["owner"], kind="card", number="C-1"
    )
    east, own_entrance, other_entrance = doors["D-EAST"], doors["D-B1"], doors["D-B2"]
    listed = services.credential_list(east)
    assert listed["action"] == "credentials"
    assert {"kind": "card", "number": "C-1"} in listed["credentials"]
    assert "C-1" in [c["number"] for c in services.credential_list(own_entrance)["credentials"]]
    assert "C-1" not in [
        c["number"] for c in services.credential_list(other_entrance)["credentials"]
    ]

    gateway, key = iot.create_gateway(actor=manager, community=world.community, name="g")
    client = api()
    client.credentials(HTTP_AUTHORIZATION=f"Gateway {key}")
    answer = client.get(f"/api/v1/gate/doors/{east.pk}/credentials/")
    assert answer.status_code == 200 and answer.json()["door"] == east.pk
    assert client.get(f"/api/v1/gate/doors/{east.pk + 10_000}/credentials/").status_code == 404
    assert api().get(f"/api/v1/gate/doors/{east.pk}/credentials/").status_code in (401, 403)

    # The owner's occupancy ends: the card no longer opens the gate.
    Occupancy.objects.filter(house=world.house, person=world.people["owner"]).update(
        until=timezone.localdate() - timedelta(days=1)
    )
    assert card.number not in [c["number"] for c in services.credential_list(east)["credentials"]]
