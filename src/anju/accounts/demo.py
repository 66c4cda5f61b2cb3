"""Demo: residents who signed up themselves. One claim approved at once (the phone is an
owner's on record), two waiting for the office with a photo of the property certificate, and a
family member and a tenant the first demo resident added (and invited by SMS)."""

from datetime import timedelta

from anju.core.choices import OWNER_RELATIONS
from anju.core.demo_photos import photo
from anju.core.models import House, Occupancy, User

from . import services

PENDING = [("13600000001", "孙晓雨", "owner"), ("13600000002", "周立", "tenant")]
MEMBERS = [("13600000011", "陈小米", "family"), ("13600000012", "吴租", "tenant")]


def _user(phone, name):
    user = User.objects.filter(phone=phone).first()
    if user is None:
        user = User(username=phone, phone=phone, first_name=name)
        user.set_unusable_password()
        user.save()
    return user


def build(ctx):
    community = ctx.communities[0]
    taken = set(User.objects.exclude(person=None).values_list("person_id", flat=True))
    owner = (
        Occupancy.objects.active()
        .filter(community=community, relation__in=OWNER_RELATIONS)
        .exclude(person_id__in=taken)
        .exclude(person__phone="")
        .select_related("person", "house")
        .first()
    )
    approved = 0
    if owner is not None:
        user = _user(owner.person.phone, owner.person.name)
        services.claim_house(actor=user, house=owner.house, relation="owner")
        approved = 1
    # Two homes whose residents on record have no login yet: a new owner after a sale and a
    # tenant with a lease, neither phone on record, so their claims wait for the office.
    free = list(
        House.objects.filter(community=community)
        .exclude(pk=owner.house_id if owner is not None else None)
        .exclude(occupancies__person_id__in=taken)
        .order_by("id")[:2]
    )
    for (phone, name, relation), house in zip(PENDING, free, strict=False):
        services.claim_house(
            actor=_user(phone, name),
            house=house,
            relation=relation,
            evidence=[photo("form", seed=len(phone) + int(phone[-1]))],
        )
    added = 0
    for user, person, house in ctx.residents[:1]:
        if (
            not Occupancy.objects.active()
            .filter(house=house, person=person, relation__in=OWNER_RELATIONS)
            .exists()
        ):
            continue
        for phone, name, relation in MEMBERS:
            services.add_member(
                actor=user,
                house=house,
                phone=phone,
                name=name,
                relation=relation,
                since=ctx.today - timedelta(days=30),
                until=ctx.today + timedelta(days=335) if relation == "tenant" else None,
            )
            added += 1
    ctx.out.write(
        f"Accounts: {approved} home claim approved, {len(free)} awaiting review, "
        f"{added} household members invited.\n"
    )
