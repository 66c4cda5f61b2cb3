"""Personal data (PIPL): a person's own copy of what Anju holds about them."""

from django.apps import apps

from .models import Occupancy


def personal_data(user) -> dict:
    data = {
        "login": {"username": user.username, "phone": user.phone, "email": user.email,
                  "date_joined": user.date_joined.isoformat()},
        "person": None,
        "houses": [],
    }
    person = user.person
    if person is not None:
        data["person"] = {"name": person.name, "phone": person.phone, "id_number": person.id_number,
                          "created_at": person.created_at.isoformat()}
        for occ in Occupancy.objects.filter(person=person).select_related("house__building", "house__community"):
            data["houses"].append({
                "community": occ.house.community.name, "house": occ.house.label, "area": str(occ.house.area),
                "relation": occ.relation, "is_payer": occ.is_payer, "is_representative": occ.is_representative,
                "since": occ.since.isoformat() if occ.since else None,
                "until": occ.until.isoformat() if occ.until else None,
            })
    # Domain apps add their sections: AppConfig.personal_data(user) -> dict
    for config in apps.get_app_configs():
        provider = getattr(config, "personal_data", None)
        if provider is not None:
            data[config.label] = provider(user)
    return data
