"""Periodic jobs of people: licence expiry alerts (daily)."""

from anju.celery import app

from . import services


@app.task(name="people.alert_expiring_certificates")
def alert_expiring_certificates():
    return services.alert_expiring()
