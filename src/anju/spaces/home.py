"""Shared spaces' section of the resident home (我的家): the resident's bookings of the coming
week, as the spaces page lists them under "upcoming"."""

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from . import selectors
from .models import Booking

DAYS = 7


def home_sections(request) -> list[dict]:
    user = request.user
    if not user.person_id:
        return []
    now = timezone.now()
    bookings = list(
        selectors.upcoming(
            Booking.objects.filter(person_id=user.person_id), now, DAYS
        ).select_related("space")[:10]
    )
    if not bookings:
        return []
    return [
        {
            "order": 50,
            "title": _("My bookings this week"),
            "template": "spaces/home_section.html",
            "context": {"bookings": bookings, "spaces_url": reverse("portal:spaces")},
        }
    ]
