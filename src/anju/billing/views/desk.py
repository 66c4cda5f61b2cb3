"""The cashier desk (收银台) and its corrections, receipts, the daily cash-up (日结), arrears
and the billing reports."""

import json
from datetime import date
from decimal import Decimal

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views import generic

from anju.core import formats, policy
from anju.core.console import StaffRequiredMixin, add_domain_errors
from anju.core.crypto import mask_middle
from anju.core.db.replica import ReplicaReadsMixin
from anju.core.errors import DomainError
from anju.core.excel import workbook_bytes
from anju.core.models import Community, House, Occupancy

from .. import reports, selectors, services
from ..choices import PayerKind, PaymentMethod, PaymentStatus
from ..forms import CreditForm, PayForm, ReasonForm
from ..models import Bill, BillLine, CashUp, CollectionAction, LateCharge, Payment, Wallet
from .common import bills_with_lines, community_from, receipt_response

# --- console: cashier desk -----------------------------------------------------------------------


class CashierDesk(StaffRequiredMixin, generic.TemplateView):
    """收银台: find the house, see how each open line was computed, take payment, print receipt."""

    template_name = "billing/desk.html"
    permission = "billing.payment.create"

    def _house(self):
        pk = self.request.GET.get("house") or self.request.POST.get("house")
        if not pk:
            return None
        return get_object_or_404(
            House.objects.visible_to(self.request.user, "billing.payment.create").select_related(
                "building", "community"
            ),
            pk=pk,
        )

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        user = self.request.user
        q = self.request.GET.get("q", "").strip()
        matches = []
        if q:
            houses = House.objects.visible_to(user, "billing.payment.create").select_related(
                "building", "community"
            )
            if self.request.community_id:
                houses = houses.filter(community_id=self.request.community_id)
            matches = list(selectors.find_houses(houses, q))
        house = self._house() if "house" in self.request.GET else None
        if house is None and len(matches) == 1:
            house = matches[0]
        show_contact = policy.staff_has(user, "core.person.view_contact")
        ctx.update(title=_("Cashier desk"), q=q, matches=matches, house=house)
        if house is not None:
            ctx.update(
                can_credit=self.can("billing.bill.credit", house),
                can_waive=self.can("billing.latecharge.waive", house),
                can_refund=self.can("billing.refund.create", house),
            )
            owners = (
                Occupancy.objects.active().owners().filter(house=house).select_related("person")
            )
            open_bills = selectors.open_bills(Bill.objects.filter(house=house)).order_by("due_date")
            developer_owed = selectors.house_arrears(house, developer=True)
            ctx.update(
                owners=[
                    (o.person.name, o.person.phone if show_contact else mask_middle(o.person.phone))
                    for o in owners
                ],
                bills=bills_with_lines(selectors.of_party(open_bills)),
                owed=selectors.house_arrears(house),
                developer_bills=bills_with_lines(selectors.of_party(open_bills, developer=True)),
                developer_owed=developer_owed,
                developer_form=kwargs.get("developer_form")
                or PayForm(
                    prefix="developer",
                    initial={
                        "amount": developer_owed,
                        "idempotency_key": timezone.now().strftime("desk-d-%Y%m%d%H%M%S%f"),
                    },
                ),
                wallet=Wallet.objects.filter(house=house).first(),
                room=services.prepay_room(house),
                payments=Payment.objects.filter(house=house, status=PaymentStatus.SUCCEEDED)[:10],
                form=kwargs.get("form")
                or PayForm(
                    initial={
                        "amount": selectors.house_arrears(house),
                        "idempotency_key": timezone.now().strftime("desk-%Y%m%d%H%M%S%f"),
                    }
                ),
            )
        return ctx

    def post(self, request):
        house = self._house()
        if house is None:
            raise Http404
        # The developer's payment for its own bills comes from the second form (its prefix).
        developer = "developer-amount" in request.POST
        form = PayForm(request.POST, prefix="developer" if developer else None)
        if form.is_valid():
            try:
                payment = services.record_payment(
                    actor=request.user,
                    house=house,
                    amount=form.cleaned_data["amount"],
                    method=form.cleaned_data["method"],
                    reference=form.cleaned_data["reference"],
                    idempotency_key=form.cleaned_data["idempotency_key"] or "",
                    developer=developer,
                )
                messages.success(
                    request, _("Payment %(no)s recorded.") % {"no": payment.receipt_number}
                )
                return redirect(
                    f"{reverse('console:billing-desk')}?house={house.pk}&paid={payment.pk}"
                )
            except DomainError as exc:
                add_domain_errors(form, exc)
        self.request.GET = self.request.GET.copy()
        self.request.GET["house"] = str(house.pk)
        return self.render_to_response(
            self.get_context_data(**{"developer_form" if developer else "form": form})
        )


# --- console: corrections at the desk (credit notes, late-charge waivers, refunds) ---------------


class DeskCorrection(StaffRequiredMixin, generic.TemplateView):
    """One correction of a house's account, from the cashier desk: the object and how it stands,
    a form, and back to the desk. The service decides and explains what is allowed (its errors
    land on the form's fields); only roles with the permission in the object's community see
    the page (cashiers take money, finance and managers correct accounts)."""

    template_name = "billing/correction.html"
    model = None
    form_class = None
    action = ""

    def get_object(self):
        queryset = self.model.objects.visible_to(self.request.user, self.permission)
        queryset = queryset.select_related("house__building", "house__community")
        return get_object_or_404(self.queryset(queryset), pk=self.kwargs["pk"])

    def queryset(self, queryset):
        return queryset

    def house(self, obj):
        return obj.house

    def initial(self, obj):
        return {}

    def facts(self, obj):
        return []

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        obj = kwargs.get("obj") or self.get_object()
        house = self.house(obj)
        ctx.update(
            title=self.title,
            action=self.action,
            obj=obj,
            house=house,
            facts=self.facts(obj),
            form=kwargs.get("form") or self.form_class(initial=self.initial(obj)),
            back=f"{reverse('console:billing-desk')}?house={house.pk}",
        )
        return ctx

    def post(self, request, pk):
        obj = self.get_object()
        form = self.form_class(request.POST)
        if form.is_valid():
            try:
                message = self.perform(obj, form.cleaned_data)
            except DomainError as exc:
                add_domain_errors(form, exc)
            else:
                messages.success(request, message)
                return redirect(f"{reverse('console:billing-desk')}?house={self.house(obj).pk}")
        return self.render_to_response(self.get_context_data(obj=obj, form=form))


class CreditLine(DeskCorrection):
    """冲减: a credit note against one posted line."""

    model = BillLine
    permission = "billing.bill.credit"
    form_class = CreditForm
    title = _("Credit note")
    action = _("Issue credit note")

    def queryset(self, queryset):
        return queryset.select_related("bill", "fee_item")

    def facts(self, obj):
        credited = services.line_credited(obj)
        return [
            (_("Fee item"), obj.fee_item.name),
            (_("Period"), obj.bill.period),
            (_("How it was computed"), reports.explain_line(obj)),
            (_("Amount"), formats.money(obj.amount)),
            (_("Credited before"), formats.money(credited)),
            (_("Can still be credited"), formats.money(obj.amount - credited)),
        ]

    def initial(self, obj):
        return {"amount": obj.amount - services.line_credited(obj)}

    def perform(self, obj, data):
        note = services.issue_credit_note(
            actor=self.request.user, line=obj, amount=data["amount"], reason=data["reason"]
        )
        return _("Credit note %(no)s issued: ¥%(amount)s.") % {
            "no": note.number,
            "amount": formats.number(note.amount, 2),
        }


class WaiveLateCharge(DeskCorrection):
    """减免滞纳金: waive what is left of one late charge."""

    model = LateCharge
    permission = "billing.latecharge.waive"
    form_class = ReasonForm
    title = _("Waive late charge")
    action = _("Waive late charge")

    def queryset(self, queryset):
        return queryset.filter(waived=False).select_related("bill", "line__fee_item")

    def facts(self, obj):
        return [
            (_("Fee item"), obj.line.fee_item.name),
            (_("Period"), obj.bill.period),
            (_("Late charge"), formats.money(obj.amount)),
            (_("Paid"), formats.money(obj.paid)),
            (_("Waived now"), formats.money(obj.amount - obj.paid)),
        ]

    def perform(self, obj, data):
        services.waive_late_charge(actor=self.request.user, late_charge=obj, reason=data["reason"])
        return _("Late charge of ¥%(amount)s waived.") % {
            "amount": formats.number(obj.amount - obj.paid, 2)
        }


class RefundPrepayment(DeskCorrection):
    """退预存: pay back prepaid fees for periods that will not be served."""

    model = Wallet
    permission = "billing.refund.create"
    form_class = CreditForm
    title = _("Refund prepayment")
    action = _("Refund")

    def facts(self, obj):
        return [(_("Prepayment balance"), formats.money(obj.balance))]

    def initial(self, obj):
        return {"amount": obj.balance}

    def perform(self, obj, data):
        entry = services.refund_prepayment(
            actor=self.request.user, house=obj.house, amount=data["amount"], reason=data["reason"]
        )
        return _("¥%(amount)s refunded; prepayment balance ¥%(balance)s.") % {
            "amount": formats.number(-entry.amount, 2),
            "balance": formats.number(entry.balance_after, 2),
        }


class ReceiptView(StaffRequiredMixin, generic.View):
    permission = "billing.payment.view"

    def get(self, request, pk):
        payment = get_object_or_404(
            Payment.objects.visible_to(request.user, "billing.payment.view"),
            pk=pk,
            status=PaymentStatus.SUCCEEDED,
        )
        return receipt_response(payment)


class CashUpView(StaffRequiredMixin, generic.TemplateView):
    """日结: the day's takings by method, every payment listed, and closing the day."""

    template_name = "billing/cashup.html"
    permission = "billing.payment.view"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        community = community_from(self.request, "billing.payment.view")
        day = self.request.GET.get("day") or str(timezone.localdate())
        try:
            day = date.fromisoformat(day)
        except ValueError:
            day = timezone.localdate()
        report = services.cash_up_report(community, day) if community else {}
        methods = dict(PaymentMethod.choices)
        ctx.update(
            title=_("Daily cash-up"),
            community=community,
            day=day,
            report=report,
            totals=[(methods.get(k, k), v) for k, v in report.get("totals", {}).items()],
            payments=Payment.objects.filter(
                community=community, status=PaymentStatus.SUCCEEDED, paid_on=day
            )
            .select_related("house__building", "received_by")
            .order_by("paid_at")
            if community
            else [],
            closed=CashUp.objects.filter(community=community, day=day).first()
            if community
            else None,
            # No community chosen among several: the page asks which, it does not guess.
            choices=[]
            if community
            else Community.objects.visible_to(self.request.user, "billing.payment.view").order_by(
                "name"
            ),
        )
        return ctx

    def post(self, request):
        community = community_from(request, "billing.payment.create")
        if community is None:
            messages.error(request, _("Choose the community whose day you close."))
            return redirect("console:billing-cashup")
        if not policy.staff_has(request.user, "billing.payment.create", community.pk):
            raise PermissionDenied
        try:
            services.close_cash_up(
                actor=request.user,
                community=community,
                day=date.fromisoformat(request.POST.get("day")),
            )
            messages.success(request, _("The day is closed."))
        except (DomainError, ValueError, TypeError) as exc:
            messages.error(request, getattr(exc, "message", str(exc)))
        return redirect(
            f"{reverse('console:billing-cashup')}?community={community.pk}&day={request.POST.get('day')}"
        )


class ArrearsView(StaffRequiredMixin, generic.TemplateView):
    """欠费: overdue houses oldest debt first, aging buckets, the next lawful step."""

    template_name = "billing/arrears.html"
    permission = "billing.collection.view"
    paginate_by = 50

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        today = timezone.localdate()
        bills = Bill.objects.visible_to(self.request.user, "billing.collection.view")
        if self.request.community_id:
            bills = bills.filter(community_id=self.request.community_id)
        # Every overdue house, a page at a time; the total is the workbench card's number.
        paginator = Paginator(selectors.arrears_groups(bills, today), self.paginate_by)
        page = paginator.get_page(self.request.GET.get("page"))
        rows = selectors.rounded_arrears(page.object_list)
        houses = House.objects.in_bulk([r["house_id"] for r in rows])
        last = {}
        for a in CollectionAction.objects.filter(house_id__in=houses).order_by("created_at"):
            last[a.house_id] = a
        query = self.request.GET.copy()
        query.pop("page", None)
        ctx.update(
            title=_("Arrears"),
            paginator=paginator,
            page_obj=page,
            is_paginated=page.has_other_pages(),
            querystring=query.urlencode(),
            aging=reports.arrears_aging(bills, today),
            rows=[
                (
                    houses[r["house_id"]],
                    r["owed"],
                    r["oldest"],
                    (today - r["oldest"]).days,
                    None if r["payer_kind"] == PayerKind.DEVELOPER else last.get(r["house_id"]),
                    r["payer_kind"] == PayerKind.DEVELOPER,
                )
                for r in rows
            ],
        )
        return ctx


class ReportsView(ReplicaReadsMixin, StaffRequiredMixin, generic.TemplateView):
    """应收/实收/欠费 by community, building, item or period; 收缴率 chart; Excel export."""

    template_name = "billing/reports.html"
    permission = "billing.report.view"

    def get(self, request, *args, **kwargs):
        bills = Bill.objects.visible_to(request.user, "billing.report.view")
        if request.community_id:
            bills = bills.filter(community_id=request.community_id)
        group = request.GET.get("group", "period")
        if group not in ("community", "building", "item", "period"):
            group = "period"
        rows = reports.receivable_received(bills, group)
        if request.GET.get("export") == "xlsx":
            if not policy.staff_has(request.user, "core.export.run"):
                raise PermissionDenied
            content = workbook_bytes(
                _("Receivable and received"),
                [_("Group"), _("Receivable"), _("Received"), _("Arrears")],
                (
                    [
                        r["group"],
                        Decimal(r["receivable"]),
                        Decimal(r["received"]),
                        Decimal(r["arrears"]),
                    ]
                    for r in rows
                ),
            )
            response = HttpResponse(
                content,
                content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            )
            response["Content-Disposition"] = f'attachment; filename="billing-{group}.xlsx"'
            return response
        periods = sorted(set(bills.filter(run__isnull=False).values_list("period", flat=True)))[
            -12:
        ]
        rates = reports.monthly_rates(bills, periods)
        chart = {
            "periods": periods,
            "amount": [r["current_rate_amount"] for r in rates],
            "households": [r["current_rate_households"] for r in rates],
            "recovery": [r["recovery_rate_amount"] for r in rates],
        }
        return self.render_to_response(
            self.get_context_data(
                title=_("Billing reports"),
                rows=rows,
                group=group,
                rates=rates,
                chart=json.dumps(chart),
                aging=reports.arrears_aging(bills),
            )
        )
