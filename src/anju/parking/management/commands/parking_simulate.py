"""``anju parking_simulate --lot <id> [--date YYYY-MM-DD] [--visits N] [--seed N]``: a day of
traffic through the lot's gates, posted as the gate controller would (``record_event``)."""

import random
from datetime import date, timedelta

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from anju.core.errors import DomainError
from anju.parking.models import ParkingLot
from anju.parking.simulation import simulate_day


class Command(BaseCommand):
    help = "Drive a day of traffic through a parking lot's gates."

    def add_arguments(self, parser):
        parser.add_argument("--lot", type=int, required=True)
        parser.add_argument("--date", default="", help="YYYY-MM-DD (default yesterday)")
        parser.add_argument("--visits", type=int, default=40)
        parser.add_argument("--seed", type=int, default=2026)

    def handle(self, *args, lot, date: str, visits, seed, **options):
        found = ParkingLot.objects.filter(pk=lot).first()
        if found is None:
            raise CommandError(f"no parking lot {lot}")
        try:
            day = _day(date)
        except ValueError as exc:
            raise CommandError(f"--date: {exc}") from exc
        try:
            counts = simulate_day(found, day, rng=random.Random(seed), visits=visits)
        except DomainError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            f"{found.name} {day}: {counts['entries']} entries, {counts['exits']} exits, "
            f"{counts['paid']} paid, {counts['unpaid']} left without paying."
        )


def _day(raw):
    return date.fromisoformat(raw) if raw else timezone.localdate() - timedelta(days=1)
