"""Self-service accounts: SMS codes, sign-up, login and password reset by code, home claims
(业主认证) and the household's members. Every write is here, ``actor`` keyword-only (None for
the anonymous flows), each audit-logged."""

import secrets
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from anju.core import attachments, audit, logins, policy
from anju.core import services as core_services
from anju.core.auth import mobile_number
from anju.core.choices import OWNER_RELATIONS
from anju.core.errors import Conflict, DomainError, Forbidden, refuse
from anju.core.models import Occupancy, Person, User
from anju.core.notifications import interpolate, notify, sms_backend

from .choices import ClaimStatus, MemberRelation, Purpose
from .models import HouseClaim, SmsCode

REVIEW = "accounts.claim.review"
REGISTER_LINK = "/app/register/"


class TooManyCodes(DomainError):
    """Asked for codes too often (HTTP 429)."""

    code = "throttled"
    status = 429


class NotYours(DomainError):
    """A house that is not the caller's (HTTP 404: its existence is not confirmed)."""

    code = "not_found"
    status = 404


# --- SMS codes ---------------------------------------------------------------------------


def _mobile(phone, field="phone"):
    number = mobile_number(phone)
    if number is None:
        refuse(field, _("Enter an 11-digit mainland mobile number."))
    return number


def _digest(phone, purpose, code):
    return salted_hmac("anju.accounts.sms-code", f"{phone}:{purpose}:{code}").hexdigest()


def _purpose(purpose):
    if purpose not in Purpose.values:
        refuse("purpose", _("Choose register, login or reset."))
    return purpose


def _throttle(phone, address, now):
    recent = SmsCode.objects.filter(phone=phone).order_by("-created_at").first()
    interval = timedelta(seconds=settings.ANJU_ACCOUNTS_CODE_INTERVAL_SECONDS)
    if recent is not None and now - recent.created_at < interval:
        wait = int((recent.created_at + interval - now).total_seconds()) + 1
        message = _("A code was just sent. Ask again in %(seconds)s seconds.") % {"seconds": wait}
        raise TooManyCodes(message, fields={"phone": [message]}, retry_after=wait)
    day = SmsCode.objects.filter(phone=phone, created_at__gte=now - timedelta(days=1)).count()
    if day >= settings.ANJU_ACCOUNTS_CODES_PER_PHONE_DAY:
        message = _("This phone has been sent too many codes today. Try again tomorrow.")
        raise TooManyCodes(message, fields={"phone": [message]}, retry_after=3600)
    if address:
        hour = SmsCode.objects.filter(
            address=address, created_at__gte=now - timedelta(hours=1)
        ).count()
        if hour >= settings.ANJU_ACCOUNTS_CODES_PER_ADDRESS_HOUR:
            message = _("Too many codes were asked for from this network. Try again later.")
            raise TooManyCodes(message, fields={"phone": [message]}, retry_after=3600)


def request_code(*, actor=None, phone, purpose, address=None):
    """Send a 6-digit code to ``phone`` for ``purpose``. A phone that may not use the purpose
    (an unknown one for login or reset, a registered one for register) is sent nothing, yet
    answered and counted the same, so that the answer does not tell who is registered."""
    phone = _mobile(phone)
    purpose = _purpose(purpose)
    now = timezone.now()
    _throttle(phone, address, now)
    user = User.objects.filter(phone=phone).first()
    wanted = user is None if purpose == Purpose.REGISTER else user is not None and user.is_active
    code = f"{secrets.randbelow(10**6):06d}"
    SmsCode.objects.create(
        phone=phone,
        purpose=purpose,
        digest=_digest(phone, purpose, code),
        sent=wanted,
        address=address,
        created_at=now,
        expires_at=now + timedelta(minutes=settings.ANJU_ACCOUNTS_CODE_MINUTES),
    )
    if purpose == Purpose.REGISTER and user is not None and user.is_active:
        # Its owner forgot they have an account: tell them, on their own phone only.
        text = _(
            "This number already has an Anju account: log in with an SMS code or reset the "
            "password."
        )
        sms_backend().send(phone, text)
    if wanted:
        text = _("Your Anju verification code is %(code)s, valid for %(minutes)s minutes.") % {
            "code": code,
            "minutes": settings.ANJU_ACCOUNTS_CODE_MINUTES,
        }
        sms_backend().send(phone, text, template="code", params={"code": code})
    return wanted


def consume_code(phone, purpose, code):
    """Spend the phone's latest code for ``purpose``, or refuse on ``code``. A wrong try counts
    (committed at once, outside any transaction of the caller); after
    ``ANJU_ACCOUNTS_CODE_ATTEMPTS`` the code is dead."""
    wrong = _("The code is wrong or has expired. Ask for a new one.")
    now = timezone.now()
    row = (
        SmsCode.objects.filter(phone=phone, purpose=purpose, sent=True)
        .order_by("-created_at")
        .first()
    )
    if (
        row is None
        or row.used_at is not None
        or row.expires_at <= now
        or row.attempts >= settings.ANJU_ACCOUNTS_CODE_ATTEMPTS
    ):
        refuse("code", wrong)
    if not constant_time_compare(row.digest, _digest(phone, purpose, str(code or "").strip())):
        SmsCode.objects.filter(pk=row.pk).update(attempts=F("attempts") + 1)
        refuse("code", wrong)
    if not SmsCode.objects.filter(pk=row.pk, used_at__isnull=True).update(used_at=now):
        refuse("code", wrong)


def purge_codes(now=None):
    """Codes older than a day are of no use, not even for the limits."""
    now = now or timezone.now()
    deleted, _ = SmsCode.objects.filter(created_at__lt=now - timedelta(days=2)).delete()
    return deleted


# --- accounts ----------------------------------------------------------------------------


def _check_password(password, user=None, field="password"):
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise DomainError(exc.messages[0], fields={field: exc.messages}) from exc


def register(*, actor=None, phone, code, name, password=None):
    """A new resident login for ``phone`` (proved by ``code``). A Person on record with that
    phone and no login yet becomes the login's person; otherwise the login has none until a
    home claim is approved (a Person always belongs to a company)."""
    phone = _mobile(phone)
    name = " ".join(str(name or "").split())[:100]
    if not name:
        refuse("name", _("Enter your name."))
    if password:
        _check_password(password, User(username=phone, phone=phone, first_name=name))
    # The code first: a registered phone is never sent a register code, so a made-up code for
    # it is refused like any wrong code and the answer does not tell who is registered.
    consume_code(phone, Purpose.REGISTER, code)
    if User.objects.filter(phone=phone).exists() or User.objects.filter(username=phone).exists():
        refuse("phone", _("This phone number is already registered. Log in instead."))
    try:
        with transaction.atomic():
            person = Person.objects.filter(phone=phone, user__isnull=True).order_by("id").first()
            user = User(username=phone, phone=phone, first_name=name, person=person)
            if password:
                user.set_password(password)
            else:
                user.set_unusable_password()
            user.save()
            audit.record(
                user,
                "accounts.user.registered",
                user,
                organization=person.organization if person else None,
                after={"phone": phone, "person": person.pk if person else None},
            )
    except IntegrityError:
        refuse("phone", _("This phone number is already registered. Log in instead."))
    return user


def login_with_code(*, actor=None, phone, code):
    """The active login of ``phone``, proved by ``code``."""
    phone = _mobile(phone)
    consume_code(phone, Purpose.LOGIN, code)
    user = User.objects.filter(phone=phone, is_active=True).first()
    if user is None:
        refuse("code", _("The code is wrong or has expired. Ask for a new one."))
    return user


def reset_password(*, actor=None, phone, code, new_password):
    """A new password for the login of ``phone``; every token and session of it ends."""
    phone = _mobile(phone)
    user = User.objects.filter(phone=phone, is_active=True).first()
    _check_password(new_password, user, field="new_password")
    consume_code(phone, Purpose.RESET, code)
    if user is None:  # no code is ever sent for an unknown phone: unreachable in practice
        refuse("code", _("The code is wrong or has expired. Ask for a new one."))
    with transaction.atomic():
        user.set_password(new_password)
        user.save(update_fields=["password"])
        ended = logins.revoke_all(user)
        audit.record(user, "accounts.password.reset", user, after={"logins_ended": ended})
    return user


# --- home claims (业主认证) -----------------------------------------------------------------


def _owner_occupancy(house, phone):
    if not phone:
        return None
    return (
        Occupancy.objects.active()
        .filter(house=house, relation__in=OWNER_RELATIONS, person__phone=phone)
        .select_related("person")
        .first()
    )


def _link_person(user, person):
    if user.person_id is None and not User.objects.filter(person=person).exists():
        user.person = person
        user.save(update_fields=["person"])
        user.__dict__.pop("_house_ids", None)
        user.__dict__.pop("_resident_community_ids", None)


def _notify_claim(claim):
    """The claimant hears of the claim in their own language; a decision also reaches their
    phone (WeChat or SMS, as they chose)."""
    titles = {
        ClaimStatus.APPROVED: gettext_lazy("Your home %(house)s is bound to your account"),
        ClaimStatus.PENDING: gettext_lazy(
            "Your claim for %(house)s awaits the property office's review"
        ),
        ClaimStatus.REJECTED: gettext_lazy("Your claim for %(house)s was not approved"),
    }
    decided = claim.status != ClaimStatus.PENDING
    notify(
        [claim.user],
        interpolate(titles[claim.status], house=str(claim.house)),
        claim.reason,
        link="/app/me/homes/",
        community=claim.community,
        channels=("inbox", "wechat", "sms") if decided else ("inbox",),
        event=f"accounts.claim.{claim.status}",
    )


@transaction.atomic
def claim_house(*, actor, house, relation, evidence=None):
    """Claim ``house``: approved at once when the claimant's phone is an owner's on record (the
    login is linked to that person), otherwise pending for the community's staff."""
    if not getattr(actor, "is_authenticated", False):
        raise Forbidden(_("Log in first."))
    if relation not in ("owner", "tenant", "family"):
        refuse("relation", _("Choose owner, tenant or family member."))
    owner = _owner_occupancy(house, actor.phone)
    if owner is not None and actor.person_id not in (None, owner.person_id):
        owner = None
    mine = HouseClaim.objects.filter(user=actor, house=house)
    if mine.filter(status=ClaimStatus.APPROVED).exists() or (
        owner is None and actor.person_id and house.pk in actor.resident_house_ids()
    ):
        refuse("house", _("This house is already one of your homes."))
    if mine.filter(status=ClaimStatus.PENDING).exists():
        refuse("house", _("You already have a claim for this house awaiting review."))
    claim = HouseClaim(
        organization_id=house.organization_id,
        community_id=house.community_id,
        house=house,
        user=actor,
        name=actor.get_full_name() or actor.first_name or "",
        phone=actor.phone or "",
        relation=relation,
    )
    if owner is not None:
        claim.status = ClaimStatus.APPROVED
        claim.occupancy = owner
        claim.decided_at = timezone.now()
        _link_person(actor, owner.person)
    claim.save()
    if evidence:
        attachments.attach(claim, evidence, actor=actor, field="evidence")
    audit.record(actor, "accounts.claim.submitted", claim, after={"status": claim.status})
    _notify_claim(claim)
    return claim


def _check_reviewer(actor, claim):
    if not policy.staff_has(actor, REVIEW, claim.community_id):
        raise Forbidden(_("You may not review home claims in this community."))


@transaction.atomic
def approve_claim(*, actor, claim):
    """Staff approve: the claimant becomes an occupant of the house with the claimed relation."""
    claim = HouseClaim.objects.select_for_update().select_related("user", "house").get(pk=claim.pk)
    _check_reviewer(actor, claim)
    HouseClaim.machine.check("approve", claim.status)
    user = claim.user
    person = user.person
    if person is not None and person.organization_id != claim.organization_id:
        refuse("user", _("The claimant is on record with another company."))
    if person is None:
        person = (
            Person.objects.filter(
                organization_id=claim.organization_id, phone=claim.phone, user__isnull=True
            ).first()
            if claim.phone
            else None
        )
    if person is None:
        person = core_services.create_person(
            actor=actor,
            organization=claim.house.organization,
            name=claim.name or user.get_username(),
            phone=claim.phone,
        )
    _link_person(user, person)
    claim.occupancy = core_services.create_occupancy(
        actor=actor,
        house=claim.house,
        person=person,
        relation=claim.relation,
        since=timezone.localdate(),
    )
    claim.status = ClaimStatus.APPROVED
    claim.decided_by = actor
    claim.decided_at = timezone.now()
    claim.save(update_fields=["occupancy", "status", "decided_by", "decided_at"])
    audit.record(actor, "accounts.claim.approved", claim)
    _notify_claim(claim)
    return claim


@transaction.atomic
def reject_claim(*, actor, claim, reason):
    claim = HouseClaim.objects.select_for_update().select_related("user", "house").get(pk=claim.pk)
    _check_reviewer(actor, claim)
    HouseClaim.machine.check("reject", claim.status)
    reason = " ".join(str(reason or "").split())[:500]
    if not reason:
        refuse("reason", _("Give the reason, so that the resident knows what to do."))
    claim.status = ClaimStatus.REJECTED
    claim.reason = reason
    claim.decided_by = actor
    claim.decided_at = timezone.now()
    claim.save(update_fields=["status", "reason", "decided_by", "decided_at"])
    audit.record(actor, "accounts.claim.rejected", claim, after={"reason": reason})
    _notify_claim(claim)
    return claim


# --- members of a household --------------------------------------------------------------


def owned_house(*, actor, house_id):
    """The house ``house_id`` when ``actor`` is one of its active owners, else NotYours."""
    occupancy = (
        Occupancy.objects.active()
        .filter(house_id=house_id, person_id=actor.person_id, relation__in=OWNER_RELATIONS)
        .select_related("house__organization")
        .first()
        if getattr(actor, "person_id", None)
        else None
    )
    if occupancy is None:
        raise NotYours(_("Not found."))
    return occupancy.house


@transaction.atomic
def add_member(*, actor, house, phone, name, relation, since=None, until=None):
    """An owner adds a family member or tenant: the person (found by phone in the company, or
    new), their occupancy, and an SMS invitation to register."""
    house = owned_house(actor=actor, house_id=house.pk)
    phone = _mobile(phone)
    name = " ".join(str(name or "").split())[:100]
    if not name:
        refuse("name", _("Enter the member's name."))
    if relation not in MemberRelation.values:
        refuse("relation", _("Choose family member or tenant."))
    today = timezone.localdate()
    since = since or today
    if until is not None and until < since:
        refuse("until", _("The end date cannot be before the start date."))
    person = (
        Person.objects.filter(organization_id=house.organization_id, phone=phone)
        .order_by("id")
        .first()
    )
    if person is None:
        person = core_services.create_person(
            actor=actor, organization=house.organization, name=name, phone=phone
        )
    elif Occupancy.objects.active().filter(house=house, person=person).exists():
        refuse("phone", _("This person already lives in this house."))
    occupancy = core_services.create_occupancy(
        actor=actor, house=house, person=person, relation=relation, since=since, until=until
    )
    audit.record(actor, "accounts.member.added", occupancy)
    if not User.objects.filter(phone=phone).exists():
        text = _("%(name)s, you were added to a home on Anju. Register at %(link)s") % {
            "name": name,
            "link": REGISTER_LINK,
        }
        transaction.on_commit(
            lambda: sms_backend().send(
                phone, text, template="invite", params={"name": name, "link": REGISTER_LINK}
            )
        )
    return occupancy


@transaction.atomic
def end_member(*, actor, house, occupancy):
    """The member moves out: their access ends now (the occupancy's last day is yesterday) and
    its history stays; a member who had not moved in yet is removed altogether."""
    house = owned_house(actor=actor, house_id=house.pk)
    if occupancy.house_id != house.pk or occupancy.relation in OWNER_RELATIONS:
        raise NotYours(_("Not found."))
    today = timezone.localdate()
    if occupancy.until is not None and occupancy.until < today:
        raise Conflict(_("This member has already moved out."), code="already_ended", allowed=[])
    if occupancy.since is not None and occupancy.since >= today:
        audit.record(
            actor, "accounts.member.removed", occupancy, before={"since": str(occupancy.since)}
        )
        occupancy.delete()
        return None
    occupancy.until = today - timedelta(days=1)
    occupancy.save(update_fields=["until"])
    audit.record(actor, "accounts.member.ended", occupancy, after={"until": str(occupancy.until)})
    return occupancy
