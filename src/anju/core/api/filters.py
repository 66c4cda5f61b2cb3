"""The list filters of the API (``filterset_fields``), with references filtered by id.

django-filter checks a foreign-key filter's value against every row of the referenced table:
``?community=<id>`` answered 400 for an id that does not exist and an empty list for another
company's community, an existence oracle. Here a reference filter takes a whole number and
filters the column; an id nobody may see and an id that does not exist both list nothing."""

from django import forms
from django.db import models
from django_filters import NumberFilter
from django_filters.rest_framework import DjangoFilterBackend, FilterSet

from .query import MAX_ID


class IdFilter(NumberFilter):
    """An id: a whole number a database key can hold (a larger one is 400 naming the
    parameter, not an overflow inside the database driver)."""

    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(*args, **kwargs)


class ReferenceFilterSet(FilterSet):
    FILTER_DEFAULTS = {
        **FilterSet.FILTER_DEFAULTS,
        models.ForeignKey: {"filter_class": IdFilter},
        models.OneToOneField: {"filter_class": IdFilter},
        models.ManyToManyField: {"filter_class": IdFilter},
    }


class FilterBackend(DjangoFilterBackend):
    filterset_base = ReferenceFilterSet
