"""What the notices services share: the row lock, the app's logger and one checked attachment."""

import logging

from anju.core import attachments

log = logging.getLogger("anju.notices")


def lock(obj):
    """``obj`` again, locked for this transaction."""
    return type(obj).objects.select_for_update().get(pk=obj.pk)


def attach_one(obj, upload, *, actor, field):
    """A photo or PDF (the cut-off map, the contractor's letter), checked and stored by
    ``core.attachments``."""
    return attachments.attach(
        obj, [upload], actor=actor, field=field, accept=attachments.PHOTOS_OR_DOCUMENTS
    )[0]
