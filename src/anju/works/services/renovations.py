"""Renovations (装修管理): application with the plan and the works declared against the rule
data of 住宅室内装饰装修管理办法第五至八条, review (approval with conditions and a deposit, or
rejection), workers' permits, inspections with photos, stop-work orders and resumption,
completion acceptance (the closed water test where 第八条 applies), and the deposit's
settlement: refunded minus documented deductions, acknowledged by the resident."""

from datetime import date

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.crypto import get_random_string
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from anju.billing import services as billing
from anju.core import audit
from anju.core.attachments import PHOTOS, PHOTOS_OR_DOCUMENTS, attach
from anju.core.errors import refuse
from anju.core.notifications import notify
from anju.core.services import validate_phone

from .. import rules
from ..choices import DepositKind, DepositState, RenovationState
from ..models import Deposit, Inspection, Renovation, Worker
from . import deposits
from .common import amount_of, require, text

FEE_SOURCE = "works.renovation:"


def _date(value, field):
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except (TypeError, ValueError):
        refuse(field, _("Enter a date as YYYY-MM-DD."))


def _locked(renovation):
    return (
        Renovation.objects.select_for_update()
        .select_related("house__building")
        .get(pk=renovation.pk)
    )


def _tell_resident(renovation, title, body=""):
    from anju.core.models import User

    users = []
    if renovation.applied_by_id:
        users = list(User.objects.filter(pk=renovation.applied_by_id, person__isnull=False))
    if renovation.applicant_id:
        users += list(User.objects.filter(person_id=renovation.applicant_id))
    notify(
        users,
        title,
        body,
        link="/app/renovations/",
        community=renovation.community,
        event="works.renovation.changed",
    )


@transaction.atomic
def apply(
    *,
    actor,
    house,
    contractor,
    description,
    starts,
    ends,
    contractor_phone="",
    works=(),
    no_prohibited_works=True,
    applicant=None,
    plan=(),
):
    """An owner or tenant (portal) or the office applies for a renovation of ``house``: the
    contractor, what will be done, the dates, the works needing approval (codes of
    ``rules.NEEDS_APPROVAL``), the declaration that none of the prohibited works
    (``rules.PROHIBITED``) is planned, and the plan (photos or PDF)."""
    require("works.renovation.apply", house, actor=actor)
    contractor = text(contractor, "contractor", _("Name the contractor."), 100)
    description = text(description, "description", _("Describe the works."), 2000)
    starts, ends = _date(starts, "starts"), _date(ends, "ends")
    if ends < starts:
        refuse("ends", _("The works must end on or after the day they start."))
    if starts < timezone.localdate():
        refuse("starts", _("The works cannot start in the past."))
    works = sorted(set(works or ()))
    unknown = set(works) - rules.APPROVAL_CODES
    if unknown:
        refuse("works", _("Choose works from the list."))
    if not no_prohibited_works:
        refuse(
            "no_prohibited_works",
            _(
                "Works prohibited by 住宅室内装饰装修管理办法第五条 cannot be approved: take them "
                "out of the plan."
            ),
        )
    if applicant is None and getattr(actor, "person_id", None) and not actor.is_staff_member:
        applicant = actor.person
    if applicant is not None and applicant.organization_id != house.organization_id:
        refuse("applicant", _("Choose one of this community's."))
    phone = validate_phone(contractor_phone, "contractor_phone") if contractor_phone else ""
    if Renovation.objects.filter(
        house=house,
        state__in=[RenovationState.SUBMITTED, RenovationState.APPROVED, RenovationState.STOPPED],
    ).exists():
        refuse("house", _("This house already has a renovation waiting or under way."))
    renovation = Renovation.objects.create(
        organization_id=house.organization_id,
        community_id=house.community_id,
        house=house,
        applicant=applicant,
        applied_by=actor if getattr(actor, "pk", None) else None,
        contractor=contractor,
        contractor_phone=phone,
        description=description,
        starts=starts,
        ends=ends,
        works=works,
        no_prohibited_works=True,
    )
    if plan:
        attach(renovation, plan, actor=actor, field="plan", accept=PHOTOS_OR_DOCUMENTS)
    audit.record(actor, "works.renovation.created", renovation, after=audit.snapshot(renovation))
    return renovation


def _review(actor, renovation):
    require("works.renovation.review", renovation.house, actor=actor)


@transaction.atomic
def approve(*, actor, renovation, conditions="", deposit=None, method="", reference="", fee=None):
    """Approve with the conditions (working hours of the jurisdiction are always among them)
    and a renovation deposit: to be collected into the deposits ledger (at once if ``method``
    is given). ``deposit`` None proposes ANJU_WORKS_RENOVATION_DEPOSIT; 0 asks for none.
    A ``fee`` (a service the company charges for, e.g. waste removal, as agreed) is billed
    through billing as a one-off charge of the house, paid like any bill: revenue, unlike the
    deposit."""
    renovation = _locked(renovation)
    _review(actor, renovation)
    target = Renovation.machine.check("approve", renovation.state)
    conditions = str(conditions or "").strip()[:2000]
    if len(conditions) > 1900:
        refuse("conditions", _("At most %(n)s characters.") % {"n": 1900})
    amount = amount_of(
        settings.ANJU_WORKS_RENOVATION_DEPOSIT if deposit in (None, "") else deposit,
        "deposit",
        zero=True,
    )
    fee = amount_of(fee or 0, "fee", zero=True)
    hours = rules.hours_text(renovation.community.jurisdiction)
    renovation.conditions = "\n".join(
        part for part in (conditions, _("Working hours: %(hours)s.") % {"hours": hours}) if part
    )
    renovation.state = target
    renovation.reviewed_by = actor if getattr(actor, "pk", None) else None
    renovation.reviewed_at = timezone.now()
    renovation.save(update_fields=["conditions", "state", "reviewed_by", "reviewed_at"])
    Worker.objects.filter(renovation=renovation).update(valid_until=renovation.ends)
    held = None
    if amount > 0:
        held = deposits.create_due(
            actor=actor,
            house=renovation.house,
            kind=DepositKind.RENOVATION,
            amount=amount,
            description=_("Renovation by %(c)s") % {"c": renovation.contractor},
            payer=renovation.applicant,
            renovation=renovation,
        )
        if method:
            deposits.collect(actor=actor, deposit=held, method=method, reference=reference)
    if fee > 0:
        with translation.override(settings.LANGUAGE_CODE):
            billing.charge_service_fee(
                actor=actor,
                house=renovation.house,
                amount=fee,
                description=_("Renovation by %(c)s, %(starts)s–%(ends)s")
                % {
                    "c": renovation.contractor,
                    "starts": renovation.starts,
                    "ends": renovation.ends,
                },
                source=f"{FEE_SOURCE}{renovation.pk}",
                item_name=_("Renovation services"),
            )
    audit.record(
        actor,
        "works.renovation.approve",
        renovation,
        after={"conditions": renovation.conditions, "deposit": str(amount), "fee": str(fee)},
    )
    _tell_resident(
        renovation,
        gettext_lazy("Your renovation is approved"),
        renovation.conditions,
    )
    return renovation


@transaction.atomic
def reject(*, actor, renovation, reason):
    renovation = _locked(renovation)
    _review(actor, renovation)
    target = Renovation.machine.check("reject", renovation.state)
    reason = text(reason, "reason", _("Give the reason for not approving."))
    renovation.state, renovation.reason = target, reason
    renovation.reviewed_by = actor if getattr(actor, "pk", None) else None
    renovation.reviewed_at = timezone.now()
    renovation.save(update_fields=["state", "reason", "reviewed_by", "reviewed_at"])
    audit.record(actor, "works.renovation.reject", renovation, after={"reason": reason})
    _tell_resident(renovation, gettext_lazy("Your renovation is not approved"), reason)
    return renovation


@transaction.atomic
def add_worker(*, actor, renovation, name, phone="", trade=""):
    """A worker of the renovation with a work permit valid until its end date."""
    renovation = _locked(renovation)
    require("works.renovation.apply", renovation.house, actor=actor)
    if renovation.state not in (
        RenovationState.SUBMITTED,
        RenovationState.APPROVED,
        RenovationState.STOPPED,
    ):
        refuse("renovation", _("Workers can be added only before the works are accepted."))
    name = text(name, "name", _("Enter the worker's name."), 50)
    worker = Worker.objects.create(
        organization_id=renovation.organization_id,
        community_id=renovation.community_id,
        renovation=renovation,
        name=name,
        phone=validate_phone(phone) if phone else "",
        trade=str(trade or "").strip()[:50],
        permit=f"SG{renovation.pk:05d}-{get_random_string(6, '0123456789ABCDEFGHJKLMNPQRSTUVWXYZ')}",
        valid_until=renovation.ends,
    )
    audit.record(
        actor, "works.worker.created", worker, after={"name": name, "permit": worker.permit}
    )
    return worker


@transaction.atomic
def inspect(*, actor, renovation, findings, passed=True, photos=(), stop=False):
    """An inspection (巡查) during the works: the findings with photos; ``stop`` issues a
    stop-work order at once (a problem was found)."""
    renovation = _locked(renovation)
    require("works.renovation.inspect", renovation.house, actor=actor)
    Renovation.machine.check("inspect", renovation.state)
    findings = text(findings, "findings", _("Describe what the inspection found."), 2000)
    inspection = Inspection.objects.create(
        organization_id=renovation.organization_id,
        community_id=renovation.community_id,
        renovation=renovation,
        findings=findings,
        passed=bool(passed) and not stop,
        inspected_by=actor if getattr(actor, "pk", None) else None,
        at=timezone.now(),
    )
    if photos:
        attach(inspection, photos, actor=actor, field="photos", accept=PHOTOS)
    audit.record(
        actor,
        "works.renovation.inspect",
        renovation,
        after={"findings": findings, "passed": inspection.passed},
    )
    if stop:
        stop_works(actor=actor, renovation=renovation, reason=findings)
    elif not inspection.passed:
        _tell_resident(renovation, gettext_lazy("Your renovation needs rectification"), findings)
    return inspection


@transaction.atomic
def stop_works(*, actor, renovation, reason):
    """A stop-work order (停工整改): the works stop until the problem is put right."""
    renovation = _locked(renovation)
    require("works.renovation.inspect", renovation.house, actor=actor)
    target = Renovation.machine.check("stop", renovation.state)
    reason = text(reason, "reason", _("Give the reason for stopping the works."))
    renovation.state, renovation.reason = target, reason
    renovation.save(update_fields=["state", "reason"])
    audit.record(actor, "works.renovation.stop", renovation, after={"reason": reason})
    _tell_resident(renovation, gettext_lazy("Stop-work order for your renovation"), reason)
    return renovation


@transaction.atomic
def resume(*, actor, renovation, note=""):
    """The problem was put right (rectification checked): the works may go on."""
    renovation = _locked(renovation)
    require("works.renovation.inspect", renovation.house, actor=actor)
    target = Renovation.machine.check("resume", renovation.state)
    note = text(note, "note", _("Say how the problem was put right."))
    renovation.state = target
    renovation.save(update_fields=["state"])
    audit.record(actor, "works.renovation.resume", renovation, after={"note": note})
    _tell_resident(renovation, gettext_lazy("Your renovation may go on"), note)
    return renovation


def acceptance_items(renovation):
    """The acceptance checklist of this renovation: the closed water test only where the
    waterproofing of a wet room was changed (第八条)."""
    wet = rules.needs_water_test(renovation.works)
    return [i for i in rules.ACCEPTANCE_ITEMS if i.code != rules.WATER_TEST or wet]


@transaction.atomic
def accept(*, actor, renovation, checklist=None):
    """Completion acceptance (竣工验收): every item of the checklist passed (``checklist`` maps
    item codes to True); the closed water test is required where 第八条 applies."""
    renovation = _locked(renovation)
    _review(actor, renovation)
    target = Renovation.machine.check("accept", renovation.state)
    checklist = dict(checklist or {})
    items = acceptance_items(renovation)
    if not isinstance(checklist, dict):
        refuse("checklist", _("Tick the items of the acceptance checklist."))
    missing = [i for i in items if checklist.get(i.code) is not True]
    if missing:
        if any(i.code == rules.WATER_TEST for i in missing):
            refuse(
                "checklist",
                _("The closed water test of the wet rooms must pass before acceptance (art. 8)."),
            )
        refuse(
            "checklist",
            _("Not yet passed: %(items)s.") % {"items": "; ".join(str(i.text) for i in missing)},
        )
    renovation.acceptance = {i.code: True for i in items}
    renovation.state, renovation.accepted_at = target, timezone.now()
    renovation.save(update_fields=["acceptance", "state", "accepted_at"])
    audit.record(actor, "works.renovation.accept", renovation, after=renovation.acceptance)
    return renovation


def renovation_deposit(renovation):
    return (
        Deposit.objects.filter(renovation=renovation, kind=DepositKind.RENOVATION)
        .exclude(state=DepositState.CANCELLED)
        .order_by("-id")
        .first()
    )


@transaction.atomic
def refund_deposit(*, actor, renovation, deductions=(), method="cash", reference="", evidence=()):
    """Settle the renovation deposit: each documented deduction ``{"amount", "reason"}`` kept
    (the evidence attached to the first), the rest refunded; the resident then acknowledges
    on the phone."""
    renovation = _locked(renovation)
    require("works.deposit.refund", renovation.house, actor=actor)
    target = Renovation.machine.check("refund-deposit", renovation.state)
    held = renovation_deposit(renovation)
    if held is not None and held.state == DepositState.DUE:
        refuse("deposit", _("The deposit was never collected: cancel it instead."))
    if deductions and not isinstance(deductions, list | tuple):
        refuse("deductions", _("List the deductions, each with an amount and a reason."))
    for index, row in enumerate(deductions or ()):
        if held is None or held.state != DepositState.HELD:
            refuse("deductions", _("There is no deposit held to deduct from."))
        if not isinstance(row, dict):
            refuse("deductions", _("List the deductions, each with an amount and a reason."))
        deposits.deduct(
            actor=actor,
            deposit=held,
            amount=row.get("amount"),
            reason=row.get("reason"),
            evidence=evidence if index == 0 else (),
        )
        held.refresh_from_db()
    if held is not None and held.state == DepositState.HELD:
        deposits.refund(actor=actor, deposit=held, method=method, reference=reference)
    elif held is not None and held.state == DepositState.DUE:
        deposits.cancel(actor=actor, deposit=held, reason="renovation accepted")
    renovation.state, renovation.refunded_at = target, timezone.now()
    renovation.save(update_fields=["state", "refunded_at"])
    audit.record(
        actor,
        "works.renovation.refund-deposit",
        renovation,
        after={"deductions": [{k: str(v) for k, v in dict(r).items()} for r in deductions or ()]},
    )
    _tell_resident(
        renovation,
        gettext_lazy("Your renovation deposit is settled: please acknowledge"),
    )
    return renovation


@transaction.atomic
def acknowledge(*, actor, renovation):
    """The resident confirms the settlement (签收) on the phone: only the applicant or a
    resident of the house, never the office for them."""
    renovation = _locked(renovation)
    target = Renovation.machine.check("acknowledge", renovation.state)
    mine = actor is not None and (
        renovation.house_id in actor.resident_house_ids()
        or bool(renovation.applicant_id and renovation.applicant_id == actor.person_id)
    )
    if not mine:
        refuse("renovation", _("Only the resident acknowledges the settlement, on their phone."))
    renovation.state, renovation.acknowledged_at = target, timezone.now()
    renovation.save(update_fields=["state", "acknowledged_at"])
    audit.record(actor, "works.renovation.acknowledge", renovation, after={"acknowledged": True})
    return renovation
