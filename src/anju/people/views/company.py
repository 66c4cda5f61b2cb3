"""The company's pages of people: which work needs which licence (持证上岗, set by the
company's administrators, with the legal basis beside each) and the quarterly review of
community managers (主任季度考核) with the manager's own page to acknowledge theirs."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views import generic

from anju.core import policy
from anju.core.console import StaffRequiredMixin, add_domain_errors
from anju.core.errors import DomainError
from anju.core.models import Community, Organization
from anju.core.scoping import staff_in_scope
from anju.staff.choices import EvaluationStatus

from .. import selectors, services
from ..choices import CertificateKind, WorkKind
from ..forms import RequirementForm, ReviewForm, key_label
from ..models import REVIEW_DIMENSIONS
from ..rules import CERTIFICATE_RULES, SUGGESTED_REQUIREMENTS


def _requirement(work, key, kind):
    rule = CERTIFICATE_RULES.get(kind)
    return {
        "work": WorkKind(work).label,
        "key": key_label(work, key),
        "kind": CertificateKind(kind).label,
        "allows": rule.work if rule else "",
        "basis": rule.basis if rule else "",
    }


class Requirements(StaffRequiredMixin, generic.TemplateView):
    """持证上岗: the company's work that needs a licence; its administrators add to it."""

    template_name = "people/requirements.html"
    permission = "people.certificate.view"

    def organization(self):
        user = self.request.user
        ids = [m.organization_id for m in user.active_memberships()]
        managed = [pk for pk in ids if selectors.sets_requirements(user, pk)]
        chosen = (managed or ids or [None])[0]
        return Organization.objects.filter(pk=chosen).first()

    def get_context_data(self, form=None, **kwargs):
        ctx = super().get_context_data(**kwargs)
        user = self.request.user
        organization = self.organization()
        rows = selectors.requirements_readable_by(user)
        if organization is not None:
            rows = rows.filter(organization=organization)
        have = {(r.work, r.key, r.kind) for r in rows}
        can_set = organization is not None and selectors.sets_requirements(user, organization.pk)
        ctx.update(
            title=_("Licence requirements"),
            organization=organization,
            rows=[_requirement(r.work, r.key, r.kind) for r in rows],
            object_list=list(rows),
            suggested=[
                _requirement(*row) for row in SUGGESTED_REQUIREMENTS if tuple(row) not in have
            ],
            can_set=can_set,
            form=form or (RequirementForm() if can_set else None),
        )
        return ctx

    def post(self, request):
        organization = self.organization()
        if organization is None or not selectors.sets_requirements(request.user, organization.pk):
            raise PermissionDenied
        if request.POST.get("step") == "adopt":
            count = services.adopt_suggested_requirements(
                actor=request.user, organization=organization
            )
            messages.success(
                request, _("The %(count)s suggested requirements apply.") % {"count": count}
            )
            return redirect("console:people-requirements")
        form = RequirementForm(request.POST)
        if form.is_valid():
            try:
                services.require_licence(
                    actor=request.user, organization=organization, **form.cleaned_data
                )
            except DomainError as exc:
                add_domain_errors(form, exc)
            else:
                messages.success(request, _("Saved."))
                return redirect("console:people-requirements")
        return self.render_to_response(self.get_context_data(form=form))


def _quarters(user):
    """The quarters that have reviews, newest first, with the last one always offered."""
    found = set(selectors.reviews_readable_by(user).values_list("quarter", flat=True))
    found.add(selectors.last_quarter())
    return sorted(found, reverse=True)


class ReviewList(StaffRequiredMixin, generic.TemplateView):
    """主任季度考核: the reviews of a quarter, one row per community manager."""

    template_name = "people/reviews.html"
    permission = "people.review.view"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        user = self.request.user
        quarters = _quarters(user)
        quarter = self.request.GET.get("quarter") or quarters[0]
        if quarter not in quarters:
            quarter = quarters[0]
        rows = (
            selectors.reviews_readable_by(user).filter(quarter=quarter).select_related("evaluator")
        )
        if self.request.community_id:
            rows = rows.filter(community_id=self.request.community_id)
        rows = list(rows.order_by("community__name", "manager__username")[:200])
        ctx.update(
            title=_("Quarterly reviews of community managers"),
            quarters=quarters,
            quarter=quarter,
            reviews=rows,
            object_list=rows,
            can_review=policy.staff_has(user, "people.review.manage"),
        )
        return ctx


class ReviewCreate(StaffRequiredMixin, generic.FormView):
    """Record (or revise, until acknowledged) a manager's review beside the community's
    measures of the quarter."""

    template_name = "people/review_form.html"
    permission = "people.review.manage"
    form_class = ReviewForm

    def get_form_kwargs(self):
        kwargs = {**super().get_form_kwargs(), "user": self.request.user}
        if self.request.method == "POST" and self.request.POST.get("preview"):
            kwargs.pop("data", None)  # show the measures: keep what was typed, judge nothing
            kwargs.pop("files", None)
            kwargs["initial"] = self._typed()
        return kwargs

    def _typed(self):
        post = self.request.POST
        names = ["community", "manager", "quarter", "comment", *REVIEW_DIMENSIONS]
        return {n: post.get(n) for n in names if post.get(n)}

    def get_initial(self):
        get = self.request.GET
        initial = {"quarter": get.get("quarter") or selectors.last_quarter()}
        for name in ("community", "manager"):
            if get.get(name):
                initial[name] = get[name]
        if "community" not in initial:  # the chosen community, or the first: its measures show
            communities = Community.objects.visible_to(self.request.user, "people.review.manage")
            chosen = communities.filter(pk=self.request.community_id).first()
            first = chosen or communities.order_by("name").first()
            if first is not None:
                initial["community"] = first.pk
        if "manager" not in initial and initial.get("community"):  # its one manager, if so
            managers = staff_in_scope(
                self.request.user, "people.review.manage", roles=["manager"]
            ).filter(memberships__communities=initial["community"], memberships__role="manager")
            found = list(managers.distinct()[:2])
            if len(found) == 1:
                initial["manager"] = found[0].pk
        return initial

    def post(self, request, *args, **kwargs):
        if request.POST.get("preview"):
            return self.render_to_response(self.get_context_data())
        return super().post(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        form = ctx["form"]
        values = form.data if form.is_bound else form.initial
        measures, error = [], ""
        community = (
            Community.objects.visible_to(self.request.user, "people.review.manage")
            .filter(pk=_int(values.get("community")))
            .first()
        )
        quarter = str(values.get("quarter") or "").strip().upper()
        if community is not None and quarter:
            try:
                start, end = selectors.quarter_bounds(quarter)
            except DomainError as exc:
                error = exc.message
            else:
                measures = selectors.quarter_measures(self.request.user, community, start, end)
        ctx.update(
            title=_("Review a community manager"),
            community=community,
            quarter=quarter,
            measures=measures,
            measures_error=error,
        )
        return ctx

    def form_valid(self, form):
        data = dict(form.cleaned_data)
        try:
            review = services.record_review(
                actor=self.request.user,
                community=data.pop("community"),
                manager=data.pop("manager"),
                quarter=data.pop("quarter"),
                comment=data.pop("comment"),
                **data,
            )
        except DomainError as exc:
            add_domain_errors(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, _("Saved. The manager is asked to read and acknowledge it."))
        return redirect(reverse("console:people-review-list") + f"?quarter={review.quarter}")


class MyReviews(StaffRequiredMixin, generic.TemplateView):
    """A community manager's own quarterly reviews, each to read and acknowledge (已阅)."""

    template_name = "people/my_reviews.html"
    permission = "people.review.view"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        waiting = self.request.GET.get("status") == EvaluationStatus.RECORDED
        if waiting:  # the workbench card's count: all those still to acknowledge
            reviews = list(selectors.reviews_to_acknowledge(self.request.user))
        else:
            reviews = list(selectors.own_reviews(self.request.user)[:24])
        ctx.update(
            title=_("My quarterly reviews"), reviews=reviews, object_list=reviews, waiting=waiting
        )
        return ctx

    def post(self, request):
        review = selectors.own_reviews(request.user).filter(pk=_int(request.POST.get("review")))
        review = review.first()
        if review is None:
            raise Http404
        try:
            services.acknowledge_review(actor=request.user, review=review)
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("Acknowledged."))
        return redirect("console:people-my-reviews")


def _int(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0
