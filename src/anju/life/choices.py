"""Vocabularies of community life: paid home services and community events."""

from django.db import models
from django.utils.translation import pgettext_lazy


class OrderStatus(models.TextChoices):
    ORDERED = "ordered", pgettext_lazy("service order status", "Ordered")
    QUOTED = "quoted", pgettext_lazy("service order status", "Quote to decide")
    UNPAID = "unpaid", pgettext_lazy("service order status", "Awaiting payment")
    PAID = "paid", pgettext_lazy("service order status", "Paid")
    CANCELLED = "cancelled", pgettext_lazy("service order status", "Cancelled")
    REFUNDED = "refunded", pgettext_lazy("service order status", "Refunded")


class QuoteDecision(models.TextChoices):
    NONE = "", pgettext_lazy("quote decision", "No quote")
    PENDING = "pending", pgettext_lazy("quote decision", "Awaiting the resident")
    ACCEPTED = "accepted", pgettext_lazy("quote decision", "Accepted")
    DECLINED = "declined", pgettext_lazy("quote decision", "Declined")


OPEN_ORDER_STATUSES = (OrderStatus.ORDERED, OrderStatus.QUOTED, OrderStatus.UNPAID)


class EventStatus(models.TextChoices):
    OPEN = "open", pgettext_lazy("event status", "Open")
    CANCELLED = "cancelled", pgettext_lazy("event status", "Cancelled")


class SignupStatus(models.TextChoices):
    CONFIRMED = "confirmed", pgettext_lazy("signup status", "Confirmed")
    WAITLISTED = "waitlisted", pgettext_lazy("signup status", "On the waitlist")
    CHECKED_IN = "checked_in", pgettext_lazy("signup status", "Checked in")
    CANCELLED = "cancelled", pgettext_lazy("signup status", "Cancelled")


# A sign-up in these states holds its places (checked-in people came on a confirmed place).
HOLDING_SIGNUP = (SignupStatus.CONFIRMED, SignupStatus.CHECKED_IN)
ACTIVE_SIGNUP = (*HOLDING_SIGNUP, SignupStatus.WAITLISTED)

ORDER_SOURCE_PREFIX = "life.order:"
SIGNUP_SOURCE_PREFIX = "life.signup:"
