"""IoT services: devices, gateways and their keys, rules, the ingest of readings (HTTP batch or
MQTT) with alarm evaluation, and the offline sweep. Every alarm raises a service-desk ticket
through ``servicedesk.services.open_ticket`` (idempotent per alarm)."""

import hashlib
import secrets
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from anju.core import audit, policy
from anju.core.errors import DomainError, Forbidden, refuse

from .choices import METERS, AlarmKind, AlarmStatus, DeviceKind, Operator, describe
from .models import Alarm, AlarmRule, Device, Gateway, Reading, plain
from .rules import DEFAULT_RULES, setting
from .selectors import offline_limit, spike, usage_by_day


def _require(actor, perm, community_id):
    if not policy.staff_has(actor, perm, community_id):
        raise Forbidden(_("You may not do this in this community."))


def _hash(key):
    return hashlib.sha256(key.encode()).hexdigest()


# Devices, gateways, rules -------------------------------------------------------------------


@transaction.atomic
def register_device(*, actor, community, code, name, kind, place="", building=None):
    _require(actor, "iot.device.manage", community.pk)
    code = str(code or "").strip()
    if not code:
        refuse("code", _("Enter the device code printed on the device or in its platform."))
    if kind not in DeviceKind.values:
        refuse("kind", _("Choose the kind of device."))
    if not str(name or "").strip():
        refuse("name", _("Enter a name people recognise, e.g. Pump room water leak, building 3."))
    if building is not None and building.community_id != community.pk:
        refuse("building", _("Choose a building of this community."))
    if Device.objects.filter(community=community, code=code).exists():
        refuse("code", _("A device with this code is already registered in this community."))
    device = Device.objects.create(
        organization_id=community.organization_id,
        community=community,
        building=building,
        code=code,
        name=name.strip(),
        kind=kind,
        place=place.strip(),
    )
    ensure_default_rules(community, kind)
    audit.record(actor, "iot.device.registered", device, after=audit.snapshot(device))
    return device


def ensure_default_rules(community, kind):
    """A community's first device of a kind brings that kind's default rules (editable)."""
    if AlarmRule.objects.filter(community=community, device_kind=kind).exists():
        return
    AlarmRule.objects.bulk_create(
        AlarmRule(
            organization_id=community.organization_id,
            community=community,
            device_kind=kind,
            metric=metric,
            operator=op,
            threshold=threshold,
            category=category,
            priority=priority,
            message=str(message),
        )
        for metric, op, threshold, category, priority, message in DEFAULT_RULES.get(kind, [])
    )


@transaction.atomic
def save_rule(
    *, actor, community, device_kind, metric, operator, threshold, category, priority, message
):
    from anju.servicedesk.choices import Category, Priority

    _require(actor, "iot.device.manage", community.pk)
    errors = {}
    if device_kind not in DeviceKind.values:
        errors["device_kind"] = [_("Choose the kind of device.")]
    if not str(metric or "").strip():
        errors["metric"] = [_("Enter the metric the device reports, e.g. leak or temp_c.")]
    if operator not in Operator.values:
        errors["operator"] = [_("Choose a condition.")]
    if category not in Category.values:
        errors["category"] = [_("Choose the ticket category.")]
    if priority not in Priority.values:
        errors["priority"] = [_("Choose the ticket priority.")]
    if not str(message or "").strip():
        errors["message"] = [_("Enter the message the ticket will carry.")]
    if errors:
        raise DomainError(next(iter(errors.values()))[0], fields=errors)
    rule = AlarmRule.objects.create(
        organization_id=community.organization_id,
        community=community,
        device_kind=device_kind,
        metric=metric.strip(),
        operator=operator,
        threshold=threshold,
        category=category,
        priority=priority,
        message=message.strip(),
    )
    audit.record(actor, "iot.rule.created", rule, after=audit.snapshot(rule))
    return rule


@transaction.atomic
def create_gateway(*, actor, community, name):
    """A gateway and its key, shown once: only its hash is kept."""
    _require(actor, "iot.device.manage", community.pk)
    if not str(name or "").strip():
        refuse("name", _("Enter the gateway's name."))
    key = secrets.token_urlsafe(32)
    gateway = Gateway.objects.create(
        organization_id=community.organization_id,
        community=community,
        name=name.strip(),
        key_prefix=key[:8],
        key_hash=_hash(key),
    )
    audit.record(actor, "iot.gateway.created", gateway, after={"name": gateway.name})
    return gateway, key


def gateway_for_key(key):
    if not key:
        return None
    return (
        Gateway.objects.select_related("community").filter(key_hash=_hash(key), active=True).first()
    )


# Ingest ---------------------------------------------------------------------------------------


def _when(value):
    """A reading's time: a datetime, or ISO 8601 text; None when absent, malformed or impossible."""
    if isinstance(value, datetime):
        return value
    try:
        return parse_datetime(value) if isinstance(value, str) else None
    except ValueError:  # well formed but impossible, e.g. 2026-02-30T08:00:00+08:00
        return None


def _parse_rows(community, rows, now):
    """Validated (device, metric, value, at) for each row; every bad row is named."""
    if not isinstance(rows, list) or not rows:
        refuse("readings", _("Send a list of readings."))
    if len(rows) > setting("batch_limit"):
        refuse(
            "readings", _("Send at most %(n)s readings at once.") % {"n": setting("batch_limit")}
        )
    codes = {str(r.get("device", "")).strip() for r in rows if isinstance(r, dict)}
    devices = {
        d.code: d for d in Device.objects.filter(community=community, code__in=codes, active=True)
    }
    skew = timedelta(seconds=setting("clock_skew_seconds"))
    parsed, errors = [], {}
    for index, row in enumerate(rows):
        problem = None
        if not isinstance(row, dict):
            problem = _("Each reading is an object with device, metric, value and at.")
        else:
            device = devices.get(str(row.get("device", "")).strip())
            metric = str(row.get("metric", "")).strip()
            at = _when(row.get("at"))
            try:
                value = Decimal(str(row.get("value")))
                if not value.is_finite():
                    raise InvalidOperation
            except (InvalidOperation, ValueError):
                value = None
            if device is None:
                problem = _("Unknown device %(code)s in this community.") % {
                    "code": row.get("device")
                }
            elif not metric or len(metric) > 32:
                problem = _("Name the metric (at most 32 characters).")
            elif value is None:
                problem = _("The value must be a number.")
            elif row.get("at") is not None and (at is None or timezone.is_naive(at)):
                problem = _(
                    "The time must be ISO 8601 with its offset, e.g. 2026-11-27T08:00:00+08:00."
                )
            elif at is not None and at > now + skew:
                problem = _("The time is in the future.")
            else:
                parsed.append((device, metric, value, at or now))
        if problem:
            errors[f"readings[{index}]"] = [problem]
    if errors:
        raise DomainError(next(iter(errors.values()))[0], fields=errors)
    return parsed


@transaction.atomic
def ingest(community, rows, *, now=None, source="http"):
    """Store a batch of readings in bulk, note each device's last values, and evaluate the
    community's rules on each device's newest value per metric: a rule newly met opens an alarm
    (and a ticket); a rule no longer met clears its open alarm. All or nothing."""
    now = now or timezone.now()
    parsed = _parse_rows(community, rows, now)
    Reading.objects.bulk_create(
        Reading(
            organization_id=community.organization_id,
            community_id=community.pk,
            device=device,
            metric=metric,
            value=value,
            at=at,
        )
        for device, metric, value, at in parsed
    )
    latest = {}
    for device, metric, value, at in parsed:
        key = (device.pk, metric)
        if key not in latest or at >= latest[key][2]:
            latest[key] = (device, value, at)
    # A late batch (a gateway catching up) is stored but does not overwrite newer values.
    for key, (device, _value, at) in list(latest.items()):
        stored = (device.last_values.get(key[1]) or {}).get("at")
        if stored and parse_datetime(stored) > at:
            del latest[key]
    devices = {}  # each device once (the rows share the instances _parse_rows loaded)
    for (_pk, metric), (device, value, at) in latest.items():
        if device.pk not in devices:
            device.last_values = dict(device.last_values)
            devices[device.pk] = device
        device.last_values[metric] = {"value": str(value), "at": at.isoformat()}
        device.last_seen_at = max(filter(None, [device.last_seen_at, at]))
    Device.objects.bulk_update(devices.values(), ["last_values", "last_seen_at"])
    raised, cleared = _evaluate(community, latest, now)
    cleared += _clear_offline(list(devices.values()), now)
    return {"accepted": len(parsed), "alarms": raised, "cleared": cleared, "source": source}


def _evaluate(community, latest, now):
    kinds = {device.kind for device, _v, _a in latest.values()}
    rules = list(AlarmRule.objects.filter(community=community, device_kind__in=kinds, active=True))
    open_alarms = {
        (a.device_id, a.rule_id): a
        for a in Alarm.objects.select_for_update().filter(
            device_id__in={d.pk for d, _v, _a in latest.values()},
            status=AlarmStatus.OPEN,
            kind=AlarmKind.THRESHOLD,
        )
    }
    raised = cleared = 0
    for (device_id, metric), (device, value, at) in latest.items():
        for rule in rules:
            if rule.device_kind != device.kind or rule.metric != metric:
                continue
            existing = open_alarms.get((device_id, rule.pk))
            if rule.matches(value) and existing is None:
                _raise(device, rule, AlarmKind.THRESHOLD, rule.message, metric, value, at)
                raised += 1
            elif not rule.matches(value) and existing is not None:
                _clear(existing, now)
                cleared += 1
    return raised, cleared


METER_CATEGORY = {DeviceKind.WATER_METER: "water", DeviceKind.POWER_METER: "electricity"}


def _raise(device, rule, kind, message, metric="", value=None, at=None):
    from anju.servicedesk.services import open_ticket

    alarm = Alarm.objects.create(
        organization_id=device.organization_id,
        community_id=device.community_id,
        device=device,
        rule=rule,
        kind=kind,
        metric=metric,
        value=value,
        message=message,
        raised_at=at or timezone.now(),
    )
    place = " · ".join(p for p in (device.name, device.place) if p)
    reading = f" ({describe(metric, value, device.kind)})" if value is not None else ""
    alarm.ticket = open_ticket(
        actor=None,
        community=device.community,
        kind="repair",
        category=rule.category if rule else METER_CATEGORY.get(device.kind, "other"),
        priority=rule.priority if rule else "P3",
        description=f"{message}{reading} — {place} [{device.code}]",
        channel="system",
        source=alarm,
        title=message[:100],
    )
    Alarm.objects.filter(pk=alarm.pk).update(ticket=alarm.ticket)
    audit.record(
        None, "iot.alarm.raised", alarm, after={"message": message, "ticket": alarm.ticket.number}
    )
    return alarm


def _clear(alarm, now):
    alarm.status, alarm.cleared_at = AlarmStatus.CLEARED, now
    alarm.save(update_fields=["status", "cleared_at"])
    audit.record(None, "iot.alarm.cleared", alarm, after={"cleared_at": now.isoformat()})


def _clear_offline(devices, now):
    alarms = list(
        Alarm.objects.select_for_update().filter(
            device__in=devices, status=AlarmStatus.OPEN, kind=AlarmKind.OFFLINE
        )
    )
    for alarm in alarms:
        _clear(alarm, now)
    return len(alarms)


@transaction.atomic
def sweep_offline(*, now=None):
    """Periodic: an active device silent longer than ``offline_after_minutes`` raises one
    offline alarm (and a ticket); it clears when the device reports again."""
    now = now or timezone.now()
    limit = offline_limit(now)
    silent = list(
        Device.objects.select_related("community")
        .filter(active=True, last_seen_at__lt=limit)
        .exclude(  # one subquery: the same alarm must be both open and an offline one
            pk__in=Alarm.objects.filter(status=AlarmStatus.OPEN, kind=AlarmKind.OFFLINE).values(
                "device_id"
            )
        )
    )
    for device in silent:
        _raise(
            device,
            None,
            AlarmKind.OFFLINE,
            _("Device offline since %(t)s")
            % {"t": f"{timezone.localtime(device.last_seen_at):%Y-%m-%d %H:%M}"},
        )
    return len(silent)


@transaction.atomic
def check_usage_spikes(*, now=None):
    """Daily: a meter whose use yesterday exceeds ``usage_spike_factor`` times the median of the
    two weeks before raises a usage alarm (and a ticket to look for a leak or waste), once."""
    now = now or timezone.now()
    yesterday = timezone.localdate(now) - timedelta(days=1)
    meters = list(Device.objects.select_related("community").filter(kind__in=METERS, active=True))
    usage = usage_by_day(meters, days=16, now=now)
    raised = 0
    for meter in meters:
        series = [u for u in usage.get(meter.pk, []) if u["day"] <= yesterday]
        if (
            not series
            or series[-1]["day"] != yesterday
            or not spike(series, setting("usage_spike_factor"))
        ):
            continue
        today = datetime.combine(
            timezone.localdate(now), datetime.min.time(), tzinfo=timezone.get_current_timezone()
        )
        if Alarm.objects.filter(device=meter, kind=AlarmKind.USAGE, raised_at__gte=today).exists():
            continue  # already raised today
        earlier = sorted(u["usage"] for u in series[:-1])
        message = _(
            "Unusual use on %(day)s: %(used)s against a usual %(median)s; look for a leak or waste"
        ) % {
            "day": f"{yesterday:%m-%d}",
            "used": plain(series[-1]["usage"]),
            "median": plain(earlier[len(earlier) // 2]),
        }
        _raise(meter, None, AlarmKind.USAGE, message, "total", series[-1]["usage"], at=now)
        raised += 1
    return raised


# Commands to devices --------------------------------------------------------------------------


def command_topic(community_id, device_code):
    """Where a gateway listens for commands to one of its devices (a door's lock)."""
    return f"anju/cmd/{community_id}/{device_code}"


def publish_command(device, payload, *, url=None):
    """Publish ``payload`` (a dict, sent as JSON) to ``device``'s command topic on the broker
    of ``MQTT_URL``, QoS 1. True when the broker took it; False (logged) when no broker is set
    or it could not be reached, so the command waits for the gateway's HTTP polling."""
    import json
    import logging
    from urllib.parse import urlparse

    from django.conf import settings

    url = url or settings.MQTT_URL
    if not url:
        return False
    import paho.mqtt.client as paho
    import paho.mqtt.publish as mqtt_publish

    parsed = urlparse(url)
    auth = {"username": parsed.username, "password": parsed.password} if parsed.username else None
    try:
        mqtt_publish.single(
            command_topic(device.community_id, device.code),
            json.dumps(payload),
            qos=1,
            hostname=parsed.hostname or "127.0.0.1",
            port=parsed.port or 1883,
            auth=auth,
            protocol=paho.MQTTv311,
        )
    except (OSError, ValueError) as exc:
        logging.getLogger("anju.iot.mqtt").warning("command to %s not sent: %s", device.code, exc)
        return False
    return True
