"""One notification channel interface: the in-app inbox always; WeChat, SMS and email through
adapters, chosen per person (``NotificationPreference``) and held back by their quiet hours.

Titles and bodies are written in the recipient's language: pass lazy texts
(``gettext_lazy``, ``interpolate(...)``), they are rendered once per language among the
recipients, under ``translation.override``."""

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.functional import Promise, lazy
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from . import audit
from .crypto import mask_middle
from .db import insert
from .errors import DomainError
from .models import Notification, NotificationPreference, User
from .sms import LogSmsBackend  # noqa: F401 (its old home: callers import it from here)

log = logging.getLogger("anju.notifications")

WECHAT_CHANNEL = "anju.core.wechat.WechatSubscribeChannel"
PUSH = ("wechat", "sms")  # a message that merits a push reaches WeChat first, SMS otherwise


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


def wechat_channel():
    """The WeChat subscribe-message channel, or None while it is not installed."""
    try:
        return import_string(WECHAT_CHANNEL)()
    except ImportError:
        return None


def _interpolate(template, params):
    values = {k: str(v) if isinstance(v, Promise) else v for k, v in params.items()}
    return str(template) % values if values else str(template)


_lazy_interpolate = lazy(_interpolate, str)


def interpolate(template, **params):
    """``template % params``, rendered when shown: in the language active then (the
    recipient's, in ``notify``). Lazy labels among the parameters are rendered too."""
    return _lazy_interpolate(template, params)


def safe_link(link):
    """A path on this site, or "": an absolute or protocol-relative URL (an open redirect
    once the inbox sends the reader there) is dropped."""
    link = str(link or "").strip()
    if not link.startswith("/") or link.startswith(("//", "/\\")):
        return ""
    if any(c in link for c in "\\\r\n\t") or any(ord(c) < 32 for c in link):
        return ""
    return link[:300]


def configured_channels():
    """Channels besides the inbox this site can send through (for the preferences)."""
    found = []
    if wechat_channel() is not None:
        found.append("wechat")
    if settings.ANJU_SMS_BACKEND:
        found.append("sms")
    if settings.ANJU_EMAIL_BACKEND:
        found.append("email")
    return found


def preference_of(user):
    """The person's settings (unsaved defaults when they never changed them)."""
    pref = NotificationPreference.objects.filter(user=user).first()
    return pref or NotificationPreference(user=user)


def quiet_until(pref, now):
    """The end of the quiet hours ``now`` falls in (aware), or None outside them."""
    if pref is None or pref.quiet_start is None or pref.quiet_end is None:
        return None
    start, end = pref.quiet_start, pref.quiet_end
    if start == end:
        return None
    local = timezone.localtime(now)
    t = local.time()
    today = local.date()
    if start < end:
        inside, day = start <= t < end, today
    else:  # over midnight, 22:00-07:00
        inside = t >= start or t < end
        day = today + timedelta(days=1) if t >= start else today
    if not inside:
        return None
    return timezone.make_aware(datetime.combine(day, end), timezone.get_current_timezone())


def _wanted(user, pref, requested):
    """The channels besides the inbox this message takes to ``user``."""
    pref = pref or NotificationPreference(user=user)
    wanted = []
    if any(c in requested for c in PUSH):
        if pref.wechat:
            wanted.append("wechat")
        if pref.sms and user.phone:
            wanted.append("sms")
    if "email" in requested and pref.email and user.email:
        wanted.append("email")
    return wanted


def _load(users):
    """Users with the fields a delivery reads (a caller's ``only()`` would query per user)."""
    need = {"language", "phone", "email"}
    short = [u.pk for u in users if need & u.get_deferred_fields()]
    if not short:
        return users
    full = User.objects.in_bulk(short)
    return [full.get(u.pk, u) if u.pk in full else u for u in users]


def notify(
    users,
    title,
    body="",
    *,
    link="",
    community=None,
    channels=("inbox",),
    urgent=False,
    event="",
    once=False,
):
    """Send one message to each user: the inbox row at once; WeChat/SMS/email after commit as
    each person chose, non-urgent ones held to the end of their quiet hours. ``event`` names
    the kind of message (``servicedesk.ticket.dispatched``); with ``once`` a person who
    already has that event for that link gets nothing new (reminders). Failures of a
    gateway are logged, never raised."""
    users = list({u.pk: u for u in users if u is not None}.values())
    link = safe_link(link)
    if once and event and users:
        seen = set(
            Notification.objects.filter(
                user__in=[u.pk for u in users], event=event, link=link
            ).values_list("user_id", flat=True)
        )
        users = [u for u in users if u.pk not in seen]
    if not users:
        return []
    users = _load(users)
    requested = set(channels) - {"inbox"}
    prefs = (
        {p.user_id: p for p in NotificationPreference.objects.filter(user__in=users)}
        if requested
        else {}
    )
    now = timezone.now()
    texts = {}
    rows, sends = [], []
    for u in users:
        language = u.language or settings.LANGUAGE_CODE
        if language not in texts:
            with translation.override(language):
                texts[language] = (str(title)[:200], str(body))
        t, b = texts[language]
        row = Notification(
            user=u,
            title=t,
            body=b,
            link=link,
            community=community,
            organization_id=community.organization_id if community else None,
            event=event[:64],
            urgent=urgent,
        )
        wanted = _wanted(u, prefs.get(u.pk), requested) if requested else []
        if wanted:
            until = None if urgent else quiet_until(prefs.get(u.pk), now)
            if until is not None:
                row.pending_channels = ",".join(wanted)
                row.deliver_after = until
            else:
                sends.append((u, wanted, t, b, link))
        rows.append(row)
    # One recipient (most messages) in a prepared statement; several in one bulk INSERT.
    rows = [insert(rows[0])] if len(rows) == 1 else Notification.objects.bulk_create(rows)
    if sends:
        transaction.on_commit(lambda: [deliver(*send) for send in sends])
    return rows


def deliver(user, channels, title, body, link=""):
    """Push one message out: WeChat first, SMS when WeChat did not reach the person, email
    besides. Returns the channels that took it; a failing gateway is logged."""
    done = []
    if "wechat" in channels:
        try:
            channel = wechat_channel()
            reached = channel is not None and channel.available_for(user)
            if reached and channel.send(user, title, body, link):
                done.append("wechat")
        except Exception:
            log.exception("WeChat message to user %s failed", user.pk)
    if "sms" in channels and "wechat" not in done and user.phone:
        try:
            sms_backend().send(user.phone, f"{title} {body}".strip())
            done.append("sms")
        except Exception:
            log.exception("SMS to %s failed", mask_middle(user.phone))
    if "email" in channels and user.email:
        try:
            email_backend().send(user.email, title, body)
            done.append("email")
        except Exception:
            log.exception("Email to user %s failed", user.pk)
    return done


def deliver_deferred(now=None, batch=500):
    """Send what quiet hours held back and is now due. Each row is claimed by a conditional
    UPDATE, so two workers never send the same message twice."""
    now = now or timezone.now()
    due = list(
        Notification.objects.exclude(pending_channels="")
        .filter(deliver_after__lte=now)
        .select_related("user")
        .order_by("deliver_after", "pk")[:batch]
    )
    sent = 0
    for row in due:
        claimed = Notification.objects.filter(
            pk=row.pk, pending_channels=row.pending_channels
        ).update(pending_channels="")
        if claimed:
            deliver(row.user, row.pending_channels.split(","), row.title, row.body, row.link)
            sent += 1
    return sent


# The inbox: reads and the reader's own writes.


def inbox_of(user, *, unread=False):
    rows = Notification.objects.filter(user=user)
    return rows.filter(read_at__isnull=True) if unread else rows


def unread_count(user):
    if not getattr(user, "is_authenticated", False):
        return 0
    return Notification.objects.filter(user=user, read_at__isnull=True).count()


def mark_read(*, actor, notification):
    """Opened: read now (once; a second open keeps the first time)."""
    if notification.user_id != actor.pk:
        raise DomainError(_("Not found."), code="not_found")
    if notification.read_at is None:
        notification.read_at = timezone.now()
        Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(
            read_at=notification.read_at
        )
    return notification


def mark_all_read(*, actor):
    return Notification.objects.filter(user=actor, read_at__isnull=True).update(
        read_at=timezone.now()
    )


PREFERENCE_FIELDS = ("sms", "wechat", "email", "quiet_start", "quiet_end")


@transaction.atomic
def update_preferences(*, actor, **changes):
    """消息设置: channels (the inbox is always on), quiet hours for non-urgent messages (both
    times or neither), and the language messages are written in."""
    from .errors import refuse

    if "inbox" in changes and changes.pop("inbox") is not True:
        refuse("inbox", _("The in-app inbox is always on."))
    language = changes.pop("language", None)
    unknown = set(changes) - set(PREFERENCE_FIELDS)
    if unknown:
        field = sorted(unknown)[0]
        refuse(field, _("Unknown setting."))
    pref = NotificationPreference.objects.select_for_update().filter(user=actor).first()
    pref = pref or NotificationPreference(user=actor)
    before = {f: _plain(getattr(pref, f)) for f in PREFERENCE_FIELDS}
    configured = configured_channels()
    for field, value in changes.items():
        if field in ("sms", "wechat", "email") and value and field not in configured:
            refuse(field, _("This channel is not set up on this site."))
        setattr(pref, field, value)
    if (pref.quiet_start is None) != (pref.quiet_end is None):
        field = "quiet_end" if pref.quiet_end is None else "quiet_start"
        refuse(field, _("Give both the start and the end of the quiet hours, or neither."))
    if pref.quiet_start is not None and pref.quiet_start == pref.quiet_end:
        refuse("quiet_end", _("The quiet hours must end at another time than they start."))
    pref.save()
    if language is not None:
        if language not in ("", *dict(settings.LANGUAGES)):
            refuse("language", _("Choose a language from the list."))
        actor.language = language
        actor.save(update_fields=["language"])
    after = {f: _plain(getattr(pref, f)) for f in PREFERENCE_FIELDS}
    if before != after or language is not None:
        audit.record(
            actor,
            "core.notification_preference.changed",
            actor,
            before=before,
            after={**after, "language": actor.language},
        )
    return pref


def _plain(value):
    return value.strftime("%H:%M") if hasattr(value, "strftime") else value


def remember_language(user, language):
    """The language a person picked in the switcher: their messages follow it."""
    known = language in dict(settings.LANGUAGES)
    if getattr(user, "is_authenticated", False) and known and user.language != language:
        user.language = language
        user.save(update_fields=["language"])
