"""Resident pages of the gate (phone-first): my visitor passes (issue, share, revoke), the
visitor's shared pass page (public, minimal), a walk-in visitor to answer, doors with one-tap
opening (and face recognition by consent where offered), goods release applications."""

from datetime import datetime, timedelta

import segno
from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views import generic

from anju.core.errors import DomainError
from anju.core.models import House
from anju.core.portal import ResidentMixin

from . import rules, selectors, services
from .choices import CredentialKind, PassState, ReleaseStatus
from .models import Credential, VisitorPass


def qr_data_uri(text):
    """A full QR code (never a Micro QR, which segno picks for short texts and which phone
    scanners and the guard's camera page do not read)."""
    return segno.make_qr(text, error="m").svg_data_uri(scale=6, border=4)


def _houses(user):
    return list(House.objects.filter(pk__in=user.resident_house_ids()).select_related("building"))


def _label(house):
    return f"{house.building.name} {house.number}"


def _errors(exc):
    return {k: [str(m) for m in v] for k, v in (exc.fields or {"form": [exc.message]}).items()}


def _moment(day, clock):
    try:
        value = datetime.fromisoformat(f"{day}T{clock}")
    except (TypeError, ValueError):
        return None
    return timezone.make_aware(value)


class PassesView(ResidentMixin, generic.TemplateView):
    template_name = "gate/portal_passes.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        user = self.request.user
        now = timezone.localtime()
        rows = list(selectors.my_passes(user)[:30])
        for p in rows:
            p.state = p.state_at(now)
        later = now + timedelta(hours=4)
        ctx.setdefault(
            "values",
            {
                "from_date": now.date().isoformat(),
                "from_time": now.strftime("%H:%M"),
                "until_date": later.date().isoformat(),
                "until_time": later.strftime("%H:%M"),
                "entries": "1",
            },
        )
        houses = _houses(user)
        ctx.update(
            title=_("Visitors"),
            houses=[(h.pk, _label(h)) for h in houses],
            current=[p for p in rows if p.state in (PassState.VALID, PassState.UPCOMING)],
            past=[p for p in rows if p.state not in (PassState.VALID, PassState.UPCOMING)][:10],
        )
        return ctx

    def post(self, request, *args, **kwargs):
        data = request.POST
        houses = {h.pk: h for h in _houses(request.user)}
        try:
            house = houses.get(int(data.get("house") or next(iter(houses), 0)))
        except (TypeError, ValueError):
            house = None
        try:
            if house is None:
                raise DomainError(
                    _("Choose your home."), fields={"house": [_("Choose your home.")]}
                )
            visitor_pass = services.issue_pass(
                actor=request.user,
                house=house,
                visitor_name=data.get("visitor_name"),
                visitor_phone=data.get("visitor_phone", ""),
                plate=data.get("plate", ""),
                valid_from=_moment(data.get("from_date"), data.get("from_time")),
                valid_until=_moment(data.get("until_date"), data.get("until_time")),
                entries=data.get("entries") or 1,
                link_base=request.build_absolute_uri("/"),
            )
        except DomainError as exc:
            return self.render_to_response(self.get_context_data(errors=_errors(exc), values=data))
        messages.success(request, _("The pass is ready: show or share it with your visitor."))
        return redirect("portal:gate-pass", visitor_pass.pk)


class PassView(ResidentMixin, generic.TemplateView):
    template_name = "gate/portal_pass.html"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            self.visitor_pass = selectors.my_passes(request.user).filter(pk=kwargs["pk"]).first()
            if self.visitor_pass is None:
                raise Http404
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        p = self.visitor_pass
        share = self.request.build_absolute_uri(services.share_path(p))
        ctx.update(
            title=_("Visitor pass"),
            p=p,
            state=p.state_at(timezone.now()),
            qr=qr_data_uri(p.qr_text),
            share_url=share,
        )
        return ctx

    def post(self, request, *args, **kwargs):
        try:
            services.revoke_pass(actor=request.user, visitor_pass=self.visitor_pass)
            messages.success(request, _("The pass is revoked: the gate will refuse it."))
        except DomainError as exc:
            messages.error(request, str(exc.message))
        return redirect("portal:gate-pass", self.visitor_pass.pk)


class SharedPassView(generic.TemplateView):
    """/app/v/<token>/: what the visitor opens from the SMS or a shared link — the QR code,
    their name, the community and the window; nothing about the home."""

    template_name = "gate/shared_pass.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        p = VisitorPass.objects.select_related("community").filter(token=kwargs["token"]).first()
        if p is None:
            raise Http404
        state = p.state_at(timezone.now())
        ctx.update(
            title=_("Visitor pass"),
            p=p,
            state=state,
            usable=state in (PassState.VALID, PassState.UPCOMING),
            qr=qr_data_uri(p.qr_text),
        )
        return ctx


class WalkInView(ResidentMixin, generic.TemplateView):
    template_name = "gate/portal_walkin.html"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            self.walk_in = (
                selectors.walk_ins(request.user)
                .filter(pk=kwargs["pk"], house_id__in=request.user.resident_house_ids())
                .first()
            )
            if self.walk_in is None:
                raise Http404
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            title=_("A visitor is at the gate"), walk_in=self.walk_in, **kwargs
        )

    def post(self, request, *args, **kwargs):
        try:
            services.answer_walk_in(
                actor=request.user,
                walk_in=self.walk_in,
                confirm=request.POST.get("answer") == "confirm",
            )
            messages.success(request, _("The guard has your answer."))
        except DomainError as exc:
            messages.error(request, str(exc.message))
        return redirect("portal:gate-walkin", self.walk_in.pk)


class DoorsView(ResidentMixin, generic.TemplateView):
    template_name = "gate/portal_doors.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        user = self.request.user
        houses = _houses(user)
        faces = (
            {
                c.house_id: c
                for c in Credential.objects.filter(
                    person_id=user.person_id, kind=CredentialKind.FACE
                )
            }
            if user.person_id
            else {}
        )
        ctx.update(
            title=_("Open a door"),
            doors=list(selectors.doors_openable_by(user)),
            face_homes=[
                (h, faces.get(h.pk), _label(h))
                for h in houses
                if services.face_enabled(h.community_id)
            ],
            consent_text=services.FACE_CONSENT,
            face_rules=rules.FACE_RULES,
        )
        return ctx

    def post(self, request, *args, **kwargs):
        user = request.user
        try:
            what = request.POST.get("what")
            if what == "open":
                door = selectors.doors_openable_by(user).filter(pk=request.POST.get("door")).first()
                if door is None:
                    raise Http404
                services.open_door(actor=user, door=door)
                messages.success(request, _("%(door)s: opening…") % {"door": door.name})
            elif what == "enrol":
                house = next(
                    (h for h in _houses(user) if str(h.pk) == request.POST.get("house")), None
                )
                if house is None:
                    raise Http404
                services.enrol_face(
                    actor=user, house=house, consent=request.POST.get("consent") == "yes"
                )
                messages.success(
                    request, _("Your face is enrolled. You can delete it here at any time.")
                )
            elif what == "delete-face":
                credential = Credential.objects.filter(
                    pk=request.POST.get("credential"), person_id=user.person_id
                ).first()
                if credential is None:
                    raise Http404
                services.delete_face(actor=user, credential=credential)
                messages.success(request, _("Your face data is deleted."))
        except DomainError as exc:
            messages.error(request, _errors(exc).popitem()[1][0])
        return redirect("portal:gate-doors")


class ReleaseView(ResidentMixin, generic.TemplateView):
    template_name = "gate/portal_release.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        user = self.request.user
        mine = list(selectors.my_releases(user)[:20])
        for r in mine:
            r.qr = qr_data_uri(r.qr_text) if r.status == ReleaseStatus.APPROVED else None
        ctx.setdefault("values", {"date": timezone.localdate().isoformat()})
        ctx.update(
            title=_("Goods release"),
            houses=[(h.pk, _label(h)) for h in _houses(user)],
            mine=mine,
            to_confirm=list(selectors.releases_to_confirm(user)),
        )
        return ctx

    def post(self, request, *args, **kwargs):
        user, data = request.user, request.POST
        what = data.get("what")
        try:
            if what == "apply":
                house = next((h for h in _houses(user) if str(h.pk) == data.get("house")), None)
                if house is None:
                    raise DomainError(
                        _("Choose your home."), fields={"house": [_("Choose your home.")]}
                    )
                try:
                    day = datetime.fromisoformat(data.get("date", "")).date()
                except ValueError:
                    day = None
                services.apply_release(
                    actor=user, house=house, items=data.get("items", ""), date=day
                )
                messages.success(request, _("Applied. Show the code at the gate on the day."))
            elif what in ("confirm", "decline"):
                release = selectors.releases_to_confirm(user).filter(pk=data.get("id")).first()
                if release is None:
                    raise Http404
                services.confirm_release(actor=user, release=release, confirm=what == "confirm")
                messages.success(request, _("The tenant has your answer."))
            elif what == "cancel":
                release = selectors.my_releases(user).filter(pk=data.get("id")).first()
                if release is None:
                    raise Http404
                services.cancel_release(actor=user, release=release)
        except DomainError as exc:
            if what == "apply":
                return self.render_to_response(
                    self.get_context_data(errors=_errors(exc), values=data)
                )
            messages.error(request, str(exc.message))
        return redirect("portal:gate-release")
