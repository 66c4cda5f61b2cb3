"""The policy table, role by role: what each may and may not do with core data."""

import pytest

from anju.core import policy
from anju.core.choices import Role

pytestmark = pytest.mark.django_db

# role -> (may create a building, may read people, may see unmasked phones, may manage memberships)
MATRIX = {
    "org_admin": (True, True, True, True),
    "manager": (True, True, True, False),
    "agent": (True, True, True, False),
    "technician": (False, False, False, False),
    "guard": (False, False, False, False),
    "cleaner": (False, False, False, False),
    "cashier": (False, True, True, False),
    "finance": (False, True, True, False),
    "committee": (False, False, False, False),
    "resident": (False, True, False, False),
}


@pytest.mark.parametrize("role", list(MATRIX))
def test_role_matrix_through_the_api(world, api, role):
    can_build, can_read_people, sees_phone, manages_members = MATRIX[role]
    client = api(world.users[role])
    created = client.post(
        "/api/v1/buildings/",
        {"community": world.community.pk, "name": f"新楼-{role}"},
        format="json",
    )
    assert created.status_code == (201 if can_build else 403), created.content
    owner = world.people["owner"]
    read = client.get(f"/api/v1/people/{owner.pk}/")
    assert read.status_code == (200 if can_read_people else 403)
    if can_read_people and role != "resident":
        assert (read.json()["phone"] == owner.phone) is sees_phone
    member = client.post(
        "/api/v1/memberships/",
        {"user": world.users["guard"].pk, "organization": world.org.pk, "role": "cleaner"},
        format="json",
    )
    assert member.status_code in ((201,) if manages_members else (403, 404))


def test_every_role_has_a_label_and_permissions():
    for role in Role.values:
        assert policy.ROLE_PERMISSIONS[role], role
    assert policy.role_has("org_admin", "anything.at.all")
    assert policy.role_has("manager", "servicedesk.ticket.dispatch")
    assert not policy.role_has("technician", "billing.payment.create")
    assert not policy.role_has("resident", "core.house.change")


def test_no_role_may_cut_utilities():
    """民法典第944条: no permission to stop water, power, heat or gas exists for anyone."""
    for role in [*Role.values, "resident"]:
        grants = (
            policy.RESIDENT_PERMISSIONS if role == "resident" else policy.ROLE_PERMISSIONS[role]
        )
        assert not any("utility" in g or "cutoff" in g for g in grants)
