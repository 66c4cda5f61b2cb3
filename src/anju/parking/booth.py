"""The guard's booth page (岗亭, phone-first): look a plate up (normalised), see its stay and the
fee now, take cash, lift a barrier by hand with the reason, and the latest unpaid exits."""

import segno
from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views import generic

from anju.core import policy
from anju.core.console import StaffRequiredMixin
from anju.core.errors import DomainError

from . import selectors, services
from .models import Session
from .plates import normalize
from .views_portal import visit_token


class BoothView(StaffRequiredMixin, generic.TemplateView):
    template_name = "parking/booth/booth.html"
    permission = "parking.session.operate"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        user, community_id = self.request.user, self.request.community_id
        raw = kwargs.get("plate", self.request.GET.get("plate", ""))
        plate = normalize(raw) if raw else ""
        now = timezone.now()
        stays = []
        for session in selectors.booth_sessions(user, plate, community_id) if plate else []:
            stays.append(
                {
                    "session": session,
                    "quote": services.quote(session, now),
                    "due": services.due_now(session, now),
                    "can_collect": policy.staff_has(
                        user, "parking.session.collect", session.community_id
                    ),
                }
            )
        gates = list(selectors.operated_gates(user, community_id))
        lots = {g.lot_id: g.lot for g in gates}
        visit = []
        for lot in lots.values():
            url = self.request.build_absolute_uri(
                reverse("portal:parking-visit", args=[visit_token(lot)])
            )
            visit.append((lot, url, segno.make(url, error="m").svg_data_uri(scale=4, border=2)))
        ctx.update(
            title=_("Booth"),
            visit=visit,
            raw=raw,
            plate=plate,
            stays=stays,
            gates=gates,
            unpaid=list(selectors.recent_unpaid_exits(user, community_id)),
            errors=kwargs.get("errors") or {},
            values=kwargs.get("values") or {},
        )
        return ctx

    def _back(self, plate=""):
        url = reverse("console:parking-booth")
        return redirect(f"{url}?{urlencode({'plate': plate})}" if plate else url)

    def post(self, request):
        verb = request.POST.get("verb")
        if verb == "collect":
            return self._collect(request)
        if verb == "open":
            return self._open(request)
        raise Http404

    def _collect(self, request):
        pk = request.POST.get("session", "")
        session = (
            Session.objects.visible_to(request.user, "parking.session.operate")
            .filter(pk=pk if pk.isdigit() else 0)
            .first()
        )
        if session is None:
            raise Http404
        try:
            session = services.collect_cash(
                actor=request.user, session=session, amount=request.POST.get("amount", "")
            )
        except DomainError as exc:
            messages.error(request, exc.message)
            return self.render_to_response(
                self.get_context_data(plate=session.plate, errors=exc.fields or {})
            )
        messages.success(
            request,
            _("%(plate)s paid ¥%(amount)s in cash.")
            % {"plate": session.plate, "amount": session.paid_amount},
        )
        return self._back(session.plate)

    def _open(self, request):
        pk = request.POST.get("gate", "")
        gate = next((g for g in selectors.operated_gates(request.user) if str(g.pk) == pk), None)
        values = {
            "gate": pk,
            "reason": request.POST.get("reason", ""),
            "open_plate": request.POST.get("plate", ""),
        }
        if gate is None:
            errors = {"gate": [_("Choose a gate.")]}
            return self.render_to_response(self.get_context_data(values=values, errors=errors))
        try:
            services.open_by_hand(
                actor=request.user,
                gate=gate,
                reason=values["reason"],
                plate=values["open_plate"].strip(),
            )
        except DomainError as exc:
            return self.render_to_response(
                self.get_context_data(values=values, errors=exc.fields or {"reason": [exc.message]})
            )
        messages.success(request, _("The barrier of %(gate)s is open.") % {"gate": gate.name})
        return self._back(normalize(values["open_plate"]) if values["open_plate"].strip() else "")
