"""``anju backup``: the database and the stored files in one archive (see anju.core.backups)."""

from django.core.management.base import BaseCommand, CommandError

from anju.core import backups


class Command(BaseCommand):
    help = (
        "Write the database and the stored files to one archive (default: "
        "ANJU_DATA_DIR/backups/anju-backup-<time>.tar.gz). Restore it with `anju restore`."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "path", nargs="?", help="Archive to write, or a directory to write it in."
        )
        parser.add_argument(
            "--no-files", action="store_true", help="The database only, without the stored files."
        )

    def handle(self, *args, path, no_files, **options):
        try:
            result = backups.create_backup(path, actor=None, include_files=not no_files)
        except backups.BackupError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(
            self.style.SUCCESS(
                f"Backup written: {result.path} ({result.archive_bytes / 1e6:.1f} MB; "
                f"{result.vendor} database, {result.files} files, {result.file_bytes / 1e6:.1f} MB)"
            )
        )
        if result.files_external:
            self.stdout.write(
                "The files are in object storage (S3): back the bucket up with its own "
                "versioning or replication."
            )
        self.stdout.write(
            "The archive holds personal data and is readable by its owner only. ID numbers in it "
            "are encrypted with ANJU_FIELD_KEY, which is not in it: keep the key apart from it."
        )
