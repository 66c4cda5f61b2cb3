"""Console (收银台, runs, 日结, arrears, collections, reports) and resident portal pages."""

import json
from datetime import date
from decimal import Decimal

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views import generic

from anju.core import policy, progress
from anju.core.console import (
    Column,
    ScopedDetailView,
    ScopedForm,
    ScopedListView,
    ServiceFormView,
    StaffRequiredMixin,
    add_domain_errors,
)
from anju.core.crypto import mask_middle
from anju.core.errors import DomainError
from anju.core.excel import workbook_bytes
from anju.core.models import Community, House, Job, Occupancy
from anju.core.portal import ResidentMixin

from . import calc, pdf, providers, reports, selectors, services, tasks
from .choices import BillStatus, CollectionKind, PayerKind, PaymentMethod, PaymentStatus
from .models import (
    Bill,
    BillingRun,
    BillLine,
    CashUp,
    CollectionAction,
    FeeItem,
    LateCharge,
    MeterReading,
    Payment,
    Wallet,
)


def _bills_with_lines(qs):
    bills = list(
        qs.select_related("house__building").prefetch_related("lines__fee_item", "late_charges")
    )
    for bill in bills:
        bill.explained = [(line, reports.explain_line(line)) for line in bill.lines.all()]
    return bills


def _community(request, perm):
    communities = Community.objects.visible_to(request.user, perm)
    chosen = request.GET.get("community") or request.POST.get("community") or request.community_id
    if chosen:
        return get_object_or_404(communities, pk=chosen)
    return communities.first()


# --- console: lists ------------------------------------------------------------------------------


class FeeItemList(ScopedListView):
    model = FeeItem
    permission = "billing.feeitem.view"
    title = _("Fee items")
    columns = [
        Column("name", _("name")),
        Column("community__name", _("community")),
        Column("method", _("method")),
        Column("unit_price", _("unit price"), align="right"),
        Column("unit", _("unit")),
        Column("basis", _("pricing basis (收费依据)")),
        Column("effective_from", _("effective from")),
        Column("published", _("published")),
    ]
    search_fields = ["name"]


class BillingRunList(ScopedListView):
    model = BillingRun
    permission = "billing.run.view"
    title = _("Billing runs")
    detail_url_name = "console:billing-run-detail"
    create_url_name = "console:billing-run-create"
    create_permission = "billing.run.change"
    columns = [
        Column("period", _("period")),
        Column("community__name", _("community")),
        Column("status", _("status")),
        Column(
            "total",
            _("total"),
            money=True,
            value=lambda r: (r.result or r.preview).get("total", ""),
        ),
        Column("created_at", _("created at")),
    ]


class RunForm(ScopedForm):
    community = forms.ModelChoiceField(queryset=Community.objects.none(), label=_("community"))
    period = forms.CharField(
        label=_("period"), max_length=7, help_text=_("2027-01, 2027-Q1 or 2027")
    )
    scoped_fields = {"community": (Community, "billing.run.change")}


def _job_next(request, job, done_message=None):
    """Where the console goes after launching ``job``: its result when it is done already (the
    embedded mode runs jobs at once), its refusal as a message, or the page that follows it."""
    job.refresh_from_db()
    if job.status == Job.Status.DONE and (job.result or {}).get("url"):
        if done_message:
            messages.success(request, done_message)
        return job.result["url"]
    if job.status == Job.Status.FAILED:
        messages.error(request, job.message)
        return request.path
    return reverse("console:job-page", args=[job.pk])


class BillingRunCreate(ServiceFormView):
    form_class = RunForm
    permission = "billing.run.change"
    title = _("New billing run (preview)")

    def perform(self, data):
        if not policy.staff_has(self.request.user, "billing.run.change", data["community"].pk):
            raise PermissionDenied
        calc.parse_period(data["period"])  # a mistyped period stays on the form
        # A large community takes a while: the run is a job (at once in the embedded mode,
        # where a refusal then lands on the form like any other).
        job = progress.launch(
            self.request.user,
            "billing.run.preview",
            tasks.preview_run,
            community=data["community"],
            community_id=data["community"].pk,
            period=data["period"],
            actor_id=self.request.user.pk,
        )
        job.refresh_from_db()
        if job.status == Job.Status.FAILED:
            raise DomainError(job.message)
        return job

    def success_url_for(self, job):
        return _job_next(self.request, job)


class BillingRunDetail(ScopedDetailView):
    model = BillingRun
    permission = "billing.run.view"
    template_name = "billing/run_detail.html"

    def post(self, request, pk):
        run = self.get_object()
        if not self.can("billing.run.change", run):
            raise PermissionDenied
        job = progress.launch(
            request.user,
            "billing.run.post",
            tasks.post_run,
            community=run.community,
            run_id=run.pk,
            actor_id=request.user.pk,
        )
        return redirect(_job_next(request, job, done_message=_("Posted.")))


class PaymentList(ScopedListView):
    model = Payment
    permission = "billing.payment.view"
    title = _("Payments")
    columns = [
        Column("receipt_number", _("receipt number")),
        Column("house", _("house")),
        Column("amount", _("amount"), money=True),
        Column("method", _("method")),
        Column("status", _("status")),
        Column("paid_at", _("paid at")),
    ]
    search_fields = ["receipt_number", "house__number"]

    def base_queryset(self):
        return Payment.objects.select_related("house__building")


class CollectionList(ScopedListView):
    model = CollectionAction
    permission = "billing.collection.view"
    title = _("Collection actions")
    detail_url_name = "console:billing-collection-detail"
    create_url_name = "console:billing-collection-create"
    create_permission = "billing.collection.act"
    columns = [
        Column("number", _("number")),
        Column("house", _("house")),
        Column("kind", _("kind")),
        Column("status", _("status")),
        Column("amount", _("arrears claimed"), money=True),
        Column("deadline", _("pay by")),
        Column("delivered_at", _("delivered at")),
        Column("delivery_proof", _("proof of delivery")),
    ]

    def base_queryset(self):
        return CollectionAction.objects.select_related("house__building")


class DeliveryForm(forms.Form):
    delivery_method = forms.CharField(max_length=60, label=_("delivery method"))
    delivery_proof = forms.CharField(max_length=300, required=False, label=_("proof of delivery"))


class CollectionDetail(ScopedDetailView):
    """One ladder step: facts, delivery with evidence, the case packet, the house's other steps."""

    model = CollectionAction
    permission = "billing.collection.view"
    template_name = "billing/collection_detail.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        obj = self.object
        # The owner's ladder, the owner's bills.
        bills = selectors.of_party(
            Bill.objects.filter(house=obj.house, status=BillStatus.OPEN)
        ).order_by("due_date")
        ctx.update(
            can_act=self.can("billing.collection.act", obj),
            form=kwargs.get("form") or DeliveryForm(),
            steps=CollectionAction.objects.filter(house=obj.house).order_by("created_at"),
            clocks=[(b, services.limitation(b)) for b in bills],
            allowed=CollectionAction.machine.allowed_actions(obj.status),
        )
        return ctx

    def post(self, request, pk):
        self.object = obj = self.get_object()
        if not self.can("billing.collection.act", obj):
            raise PermissionDenied
        try:
            if request.POST.get("do") == "close":
                services.close_collection_action(actor=request.user, action=obj)
            else:
                form = DeliveryForm(request.POST)
                if not form.is_valid():
                    return self.render_to_response(self.get_context_data(form=form))
                services.deliver_collection_action(
                    actor=request.user,
                    action=obj,
                    method=form.cleaned_data["delivery_method"],
                    proof=form.cleaned_data["delivery_proof"],
                )
            messages.success(request, _("Saved."))
        except DomainError as exc:
            messages.error(request, exc.message)
        return redirect("console:billing-collection-detail", pk=pk)


class CasePacketView(StaffRequiredMixin, generic.View):
    permission = "billing.collection.view"

    def get(self, request, pk):
        action = get_object_or_404(
            CollectionAction.objects.visible_to(request.user, self.permission), pk=pk
        )
        response = HttpResponse(pdf.case_packet_pdf(action.house), content_type="application/pdf")
        response["Content-Disposition"] = f'inline; filename="case-{action.house_id}.pdf"'
        return response


class CollectionForm(ScopedForm):
    house = forms.ModelChoiceField(queryset=House.objects.none(), label=_("house"))
    kind = forms.ChoiceField(choices=CollectionKind.choices, label=_("kind"))
    note = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}), required=False, label=_("note")
    )
    scoped_fields = {"house": (House, "core.house.view")}


class CollectionCreate(ServiceFormView):
    form_class = CollectionForm
    permission = "billing.collection.act"
    title = _("New collection action")

    def get_initial(self):
        return {"house": self.request.GET.get("house"), "kind": self.request.GET.get("kind")}

    def perform(self, data):
        if not policy.staff_has(
            self.request.user, "billing.collection.act", data["house"].community_id
        ):
            raise PermissionDenied
        return services.create_collection_action(
            actor=self.request.user, house=data["house"], kind=data["kind"], note=data["note"]
        )

    def success_url_for(self, obj):
        return reverse("console:billing-collection-detail", args=[obj.pk])


class ImportReadingsForm(ScopedForm):
    community = forms.ModelChoiceField(queryset=Community.objects.none(), label=_("community"))
    file = forms.FileField(
        label=_("Excel file (.xlsx)"),
        help_text=_("Columns: 楼栋, 房号, 表 (水/电/气/热), 日期, 读数, optional 换表 (是)."),
    )
    scoped_fields = {"community": (Community, "billing.meter.change")}


class ImportReadings(ServiceFormView):
    form_class = ImportReadingsForm
    permission = "billing.meter.change"
    title = _("Import meter readings")

    def perform(self, data):
        if not policy.staff_has(self.request.user, "billing.meter.change", data["community"].pk):
            raise PermissionDenied
        created, errors = services.import_readings(
            actor=self.request.user, community=data["community"], fileobj=data["file"]
        )
        messages.info(self.request, _("%(n)s readings imported.") % {"n": created})
        for row, message in errors[:20]:
            messages.error(
                self.request, _("Row %(row)s: %(message)s") % {"row": row, "message": message}
            )
        return None

    def success_url_for(self, obj):
        return reverse("console:billing-reading-list")


class MeterReadingList(ScopedListView):
    model = MeterReading
    permission = "billing.meter.change"
    title = _("Meter readings")
    create_url_name = "console:billing-reading-import"
    create_permission = "billing.meter.change"
    columns = [
        Column("house", _("house")),
        Column("meter__kind", _("kind")),
        Column("read_on", _("read on")),
        Column("previous_value", _("previous reading"), align="right"),
        Column("value", _("reading"), align="right"),
        Column("usage", _("usage"), align="right"),
        Column("status", _("status")),
        Column("flag_reason", _("flag reason")),
    ]

    def base_queryset(self):
        return MeterReading.objects.select_related("house__building", "meter")


# --- console: cashier desk -----------------------------------------------------------------------


class PayForm(forms.Form):
    amount = forms.DecimalField(
        max_digits=14, decimal_places=2, min_value=Decimal("0.01"), label=_("amount")
    )
    method = forms.ChoiceField(
        choices=[(m, label) for m, label in PaymentMethod.choices if m in services.CASHIER_METHODS],
        label=_("method"),
    )
    reference = forms.CharField(max_length=100, required=False, label=_("reference"))
    idempotency_key = forms.CharField(widget=forms.HiddenInput, required=False)


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
                "building"
            )
            if self.request.community_id:
                houses = houses.filter(community_id=self.request.community_id)
            person_houses = Occupancy.objects.active().filter(person__phone=q).values("house_id")
            matches = list(houses.filter(Q(number__icontains=q) | Q(pk__in=person_houses))[:20])
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
            open_bills = Bill.objects.filter(house=house, status=BillStatus.OPEN).order_by(
                "due_date"
            )
            developer_owed = selectors.house_arrears(house, developer=True)
            ctx.update(
                owners=[
                    (o.person.name, o.person.phone if show_contact else mask_middle(o.person.phone))
                    for o in owners
                ],
                bills=_bills_with_lines(selectors.of_party(open_bills)),
                owed=selectors.house_arrears(house),
                developer_bills=_bills_with_lines(selectors.of_party(open_bills, developer=True)),
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


class CreditForm(forms.Form):
    amount = forms.DecimalField(
        max_digits=14, decimal_places=2, min_value=Decimal("0.01"), label=_("amount")
    )
    reason = forms.CharField(max_length=300, label=_("reason"))


class ReasonForm(forms.Form):
    reason = forms.CharField(max_length=300, label=_("reason"))


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
            (_("Amount"), f"¥{obj.amount}"),
            (_("Credited before"), f"¥{credited}"),
            (_("Can still be credited"), f"¥{obj.amount - credited}"),
        ]

    def initial(self, obj):
        return {"amount": obj.amount - services.line_credited(obj)}

    def perform(self, obj, data):
        note = services.issue_credit_note(
            actor=self.request.user, line=obj, amount=data["amount"], reason=data["reason"]
        )
        return _("Credit note %(no)s issued: ¥%(amount)s.") % {
            "no": note.number,
            "amount": note.amount,
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
            (_("Late charge"), f"¥{obj.amount}"),
            (_("Paid"), f"¥{obj.paid}"),
            (_("Waived now"), f"¥{obj.amount - obj.paid}"),
        ]

    def perform(self, obj, data):
        services.waive_late_charge(actor=self.request.user, late_charge=obj, reason=data["reason"])
        return _("Late charge of ¥%(amount)s waived.") % {"amount": obj.amount - obj.paid}


class RefundPrepayment(DeskCorrection):
    """退预存: pay back prepaid fees for periods that will not be served."""

    model = Wallet
    permission = "billing.refund.create"
    form_class = CreditForm
    title = _("Refund prepayment")
    action = _("Refund")

    def facts(self, obj):
        return [(_("Prepayment balance"), f"¥{obj.balance}")]

    def initial(self, obj):
        return {"amount": obj.balance}

    def perform(self, obj, data):
        entry = services.refund_prepayment(
            actor=self.request.user, house=obj.house, amount=data["amount"], reason=data["reason"]
        )
        return _("¥%(amount)s refunded; prepayment balance ¥%(balance)s.") % {
            "amount": -entry.amount,
            "balance": entry.balance_after,
        }


def _receipt_response(payment):
    response = HttpResponse(pdf.receipt_pdf(payment), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{payment.receipt_number}.pdf"'
    return response


class ReceiptView(StaffRequiredMixin, generic.View):
    permission = "billing.payment.view"

    def get(self, request, pk):
        payment = get_object_or_404(
            Payment.objects.visible_to(request.user, "billing.payment.view"),
            pk=pk,
            status=PaymentStatus.SUCCEEDED,
        )
        return _receipt_response(payment)


class CashUpView(StaffRequiredMixin, generic.TemplateView):
    """日结: the day's takings by method, every payment listed, and closing the day."""

    template_name = "billing/cashup.html"
    permission = "billing.payment.view"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        community = _community(self.request, "billing.payment.view")
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
        )
        return ctx

    def post(self, request):
        community = _community(request, "billing.payment.create")
        if community is None or not policy.staff_has(
            request.user, "billing.payment.create", community.pk
        ):
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

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        today = timezone.localdate()
        bills = Bill.objects.visible_to(self.request.user, "billing.collection.view")
        if self.request.community_id:
            bills = bills.filter(community_id=self.request.community_id)
        rows = selectors.arrears_rows(bills, today)
        houses = House.objects.in_bulk([r["house_id"] for r in rows])
        last = {}
        for a in CollectionAction.objects.filter(house_id__in=houses).order_by("created_at"):
            last[a.house_id] = a
        ctx.update(
            title=_("Arrears"),
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


class ReportsView(StaffRequiredMixin, generic.TemplateView):
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


# --- portal --------------------------------------------------------------------------------------


class MyBills(ResidentMixin, generic.TemplateView):
    """我的账单: open bills with how each line was computed, the prepayment balance, pay."""

    template_name = "billing/portal_bills.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        house_ids = self.request.user.resident_house_ids()
        bills = Bill.objects.visible_to(self.request.user, "billing.bill.view").filter(
            house_id__in=house_ids
        )
        houses = House.objects.filter(pk__in=house_ids).select_related("building", "community")
        ctx.update(
            title=_("My bills"),
            houses=[
                (h, selectors.house_arrears(h), Wallet.objects.filter(house=h).first())
                for h in houses
            ],
            open_bills=_bills_with_lines(bills.filter(status=BillStatus.OPEN).order_by("due_date")),
            paid_bills=bills.filter(status=BillStatus.PAID)
            .select_related("house__building")
            .order_by("-period_start")[:24],
            payments=Payment.objects.visible_to(self.request.user, "billing.payment.view")
            .filter(house_id__in=house_ids, status=PaymentStatus.SUCCEEDED)
            .select_related("house__building")[:24],
        )
        return ctx


class PortalPay(ResidentMixin, generic.View):
    def post(self, request):
        house = get_object_or_404(
            House.objects.filter(pk__in=request.user.resident_house_ids()),
            pk=request.POST.get("house"),
        )
        if not policy.user_has(request.user, "billing.payment.online", house.community_id):
            raise PermissionDenied
        name = providers.provider_name()
        try:
            adapter = providers.get_provider(name)
            payment = services.start_online_payment(
                actor=request.user,
                house=house,
                provider=name,
                amount=request.POST.get("amount") or None,
            )
            order = adapter.create_order(payment)
        except DomainError as exc:
            messages.error(request, exc.message)
            return redirect("portal:billing-bills")
        if order.get("pay_url"):
            return redirect(order["pay_url"])
        return redirect(f"{reverse('portal:billing-bills')}?code_url={order.get('code_url', '')}")


class TestPay(ResidentMixin, generic.TemplateView):
    """The test provider's pay page (stands in for the wallet app); only when it is configured."""

    template_name = "billing/portal_testpay.html"

    def dispatch(self, request, *args, **kwargs):
        if providers.provider_name() != "test":
            raise Http404
        return super().dispatch(request, *args, **kwargs)

    def _payment(self, pk):
        return get_object_or_404(
            Payment.objects.visible_to(self.request.user, "billing.payment.view"),
            pk=pk,
            method=PaymentMethod.TEST,
        )

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx.update(title=_("Pay"), payment=self._payment(kwargs["pk"]))
        return ctx

    def post(self, request, pk):
        payment = self._payment(pk)
        services.confirm_online_payment(
            payment_id=payment.pk,
            provider_ref=f"TEST-{payment.pk}",
            amount_fen=int(payment.amount * 100),
            actor=request.user,
        )
        messages.success(request, _("Paid. Thank you!"))
        return redirect("portal:billing-bills")


class MyReceipt(ResidentMixin, generic.View):
    def get(self, request, pk):
        payment = get_object_or_404(
            Payment.objects.visible_to(request.user, "billing.payment.view").filter(
                house_id__in=request.user.resident_house_ids()
            ),
            pk=pk,
            status=PaymentStatus.SUCCEEDED,
        )
        return _receipt_response(payment)


class MyBillPdf(ResidentMixin, generic.View):
    def get(self, request, pk):
        bill = get_object_or_404(
            Bill.objects.visible_to(request.user, "billing.bill.view").filter(
                house_id__in=request.user.resident_house_ids()
            ),
            pk=pk,
        )
        response = HttpResponse(pdf.bill_pdf(bill), content_type="application/pdf")
        response["Content-Disposition"] = f'inline; filename="bill-{bill.pk}.pdf"'
        return response
