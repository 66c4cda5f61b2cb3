"""Safety: hazards (安全隐患), incidents (民法典第942条), drills and training."""

from datetime import timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from anju.core import audit
from anju.core.attachments import PHOTOS_OR_DOCUMENTS
from anju.core.notifications import notify
from anju.core.numbering import next_number

from ..choices import DrillStatus, HazardStatus, IncidentStep
from ..models import Drill, DrillAttendance, Hazard, Incident, IncidentRecord
from ..rules import setting
from .common import (
    alert_managers,
    attach,
    full_clean,
    prepare_photos,
    refuse,
    require_staff,
    same_community,
    snapshot,
)


@transaction.atomic
def report_hazard(
    *,
    actor,
    community,
    category,
    place,
    description,
    severity="low",
    building=None,
    asset=None,
    responsible=None,
    deadline=None,
    found_at=None,
    photos=(),
):
    same_community("building", building, community)
    same_community("asset", asset, community)
    require_staff(responsible, "facilities.hazard.rectify", community, "responsible")
    today = timezone.localdate()
    if deadline is None:
        deadline = today + timedelta(days=setting("hazard_days").get(severity, 7))
    elif deadline < today:
        refuse("deadline", _("The deadline cannot be in the past."))
    hazard = Hazard(
        organization_id=community.organization_id,
        community=community,
        number=next_number("YH", community.pk),
        category=category,
        severity=severity,
        place=place,
        description=description,
        building=building,
        asset=asset,
        responsible=responsible,
        deadline=deadline,
        reported_by=actor,
        found_at=found_at or timezone.now(),
    )
    full_clean(hazard)
    hazard.save()
    stored = attach(hazard, photos, actor=actor)
    audit.record(
        actor,
        "facilities.hazard.reported",
        hazard,
        after={**snapshot(hazard), "photos": len(stored)},
    )
    link = f"/console/facilities/hazards/{hazard.pk}/"
    if responsible is not None:
        notify(
            [responsible],
            _("Hazard to rectify: %(place)s") % {"place": place},
            _("Rectify by %(deadline)s: %(text)s")
            % {"deadline": f"{deadline:%Y-%m-%d}", "text": description},
            link=link,
            community=community,
        )
    if severity == "high":
        alert_managers(
            community, _("Major hazard found: %(place)s") % {"place": place}, description, link=link
        )
    return hazard


def _locked(hazard):
    return Hazard.objects.select_for_update().select_related("community").get(pk=hazard.pk)


@transaction.atomic
def rectify_hazard(hazard, *, actor, rectification, photos=()):
    hazard = _locked(hazard)
    hazard.status = Hazard.machine.check("rectify", hazard.status)
    if not rectification.strip():
        refuse("rectification", _("Describe what was done."))
    hazard.rectification = rectification
    hazard.rectified_at = timezone.now()
    hazard.save(update_fields=["status", "rectification", "rectified_at"])
    stored = attach(hazard, photos, actor=actor)
    audit.record(
        actor,
        "facilities.hazard.rectified",
        hazard,
        before={"status": HazardStatus.OPEN},
        after={"status": hazard.status, "photos": len(stored)},
    )
    return hazard


@transaction.atomic
def verify_hazard(hazard, *, actor, passed=True, note=""):
    """The check after rectification: passed -> verified; not passed -> back to rectify."""
    hazard = _locked(hazard)
    Hazard.machine.check("verify", hazard.status)
    if passed:
        hazard.status = HazardStatus.VERIFIED
        hazard.verified_at = timezone.now()
        hazard.verified_by = actor
    else:
        if not note.strip():
            refuse("note", _("Say what is still wrong."))
        hazard.status = HazardStatus.OPEN
        hazard.rework_count += 1
    hazard.save(update_fields=["status", "verified_at", "verified_by", "rework_count"])
    audit.record(
        actor,
        "facilities.hazard.verified" if passed else "facilities.hazard.sent_back",
        hazard,
        before={"status": HazardStatus.RECTIFIED},
        after={"status": hazard.status, "note": note},
    )
    if not passed and hazard.responsible_id:
        notify(
            [hazard.responsible],
            _("Hazard sent back: %(place)s") % {"place": hazard.place},
            note,
            link=f"/console/facilities/hazards/{hazard.pk}/",
            community=hazard.community,
        )
    return hazard


@transaction.atomic
def close_hazard(hazard, *, actor):
    hazard = _locked(hazard)
    before = hazard.status
    hazard.status = Hazard.machine.check("close", hazard.status)
    hazard.closed_at = timezone.now()
    hazard.save(update_fields=["status", "closed_at"])
    audit.record(
        actor,
        "facilities.hazard.closed",
        hazard,
        before={"status": before},
        after={"status": hazard.status},
    )
    return hazard


def sweep_overdue_hazards(today=None):
    """Escalate, once, every hazard not rectified by its deadline to the community managers."""
    today = today or timezone.localdate()
    count = 0
    overdue = Hazard.objects.filter(Hazard.overdue_q(today), escalated_at__isnull=True)
    for pk in list(overdue.values_list("pk", flat=True)):
        with transaction.atomic():
            if not Hazard.objects.filter(pk=pk, escalated_at__isnull=True).update(
                escalated_at=timezone.now()
            ):
                continue
            hazard = Hazard.objects.select_related("community").get(pk=pk)
            alert_managers(
                hazard.community,
                _("Hazard overdue: %(number)s %(place)s")
                % {"number": hazard.number, "place": hazard.place},
                _("The rectification deadline %(deadline)s has passed.")
                % {"deadline": f"{hazard.deadline:%Y-%m-%d}"},
                link=f"/console/facilities/hazards/{hazard.pk}/",
            )
            audit.record(
                None,
                "facilities.hazard.escalated",
                hazard,
                after={"deadline": hazard.deadline.isoformat()},
            )
            count += 1
    return count


@transaction.atomic
def open_incident(*, actor, community, kind, place, description, occurred_at=None):
    occurred_at = occurred_at or timezone.now()
    if occurred_at > timezone.now() + timedelta(minutes=5):
        refuse("occurred_at", _("The time is in the future."))
    incident = Incident(
        organization_id=community.organization_id,
        community=community,
        number=next_number("AQ", community.pk),
        kind=kind,
        place=place,
        description=description,
        occurred_at=occurred_at,
        reported_by=actor,
    )
    full_clean(incident)
    incident.save()
    audit.record(actor, "facilities.incident.opened", incident, after=snapshot(incident))
    alert_managers(
        community,
        _("Incident: %(kind)s at %(place)s")
        % {"kind": incident.get_kind_display(), "place": place},
        description,
        link=f"/console/facilities/incidents/{incident.pk}/",
        channels=("inbox",),
    )
    return incident


@transaction.atomic
def record_incident_step(incident, *, actor, step, note, at=None, authority="", evidence=None):
    """民法典第942条: 制止, then 报告有关行政主管部门, then 协助处理; each with time and evidence."""
    incident = Incident.objects.select_for_update().get(pk=incident.pk)
    target = Incident.machine.check(step, incident.status)
    at = at or timezone.now()
    if at > timezone.now() + timedelta(minutes=5):
        refuse("at", _("The time is in the future."))
    previous = incident.records.order_by("-at").first()
    if at < incident.occurred_at or (previous and at < previous.at):
        refuse("at", _("A step cannot be earlier than the incident or the step before it."))
    if not note.strip():
        refuse("note", _("Describe what was done."))
    if step == IncidentStep.REPORT and not authority.strip():
        refuse("authority", _("Name the authority the incident was reported to."))
    record = IncidentRecord(
        organization_id=incident.organization_id,
        community_id=incident.community_id,
        incident=incident,
        step=step,
        at=at,
        by=actor,
        authority=authority,
        note=note,
    )
    evidence = prepare_photos(evidence, field="evidence", accept=PHOTOS_OR_DOCUMENTS)
    record.save()
    attach(record, evidence, actor=actor, field="evidence", accept=PHOTOS_OR_DOCUMENTS)
    before = incident.status
    incident.status = target
    incident.save(update_fields=["status"])
    audit.record(
        actor,
        f"facilities.incident.{step}",
        incident,
        before={"status": before},
        after={"status": target, "at": at.isoformat(), "authority": authority},
    )
    return record


@transaction.atomic
def close_incident(incident, *, actor):
    incident = Incident.objects.select_for_update().get(pk=incident.pk)
    before = incident.status
    incident.status = Incident.machine.check("close", incident.status)
    incident.closed_at = timezone.now()
    incident.save(update_fields=["status", "closed_at"])
    audit.record(
        actor,
        "facilities.incident.closed",
        incident,
        before={"status": before},
        after={"status": incident.status},
    )
    return incident


@transaction.atomic
def plan_drill(*, actor, community, kind, title, planned_at, place=""):
    drill = Drill(
        organization_id=community.organization_id,
        community=community,
        kind=kind,
        title=title,
        planned_at=planned_at,
        place=place,
    )
    full_clean(drill)
    drill.save()
    audit.record(
        actor,
        "facilities.drill.planned",
        drill,
        after=snapshot(drill, fields=["kind", "title", "planned_at", "place"]),
    )
    return drill


@transaction.atomic
def record_drill(
    drill, *, actor, held_at=None, summary="", attendees=(), follow_ups=(), photo=None
):
    """Record the drill as held: who attended (names or staff), photo, follow-ups to do."""
    photos = prepare_photos(photo, field="photo")
    drill = Drill.objects.select_for_update().get(pk=drill.pk)
    if drill.status != DrillStatus.PLANNED:
        from anju.core.errors import InvalidTransition

        raise InvalidTransition("record", DrillStatus(drill.status), [])
    rows = []
    for entry in attendees:
        user = entry if hasattr(entry, "pk") else None
        if user is not None:
            require_staff(user, "facilities.hazard.view", drill.community, "attendees")
        name = (user.get_full_name() or user.username) if user else str(entry).strip()
        if name:
            rows.append(
                DrillAttendance(
                    organization_id=drill.organization_id,
                    community_id=drill.community_id,
                    drill=drill,
                    name=name,
                    user=user,
                )
            )
    if not rows:
        refuse("attendees", _("List who attended."))
    DrillAttendance.objects.bulk_create(rows)
    drill.status = DrillStatus.HELD
    drill.held_at = held_at or timezone.now()
    drill.summary = summary
    drill.follow_ups = [
        {
            "text": str(f.get("text", f) if isinstance(f, dict) else f),
            "due_on": (f.get("due_on") if isinstance(f, dict) else None),
            "done": False,
        }
        for f in follow_ups
    ]
    drill.save()
    attach(drill, photos, actor=actor, field="photo")
    audit.record(
        actor,
        "facilities.drill.held",
        drill,
        after={"attendance": len(rows), "follow_ups": len(drill.follow_ups)},
    )
    return drill


@transaction.atomic
def complete_follow_up(drill, *, actor, index):
    drill = Drill.objects.select_for_update().get(pk=drill.pk)
    if not 0 <= index < len(drill.follow_ups):
        refuse("index", _("No such follow-up."))
    drill.follow_ups[index]["done"] = True
    drill.save(update_fields=["follow_ups"])
    audit.record(actor, "facilities.drill.follow_up_done", drill, after={"index": index})
    return drill


@transaction.atomic
def cancel_drill(drill, *, actor):
    drill = Drill.objects.select_for_update().get(pk=drill.pk)
    if drill.status != DrillStatus.PLANNED:
        from anju.core.errors import InvalidTransition

        raise InvalidTransition("cancel", DrillStatus(drill.status), [])
    drill.status = DrillStatus.CANCELLED
    drill.save(update_fields=["status"])
    audit.record(actor, "facilities.drill.cancelled", drill)
    return drill
