"""``anju import_community <file.zip> --organization <id>``: bring a handover package in."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from anju.core.errors import DomainError
from anju.core.models import Organization
from anju.handover import services


class Command(BaseCommand):
    help = (
        "Import a handover package (made by `anju export_community`) into company <id>: the "
        "community and all its records, in one transaction; refused, nothing written, when "
        "the file is not a package of this schema version or a house already exists."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", help="The package (.zip).")
        parser.add_argument(
            "--organization", type=int, required=True, help="The receiving company's id."
        )

    def handle(self, *args, path, organization, **options):
        target = Organization.objects.filter(pk=organization).first()
        if target is None:
            raise CommandError(f"No company {organization}.")
        try:
            data = Path(path).read_bytes()
        except OSError as exc:
            raise CommandError(f"Cannot read {path}: {exc}") from exc
        try:
            community = services.import_package(actor=None, organization=target, data=data)
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(
            self.style.SUCCESS(
                f"Imported {community.name} (community {community.pk}) into {target.name}."
            )
        )
