"""One notification channel interface: in-app inbox always, SMS and email through adapters."""

import logging

from django.conf import settings
from django.db import transaction
from django.utils.module_loading import import_string

from .db import insert
from .models import Notification
from .sms import LogSmsBackend  # noqa: F401 (its old home: callers import it from here)

log = logging.getLogger("anju.notifications")


class LogEmailBackend:
    sent: list = []

    def send(self, address, subject, text):
        log.info("Email to %s: %s", address, subject)
        LogEmailBackend.sent.append((address, subject, text))
        del LogEmailBackend.sent[:-500]


def sms_backend():
    return import_string(settings.ANJU_SMS_BACKEND)()


def email_backend():
    return import_string(settings.ANJU_EMAIL_BACKEND)()


def notify(users, title, body="", *, link="", community=None, channels=("inbox",)):
    """Send one message to each user: the inbox row at once, SMS/email after commit."""
    users = [u for u in users if u is not None]
    if not users:
        return []
    rows = [
        Notification(
            user=u,
            title=str(title)[:200],
            body=str(body),
            link=link,
            community=community,
            organization_id=community.organization_id if community else None,
        )
        for u in users
    ]
    # One recipient (most messages) in a prepared statement; several in one bulk INSERT.
    rows = [insert(rows[0])] if len(rows) == 1 else Notification.objects.bulk_create(rows)
    if "sms" in channels:
        phones = [u.phone for u in users if u.phone]
        transaction.on_commit(lambda: [sms_backend().send(p, f"{title} {body}") for p in phones])
    if "email" in channels:
        addresses = [u.email for u in users if u.email]
        transaction.on_commit(
            lambda: [email_backend().send(a, str(title), str(body)) for a in addresses]
        )
    return rows
