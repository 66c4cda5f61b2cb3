"""The reference calendar of the warm reminders and of working days: the solar terms (二十四节气,
shipped data from scripts/solar_terms.py), the national holidays with their days off and make-up
working days (scripts/holidays.py), and each company's own days."""

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from anju.core.models import Organization
from anju.core.scoping import Scope, ScopedQuerySet, scope_q

__all__ = ["Holiday", "HolidayQuerySet", "MakeupWorkday", "SolarTerm"]


class SolarTerm(models.Model):
    """二十四节气: the date (Beijing time) each solar term begins, per year. Shipped as data."""

    year = models.PositiveSmallIntegerField(_("year"))
    name = models.CharField(_("name"), max_length=4)
    order = models.PositiveSmallIntegerField(_("order"))
    date = models.DateField(_("date"))
    moment = models.CharField(_("moment (Beijing time)"), max_length=16, blank=True)

    class Meta:
        verbose_name = _("solar term")
        verbose_name_plural = _("solar terms")
        ordering = ["date"]
        constraints = [models.UniqueConstraint(fields=["year", "name"], name="solar_term_unique")]
        indexes = [models.Index(fields=["name", "date"], name="solar_term_name_date")]

    def __str__(self):
        return f"{self.year} {self.name} {self.date}"


class HolidayQuerySet(ScopedQuerySet):
    """``visible_to`` gives the national rows (no company: ``Scope.shared_without_organization``)
    and a company's own by the scope, like every tenant row; writes go through ``editable_by``,
    which never includes the national calendar."""

    def editable_by(self, user, perm):
        if not getattr(user, "is_authenticated", False):
            return self.none()
        q = scope_q(self.model, user, perm)
        rows = self.filter(organization__isnull=False)
        return rows if q is None else rows.filter(q)

    def for_organization(self, organization_id):
        """The calendar one company works by: the national rows and its own."""
        return self.filter(Q(organization__isnull=True) | Q(organization_id=organization_id))


class Holiday(models.Model):
    """节假日: a holiday or festival of a year. National rows (no company) are the State
    Council's calendar, changed only by the platform administrator; a company adds its own."""

    organization = models.ForeignKey(
        Organization,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("company"),
        help_text=_("Empty for the national calendar."),
    )
    year = models.PositiveSmallIntegerField(_("year"))
    key = models.SlugField(_("key"), max_length=30)
    name = models.CharField(_("name"), max_length=30)
    date = models.DateField(_("date"))
    off_from = models.DateField(_("first day off"), null=True, blank=True)
    off_until = models.DateField(_("last day off"), null=True, blank=True)
    provisional = models.BooleanField(
        _("provisional"),
        default=False,
        help_text=_("Computed, not yet in an official notice: dates and days off may change."),
    )
    source = models.CharField(_("source"), max_length=300, blank=True)

    objects = models.Manager.from_queryset(HolidayQuerySet)()
    scope = Scope(organization="organization", shared_without_organization=True)

    class Meta:
        verbose_name = _("holiday")
        verbose_name_plural = _("holidays")
        ordering = ["date", "key"]
        constraints = [
            models.UniqueConstraint(
                fields=["year", "key"],
                condition=Q(organization__isnull=True),
                name="holiday_national_unique",
            ),
            models.UniqueConstraint(
                fields=["organization", "year", "key"],
                condition=Q(organization__isnull=False),
                name="holiday_company_unique",
            ),
            models.CheckConstraint(
                condition=(Q(off_from__isnull=True) & Q(off_until__isnull=True))
                | Q(off_from__lte=F("off_until")),
                name="holiday_days_off_range",
            ),
        ]
        indexes = [
            models.Index(fields=["key", "date"], name="holiday_key_date"),
            models.Index(fields=["off_from", "off_until"], name="holiday_days_off"),
        ]

    def __str__(self):
        return f"{self.year} {self.name} {self.date}"

    @property
    def national(self):
        return self.organization_id is None

    @property
    def days_off(self):
        if self.off_from is None or self.off_until is None:
            return 0
        return (self.off_until - self.off_from).days + 1


class MakeupWorkday(models.Model):
    """调休上班日: a weekend day worked in exchange for a holiday's bridged days off."""

    holiday = models.ForeignKey(
        Holiday, on_delete=models.CASCADE, related_name="workdays", verbose_name=_("holiday")
    )
    date = models.DateField(_("date"))

    class Meta:
        verbose_name = _("make-up working day")
        verbose_name_plural = _("make-up working days")
        ordering = ["date"]
        constraints = [
            models.UniqueConstraint(fields=["holiday", "date"], name="makeup_workday_unique")
        ]
        indexes = [models.Index(fields=["date"], name="makeup_workday_date")]

    def __str__(self):
        return f"{self.date} ({self.holiday.name})"
