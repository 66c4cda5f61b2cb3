"""``anju demo``: realistic demo data (two communities, ~600 houses, staff for every role), or
``--houses N`` for a large benchmark data set built in bulk."""

from django.core.management import call_command
from django.core.management.base import BaseCommand

from anju.core import demo


class Command(BaseCommand):
    help = "Load demo data: a company, two communities, owners, tenants, staff for every role."

    def add_arguments(self, parser):
        parser.add_argument(
            "--houses",
            type=int,
            default=0,
            help="Make a large data set with this many houses (for benchmarks).",
        )
        parser.add_argument("--quiet", action="store_true", help="No progress bar.")

    def handle(self, *args, houses, quiet, **options):
        call_command("migrate", verbosity=0)  # a fresh database works too
        if houses:
            result = demo.build_large(houses, progress=not quiet, out=self.stdout)
            self.stdout.write(
                self.style.SUCCESS(
                    f"Made {result['houses']} houses and {result['people']} people in {result['seconds']:.1f} s."
                )
            )
            return
        demo.build(out=self.stdout, progress=not quiet)
        demo.print_logins(self.stdout)
