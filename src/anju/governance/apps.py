from django.utils.translation import gettext_lazy as _

from anju.core.apps import AnjuAppConfig
from anju.core.choices import Role


class GovernanceConfig(AnjuAppConfig):
    name = "anju.governance"
    label = "governance"
    verbose_name = _("Owners' governance")

    console_nav = [
        (_("Owners' votes"), "console:vote-list", "governance.vote.view", "governance"),
        (_("Disclosures"), "console:disclosure-list", "governance.disclosure.view", "governance"),
        (_("Public income"), "console:income-list", "governance.income.view", "governance"),
        (
            _("Close an income period"),
            "console:income-allocate",
            "governance.income.manage",
            "governance",
        ),
        (_("Maintenance fund"), "console:fund-list", "governance.fund.view", "governance"),
        (_("Fund use requests"), "console:fundrequest-list", "governance.fund.view", "governance"),
    ]
    portal_nav = [
        (_("Votes"), "portal:vote-list", "🗳️"),
        (_("Disclosures"), "portal:disclosure-list", "📋"),
        (_("Fund"), "portal:fund", "🏦"),
    ]

    role_homes = {Role.COMMITTEE: "console:vote-list"}
    role_work = {
        Role.COMMITTEE: [
            "console:vote-list",
            "console:disclosure-list",
            "console:fundrequest-list",
        ],
    }
    audit_labels = {
        "governance.ballot.cast": _("Ballot cast"),
        "governance.vote.created": _("Vote drafted"),
        "governance.vote.updated": _("Vote changed"),
        "governance.vote.attachment_added": _("File added to the vote"),
        "governance.vote.notice_published": _("Vote notice published"),
        "governance.vote.opened": _("Voting opened"),
        "governance.vote.reminded": _("Non-voters reminded"),
        "governance.vote.closed": _("Vote closed and counted"),
        "governance.vote.cancelled": _("Vote cancelled"),
        "governance.disclosure.generated": _("Disclosure generated"),
        "governance.disclosure.regenerated": _("Disclosure regenerated"),
        "governance.disclosure.published": _("Disclosure published"),
        "governance.fund.accounts_opened": _("Fund accounts opened"),
        "governance.fund.topped_up": _("Fund topped up"),
        "governance.fund_request.created": _("Fund use proposed"),
        "governance.fund_request.vote_started": _("Owners' vote on the fund use started"),
        "governance.fund_request.documents_added": _("Documents added to the fund use"),
        "governance.fund_request.works_started": _("Works started"),
        "governance.fund_request.applied": _("Disbursement applied for"),
        "governance.fund_request.approved": _("Disbursement approved"),
        "governance.fund_request.disbursed": _("Fund disbursed"),
        "governance.fund_request.rejected": _("Fund use rejected"),
        "governance.income.recorded": _("Public income recorded"),
        "governance.income.reversed": _("Public income entry reversed"),
        "governance.income.allocated": _("Public income period closed"),
    }

    def resident_home(self, request):
        from .home import home_sections

        return home_sections(request)

    def dashboard_cards(self, request):
        from .views import dashboard_cards

        return dashboard_cards(request)

    def personal_data(self, user):
        from .models import Ballot

        if not user.person_id:
            return {"ballots": []}
        return {
            "ballots": [
                {
                    "vote": b.vote.number,
                    "title": b.vote.title,
                    "seq": b.seq,
                    "choice": b.choice,
                    "channel": b.channel,
                    "cast_at": b.cast_at.isoformat(),
                    "receipt": b.hash,
                }
                for b in Ballot.objects.filter(person_id=user.person_id)
                .select_related("vote")
                .order_by("cast_at")
            ]
        }

    def restore_reference_data(self):
        from .models import RuleSet
        from .seed import seed_rule_sets

        if not RuleSet.objects.exists():
            seed_rule_sets(RuleSet)
