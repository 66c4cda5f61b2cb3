"""Green living's section of the resident home (我的家): the households' green points and the
waste pickups still open, counted as the portal's points and pickups pages list them."""

from django.urls import reverse
from django.utils.translation import gettext as _

from .choices import OPEN_PICKUPS
from .models import PointsAccount
from .selectors import pickups_of_person


def home_sections(request) -> list[dict]:
    user = request.user
    if not user.person_id:
        return []
    house_ids = user.resident_house_ids()
    balance = sum(
        PointsAccount.objects.filter(house_id__in=house_ids).values_list("balance", flat=True)
    )
    pickups = list(
        pickups_of_person(user.person_id).filter(status__in=OPEN_PICKUPS).order_by("wanted_on")[:5]
    )
    if not balance and not pickups:
        return []
    return [
        {
            "order": 60,
            "title": _("Green living"),
            "template": "green/home_section.html",
            "context": {
                "balance": balance,
                "pickups": pickups,
                "points_url": reverse("portal:green-points"),
                "pickups_url": reverse("portal:green-pickups"),
            },
        }
    ]
