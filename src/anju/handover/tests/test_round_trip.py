"""The handover round trip: a community exported and imported into a fresh company holds the
same rows, counts and money sums; a refused import writes nothing; scope; the commands."""

import io
import json
import zipfile
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from anju.billing import services as billing_services
from anju.core.errors import DomainError
from anju.core.models import AuditEntry, Community, House, Organization, Person
from anju.handover import package, schema, selectors, services, tables
from anju.handover.models import HandoverPackage

pytestmark = pytest.mark.django_db


def everything_counts():
    return {t.name: t.Model._base_manager.count() for t in tables.TABLES}


def test_the_round_trip_is_equal_on_every_count_and_sum(stocked):
    world = stocked.world
    source = selectors.figures(world.community)
    # the fixture stocked every table the package carries
    empty = [name for name, n in source["counts"].items() if not n]
    assert not empty, empty
    assert source["sums"]["arrears.balance"] != "0.00"
    content, manifest = services.make_package(
        actor=world.users["org_admin"], community=world.community
    )
    assert manifest["counts"] == {
        **source["counts"],
        "arrears": manifest["counts"]["arrears"],
        "attachment": 1,
    }
    receiver = Organization.objects.create(name="丙物业")
    imported = services.import_package(actor=None, organization=receiver, data=content)
    assert imported.organization == receiver and imported.name == world.community.name
    assert imported.code == world.community.code
    target = selectors.figures(imported)
    assert target["counts"] == source["counts"]
    assert target["sums"] == source["sums"]
    for key in (
        "bill.total",
        "bill.paid",
        "payment.amount",
        "deposit.amount",
        "fund_account.balance",
    ):
        assert key in source["sums"], key
    # numbers and dates kept, references remapped into the receiver's rows
    old = world.community.houses.order_by("pk").first().bills.order_by("pk").first()
    new = (
        House.objects.get(community=imported, number=old.house.number).bills.order_by("pk").first()
    )
    assert (new.number, new.period, new.due_date, new.total, new.created_at) == (
        old.number,
        old.period,
        old.due_date,
        old.total,
        old.created_at,
    )
    assert new.lines.first().fee_item.community == imported
    assert Person.objects.filter(organization=receiver).count() == source["counts"]["person"]
    assert AuditEntry.objects.filter(
        action="handover.package.imported", community=imported
    ).exists()
    # the ticket's photo came along and is stored as an attachment of the new ticket
    from anju.core.models import Attachment

    ticket = tables.BY_NAME["ticket"].Model.objects.get(community=imported)
    assert Attachment.objects.filter(object_id=str(ticket.pk), community=imported).count() == 1


def test_people_carry_the_minimum_unless_id_numbers_are_asked_for(stocked):
    world = stocked.world
    content, manifest = services.make_package(actor=None, community=world.community)
    people = json.loads(zipfile.ZipFile(io.BytesIO(content)).read("tables/person.json"))
    assert people and all(set(p) == {"id", "name", "phone"} for p in people)
    assert "110105199001011234" not in content.decode("latin-1")
    assert manifest["id_numbers"] is False
    with_ids, _m = services.make_package(actor=None, community=world.community, id_numbers=True)
    people = json.loads(zipfile.ZipFile(io.BytesIO(with_ids)).read("tables/person.json"))
    assert {p["id_number"] for p in people} >= {"110105199001011234"}
    receiver = Organization.objects.create(name="丙物业")
    services.import_package(actor=None, organization=receiver, data=with_ids)
    owner = Person.objects.get(organization=receiver, phone=world.people["owner"].phone)
    assert owner.id_number == "110105199001011234" and owner.id_number_index


def test_the_package_holds_json_a_workbook_files_and_the_schema(stocked):
    content, manifest = services.make_package(actor=None, community=stocked.world.community)
    names = set(zipfile.ZipFile(io.BytesIO(content)).namelist())
    assert {"manifest.json", "handover.xlsx", "schema.md"} <= names
    assert {f"tables/{t}.json" for t in manifest["tables"]} <= names
    assert any(n.startswith("files/") for n in names)
    assert manifest["schema_version"] == package.SCHEMA_VERSION


def test_the_schema_document_is_current_and_names_every_table_and_field():
    doc = (Path(__file__).resolve().parents[4] / "docs" / "handover-schema.md").read_text()
    assert doc == schema.render(), "run: python -m anju.handover.schema > docs/handover-schema.md"
    for table in tables.TABLES:
        assert f"### `{table.name}`" in doc, table.name
        for f in tables.carried_fields(table, id_numbers=True):
            assert f"`{f.name}`" in doc, (table.name, f.name)


def test_every_link_of_every_table_is_classified():
    """A new foreign key in another app fails here until the handover knows how it travels."""
    for table in tables.TABLES:
        for f in tables.carried_fields(table, id_numbers=True):
            if f.is_relation and f.name not in table.refs and not tables.is_user_link(f):
                assert f.name == "rule_set", (table.name, f.name)
            if f.name in table.refs:
                assert table.refs[f.name] in tables.BY_NAME


def _zip_with(content, name, data):
    source = zipfile.ZipFile(io.BytesIO(content))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for item in source.namelist():
            archive.writestr(item, data if item == name else source.read(item))
    return out.getvalue()


@pytest.mark.parametrize(
    "damage", ["version", "corrupt-1", "corrupt-3", "corrupt-5", "corrupt-7", "not_zip", "sum"]
)
def test_a_refused_import_writes_nothing(stocked, damage):
    content, manifest = services.make_package(actor=None, community=stocked.world.community)
    if damage == "version":
        content = _zip_with(
            content, "manifest.json", json.dumps({**manifest, "schema_version": 99})
        )
    elif damage.startswith("corrupt"):
        at = len(content) * int(damage[-1]) // 10
        content = content[:at] + b"\0" * 100 + content[at + 100 :]
    elif damage == "not_zip":
        content = b"not a zip at all"
    else:
        sums = {**manifest["sums"], "bill.total": "1.00"}
        content = _zip_with(content, "manifest.json", json.dumps({**manifest, "sums": sums}))
    receiver = Organization.objects.create(name="丙物业")
    before = everything_counts()
    with pytest.raises(DomainError) as refused:
        services.import_package(actor=None, organization=receiver, data=content)
    assert "file" in refused.value.fields
    assert everything_counts() == before
    assert not Community.objects.filter(organization=receiver).exists()


def test_an_existing_house_is_refused_and_nothing_is_written(stocked):
    world = stocked.world
    content, _m = services.make_package(actor=None, community=world.community)
    receiver = Organization.objects.create(name="丙物业")
    services.import_package(actor=None, organization=receiver, data=content)
    before = everything_counts()
    with pytest.raises(DomainError) as refused:
        services.import_package(actor=None, organization=receiver, data=content)
    assert "1-0101" in refused.value.message
    assert everything_counts() == before


def test_a_manager_of_another_community_cannot_export(client, stocked):
    world = stocked.world
    client.force_login(world.users["manager2"])
    url = reverse("console:handover-export", args=[world.community.pk])
    assert client.post(url).status_code == 404
    client.force_login(world.users["outsider"])
    assert client.post(url).status_code == 404
    assert not HandoverPackage.objects.exists()


def test_the_console_exports_as_a_job_and_downloads_in_scope(client, stocked):
    world = stocked.world
    client.force_login(world.users["org_admin"])
    page = client.get(reverse("console:handover"))
    assert page.status_code == 200 and world.community.name in page.content.decode()
    answer = client.post(reverse("console:handover-export", args=[world.community.pk]))
    assert answer.status_code == 302
    pkg = HandoverPackage.objects.get(community=world.community)
    download = client.get(reverse("console:handover-download", args=[pkg.pk]))
    assert download.status_code == 200
    assert b"".join(download.streaming_content).startswith(b"PK")
    client.force_login(world.users["outsider"])
    assert client.get(reverse("console:handover-download", args=[pkg.pk])).status_code == 404
    client.force_login(world.users["manager"])
    assert client.get(reverse("console:handover")).status_code == 403


def test_the_console_imports_an_upload_as_a_job(client, stocked):
    from django.core.files.uploadedfile import SimpleUploadedFile

    world = stocked.world
    content, _m = services.make_package(actor=None, community=world.community)
    client.force_login(world.users["outsider"])
    upload = SimpleUploadedFile("handover.zip", content, content_type="application/zip")
    answer = client.post(
        reverse("console:handover-import"), {"organization": world.other_org.pk, "file": upload}
    )
    assert answer.status_code == 302
    assert Community.objects.filter(
        organization=world.other_org, name=world.community.name
    ).exists()


def test_the_commands_run(stocked, tmp_path):
    world = stocked.world
    path = tmp_path / "handover.zip"
    out = io.StringIO()
    call_command("export_community", str(world.community.pk), str(path), stdout=out)
    assert path.exists() and "written" in out.getvalue()
    receiver = Organization.objects.create(name="丙物业")
    call_command("import_community", str(path), "--organization", str(receiver.pk), stdout=out)
    imported = Community.objects.get(organization=receiver)
    assert selectors.figures(imported) == selectors.figures(world.community)
    with pytest.raises(CommandError):
        call_command("import_community", str(path), "--organization", str(receiver.pk))
    with pytest.raises(CommandError):
        call_command("export_community", "999999", str(path))


def test_the_console_refuses_a_bad_upload_and_writes_nothing(client, world):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(world.users["org_admin"])
    url = reverse("console:handover-import")
    assert client.post(url, {"organization": world.org.pk}).status_code == 400
    before = Community.objects.count()
    upload = SimpleUploadedFile("x.zip", b"PK\x03\x04 broken", content_type="application/zip")
    answer = client.post(url, {"organization": world.org.pk, "file": upload}, follow=True)
    assert answer.status_code == 200
    assert Community.objects.count() == before
    client.force_login(world.users["manager"])
    assert client.post(url, {"organization": world.org.pk}).status_code == 403


def test_a_clash_with_what_the_receiver_set_up_is_refused(stocked):
    """The receiver set up the community and a building by hand: no house clashes, the
    building's name does; refused, nothing written."""
    from anju.core.models import Building

    content, _m = services.make_package(actor=None, community=stocked.world.community)
    receiver = Organization.objects.create(name="丙物业")
    shell = Community.objects.create(organization=receiver, name=stocked.world.community.name)
    Building.objects.create(organization=receiver, community=shell, name="1幢")
    before = everything_counts()
    with pytest.raises(DomainError) as refused:
        services.import_package(actor=None, organization=receiver, data=content)
    assert "building" in refused.value.message
    assert everything_counts() == before


def test_export_and_page_queries_do_not_grow_with_the_rows(
    stocked, client, django_assert_max_num_queries
):
    """A query or so per table (and per file), never per row."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as first:
        services.make_package(actor=None, community=stocked.world.community)
    for house in stocked.world.houses[:3]:
        billing_services.record_payment(
            actor=stocked.world.users["cashier"], house=house, amount="1.00", method="cash"
        )
    with CaptureQueriesContext(connection) as second:
        services.make_package(actor=None, community=stocked.world.community)
    assert len(second) <= len(first) + 2
    client.force_login(stocked.world.users["org_admin"])
    services.export_community(actor=None, community=stocked.world.community)
    with django_assert_max_num_queries(15):
        assert client.get(reverse("console:handover")).status_code == 200
