from django.utils.translation import gettext_lazy as _

from anju.core.apps import AnjuAppConfig
from anju.core.choices import Role


class AccountsConfig(AnjuAppConfig):
    name = "anju.accounts"
    label = "accounts"
    verbose_name = _("Self-service accounts and home claims")

    console_nav = [
        (_("Home claims"), "console:accounts-claims", "accounts.claim.review", "data"),
    ]
    role_work = {Role.AGENT: ["console:accounts-claims"]}
    audit_labels = {
        "accounts.user.registered": _("Registered"),
        "accounts.password.reset": _("Password reset by SMS code"),
        "accounts.claim.submitted": _("Home claim submitted"),
        "accounts.claim.approved": _("Home claim approved"),
        "accounts.claim.rejected": _("Home claim rejected"),
        "accounts.member.added": _("Household member added"),
        "accounts.member.ended": _("Household member moved out"),
        "accounts.member.removed": _("Household member removed before moving in"),
    }

    def dashboard_cards(self, request):
        from .selectors import review_queue

        if not request.user.is_authenticated:
            return []
        waiting = review_queue(request.user).in_community(request.community_id).count()
        if not waiting:
            return []
        return [
            {
                "title": _("Home claims to review"),
                "value": waiting,
                "link": "/console/claims/",
                "tone": "warn",
                "note": "",
            }
        ]

    def resident_home(self, request):
        """我的家: the resident's claims still waiting for the office (one query)."""
        from .choices import ClaimStatus
        from .selectors import my_claims

        claims = list(my_claims(request.user).filter(status=ClaimStatus.PENDING))
        if not claims:
            return []
        return [
            {
                "order": 5,
                "title": _("My claims"),
                "template": "accounts/home_section.html",
                "context": {"claims": claims, "url": "/app/me/homes/#my-claims"},
            }
        ]

    def personal_data(self, user):
        from .models import HouseClaim

        claims = HouseClaim.objects.filter(user=user).select_related("house")
        return {
            "home_claims": [
                {
                    "house": str(c.house),
                    "relation": c.relation,
                    "status": c.status,
                    "reason": c.reason,
                    "created_at": c.created_at,
                }
                for c in claims
            ]
        }
