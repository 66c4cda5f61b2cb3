"""Governance pages: the console (votes with turnout, drafting, paper ballots, disclosures, fund and
income ledgers) and the resident portal (my votes, ballot check, disclosures, my fund balance)."""

from decimal import Decimal

from django import forms
from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.html import conditional_escape, format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext, pgettext_lazy
from django.views.decorators.http import require_POST

from anju.core import formats, policy
from anju.core.console import Column, ScopedDetailView, ScopedForm, ScopedListView, ServiceFormView
from anju.core.errors import DomainError
from anju.core.models import Building, Community, House

from . import selectors, services, tally
from .choices import Choice, EmergencyKind, IncomeCategory, IncomeKind, Matter, VoteStatus
from .models import (
    Ballot,
    Disclosure,
    Elector,
    FundAccount,
    FundEntry,
    FundUseRequest,
    IncomeEntry,
    Vote,
)

VIEW_VOTE, MANAGE_VOTE = "governance.vote.view", "governance.vote.manage"
STATUS_TONE = {"draft": "", "noticed": "warn", "open": "ok", "closed": "", "cancelled": "bad"}


def dashboard_cards(request):
    user = request.user
    cards = []
    if policy.staff_has(user, VIEW_VOTE):
        votes = (
            Vote.objects.visible_to(user, VIEW_VOTE)
            .filter(status=VoteStatus.OPEN)
            .in_community(request.community_id)
        )
        for vote in votes.select_related("rule_set")[:3]:
            t = selectors.turnout(vote)
            cards.append(
                {
                    # The vote's title is data: it stays as typed on an English page.
                    "title": format_html(
                        conditional_escape(_("Vote: %(t)s")).replace("%(t)s", "{}"),
                        format_html('<span translate="no">{}</span>', vote.title),
                    ),
                    "value": f"{t['area_pct']}%",
                    "link": reverse("console:vote-detail", args=[vote.pk]),
                    "tone": "ok" if t["r"]["quorum_met"] else "warn",
                    "note": _("participation by area (heads %(h)s%%), needs %(q)s%%")
                    % {"h": t["heads_pct"], "q": t["quorum_pct"]},
                }
            )
    if policy.staff_has(user, "governance.fund.view"):
        communities = Community.objects.visible_to(user, "governance.fund.view")
        if request.community_id:
            communities = communities.filter(pk=request.community_id)
        low = sum(selectors.low_balance_accounts(c).count() for c in communities[:20])
        if low:
            cards.append(
                {
                    "title": _("Fund below 30%"),
                    "value": low,
                    "link": reverse("console:fund-list") + "?low=1",
                    "tone": "warn",
                    "note": _("houses to top up (Maintenance Fund Measures art. 17)"),
                }
            )
    return cards


# -- console: votes -----------------------------------------------------------------------------


class VoteList(ScopedListView):
    model = Vote
    permission = VIEW_VOTE
    title = _("Owners' votes")
    detail_url_name = "console:vote-detail"
    create_url_name = "console:vote-create"
    create_permission = MANAGE_VOTE
    search_fields = ["number", "title"]
    columns = [
        Column("number", pgettext_lazy("document number", "number")),
        Column("title", _("title")),
        Column("matter", _("matter")),
        Column("status", _("status")),
        Column("opens_at", _("opens at")),
        Column("closes_at", _("closes at")),
    ]

    def base_queryset(self):
        return Vote.objects.select_related("community")


class VoteDetail(ScopedDetailView):
    model = Vote
    permission = VIEW_VOTE
    template_name = "governance/console_vote.html"
    fields = [
        Column("community", _("community")),
        Column("matter", _("matter")),
        Column("status", _("status")),
        Column("opens_at", _("opens at")),
        Column("closes_at", _("closes at")),
        Column("notice_published_at", _("notice published at")),
        Column("rule_set", _("rule set")),
    ]

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        vote = self.object
        ctx.update(
            turnout=selectors.turnout(vote),
            allowed=selectors.allowed_now(vote),
            can_manage=self.can(MANAGE_VOTE, vote),
            can_record=self.can("governance.ballot.record", vote),
            chain=tally.verify_chain(vote),
            attachments=selectors.vote_attachments(vote),
            recent=Ballot.objects.filter(vote=vote).select_related("elector").order_by("-seq")[:20],
            non_voters=tally.non_voters(vote).count() if vote.status == VoteStatus.OPEN else None,
        )
        return ctx


class LocalDateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%dT%H:%M", **kwargs)


class VoteForm(ScopedForm):
    community = forms.ModelChoiceField(Community.objects.none(), label=_("community"))
    title = forms.CharField(label=_("title"), max_length=200)
    matter = forms.ChoiceField(choices=Matter.choices, label=_("matter"))
    text = forms.CharField(label=_("text of the proposal"), widget=forms.Textarea, required=False)
    opens_at = forms.DateTimeField(label=_("opens at"), widget=LocalDateTimeInput())
    closes_at = forms.DateTimeField(label=_("closes at"), widget=LocalDateTimeInput())
    buildings = forms.ModelMultipleChoiceField(
        Building.objects.none(),
        required=False,
        label=_("buildings"),
        help_text=_("Empty: the whole community votes."),
    )
    scoped_fields = {
        "community": (Community, MANAGE_VOTE),
        "buildings": (Building, "core.building.view"),
    }


class VoteCreate(ServiceFormView):
    form_class = VoteForm
    permission = MANAGE_VOTE
    title = _("Draft an owners' vote")

    def get_initial(self):
        days = selectors.notice_days() + 1
        opens = timezone.localtime() + timezone.timedelta(days=days)
        opens = opens.replace(hour=9, minute=0, second=0, microsecond=0)
        return {
            "opens_at": opens,
            "closes_at": opens + timezone.timedelta(days=14),
            "community": self.request.community_id,
        }

    def perform(self, data):
        return services.create_vote(actor=self.request.user, **data)

    def success_url_for(self, obj):
        return reverse("console:vote-detail", args=[obj.pk])


VOTE_ACTIONS = {
    "publish_notice": services.publish_notice,
    "open": services.open_vote,
    "close": services.close_vote,
    "cancel": services.cancel_vote,
    "remind": services.remind_non_voters,
}


@require_POST
def vote_action(request, pk, action):
    if not request.user.is_authenticated or not request.user.is_staff_member:
        return redirect("/console/login/")
    vote = Vote.objects.visible_to(request.user, VIEW_VOTE).filter(pk=pk).first()
    if vote is None or action not in VOTE_ACTIONS:
        raise Http404
    if not policy.staff_has(request.user, MANAGE_VOTE, vote.community_id):
        raise Http404
    try:
        done = VOTE_ACTIONS[action](vote, actor=request.user)
        if action == "remind":
            messages.success(request, _("Reminders sent to %(n)s owners.") % {"n": done})
        else:
            messages.success(request, _("Done."))
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("console:vote-detail", pk=pk)


class PaperBallotForm(forms.Form):
    elector = forms.ModelChoiceField(Elector.objects.none(), label=_("house / owner"))
    choice = forms.ChoiceField(choices=Choice.choices, label=_("choice"), widget=forms.RadioSelect)
    scan = forms.FileField(label=_("scan of the signed paper ballot"))

    def __init__(self, *args, user=None, vote=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["elector"].queryset = Elector.objects.filter(vote=vote).order_by("label")
        self.fields["elector"].label_from_instance = lambda e: (
            f"{_('Developer')} · {e.area} m²" if e.is_developer else f"{e.label} · {e.area} m²"
        )


class PaperBallotView(ServiceFormView):
    form_class = PaperBallotForm
    permission = "governance.ballot.record"
    title = _("Enter a paper ballot")

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            self.vote = (
                Vote.objects.visible_to(request.user, VIEW_VOTE).filter(pk=kwargs["pk"]).first()
            )
            if self.vote is None:
                raise Http404
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        return super().get_form_kwargs() | {"vote": self.vote}

    def perform(self, data):
        elector = data["elector"]
        return services.cast_ballot(
            actor=self.request.user,
            vote=self.vote,
            person=elector.person,
            choice=data["choice"],
            scan=data["scan"],
            developer=elector.is_developer,
        )

    def success_url_for(self, obj):
        messages.info(self.request, pgettext("ballot", "Receipt: %(r)s") % {"r": obj.hash})
        return reverse("console:vote-detail", args=[self.vote.pk])


# -- console: disclosures, income, fund ---------------------------------------------------------


class DisclosureList(ScopedListView):
    model = Disclosure
    permission = "governance.disclosure.view"
    title = _("Disclosures")
    detail_url_name = "console:disclosure-detail"
    create_url_name = "console:disclosure-create"
    create_permission = "governance.disclosure.publish"
    columns = [
        Column("number", pgettext_lazy("document number", "number")),
        Column("title", _("title")),
        Column("period_end", _("period end")),
        Column("status", _("status")),
        Column("version", _("version")),
        Column("published_at", _("published at")),
    ]


class DisclosureDetail(ScopedDetailView):
    model = Disclosure
    permission = "governance.disclosure.view"
    template_name = "governance/console_disclosure.html"
    fields = [
        Column("community", _("community")),
        Column("period_start", _("period start")),
        Column("period_end", _("period end")),
        Column("status", _("status")),
        Column("version", _("version")),
        Column("content_hash", _("content hash")),
    ]

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx.update(
            lines=services.section_lines(self.object.sections),
            intact=services.is_intact(self.object),
            can_publish=self.can("governance.disclosure.publish", self.object),
            schedule=services.schedule(self.object.community),
        )
        return ctx


class DisclosureForm(ScopedForm):
    community = forms.ModelChoiceField(Community.objects.none(), label=_("community"))
    period_start = forms.DateField(
        label=_("period start"), widget=forms.DateInput(attrs={"type": "date"})
    )
    period_end = forms.DateField(
        label=_("period end"), widget=forms.DateInput(attrs={"type": "date"})
    )
    title = forms.CharField(label=_("title"), required=False)
    scoped_fields = {"community": (Community, "governance.disclosure.publish")}


class DisclosureCreate(ServiceFormView):
    form_class = DisclosureForm
    permission = "governance.disclosure.publish"
    title = _("Generate a disclosure")

    def perform(self, data):
        return services.generate_disclosure(actor=self.request.user, **data)

    def success_url_for(self, obj):
        return reverse("console:disclosure-detail", args=[obj.pk])


@require_POST
def disclosure_action(request, pk, action):
    obj = (
        Disclosure.objects.visible_to(request.user, "governance.disclosure.publish")
        .filter(pk=pk)
        .first()
    )
    if obj is None or action not in ("publish", "regenerate") or not request.user.is_staff_member:
        raise Http404
    try:
        if action == "publish":
            services.publish_disclosure(obj, actor=request.user)
        else:
            services.regenerate_disclosure(obj, actor=request.user)
        messages.success(request, _("Done."))
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("console:disclosure-detail", pk=pk)


def disclosure_pdf(request, pk):
    if not request.user.is_authenticated:
        raise Http404
    obj = selectors.readable_disclosures(request.user).filter(pk=pk).first()
    if obj is None:
        raise Http404
    response = HttpResponse(services.render_pdf(obj), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{obj.number}.pdf"'
    return response


def _money(obj, name):
    return formats.money(getattr(obj, name))


class IncomeList(ScopedListView):
    model = IncomeEntry
    permission = "governance.income.view"
    title = _("Public income ledger")
    create_url_name = "console:income-create"
    create_permission = "governance.income.manage"
    search_fields = ["number", "description", "counterparty"]
    columns = [
        Column("number", pgettext_lazy("document number", "number")),
        Column("occurred_on", _("date")),
        Column("kind", _("kind")),
        Column("category", _("category")),
        Column("description", _("description")),
        Column("amount", _("amount"), money=True),
        Column("evidence", _("evidence"), value=lambda o: _("Yes") if o.evidence_id else "—"),
    ]


class IncomeForm(ScopedForm):
    community = forms.ModelChoiceField(Community.objects.none(), label=_("community"))
    kind = forms.ChoiceField(choices=IncomeKind.choices, label=_("kind"))
    category = forms.ChoiceField(choices=IncomeCategory.choices, label=_("category"))
    amount = forms.DecimalField(
        label=_("amount"), max_digits=14, decimal_places=2, min_value=Decimal("0.01")
    )
    occurred_on = forms.DateField(label=_("date"), widget=forms.DateInput(attrs={"type": "date"}))
    description = forms.CharField(label=_("description"), max_length=300)
    counterparty = forms.CharField(label=_("counterparty"), required=False)
    evidence = forms.FileField(
        label=_("evidence"),
        required=False,
        help_text=_("Required for a cost: invoice, contract or receipt."),
    )
    scoped_fields = {"community": (Community, "governance.income.manage")}


class IncomeCreate(ServiceFormView):
    form_class = IncomeForm
    permission = "governance.income.manage"
    title = _("Record public income or a cost")

    def perform(self, data):
        return services.record_income(actor=self.request.user, **data)

    def success_url_for(self, obj):
        return reverse("console:income-list")


class FundList(ScopedListView):
    model = FundAccount
    permission = "governance.fund.view"
    title = _("Maintenance fund accounts")
    search_fields = ["house__number", "house__building__name"]
    columns = [
        Column("house", _("house")),
        Column("house__area", _("building area (m²)"), align="right"),
        Column("initial_deposit", _("initial deposit"), money=True),
        Column("balance", _("balance"), money=True),
        Column(
            "share",
            _("share of initial"),
            align="right",
            value=lambda o: f"{selectors.percent(o.balance, o.initial_deposit)}%",
        ),
    ]

    def base_queryset(self):
        return FundAccount.objects.select_related("house__building")

    def get_queryset(self):
        queryset = super().get_queryset()
        if self.request.GET.get("low") == "1":
            communities = Community.objects.filter(pk__in=queryset.values("community_id"))
            queryset = queryset.filter(pk__in=selectors.low_balance_ids(communities))
        return queryset


class FundRequestList(ScopedListView):
    model = FundUseRequest
    permission = "governance.fund.view"
    title = _("Maintenance fund use requests")
    detail_url_name = "console:fundrequest-detail"
    create_url_name = "console:fundrequest-create"
    create_permission = "governance.fund.manage"
    columns = [
        Column("number", pgettext_lazy("document number", "number")),
        Column("title", _("title")),
        Column("status", _("status")),
        Column("emergency", _("emergency")),
        Column("estimated_cost", _("estimated cost"), money=True),
        Column("actual_cost", _("actual cost"), money=True),
    ]


class FundRequestForm(ScopedForm):
    community = forms.ModelChoiceField(Community.objects.none(), label=_("community"))
    title = forms.CharField(label=_("title"), max_length=200)
    description = forms.CharField(label=_("description"), widget=forms.Textarea, required=False)
    buildings = forms.ModelMultipleChoiceField(
        Building.objects.none(),
        label=_("buildings"),
        help_text=_("Every house of these buildings benefits."),
    )
    estimated_cost = forms.DecimalField(
        label=_("estimated cost"), max_digits=14, decimal_places=2, min_value=Decimal("0.01")
    )
    emergency = forms.BooleanField(
        label=_("emergency (no vote, Maintenance Fund Measures art. 24)"), required=False
    )
    emergency_kind = forms.ChoiceField(
        label=_("emergency"), required=False, choices=[("", "—"), *EmergencyKind.choices]
    )
    justification = forms.CharField(label=_("justification"), widget=forms.Textarea, required=False)
    scoped_fields = {
        "community": (Community, "governance.fund.manage"),
        "buildings": (Building, "core.building.view"),
    }


class FundRequestCreate(ServiceFormView):
    form_class = FundRequestForm
    permission = "governance.fund.manage"
    title = _("Propose a maintenance fund use")

    def perform(self, data):
        buildings = data.pop("buildings")
        houses = list(
            House.objects.filter(building__in=buildings, community=data["community"]).order_by("pk")
        )
        return services.create_fund_request(actor=self.request.user, houses=houses, **data)

    def success_url_for(self, obj):
        return reverse("console:fundrequest-detail", args=[obj.pk])


class IncomeAllocationForm(ScopedForm):
    community = forms.ModelChoiceField(Community.objects.none(), label=_("community"))
    period_start = forms.DateField(
        label=_("period start"), widget=forms.DateInput(attrs={"type": "date"})
    )
    period_end = forms.DateField(
        label=_("period end"), widget=forms.DateInput(attrs={"type": "date"})
    )
    fund_share = forms.CharField(
        label=_("share to the fund (e.g. 1/2)"),
        required=False,
        help_text=_("Empty: the minimum the local rule requires."),
    )
    scoped_fields = {"community": (Community, "governance.income.manage")}


class IncomeAllocate(ServiceFormView):
    form_class = IncomeAllocationForm
    permission = "governance.income.manage"
    title = _("Close a period of public income")

    def perform(self, data):
        try:
            return services.allocate_income(actor=self.request.user, **data)
        except ValueError as exc:
            message = _("Enter the share as a fraction such as 1/2.")
            raise DomainError(message, fields={"fund_share": [message]}) from exc

    def success_url_for(self, obj):
        messages.info(
            self.request,
            _(
                "Net ¥%(net)s: ¥%(fund)s to the maintenance fund, ¥%(kept)s kept for the "
                "owners' decision."
            )
            % {"net": obj.net, "fund": obj.to_fund, "kept": obj.retained},
        )
        return reverse("console:income-list")


class FundRequestDetail(ScopedDetailView):
    model = FundUseRequest
    permission = "governance.fund.view"
    template_name = "governance/console_fundrequest.html"
    fields = [
        Column("community", _("community")),
        Column("status", _("status")),
        Column("emergency", _("emergency")),
        Column("emergency_kind", _("emergency")),
        Column("justification", _("justification")),
        Column("estimated_cost", _("estimated cost"), value=lambda o: _money(o, "estimated_cost")),
        Column("actual_cost", _("actual cost"), value=lambda o: _money(o, "actual_cost")),
        Column("contractor", _("contractor")),
        Column("vote", _("owners' vote")),
        Column("remainder_house", _("house taking the rounding remainder")),
    ]

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        obj = self.object
        ctx["shares"] = selectors.cost_shares(obj)
        ctx["entries"] = FundEntry.objects.filter(request=obj).select_related("house__building")
        return ctx


@require_POST
def fundrequest_action(request, pk, action):
    obj = (
        FundUseRequest.objects.visible_to(request.user, "governance.fund.manage")
        .filter(pk=pk)
        .first()
    )
    if (
        obj is None
        or not request.user.is_staff_member
        or not policy.staff_has(request.user, "governance.fund.manage", obj.community_id)
    ):
        raise Http404
    user = request.user
    try:
        if action == "start_works":
            services.start_works(obj, actor=user, contractor=request.POST.get("contractor", ""))
        elif action == "apply":
            try:
                cost = Decimal((request.POST.get("actual_cost") or "").strip().replace(",", ""))
            except ArithmeticError:
                message = _("Enter the actual cost as an amount, e.g. 12345.60.")
                raise DomainError(message, fields={"actual_cost": [message]}) from None
            services.apply_for_disbursement(obj, actor=user, actual_cost=cost)
        elif action == "approve":
            services.approve_fund_request(obj, actor=user)
        elif action == "disburse":
            services.disburse_fund_request(obj, actor=user)
        elif action == "reject":
            services.reject_fund_request(obj, actor=user, reason=request.POST.get("reason", ""))
        else:
            raise Http404
    except DomainError as exc:
        # Refused: the page again, with what was typed and why (nothing lost).
        view = FundRequestDetail()
        view.setup(request, pk=pk)
        view.object = view.get_object()
        context = view.get_context_data(
            object=view.object, typed=request.POST, action=action, action_error=exc.message
        )
        return view.render_to_response(context)
    messages.success(request, _("Done."))
    return redirect("console:fundrequest-detail", pk=pk)
