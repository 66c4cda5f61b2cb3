"""core.db.insert writes the row obj.save() writes (auto times, JSON, foreign keys), and leaves
to save() what it does not do itself."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models.signals import post_save
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from anju.core.db import insert, together
from anju.core.models import AuditEntry, Notification, Person
from anju.servicedesk.models import TicketEvent

pytestmark = pytest.mark.django_db


def stored(obj):
    """The row as the database holds it, read back by the ORM."""
    model = type(obj)
    fresh = model.objects.get(pk=obj.pk)
    return {f.attname: getattr(fresh, f.attname) for f in model._meta.concrete_fields}


def pair(make):
    """The same new object written by insert() and by save(): their rows, minus the keys."""
    inserted, saved = insert(make()), make()
    saved.save()
    rows = stored(inserted), stored(saved)
    for row in rows:
        row.pop("id")
    return inserted, saved, rows


def test_notification_row_as_save_writes_it(world):
    before = timezone.now()
    inserted, saved, (a, b) = pair(
        lambda: Notification(
            user=world.users["agent"],
            title="新报修",
            body="厨房漏水",
            link="/console/tickets/1/",
            community=world.community,
            organization_id=world.community.organization_id,
        )
    )
    assert inserted.pk and inserted.pk != saved.pk
    assert not inserted._state.adding and inserted._state.db == "default"
    assert before <= a.pop("created_at") <= timezone.now()  # auto_now_add, by the field
    b.pop("created_at")
    assert a == b and a["user_id"] == world.users["agent"].pk and a["read_at"] is None


def test_json_and_foreign_keys_as_save_writes_them(world):
    from anju.servicedesk import services

    ticket = services.open_ticket(
        actor=world.users["agent"],
        community=world.community,
        kind="inquiry",
        category="fees",
        description="物业费怎么交",
        channel="phone",
    )
    at = timezone.now()
    _inserted, _saved, (a, b) = pair(
        lambda: TicketEvent(
            organization_id=ticket.organization_id,
            community_id=ticket.community_id,
            ticket=ticket,
            action="note",
            to_status=ticket.status,
            actor=world.users["agent"],
            actor_label="agent",
            note="已回电",
            data={"due": at.isoformat(), "n": [1, 2], "名": "值"},
            at=at,
        )
    )
    assert a == b and a["data"] == {"due": at.isoformat(), "n": [1, 2], "名": "值"}
    assert a["ticket_id"] == ticket.pk and a["at"] == at


def test_one_statement(world):
    with CaptureQueriesContext(connection) as ctx:
        insert(Notification(user=world.users["agent"], title="x"))
    assert len(ctx.captured_queries) == 1
    assert ctx.captured_queries[0]["sql"].startswith('INSERT INTO "core_notification"')


def test_audit_entries_insert_but_never_change(world):
    entry = insert(AuditEntry(actor_label="system", action="test.insert"))
    assert AuditEntry.objects.filter(pk=entry.pk, action="test.insert").exists()
    entry.action = "test.changed"
    with pytest.raises(ValidationError):
        insert(entry)  # a primary key: save()'s rules, which refuse
    assert AuditEntry.objects.get(pk=entry.pk).action == "test.insert"


def test_a_save_override_runs(world):
    person = insert(
        Person(
            organization=world.community.organization, name="张三", id_number="11010519491231002X"
        )
    )
    assert Person.objects.get(pk=person.pk).id_number_index  # Person.save() set the blind index


def test_save_signals_are_sent(world):
    seen = []

    def receiver(sender, instance, created, **kwargs):
        seen.append((instance.title, created))

    post_save.connect(receiver, sender=Notification)
    try:
        insert(Notification(user=world.users["agent"], title="signalled"))
    finally:
        post_save.disconnect(receiver, sender=Notification)
    assert seen == [("signalled", True)]


def test_an_error_marks_the_transaction_for_rollback(world):
    with transaction.atomic():
        with pytest.raises(IntegrityError):
            insert(Notification(title="nobody"))  # user is required
        assert transaction.get_rollback()  # the block then ends by rolling back
    assert not Notification.objects.filter(title="nobody").exists()


# ---------------------------------------------------------------------------------------------
# together(): inserts written when the block ends, on PostgreSQL in one statement


def _rows(world, n):
    return [
        Notification(user=world.users["agent"], title=f"第{i}条", community=world.community)
        for i in range(n)
    ]


def test_together_writes_every_row_at_the_end_in_order(world):
    first, second = _rows(world, 2)
    entry = AuditEntry(actor_label="system", action="test.together", after={"名": "值"})
    with CaptureQueriesContext(connection) as ctx, together():
        insert(first)
        insert(entry)
        insert(second)
        assert first.pk is None and entry.pk is None and second.pk is None
        assert not ctx.captured_queries  # nothing written yet
    inserts = [q for q in ctx.captured_queries if "INSERT" in q["sql"]]
    assert len(inserts) == (1 if connection.vendor == "postgresql" else 3)
    assert first.pk < second.pk and entry.pk
    assert not first._state.adding and first._state.db == "default"
    assert stored(first)["title"] == "第0条" and stored(second)["title"] == "第1条"
    assert stored(entry)["after"] == {"名": "值"}


def test_together_rows_equal_the_rows_save_writes(world):
    inserted = _rows(world, 2)
    with together():
        for row in inserted:
            insert(row)
    saved = _rows(world, 2)
    for row in saved:
        row.save()
    for a, b in zip(inserted, saved, strict=True):
        x, y = stored(a), stored(b)
        for row in (x, y):
            row.pop("id"), row.pop("created_at")
        assert x == y


def test_together_writes_nothing_when_the_block_raises(world):
    row = _rows(world, 1)[0]
    with pytest.raises(RuntimeError), together():
        insert(row)
        raise RuntimeError("refused")
    assert row.pk is None
    assert not Notification.objects.filter(title="第0条").exists()
    insert(Notification(user=world.users["agent"], title="after"))  # the queue is gone
    assert Notification.objects.filter(title="after").exists()


def test_nested_blocks_write_with_the_outer_one(world):
    a, b = _rows(world, 2)
    with together():
        insert(a)
        with together():
            insert(b)
        assert b.pk is None  # the inner block does not write
    assert a.pk < b.pk


def test_a_save_inside_the_block_writes_the_queued_rows_first(world):
    row = _rows(world, 1)[0]
    with together():
        insert(row)
        person = insert(  # Person.save() is overridden: saved at once
            Person(organization=world.community.organization, name="李四")
        )
        assert row.pk is not None and person.pk is not None
    assert Notification.objects.filter(pk=row.pk).exists()


def test_a_reference_to_a_queued_row_is_refused(world):
    from anju.servicedesk.models import Ticket

    ticket = Ticket(
        organization_id=world.community.organization_id,
        community=world.community,
        number="BX-1",
        kind="repair",
        category="water",
        description="x",
        opened_at=timezone.now(),
    )
    with pytest.raises(ValueError, match="unsaved related object"), together():
        insert(ticket)
        insert(TicketEvent(ticket=ticket, action="open", actor_label="x", at=timezone.now()))
    assert ticket.pk is None and not Ticket.objects.filter(number="BX-1").exists()


# ---------------------------------------------------------------------------------------------
# load(): an object and the objects of its foreign keys in one statement


def test_load_with_related_equals_the_orm(world):
    from anju.core.db import load
    from anju.core.models import House

    with CaptureQueriesContext(connection) as ctx:
        house = load(House, world.house.pk, related=("building", "community"))
    assert len(ctx.captured_queries) == 1
    orm = House.objects.select_related("building", "community").get(pk=world.house.pk)
    with CaptureQueriesContext(connection) as ctx:
        assert house.building.name == orm.building.name
        assert house.community.name == orm.community.name
        for a, b in ((house, orm), (house.building, orm.building)):
            for field in type(a)._meta.concrete_fields:
                assert getattr(a, field.attname) == getattr(b, field.attname), field.name
    assert not ctx.captured_queries
    assert load(House, 10**9, related=("building",)) is None


def test_load_with_an_empty_reference(world):
    from anju.core.db import load
    from anju.servicedesk.services import open_ticket

    ticket = open_ticket(
        actor=None, community=world.community, kind="inquiry", category="fees", description="?"
    )
    loaded = load(type(ticket), ticket.pk, related=("house", "community"))
    with CaptureQueriesContext(connection) as ctx:
        assert loaded.house is None and loaded.community == world.community
    assert not ctx.captured_queries
