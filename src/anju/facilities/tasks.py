"""Periodic jobs of the facilities app: thin, idempotent wrappers over services."""

from datetime import timedelta

from celery import shared_task

from anju.core.jobs import periodic

from . import services


@shared_task(name="anju.facilities.tasks.patrol_sweep")
@periodic(timedelta(minutes=1))
def patrol_sweep():
    """Missed checkpoints and idle gaps alert the manager at once (each exactly once)."""
    return len(services.sweep_patrols())


@shared_task(name="anju.facilities.tasks.inspection_sweep")
@periodic(timedelta(minutes=10))
def inspection_sweep():
    services.generate_inspection_tasks()
    return services.sweep_inspection_tasks()


@shared_task(name="anju.facilities.tasks.maintenance_sweep")
@periodic(timedelta(hours=1))
def maintenance_sweep():
    """Generate tasks ahead, mark overdue ones (one ticket each), escalate hazards, alert expiries."""
    made = services.generate_tasks()
    overdue = services.sweep_overdue_tasks()
    hazards = services.sweep_overdue_hazards()
    certificates = services.sweep_certificate_expiry()
    return {"generated": made, "overdue": overdue, "hazards": hazards, "certificates": certificates}
