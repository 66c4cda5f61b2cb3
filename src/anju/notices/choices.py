from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class NoticeKind(models.TextChoices):
    NOTICE = "notice", _("Notice")
    REMINDER = "reminder", _("Warm reminder")
    OUTAGE = "outage", _("Water/power outage")
    EVENT = "event", _("Event")
    PUBLICITY = "publicity", _("Public announcement")


class NoticeStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SCHEDULED = "scheduled", pgettext_lazy("notice status", "Scheduled")
    PUBLISHED = "published", _("Published")
    ARCHIVED = "archived", _("Archived")


class AudienceScope(models.TextChoices):
    ORGANIZATION = "organization", _("Whole company")
    COMMUNITY = "community", _("Community")
    BUILDING = "building", _("Buildings")
    ENTRANCE = "entrance", _("Entrances")
    HOUSES = "houses", _("Selected houses")


class AudienceKind(models.TextChoices):
    RESIDENTS = "residents", _("Residents")
    STAFF = "staff", _("Staff")


class TriggerKind(models.TextChoices):
    SOLAR_TERM = "solar_term", _("Solar term")
    SEASON = "season", _("Season")
    HOLIDAY = "holiday", _("Holiday")
    WEATHER = "weather", _("Weather")
    POLICY = "policy", _("Policy change")


class Season(models.TextChoices):
    SPRING = "spring", _("Spring")
    SUMMER = "summer", _("Summer")
    AUTUMN = "autumn", _("Autumn")
    WINTER = "winter", _("Winter")


SEASON_START = {"spring": "立春", "summer": "立夏", "autumn": "立秋", "winter": "立冬"}


class WeatherCondition(models.TextChoices):
    HEAT = "heat", _("Heat day")
    COLD = "cold", _("Cold wave")
    RAINSTORM = "rainstorm", _("Rainstorm")
    TYPHOON = "typhoon", _("Typhoon")
    SNOW = "snow", _("Snow and ice")


class ProposalStatus(models.TextChoices):
    PROPOSED = "proposed", _("Awaiting approval")
    PUBLISHED = "published", _("Published")
    DISMISSED = "dismissed", _("Dismissed")


class SurveyStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SCHEDULED = "scheduled", _("Scheduled")
    OPEN = "open", _("Open")
    CLOSED = "closed", _("Closed")


class SurveyAudience(models.TextChoices):
    ALL = "all", _("All households")
    SAMPLE = "sample", _("Random sample")


class QuestionKind(models.TextChoices):
    SINGLE = "single", _("Single choice")
    MULTIPLE = "multiple", _("Multiple choice")
    RATING = "rating", _("Rating 1-5")
    NPS = "nps", _("NPS 0-10")
    TEXT = "text", _("Free text")


class Dimension(models.TextChoices):
    SERVICE = "service", _("Customer service")
    REPAIR = "repair", _("Repairs")
    SECURITY = "security", _("Order and security")
    CLEANING = "cleaning", _("Cleaning")
    GREENING = "greening", _("Greening")
    FACILITIES = "facilities", _("Facilities and equipment")
    FEES = "fees", _("Fee transparency")
    OVERALL = "overall", _("Overall")


class SuggestionStatus(models.TextChoices):
    OPEN = "open", _("Open")
    REPLIED = "replied", _("Replied")
    CLOSED = "closed", _("Closed")


class MeetingStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    HELD = "held", _("Held")


class ActionStatus(models.TextChoices):
    OPEN = "open", _("Open")
    DONE = "done", _("Done")
