"""Community events (社区活动): the event (place, optionally a booked shared space; time,
capacity, sign-up deadline, fee or free, age and household limits), household sign-ups with the
number of people, a waitlist that moves up when someone cancels, check-in by QR code, photos and
a feedback survey after.

Every sign-up and cancellation of an event locks the event's row first (``select_for_update``):
the seat count and the insert happen under that lock, so concurrent sign-ups never overbook
(``tests/test_concurrency.py`` runs it on PostgreSQL). A fee is billed to the house when its
places are confirmed and paid online through billing; it is the company's own income."""

import secrets
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from anju.billing import services as billing
from anju.core import attachments, audit, policy
from anju.core.errors import Forbidden, InvalidTransition, refuse
from anju.green import services as green
from anju.green.choices import EarnReason
from anju.notices import services as notices
from anju.notices.choices import QuestionKind

from ..choices import (
    ACTIVE_SIGNUP,
    HOLDING_SIGNUP,
    SIGNUP_SOURCE_PREFIX,
    EventStatus,
    SignupStatus,
)
from ..models import Event, Signup
from .common import money, require_staff, resident_of, tell_household

EVENT_FIELDS = (
    "title",
    "description",
    "starts_at",
    "ends_at",
    "place",
    "booking",
    "capacity",
    "signup_until",
    "fee",
    "max_people_per_house",
    "min_age",
    "max_age",
)
EVENTS_LINK = "/app/life/events/"


def _check_event(values):
    if not str(values.get("title") or "").strip():
        refuse("title", _("Enter the event's title."))
    if not str(values.get("place") or "").strip() and values.get("booking") is None:
        refuse("place", _("Say where the event takes place."))
    starts, ends, until = values.get("starts_at"), values.get("ends_at"), values.get("signup_until")
    if starts is None:
        refuse("starts_at", _("Enter when the event starts."))
    if ends is None or ends <= starts:
        refuse("ends_at", _("The event must end after it starts."))
    if until is None or until > starts:
        refuse("signup_until", _("Sign-up must close no later than the start."))
    for name in ("capacity", "max_people_per_house"):
        try:
            number = int(values.get(name) or 0)
        except (TypeError, ValueError):
            number = 0
        if number < 1:
            refuse(name, _("Enter a whole number of at least 1."))
        values[name] = number
    low, high = values.get("min_age"), values.get("max_age")
    if low is not None and high is not None and int(high) < int(low):
        refuse("max_age", _("The oldest age must not be below the youngest."))
    values["fee"] = money(values.get("fee") or 0, "fee")
    booking = values.get("booking")
    if booking is not None:
        if booking.community_id != values["_community_id"]:
            refuse("booking", _("Choose a booking of this community's shared spaces."))
        if not booking.holds_time or booking.starts_at > starts or booking.ends_at < ends:
            refuse("booking", _("The booking must be held and cover the event's time."))
        if not str(values.get("place") or "").strip():
            values["place"] = booking.space.name
    values["title"] = values["title"].strip()[:120]
    values["place"] = str(values["place"]).strip()[:200]


@transaction.atomic
def save_event(*, actor, community=None, event=None, **values):
    """Create an event in ``community`` or change ``event``; ``values`` are ``EVENT_FIELDS``."""
    unknown = set(values) - set(EVENT_FIELDS)
    if unknown:
        raise TypeError(f"unknown event fields: {sorted(unknown)}")
    if event is None:
        require_staff(actor, "life.event.manage", community.pk)
        event = Event(
            organization_id=community.organization_id,
            community=community,
            checkin_code=secrets.token_urlsafe(16),
            created_by=actor,
        )
        before = None
    else:
        event = Event.objects.select_for_update().get(pk=event.pk)
        require_staff(actor, "life.event.manage", event.community_id)
        before = audit.snapshot(event, EVENT_FIELDS)
    merged = {name: getattr(event, name) for name in EVENT_FIELDS} | values
    merged["_community_id"] = event.community_id
    _check_event(merged)
    merged.pop("_community_id")
    if before is not None:
        held = _held(event)
        if merged["capacity"] < held:
            refuse(
                "capacity",
                _("%(n)s places are already confirmed: the capacity cannot be lower.")
                % {"n": held},
            )
    for name, value in merged.items():
        setattr(event, name, value)
    event.save()
    audit.record(
        actor,
        "life.event.created" if before is None else "life.event.changed",
        event,
        before=before,
        after=audit.snapshot(event, EVENT_FIELDS),
    )
    if before is not None:
        _move_up(actor, event)  # a larger capacity lets the waitlist in
    return event


def _held(event):
    """People on confirmed places of ``event`` (read under the event's lock)."""
    return (
        Signup.objects.filter(event=event, status__in=HOLDING_SIGNUP).aggregate(n=Sum("people"))[
            "n"
        ]
        or 0
    )


def _lock_event(event):
    return Event.objects.select_for_update().select_related("community").get(pk=event.pk)


def signup_source(signup):
    return f"{SIGNUP_SOURCE_PREFIX}{signup.pk}"


def _bill(actor, signup, event):
    """The event's fee for the household's people, on the house's bill (paid online)."""
    if signup.amount <= 0:
        return
    start = timezone.localtime(event.starts_at)
    with translation.override(settings.LANGUAGE_CODE):
        billing.charge_service_fee(
            actor=actor,
            house=signup.house,
            amount=signup.amount,
            description=_("%(title)s, %(day)s, %(n)s people")
            % {"title": event.title, "day": f"{start:%Y-%m-%d}", "n": signup.people},
            source=signup_source(signup),
            item_name=_("Community event fee"),
            basis=_("The fee per person shown on the event's page"),
        )


@transaction.atomic
def sign_up(*, actor, event, house, people=1, now=None):
    """报名: one sign-up per household with its number of people, confirmed while places are
    left, else on the waitlist (first come, first moved up)."""
    now = now or timezone.now()
    event = _lock_event(event)  # serialises the event's sign-ups: no overbooking
    as_staff = policy.staff_has(actor, "life.signup.manage", event.community_id)
    if not as_staff and not resident_of(actor, house):
        refuse("house", _("Choose one of your homes."))
    if house.community_id != event.community_id:
        refuse("house", _("This event is for the households of its own community."))
    if event.status != EventStatus.OPEN:
        refuse("event", _("This event is cancelled."))
    if now > event.signup_until:
        refuse("event", _("Sign-up for this event has closed."))
    try:
        people = int(people)
    except (TypeError, ValueError):
        people = 0
    if not 1 <= people <= event.max_people_per_house:
        refuse(
            "people",
            _("A household may bring 1 to %(n)s people.") % {"n": event.max_people_per_house},
        )
    if people > event.capacity:
        refuse("people", _("The event holds %(n)s people.") % {"n": event.capacity})
    if Signup.objects.filter(event=event, house=house, status__in=ACTIVE_SIGNUP).exists():
        refuse("house", _("Your household has signed up for this event already."))
    fits = _held(event) + people <= event.capacity
    signup = Signup.objects.create(
        organization_id=event.organization_id,
        community_id=event.community_id,
        event=event,
        house=house,
        person_id=None if as_staff and not resident_of(actor, house) else actor.person_id,
        people=people,
        status=SignupStatus.CONFIRMED if fits else SignupStatus.WAITLISTED,
        amount=event.fee * people,
        created_by=actor,
    )
    audit.record(actor, "life.signup.created", signup, after=audit.snapshot(signup))
    if fits:
        _bill(actor, signup, event)
    return signup


def _move_up(actor, event):
    """Free places go to the waitlist in the order it signed up (a household that does not
    fit is passed over for a smaller one after it); each hears at once."""
    free = event.capacity - _held(event)
    moved = []
    if free <= 0 or event.status != EventStatus.OPEN or timezone.now() >= event.starts_at:
        return moved
    waiting = Signup.objects.filter(event=event, status=SignupStatus.WAITLISTED).select_related(
        "house"
    )
    for signup in waiting.order_by("created_at", "id"):
        if signup.people > free:
            continue
        signup.status = signup.machine.check("promote", signup.status)
        signup.promoted_at = timezone.now()
        signup.save(update_fields=["status", "promoted_at"])
        free -= signup.people
        audit.record(actor, "life.signup.promoted", signup, after={"status": signup.status})
        _bill(actor, signup, event)
        start = timezone.localtime(event.starts_at)
        tell_household(
            signup.house,
            signup.person_id,
            gettext_lazy("A place is free: you are in"),
            f"{event.title} · {start:%Y-%m-%d %H:%M} · {event.place}",
            link=EVENTS_LINK,
            community=event.community,
            event="life.signup.promoted",
        )
        moved.append(signup)
        if free <= 0:
            break
    return moved


@transaction.atomic
def cancel_signup(*, actor, signup, now=None):
    """取消报名 up to the start: the places go to the waitlist, and a fee billed is taken back
    (a part already paid goes to the house's prepayment)."""
    now = now or timezone.now()
    event = _lock_event(signup.event)
    signup = Signup.objects.select_for_update().select_related("house").get(pk=signup.pk)
    if not resident_of(actor, signup.house) and not policy.staff_has(
        actor, "life.signup.manage", signup.community_id
    ):
        raise Forbidden(_("Only the household, or the service centre, may cancel."))
    target = signup.machine.check("cancel", signup.status)
    if now >= event.starts_at:
        raise InvalidTransition(
            "cancel",
            signup.status,
            [],
            _("The event has started: a sign-up can no longer be cancelled."),
            machine=signup.machine,
        )
    held = signup.status in HOLDING_SIGNUP
    before = {"status": signup.status}
    signup.status = target
    signup.save(update_fields=["status"])
    audit.record(actor, "life.signup.cancelled", signup, before=before, after={"status": target})
    if held and signup.amount > 0:
        billing.cancel_service_fee(
            actor=actor,
            source=signup_source(signup),
            reason=_("Sign-up for %(title)s cancelled") % {"title": event.title},
        )
    if held:
        _move_up(actor, event)
    return signup


def signup_paid(*, source, bill, payment=None):
    pk = source.removeprefix(SIGNUP_SOURCE_PREFIX)
    if not pk.isdigit():
        return
    signup = Signup.objects.select_for_update().filter(pk=int(pk)).first()
    if signup is None or signup.paid_at:
        return
    signup.paid_at = timezone.now()
    signup.save(update_fields=["paid_at"])
    audit.record(None, "life.signup.paid", signup, after={"bill": bill.pk})


def checkin_open(event, now):
    early = timedelta(minutes=settings.ANJU_LIFE_CHECKIN_EARLY_MINUTES)
    return event.starts_at - early <= now <= event.ends_at


def _check_in(actor, signup, event, now):
    signup.status = signup.machine.check("check-in", signup.status)
    signup.checked_in_at = now
    signup.save(update_fields=["status", "checked_in_at"])
    audit.record(actor, "life.signup.checked_in", signup, after={"status": signup.status})
    # 绿色积分: attending earns the household the points of its company's rule, once.
    green.award_for(
        actor=actor,
        house=signup.house,
        earned_for=EarnReason.EVENT,
        reason=_("Attended the event %(title)s") % {"title": event.title},
        source=signup,
        at=now,
    )
    return signup


@transaction.atomic
def check_in_by_code(*, actor, event, code, now=None):
    """签到 by the QR code shown at the door: the scanning resident's household is checked in."""
    now = now or timezone.now()
    event = _lock_event(event)
    if not code or not secrets.compare_digest(str(code), event.checkin_code):
        refuse("code", _("This is not the check-in code of this event."))
    if not checkin_open(event, now):
        refuse(
            "code",
            _("Check-in opens %(n)s minutes before the start and closes at the end.")
            % {"n": settings.ANJU_LIFE_CHECKIN_EARLY_MINUTES},
        )
    signup = (
        Signup.objects.select_for_update()
        .filter(event=event, house_id__in=actor.resident_house_ids(), status__in=ACTIVE_SIGNUP)
        .first()
    )
    if signup is None:
        refuse("code", _("Your household has not signed up for this event."))
    if signup.status == SignupStatus.CHECKED_IN:
        return signup
    if signup.status != SignupStatus.CONFIRMED:
        raise InvalidTransition(
            "check-in",
            signup.status,
            signup.machine.allowed_actions(signup.status),
            _("Your household is on the waitlist: there is no place for it yet."),
            machine=signup.machine,
        )
    return _check_in(actor, signup, event, now)


@transaction.atomic
def check_in(*, actor, signup, now=None):
    """签到 at the door by staff (a household without a phone)."""
    now = now or timezone.now()
    event = _lock_event(signup.event)
    require_staff(actor, "life.signup.checkin", signup.community_id)
    signup = Signup.objects.select_for_update().get(pk=signup.pk)
    if signup.status == SignupStatus.CONFIRMED and not checkin_open(event, now):
        refuse(
            "status",
            _("Check-in opens %(n)s minutes before the start and closes at the end.")
            % {"n": settings.ANJU_LIFE_CHECKIN_EARLY_MINUTES},
        )
    return _check_in(actor, signup, event, now)


@transaction.atomic
def add_photos(*, actor, event, files, caption=""):
    """活动照片 once the event has begun, shown on its page."""
    require_staff(actor, "life.event.manage", event.community_id)
    if timezone.now() < event.starts_at:
        refuse("photos", _("Photos are added once the event has begun."))
    stored = attachments.attach(event, files, actor=actor, field="photos", caption=caption)
    audit.record(actor, "life.event.photos_added", event, after={"photos": len(stored)})
    return stored


@transaction.atomic
def open_feedback(*, actor, event, now=None):
    """The feedback survey after the event (notices' surveys): a rating and a comment, opened
    to the community; the households who came are told."""
    now = now or timezone.now()
    event = _lock_event(event)
    require_staff(actor, "life.event.manage", event.community_id)
    if now < event.ends_at:
        refuse("survey", _("The feedback survey opens after the event."))
    if event.survey_id:
        refuse("survey", _("This event has its feedback survey already."))
    with translation.override(settings.LANGUAGE_CODE):
        survey = notices.create_survey(
            actor=actor,
            community=event.community,
            title=_("Feedback: %(title)s") % {"title": event.title},
            description=_("Tell us how %(title)s went, so the next one is better.")
            % {"title": event.title},
            questions=[
                {"kind": QuestionKind.RATING, "text": _("How was the event overall?")},
                {
                    "kind": QuestionKind.TEXT,
                    "text": _("What should we keep or change?"),
                    "required": False,
                },
            ],
            closes_at=now + timedelta(days=14),
        )
    survey = notices.open_survey(actor=actor, survey=survey, now=now)
    event.survey = survey
    event.save(update_fields=["survey"])
    audit.record(actor, "life.event.feedback_opened", event, after={"survey": survey.pk})
    came = Signup.objects.filter(event=event, status=SignupStatus.CHECKED_IN).select_related(
        "house"
    )
    for signup in came:
        tell_household(
            signup.house,
            signup.person_id,
            gettext_lazy("How was the event? Tell us in one minute"),
            event.title,
            link=f"/app/surveys/{survey.pk}/",
            community=event.community,
            event="life.event.feedback_asked",
        )
    return event


@transaction.atomic
def cancel_event(*, actor, event, reason):
    """The event is called off: every sign-up is cancelled, fees taken back, households told."""
    event = _lock_event(event)
    require_staff(actor, "life.event.manage", event.community_id)
    reason = str(reason or "").strip()
    if not reason:
        refuse("reason", _("Give the reason, so that the households understand."))
    if event.status != EventStatus.OPEN:
        raise InvalidTransition("cancel", event.status, [])
    event.status = EventStatus.CANCELLED
    event.save(update_fields=["status"])
    for signup in Signup.objects.filter(event=event, status__in=ACTIVE_SIGNUP).select_related(
        "house"
    ):
        held = signup.status in HOLDING_SIGNUP
        signup.status = SignupStatus.CANCELLED
        signup.save(update_fields=["status"])
        if held and signup.amount > 0:
            billing.cancel_service_fee(actor=actor, source=signup_source(signup), reason=reason)
        tell_household(
            signup.house,
            signup.person_id,
            gettext_lazy("An event you signed up for is cancelled"),
            f"{event.title} · {reason}",
            link=EVENTS_LINK,
            community=event.community,
            event="life.event.cancelled",
        )
    audit.record(actor, "life.event.cancelled", event, after={"reason": reason})
    return event
