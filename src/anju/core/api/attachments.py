"""The ``attachments`` of every API object with files: ``[{"id", "url", "name", "content_type",
"size", "thumbnail_url"}]`` (``attachments.describe``; ``thumbnail_url`` null for documents).
``url`` is the scoped view (``/files/<id>/``), which answers only users who may see the object."""

from rest_framework import serializers

from .. import attachments


class AttachmentSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    url = serializers.CharField(read_only=True)
    name = serializers.CharField(read_only=True)
    content_type = serializers.CharField(read_only=True)
    size = serializers.IntegerField(read_only=True, allow_null=True)
    thumbnail_url = serializers.CharField(read_only=True, allow_null=True)

    def to_representation(self, instance):
        return attachments.describe(instance)


def AttachmentsField(**kwargs):  # noqa: N802  (a field, named as DRF's fields are)
    """The object's ``attachments`` relation (``attachments.relation()``) as the list above; name
    the field ``attachments`` (or give ``source``) and prefetch ``attachments`` on the viewset's
    queryset, so that a page costs one query for all its files."""
    return AttachmentSerializer(many=True, read_only=True, **kwargs)
