from django.utils.translation import gettext_lazy as _

from anju.core.apps import AnjuAppConfig
from anju.core.choices import Role


class SpacesConfig(AnjuAppConfig):
    name = "anju.spaces"
    label = "spaces"
    verbose_name = _("Shared spaces")

    console_nav = [
        (_("Bookings"), "console:booking-list", "spaces.booking.view", "spaces"),
        (_("Shared spaces"), "console:space-list", "spaces.space.view", "spaces"),
    ]
    portal_nav = [(_("Book a space"), "portal:spaces", "📅")]
    role_work = {Role.MANAGER: ["console:booking-list"]}
    audit_labels = {
        "spaces.space.created": _("Space created"),
        "spaces.space.changed": _("Space changed"),
        "spaces.booking.created": _("Booking made"),
        "spaces.booking.approve": _("Booking approved"),
        "spaces.booking.reject": _("Booking not approved"),
        "spaces.booking.cancel": _("Booking cancelled"),
        "spaces.booking.check-in": _("Booking checked in"),
        "spaces.booking.collected": _("Booking fee collected"),
        "spaces.booking.paid": _("Booking fee paid online"),
        "spaces.booking.no_show": _("Booking marked no-show"),
        "spaces.booking.completed": _("Booking completed"),
        "spaces.booking.rejected": _("Booking lapsed without approval"),
        "spaces.booking.cancelled": _("Booking lapsed unpaid"),
    }

    def ready(self):
        super().ready()
        from anju.billing import services as billing

        from .services import FEE_SOURCE, fee_paid

        billing.on_settled(FEE_SOURCE, fee_paid)

    def resident_home(self, request):
        from .home import home_sections

        return home_sections(request)

    def dashboard_cards(self, request):
        from django.utils import timezone

        from anju.core import policy

        from . import selectors
        from .choices import BookingStatus
        from .models import Booking

        user, community_id = request.user, request.community_id
        if not policy.staff_has(user, "spaces.booking.view"):
            return []
        bookings = Booking.objects.visible_to(user, "spaces.booking.view")
        if community_id:
            bookings = bookings.in_community(community_id)
        today = timezone.localdate()
        cards = [
            {
                "title": _("Bookings today"),
                "value": selectors.taking_place(selectors.on_day(bookings, today)).count(),
                "link": f"/console/bookings/?day={today:%Y-%m-%d}&taking_place=true",
                "tone": "ok",
                "note": _("shared spaces"),
            }
        ]
        if policy.staff_has(user, "spaces.booking.manage"):
            pending = bookings.filter(status=BookingStatus.PENDING).count()
            cards.append(
                {
                    "title": _("Bookings to approve"),
                    "value": pending,
                    "link": "/console/bookings/?status=pending",
                    "tone": "warn" if pending else "ok",
                    "note": "",
                }
            )
        return cards

    def community_metrics(self, user, community_ids, start, end, now):
        from .selectors import community_metrics

        return community_metrics(user, community_ids, start, end, now)

    def personal_data(self, user):
        from .models import Booking

        if not user.person_id:
            return {"bookings": []}
        rows = Booking.objects.filter(person_id=user.person_id).select_related("space")[:1000]
        return {
            "bookings": [
                {
                    "number": b.number,
                    "space": b.space.name,
                    "starts_at": b.starts_at.isoformat(),
                    "ends_at": b.ends_at.isoformat(),
                    "purpose": b.purpose,
                    "status": b.status,
                }
                for b in rows
            ]
        }
