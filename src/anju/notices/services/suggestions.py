"""Suggestions (意见建议) with their public reply, and meetings with minutes and action items."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from anju.core import audit, policy
from anju.core.errors import refuse
from anju.core.models import Membership
from anju.core.notifications import notify

from ..choices import (
    ActionStatus,
    Dimension,
)
from ..models import (
    ActionItem,
    Meeting,
    MeetingAttendee,
    Suggestion,
)
from .common import lock

# Suggestions and meetings -------------------------------------------------------------------


@transaction.atomic
def submit_suggestion(
    *, actor, community, title, body, anonymous=False, dimension=Dimension.OVERALL
):
    in_community = (
        community.pk in actor.resident_community_ids()
        or policy.staff_has(actor, "notices.suggestion.view", community.pk)
        or policy.user_has(actor, "notices.suggestion.create", community.pk)
    )
    if not in_community:
        refuse("community", _("You can only make suggestions in your own community."))
    if not title.strip() or not body.strip():
        refuse("body" if title.strip() else "title", _("Enter a title and your suggestion."))
    suggestion = Suggestion.objects.create(
        organization_id=community.organization_id,
        community=community,
        title=title.strip(),
        body=body.strip(),
        anonymous=anonymous,
        person_id=None if anonymous else actor.person_id,
        dimension=dimension,
    )
    audit.record(
        None if anonymous else actor,
        "notices.suggestion.created",
        suggestion,
        after={"anonymous": anonymous},
    )
    return suggestion


@transaction.atomic
def reply_suggestion(*, actor, suggestion, reply, public=True):
    suggestion = lock(suggestion)
    target = suggestion.machine.check("reply", suggestion.status)
    if not reply.strip():
        refuse("reply", _("Enter the reply."))
    before = {"status": suggestion.status, "reply": suggestion.reply}
    suggestion.status, suggestion.reply, suggestion.reply_public = target, reply.strip(), public
    suggestion.replied_by, suggestion.replied_at = actor, timezone.now()
    suggestion.save(update_fields=["status", "reply", "reply_public", "replied_by", "replied_at"])
    audit.record(
        actor,
        "notices.suggestion.replied",
        suggestion,
        before=before,
        after={"status": target, "reply": suggestion.reply},
    )
    if suggestion.person_id:
        from anju.core.models import User

        users = list(User.objects.filter(person_id=suggestion.person_id))
        notify(
            users,
            _("Your suggestion has a reply"),
            suggestion.title,
            link="/app/suggestions/",
            community=suggestion.community,
        )
    return suggestion


@transaction.atomic
def close_suggestion(*, actor, suggestion):
    suggestion = lock(suggestion)
    target = suggestion.machine.check("close", suggestion.status)
    before = suggestion.status
    suggestion.status = target
    suggestion.save(update_fields=["status"])
    audit.record(
        actor,
        "notices.suggestion.closed",
        suggestion,
        before={"status": before},
        after={"status": target},
    )
    return suggestion


@transaction.atomic
def create_meeting(*, actor, community, title, held_at, place="", attendees=()):
    if not title.strip():
        refuse("title", _("Enter a title."))
    meeting = Meeting.objects.create(
        organization_id=community.organization_id,
        community=community,
        title=title.strip(),
        held_at=held_at,
        place=place,
        created_by=actor,
    )
    _add_attendees(meeting, attendees)
    audit.record(actor, "notices.meeting.created", meeting, after=audit.snapshot(meeting))
    return meeting


def _add_attendees(meeting, attendees):
    rows = []
    for a in attendees:
        person = a.get("person")
        name = (a.get("name") or (person.name if person else "")).strip()
        if not name:
            refuse("attendees", _("Every attendee needs a name."))
        if person is not None and person.organization_id != meeting.organization_id:
            refuse("attendees", _("The person belongs to another company."))
        rows.append(
            MeetingAttendee(
                meeting=meeting, person=person, name=name[:100], role=(a.get("role") or "")[:50]
            )
        )
    MeetingAttendee.objects.bulk_create(rows)


@transaction.atomic
def record_minutes(*, actor, meeting, minutes, attendees=(), minutes_public=True):
    meeting = lock(meeting)
    target = meeting.machine.check("record", meeting.status)
    if not minutes.strip():
        refuse("minutes", _("Enter the minutes."))
    meeting.status, meeting.minutes, meeting.minutes_public = (
        target,
        minutes.strip(),
        minutes_public,
    )
    meeting.save(update_fields=["status", "minutes", "minutes_public"])
    _add_attendees(meeting, attendees)
    audit.record(actor, "notices.meeting.minutes", meeting, after={"status": target})
    return meeting


@transaction.atomic
def add_action_item(*, actor, meeting, title, owner=None, due_on=None):
    if not title.strip():
        refuse("title", _("Describe the action."))
    if (
        owner is not None
        and not Membership.objects.filter(
            user=owner, organization_id=meeting.organization_id, active=True
        ).exists()
    ):
        refuse("owner", _("The owner must be a staff member of the company."))
    item = ActionItem.objects.create(
        organization_id=meeting.organization_id,
        community_id=meeting.community_id,
        meeting=meeting,
        title=title.strip(),
        owner=owner,
        due_on=due_on,
    )
    audit.record(actor, "notices.action.created", item, after=audit.snapshot(item))
    return item


@transaction.atomic
def close_action_item(*, actor, item, resolution):
    item = lock(item)
    target = item.machine.check("close", item.status)
    if not resolution.strip():
        refuse("resolution", _("Say what was done."))
    item.status, item.resolution, item.closed_at = target, resolution.strip(), timezone.now()
    item.save(update_fields=["status", "resolution", "closed_at"])
    audit.record(
        actor,
        "notices.action.closed",
        item,
        before={"status": ActionStatus.OPEN},
        after={"status": target},
    )
    return item


@transaction.atomic
def reopen_action_item(*, actor, item):
    item = lock(item)
    target = item.machine.check("reopen", item.status)
    item.status, item.closed_at = target, None
    item.save(update_fields=["status", "closed_at"])
    audit.record(
        actor,
        "notices.action.reopened",
        item,
        before={"status": ActionStatus.DONE},
        after={"status": target},
    )
    return item
