"""``anju run``: migrate, load demo data into an empty database, serve on 127.0.0.1:8000."""

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

from anju.core.models import Organization


class Command(BaseCommand):
    help = "Migrate, load demo data on an empty database, run periodic jobs in-process, and serve."

    def add_arguments(self, parser):
        parser.add_argument("addrport", nargs="?", default="127.0.0.1:8000")
        parser.add_argument("--no-demo", action="store_true", help="Do not load demo data.")

    def handle(self, *args, addrport, no_demo, **options):
        settings.DATA_DIR.mkdir(parents=True, exist_ok=True)
        settings.STATIC_ROOT.mkdir(parents=True, exist_ok=True)
        call_command("migrate", interactive=False, verbosity=0)
        if not no_demo and not Organization.objects.exists():
            self.stdout.write("Empty database: loading demo data ...")
            call_command("demo")
        else:
            from anju.core.demo import print_logins

            print_logins(self.stdout)
        if settings.CELERY_TASK_ALWAYS_EAGER:
            from anju.core.jobs import start_in_process_scheduler

            start_in_process_scheduler()
            self.stdout.write("Periodic jobs run in-process (no CELERY_BROKER_URL set).")
        self.stdout.write(
            self.style.SUCCESS(
                f"Anju is at http://{addrport}/  (console /console/, residents /app/, API /api/docs/)"
            )
        )
        call_command("runserver", addrport, use_reloader=False, skip_checks=True)
