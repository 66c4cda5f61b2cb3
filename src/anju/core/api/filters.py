"""The list filters of the API (``filterset_fields``), with references filtered by id.

django-filter checks a foreign-key filter's value against every row of the referenced table:
``?community=<id>`` answered 400 for an id that does not exist and an empty list for another
company's community, an existence oracle. Here a reference filter takes a whole number and
filters the column; an id nobody may see and an id that does not exist both list nothing."""

from django import forms
from django.db import models
from django_filters import NumberFilter
from django_filters.rest_framework import DjangoFilterBackend, FilterSet


class IdFilter(NumberFilter):
    field_class = forms.IntegerField


class ReferenceFilterSet(FilterSet):
    FILTER_DEFAULTS = {
        **FilterSet.FILTER_DEFAULTS,
        models.ForeignKey: {"filter_class": IdFilter},
        models.OneToOneField: {"filter_class": IdFilter},
        models.ManyToManyField: {"filter_class": IdFilter},
    }


class FilterBackend(DjangoFilterBackend):
    filterset_base = ReferenceFilterSet
