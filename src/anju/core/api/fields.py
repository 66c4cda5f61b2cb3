from django.core.exceptions import ObjectDoesNotExist
from rest_framework import serializers

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
            return self.get_queryset().get(pk=int(data))
        except (TypeError, ValueError):
            self.fail("incorrect_type", data_type=type(data).__name__)
        except ObjectDoesNotExist:
            name = self.field_name or (self.parent.field_name if self.parent else "")
            raise RelatedNotFound(name)
