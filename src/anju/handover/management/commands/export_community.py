"""``anju export_community <id> <file.zip>``: a community's handover package (交接资料)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from anju.core.errors import DomainError
from anju.core.models import Community
from anju.handover import services


class Command(BaseCommand):
    help = (
        "Write the handover package of community <id> to <file.zip>: houses, people (name, "
        "phone, relation), fee standards, bills, payments, arrears, deposits, the maintenance "
        "fund, assets and maintenance, open tickets, votes, disclosures and their files "
        "(docs/handover-schema.md)."
    )

    def add_arguments(self, parser):
        parser.add_argument("community", type=int, help="The community's id.")
        parser.add_argument("path", help="The zip file to write.")
        parser.add_argument(
            "--id-numbers",
            action="store_true",
            help="Also write people's ID numbers, decrypted (only when the receiver is "
            "entitled to them).",
        )

    def handle(self, *args, community, path, id_numbers, **options):
        target = Community.objects.filter(pk=community).first()
        if target is None:
            raise CommandError(f"No community {community}.")
        try:
            content, manifest = services.make_package(
                actor=None, community=target, id_numbers=id_numbers
            )
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        out = Path(path)
        out.write_bytes(content)
        out.chmod(0o600)  # personal data: readable by its owner only
        counts = ", ".join(f"{k} {v}" for k, v in manifest["counts"].items() if v)
        self.stdout.write(
            self.style.SUCCESS(f"Handover package of {target.name} written: {out} ({counts})")
        )
