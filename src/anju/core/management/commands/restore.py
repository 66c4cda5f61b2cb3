"""``anju restore``: replace the database and the stored files with a backup's."""

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from anju.core import backups


class Command(BaseCommand):
    help = (
        "Replace the database and the stored files with those of an archive written by "
        "`anju backup`. The archive is checked first; a bad one changes nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("archive", help="The archive written by `anju backup`.")
        parser.add_argument(
            "--yes", action="store_true", help="Do not ask: replace the current data."
        )
        parser.add_argument(
            "--no-input",
            "--noinput",
            action="store_false",
            dest="interactive",
            help="Never ask (then --yes is needed to restore).",
        )
        parser.add_argument(
            "--check", action="store_true", help="Only check the archive and say what it holds."
        )

    def handle(self, *args, archive, yes, check, **options):
        try:
            manifest = backups.check_archive(archive)
        except backups.BackupError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(
            f"{archive}: Anju {manifest['version']}, {manifest['vendor']} database, "
            f"{manifest['files']} files, written {manifest['created_at']}."
        )
        if check:
            return
        database = connection.settings_dict["NAME"]
        if not yes:
            if not options["interactive"]:
                raise CommandError("Restoring replaces the current data: pass --yes.")
            answer = input(
                f"This replaces every row of database {database} and every stored file. "
                "Type 'yes' to go on: "
            )
            if answer.strip().lower() != "yes":
                raise CommandError("Nothing was changed.")
        try:
            result = backups.restore_backup(archive, actor=None)
        except backups.BackupError as exc:
            raise CommandError(exc.message) from exc
        call_command("migrate", interactive=False, verbosity=0)  # a backup of an older Anju
        self.stdout.write(
            self.style.SUCCESS(
                f"Restored the backup of {result.created_at} into {database}"
                + (f" with {result.files} files" if result.files_included else " (database only)")
                + "."
            )
        )
