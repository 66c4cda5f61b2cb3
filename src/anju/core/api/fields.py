from django.core.exceptions import ObjectDoesNotExist
from rest_framework import serializers

from ..db import load
from ..scoping import object_visible
from .errors import RelatedNotFound


class ScopedRelatedField(serializers.PrimaryKeyRelatedField):
    """A reference that resolves only inside the caller's scope; anything else is 404."""

    def __init__(self, model=None, perm=None, **kwargs):
        self.scope_perm = perm
        if not kwargs.get("read_only"):
            kwargs.setdefault("queryset", model.objects.all())
        super().__init__(**kwargs)

    def get_queryset(self):
        queryset = super().get_queryset()
        request = self.context.get("request")
        if request is None:
            return queryset.none()
        return queryset.visible_to(request.user, self.scope_perm)

    def to_internal_value(self, data):
        if isinstance(data, bool) or data in ("", None):
            self.fail("incorrect_type", data_type=type(data).__name__)
        try:
            pk = int(data)
        except (TypeError, ValueError):
            self.fail("incorrect_type", data_type=type(data).__name__)
        if not 0 < pk < 2**63:  # no row has it (and the database could not even compare it)
            self.not_found()
        request = self.context.get("request")
        cls = type(self)
        own_rules = (
            cls.get_queryset is ScopedRelatedField.get_queryset
            or cls.also_visible is not ScopedRelatedField.also_visible
        )
        if request is not None and own_rules:
            # The object by its key, then the caller's scope decided on it without a query
            # (scoping.object_visible); scopes that cross relations still ask the database.
            obj = self.by_key(pk)
            if obj is None:
                self.not_found()
            visible = object_visible(obj, request.user, self.scope_perm)
            if visible is False and self.also_visible(obj, request.user):
                visible = True
            if visible is not None:
                if not visible:
                    self.not_found()
                return obj
        try:
            return self.get_queryset().get(pk=pk)
        except ObjectDoesNotExist:
            self.not_found()

    def by_key(self, pk):
        """The referenced object, unscoped. A bare queryset (optionally following foreign keys
        with select_related) is read with one prepared statement (core.db.load), not compiled."""
        queryset = serializers.PrimaryKeyRelatedField.get_queryset(self)
        query = queryset.query
        related = query.select_related
        plain = not query.where and not query.annotations and not query.extra
        if plain and (related is False or isinstance(related, dict)):
            related = related or {}
            if all(not nested for nested in related.values()):
                return load(queryset.model, pk, related=tuple(related))
        return queryset.filter(pk=pk).first()

    def also_visible(self, obj, user):
        """Objects this field accepts beyond the scope. A subclass that changes ``get_queryset``
        must say the same here, or every reference is checked by a query on its queryset."""
        return False

    def not_found(self):
        name = self.field_name or (self.parent.field_name if self.parent else "")
        raise RelatedNotFound(name)
