"""Governance in the resident portal: my votes (pick, then confirm), checking a ballot by its
receipt, the published disclosures and my maintenance fund balance."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views import generic

from anju.core.errors import DomainError
from anju.core.models import House
from anju.core.portal import ResidentMixin

from . import selectors, services
from .choices import Choice, VoteStatus
from .models import Ballot, Disclosure, Elector, FundAccount, FundEntry, Vote

VIEW_VOTE = "governance.vote.view"


class PortalVoteList(ResidentMixin, generic.TemplateView):
    template_name = "governance/portal_votes.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        votes = (
            Vote.objects.visible_to(self.request.user, VIEW_VOTE)
            .exclude(status__in=[VoteStatus.DRAFT, VoteStatus.CANCELLED])
            .order_by("-opens_at")[:50]
        )
        ctx.update(title=_("Owners' votes"), votes=votes)
        return ctx


class PortalVoteDetail(ResidentMixin, generic.TemplateView):
    template_name = "governance/portal_vote.html"

    def get_vote(self):
        vote = (
            Vote.objects.visible_to(self.request.user, VIEW_VOTE)
            .exclude(status=VoteStatus.DRAFT)
            .select_related("rule_set")
            .filter(pk=self.kwargs["pk"])
            .first()
        )
        if vote is None:
            raise Http404
        return vote

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        user = self.request.user
        vote = self.get_vote()
        elector = (
            Elector.objects.filter(vote=vote, person_id=user.person_id).first()
            if user.person_id
            else None
        )
        mine = (
            Ballot.objects.filter(vote=vote, elector=elector).order_by("-seq").first()
            if elector
            else None
        )
        picked = kwargs.get("picked", "")
        ctx.update(
            title=vote.title,
            vote=vote,
            elector=elector,
            mine=mine,
            choices=Choice.choices,
            picked=picked,
            picked_label=Choice(picked).label if picked in Choice.values else "",
            confirming=kwargs.get("confirming", False),
            error=kwargs.get("error", ""),
            can_vote=bool(elector)
            and vote.status == VoteStatus.OPEN
            and timezone.now() < vote.closes_at,
            turnout=selectors.turnout(vote)
            if vote.status in (VoteStatus.OPEN, VoteStatus.CLOSED)
            else None,
            attachments=selectors.vote_attachments(vote),
        )
        return ctx

    def post(self, request, *args, **kwargs):
        """Two steps: the choice picked (nothing is cast yet), then the confirmation that names
        it and the rule. A refusal shows the page again with the choice still picked."""
        vote = self.get_vote()
        picked = request.POST.get("choice", "")
        if picked not in Choice.values:  # nothing picked: say so on the same page
            return self.render_to_response(
                self.get_context_data(error=_("Choose yes, no or abstain first."))
            )
        step = request.POST.get("step")
        if step == "back":
            return self.render_to_response(self.get_context_data(picked=picked))
        if step != "cast":
            return self.render_to_response(self.get_context_data(picked=picked, confirming=True))
        try:
            ballot = services.cast_ballot(
                actor=request.user, vote=vote, person=request.user.person, choice=picked
            )
        except DomainError as exc:
            return self.render_to_response(self.get_context_data(picked=picked, error=exc.message))
        messages.success(
            request, _("Your ballot is recorded. Keep your receipt: %(r)s") % {"r": ballot.hash}
        )
        return redirect("portal:vote-detail", pk=vote.pk)


class PortalBallotCheck(ResidentMixin, generic.TemplateView):
    template_name = "governance/portal_check.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        vote = (
            Vote.objects.visible_to(self.request.user, VIEW_VOTE)
            .filter(pk=self.kwargs["pk"])
            .first()
        )
        if vote is None:
            raise Http404
        receipt = self.request.GET.get("receipt", "").strip()
        report = selectors.check_receipt(vote, receipt) if receipt else None
        if (
            report
            and report.get("ballot") is not None
            and report["ballot"].person_id != self.request.user.person_id
        ):
            report["choice"] = None
        elif report and report.get("ballot") is not None:
            report["choice"] = report["ballot"].get_choice_display()
        ctx.update(title=_("Check my ballot"), vote=vote, receipt=receipt, report=report)
        return ctx


class PortalDisclosureList(ResidentMixin, generic.TemplateView):
    template_name = "governance/portal_disclosures.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        items = Disclosure.objects.visible_to(
            self.request.user, "governance.disclosure.view"
        ).filter(status="published")[:30]
        ctx.update(title=_("Disclosures"), items=items)
        return ctx


class PortalDisclosureDetail(ResidentMixin, generic.TemplateView):
    template_name = "governance/portal_disclosure.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        obj = (
            Disclosure.objects.visible_to(self.request.user, "governance.disclosure.view")
            .filter(status="published", pk=self.kwargs["pk"])
            .first()
        )
        if obj is None:
            raise Http404
        ctx.update(title=obj.title, obj=obj, lines=services.section_lines(obj.sections))
        return ctx


class PortalFund(ResidentMixin, generic.TemplateView):
    template_name = "governance/portal_fund.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        houses = House.objects.filter(pk__in=self.request.user.resident_house_ids())
        rows = []
        for account in FundAccount.objects.filter(house__in=houses).select_related(
            "house__building", "community"
        ):
            ratio = selectors.alert_ratio(account.community)
            entries = FundEntry.objects.filter(account=account)[:10]
            rows.append(
                {
                    "account": account,
                    "low": account.below(ratio),
                    "pct": selectors.percent(account.balance, account.initial_deposit),
                    "entries": entries,
                }
            )
        ctx.update(title=_("Maintenance fund"), rows=rows)
        return ctx
