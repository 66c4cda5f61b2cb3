"""Governance REST API: votes (contract of issue 5), ballots, results, disclosures, the public
income ledger and the maintenance fund. Thin: validate, call a service, serialize."""

from decimal import Decimal

from django.http import HttpResponse
from django.utils.translation import gettext_lazy as _
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from anju.core import attachments, policy
from anju.core.api import query
from anju.core.api.attachments import AttachmentsField
from anju.core.api.errors import RelatedNotFound
from anju.core.api.fields import ScopedRelatedField
from anju.core.api.viewsets import ScopedModelViewSet, ScopedReadOnlyViewSet
from anju.core.errors import DomainError
from anju.core.models import Building, Community, House, Person

from . import selectors, services, tally
from .choices import Choice, IncomeCategory, IncomeKind, Matter, VoteStatus
from .models import (
    Disclosure,
    ElectorHouse,
    FundAccount,
    FundEntry,
    FundUseRequest,
    IncomeAllocation,
    IncomeEntry,
    RuleSet,
    Vote,
)

MANAGE_VOTE = "governance.vote.manage"
VIEW_OR_MANAGE = "governance.vote.view"  # attachments: reading (POST: required_permission)


class VoteSerializer(serializers.ModelSerializer):
    community = ScopedRelatedField(Community, MANAGE_VOTE, label=_("community"))
    matter = serializers.ChoiceField(choices=Matter.choices, label=_("matter"))
    buildings = ScopedRelatedField(
        Building, "core.building.view", many=True, required=False, label=_("buildings")
    )
    houses = ScopedRelatedField(
        House, "core.house.view", many=True, required=False, label=_("houses")
    )
    rule = serializers.CharField(read_only=True)
    item = serializers.IntegerField(read_only=True)
    allowed_actions = serializers.SerializerMethodField()
    attachments = AttachmentsField()

    class Meta:
        model = Vote
        fields = [
            "id",
            "number",
            "community",
            "title",
            "matter",
            "item",
            "text",
            "opens_at",
            "closes_at",
            "buildings",
            "houses",
            "status",
            "notice_published_at",
            "opened_at",
            "closed_at",
            "rule",
            "digest",
            "retain_until",
            "allowed_actions",
            "attachments",
            "created_at",
        ]
        read_only_fields = [
            "number",
            "status",
            "notice_published_at",
            "opened_at",
            "closed_at",
            "digest",
            "retain_until",
        ]

    def get_allowed_actions(self, obj) -> list[str]:
        return selectors.allowed_now(obj)


class BallotInputSerializer(serializers.Serializer):
    person = ScopedRelatedField(
        Person, "governance.vote.view", required=False, allow_null=True, label=_("person")
    )
    developer = serializers.BooleanField(
        required=False, default=False, label=_("the developer's ballot (staff, paper)")
    )
    choice = serializers.ChoiceField(choices=Choice.choices, label=_("choice"))
    scan = serializers.FileField(required=False, label=_("scan of the paper ballot"))


class VoteViewSet(ScopedModelViewSet):
    """业主共同决定事项表决. Actions: publish_notice, open, close, cancel, ballots, result, check,
    verify, remind, houses."""

    queryset = Vote.objects.select_related("rule_set", "community").prefetch_related(
        "buildings", "houses", "attachments"
    )
    serializer_class = VoteSerializer
    permission_prefix = "governance.vote"
    http_method_names = ["get", "post", "patch", "head", "options"]
    action_permissions = {
        "create": MANAGE_VOTE,
        "partial_update": MANAGE_VOTE,
        "update": MANAGE_VOTE,
        "publish_notice": MANAGE_VOTE,
        "open": MANAGE_VOTE,
        "close": MANAGE_VOTE,
        "cancel": MANAGE_VOTE,
        "remind": MANAGE_VOTE,
        "attachments": VIEW_OR_MANAGE,
        "ballots": "governance.vote.view",
        "result": "governance.vote.view",
        "check": "governance.vote.view",
        "verify": "governance.vote.view",
        "houses": "governance.vote.view",
    }
    filterset_fields = ["community", "status", "matter"]
    search_fields = ["number", "title"]

    def required_permission(self):
        # Attachments: reading them is the voters', adding one the organisers'.
        if self.action == "attachments" and self.request.method == "POST":
            return MANAGE_VOTE
        return super().required_permission()

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        self.check_scope(MANAGE_VOTE, data["community"].pk)
        serializer.instance = services.create_vote(actor=self.request.user, **data)

    def perform_update(self, serializer):
        serializer.instance = services.update_vote(
            serializer.instance, dict(serializer.validated_data), actor=self.request.user
        )

    def _transition(self, fn, request):
        vote = self.get_object()
        vote = fn(vote, actor=request.user)
        return Response(self.get_serializer(vote).data)

    @action(detail=True, methods=["post"])
    def publish_notice(self, request, pk=None):
        return self._transition(services.publish_notice, request)

    @action(detail=True, methods=["post"])
    def open(self, request, pk=None):
        return self._transition(services.open_vote, request)

    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        return self._transition(services.close_vote, request)

    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        return self._transition(services.cancel_vote, request)

    @action(detail=True, methods=["post"])
    def remind(self, request, pk=None):
        return Response(
            {"reminded": services.remind_non_voters(self.get_object(), actor=request.user)}
        )

    @action(detail=True, methods=["post"], serializer_class=BallotInputSerializer)
    def ballots(self, request, pk=None):
        """Cast (owner, online) or record (staff, paper with scan) a ballot."""
        vote = self.get_object()
        data = BallotInputSerializer(data=request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        person, developer = data.validated_data.get("person"), data.validated_data["developer"]
        if person is not None and person.organization_id != vote.organization_id:
            raise RelatedNotFound("person")
        if person is None and not developer:
            message = _("This person owns no house in this vote's electorate.")
            raise DomainError(message, fields={"person": [message]})
        ballot = services.cast_ballot(
            actor=request.user,
            vote=vote,
            person=person,
            choice=data.validated_data["choice"],
            scan=data.validated_data.get("scan"),
            developer=developer,
        )
        return Response(
            {
                "vote": vote.pk,
                "seq": ballot.seq,
                "person": ballot.person_id,
                "choice": ballot.choice,
                "channel": ballot.channel,
                "cast_at": ballot.cast_at,
                "receipt": ballot.hash,
                "prev_hash": ballot.prev_hash,
                "replaces": ballot.replaces.seq if ballot.replaces else None,
                "houses": ballot.elector.label,
                "area": str(ballot.elector.area),
                "attachments": [attachments.describe(ballot.scan)] if ballot.scan_id else [],
            },
            status=201,
        )

    @action(detail=True, methods=["get"])
    def result(self, request, pk=None):
        return Response(tally.result_payload(self.get_object()))

    @action(detail=True, methods=["get"])
    def check(self, request, pk=None):
        """Ballot check: ?receipt=<hash> tells whether the ballot is in the chain and counted."""
        vote = self.get_object()
        data = selectors.check_receipt(vote, request.query_params.get("receipt", ""))
        ballot = data.pop("ballot", None)
        if ballot is not None and (
            ballot.person_id == request.user.person_id
            or policy.staff_has(request.user, MANAGE_VOTE, vote.community_id)
        ):
            data["choice"] = ballot.choice
        return Response(data)

    @action(detail=True, methods=["get", "post"], parser_classes=[MultiPartParser, FormParser])
    def attachments(self, request, pk=None):
        """The proposal's attachments; POST a ``file`` (multipart) before voting opens."""
        vote = self.get_object()
        if request.method == "POST":
            self.check_scope(MANAGE_VOTE, vote.community_id)
            upload = request.FILES.get("file")
            if upload is None:
                raise DomainError(_("Choose a file."), fields={"file": [_("Choose a file.")]})
            services.attach_to_vote(vote, upload, actor=request.user)
        rows = [attachments.describe(a) for a in selectors.vote_attachments(vote)]
        return Response(rows, status=201 if request.method == "POST" else 200)

    @action(detail=True, methods=["get"])
    def verify(self, request, pk=None):
        vote = self.get_object()
        return Response(
            tally.verify_chain(vote) | {"digest": vote.digest, "head_hash": vote.head_hash}
        )

    @action(detail=True, methods=["get"])
    def houses(self, request, pk=None):
        """The electorate as published: house number and area only; the counted choice after close."""
        vote = self.get_object()
        rows = ElectorHouse.objects.filter(vote=vote).order_by("label")
        choices = {}
        if vote.status == VoteStatus.CLOSED:
            choices = selectors.counted_choices(vote)
        page = self.paginate_queryset(rows)
        data = [
            {
                "house": r.label,
                "area": str(r.area),
                "area_source": r.area_source,
                "choice": choices.get(r.elector_id),
            }
            for r in page
        ]
        return self.get_paginated_response(data)


class RuleSetSerializer(serializers.ModelSerializer):
    class Meta:
        model = RuleSet
        exclude = []


class RuleSetViewSet(viewsets.ReadOnlyModelViewSet):
    """Voting and disclosure rule sets per jurisdiction and effective date (data, not code)."""

    queryset = RuleSet.objects.all()
    serializer_class = RuleSetSerializer
    permission_classes = [IsAuthenticated]
    filterset_fields = ["jurisdiction"]


class DisclosureSerializer(serializers.ModelSerializer):
    community = ScopedRelatedField(Community, "governance.disclosure.publish", label=_("community"))
    intact = serializers.SerializerMethodField()

    class Meta:
        model = Disclosure
        fields = [
            "id",
            "number",
            "community",
            "title",
            "period_start",
            "period_end",
            "status",
            "sections",
            "content_hash",
            "published_at",
            "version",
            "previous",
            "intact",
            "created_at",
        ]
        read_only_fields = [
            "number",
            "status",
            "sections",
            "content_hash",
            "published_at",
            "version",
            "previous",
        ]

    def get_intact(self, obj) -> bool:
        return services.is_intact(obj)


class DisclosureViewSet(mixins.CreateModelMixin, ScopedReadOnlyViewSet):
    queryset = Disclosure.objects.select_related("community")
    serializer_class = DisclosureSerializer
    permission_prefix = "governance.disclosure"
    action_permissions = {
        "create": "governance.disclosure.publish",
        "publish": "governance.disclosure.publish",
        "regenerate": "governance.disclosure.publish",
        "pdf": "governance.disclosure.view",
    }
    filterset_fields = ["community", "status"]

    def get_queryset(self):
        return selectors.readable_disclosures(self.request.user, super().get_queryset())

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        self.check_scope("governance.disclosure.publish", data["community"].pk)
        serializer.instance = services.generate_disclosure(actor=self.request.user, **data)

    @action(detail=True, methods=["post"])
    def regenerate(self, request, pk=None):
        obj = services.regenerate_disclosure(self.get_object(), actor=request.user)
        return Response(self.get_serializer(obj).data)

    @action(detail=True, methods=["post"])
    def publish(self, request, pk=None):
        obj = services.publish_disclosure(self.get_object(), actor=request.user)
        return Response(self.get_serializer(obj).data)

    @action(detail=True, methods=["get"])
    def pdf(self, request, pk=None):
        obj = self.get_object()
        response = HttpResponse(services.render_pdf(obj), content_type="application/pdf")
        response["Content-Disposition"] = f'inline; filename="{obj.number}.pdf"'
        return response


class IncomeEntrySerializer(serializers.ModelSerializer):
    community = ScopedRelatedField(Community, "governance.income.manage", label=_("community"))
    kind = serializers.ChoiceField(choices=IncomeKind.choices, label=_("kind"))
    category = serializers.ChoiceField(choices=IncomeCategory.choices, label=_("category"))
    amount = serializers.DecimalField(
        max_digits=14, decimal_places=2, min_value=Decimal("0.01"), label=_("amount")
    )
    evidence = serializers.FileField(required=False, write_only=True, label=_("evidence"))
    evidence_url = serializers.SerializerMethodField()
    attachments = AttachmentsField()

    class Meta:
        model = IncomeEntry
        fields = [
            "id",
            "number",
            "community",
            "kind",
            "category",
            "amount",
            "occurred_on",
            "description",
            "counterparty",
            "evidence",
            "evidence_url",
            "attachments",
            "reverses",
            "allocation",
            "created_at",
        ]
        read_only_fields = ["number", "reverses", "allocation"]

    def get_evidence_url(self, obj) -> str | None:
        return obj.evidence.url if obj.evidence_id else None


class IncomeEntryViewSet(mixins.CreateModelMixin, ScopedReadOnlyViewSet):
    queryset = IncomeEntry.objects.select_related("evidence").prefetch_related("attachments")
    serializer_class = IncomeEntrySerializer
    permission_prefix = "governance.income"
    action_permissions = {
        "create": "governance.income.manage",
        "reverse": "governance.income.manage",
    }
    filterset_fields = ["community", "kind", "category", "allocation"]

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        self.check_scope("governance.income.manage", data["community"].pk)
        serializer.instance = services.record_income(actor=self.request.user, **data)

    @action(detail=True, methods=["post"])
    def reverse(self, request, pk=None):
        row = services.reverse_income(
            self.get_object(), actor=request.user, reason=request.data.get("reason", "")
        )
        return Response(self.get_serializer(row).data, status=201)


class IncomeAllocationSerializer(serializers.ModelSerializer):
    community = ScopedRelatedField(Community, "governance.income.manage", label=_("community"))
    fund_share = serializers.CharField(
        required=False, write_only=True, label=_("share to the fund (e.g. 1/2)")
    )

    class Meta:
        model = IncomeAllocation
        fields = [
            "id",
            "community",
            "period_start",
            "period_end",
            "income",
            "costs",
            "net",
            "to_fund",
            "retained",
            "rule",
            "fund_share",
            "created_at",
        ]
        read_only_fields = ["income", "costs", "net", "to_fund", "retained", "rule"]


class IncomeAllocationViewSet(mixins.CreateModelMixin, ScopedReadOnlyViewSet):
    queryset = IncomeAllocation.objects.all()
    serializer_class = IncomeAllocationSerializer
    permission_prefix = "governance.income"
    action_permissions = {"create": "governance.income.manage"}
    filterset_fields = ["community"]

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        self.check_scope("governance.income.manage", data["community"].pk)
        try:
            serializer.instance = services.allocate_income(actor=self.request.user, **data)
        except ValueError as exc:
            raise DomainError(
                _("Enter the share as a fraction such as 1/2."),
                fields={"fund_share": [_("Enter the share as a fraction such as 1/2.")]},
            ) from exc


class FundAccountSerializer(serializers.ModelSerializer):
    house_label = serializers.CharField(source="house.label", read_only=True)
    area = serializers.DecimalField(
        source="house.area", max_digits=10, decimal_places=2, read_only=True
    )
    below_alert = serializers.SerializerMethodField()

    class Meta:
        model = FundAccount
        fields = [
            "id",
            "community",
            "house",
            "house_label",
            "area",
            "initial_deposit",
            "balance",
            "below_alert",
            "alerted_at",
        ]
        read_only_fields = fields  # read through a read-only viewset

    def get_below_alert(self, obj) -> bool:
        ratio = self.context.setdefault("_ratio", {}).get(obj.community_id)
        if ratio is None:
            ratio = self.context["_ratio"][obj.community_id] = selectors.alert_ratio(obj.community)
        return obj.below(ratio)


class FundAccountViewSet(ScopedReadOnlyViewSet):
    """分户账 per house. ``?low=1`` lists the houses below the alert share of the initial deposit."""

    queryset = FundAccount.objects.select_related("house__building", "community")
    serializer_class = FundAccountSerializer
    permission_prefix = "governance.fund"
    action_permissions = {"top_up": "governance.fund.manage"}
    filterset_fields = ["community", "house"]

    def get_queryset(self):
        queryset = super().get_queryset()
        community = query.identifier(self.request.query_params, "community")
        if query.flag(self.request.query_params, "low") and community:
            # Through the caller's scope: another company's community is as unknown as none.
            found = (
                Community.objects.visible_to(self.request.user, self.view_permission)
                .filter(pk=community)
                .first()
            )
            if found is None:
                return queryset.none()
            queryset = queryset.filter(pk__in=selectors.low_balance_accounts(found).values("pk"))
        return queryset

    @action(detail=True, methods=["post"])
    def top_up(self, request, pk=None):
        try:
            amount = Decimal(str(request.data.get("amount", "")))
        except ArithmeticError as exc:
            raise DomainError(
                _("Enter a positive amount."), fields={"amount": [_("Enter a positive amount.")]}
            ) from exc
        entry = services.top_up_fund(
            actor=request.user,
            account=self.get_object(),
            amount=amount,
            memo=request.data.get("memo", ""),
        )
        return Response(FundEntrySerializer(entry).data, status=201)


class FundEntrySerializer(serializers.ModelSerializer):
    class Meta:
        model = FundEntry
        fields = [
            "id",
            "account",
            "house",
            "kind",
            "amount",
            "balance_after",
            "request",
            "allocation",
            "memo",
            "created_at",
        ]
        read_only_fields = fields  # read through a read-only viewset


class FundEntryViewSet(ScopedReadOnlyViewSet):
    queryset = FundEntry.objects.all()
    serializer_class = FundEntrySerializer
    permission_prefix = "governance.fund"
    filterset_fields = ["community", "account", "house", "kind", "request"]


class FundUseRequestSerializer(serializers.ModelSerializer):
    community = ScopedRelatedField(Community, "governance.fund.manage", label=_("community"))
    houses = ScopedRelatedField(House, "core.house.view", many=True, label=_("houses that benefit"))
    remainder_house = ScopedRelatedField(
        House,
        "core.house.view",
        required=False,
        allow_null=True,
        label=_("house taking the rounding remainder"),
    )
    estimated_cost = serializers.DecimalField(
        max_digits=14, decimal_places=2, min_value=Decimal("0.01")
    )
    attachments = AttachmentsField()

    class Meta:
        model = FundUseRequest
        fields = [
            "id",
            "number",
            "community",
            "title",
            "description",
            "houses",
            "remainder_house",
            "estimated_cost",
            "actual_cost",
            "emergency",
            "emergency_kind",
            "justification",
            "vote",
            "status",
            "contractor",
            "disbursed_at",
            "attachments",
            "created_at",
        ]
        read_only_fields = ["number", "actual_cost", "vote", "status", "contractor", "disbursed_at"]


class WindowSerializer(serializers.Serializer):
    opens_at = serializers.DateTimeField(label=_("opens at"))
    closes_at = serializers.DateTimeField(label=_("closes at"))


class FundUseRequestViewSet(mixins.CreateModelMixin, ScopedReadOnlyViewSet):
    """Use requests: start_vote -> (vote) -> start_works -> apply -> approve -> disburse; emergencies
    go from proposed straight to start_works with their justification."""

    queryset = FundUseRequest.objects.prefetch_related("houses", "attachments")
    serializer_class = FundUseRequestSerializer
    permission_prefix = "governance.fund"
    action_permissions = dict.fromkeys(
        (
            "create",
            "start_vote",
            "start_works",
            "apply",
            "approve",
            "disburse",
            "reject",
            "attachments",
        ),
        "governance.fund.manage",
    )
    filterset_fields = ["community", "status", "emergency"]

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        self.check_scope("governance.fund.manage", data["community"].pk)
        serializer.instance = services.create_fund_request(actor=self.request.user, **data)

    def _done(self, obj):
        return Response(self.get_serializer(obj).data)

    @action(detail=True, methods=["post"])
    def start_vote(self, request, pk=None):
        s = WindowSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        return self._done(
            services.start_fund_vote(self.get_object(), actor=request.user, **s.validated_data)
        )

    @action(detail=True, methods=["post"])
    def start_works(self, request, pk=None):
        return self._done(
            services.start_works(
                self.get_object(), actor=request.user, contractor=request.data.get("contractor", "")
            )
        )

    @action(detail=True, methods=["post"])
    def apply(self, request, pk=None):
        try:
            cost = Decimal(str(request.data.get("actual_cost", "")))
        except ArithmeticError as exc:
            raise DomainError(
                _("Enter a positive amount."),
                fields={"actual_cost": [_("Enter a positive amount.")]},
            ) from exc
        return self._done(
            services.apply_for_disbursement(self.get_object(), actor=request.user, actual_cost=cost)
        )

    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        return self._done(services.approve_fund_request(self.get_object(), actor=request.user))

    @action(detail=True, methods=["post"])
    def disburse(self, request, pk=None):
        return self._done(services.disburse_fund_request(self.get_object(), actor=request.user))

    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        return self._done(
            services.reject_fund_request(
                self.get_object(), actor=request.user, reason=request.data.get("reason", "")
            )
        )

    @action(detail=True, methods=["post"], parser_classes=[MultiPartParser, FormParser])
    def attachments(self, request, pk=None):
        """POST one or more ``file`` (photos or PDFs: quotes, contract, acceptance report)."""
        obj = self.get_object()
        self.check_scope("governance.fund.manage", obj.community_id)
        files = request.FILES.getlist("file")
        if not files:
            raise DomainError(_("Choose a file."), fields={"file": [_("Choose a file.")]})
        services.attach_fund_documents(obj, files, actor=request.user)
        return Response(self.get_serializer(self.get_queryset().get(pk=obj.pk)).data, status=201)


def register(router):
    router.register("votes", VoteViewSet, basename="vote")
    router.register("vote-rule-sets", RuleSetViewSet, basename="vote-rule-set")
    router.register("disclosures", DisclosureViewSet, basename="disclosure")
    router.register("public-income", IncomeEntryViewSet, basename="public-income")
    router.register(
        "public-income-allocations", IncomeAllocationViewSet, basename="public-income-allocation"
    )
    router.register("fund-accounts", FundAccountViewSet, basename="fund-account")
    router.register("fund-entries", FundEntryViewSet, basename="fund-entry")
    router.register("fund-requests", FundUseRequestViewSet, basename="fund-request")
