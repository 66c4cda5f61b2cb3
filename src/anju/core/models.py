"""Core data: tenancy (organization, community), places, people, accounts, audit, numbering."""

from django.contrib.auth.models import AbstractUser, UserManager
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from .choices import (
    OWNER_RELATIONS,
    ActorType,
    AreaSource,
    HouseUsage,
    Relation,
    Role,
    ServiceLevel,
)
from .crypto import EncryptedTextField, blind_index
from .scoping import Scope, ScopedManager, ScopedQuerySet


class Organization(models.Model):
    """物业服务企业: the property-management company (or other manager, 民法典第937条)."""

    name = models.CharField(_("name"), max_length=200)
    credit_code = models.CharField(_("unified social credit code"), max_length=18, blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    address = models.CharField(_("address"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = ScopedManager()
    scope = Scope(organization="pk")

    class Meta:
        verbose_name = _("property-management company")
        verbose_name_plural = _("property-management companies")
        ordering = ["name"]

    def __str__(self):
        return self.name


COMMUNITY_CODE = RegexValidator(
    r"^[A-Za-z0-9]{2,6}$", _("2 to 6 letters or digits, such as A1 or XHY.")
)


class Community(models.Model):
    """小区 / 物业管理区域: one managed estate."""

    organization = models.ForeignKey(
        Organization,
        on_delete=models.PROTECT,
        related_name="communities",
        verbose_name=_("company"),
    )
    name = models.CharField(_("name"), max_length=200)
    address = models.CharField(_("address"), max_length=300, blank=True)
    jurisdiction = models.CharField(
        _("jurisdiction code"),
        max_length=12,
        default="000000",
        help_text=_(
            "Administrative division code used to pick local rule sets; 000000 = national."
        ),
    )
    service_level = models.PositiveSmallIntegerField(
        _("service level"), choices=ServiceLevel.choices, default=ServiceLevel.ONE
    )
    service_phone = models.CharField(_("24h service phone"), max_length=30, blank=True)
    developer = models.CharField(_("developer"), max_length=200, blank=True)
    code = models.CharField(
        _("short code"),
        max_length=6,
        blank=True,
        validators=[COMMUNITY_CODE],
        help_text=_(
            "2 to 6 letters or digits, unique in the company; part of every business number "
            "(BX-A1-20261202-0001). Left empty, one is given."
        ),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = ScopedManager()
    scope = Scope(organization="organization", community="pk")

    class Meta:
        verbose_name = _("community")
        verbose_name_plural = _("communities")
        ordering = ["organization_id", "name"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "name"], name="community_name_unique"),
            models.UniqueConstraint(fields=["organization", "code"], name="community_code_unique"),
        ]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        self.code = (self.code or "").strip().upper() or free_community_code(
            Community.objects.filter(organization_id=self.organization_id)
        )
        super().save(*args, **kwargs)


def free_community_code(communities) -> str:
    """The first of C1, C2, ... no community of ``communities`` (one company's) has."""
    taken = set(communities.values_list("code", flat=True))
    n = len(taken) + 1
    for i in range(1, n + 1):
        if f"C{i}" not in taken:
            return f"C{i}"
    return f"C{n}"  # pragma: no cover - the loop always finds one


class Building(models.Model):
    """楼栋."""

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    community = models.ForeignKey(
        Community, on_delete=models.PROTECT, related_name="buildings", verbose_name=_("community")
    )
    name = models.CharField(_("name"), max_length=100)
    floors = models.PositiveSmallIntegerField(_("floors above ground"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = ScopedManager()
    scope = Scope(organization="organization", community="community")

    class Meta:
        verbose_name = _("building")
        verbose_name_plural = _("buildings")
        ordering = ["community_id", "name"]
        constraints = [
            models.UniqueConstraint(fields=["community", "name"], name="building_name_unique")
        ]

    def __str__(self):
        return self.name


class Entrance(models.Model):
    """单元: an entrance (stairwell) of a building."""

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    community = models.ForeignKey(Community, on_delete=models.PROTECT, related_name="+")
    building = models.ForeignKey(
        Building, on_delete=models.CASCADE, related_name="entrances", verbose_name=_("building")
    )
    name = models.CharField(_("name"), max_length=50)

    objects = ScopedManager()
    scope = Scope(organization="organization", community="community")

    class Meta:
        verbose_name = _("entrance")
        verbose_name_plural = _("entrances")
        ordering = ["building_id", "name"]
        constraints = [
            models.UniqueConstraint(fields=["building", "name"], name="entrance_name_unique")
        ]

    def __str__(self):
        return f"{self.building.name}{self.name}"


class House(models.Model):
    """专有部分/房屋: a unit of exclusive ownership (home, shop or parking space)."""

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    community = models.ForeignKey(
        Community, on_delete=models.PROTECT, related_name="houses", verbose_name=_("community")
    )
    building = models.ForeignKey(
        Building, on_delete=models.PROTECT, related_name="houses", verbose_name=_("building")
    )
    entrance = models.ForeignKey(
        Entrance,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="houses",
        verbose_name=_("entrance"),
    )
    number = models.CharField(pgettext_lazy("house", "number"), max_length=30)
    floor = models.SmallIntegerField(_("floor"), null=True, blank=True)
    usage = models.CharField(
        pgettext_lazy("house", "usage"),
        max_length=12,
        choices=HouseUsage.choices,
        default=HouseUsage.RESIDENTIAL,
    )
    area = models.DecimalField(_("building area (m²)"), max_digits=10, decimal_places=2)
    area_source = models.CharField(
        _("area source"), max_length=10, choices=AreaSource.choices, default=AreaSource.REGISTRY
    )
    sold = models.BooleanField(_("sold"), default=True)
    delivered = models.BooleanField(_("delivered"), default=True)
    delivered_on = models.DateField(_("delivered on"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = ScopedManager()
    scope = Scope(organization="organization", community="community", house="pk")

    class Meta:
        verbose_name = _("house")
        verbose_name_plural = _("houses")
        ordering = ["community_id", "building_id", "floor", "number"]
        constraints = [
            models.UniqueConstraint(fields=["building", "number"], name="house_number_unique"),
            models.CheckConstraint(condition=Q(area__gt=0), name="house_area_positive"),
        ]
        indexes = [
            models.Index(fields=["community", "usage"], name="house_comm_usage"),
            models.Index(fields=["community", "sold", "delivered"], name="house_comm_sold"),
        ]

    def __str__(self):
        return f"{self.building.name}-{self.number}" if self.building_id else self.number

    @property
    def label(self):
        return str(self)

    @property
    def is_developer_held(self):
        """建设单位尚未出售和虽已出售但尚未交付的部分 (解释第9条; 条例第41条)."""
        return not self.sold or not self.delivered


class Person(models.Model):
    """自然人: an owner, resident or contact, with the minimum personal data (PIPL art. 6)."""

    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="people", verbose_name=_("company")
    )
    name = models.CharField(_("name"), max_length=100)
    phone = models.CharField(_("phone"), max_length=20, blank=True, db_index=True)
    id_number = EncryptedTextField(_("ID number"), blank=True, default="")
    id_number_index = models.CharField(
        max_length=64, blank=True, default="", db_index=True, editable=False
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = ScopedManager()
    scope = Scope(
        organization="organization",
        person="pk",
        community_subquery=lambda ids: Occupancy.objects.filter(community_id__in=ids).values(
            "person_id"
        ),
    )

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("people")
        ordering = ["organization_id", "name"]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        self.id_number_index = blind_index(self.id_number) if self.id_number else ""
        super().save(*args, **kwargs)


class OccupancyQuerySet(ScopedQuerySet):
    def active(self, on=None):
        on = on or timezone.localdate()
        return self.filter(Q(since__isnull=True) | Q(since__lte=on)).filter(
            Q(until__isnull=True) | Q(until__gte=on)
        )

    def owners(self):
        return self.filter(relation__in=OWNER_RELATIONS)


class Occupancy(models.Model):
    """A person's relation to a house: owner, co-owner, tenant or family member, over time."""

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    community = models.ForeignKey(Community, on_delete=models.PROTECT, related_name="+")
    house = models.ForeignKey(
        House, on_delete=models.CASCADE, related_name="occupancies", verbose_name=_("house")
    )
    person = models.ForeignKey(
        Person, on_delete=models.CASCADE, related_name="occupancies", verbose_name=_("person")
    )
    relation = models.CharField(_("relation"), max_length=10, choices=Relation.choices)
    is_payer = models.BooleanField(_("pays the fees"), default=False)
    is_representative = models.BooleanField(
        _("votes for the house"),
        default=False,
        help_text=_("The one owner who casts the house's vote (co-owners designate one)."),
    )
    since = models.DateField(_("since"), null=True, blank=True)
    until = models.DateField(_("until"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = OccupancyQuerySet.as_manager()
    scope = Scope(
        organization="organization", community="community", house="house", person="person"
    )

    class Meta:
        verbose_name = _("occupancy")
        verbose_name_plural = _("occupancies")
        ordering = ["house_id", "relation", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["house"],
                condition=Q(is_representative=True, until__isnull=True),
                name="one_current_representative_per_house",
            ),
            models.CheckConstraint(
                condition=Q(is_representative=False) | Q(relation__in=["owner", "co_owner"]),
                name="representative_is_owner",
            ),
            models.CheckConstraint(
                condition=Q(until__isnull=True)
                | Q(since__isnull=True)
                | Q(until__gte=models.F("since")),
                name="occupancy_dates_ordered",
            ),
        ]
        indexes = [
            models.Index(fields=["person", "until"], name="occ_person_until"),
            models.Index(fields=["community", "relation"], name="occ_comm_relation"),
        ]

    def __str__(self):
        return f"{self.person} · {self.get_relation_display()} · {self.house}"

    def clean(self):
        if self.is_representative and self.relation not in OWNER_RELATIONS:
            raise ValidationError(
                {"is_representative": _("Only an owner or co-owner can vote for the house.")}
            )
        if self.until and self.since and self.until < self.since:
            raise ValidationError({"until": _("The end date must not be before the start date.")})


class User(AbstractUser):
    """A login: staff (through memberships) or resident (through ``person``)."""

    phone = models.CharField(_("phone"), max_length=20, null=True, blank=True, unique=True)
    person = models.OneToOneField(
        Person,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="user",
        verbose_name=_("person"),
    )
    large_text = models.BooleanField(_("large text"), default=False)
    language = models.CharField(
        _("language"),
        max_length=10,
        blank=True,
        choices=[("zh-hans", "简体中文"), ("en", "English")],
        help_text=_("Messages to this person are written in it; empty: the site's language."),
    )
    home_organization = models.ForeignKey(
        Organization,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("company"),
        help_text=_("The company whose staff created this login."),
    )

    objects = UserManager()

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self):
        """The person's name wherever a login is shown (a list, a select, a history line);
        the username only for a login without one."""
        return self.get_full_name() or self.username

    def active_memberships(self):
        cache = self.__dict__.get("_memberships")
        if cache is None:
            # One query: a row per (membership, community), grouped here.
            rows = Membership.objects.filter(user=self, active=True).annotate(
                community_pk=models.F("communities__id")
            )
            by_pk = {}
            for row in rows:
                membership = by_pk.setdefault(row.pk, row)
                ids = membership.__dict__.setdefault("_community_ids", [])
                if row.community_pk is not None:
                    ids.append(row.community_pk)
            cache = list(by_pk.values())
            self.__dict__["_memberships"] = cache
        return cache

    def resident_house_ids(self):
        cache = self.__dict__.get("_house_ids")
        if cache is None:
            if not self.person_id:
                cache = []
            else:
                cache = list(
                    Occupancy.objects.active()
                    .filter(person_id=self.person_id)
                    .values_list("house_id", flat=True)
                )
            self.__dict__["_house_ids"] = cache
        return cache

    def resident_community_ids(self):
        cache = self.__dict__.get("_resident_community_ids")
        if cache is None:
            house_ids = self.resident_house_ids()
            cache = (
                set(House.objects.filter(pk__in=house_ids).values_list("community_id", flat=True))
                if house_ids
                else set()
            )
            self.__dict__["_resident_community_ids"] = cache
        return set(cache)

    @property
    def is_staff_member(self):
        return self.is_superuser or bool(self.active_memberships())

    @property
    def is_resident(self):
        return bool(self.person_id) and bool(self.resident_house_ids())

    def staff_community_ids(self):
        """Communities this user works in as staff (all of their organizations' when unlimited)."""
        if self.is_superuser:
            return set(Community.objects.values_list("pk", flat=True))
        ids = set()
        for m in self.active_memberships():
            limited = m.community_ids()
            if limited:
                ids |= set(limited)
            else:
                ids |= set(
                    Community.objects.filter(organization_id=m.organization_id).values_list(
                        "pk", flat=True
                    )
                )
        return ids

    def refresh_scope(self):
        self.__dict__.pop("_memberships", None)
        self.__dict__.pop("_house_ids", None)
        self.__dict__.pop("_resident_community_ids", None)


class Membership(models.Model):
    """A user's role in a company, optionally limited to some of its communities."""

    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("user")
    )
    organization = models.ForeignKey(
        Organization,
        on_delete=models.CASCADE,
        related_name="memberships",
        verbose_name=_("company"),
    )
    role = models.CharField(_("role"), max_length=12, choices=Role.choices)
    communities = models.ManyToManyField(
        Community,
        blank=True,
        related_name="memberships",
        verbose_name=_("communities"),
        help_text=_("Empty means every community of the company."),
    )
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = ScopedManager()
    scope = Scope(organization="organization", person="user__person")

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        ordering = ["organization_id", "user_id", "role"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "organization", "role"], name="membership_unique"
            )
        ]

    def __str__(self):
        return f"{self.user} · {self.get_role_display()}"

    def community_ids(self):
        cache = self.__dict__.get("_community_ids")
        if cache is None:
            cache = [c.pk for c in self.communities.all()]
            self.__dict__["_community_ids"] = cache
        return cache

    def covers_community(self, community_id):
        ids = self.community_ids()
        if ids:
            return community_id in ids
        every = self.__dict__.get("_organization_community_ids")
        if every is None:
            every = set(
                Community.objects.filter(organization_id=self.organization_id).values_list(
                    "pk", flat=True
                )
            )
            self.__dict__["_organization_community_ids"] = every
        return community_id in every


class Login(models.Model):
    """登录: one signed-in device of a user, an API token or a console/portal session, that its
    owner can list and revoke (core.logins). A token is kept only as its SHA-256 digest; a
    session row names the session-store key that revoking deletes."""

    class Kind(models.TextChoices):
        TOKEN = "token", _("App or API token")
        SESSION = "session", _("Browser session")

    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="logins", verbose_name=_("user")
    )
    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices)
    token_digest = models.CharField(max_length=64, null=True, blank=True, unique=True)
    session_key = models.CharField(max_length=40, null=True, blank=True, unique=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    last_used_at = models.DateTimeField(_("last used"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires"))
    user_agent = models.CharField(_("device"), max_length=255, blank=True)
    address = models.GenericIPAddressField(_("address"), null=True, blank=True)

    class Meta:
        verbose_name = _("login")
        verbose_name_plural = _("logins")
        ordering = ["-last_used_at", "-id"]
        indexes = [models.Index(fields=["user", "expires_at"], name="login_user_expires")]

    def __str__(self):
        return f"{self.user} · {self.get_kind_display()}"


class AuditEntry(models.Model):
    """审计日志: who did what, when, with before and after. Append-only."""

    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, null=True, related_name="+"
    )
    community = models.ForeignKey(Community, on_delete=models.PROTECT, null=True, related_name="+")
    actor = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+")
    actor_type = models.CharField(max_length=8, choices=ActorType.choices, default=ActorType.USER)
    actor_label = models.CharField(max_length=150, blank=True)
    action = models.CharField(_("action"), max_length=80)
    content_type = models.ForeignKey(
        ContentType, on_delete=models.PROTECT, null=True, db_index=False
    )  # led by audit_object
    object_id = models.CharField(max_length=40, blank=True)
    object_repr = models.CharField(max_length=200, blank=True)
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField(null=True, blank=True)
    created_at = models.DateTimeField(_("time"), default=timezone.now, db_index=True)

    objects = ScopedManager()
    scope = Scope(organization="organization", community="community")

    class Meta:
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit log")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["content_type", "object_id", "created_at"], name="audit_object")
        ]

    def __str__(self):
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.actor_label} {self.action}"

    plain_insert = True  # save() only refuses changes: core.db.insert may write new entries

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValidationError(_("Audit entries cannot be changed."))
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValidationError(_("Audit entries cannot be deleted."))

    def changes(self):
        """(field, before, after) for display; safe for any payload keys."""
        before = self.before if isinstance(self.before, dict) else {}
        after = self.after if isinstance(self.after, dict) else {}
        return [(key, before.get(key, ""), after.get(key, "")) for key in {**before, **after}]


class NumberSequence(models.Model):
    """Counter for readable numbers per prefix, community and day (BX-20261126-0007)."""

    prefix = models.CharField(max_length=8)
    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["prefix", "community", "day"], name="number_sequence_unique"
            )
        ]

    def __str__(self):
        return f"{self.prefix}-{self.day:%Y%m%d}-{self.last:04d}"


class Attachment(models.Model):
    """附件: a file attached to any object (photos, scans, evidence, documents).

    Files come in only through ``core.attachments`` (content sniffed, re-encoded, stored under a
    random name) and go out only through its view, which asks the owning object's model
    ``visible_to(user, Model.attachments_view_permission)``: a model with files declares that
    permission, and its ``attachments`` (``attachments.relation()``)."""

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    community = models.ForeignKey(Community, on_delete=models.PROTECT, null=True, related_name="+")
    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT)
    object_id = models.CharField(max_length=40)
    file = models.FileField(_("file"), upload_to="attachments/%Y/%m/", max_length=200)
    thumbnail = models.FileField(
        _("thumbnail"), upload_to="attachments/%Y/%m/", max_length=200, blank=True
    )
    name = models.CharField(_("name"), max_length=200, blank=True, help_text=_("As uploaded."))
    caption = models.CharField(_("caption"), max_length=100, blank=True)
    media_type = models.CharField(_("content type"), max_length=100, blank=True)
    size = models.PositiveBigIntegerField(_("size"), null=True, blank=True)
    width = models.PositiveIntegerField(_("width"), null=True, blank=True)
    height = models.PositiveIntegerField(_("height"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)
    uploaded_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(_("time"), auto_now_add=True)

    objects = ScopedManager()
    scope = Scope(organization="organization", community="community")

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["id"]
        indexes = [models.Index(fields=["content_type", "object_id"], name="attachment_object")]

    def __str__(self):
        return self.name or self.file.name

    @property
    def url(self):
        from django.urls import reverse

        return reverse("attachment", args=[self.pk])

    @property
    def thumbnail_url(self):
        from django.urls import reverse

        return reverse("attachment-thumbnail", args=[self.pk]) if self.thumbnail else None

    @property
    def is_image(self):
        return self.media_type.startswith("image/")


class Job(models.Model):
    """A long operation (import, export, billing run) whose progress the console shows."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, null=True, related_name="+"
    )
    community = models.ForeignKey(Community, on_delete=models.CASCADE, null=True, related_name="+")
    kind = models.CharField(_("kind"), max_length=50)
    status = models.CharField(
        _("status"), max_length=8, choices=Status.choices, default=Status.QUEUED
    )
    done = models.PositiveIntegerField(default=0)
    total = models.PositiveIntegerField(default=0)
    message = models.TextField(blank=True)
    result = models.JSONField(null=True, blank=True)
    created_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ScopedManager()
    scope = Scope(organization="organization", community="community")

    class Meta:
        verbose_name = _("job")
        verbose_name_plural = _("jobs")
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.kind} {self.status}"

    # kind -> label; apps register theirs through core.progress.KIND_LABELS (the same dict)
    KIND_LABELS: dict = {}

    @property
    def kind_label(self):
        return self.KIND_LABELS.get(self.kind, self.kind)

    @property
    def percent(self):
        return (
            int(self.done * 100 / self.total)
            if self.total
            else (100 if self.status == "done" else 0)
        )


class JobClaim(models.Model):
    """A periodic job (core.jobs) being run by one worker now: several workers on several
    machines never run the same sweep at the same time. ``until``: when the claim of a worker
    that died without letting go lapses."""

    name = models.CharField(_("job"), max_length=200, unique=True)
    holder = models.CharField(_("worker"), max_length=120, blank=True)
    until = models.DateTimeField(_("claimed until"), null=True, blank=True)

    class Meta:
        verbose_name = _("job claim")
        verbose_name_plural = _("job claims")

    def __str__(self):
        return self.name


from .messaging import Notification, NotificationPreference, WechatIdentity  # noqa: E402, F401
