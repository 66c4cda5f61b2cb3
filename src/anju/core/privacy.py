"""Personal data (PIPL): a person's own copy of what Anju holds about them."""

from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Max, Q
from django.utils import timezone

from . import audit
from .apps import anju_apps
from .models import Occupancy, Person


def personal_data(user) -> dict:
    data = {
        "login": {
            "username": user.username,
            "phone": user.phone,
            "email": user.email,
            "date_joined": user.date_joined.isoformat(),
        },
        "wechat": [
            {
                "kind": w.kind,
                "app_id": w.app_id,
                "openid": w.openid,
                "unionid": w.unionid,
                "created_at": w.created_at.isoformat(),
            }
            for w in user.wechat_identities.all()
        ],
        "person": None,
        "houses": [],
    }
    person = user.person
    if person is not None:
        data["person"] = {
            "name": person.name,
            "phone": person.phone,
            "id_number": person.id_number,
            "created_at": person.created_at.isoformat(),
        }
        for occ in Occupancy.objects.filter(person=person).select_related(
            "house__building", "house__community"
        ):
            data["houses"].append(
                {
                    "community": occ.house.community.name,
                    "house": occ.house.label,
                    "area": str(occ.house.area),
                    "relation": occ.relation,
                    "is_payer": occ.is_payer,
                    "is_representative": occ.is_representative,
                    "since": occ.since.isoformat() if occ.since else None,
                    "until": occ.until.isoformat() if occ.until else None,
                }
            )
    # Domain apps add their sections: AppConfig.personal_data(user) -> dict
    for config in anju_apps():
        section = config.personal_data(user)
        if section is not None:
            data[config.label] = section
    return data


@transaction.atomic
def purge_departed(today=None) -> int:
    """Blank phone and ID number of people who left more than the retention period ago."""
    today = today or timezone.localdate()
    cutoff = today - timedelta(days=settings.ANJU_PERSONAL_DATA_RETENTION_DAYS)
    still_here = Occupancy.objects.filter(Q(until__isnull=True) | Q(until__gt=cutoff)).values(
        "person_id"
    )
    departed = (
        Person.objects.filter(user__isnull=True)
        .exclude(pk__in=still_here)
        .annotate(last=Max("occupancies__until"))
        .filter(last__isnull=False, last__lte=cutoff)
        .exclude(phone="", id_number_index="")
    )
    count = 0
    ids = list(departed.values_list("pk", flat=True))
    for person in Person.objects.filter(pk__in=ids).select_for_update():
        person.phone = ""
        person.id_number = ""
        person.save(update_fields=["phone", "id_number", "id_number_index"])
        audit.record(
            None, "core.person.personal_data_purged", person, after={"reason": "retention"}
        )
        count += 1
    return count
