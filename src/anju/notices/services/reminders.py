"""The warm-reminder engine (温馨提示): reminder settings and templates, weather, policy
changes, solar terms and holidays, proposals the engine drafts for staff to approve."""

import random
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from anju.core import audit, bounds
from anju.core.errors import Forbidden, refuse
from anju.core.models import Community

from ..choices import (
    SEASON_START,
    AudienceKind,
    AudienceScope,
    NoticeKind,
    ProposalStatus,
    TriggerKind,
    WeatherCondition,
)
from ..models import (
    Holiday,
    PolicyChange,
    ReminderProposal,
    ReminderSettings,
    ReminderTemplate,
    ReminderTrigger,
    SolarTerm,
    WeatherReport,
)
from .common import lock, log
from .notices import create_notice, publish_notice

# Warm-reminder engine -----------------------------------------------------------------------


class WeatherSource:
    """Interface of a pluggable weather source: forecast(community, start, days) -> list of
    {"day": date, "max_temp": Decimal|None, "min_temp": Decimal|None, "conditions": [...]}."""

    name = "source"

    def forecast(self, community, start, days):  # pragma: no cover - interface
        raise NotImplementedError


def reminder_settings(community):
    found = ReminderSettings.objects.filter(community=community).first()
    return found or ReminderSettings(organization_id=community.organization_id, community=community)


@transaction.atomic
def update_reminder_settings(*, actor, community, **fields):
    obj, _created = ReminderSettings.objects.get_or_create(
        community=community, defaults={"organization_id": community.organization_id}
    )
    before = audit.snapshot(obj)
    for key, value in fields.items():
        setattr(obj, key, value)
    if obj.weather_source:
        try:
            import_string(obj.weather_source)
        except ImportError:
            refuse("weather_source", _("No weather source with this name is installed."))
    obj.save()
    audit.record(
        actor, "notices.reminder_settings.changed", obj, before=before, after=audit.snapshot(obj)
    )
    return obj


def _fmt(day):
    return f"{day.month}月{day.day}日"


def _render(template, community, occasion, day, policy_text=""):
    values = {
        "community": community.name,
        "occasion": occasion,
        "date": _fmt(day),
        "year": day.year,
        "policy": policy_text,
    }

    class Safe(dict):
        def __missing__(self, key):
            return "{" + key + "}"

    return template.title.format_map(Safe(values)), template.body.format_map(Safe(values))


def _weather_conditions(report, settings_row):
    conditions = set(report.conditions or [])
    if report.max_temp is not None and report.max_temp >= settings_row.heat_threshold:
        conditions.add(WeatherCondition.HEAT)
    if report.min_temp is not None and report.min_temp <= settings_row.cold_threshold:
        conditions.add(WeatherCondition.COLD)
    return conditions


def _fetch_weather(community, settings_row, today, days):
    path = settings_row.weather_source
    if not path:
        from django.conf import settings as django_settings

        path = getattr(django_settings, "ANJU_WEATHER_SOURCE", "")
    if not path:
        return
    source = import_string(path)()
    for row in source.forecast(community, today, days):
        WeatherReport.objects.update_or_create(
            community=community,
            day=row["day"],
            defaults={
                "organization_id": community.organization_id,
                "max_temp": row.get("max_temp"),
                "min_temp": row.get("min_temp"),
                "conditions": list(row.get("conditions") or []),
                "source": getattr(source, "name", "source"),
            },
        )


def _occasions(trigger, community, settings_row, today):
    """(key, occasion name, date, policy text) of this trigger falling within its lead time."""
    horizon = today + timedelta(days=trigger.lead_days)
    if trigger.kind in (TriggerKind.SOLAR_TERM, TriggerKind.SEASON):
        name = (
            SEASON_START.get(trigger.value, trigger.value)
            if trigger.kind == TriggerKind.SEASON
            else trigger.value
        )
        for term in SolarTerm.objects.filter(name=name, date__gte=today, date__lte=horizon):
            yield f"solar_term:{term.name}:{term.year}", term.name, term.date, ""
    elif trigger.kind == TriggerKind.HOLIDAY:
        holidays = Holiday.objects.for_organization(community.organization_id)
        for day in holidays.filter(key=trigger.value, date__gte=today, date__lte=horizon):
            yield f"holiday:{day.key}:{day.year}", day.name, day.date, ""
    elif trigger.kind == TriggerKind.WEATHER:
        for report in WeatherReport.objects.filter(
            community=community, day__gte=today, day__lte=horizon
        ):
            if trigger.value in _weather_conditions(report, settings_row):
                label = str(WeatherCondition(trigger.value).label)
                yield f"weather:{trigger.value}:{report.day.isoformat()}", label, report.day, ""
    elif trigger.kind == TriggerKind.POLICY:
        for change in PolicyChange.objects.filter(community=community, effective_on__gte=today):
            yield f"policy:{change.pk}", change.title, change.effective_on, change.title


def run_engine(*, today=None, communities=None, actor=None):
    """Propose reminders ahead of their dates, exactly once per community, template and
    occasion (unique constraint); publish at once where the community allows it."""
    today = today or timezone.localdate()
    if communities is None:
        communities = Community.objects.all()
    created = []
    templates = list(ReminderTemplate.objects.filter(active=True).prefetch_related("triggers"))
    for community in communities:
        settings_row = reminder_settings(community)
        if not settings_row.enabled:
            continue
        try:
            _fetch_weather(community, settings_row, today, 7)
        except Exception:  # a failing weather service must not stop the calendar reminders
            log.exception("weather source failed for community %s", community.pk)
        wanted = {}
        for template in templates:
            if template.organization_id not in (None, community.organization_id):
                continue
            for trigger in template.triggers.all():
                for key, occasion, day, policy_text in _occasions(
                    trigger, community, settings_row, today
                ):
                    wanted.setdefault((template.pk, key), (template, occasion, day, policy_text))
        if not wanted:
            continue
        existing = set(
            ReminderProposal.objects.filter(community=community)
            .filter(occurrence_key__in={key for _t, key in wanted})
            .values_list("template_id", "occurrence_key")
        )
        new = []
        for (template_id, key), (template, occasion, day, policy_text) in wanted.items():
            if (template_id, key) in existing:
                continue
            title, body = _render(template, community, occasion, day, policy_text)
            new.append(
                ReminderProposal(
                    organization_id=community.organization_id,
                    community=community,
                    template=template,
                    occurrence_key=key,
                    occasion=occasion,
                    occurrence_date=day,
                    title=title[:200],
                    body=body,
                )
            )
        with transaction.atomic():
            ReminderProposal.objects.bulk_create(new, ignore_conflicts=True)
        fresh = list(
            ReminderProposal.objects.filter(
                community=community,
                status=ProposalStatus.PROPOSED,
                occurrence_key__in=[p.occurrence_key for p in new],
                template_id__in=[p.template_id for p in new],
            )
        )
        fresh = [
            p
            for p in fresh
            if (p.template_id, p.occurrence_key) in {(n.template_id, n.occurrence_key) for n in new}
        ]
        for proposal in fresh:
            audit.record(
                actor,
                "notices.reminder.proposed",
                proposal,
                after={"occasion": proposal.occurrence_key},
            )
        if settings_row.auto_publish:
            for proposal in fresh:
                approve_proposal(actor=actor, proposal=proposal)
        created += fresh
    return created


@transaction.atomic
def approve_proposal(*, actor, proposal, title=None, body=None):
    proposal = lock(proposal)
    target = proposal.machine.check("approve", proposal.status)
    notice = create_notice(
        actor=actor,
        community=proposal.community,
        kind=NoticeKind.REMINDER,
        title=title or proposal.title,
        body=body or proposal.body,
        audience_scope=AudienceScope.COMMUNITY,
        audience_kind=AudienceKind.RESIDENTS,
    )
    publish_notice(actor=actor, notice=notice)
    proposal.status, proposal.notice = target, notice
    proposal.decided_by = actor if getattr(actor, "pk", None) else None
    proposal.decided_at = timezone.now()
    proposal.save(update_fields=["status", "notice", "decided_by", "decided_at"])
    audit.record(
        actor,
        "notices.reminder.approved",
        proposal,
        before={"status": "proposed"},
        after={"status": target, "notice": notice.pk},
    )
    return proposal


@transaction.atomic
def dismiss_proposal(*, actor, proposal):
    proposal = lock(proposal)
    target = proposal.machine.check("dismiss", proposal.status)
    proposal.status, proposal.decided_by, proposal.decided_at = target, actor, timezone.now()
    proposal.save(update_fields=["status", "decided_by", "decided_at"])
    audit.record(
        actor,
        "notices.reminder.dismissed",
        proposal,
        before={"status": "proposed"},
        after={"status": target},
    )
    return proposal


def record_weather(
    *, actor, community, day, max_temp=None, min_temp=None, conditions=(), today=None
):
    """Manual weather trigger (when no weather source is configured): store, then propose."""
    bounds.temperatures(min_temp, max_temp)
    wrong = set(conditions) - {c.value for c in WeatherCondition}
    if wrong:
        refuse(
            "conditions",
            _("Unknown weather condition: %(value)s.") % {"value": ", ".join(sorted(wrong))},
        )
    with transaction.atomic():
        report, _created = WeatherReport.objects.update_or_create(
            community=community,
            day=day,
            defaults={
                "organization_id": community.organization_id,
                "max_temp": max_temp,
                "min_temp": min_temp,
                "conditions": list(conditions),
                "source": "manual",
                "created_by": actor if getattr(actor, "pk", None) else None,
            },
        )
        audit.record(actor, "notices.weather.recorded", report, after=audit.snapshot(report))
    run_engine(today=today, communities=[community], actor=actor)
    return report


def create_policy_change(*, actor, community, title, summary, effective_on, today=None):
    if not title.strip():
        refuse("title", _("Enter a title."))
    with transaction.atomic():
        change = PolicyChange.objects.create(
            organization_id=community.organization_id,
            community=community,
            title=title.strip(),
            summary=summary,
            effective_on=effective_on,
            created_by=actor,
        )
        audit.record(actor, "notices.policy.created", change, after=audit.snapshot(change))
    run_engine(today=today, communities=[community], actor=actor)
    return change


@transaction.atomic
def save_template(*, actor, template, triggers=None, **fields):
    """A company's own reminder template (built-ins are only switched on or off)."""
    before = audit.snapshot(template) if template.pk else None
    for key, value in fields.items():
        setattr(template, key, value)
    for trigger in triggers or []:
        if trigger.get("kind") not in TriggerKind.values:
            refuse("triggers", _("Unknown trigger kind."))
    try:
        with transaction.atomic():
            template.save()
    except IntegrityError:
        refuse("key", _("A template with this key exists already."))
    if triggers is not None:
        template.triggers.all().delete()
        ReminderTrigger.objects.bulk_create(
            [ReminderTrigger(template=template, **t) for t in triggers]
        )
    audit.record(
        actor,
        "notices.reminder_template.saved",
        template,
        before=before,
        after=audit.snapshot(template),
        organization=template.organization,
    )
    return template


HOLIDAY_FIELDS = {"year", "key", "name", "date", "off_from", "off_until", "organization"}
LONGEST_HOLIDAY = 31  # days off in one row; the longest national holiday is 10 (2020)


def _refuse_national(holiday):
    if holiday.pk and holiday.organization_id is None:
        raise Forbidden(
            _(
                "The national holiday calendar follows the State Council's notices; only the "
                "platform administrator changes it. Add your company's own days instead."
            )
        )


@transaction.atomic
def save_holiday(*, actor, holiday, **fields):
    """A company's own day (节日/公司假日) or, for the platform administrator (the admin site),
    a national row. Companies never change the national calendar, nor shadow one of its keys."""
    unknown = set(fields) - HOLIDAY_FIELDS
    if unknown:
        raise TypeError(f"save_holiday got unexpected fields {sorted(unknown)}")
    if not getattr(actor, "is_superuser", False):
        _refuse_national(holiday)
    before = audit.snapshot(holiday) if holiday.pk else None
    if holiday.pk and "organization" in fields and fields["organization"] != holiday.organization:
        refuse("organization", _("A holiday stays with the company it was added for."))
    for key, value in fields.items():
        setattr(holiday, key, value)
    if holiday.organization_id is not None:
        holiday.provisional = False  # a company's own day is as the company says
        if not holiday.key:
            holiday.key = f"own-{holiday.date:%m%d}-{random.randrange(10**6):06d}"
        national_key = Holiday.objects.filter(
            organization__isnull=True, year=holiday.year, key=holiday.key
        )
        if national_key.exists():
            refuse("key", _("This key belongs to the national calendar; choose another."))
    if holiday.year != holiday.date.year:
        refuse("date", _("The date must fall in the holiday's year."))
    if (holiday.off_from is None) != (holiday.off_until is None):
        refuse("off_until", _("Give both the first and the last day off, or neither."))
    if holiday.off_from is not None:
        if holiday.off_from > holiday.off_until:
            refuse("off_until", _("The last day off cannot come before the first."))
        if (holiday.off_until - holiday.off_from).days >= LONGEST_HOLIDAY:
            refuse("off_until", _("A holiday has at most 31 days off."))
    try:
        with transaction.atomic():
            holiday.save()
    except IntegrityError:
        refuse("key", _("This holiday is already in the table for that year."))
    audit.record(
        actor,
        "notices.holiday.saved",
        holiday,
        before=before,
        after=audit.snapshot(holiday),
        organization=holiday.organization,
    )
    return holiday


@transaction.atomic
def delete_holiday(*, actor, holiday):
    if not getattr(actor, "is_superuser", False):
        _refuse_national(holiday)
    before = audit.snapshot(holiday)
    audit.record(
        actor,
        "notices.holiday.deleted",
        holiday,
        before=before,
        organization=holiday.organization,
    )
    holiday.delete()
