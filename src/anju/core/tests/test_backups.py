"""anju backup / anju restore: a round trip of the database and the files, and the refusals
of a bad archive that change nothing (on SQLite and, under .ci/run, on PostgreSQL)."""

import io
import json
import stat
import tarfile

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import translation

from anju.core import backups
from anju.core.models import Organization

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def english():
    """The refusals are matched in English here; the command speaks LANGUAGE_CODE (zh-hans)."""
    with translation.override("en"):
        yield


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    (settings.MEDIA_ROOT / "attachments" / "2026").mkdir(parents=True)
    (settings.MEDIA_ROOT / "attachments" / "2026" / "a.jpg").write_bytes(b"\xff\xd8photo")
    return settings.MEDIA_ROOT


def backup(tmp_path, *args):
    out = io.StringIO()
    call_command("backup", str(tmp_path / "b.tar.gz"), *args, stdout=out)
    return tmp_path / "b.tar.gz", out.getvalue()


def test_round_trip_restores_the_rows_and_the_files(tmp_path, media):
    Organization.objects.create(name="翠湖物业")
    archive, printed = backup(tmp_path)
    assert "1 files" in printed
    assert stat.S_IMODE(archive.stat().st_mode) == 0o600  # personal data: the owner only

    Organization.objects.create(name="written after the backup")
    Organization.objects.filter(name="翠湖物业").delete()
    (media / "attachments" / "2026" / "a.jpg").write_bytes(b"changed")
    (media / "attachments" / "later.jpg").write_bytes(b"later")

    call_command("restore", str(archive), "--yes", stdout=io.StringIO())

    assert list(Organization.objects.values_list("name", flat=True)) == ["翠湖物业"]
    assert (media / "attachments" / "2026" / "a.jpg").read_bytes() == b"\xff\xd8photo"
    assert not (media / "attachments" / "later.jpg").exists()
    # the restored database is a working one: migrations recorded, writes go on
    Organization.objects.create(name="after the restore")
    assert Organization.objects.count() == 2


def test_database_only_backup_leaves_the_files_alone(tmp_path, media):
    Organization.objects.create(name="A")
    archive, printed = backup(tmp_path, "--no-files")
    assert "0 files" in printed
    (media / "new.jpg").write_bytes(b"new")
    call_command("restore", str(archive), "--yes", stdout=io.StringIO())
    assert Organization.objects.filter(name="A").exists()
    assert (media / "new.jpg").exists()


def _rewrite(archive, target, change):
    """Copy an archive, letting change(name, data) alter, drop (None) or add members."""
    with tarfile.open(archive) as src, tarfile.open(target, "w:gz") as dst:
        for member in src.getmembers():
            data = src.extractfile(member).read() if member.isfile() else None
            data = change(member.name, data)
            if data is None and member.isfile():
                continue
            member.size = len(data or b"")
            dst.addfile(member, io.BytesIO(data or b""))
        extra = change(None, None)
        for name, data in (extra or {}).items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            dst.addfile(info, io.BytesIO(data))
    return target


def _manifest(change):
    def edit(name, data):
        if name == "manifest.json":
            manifest = json.loads(data)
            change(manifest)
            return json.dumps(manifest).encode()
        return data if name else None

    return edit


def _damage_database(name, data):
    if name and name.startswith("database."):
        return data[:-10] + b"0123456789"
    return data if name else None


@pytest.mark.parametrize(
    "change, message",
    [
        (_damage_database, "checksum"),
        (_manifest(lambda m: m["migrations"].append(["core", "9999_from_the_future"])), "newer"),
        (_manifest(lambda m: m.update(vendor="oracle")), "oracle"),
        (_manifest(lambda m: m.update(format=99)), "format"),
        (lambda name, data: {"../outside.txt": b"x"} if name is None else data, "outside"),
        (lambda name, data: {"settings.py": b"x"} if name is None else data, "unexpected"),
    ],
    ids=["damaged", "newer-anju", "other-vendor", "format", "traversal", "unexpected-entry"],
)
def test_a_bad_archive_is_refused_and_changes_nothing(tmp_path, media, change, message):
    Organization.objects.create(name="in the backup")
    archive, _ = backup(tmp_path)
    bad = _rewrite(archive, tmp_path / "bad.tar.gz", change)
    Organization.objects.create(name="current")
    (media / "current.jpg").write_bytes(b"current")

    with pytest.raises(CommandError, match=message):
        call_command("restore", str(bad), "--yes", stdout=io.StringIO())

    assert Organization.objects.filter(name="current").exists()
    assert (media / "current.jpg").exists()
    assert not (tmp_path / "outside.txt").exists()


def test_not_an_archive_and_no_confirmation_are_refused(tmp_path, media):
    junk = tmp_path / "junk.tar.gz"
    junk.write_bytes(b"not a tar")
    with pytest.raises(CommandError, match="not an Anju backup"):
        call_command("restore", str(junk), "--yes")
    archive, _ = backup(tmp_path)
    Organization.objects.create(name="current")
    with pytest.raises(CommandError, match="--yes"):
        call_command("restore", str(archive), "--no-input", stdout=io.StringIO())
    assert Organization.objects.filter(name="current").exists()


def test_refusals_speak_chinese_by_default(tmp_path, media):
    junk = tmp_path / "junk.tar.gz"
    junk.write_bytes(b"not a tar")
    with translation.override("zh-hans"), pytest.raises(CommandError, match="这不是安居的备份文件"):
        call_command("restore", str(junk), "--yes")


def test_check_reports_what_the_archive_holds_without_restoring(tmp_path, media):
    archive, _ = backup(tmp_path)
    Organization.objects.create(name="current")
    out = io.StringIO()
    call_command("restore", str(archive), "--check", stdout=out)
    assert "1 files" in out.getvalue()
    assert Organization.objects.filter(name="current").exists()
    assert backups.check_archive(archive)["vendor"] in ("sqlite", "postgresql")
