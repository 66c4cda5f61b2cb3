"""core.db.insert writes the row obj.save() writes (auto times, JSON, foreign keys), and leaves
to save() what it does not do itself."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models.signals import post_save
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from anju.core.db import insert
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
