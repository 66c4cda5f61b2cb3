"""Notices (通知公告): drafting, scheduling, the fan-out to residents and staff with receipts,
reading, resending to the unread, and the periodic publisher."""

from django.db import connection, transaction
from django.db.models import F, Min, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from anju.core import attachments as core_attachments
from anju.core import audit
from anju.core.errors import refuse
from anju.core.models import Membership, Occupancy
from anju.core.notifications import email_backend, sms_backend

from ..choices import (
    AudienceKind,
    AudienceScope,
    NoticeKind,
    NoticeStatus,
)
from ..models import (
    Notice,
    NoticeReceipt,
)
from .common import attach_one, lock

# Notices ------------------------------------------------------------------------------------

NOTICE_FIELDS = [
    "kind",
    "title",
    "body",
    "pinned",
    "urgent",
    "audience_scope",
    "audience_kind",
    "relations",
    "staff_roles",
    "publish_at",
    "expires_at",
]
RELATIONS = {"owner", "co_owner", "tenant", "family"}


def _validate_notice(notice, buildings, entrances, houses):
    if not (notice.title or "").strip():
        refuse("title", _("Enter a title."))
    if not (notice.body or "").strip():
        refuse("body", _("Enter the text of the notice."))
    if notice.audience_scope != AudienceScope.ORGANIZATION and notice.community_id is None:
        refuse("community", _("Choose the community this notice is for."))
    if notice.community_id and notice.community.organization_id != notice.organization_id:
        refuse("community", _("The community belongs to another company."))
    wrong = set(notice.relations or []) - RELATIONS
    if wrong:
        refuse("relations", _("Unknown relation: %(value)s.") % {"value": ", ".join(sorted(wrong))})
    from anju.core.choices import Role

    roles = {r.value for r in Role}
    if set(notice.staff_roles or []) - roles:
        refuse("staff_roles", _("Unknown staff role."))
    picked = {
        AudienceScope.BUILDING: ("buildings", buildings),
        AudienceScope.ENTRANCE: ("entrances", entrances),
        AudienceScope.HOUSES: ("houses", houses),
    }
    if notice.audience_scope in picked:
        field, objs = picked[notice.audience_scope]
        if not objs:
            refuse(field, _("Choose at least one."))
    for field, objs in (("buildings", buildings), ("entrances", entrances), ("houses", houses)):
        if any(o.community_id != notice.community_id for o in objs):
            refuse(field, _("Everything chosen must be in the notice's community."))
    if notice.expires_at and notice.publish_at and notice.expires_at <= notice.publish_at:
        refuse("expires_at", _("The notice must expire after it is published."))


@transaction.atomic
def create_notice(
    *,
    actor,
    organization=None,
    community=None,
    title,
    body,
    kind=NoticeKind.NOTICE,
    buildings=(),
    entrances=(),
    houses=(),
    attachments=(),
    **fields,
):
    if organization is None and community is None:
        refuse("community", _("Choose the community (or the company) the notice is for."))
    files = core_attachments.prepare(
        attachments, field="attachment", accept=core_attachments.PHOTOS_OR_DOCUMENTS
    )
    organization_id = organization.pk if organization is not None else community.organization_id
    notice = Notice(
        organization_id=organization_id,
        community=community,
        title=title,
        body=body,
        kind=kind,
        created_by=actor if getattr(actor, "pk", None) else None,
        **{k: v for k, v in fields.items() if k in NOTICE_FIELDS},
    )
    buildings, entrances, houses = list(buildings), list(entrances), list(houses)
    _validate_notice(notice, buildings, entrances, houses)
    notice.save()
    notice.buildings.set(buildings)
    notice.entrances.set(entrances)
    notice.houses.set(houses)
    for upload in files or ():
        attach_one(notice, upload, actor=actor, field="attachment")
    audit.record(actor, "notices.notice.created", notice, after=audit.snapshot(notice))
    return notice


@transaction.atomic
def update_notice(*, actor, notice, data):
    notice = lock(notice)
    notice.machine.check("edit", notice.status)
    before = audit.snapshot(notice)
    related = {k: data.pop(k) for k in ("buildings", "entrances", "houses") if k in data}
    for key, value in data.items():
        if key in NOTICE_FIELDS or key == "community":
            setattr(notice, key, value)
    _validate_notice(
        notice,
        related.get("buildings", list(notice.buildings.all())),
        related.get("entrances", list(notice.entrances.all())),
        related.get("houses", list(notice.houses.all())),
    )
    notice.save()
    for key, value in related.items():
        getattr(notice, key).set(value)
    audit.record(
        actor, "notices.notice.changed", notice, before=before, after=audit.snapshot(notice)
    )
    return notice


@transaction.atomic
def attach_file(*, actor, notice, upload):
    attachment = attach_one(notice, upload, actor=actor, field="file")
    audit.record(actor, "notices.notice.attached", notice, after={"attachment": attachment.name})
    return attachment


@transaction.atomic
def schedule_notice(*, actor, notice, publish_at):
    notice = lock(notice)
    target = notice.machine.check("schedule", notice.status)
    if publish_at is None or publish_at <= timezone.now():
        refuse("publish_at", _("Choose a publishing time in the future."))
    before = {"status": notice.status}
    notice.status, notice.publish_at = target, publish_at
    notice.save(update_fields=["status", "publish_at"])
    audit.record(
        actor,
        "notices.notice.scheduled",
        notice,
        before=before,
        after={"status": notice.status, "publish_at": publish_at.isoformat()},
    )
    return notice


@transaction.atomic
def unschedule_notice(*, actor, notice):
    notice = lock(notice)
    target = notice.machine.check("unschedule", notice.status)
    notice.status = target
    notice.save(update_fields=["status"])
    audit.record(
        actor,
        "notices.notice.unscheduled",
        notice,
        before={"status": "scheduled"},
        after={"status": target},
    )
    return notice


def resident_audience(notice, on=None):
    """Occupancies that receive the notice: current ones only (a moved-out tenant is gone)."""
    occ = Occupancy.objects.active(on).filter(organization_id=notice.organization_id)
    scope = notice.audience_scope
    if scope != AudienceScope.ORGANIZATION:
        occ = occ.filter(community_id=notice.community_id)
    if scope == AudienceScope.BUILDING:
        occ = occ.filter(house__building_id__in=notice.buildings.values("pk"))
    elif scope == AudienceScope.ENTRANCE:
        occ = occ.filter(house__entrance_id__in=notice.entrances.values("pk"))
    elif scope == AudienceScope.HOUSES:
        occ = occ.filter(house_id__in=notice.houses.values("pk"))
    if notice.relations:
        occ = occ.filter(relation__in=notice.relations)
    return occ


def staff_audience(notice):
    """Staff users who receive a staff notice: active memberships of the company, by role,
    covering the notice's community. Residents never appear here."""
    members = Membership.objects.filter(
        organization_id=notice.organization_id, active=True, user__is_active=True
    )
    if notice.staff_roles:
        members = members.filter(role__in=notice.staff_roles)
    if notice.community_id:
        members = members.filter(Q(communities__isnull=True) | Q(communities=notice.community_id))
    return members.values_list("user_id", flat=True).distinct()


def _fan_out(notice, now):
    """Write one receipt per recipient in a single INSERT ... SELECT (fast for 100,000 people)."""
    if notice.audience_kind == AudienceKind.STAFF:
        user_ids = sorted(set(staff_audience(notice)))
        NoticeReceipt.objects.bulk_create(
            [
                NoticeReceipt(
                    organization_id=notice.organization_id,
                    community_id=notice.community_id,
                    notice=notice,
                    user_id=uid,
                    delivered_at=now,
                )
                for uid in user_ids
            ],
            batch_size=2000,
        )
        return len(user_ids)
    people = (
        resident_audience(notice, timezone.localdate(now))
        .order_by()
        .values("person_id")
        .annotate(
            r_house=Min("house_id"),
            r_building=Min("house__building_id"),
            r_community=Min("community_id"),
        )
    )
    select_sql, params = people.query.sql_with_params()
    table = NoticeReceipt._meta.db_table
    sql = (
        f"INSERT INTO {table} (organization_id, community_id, notice_id, person_id, house_id, building_id, "  # noqa: S608
        f"delivered_at, resent_count) SELECT %s, sub.r_community, %s, sub.person_id, sub.r_house, sub.r_building, "
        f"%s, 0 FROM ({select_sql}) sub"
    )
    with connection.cursor() as cursor:
        cursor.execute(
            sql,
            [
                notice.organization_id,
                notice.pk,
                connection.ops.adapt_datetimefield_value(now),
                *params,
            ],
        )
        return cursor.rowcount


@transaction.atomic
def publish_notice(*, actor, notice, now=None):
    now = now or timezone.now()
    notice = lock(notice)
    target = notice.machine.check("publish", notice.status)
    before = {"status": notice.status}
    notice.status, notice.published_at = target, now
    notice.published_by = actor if getattr(actor, "pk", None) else None
    notice.recipient_count = _fan_out(notice, now)
    notice.save(update_fields=["status", "published_at", "published_by", "recipient_count"])
    audit.record(
        actor,
        "notices.notice.published",
        notice,
        before=before,
        after={"status": target, "recipients": notice.recipient_count},
    )
    if notice.urgent:
        notice_id = notice.pk
        transaction.on_commit(
            lambda: _send_to(NoticeReceipt.objects.filter(notice_id=notice_id), notice_id)
        )
    return notice


@transaction.atomic
def archive_notice(*, actor, notice, now=None):
    notice = lock(notice)
    target = notice.machine.check("archive", notice.status)
    notice.status, notice.archived_at = target, now or timezone.now()
    notice.save(update_fields=["status", "archived_at"])
    audit.record(
        actor,
        "notices.notice.archived",
        notice,
        before={"status": "published"},
        after={"status": target},
    )
    return notice


@transaction.atomic
def mark_read(*, actor, receipt, now=None):
    """The recipient opened the notice; the first read counts."""
    updated = NoticeReceipt.objects.filter(pk=receipt.pk, read_at__isnull=True).update(
        read_at=now or timezone.now()
    )
    receipt.refresh_from_db(fields=["read_at"])
    return bool(updated)


def _send_to(receipts, notice_id):
    notice = Notice.objects.get(pk=notice_id)
    text = f"【{notice.community.name if notice.community_id else ''}】{notice.title}"
    sms, mail = sms_backend(), email_backend()
    for person_phone, user_phone, email in receipts.values_list(
        "person__phone", "user__phone", "user__email"
    ):
        phone = person_phone or user_phone
        if phone:
            sms.send(phone, text)
        if email:
            mail.send(email, notice.title, notice.body)


@transaction.atomic
def resend_to_unread(*, actor, notice, now=None):
    """One click: SMS (and email where known) to everyone who has not read the notice yet."""
    notice = lock(notice)
    notice.machine.check("resend", notice.status)
    unread = NoticeReceipt.objects.filter(notice=notice, read_at__isnull=True)
    count = unread.update(resent_count=F("resent_count") + 1, last_resent_at=now or timezone.now())
    audit.record(actor, "notices.notice.resent", notice, after={"unread": count})
    ids = list(unread.values_list("pk", flat=True))
    transaction.on_commit(lambda: _send_to(NoticeReceipt.objects.filter(pk__in=ids), notice.pk))
    return count


def publish_due_notices(now=None):
    """Periodic: publish scheduled notices whose time has come; archive expired ones."""
    now = now or timezone.now()
    published = 0
    for notice_id in Notice.objects.filter(
        status=NoticeStatus.SCHEDULED, publish_at__lte=now
    ).values_list("pk", flat=True):
        with transaction.atomic():
            claimed = (
                Notice.objects.select_for_update(skip_locked=True)
                .filter(pk=notice_id, status=NoticeStatus.SCHEDULED)
                .first()
            )
            if claimed is not None:
                publish_notice(actor=None, notice=claimed, now=now)
                published += 1
    for notice in Notice.objects.filter(status=NoticeStatus.PUBLISHED, expires_at__lte=now):
        archive_notice(actor=None, notice=notice, now=now)
    return published
