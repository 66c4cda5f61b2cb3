"""Governance background jobs: thin, idempotent wrappers over services."""

from datetime import timedelta

from celery import shared_task

from anju.core.jobs import periodic


@shared_task(name="anju.governance.tasks.vote_clock")
@periodic(timedelta(minutes=1))
def vote_clock():
    """Open noticed votes whose opening time has come and close those whose time is up."""
    from .services import run_vote_clock

    return run_vote_clock()


@shared_task(name="anju.governance.tasks.vote_closing_reminders")
@periodic(timedelta(minutes=15))
def vote_closing_reminders():
    """A day before a vote closes, the owners who have not voted hear once (投票即将截止)."""
    from .services import remind_closing_votes

    return {"reminded": remind_closing_votes()}


@shared_task(name="anju.governance.tasks.fund_low_balance_alerts")
@periodic(timedelta(hours=6))
def fund_low_balance_alerts():
    """办法第17条: tell owners whose house's fund fell below 30% of the initial deposit."""
    from .fund import alert_low_balances

    return alert_low_balances()
