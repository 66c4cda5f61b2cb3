"""Console duty roster (排班) and staff skills (技能)."""

from datetime import timedelta

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Prefetch, Q
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views import generic

from anju.core import policy
from anju.core.console import (
    StaffRequiredMixin,
    add_domain_errors,
    get_scoped_object,
)
from anju.core.dates import parse_day
from anju.core.errors import DomainError
from anju.core.models import Community, Membership

from .. import selectors, services
from ..actions import ROSTER_MANAGE, ROSTER_VIEW
from ..choices import (
    DutyRole,
    Skill,
)
from ..forms import ShiftForm
from ..models import DutyShift, StaffSkill


def week_start(value):
    day = parse_day(value) or timezone.localdate()
    return day - timedelta(days=day.weekday())


class RosterView(StaffRequiredMixin, generic.TemplateView):
    """排班: a week grid per community (staff x day), who is on duty now, add and remove shifts."""

    template_name = "servicedesk/roster.html"
    permission = ROSTER_VIEW

    def communities(self):
        communities = Community.objects.visible_to(self.request.user, ROSTER_VIEW).order_by("name")
        if self.request.community_id:
            communities = communities.filter(pk=self.request.community_id)
        return list(communities[:10])

    def get_context_data(self, form=None, **kwargs):
        ctx = super().get_context_data(**kwargs)
        user, now = self.request.user, timezone.now()
        monday = week_start(self.request.GET.get("week"))
        communities = self.communities()
        cover = selectors.duty_cover(communities, roles=DutyRole.values, now=now)
        weeks = []
        for community in communities:
            roles = {}
            for role in reversed(selectors.SERVICE_ROLES):  # the first listed role wins
                for member in services.members(community, [role]):
                    roles[member.pk] = role
            staff = services.members(community, list(selectors.SERVICE_ROLES))
            week = selectors.roster_week(community, monday, staff, now, roles)
            week["can_manage"] = policy.staff_has(user, ROSTER_MANAGE, community.pk)
            week["on_duty"] = [row for row in cover if row["community"] == community]
            weeks.append(week)
        can_manage = any(w["can_manage"] for w in weeks)
        if form is None and can_manage:
            today = timezone.localdate(now)
            default_day = today if monday <= today < monday + timedelta(days=7) else monday
            initial = {"day": parse_day(self.request.GET.get("day")) or default_day}
            for name in ("user", "role", "community"):
                if self.request.GET.get(name):
                    initial[name] = self.request.GET[name]
            if "community" not in initial and len(communities) == 1:
                initial["community"] = communities[0].pk
            form = ShiftForm(user=user, community_id=self.request.community_id, initial=initial)
        ctx.update(
            title=_("Duty roster"),
            monday=monday,
            sunday=monday + timedelta(days=6),
            previous_week=monday - timedelta(days=7),
            next_week=monday + timedelta(days=7),
            this_week=week_start(None),
            today=timezone.localdate(now),
            weeks=weeks,
            form=form,
            can_manage=can_manage,
            now=now,
        )
        return ctx

    def _back(self, monday):
        return redirect(f"{reverse('console:servicedesk-roster')}?week={monday:%Y-%m-%d}")

    def post(self, request, *args, **kwargs):
        if not policy.staff_has(request.user, ROSTER_MANAGE):
            raise PermissionDenied
        action = request.POST.get("action", "add")
        monday = week_start(request.POST.get("week"))
        if action == "delete":
            shift = get_scoped_object(
                DutyShift, request.user, request.POST.get("shift"), ROSTER_MANAGE
            )
            services.remove_duty_shift(actor=request.user, shift=shift)
            messages.success(
                request,
                _("Shift of %(name)s on %(day)s removed.")
                % {
                    "name": shift.user.get_full_name() or shift.user.username,
                    "day": f"{timezone.localtime(shift.starts_at):%m-%d %H:%M}",
                },
            )
            return self._back(monday)
        if action == "copy":
            community = get_scoped_object(
                Community, request.user, request.POST.get("community"), ROSTER_MANAGE
            )
            n = services.copy_duty_week(
                actor=request.user,
                community=community,
                from_day=monday - timedelta(days=7),
                to_day=monday,
            )
            messages.success(
                request,
                _("%(n)s shifts copied from the week before to %(community)s.")
                % {"n": n, "community": community.name},
            )
            return self._back(monday)
        form = ShiftForm(request.POST, user=request.user, community_id=request.community_id)
        if form.is_valid():
            starts, ends = form.times()
            data = form.cleaned_data
            try:
                services.add_duty_shift(
                    actor=request.user,
                    community=data["community"],
                    user=data["user"],
                    role=data["role"],
                    starts_at=starts,
                    ends_at=ends,
                )
            except DomainError as exc:
                add_domain_errors(form, exc, {"starts_at": "start", "ends_at": "end"})
            else:
                messages.success(request, _("Shift added."))
                return self._back(week_start(f"{data['day']:%Y-%m-%d}"))
        self.request.GET = self.request.GET.copy()
        self.request.GET["week"] = f"{monday:%Y-%m-%d}"
        return self.render_to_response(self.get_context_data(form=form))


class SkillsView(StaffRequiredMixin, generic.TemplateView):
    """技能: the service staff with their skills, who is on duty now and their open tickets;
    managers edit the skills (automatic dispatch matches them to a ticket's category)."""

    template_name = "servicedesk/skills.html"
    permission = ROSTER_VIEW
    paginate_by = 50

    def staff(self):
        user = self.request.user
        staff = selectors.staff_in_scope(user, ROSTER_VIEW)
        community_id = self.request.community_id
        if community_id:
            staff = staff.filter(
                Q(memberships__communities=community_id)
                | Q(memberships__communities__isnull=True, memberships__active=True)
            ).distinct()
        role = self.request.GET.get("role")
        if role in selectors.SERVICE_ROLES:
            staff = staff.filter(memberships__role=role, memberships__active=True).distinct()
        skill = self.request.GET.get("skill")
        if skill in Skill.values:
            staff = staff.filter(
                pk__in=StaffSkill.objects.visible_to(user, ROSTER_VIEW)
                .filter(skill=skill)
                .values("user_id")
            )
        return staff.order_by("first_name", "username")

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        user, now = self.request.user, timezone.now()
        staff = self.staff().prefetch_related(
            Prefetch(
                "memberships",
                queryset=Membership.objects.filter(active=True).prefetch_related("communities"),
                to_attr="service_memberships",
            )
        )
        paginator = Paginator(staff, self.paginate_by)
        page = paginator.get_page(self.request.GET.get("page"))
        people = list(page.object_list)
        ids = [p.pk for p in people]
        skills = {}
        for row in StaffSkill.objects.visible_to(user, ROSTER_VIEW).filter(user_id__in=ids):
            skills.setdefault(row.user_id, []).append(row.skill)
        communities = Community.objects.visible_to(user, ROSTER_VIEW)
        if self.request.community_id:
            communities = communities.filter(pk=self.request.community_id)
        duty = {}
        for shifts in selectors.on_duty_now(communities.values_list("pk", flat=True), now).values():
            for shift in shifts:
                duty.setdefault(shift.user_id, []).append(shift)
        community_names = dict(
            Community.objects.values_list("pk", "name").filter(
                pk__in={s.community_id for v in duty.values() for s in v}
            )
        )
        load = services.open_load(ids)
        manageable = set(
            selectors.staff_in_scope(user, ROSTER_MANAGE)
            .filter(pk__in=ids)
            .values_list("pk", flat=True)
        )
        rows = []
        for person in people:
            memberships = [
                m for m in person.service_memberships if m.role in selectors.SERVICE_ROLES
            ] or person.service_memberships
            roles = sorted({m.get_role_display() for m in memberships}, key=str)
            where = sorted({c.name for m in memberships for c in m.communities.all()}) or [
                _("all communities")
            ]
            own = sorted(skills.get(person.pk, []), key=lambda s: Skill.values.index(s))
            rows.append(
                {
                    "user": person,
                    "roles": roles,
                    "communities": where,
                    "skills": [(s, Skill(s).label) for s in own],
                    "skill_set": set(own),
                    "on_duty": [
                        {
                            "role": DutyRole(s.role).label,
                            "community": community_names.get(s.community_id, ""),
                            "until": s.ends_at,
                        }
                        for s in duty.get(person.pk, [])
                    ],
                    "load": load.get(person.pk, 0),
                    "can_edit": person.pk in manageable,
                }
            )
        query = self.request.GET.copy()
        query.pop("page", None)
        ctx.update(
            title=_("Skills"),
            rows=rows,
            page_obj=page,
            paginator=paginator,
            is_paginated=page.has_other_pages(),
            querystring=query.urlencode(),
            skill_choices=Skill.choices,
            role_choices=[(r, label) for r, label in DutyRole.choices],
            selected_skill=self.request.GET.get("skill", ""),
            selected_role=self.request.GET.get("role", ""),
            on_duty_count=sum(1 for r in rows if r["on_duty"]),
        )
        return ctx

    def post(self, request, *args, **kwargs):
        if not policy.staff_has(request.user, ROSTER_MANAGE):
            raise PermissionDenied
        person = (
            selectors.staff_in_scope(request.user, ROSTER_MANAGE)
            .filter(pk=request.POST.get("user") if request.POST.get("user", "").isdigit() else 0)
            .first()
        )
        if person is None:
            raise Http404
        organization = next(
            (
                m.organization
                for m in person.active_memberships()
                if policy.staff_has(request.user, ROSTER_MANAGE, organization_id=m.organization_id)
            ),
            None,
        )
        if organization is None:
            raise Http404
        try:
            chosen = services.set_skills(
                actor=request.user,
                organization=organization,
                user=person,
                skills=request.POST.getlist("skills"),
            )
        except DomainError as exc:
            first = next(iter(exc.fields.values()), [exc.message])[0] if exc.fields else exc.message
            messages.error(request, first)
        else:
            messages.success(
                request,
                _("Skills of %(name)s saved: %(skills)s.")
                % {
                    "name": person.get_full_name() or person.username,
                    "skills": "、".join(str(Skill(s).label) for s in chosen) or "—",
                },
            )
        target = request.POST.get("next") or reverse("console:servicedesk-skills")
        if not target.startswith("/console/"):
            target = reverse("console:servicedesk-skills")
        return redirect(f"{target}#staff-{person.pk}")
