"""Backups: the database and the stored files in one archive, and restoring it.

An archive is a gzip'd tar holding ``manifest.json``, the database (``database.pgdump``, made
by ``pg_dump --format=custom``, or ``database.sqlite3``, a consistent copy by SQLite's online
backup API) and, under ``files/``, every stored file (``MEDIA_ROOT``; with S3-compatible storage
the bucket keeps the files and is backed up by its own versioning or replication).

Restoring checks the archive before it touches anything: the manifest's format, the database
vendor, the checksum of every member, that every migration the backup has applied is known to
this version of Anju (a backup from a newer Anju is refused), and that no member leaves the
archive. The database is then replaced in one transaction (PostgreSQL: the schema dropped and the
dump replayed by one ``psql --single-transaction``; SQLite: the online backup API), and only then
are the files swapped in. A failure before that changes nothing.

An archive holds personal data (PIPL): it is written readable by its owner only. ID numbers in
it stay encrypted with ``ANJU_FIELD_KEY``, which is not in the archive: keep the key apart.
"""

import hashlib
import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path, PurePosixPath

from django.conf import settings
from django.core.cache import cache
from django.core.files.storage import FileSystemStorage, default_storage
from django.db import connection
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone
from django.utils.translation import gettext as _

from .errors import DomainError

FORMAT = 1
MANIFEST = "manifest.json"
FILES = "files"
DUMPS = {"postgresql": "database.pgdump", "sqlite": "database.sqlite3"}


class BackupError(DomainError):
    code = "backup_invalid"
    status = 400


@dataclass
class BackupResult:
    path: Path
    vendor: str
    files: int
    file_bytes: int
    archive_bytes: int
    files_external: bool


@dataclass
class RestoreResult:
    vendor: str
    created_at: str
    files: int
    files_external: bool
    files_included: bool = True


def _sha256(path):
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _vendor():
    if connection.vendor not in DUMPS:
        raise BackupError(
            _("Backups support PostgreSQL and SQLite, not %(vendor)s.")
            % {"vendor": connection.vendor}
        )
    return connection.vendor


def _pg_env():
    conf = connection.settings_dict
    env = dict(os.environ)
    for key, value in (
        ("PGHOST", conf.get("HOST")),
        ("PGPORT", conf.get("PORT")),
        ("PGUSER", conf.get("USER")),
        ("PGPASSWORD", conf.get("PASSWORD")),
        ("PGDATABASE", conf["NAME"]),
    ):
        if value:
            env[key] = str(value)
    return env


def _run(args, **kwargs):
    try:
        return subprocess.run(args, check=True, capture_output=True, **kwargs)
    except FileNotFoundError as exc:
        raise BackupError(
            _("%(program)s is not installed (it comes with the PostgreSQL client tools).")
            % {"program": args[0]}
        ) from exc
    except subprocess.CalledProcessError as exc:
        detail = (exc.stderr or b"").decode("utf-8", "replace").strip().splitlines()
        raise BackupError(
            _("%(program)s failed: %(detail)s")
            % {"program": args[0], "detail": detail[-1] if detail else exc.returncode}
        ) from exc


def _files_root():
    """The directory of the stored files, or None when they live elsewhere (S3)."""
    if isinstance(default_storage, FileSystemStorage):
        return Path(settings.MEDIA_ROOT)
    return None


def _dump_database(vendor, target):
    if vendor == "postgresql":
        _run(
            ["pg_dump", "--format=custom", "--no-owner", "--no-privileges", "--file", str(target)],
            env=_pg_env(),
        )
    else:
        connection.ensure_connection()
        copy = sqlite3.connect(target)
        try:
            connection.connection.backup(copy)
        finally:
            copy.close()


def _applied_migrations():
    return sorted([app, name] for app, name in MigrationRecorder(connection).applied_migrations())


def default_path(directory=None):
    directory = Path(directory or settings.DATA_DIR / "backups")
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
    return directory / f"anju-backup-{stamp}.tar.gz"


def create_backup(path=None, *, actor=None, include_files=True):
    """Write one archive of the database and the files; returns what it holds."""
    vendor = _vendor()
    path = Path(path) if path else default_path()
    if path.is_dir():
        path = default_path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    root = _files_root() if include_files else None
    with tempfile.TemporaryDirectory(prefix="anju-backup-") as tmp:
        dump = Path(tmp) / DUMPS[vendor]
        _dump_database(vendor, dump)
        members = {dump.name: _sha256(dump)}
        files = []
        if root is not None and root.is_dir():
            for file in sorted(p for p in root.rglob("*") if p.is_file() and not p.is_symlink()):
                files.append(file)
        file_bytes = sum(f.stat().st_size for f in files)
        manifest = {
            "format": FORMAT,
            "application": "anju",
            "version": _version(),
            "created_at": timezone.now().isoformat(),
            "created_by": getattr(actor, "username", None) or "command",
            "vendor": vendor,
            "database": dump.name,
            "migrations": _applied_migrations(),
            "files_included": include_files and root is not None,
            "files": len(files),
            "file_bytes": file_bytes,
            "files_external": include_files and root is None,
            "checksums": members,
        }
        partial = path.with_name(path.name + ".partial")
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            with os.fdopen(fd, "wb") as raw, tarfile.open(fileobj=raw, mode="w:gz") as tar:
                data = json.dumps(manifest, ensure_ascii=False, indent=2).encode()
                info = tarfile.TarInfo(MANIFEST)
                info.size, info.mtime, info.mode = len(data), int(timezone.now().timestamp()), 0o600
                tar.addfile(info, io.BytesIO(data))
                tar.add(dump, arcname=dump.name, recursive=False)
                for file in files:
                    arcname = f"{FILES}/{file.relative_to(root).as_posix()}"
                    tar.add(file, arcname=arcname, recursive=False)
            os.replace(partial, path)
        except BaseException:
            partial.unlink(missing_ok=True)
            raise
    return BackupResult(
        path=path,
        vendor=vendor,
        files=len(files),
        file_bytes=file_bytes,
        archive_bytes=path.stat().st_size,
        files_external=manifest["files_external"],
    )


def _version():
    try:
        return metadata.version("anju")
    except metadata.PackageNotFoundError:  # pragma: no cover - running from a bare checkout
        return "unknown"


def _safe_name(name):
    pure = PurePosixPath(name)
    return not pure.is_absolute() and ".." not in pure.parts and name == pure.as_posix()


def _read_archive(archive, workdir):
    """Check the archive and unpack it into workdir; returns the manifest."""
    try:
        with tarfile.open(archive, mode="r:gz") as tar:
            manifest = _read_manifest(tar)
            for member in tar.getmembers():
                _check_member(member, manifest)
            tar.extractall(workdir, filter="data")
    except (OSError, EOFError, tarfile.TarError) as exc:
        raise BackupError(_("This is not an Anju backup archive.")) from exc
    dump = Path(workdir) / str(manifest.get("database"))
    expected = (manifest.get("checksums") or {}).get(dump.name)
    if not dump.is_file() or expected != _sha256(dump):
        raise BackupError(_("The archive is damaged: its database does not match its checksum."))
    return manifest


def _read_manifest(tar):
    try:
        manifest = json.loads(tar.extractfile(MANIFEST).read())
    except (KeyError, AttributeError, ValueError) as exc:
        raise BackupError(_("This is not an Anju backup archive.")) from exc
    if (
        not isinstance(manifest, dict)
        or manifest.get("application") != "anju"
        or manifest.get("format") != FORMAT
        or manifest.get("database") not in DUMPS.values()
    ):
        raise BackupError(_("This backup's format is not one this version of Anju reads."))
    return manifest


def _check_member(member, manifest):
    if not _safe_name(member.name) or not (member.isfile() or member.isdir()):
        raise BackupError(
            _("The archive holds an entry outside it: %(name)s.") % {"name": member.name}
        )
    expected = member.name in (MANIFEST, manifest.get("database"))
    if member.isfile() and not expected and not member.name.startswith(f"{FILES}/"):
        raise BackupError(
            _("The archive holds an unexpected entry: %(name)s.") % {"name": member.name}
        )


def check_archive(archive):
    """What an archive holds, checked as a restore would check it, changing nothing."""
    with tempfile.TemporaryDirectory(prefix="anju-restore-") as tmp:
        manifest = _read_archive(archive, tmp)
        _check_compatible(manifest)
    return manifest


def _check_compatible(manifest):
    vendor = _vendor()
    if manifest.get("vendor") != vendor:
        raise BackupError(
            _("This is a %(theirs)s backup; this Anju runs on %(ours)s.")
            % {"theirs": manifest.get("vendor"), "ours": vendor}
        )
    known = set(MigrationLoader(None, ignore_no_migrations=True).disk_migrations)
    unknown = [
        f"{app}.{name}" for app, name in manifest.get("migrations", []) if (app, name) not in known
    ]
    if unknown:
        raise BackupError(
            _(
                "This backup comes from a newer version of Anju (it has %(migration)s); upgrade first."
            )
            % {"migration": unknown[0]}
        )


def _restore_database(vendor, dump):
    connection.close()
    if vendor == "postgresql":
        script = _run(["pg_restore", "--no-owner", "--no-privileges", "--file", "-", str(dump)])
        reset = b"DROP SCHEMA IF EXISTS public CASCADE;\nCREATE SCHEMA public;\n"
        _run(
            ["psql", "--no-psqlrc", "--quiet", "--single-transaction", "-v", "ON_ERROR_STOP=1"],
            input=reset + script.stdout,
            env=_pg_env(),
        )
    else:
        connection.ensure_connection()
        source = sqlite3.connect(dump)
        try:
            source.backup(connection.connection)
        finally:
            source.close()
    connection.close()


def _swap_files(unpacked, root):
    root = Path(root)
    root.parent.mkdir(parents=True, exist_ok=True)
    staged = root.with_name(f".{root.name}.restoring")
    shutil.rmtree(staged, ignore_errors=True)
    if unpacked.is_dir():
        shutil.move(str(unpacked), staged)
    else:
        staged.mkdir()
    previous = root.with_name(f".{root.name}.previous")
    shutil.rmtree(previous, ignore_errors=True)
    if root.exists():
        os.replace(root, previous)
    os.replace(staged, root)
    shutil.rmtree(previous, ignore_errors=True)


def restore_backup(archive, *, actor=None):
    """Replace the database and the files with the archive's; refuse a bad archive unchanged."""
    vendor = _vendor()
    with tempfile.TemporaryDirectory(prefix="anju-restore-", dir=_workdir()) as tmp:
        manifest = _read_archive(archive, tmp)
        _check_compatible(manifest)
        root = _files_root()
        _restore_database(vendor, Path(tmp) / manifest["database"])
        if root is not None and manifest.get("files_included"):
            _swap_files(Path(tmp) / FILES, root)
    cache.clear()
    return RestoreResult(
        vendor=vendor,
        created_at=manifest["created_at"],
        files=manifest.get("files", 0),
        files_external=bool(manifest.get("files_external")) or _files_root() is None,
        files_included=bool(manifest.get("files_included")) and _files_root() is not None,
    )


def _workdir():
    """Unpack beside MEDIA_ROOT when it is local, so the files' swap is a rename."""
    root = _files_root()
    if root is None:
        return None
    root.parent.mkdir(parents=True, exist_ok=True)
    return root.parent
