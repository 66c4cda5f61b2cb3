"""Owners' votes (民法典第278条): drafting, notice, opening with the frozen electorate, ballots in
a hash chain, closing with the frozen result, reminders and the vote clock."""

import secrets
from datetime import timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from anju.core import attachments, audit, bounds, policy
from anju.core.errors import DomainError, Forbidden, InvalidTransition
from anju.core.models import User
from anju.core.notifications import interpolate, notify
from anju.core.numbering import next_number

from .. import tally
from ..choices import Channel, Choice, Matter, VoteStatus
from ..models import Ballot, Elector, ElectorHouse, RuleSet, Vote
from ..selectors import allowed_now, notice_days
from .common import acting_user, attach_one

RETENTION_DAYS = 366  # 民法典第280条 + 解释第12条: one year to challenge a decision


def _now(now=None):
    return now or timezone.now()


def _transition(vote, action, now):
    target = vote.machine.check(action, vote.status)
    if action not in allowed_now(vote, now):
        messages = {
            "open": _("The vote opens at %(t)s; it cannot be opened earlier."),
            "close": _("The vote closes at %(t)s; it cannot be closed earlier."),
            "publish_notice": _(
                "The notice must be published at least %(d)s days before the vote opens (%(t)s)."
            ),
        }
        when = vote.closes_at if action == "close" else vote.opens_at
        raise InvalidTransition(
            action,
            vote.status,
            allowed_now(vote, now),
            messages[action]
            % {"t": timezone.localtime(when).strftime("%Y-%m-%d %H:%M"), "d": notice_days()},
        )
    return target


def _lock(vote):
    return Vote.objects.select_for_update().select_related("rule_set").get(pk=vote.pk)


def _elector_users(vote, electors=None):
    if electors is None:
        heads = tally.compute_electorate(vote)
        person_ids = [h.person_id for h in heads if h.person_id]
    else:
        person_ids = list(electors.values_list("person_id", flat=True))
    if not person_ids:
        return []
    return list(User.objects.filter(person_id__in=person_ids, is_active=True))


def _validate_vote(community, matter, opens_at, closes_at, buildings, houses):
    bounds.vote_window(opens_at, closes_at)
    errors = {}
    if matter not in Matter.values:
        errors["matter"] = [_("Choose one of the nine matters of article 278.")]
    if opens_at and closes_at and closes_at <= opens_at:
        errors["closes_at"] = [_("The vote must close after it opens.")]
    if any(b.community_id != community.pk for b in buildings):
        errors["buildings"] = [_("Every building must belong to the vote's community.")]
    if any(h.community_id != community.pk for h in houses):
        errors["houses"] = [_("Every house must belong to the vote's community.")]
    if errors:
        raise DomainError(next(iter(errors.values()))[0], fields=errors)


@transaction.atomic
def create_vote(
    *, actor, community, title, matter, opens_at, closes_at, text="", buildings=(), houses=()
):
    """Draft a vote (业委会 or manager); the rule set is the one in force when it opens."""
    buildings, houses = list(buildings or []), list(houses or [])
    _validate_vote(community, matter, opens_at, closes_at, buildings, houses)
    rule_set = RuleSet.objects.for_community(community, timezone.localdate(opens_at))
    if rule_set is None:
        raise DomainError(
            _("No voting rule set is in force for this community."),
            fields={"community": [_("No voting rule set is in force for this community.")]},
        )
    vote = Vote.objects.create(
        organization_id=community.organization_id,
        community=community,
        number=next_number("TP", community.pk),
        title=title,
        matter=matter,
        text=text,
        rule_set=rule_set,
        opens_at=opens_at,
        closes_at=closes_at,
        created_by=acting_user(actor),
    )
    vote.buildings.set(buildings)
    vote.houses.set(houses)
    audit.record(
        actor,
        "governance.vote.created",
        vote,
        after=audit.snapshot(vote)
        | {"buildings": [b.pk for b in buildings], "houses": [h.pk for h in houses]},
    )
    return vote


@transaction.atomic
def update_vote(vote, data, *, actor):
    vote = _lock(vote)
    if vote.status != VoteStatus.DRAFT:
        raise InvalidTransition(
            "update", vote.status, allowed_now(vote), _("Only a draft can be edited.")
        )
    before = audit.snapshot(vote)
    buildings, houses = data.pop("buildings", None), data.pop("houses", None)
    for key in ("title", "matter", "text", "opens_at", "closes_at"):
        if key in data:
            setattr(vote, key, data[key])
    _validate_vote(
        vote.community, vote.matter, vote.opens_at, vote.closes_at, buildings or [], houses or []
    )
    rule_set = RuleSet.objects.for_community(vote.community, timezone.localdate(vote.opens_at))
    if rule_set is not None:
        vote.rule_set = rule_set
    vote.save()
    if buildings is not None:
        vote.buildings.set(buildings)
    if houses is not None:
        vote.houses.set(houses)
    audit.record(actor, "governance.vote.updated", vote, before=before, after=audit.snapshot(vote))
    return vote


@transaction.atomic
def publish_notice(vote, *, actor, now=None):
    """公告: at least ANJU_VOTE_NOTICE_DAYS before the vote opens, to every owner in scope."""
    now = _now(now)
    vote = _lock(vote)
    target = _transition(vote, "publish_notice", now)
    vote.status, vote.notice_published_at = target, now
    vote.save(update_fields=["status", "notice_published_at"])
    audit.record(
        actor,
        "governance.vote.notice_published",
        vote,
        after={"notice_published_at": now.isoformat()},
    )
    users = _elector_users(vote)
    when = timezone.localtime(vote.opens_at).strftime("%Y-%m-%d %H:%M")
    notify(
        users,
        interpolate(gettext_lazy("Owners' vote: %(title)s"), title=vote.title),
        interpolate(
            gettext_lazy("Voting opens %(when)s. Please read the proposal and take part."),
            when=when,
        ),
        link=f"/app/votes/{vote.pk}/",
        community=vote.community,
        channels=("inbox", "sms"),
        event="governance.vote.announced",
    )
    return vote


@transaction.atomic
def open_vote(vote, *, actor, now=None):
    """Open once ``opens_at`` has come; the electorate (heads and areas) is frozen now."""
    now = _now(now)
    vote = _lock(vote)
    target = _transition(vote, "open", now)
    heads = tally.compute_electorate(vote, on=timezone.localdate(now))
    electors = Elector.objects.bulk_create(
        [
            Elector(
                organization_id=vote.organization_id,
                community_id=vote.community_id,
                vote=vote,
                key=h.key,
                person_id=h.person_id,
                is_developer=h.is_developer,
                area=h.area,
                house_count=len(h.houses),
                label="、".join(label for _, label, _, _ in h.houses[:5])[:200],
            )
            for h in heads
        ],
        batch_size=5000,
    )
    by_key = {e.key: e for e in electors}
    if any(e.pk is None for e in electors):
        by_key = {e.key: e for e in Elector.objects.filter(vote=vote)}
    ElectorHouse.objects.bulk_create(
        [
            ElectorHouse(
                vote=vote,
                elector=by_key[h.key],
                house_id=house_id,
                label=label,
                area=area,
                area_source=source,
            )
            for h in heads
            for house_id, label, area, source in h.houses
        ],
        batch_size=5000,
    )
    vote.status, vote.opened_at = target, now
    vote.save(update_fields=["status", "opened_at"])
    audit.record(
        actor,
        "governance.vote.opened",
        vote,
        after={"heads": len(heads), "area": str(sum((h.area for h in heads), 0))},
    )
    person_ids = [h.person_id for h in heads if h.person_id]
    closes = timezone.localtime(vote.closes_at).strftime("%Y-%m-%d %H:%M")
    transaction.on_commit(
        lambda: notify(
            list(User.objects.filter(person_id__in=person_ids, is_active=True)),
            interpolate(gettext_lazy("Voting is open: %(title)s"), title=vote.title),
            interpolate(gettext_lazy("Cast your ballot by %(when)s."), when=closes),
            link=f"/app/votes/{vote.pk}/",
            community=vote.community,
            channels=("inbox", "wechat"),
            event="governance.vote.opened",
        )
    )
    return vote


@transaction.atomic
def close_vote(vote, *, actor, now=None):
    """Close once ``closes_at`` has passed; the result and the closing digest are frozen."""
    now = _now(now)
    vote = _lock(vote)
    target = _transition(vote, "close", now)
    vote.status, vote.closed_at = target, now
    result = tally.live_result(vote)
    digest = tally.closing_digest(vote, result)
    result.update(digest=digest, final=True)
    vote.result, vote.digest = result, digest
    vote.retain_until = timezone.localdate(now) + timedelta(days=RETENTION_DAYS)
    vote.save(update_fields=["status", "closed_at", "result", "digest", "retain_until"])
    audit.record(
        actor,
        "governance.vote.closed",
        vote,
        after={k: result[k] for k in tally.RESULT_KEYS} | {"digest": digest},
    )
    electors = Elector.objects.filter(vote=vote, person__isnull=False)
    users = _elector_users(vote, electors)
    verdict = gettext_lazy("passed") if result["passed"] else gettext_lazy("not passed")
    transaction.on_commit(
        lambda: notify(
            users,
            interpolate(gettext_lazy("Vote result: %(title)s"), title=vote.title),
            interpolate(
                gettext_lazy("The vote has %(verdict)s. Closing digest %(digest)s."),
                verdict=verdict,
                digest=digest[:16],
            ),
            link=f"/app/votes/{vote.pk}/",
            community=vote.community,
            channels=("inbox", "wechat"),
            event="governance.vote.closed",
        )
    )
    return vote


@transaction.atomic
def cancel_vote(vote, *, actor, reason=""):
    vote = _lock(vote)
    target = vote.machine.check("cancel", vote.status)
    vote.status = target
    vote.save(update_fields=["status"])
    audit.record(actor, "governance.vote.cancelled", vote, after={"reason": reason})
    return vote


@transaction.atomic
def attach_to_vote(vote, upload, *, actor):
    """An attachment of the proposal (draft text, quotes, plans), while the vote is not yet open."""
    vote = _lock(vote)
    if vote.status not in (VoteStatus.DRAFT, VoteStatus.NOTICED):
        raise InvalidTransition(
            "attach",
            vote.status,
            allowed_now(vote),
            _("Attachments are fixed once voting has opened."),
        )
    attachment = attach_one(vote, upload, actor=actor, field="file")
    audit.record(actor, "governance.vote.attachment_added", vote, after={"name": attachment.name})
    return attachment


def link_ballot(
    vote, *, seq, prev_hash, elector, person_id, choice, channel, cast_at, recorded_by, scan=None
):
    """The next link of the vote's ballot chain (unsaved): its nonce and the hash over the link
    before it. ``cast_ballot`` saves one; the demo bulk-creates a run of them."""
    nonce = secrets.token_hex(16)
    return Ballot(
        organization_id=vote.organization_id,
        community_id=vote.community_id,
        vote=vote,
        seq=seq,
        elector=elector,
        person_id=person_id,
        choice=choice,
        channel=channel,
        cast_at=cast_at,
        nonce=nonce,
        prev_hash=prev_hash,
        hash=tally.ballot_hash(
            prev_hash,
            vote_id=vote.pk,
            seq=seq,
            elector_key=elector.key,
            person_id=person_id,
            choice=choice,
            channel=channel,
            cast_at=cast_at,
            nonce=nonce,
        ),
        recorded_by=recorded_by,
        scan=scan,
    )


@transaction.atomic
def cast_ballot(*, actor, vote, person=None, choice, scan=None, developer=False, now=None):
    """One head, one counted choice: the owner online, or staff entering a paper ballot with its
    scan (also the developer's ballot for all its unsold or undelivered houses). A later ballot of
    the same head replaces the counted one; the earlier stays in the chain."""
    now = _now(now)
    vote = _lock(vote)
    if vote.status != VoteStatus.OPEN or now >= vote.closes_at or now < vote.opens_at:
        raise InvalidTransition(
            "ballot",
            vote.status,
            allowed_now(vote, now),
            _("The vote is not open for ballots now."),
        )
    if choice not in Choice.values:
        raise DomainError(
            _("Choose yes, no or abstain."), fields={"choice": [_("Choose yes, no or abstain.")]}
        )
    own = person is not None and getattr(actor, "person_id", None) == person.pk
    if own and policy.user_has(actor, "governance.ballot.cast", vote.community_id):
        channel = Channel.ONLINE
    elif policy.staff_has(actor, "governance.ballot.record", vote.community_id):
        channel = Channel.PAPER
        if scan is None:
            raise DomainError(
                _("Attach the scan of the signed paper ballot."),
                fields={"scan": [_("Attach the scan of the signed paper ballot.")]},
            )
        # Checked before the ballot joins the chain; stored on the ballot once it has an id.
        scan = attachments.prepare(scan, field="scan", accept=attachments.PHOTOS_OR_DOCUMENTS)
    else:
        raise Forbidden(_("You may only cast your own ballot."))
    if developer:
        elector = Elector.objects.filter(vote=vote, is_developer=True).first()
        person = None
        if elector is None:
            message = _("The developer holds no house in this vote's electorate.")
            raise DomainError(message, fields={"developer": [message]})
    else:
        if person is None:
            raise DomainError(
                _("Name the owner who votes."), fields={"person": [_("Name the owner who votes.")]}
            )
        elector = Elector.objects.filter(vote=vote, person=person).first()
        if elector is None:
            message = _(
                "%(name)s owns no house in this vote's electorate (or votes through the house's "
                "representative)."
            ) % {"name": person.name}
            raise DomainError(message, fields={"person": [message]})
    previous = Ballot.objects.filter(vote=vote, elector=elector).order_by("-seq").first()
    seq = vote.last_seq + 1
    stored_scan = None
    if scan and channel == Channel.PAPER:
        # Stored with the vote until the ballot has its id (ballots are append-only, so the
        # scan goes in with it), then handed to the ballot: staff who record ballots see it,
        # not every owner who reads the vote's attachments.
        stored_scan = attachments.store(vote, scan[0], actor=actor, caption=f"{vote.number}-{seq}")
    ballot = link_ballot(
        vote,
        seq=seq,
        prev_hash=vote.head_hash or tally.GENESIS,
        elector=elector,
        person_id=person.pk if person else None,
        choice=choice,
        channel=channel,
        cast_at=now,
        recorded_by=actor if channel == Channel.PAPER else None,
        scan=stored_scan,
    )
    ballot.save()
    if stored_scan is not None:
        attachments.hand_over(stored_scan, ballot)
    vote.last_seq, vote.head_hash = seq, ballot.hash
    vote.save(update_fields=["last_seq", "head_hash"])
    audit.record(
        actor,
        "governance.ballot.cast",
        vote,
        after={
            "seq": seq,
            "channel": channel,
            "receipt": ballot.hash,
            "replaces": previous.seq if previous else None,
        },
    )
    ballot.replaces = previous
    return ballot


@transaction.atomic
def remind_non_voters(vote, *, actor):
    vote = Vote.objects.get(pk=vote.pk)
    if vote.status != VoteStatus.OPEN:
        raise InvalidTransition(
            "remind", vote.status, allowed_now(vote), _("Only an open vote can send reminders.")
        )
    users = _elector_users(vote, tally.non_voters(vote))
    closes = timezone.localtime(vote.closes_at).strftime("%Y-%m-%d %H:%M")
    notify(
        users,
        interpolate(gettext_lazy("Reminder: please vote on “%(title)s”"), title=vote.title),
        interpolate(gettext_lazy("Voting closes %(when)s."), when=closes),
        link=f"/app/votes/{vote.pk}/",
        community=vote.community,
        channels=("inbox", "sms"),
        event="governance.vote.reminded",
    )
    audit.record(actor, "governance.vote.reminded", vote, after={"users": len(users)})
    return len(users)


def run_vote_clock(now=None) -> dict:
    """Periodic job: open noticed votes whose time has come, close open ones whose time is up."""
    now = _now(now)
    opened = closed = 0
    for vote in Vote.objects.filter(status=VoteStatus.NOTICED, opens_at__lte=now):
        try:
            open_vote(vote, actor=None, now=now)
            opened += 1
        except InvalidTransition:
            pass
    for vote in Vote.objects.filter(status=VoteStatus.OPEN, closes_at__lte=now):
        try:
            close_vote(vote, actor=None, now=now)
            closed += 1
        except InvalidTransition:
            pass
    return {"opened": opened, "closed": closed}


def remind_closing_votes(now=None) -> int:
    """Periodic job: owners who have not voted on a vote closing within a day hear once."""
    now = _now(now)
    soon = now + timedelta(hours=CLOSING_SOON_HOURS)
    reminded = 0
    for vote in Vote.objects.filter(status=VoteStatus.OPEN, closes_at__gt=now, closes_at__lte=soon):
        reminded += len(tell_closing_soon(vote))
    return reminded


CLOSING_SOON_HOURS = 24


def tell_closing_soon(vote):
    """A day before the close, the owners who have not voted hear once (投票即将截止)."""
    closes = timezone.localtime(vote.closes_at).strftime("%Y-%m-%d %H:%M")
    return notify(
        _elector_users(vote, tally.non_voters(vote)),
        interpolate(gettext_lazy("Voting closes soon: %(title)s"), title=vote.title),
        interpolate(gettext_lazy("You have not voted yet. Voting closes %(when)s."), when=closes),
        link=f"/app/votes/{vote.pk}/",
        community=vote.community,
        channels=("inbox", "wechat"),
        event="governance.vote.closing_reminded",
        once=True,
    )
