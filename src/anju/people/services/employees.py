"""员工档案 and 持证上岗: employees apart from logins, separations, licences and what work needs
which licence, and the expiry alerts."""

from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from anju.core import attachments, audit, idnumbers
from anju.core.errors import Forbidden, full_clean, refuse
from anju.core.notifications import notify
from anju.core.selectors import managers_of

from ..choices import ONBOARDING_ITEMS, CertificateKind, Employment, SeparationReason
from ..models import Certificate, Employee, LicenceRequirement, OnboardingTick
from ..rules import SUGGESTED_REQUIREMENTS
from ..selectors import sets_requirements
from .common import require, text

EMPLOYEE_FIELDS = (
    "name",
    "phone",
    "position",
    "employment",
    "contractor",
    "hire_date",
    "probation_end",
    "emergency_contact",
    "emergency_phone",
)
PRIVATE = ("id_number",)


def _check_user(user, community, employee=None):
    if user is None:
        return
    if not any(m.organization_id == community.organization_id for m in user.active_memberships()):
        refuse("user", _("This login does not work for this company."))
    taken = Employee.objects.filter(user=user)
    if employee is not None:
        taken = taken.exclude(pk=employee.pk)
    if taken.exists():
        refuse("user", _("This login already belongs to another employee record."))


def _check(employee):
    if not employee.name:
        refuse("name", _("Give the person's name."))
    if employee.employment == Employment.OUTSOURCED and not employee.contractor:
        refuse("contractor", _("Name the contractor of an outsourced person."))
    if employee.employment == Employment.OWN:
        employee.contractor = ""
    if employee.probation_end and employee.probation_end < employee.hire_date:
        refuse("probation_end", _("Probation ends on or after the hire date."))
    full_clean(employee, exclude=["organization", "community", "user"])


@transaction.atomic
def hire(*, actor, community, user=None, id_number="", **fields) -> Employee:
    """入职: a person's record in a community; the onboarding checklist starts with it."""
    require(actor, "people.employee.manage", community)
    unknown = set(fields) - set(EMPLOYEE_FIELDS)
    if unknown:
        raise TypeError(f"unknown fields: {sorted(unknown)}")
    _check_user(user, community)
    employee = Employee(
        organization_id=community.organization_id,
        community=community,
        user=user,
        id_number=idnumbers.normalise(id_number),
        **{k: (text(v) if isinstance(v, str) else v) for k, v in fields.items()},
    )
    _check(employee)
    employee.save()
    audit.record(
        actor,
        "people.employee.hired",
        employee,
        after=audit.snapshot(employee, ["name", "position", "employment", "hire_date"]),
        community=community,
    )
    return employee


@transaction.atomic
def update_employee(*, actor, employee, **changes) -> Employee:
    employee = Employee.objects.select_for_update().select_related("community").get(pk=employee.pk)
    require(actor, "people.employee.manage", employee.community)
    allowed = set(EMPLOYEE_FIELDS) | {"user", "id_number"}
    unknown = set(changes) - allowed
    if unknown:
        refuse(sorted(unknown)[0], _("This cannot be changed here."))
    if "user" in changes:
        _check_user(changes["user"], employee.community, employee)
    if "id_number" in changes:
        changes["id_number"] = idnumbers.normalise(changes["id_number"])
    before = audit.snapshot(employee, [k for k in changes if k not in PRIVATE])
    for name, value in changes.items():
        setattr(employee, name, text(value) if isinstance(value, str) else value)
    _check(employee)
    employee.save()
    after = audit.snapshot(employee, [k for k in changes if k not in PRIVATE])
    if "id_number" in changes:
        after["id_number"] = "(changed)"  # never the number itself in the log
    audit.record(
        actor,
        "people.employee.changed",
        employee,
        before=before,
        after=after,
        community=employee.community,
    )
    return employee


@transaction.atomic
def separate(*, actor, employee, on, reason, note="") -> Employee:
    """离职: the person leaves on ``on`` for ``reason``; their record stays (turnover, history)."""
    employee = Employee.objects.select_for_update().select_related("community").get(pk=employee.pk)
    require(actor, "people.employee.manage", employee.community)
    if employee.separated_on is not None:
        refuse("separated_on", _("This person has already left."))
    if on is None:
        refuse("separated_on", _("Give the day the person leaves."))
    if on < employee.hire_date:
        refuse("separated_on", _("A person cannot leave before being hired."))
    if reason not in SeparationReason.values:
        refuse("separation_reason", _("Choose the reason for leaving."))
    employee.separated_on = on
    employee.separation_reason = reason
    employee.separation_note = text(note)
    employee.save(update_fields=["separated_on", "separation_reason", "separation_note"])
    audit.record(
        actor,
        "people.employee.separated",
        employee,
        after={"separated_on": on.isoformat(), "reason": reason},
        community=employee.community,
    )
    return employee


@transaction.atomic
def tick_onboarding(*, actor, employee, item) -> OnboardingTick:
    """入司教育: the manager ticks off one item of a new hire's onboarding."""
    require(actor, "people.employee.manage", employee.community)
    if item not in dict(ONBOARDING_ITEMS):
        refuse("item", _("Choose an item of the onboarding checklist."))
    tick, created = OnboardingTick.objects.get_or_create(
        organization_id=employee.organization_id,
        employee=employee,
        item=item,
        defaults={"done_by": actor},
    )
    if created:
        audit.record(
            actor,
            "people.onboarding.ticked",
            employee,
            after={"item": item},
            community=employee.community,
        )
    return tick


# --- certificates --------------------------------------------------------------------------


def _check_certificate(cert):
    if cert.kind not in CertificateKind.values:
        refuse("kind", _("Choose the kind of licence."))
    if not cert.number:
        refuse("number", _("Give the certificate number."))
    if cert.issued_on is None:
        refuse("issued_on", _("Give the day the certificate was issued."))
    if cert.issued_on > timezone.localdate():
        refuse("issued_on", _("A certificate cannot be issued in the future."))
    if cert.expires_on is not None and cert.expires_on <= cert.issued_on:
        refuse("expires_on", _("A certificate expires after it is issued."))
    full_clean(cert, exclude=["organization", "employee", "alerted"])


@transaction.atomic
def add_certificate(
    *, actor, employee, kind, number, issued_on, expires_on=None, issuer="", scan=()
) -> Certificate:
    """A licence the person holds, with its scan (a photo or PDF)."""
    require(actor, "people.certificate.manage", employee.community)
    cert = Certificate(
        organization_id=employee.organization_id,
        employee=employee,
        kind=kind,
        number=text(number, 60),
        issuer=text(issuer, 100),
        issued_on=issued_on,
        expires_on=expires_on,
    )
    _check_certificate(cert)
    prepared = (
        attachments.prepare(scan, field="scan", accept=attachments.PHOTOS_OR_DOCUMENTS)
        if scan
        else []
    )
    cert.save()
    for item in prepared:
        attachments.store(cert, item, actor=actor)
    audit.record(
        actor,
        "people.certificate.added",
        cert,
        after=audit.snapshot(cert, ["kind", "number", "issued_on", "expires_on"]),
        community=employee.community,
    )
    return cert


@transaction.atomic
def update_certificate(*, actor, certificate, **changes) -> Certificate:
    cert = Certificate.objects.select_for_update().select_related("employee__community")
    cert = cert.get(pk=certificate.pk)
    require(actor, "people.certificate.manage", cert.employee.community)
    allowed = {"kind", "number", "issuer", "issued_on", "expires_on"}
    unknown = set(changes) - allowed
    if unknown:
        refuse(sorted(unknown)[0], _("This cannot be changed here."))
    before = audit.snapshot(cert, list(changes))
    for name, value in changes.items():
        setattr(cert, name, text(value) if isinstance(value, str) else value)
    if "expires_on" in changes:
        cert.alerted = []  # a renewed licence is alerted again before its new expiry
    _check_certificate(cert)
    cert.save()
    audit.record(
        actor,
        "people.certificate.changed",
        cert,
        before=before,
        after=audit.snapshot(cert, list(changes)),
        community=cert.employee.community,
    )
    return cert


@transaction.atomic
def require_licence(*, actor, organization, work, key, kind) -> LicenceRequirement:
    """This company's ``work`` of ``key`` (a ticket category, ...) needs licence ``kind``."""
    if not sets_requirements(actor, organization.pk):
        raise Forbidden(_("Only the company's administrators set which work needs a licence."))
    if kind not in CertificateKind.values:
        refuse("kind", _("Choose the kind of licence."))
    row, created = LicenceRequirement.objects.get_or_create(
        organization=organization, work=work, key=key, kind=kind
    )
    if created:
        audit.record(
            actor,
            "people.requirement.added",
            row,
            organization=organization,
            after={"work": work, "key": key, "kind": kind},
        )
    return row


def adopt_suggested_requirements(*, actor, organization) -> int:
    """The requirements of ``rules.SUGGESTED_REQUIREMENTS`` for this company."""
    for work, key, kind in SUGGESTED_REQUIREMENTS:
        require_licence(actor=actor, organization=organization, work=work, key=key, kind=kind)
    return len(SUGGESTED_REQUIREMENTS)


def alert_expiring(*, today=None) -> int:
    """Tell each holder and their managers about a licence expiring in
    ``ANJU_PEOPLE_CERTIFICATE_ALERT_DAYS`` days (60 and 30), each lead time once."""
    today = today or timezone.localdate()
    leads = sorted(settings.ANJU_PEOPLE_CERTIFICATE_ALERT_DAYS, reverse=True)
    if not leads:
        return 0
    sent = 0
    due = (
        Certificate.objects.filter(
            expires_on__gte=today,
            expires_on__lte=today + timedelta(days=leads[0]),
            employee__separated_on__isnull=True,
        )
        .select_related("employee__community", "employee__user")
        .order_by("expires_on", "id")
    )
    for cert in due:
        left = (cert.expires_on - today).days
        # The tightest lead time reached and not yet alerted (a missed 60 becomes the 30 only).
        lead = min((d for d in leads if left <= d), default=None)
        if lead is None or lead in cert.alerted:
            continue
        with transaction.atomic():
            locked = Certificate.objects.select_for_update().get(pk=cert.pk)
            if lead in locked.alerted:
                continue
            locked.alerted = sorted({*locked.alerted, *[d for d in leads if d >= lead]})
            locked.save(update_fields=["alerted"])
            community = cert.employee.community
            recipients = [*managers_of(community)]
            if cert.employee.user is not None:
                recipients.append(cert.employee.user)
            notify(
                recipients,
                _("Licence expiring: %(name)s, %(kind)s")
                % {"name": cert.employee.name, "kind": cert.get_kind_display()},
                _("No. %(number)s expires on %(date)s (in %(days)s days). Renew it in time.")
                % {"number": cert.number, "date": cert.expires_on.isoformat(), "days": left},
                link="/console/people/my-licences/",
                community=community,
                event="people.certificate.alerted",
            )
            audit.record(
                None,
                "people.certificate.alerted",
                locked,
                after={"lead_days": lead},
                community=community,
            )
        sent += 1
    return sent
