"""Console pages of finance: the opening imports (upload and dry run, the import with its
errors, totals and reconciliation, post and reverse), the template, the deposits held."""

from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views import generic

from anju.billing import selectors as billing_selectors
from anju.core import attachments, policy, progress
from anju.core.console import (
    Column,
    ScopedDetailView,
    ScopedListView,
    ServiceFormView,
    StaffRequiredMixin,
    add_domain_errors,
)
from anju.core.errors import DomainError
from anju.core.excel import xlsx_response
from anju.core.models import Job

from . import selectors, services, tasks
from .choices import EntryKind, Grain, VoucherFormat
from .forms import AccountForm, OpeningUploadForm, ReverseForm, StatementUploadForm, VoucherForm
from .models import BankStatement, HeldDeposit, OpeningImport


class OpeningList(ScopedListView):
    model = OpeningImport
    permission = "finance.opening.view"
    title = _("Opening balances")
    create_url_name = "console:finance-opening-upload"
    create_permission = "finance.opening.change"
    detail_url_name = "console:finance-opening-detail"
    empty_text = _("No opening balances imported yet.")
    search_fields = ["number", "filename"]
    columns = [
        Column("number", _("number"), raw=True),
        Column("community", _("community")),
        Column("filename", _("file")),
        Column("status", _("status")),
        Column("rows", _("rows"), align="right"),
        Column(
            "errors",
            _("errors"),
            align="right",
            value=lambda o: len(o.report.get("errors", [])),
        ),
        Column("created_at", _("uploaded at")),
    ]

    def base_queryset(self):
        return OpeningImport.objects.select_related("community")


class OpeningUpload(ServiceFormView):
    form_class = OpeningUploadForm
    permission = "finance.opening.change"
    title = _("Import opening balances")
    template_name = "finance/opening_upload.html"

    def perform(self, data):
        community = data["community"]
        if not policy.staff_has(self.request.user, "finance.opening.change", community.pk):
            raise PermissionDenied
        upload = attachments.check_workbook(data["file"], field="file")
        return services.check_opening(
            actor=self.request.user,
            community=community,
            fileobj=upload,
            filename=getattr(upload, "name", ""),
        )

    def success_url_for(self, obj):
        return reverse("console:finance-opening-detail", args=[obj.pk])


def opening_template(request):
    if not request.user.is_authenticated or not policy.staff_has(
        request.user, "finance.opening.view"
    ):
        raise PermissionDenied
    return xlsx_response(services.template_bytes(), "opening-template.xlsx")


KIND_LABELS = dict(EntryKind.choices)


class OpeningDetail(ScopedDetailView):
    model = OpeningImport
    permission = "finance.opening.view"
    template_name = "finance/opening_detail.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        obj = self.object
        totals = obj.report.get("totals", {})
        recon = (obj.reconciliation or {}).get("kinds", {})
        ctx["kinds"] = [
            {
                "label": KIND_LABELS[kind],
                "rows": totals.get(kind, {}).get("rows", 0),
                "amount": totals.get(kind, {}).get("amount", "0.00"),
                "recon": recon.get(kind),
            }
            for kind in EntryKind.values
        ]
        ctx["errors"] = obj.report.get("errors", [])[:500]
        ctx["more_errors"] = max(len(obj.report.get("errors", [])) - 500, 0)
        ctx["can_change"] = self.can("finance.opening.change", obj)
        ctx["allowed"] = obj.machine.allowed_actions(obj.status)
        ctx["reverse_form"] = ReverseForm()
        return ctx

    def post(self, request, pk):
        opening = self.get_object()
        if not self.can("finance.opening.change", opening):
            raise PermissionDenied
        try:
            if request.POST.get("action") == "reverse":
                form = ReverseForm(request.POST)
                if not form.is_valid():
                    messages.error(request, _("Give the reason for the reversal."))
                    return redirect(request.path)
                services.reverse_opening(
                    actor=request.user, opening=opening, reason=form.cleaned_data["reason"]
                )
                messages.success(request, _("Reversed."))
                return redirect(request.path)
            OpeningImport.machine.check("post", opening.status)
            job = progress.launch(
                "finance.opening_posting",
                tasks.post_opening,
                actor=request.user,
                community=opening.community,
                opening_id=opening.pk,
                actor_id=request.user.pk,
            )
        except DomainError as exc:
            messages.error(request, exc.message)
            return redirect(request.path)
        job.refresh_from_db()
        if job.status == Job.Status.DONE:
            messages.success(request, _("Posted."))
            return redirect(request.path)
        if job.status == Job.Status.FAILED:
            messages.error(request, job.message)
            return redirect(request.path)
        return redirect(reverse("console:job-page", args=[job.pk]))


class DepositList(ScopedListView):
    model = HeldDeposit
    permission = "finance.opening.view"
    title = _("Deposits held")
    empty_text = _("No deposits held.")
    search_fields = ["description", "house__number"]
    columns = [
        Column("house", _("house")),
        Column("description", _("description")),
        Column("amount", _("amount (¥)"), money=True),
        Column("received_on", _("received on")),
        Column("status", _("status")),
    ]

    def base_queryset(self):
        return HeldDeposit.objects.select_related("house__building")


class VoucherPage(StaffRequiredMixin, generic.FormView):
    """凭证: pick a community and days, see the vouchers (each balanced) and download them in
    the layout of 金蝶 or 用友."""

    form_class = VoucherForm
    permission = "finance.voucher.view"
    template_name = "finance/vouchers.html"

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["user"] = self.request.user
        if self.request.GET.get("community"):
            kwargs["data"] = self.request.GET
        return kwargs

    def get_initial(self):
        today = timezone.localdate()
        return {"start": today.replace(day=1), "end": today, "grain": Grain.DAY}

    def get(self, request, *args, **kwargs):
        form = self.get_form()
        ctx = {"form": form, "title": _("Accounting vouchers")}
        if form.is_bound and form.is_valid():
            data = form.cleaned_data
            try:
                vouchers = services.vouchers_for(
                    data["community"], data["start"], data["end"], data["grain"]
                )
            except DomainError as exc:
                add_domain_errors(form, exc, names={"to": "end"})
            else:
                chart = services.chart_of(data["community"].organization_id)
                ctx["vouchers"] = [
                    {
                        "voucher": v,
                        "entries": [
                            (summary, chart[role][0], chart[role][1], debit, credit)
                            for summary, role, debit, credit in v.entries
                        ],
                    }
                    for v in vouchers
                ]
                query = urlencode(
                    {
                        "community": data["community"].pk,
                        "from": data["start"],
                        "to": data["end"],
                        "grain": data["grain"],
                    }
                )
                ctx["downloads"] = [
                    (label, f"/api/v1/vouchers/?{query}&format={key}")
                    for key, label in VoucherFormat.choices
                ]
        return self.render_to_response(ctx)


class ChartPage(StaffRequiredMixin, generic.FormView):
    """科目对照: the company's accounts per role, defaults shown where it has set none."""

    form_class = AccountForm
    permission = "finance.voucher.view"
    template_name = "finance/chart.html"

    def organization(self):
        membership = next(iter(self.request.user.active_memberships()), None)
        return membership.organization if membership else None

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        org = self.organization()
        chart = services.chart_of(org.pk) if org else {}
        ctx["title"] = _("Chart of accounts")
        ctx["rows"] = [(key, *value) for key, value in sorted(chart.items())]
        ctx["can_change"] = org is not None and policy.staff_has(
            self.request.user, "finance.voucher.change"
        )
        return ctx

    def form_valid(self, form):
        org = self.organization()
        if org is None or not policy.staff_has(self.request.user, "finance.voucher.change"):
            raise PermissionDenied
        try:
            services.set_account(actor=self.request.user, organization=org, **form.cleaned_data)
        except DomainError as exc:
            add_domain_errors(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, _("Saved."))
        return redirect(reverse("console:finance-chart"))


class StatementList(ScopedListView):
    model = BankStatement
    permission = "finance.bank.view"
    title = _("Bank statements")
    create_url_name = "console:finance-statement-upload"
    create_permission = "finance.bank.change"
    detail_url_name = "console:finance-statement-detail"
    empty_text = _("No bank statement imported yet.")
    search_fields = ["filename"]
    columns = [
        Column("community", _("community")),
        Column("bank", _("bank"), value=lambda s: services.BANK_LAYOUTS[s.bank]["name"], raw=True),
        Column("first_day", _("first day")),
        Column("last_day", _("last day")),
        Column("lines", _("lines"), align="right", value=lambda s: s.report.get("lines", 0)),
        Column(
            "matched",
            _("matched automatically"),
            align="right",
            value=lambda s: s.report.get("matched", 0),
        ),
        Column("status", _("status")),
    ]

    def base_queryset(self):
        return BankStatement.objects.select_related("community")


class StatementUpload(ServiceFormView):
    form_class = StatementUploadForm
    permission = "finance.bank.change"
    title = _("Import a bank statement")

    def perform(self, data):
        community = data["community"]
        if not policy.staff_has(self.request.user, "finance.bank.change", community.pk):
            raise PermissionDenied
        return services.import_statement(
            actor=self.request.user,
            community=community,
            bank=data["bank"],
            upload=data["file"],
            filename=getattr(data["file"], "name", ""),
        )

    def success_url_for(self, obj):
        return reverse("console:finance-statement-detail", args=[obj.pk])


class StatementDetail(ScopedDetailView):
    model = BankStatement
    permission = "finance.bank.view"
    template_name = "finance/statement_detail.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        statement = self.object
        lines = list(selectors.statement_lines(statement)[:1000])
        ctx["bank_name"] = services.BANK_LAYOUTS[statement.bank]["name"]
        ctx["lines"] = [
            (line, services.candidates(line)[0][:5] if line.status == "unmatched" else [])
            for line in lines
        ]
        ctx["unmatched_payments"] = list(selectors.unmatched_payments(statement)[:200])
        ctx["can_change"] = (
            self.can("finance.bank.change", statement) and statement.status == "open"
        )
        return ctx

    def post(self, request, pk):
        statement = self.get_object()
        if not self.can("finance.bank.change", statement):
            raise PermissionDenied
        try:
            if request.POST.get("action") == "close":
                services.close_statement(actor=request.user, statement=statement)
                messages.success(request, _("The statement is closed."))
            else:
                line = get_object_or_404(statement.lines, pk=request.POST.get("line") or 0)
                if request.POST.get("action") == "unmatch":
                    services.unmatch_line(actor=request.user, line=line)
                else:
                    payment = billing_selectors.community_payment(
                        statement.community_id, request.POST.get("payment") or 0
                    )
                    if payment is None:
                        raise DomainError(_("Choose a payment."))
                    services.match_line(actor=request.user, line=line, payment=payment)
                messages.success(request, _("Saved."))
        except DomainError as exc:
            messages.error(request, exc.message)
        return redirect(request.path)
