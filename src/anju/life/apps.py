from django.utils.translation import gettext_lazy as _

from anju.core.apps import AnjuAppConfig


class LifeConfig(AnjuAppConfig):
    name = "anju.life"
    label = "life"
    verbose_name = _("Community life")

    console_nav = [
        (_("Service orders"), "console:life-order-list", "life.order.view", "life"),
        (_("Service catalogue"), "console:life-offering-list", "life.offering.view", "life"),
        (_("Service income"), "console:life-report", "life.report.view", "life"),
        (_("Community events"), "console:life-event-list", "life.event.view", "life"),
    ]
    portal_nav = [
        (_("Home services"), "portal:life-services", "🧹"),
        (_("Events"), "portal:life-events", "🎉"),
    ]
    audit_labels = {
        "life.offering.created": _("Service added to the catalogue"),
        "life.offering.changed": _("Service of the catalogue changed"),
        "life.order.created": _("Service ordered"),
        "life.order.quoted": _("Materials quoted"),
        "life.order.accept-quote": _("Quote accepted"),
        "life.order.decline-quote": _("Quote declined"),
        "life.order.billed": _("Service order billed"),
        "life.order.paid": _("Service order paid"),
        "life.order.cancelled": _("Service order cancelled"),
        "life.order.rated": _("Service order rated"),
        "life.event.created": _("Event created"),
        "life.event.changed": _("Event changed"),
        "life.event.cancelled": _("Event cancelled"),
        "life.event.photos_added": _("Event photos added"),
        "life.event.feedback_opened": _("Event feedback survey opened"),
        "life.signup.created": _("Signed up for an event"),
        "life.signup.promoted": _("Moved up from the waitlist"),
        "life.signup.cancelled": _("Sign-up cancelled"),
        "life.signup.paid": _("Event fee paid"),
        "life.signup.checked_in": _("Checked in at an event"),
    }

    def ready(self):
        super().ready()
        from anju.billing import services as billing

        from .choices import ORDER_SOURCE_PREFIX, SIGNUP_SOURCE_PREFIX
        from .services import order_paid, signup_paid

        billing.on_settled(ORDER_SOURCE_PREFIX, order_paid)
        billing.on_settled(SIGNUP_SOURCE_PREFIX, signup_paid)

    def resident_home(self, request):
        from .portal import home_sections

        return home_sections(request)

    def dashboard_cards(self, request):
        from anju.core import policy

        from .choices import OrderStatus
        from .models import ServiceOrder

        user, community_id = request.user, request.community_id
        if not policy.staff_has(user, "life.order.view"):
            return []
        orders = ServiceOrder.objects.visible_to(user, "life.order.view")
        if community_id:
            orders = orders.in_community(community_id)
        quoted = orders.filter(status=OrderStatus.QUOTED).count()
        return [
            {
                "title": _("Quotes awaiting residents"),
                "value": quoted,
                "link": "/console/life/orders/?status=quoted",
                "tone": "warn" if quoted else "ok",
                "note": _("paid home services"),
            }
        ]

    def personal_data(self, user):
        from .models import ServiceOrder, Signup

        if not user.person_id:
            return {"service_orders": [], "event_signups": []}
        orders = ServiceOrder.objects.filter(person_id=user.person_id).select_related("offering")
        signups = Signup.objects.filter(person_id=user.person_id).select_related("event")
        return {
            "service_orders": [
                {
                    "number": o.number,
                    "service": o.offering.name,
                    "appointment_at": o.appointment_at.isoformat(),
                    "note": o.note,
                    "status": o.status,
                    "amount": str(o.amount),
                }
                for o in orders[:1000]
            ],
            "event_signups": [
                {
                    "event": s.event.title,
                    "starts_at": s.event.starts_at.isoformat(),
                    "people": s.people,
                    "status": s.status,
                }
                for s in signups[:1000]
            ],
        }
