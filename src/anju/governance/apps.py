from django.utils.translation import gettext_lazy as _

from anju.core.apps import AnjuAppConfig


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
