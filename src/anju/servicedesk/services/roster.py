"""Settings as data for people: staff skills (技能) and the duty roster (值班表)."""

from datetime import datetime, time, timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from anju.core import audit, policy
from anju.core.errors import DomainError, refuse

from ..choices import (
    DutyRole,
    Skill,
)
from ..models import (
    DutyShift,
    StaffSkill,
)
from .common import DISPATCH_PERM, RESPOND_PERM, VIEW_PERM, WORK_PERM, actor_label, choice, fmt


def _works_in_organization(user, organization_id):
    return user is not None and any(
        m.organization_id == organization_id for m in user.active_memberships()
    )


@transaction.atomic
def set_skills(*, actor, organization, user, skills) -> list[str]:
    """技能: replace a staff member's skills with ``skills``."""
    organization_id = organization.pk
    skills = sorted(set(skills))
    for skill in skills:
        choice(skill, Skill, "skills")
    if not _works_in_organization(user, organization_id):
        refuse("user", _("This person does not work for this company."))
    before = sorted(
        StaffSkill.objects.filter(organization_id=organization_id, user=user).values_list(
            "skill", flat=True
        )
    )
    StaffSkill.objects.filter(organization_id=organization_id, user=user).exclude(
        skill__in=skills
    ).delete()
    for skill in skills:
        StaffSkill.objects.get_or_create(organization_id=organization_id, user=user, skill=skill)
    audit.record(
        actor,
        "servicedesk.skills.set",
        user,
        organization=organization,
        before={"skills": before},
        after={"skills": skills},
    )
    return skills


@transaction.atomic
def add_staff_skill(*, actor, organization, user, skill) -> StaffSkill:
    """One skill more for a staff member (the API's POST /staff-skills/)."""
    organization_id = organization.pk
    choice(skill, Skill, "skill")
    if not _works_in_organization(user, organization_id):
        refuse("user", _("This person does not work for this company."))
    row, created = StaffSkill.objects.get_or_create(
        organization_id=organization_id, user=user, skill=skill
    )
    if not created:
        refuse("skill", _("This person already has this skill."))
    audit.record(
        actor,
        "servicedesk.skill.added",
        row,
        after={"user": user.pk, "skill": skill},
    )
    return row


@transaction.atomic
def change_staff_skill(*, actor, staff_skill, skill) -> StaffSkill:
    choice(skill, Skill, "skill")
    row = StaffSkill.objects.select_for_update().get(pk=staff_skill.pk)
    if skill == row.skill:
        return row
    if (
        StaffSkill.objects.filter(organization_id=row.organization_id, user_id=row.user_id)
        .filter(skill=skill)
        .exists()
    ):
        refuse("skill", _("This person already has this skill."))
    before = row.skill
    row.skill = skill
    row.save(update_fields=["skill"])
    audit.record(
        actor,
        "servicedesk.skill.changed",
        row,
        before={"skill": before},
        after={"skill": skill},
    )
    return row


@transaction.atomic
def remove_staff_skill(*, actor, staff_skill) -> None:
    audit.record(
        actor,
        "servicedesk.skill.removed",
        staff_skill,
        before={"user": staff_skill.user_id, "skill": staff_skill.skill},
    )
    staff_skill.delete()


# The permission a person needs for each duty on the roster.
DUTY_PERMS = {
    DutyRole.AGENT: DISPATCH_PERM,
    DutyRole.TECHNICIAN: WORK_PERM,
    DutyRole.MANAGER: RESPOND_PERM,
}


MAX_SHIFT = timedelta(hours=24)


def _check_shift(community, user, role, starts_at, ends_at, exclude=None):
    choice(role, DutyRole, "role")
    if starts_at is None:
        refuse("starts_at", _("Give the start of the shift."))
    if ends_at is None:
        refuse("ends_at", _("Give the end of the shift."))
    if ends_at <= starts_at:
        refuse("ends_at", _("The shift must end after it starts."))
    if ends_at - starts_at > MAX_SHIFT:
        refuse("ends_at", _("A shift lasts at most 24 hours."))
    if (
        user is None
        or not user.is_active
        or not policy.staff_has(user, VIEW_PERM, community.pk, community.organization_id)
    ):
        refuse("user", _("This person does not work in this community."))
    if not policy.staff_has(user, DUTY_PERMS[role], community.pk, community.organization_id):
        refuse(
            "role",
            _("%(name)s cannot be on duty as %(duty)s.")
            % {"name": actor_label(user), "duty": DutyRole(role).label},
        )
    overlapping = DutyShift.objects.filter(
        community_id=community.pk, user=user, starts_at__lt=ends_at, ends_at__gt=starts_at
    )
    if exclude is not None:
        overlapping = overlapping.exclude(pk=exclude.pk)
    clash = overlapping.order_by("starts_at").first()
    if clash is not None:
        refuse(
            "starts_at",
            _("%(name)s is already on duty here from %(start)s to %(end)s.")
            % {
                "name": actor_label(user),
                "start": fmt(clash.starts_at),
                "end": fmt(clash.ends_at),
            },
        )


@transaction.atomic
def add_duty_shift(*, actor, community, user, role, starts_at, ends_at) -> DutyShift:
    """值班: put a staff member on the roster of a community (automatic dispatch and the first
    responder of portal reports follow it)."""
    _check_shift(community, user, role, starts_at, ends_at)
    shift = DutyShift.objects.create(
        organization_id=community.organization_id,
        community=community,
        user=user,
        role=role,
        starts_at=starts_at,
        ends_at=ends_at,
    )
    audit.record(
        actor, "servicedesk.duty.added", shift, after=audit.snapshot(shift), community=community
    )
    return shift


@transaction.atomic
def change_duty_shift(*, actor, shift, **changes) -> DutyShift:
    """Move a shift, change its duty or hand it to someone else (same community)."""
    shift = DutyShift.objects.select_for_update().select_related("community").get(pk=shift.pk)
    allowed = {"user", "role", "starts_at", "ends_at"}
    unknown = set(changes) - allowed
    if unknown:
        name = sorted(unknown)[0]
        refuse(name, _("This cannot be changed; add a new shift instead."))
    values = {name: changes.get(name, getattr(shift, name)) for name in allowed}
    _check_shift(shift.community, exclude=shift, **values)
    before = audit.snapshot(shift)
    for name, value in values.items():
        setattr(shift, name, value)
    shift.save()
    audit.record(
        actor,
        "servicedesk.duty.changed",
        shift,
        before=before,
        after=audit.snapshot(shift),
        community=shift.community,
    )
    return shift


@transaction.atomic
def remove_duty_shift(*, actor, shift) -> None:
    audit.record(
        actor,
        "servicedesk.duty.removed",
        shift,
        before=audit.snapshot(shift),
        community=shift.community,
    )
    shift.delete()


@transaction.atomic
def copy_duty_week(*, actor, community, from_day, to_day) -> int:
    """排班复制: the shifts of the week starting ``from_day`` again in the week starting
    ``to_day``; shifts that would clash or whose person can no longer do the duty are skipped."""
    tz = timezone.get_current_timezone()
    start = timezone.make_aware(datetime.combine(from_day, time.min), tz)
    offset_days = (to_day - from_day).days
    if offset_days == 0:
        refuse("to_day", _("Choose another week to copy to."))
    shifts = DutyShift.objects.filter(
        community_id=community.pk, starts_at__gte=start, starts_at__lt=start + timedelta(days=7)
    ).select_related("user")
    copied = 0
    for shift in shifts.order_by("starts_at", "id"):
        # Keep the wall-clock times across daylight-saving changes.
        starts = timezone.localtime(shift.starts_at, tz) + timedelta(days=offset_days)
        ends = timezone.localtime(shift.ends_at, tz) + timedelta(days=offset_days)
        starts = timezone.make_aware(starts.replace(tzinfo=None), tz)
        ends = timezone.make_aware(ends.replace(tzinfo=None), tz)
        try:
            with transaction.atomic():
                _check_shift(community, shift.user, shift.role, starts, ends)
                DutyShift.objects.create(
                    organization_id=community.organization_id,
                    community=community,
                    user=shift.user,
                    role=shift.role,
                    starts_at=starts,
                    ends_at=ends,
                )
        except DomainError:
            continue
        copied += 1
    audit.record(
        actor,
        "servicedesk.duty.copied",
        community,
        after={"from": from_day.isoformat(), "to": to_day.isoformat(), "shifts": copied},
        community=community,
    )
    return copied
