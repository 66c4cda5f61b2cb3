from django.core.exceptions import ObjectDoesNotExist
from rest_framework import serializers

from ..db import load
from ..scoping import object_visible, staff_in_scope
from .errors import RelatedNotFound


class ScopedRelatedField(serializers.PrimaryKeyRelatedField):
    """A reference that resolves only inside the caller's scope; anything else is 404.

    The one field for every writable reference of the API: an id of another company (or of a
    community the caller does not work in) answers exactly as an id that does not exist, 404
    naming the field and never the object. ``visible(user, perm)`` replaces the model's
    ``visible_to`` where the scope is not a tenant row's (logins: ``StaffField``)."""

    def __init__(self, model=None, perm=None, visible=None, **kwargs):
        self.scope_perm = perm
        self.visible = visible
        if not kwargs.get("read_only"):
            kwargs.setdefault("queryset", model.objects.all())
        super().__init__(**kwargs)

    def get_queryset(self):
        queryset = super().get_queryset()
        request = self.context.get("request")
        if request is None:
            return queryset.none()
        if self.visible is not None:
            return queryset.filter(pk__in=self.visible(request.user, self.scope_perm).values("pk"))
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
        own_rules = self.visible is None and (
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


class StaffField(ScopedRelatedField):
    """A staff member (assignee, technician, guard, evaluated employee ...) by id: an active login
    with an active membership in the caller's company and, when the caller's own membership is
    limited to some communities, in those (``scoping.staff_in_scope``). Anyone else, a resident,
    another company's employee, is answered as an id that does not exist.

    ``perm`` is the permission the caller acts with (the view's for the current action when
    None); ``roles`` limits the staff to those roles."""

    def __init__(self, perm=None, roles=None, **kwargs):
        from ..models import User

        self.roles = roles
        kwargs.setdefault("queryset", User.objects.all())
        super().__init__(User, perm, visible=self.staff, **kwargs)

    def staff(self, user, perm):
        if perm is None:
            view = self.context.get("view")
            required = getattr(view, "required_permission", None)
            perm = required() if required else None
        return staff_in_scope(user, perm, self.roles)
