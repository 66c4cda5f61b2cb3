"""Doors (门禁): doors bound to IoT devices, opening from the portal (一键开门) as a command to
the gateway over MQTT or its HTTP polling, the gateway's acknowledgement, cards and QR codes,
and face recognition only by consent (最高法人脸识别司法解释第10条, PIPL 第26-29条)."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from anju.core import audit, policy
from anju.core.errors import Conflict, Forbidden, refuse
from anju.iot import services as iot

from .. import selectors
from ..choices import PENDING_COMMANDS, CommandChannel, CommandStatus, CredentialKind, DoorKind
from ..models import AccessPolicy, Credential, Door, DoorCommand, new_token

DOOR_FIELDS = ["community", "building", "name", "kind", "device", "active"]
# What a person consents to, kept with the consent (the text they were shown).
FACE_CONSENT = gettext_lazy(
    "I agree that my face image is processed to open the doors of my home's community; I may "
    "use a card, a QR code or the app instead, and delete my face data at any time."
)


def _manage(actor, community_id):
    if not policy.staff_has(actor, "gate.door.manage", community_id):
        raise Forbidden(_("You may not manage the doors of this community."))


@transaction.atomic
def save_door(*, actor, community=None, name, kind, device, building=None, active=True, door=None):
    community = door.community if door is not None else community
    _manage(actor, community.pk)
    name = " ".join(str(name or "").split())
    if not name:
        refuse("name", _("Enter the door's name, e.g. East gate, building 3 entrance."))
    if kind not in DoorKind.values:
        refuse("kind", _("Choose the kind of door."))
    if device is None or device.community_id != community.pk:
        refuse("device", _("Choose a device of this community that opens the door."))
    if kind == DoorKind.BUILDING_ENTRANCE and building is None:
        refuse("building", _("A building entrance belongs to a building: choose it."))
    if building is not None and building.community_id != community.pk:
        refuse("building", _("Choose a building of this community."))
    same = Door.objects.filter(community=community, name=name)
    if door is not None:
        same = same.exclude(pk=door.pk)
    if same.exists():
        refuse("name", _("This community already has a door of this name."))
    before = audit.snapshot(door) if door is not None else None
    door = door or Door(organization_id=community.organization_id, community=community)
    door.name, door.kind, door.device, door.building, door.active = (
        name,
        kind,
        device,
        building,
        bool(active),
    )
    door.save()
    audit.record(
        actor,
        "gate.door.changed" if before else "gate.door.created",
        door,
        before=before,
        after=audit.snapshot(door),
    )
    return door


def _send(command_id):
    """After commit: publish the command; without a broker it waits for the gateway's poll."""
    command = DoorCommand.objects.select_related("door__device").get(pk=command_id)
    payload = {"command": command.pk, "action": "open", "door": command.door_id}
    if iot.publish_command(command.door.device, payload):
        DoorCommand.objects.filter(pk=command.pk, status=CommandStatus.QUEUED).update(
            status=CommandStatus.SENT, sent_at=timezone.now()
        )


@transaction.atomic
def open_door(*, actor, door, now=None):
    """一键开门: the command to the door's gateway, logged; 403 without a right to the door."""
    if not door.active:
        raise Conflict(_("This door is out of service."), code="out_of_service", allowed=[])
    if not selectors.may_open(actor, door):
        raise Forbidden(_("Your home gives no right to open this door."))
    from django.conf import settings

    command = DoorCommand.objects.create(
        organization_id=door.organization_id,
        community_id=door.community_id,
        door=door,
        requested_by=actor,
        person_id=actor.person_id,
        channel=CommandChannel.MQTT if settings.MQTT_URL else CommandChannel.HTTP,
    )
    audit.record(actor, "gate.door.opened", command, after={"door": door.name})
    transaction.on_commit(lambda: _send(command.pk))
    return command


def _acknowledged(command, *, ok, result, via, now):
    if command.status not in PENDING_COMMANDS:
        raise Conflict(_("This command was already acknowledged."), code="acknowledged", allowed=[])
    command.status = CommandStatus.DONE if ok else CommandStatus.FAILED
    command.acked_at = now or timezone.now()
    command.result = str(result or "")[:200]
    command.save(update_fields=["status", "acked_at", "result"])
    audit.record(
        None,
        "gate.door.acknowledged",
        command,
        after={"ok": bool(ok), "gateway": via, "result": command.result},
    )
    return command


@transaction.atomic
def acknowledge(*, gateway, command_id, ok=True, result="", now=None):
    """The gateway reports the door opened (or why not). A command of another community is
    unknown to it."""
    command = (
        DoorCommand.objects.select_for_update()
        .filter(pk=command_id, community_id=gateway.community_id)
        .first()
    )
    if command is None:
        refuse("command", _("No command of this gateway's community has this id."))
    return _acknowledged(command, ok=ok, result=result, via=gateway.name, now=now)


@transaction.atomic
def acknowledge_from_device(*, community_id, device_code, command_id, ok=True, result="", now=None):
    """The acknowledgement a gateway publishes on ``anju/ack/<community id>/<device code>``
    (the broker's ACLs decide who may publish there): only a command sent to that very device
    of that community is acknowledged by it."""
    command = (
        DoorCommand.objects.select_for_update()
        .filter(pk=command_id, community_id=community_id, door__device__code=device_code)
        .first()
    )
    if command is None:
        refuse("command", _("No command of this gateway's community has this id."))
    return _acknowledged(command, ok=ok, result=result, via=f"mqtt:{device_code}", now=now)


def credential_list(door, on=None):
    """The message that tells a door's device which credentials open it."""
    return {
        "action": "credentials",
        "door": door.pk,
        "generated_at": timezone.now().isoformat(),
        "credentials": [
            {"kind": kind, "number": number}
            for kind, number in selectors.door_credentials(door, on).values_list("kind", "number")
        ],
    }


def push_credentials(community_id):
    """Publish each active door's credential list to its device (MQTT, QoS 1); a gateway
    without MQTT fetches it from ``GET /api/v1/gate/doors/<id>/credentials/``. Returns the
    number of doors whose list the broker took."""
    doors = Door.objects.filter(community_id=community_id, active=True).select_related("device")
    return sum(bool(iot.publish_command(door.device, credential_list(door))) for door in doors)


def _push_after_commit(community_id):
    transaction.on_commit(lambda: push_credentials(community_id))


def push_all_credentials():
    """The daily resend to every community with doors: rights that ended by date (a tenant's
    end date, an owner's sale) leave the devices' lists without any event."""
    communities = Door.objects.filter(active=True).values_list("community_id", flat=True)
    return sum(push_credentials(c) for c in sorted(set(communities)))


def purge_door_log(*, now=None):
    """Delete door commands older than ANJU_DOOR_LOG_RETENTION_DAYS (PIPL 第19条: who came
    and went is kept no longer than needed). Returns the number deleted."""
    from datetime import timedelta

    from django.conf import settings

    cutoff = (now or timezone.now()) - timedelta(days=settings.ANJU_DOOR_LOG_RETENTION_DAYS)
    deleted, _n = DoorCommand.objects.filter(created_at__lt=cutoff).delete()
    if deleted:
        audit.record(
            None, "gate.doors.purged", after={"commands": deleted, "before": cutoff.isoformat()}
        )
    return deleted


# Credentials ---------------------------------------------------------------------------------


@transaction.atomic
def issue_credential(*, actor, house, person, kind, number=""):
    """A card (its number) or a QR code (made here) for a person of the house."""
    if not policy.staff_has(actor, "gate.credential.manage", house.community_id):
        raise Forbidden(_("You may not issue access credentials in this community."))
    if kind not in (CredentialKind.CARD, CredentialKind.QR):
        refuse("kind", _("Issue a card or a QR code; face data is enrolled only by its owner."))
    if not house.occupancies.active().filter(person=person).exists():
        refuse("person", _("Choose a person who lives in or owns this house."))
    number = str(number or "").strip() if kind == CredentialKind.CARD else new_token()
    if not number:
        refuse("number", _("Enter the number printed on the card."))
    if Credential.objects.filter(community_id=house.community_id, kind=kind, number=number):
        refuse("number", _("This card is already issued in this community."))
    credential = Credential.objects.create(
        organization_id=house.organization_id,
        community_id=house.community_id,
        house=house,
        person=person,
        kind=kind,
        number=number,
    )
    audit.record(actor, "gate.credential.created", credential, after={"kind": kind})
    _push_after_commit(house.community_id)
    return credential


def face_enabled(community_id) -> bool:
    return AccessPolicy.objects.filter(community_id=community_id, face_enabled=True).exists()


@transaction.atomic
def set_face_recognition(*, actor, community, enabled):
    """A community offers face recognition at its doors, or stops (existing face data is then
    deleted: it has no purpose left)."""
    _manage(actor, community.pk)
    policy_row, _created = AccessPolicy.objects.get_or_create(
        community=community, defaults={"organization_id": community.organization_id}
    )
    policy_row.face_enabled = bool(enabled)
    policy_row.save(update_fields=["face_enabled"])
    deleted = 0
    if not enabled:
        deleted, _n = Credential.objects.filter(
            community=community, kind=CredentialKind.FACE
        ).delete()
    audit.record(
        actor,
        "gate.face.policy_changed",
        community,
        after={"enabled": bool(enabled), "deleted": deleted},
    )
    return policy_row


@transaction.atomic
def enrol_face(*, actor, house, consent, now=None):
    """The resident enrols their own face, only where the community offers it and only with a
    separate, explicit consent; cards, QR codes and the app always remain."""
    if not actor.person_id or house.pk not in actor.resident_house_ids():
        refuse("house", _("Choose a home you live in."))
    if not face_enabled(house.community_id):
        refuse("house", _("This community does not offer face recognition."))
    if consent is not True:
        refuse(
            "consent",
            _(
                "Face recognition needs your separate consent; you can use a card, a QR code or the app instead."
            ),
        )
    if Credential.objects.filter(
        person_id=actor.person_id, house=house, kind=CredentialKind.FACE
    ).exists():
        refuse("house", _("Your face is already enrolled for this home."))
    credential = Credential.objects.create(
        organization_id=house.organization_id,
        community_id=house.community_id,
        house=house,
        person_id=actor.person_id,
        kind=CredentialKind.FACE,
        number=new_token(),
        consent_at=now or timezone.now(),
        consent_text=str(FACE_CONSENT),
    )
    audit.record(actor, "gate.face.enrolled", credential, after={"consent": True})
    _push_after_commit(house.community_id)
    return credential


@transaction.atomic
def delete_face(*, actor, credential):
    """The owner of the face data deletes it (PIPL 第47条); the log keeps that it happened."""
    if credential.kind != CredentialKind.FACE or credential.person_id != actor.person_id:
        raise Forbidden(_("Only the person can delete their own face data."))
    audit.record(actor, "gate.face.deleted", credential, after={"deleted": True})
    _push_after_commit(credential.community_id)
    credential.delete()
