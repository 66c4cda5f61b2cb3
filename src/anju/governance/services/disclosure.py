"""公示 (民法典第943条): the eight sections generated from the live ledgers and KPIs; each
published version is frozen (content hash) and printable as PDF for the notice board."""

import hashlib
import io
import json
import logging
from datetime import date, timedelta
from decimal import Decimal

from django.apps import apps
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from anju.core import audit, formats
from anju.core.choices import Role
from anju.core.errors import DomainError
from anju.core.models import Membership
from anju.core.numbering import next_number

from ..choices import (
    DISCLOSURE_SECTIONS,
    DisclosureStatus,
    FundEntryKind,
    FundRequestStatus,
    IncomeKind,
)
from ..models import Disclosure, FundEntry, FundUseRequest, IncomeAllocation, IncomeEntry, RuleSet
from ..selectors import community_fund_totals, low_balance_accounts, period_totals
from .common import acting_user

log = logging.getLogger("anju.governance")


def _money(value) -> str:
    return f"{Decimal(value or 0):.2f}"


def _optional_model(app_label, *names):
    """A model of another app, if that app is installed and has it (billing, servicedesk)."""
    if not apps.is_installed(f"anju.{app_label}"):
        return None
    for name in names:
        try:
            return apps.get_model(app_label, name)
        except LookupError:
            continue
    return None


def _field_names(model):
    return {f.name for f in model._meta.get_fields()}


def _display(obj, name, names):
    if name not in names:
        return ""
    getter = getattr(obj, f"get_{name}_display", None)
    return str(getter() if getter else getattr(obj, name) or "")


def _price(value):
    if value is None:
        return ""
    value = Decimal(value)
    return f"{value.quantize(Decimal('0.01')) if value == value.quantize(Decimal('0.01')) else value.normalize():f}"


def _fee_rows(community):
    """Fee items and standards from billing (the ledgers residents are billed from), if installed."""
    model = _optional_model("billing", "FeeItem", "FeeStandard", "ChargeItem")
    if model is None:
        return None
    try:
        names = _field_names(model)
        qs = model._default_manager.all()
        if "community" in names:
            qs = qs.filter(community=community)
        elif "organization" in names:
            qs = qs.filter(organization_id=community.organization_id)
        today = timezone.localdate()
        if "effective_from" in names:
            qs = qs.filter(effective_from__lte=today)
        if "effective_until" in names:
            from django.db.models import Q

            qs = qs.filter(Q(effective_until__isnull=True) | Q(effective_until__gte=today))
        rows = []
        for item in qs[:100]:
            price = next(
                (getattr(item, f) for f in ("unit_price", "price", "rate", "amount") if f in names),
                None,
            )
            rows.append(
                {
                    "item": str(getattr(item, "name", item)),
                    "standard": _price(price),
                    "unit": _display(item, "unit", names),
                    "basis": _display(item, "basis", names),
                }
            )
        return rows
    except Exception:  # another app's schema must not break the disclosure
        log.exception("reading billing fee items failed")
        return None


def _ticket_kpis(community, start, end):
    """Service-desk figures of the period (requests, resolved on time, average rating), if installed."""
    model = _optional_model("servicedesk", "Ticket")
    if model is None:
        return None
    try:
        names = _field_names(model)
        qs = model._default_manager.all()
        if "community" in names:
            qs = qs.filter(community=community)
        when = next((f for f in ("opened_at", "created_at") if f in names), None)
        if when:
            qs = qs.filter(**{f"{when}__date__gte": start, f"{when}__date__lte": end})
        data = {"tickets": qs.count()}
        if {"resolved_at", "resolve_due_at"} <= names:
            from django.db.models import F

            resolved = qs.filter(resolved_at__isnull=False)
            data["resolved"] = resolved.count()
            data["resolved_on_time"] = resolved.filter(resolved_at__lte=F("resolve_due_at")).count()
        if "rating" in names:
            from django.db.models import Avg

            avg = qs.filter(rating__isnull=False).aggregate(a=Avg("rating"))["a"]
            data["average_rating"] = f"{avg:.1f}" if avg is not None else ""
        return data
    except Exception:
        log.exception("reading service desk KPIs failed")
        return None


def build_sections(community, start: date, end: date) -> dict:
    """The eight sections of article 943, as plain data (frozen when published)."""
    level = community.get_service_level_display()
    fee_rows = _fee_rows(community)
    staff = (
        Membership.objects.filter(
            organization_id=community.organization_id,
            active=True,
            role__in=[Role.MANAGER, Role.AGENT, Role.TECHNICIAN, Role.GUARD, Role.CLEANER],
        )
        .select_related("user")
        .prefetch_related("communities")
    )
    persons = []
    for m in staff:
        ids = m.community_ids()
        if ids and community.pk not in ids:
            continue
        persons.append(
            {"role": str(m.get_role_display()), "name": m.user.get_full_name() or m.user.username}
        )
    kpis = _ticket_kpis(community, start, end)
    totals = community_fund_totals(community)
    moves = FundEntry.objects.filter(
        community=community, created_at__date__gte=start, created_at__date__lte=end
    )
    by_kind = {
        row["kind"]: _money(row["s"])
        for row in moves.values("kind").annotate(s=Sum("amount")).order_by()
    }
    requests = FundUseRequest.objects.filter(
        community=community,
        status=FundRequestStatus.DISBURSED,
        disbursed_at__date__gte=start,
        disbursed_at__date__lte=end,
    )
    income = period_totals(community, start, end)
    by_category = [
        {
            "category": str(
                dict(IncomeEntry._meta.get_field("category").choices).get(
                    row["category"], row["category"]
                )
            ),
            "kind": row["kind"],
            "amount": _money(row["s"]),
        }
        for row in IncomeEntry.objects.filter(
            community=community, occurred_on__gte=start, occurred_on__lte=end
        )
        .values("category", "kind")
        .annotate(s=Sum("amount"))
        .order_by("kind", "category")
    ]
    allocations = IncomeAllocation.objects.filter(
        community=community, period_end__gte=start, period_end__lte=end
    )
    return {
        "service_items": {
            "level": level,
            "items": [
                str(_("Reception and 24-hour service desk")),
                str(_("Maintenance of common parts of the buildings")),
                str(_("Operation and maintenance of shared facilities and equipment")),
                str(_("Public order")),
                str(_("Cleaning and waste sorting")),
                str(_("Green areas")),
            ],
        },
        "responsible_persons": {"service_phone": community.service_phone, "persons": persons},
        "quality_requirements": {
            "level": level,
            "text": str(
                _(
                    "Service quality as agreed in the property service contract at %(level)s, including the published "
                    "service promises."
                )
                % {"level": level}
            ),
        },
        "fee_items": {
            "available": fee_rows is not None,
            "items": [r["item"] for r in fee_rows or []],
        },
        "fee_standards": {"available": fee_rows is not None, "rows": fee_rows or []},
        "performance": {"available": kpis is not None, "kpis": kpis or {}},
        "maintenance_fund": {
            "initial": _money(totals["initial"]),
            "balance": _money(totals["balance"]),
            "movements": by_kind,
            "below_alert": low_balance_accounts(community).count(),
            "uses": [
                {
                    "number": r.number,
                    "title": r.title,
                    "cost": _money(r.actual_cost),
                    "emergency": r.emergency,
                }
                for r in requests
            ],
        },
        "common_income": {
            "income": _money(income["income"]),
            "costs": _money(income["costs"]),
            "net": _money(income["net"]),
            "by_category": by_category,
            "allocations": [
                {
                    "period": f"{a.period_start}–{a.period_end}",
                    "net": _money(a.net),
                    "to_fund": _money(a.to_fund),
                    "retained": _money(a.retained),
                }
                for a in allocations
            ],
        },
    }


def _hash(sections):
    return hashlib.sha256(
        json.dumps(sections, sort_keys=True, ensure_ascii=False).encode()
    ).hexdigest()


@transaction.atomic
def generate_disclosure(*, actor, community, period_start, period_end, title=""):
    if period_end < period_start:
        raise DomainError(
            _("The period must end after it starts."),
            fields={"period_end": [_("The period must end after it starts.")]},
        )
    disclosure = Disclosure.objects.create(
        organization_id=community.organization_id,
        community=community,
        number=next_number("GK", community.pk),
        title=title
        or _("Property service disclosure %(a)s to %(b)s") % {"a": period_start, "b": period_end},
        period_start=period_start,
        period_end=period_end,
        sections=build_sections(community, period_start, period_end),
        created_by=acting_user(actor),
    )
    audit.record(actor, "governance.disclosure.generated", disclosure)
    return disclosure


@transaction.atomic
def regenerate_disclosure(disclosure, *, actor):
    disclosure = Disclosure.objects.select_for_update().get(pk=disclosure.pk)
    disclosure.machine.check("regenerate", disclosure.status)
    disclosure.sections = build_sections(
        disclosure.community, disclosure.period_start, disclosure.period_end
    )
    disclosure.save(update_fields=["sections"])
    audit.record(actor, "governance.disclosure.regenerated", disclosure)
    return disclosure


@transaction.atomic
def publish_disclosure(disclosure, *, actor, now=None):
    """Freeze this version: content hash, version number, link to the previous version."""
    disclosure = Disclosure.objects.select_for_update().get(pk=disclosure.pk)
    target = disclosure.machine.check("publish", disclosure.status)
    previous = (
        Disclosure.objects.filter(
            community_id=disclosure.community_id,
            status=DisclosureStatus.PUBLISHED,
            period_start=disclosure.period_start,
            period_end=disclosure.period_end,
        )
        .order_by("-version")
        .first()
    )
    disclosure.status, disclosure.published_at = target, now or timezone.now()
    disclosure.published_by = acting_user(actor)
    disclosure.version = previous.version + 1 if previous else 1
    disclosure.previous = previous
    disclosure.content_hash = _hash(disclosure.sections)
    disclosure.save(
        update_fields=[
            "status",
            "published_at",
            "published_by",
            "version",
            "previous",
            "content_hash",
        ]
    )
    audit.record(
        actor,
        "governance.disclosure.published",
        disclosure,
        after={"version": disclosure.version, "content_hash": disclosure.content_hash},
    )
    return disclosure


def is_intact(disclosure) -> bool:
    return (
        disclosure.status != DisclosureStatus.PUBLISHED
        or _hash(disclosure.sections) == disclosure.content_hash
    )


def schedule(community, today=None) -> list[dict]:
    """Per section: months between disclosures (rule set of the jurisdiction), last period, next due."""
    today = today or timezone.localdate()
    rule = RuleSet.objects.for_community(community, today)
    last = (
        Disclosure.objects.filter(community=community, status=DisclosureStatus.PUBLISHED)
        .order_by("-period_end")
        .values_list("period_end", flat=True)
        .first()
    )
    rows = []
    for code, label in DISCLOSURE_SECTIONS:
        months = rule.months_for(code) if rule else 12
        due = (last + timedelta(days=round(months * 30.44))) if last else today
        rows.append(
            {
                "code": code,
                "label": label,
                "months": months,
                "last": last,
                "due": due,
                "overdue": due < today,
            }
        )
    return rows


SECTION_LABELS = dict(DISCLOSURE_SECTIONS)


def _labels():
    return {
        "Resolved": _("Resolved"),
        "on time": _("on time"),
        "Average rating (1-5)": _("Average rating (1-5)"),
        "24h service phone": _("24h service phone"),
        "Balance": _("Balance"),
        "Content hash": _("Content hash"),
        "Houses below 30 per cent of the initial deposit": _(
            "Houses below 30 per cent of the initial deposit"
        ),
        "Income": _("Income"),
        "Initial deposits": _("Initial deposits"),
        "Net, belonging to all owners": _("Net, belonging to all owners"),
        "Number": _("Number"),
        "Period": _("Period"),
        "Published": _("Published"),
        "Reasonable costs": _("Reasonable costs"),
        "Service level": _("Service level"),
        "Service requests in the period": _("Service requests in the period"),
        "Version": _("Version"),
        "cost": _("cost"),
        "emergency": _("emergency"),
        "income": _("income"),
        "kept": _("kept"),
        "to the fund": _("to the fund"),
    }


M = formats.money  # amounts in a disclosure read ¥12,345.60, like every page


def section_lines(sections: dict) -> list[tuple[str, list[str]]]:
    """Human-readable lines per section, shared by the pages and the PDF."""
    out = []
    L = _labels()  # noqa: N806
    kind_labels = dict(FundEntryKind.choices)
    for code, label in DISCLOSURE_SECTIONS:
        s = sections.get(code, {})
        lines = []
        if code == "service_items":
            lines = [f"{L['Service level']}: {s.get('level', '')}"] + [
                f"· {i}" for i in s.get("items", [])
            ]
        elif code == "responsible_persons":
            lines = [f"{L['24h service phone']}: {s.get('service_phone') or '—'}"]
            lines += [f"· {p['role']}: {p['name']}" for p in s.get("persons", [])]
        elif code == "quality_requirements":
            lines = [s.get("text", "")]
        elif code == "fee_items":
            lines = [f"· {i}" for i in s.get("items", [])] or [
                _("Fee items are kept in the billing module.")
            ]
        elif code == "fee_standards":
            lines = [
                f"· {r['item']}: ¥{r['standard']} {r['unit']} {r.get('basis', '')}".rstrip()
                for r in s.get("rows", [])
            ] or [_("Fee standards are kept in the billing module.")]
        elif code == "performance":
            kpis = s.get("kpis") or {}
            lines = (
                [f"{L['Service requests in the period']}: {kpis.get('tickets', 0)}"]
                if s.get("available")
                else [_("Service KPIs are kept in the service desk.")]
            )
            if "resolved" in kpis:
                lines.append(
                    f"{L['Resolved']}: {kpis['resolved']} · {L['on time']}: {kpis['resolved_on_time']}"
                )
            if kpis.get("average_rating"):
                lines.append(f"{L['Average rating (1-5)']}: {kpis['average_rating']}")
        elif code == "maintenance_fund":
            lines = [
                f"{L['Initial deposits']}: {M(s.get('initial'))}",
                f"{L['Balance']}: {M(s.get('balance'))}",
                f"{L['Houses below 30 per cent of the initial deposit']}: {s.get('below_alert', 0)}",
            ]
            lines += [
                f"· {kind_labels.get(k, k)}: {M(v)}" for k, v in (s.get("movements") or {}).items()
            ]
            lines += [
                f"· {u['number']} {u['title']}: {M(u['cost'])}"
                + (f" ({L['emergency']})" if u["emergency"] else "")
                for u in s.get("uses", [])
            ]
        elif code == "common_income":
            lines = [
                f"{L['Income']}: {M(s.get('income'))}",
                f"{L['Reasonable costs']}: {M(s.get('costs'))}",
                f"{L['Net, belonging to all owners']}: {M(s.get('net'))}",
            ]
            lines += [
                f"· {r['category']} ({L['cost'] if r['kind'] == IncomeKind.COST else L['income']}): {M(r['amount'])}"
                for r in s.get("by_category", [])
            ]
            lines += [
                f"· {a['period']}: {L['to the fund']} {M(a['to_fund'])}, {L['kept']} {M(a['retained'])}"
                for a in s.get("allocations", [])
            ]
        out.append((str(label), lines))
    return out


def render_pdf(disclosure) -> bytes:
    """A4 notice-board print with the built-in Chinese CID font (no font files needed)."""
    from xml.sax.saxutils import escape

    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer

    try:
        pdfmetrics.getFont("STSong-Light")
    except KeyError:
        pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    title = ParagraphStyle("t", fontName="STSong-Light", fontSize=16, leading=22, spaceAfter=6)
    head = ParagraphStyle(
        "h", fontName="STSong-Light", fontSize=12.5, leading=18, spaceBefore=8, spaceAfter=2
    )
    body = ParagraphStyle("b", fontName="STSong-Light", fontSize=10.5, leading=15, wordWrap="CJK")
    buf = io.BytesIO()
    doc = SimpleDocTemplate(
        buf,
        pagesize=A4,
        leftMargin=18 * mm,
        rightMargin=18 * mm,
        topMargin=16 * mm,
        bottomMargin=16 * mm,
        title=disclosure.title,
    )
    L = _labels()  # noqa: N806
    story = [
        Paragraph(escape(f"{disclosure.community.name} {disclosure.title}"), title),
        Paragraph(
            escape(
                f"{L['Number']}: {disclosure.number}  {L['Period']}: {disclosure.period_start} – "
                f"{disclosure.period_end}  {L['Version']}: {disclosure.version}"
            ),
            body,
        ),
    ]
    if disclosure.published_at:
        story.append(
            Paragraph(
                escape(
                    f"{L['Published']}: {timezone.localtime(disclosure.published_at):%Y-%m-%d %H:%M}  "
                    f"{L['Content hash']}: {disclosure.content_hash[:16]}"
                ),
                body,
            )
        )
    for i, (label, lines) in enumerate(section_lines(disclosure.sections), start=1):
        story.append(Paragraph(escape(f"{i}. {label}"), head))
        story += [Paragraph(escape(line), body) for line in lines]
    story += [
        Spacer(1, 8 * mm),
        Paragraph(escape(_("Disclosed under article 943 of the Civil Code.")), body),
    ]
    doc.build(story)
    return buf.getvalue()
