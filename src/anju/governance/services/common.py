"""What every governance service shares: the acting user as stored on a row, and one checked file
(a photo or a PDF) attached through ``core.attachments``."""

from anju.core import attachments


def acting_user(user):
    """The acting user as a foreign key: None for the system (a periodic job) or an anonymous one."""
    return user if getattr(user, "pk", None) else None


def attach_one(obj, upload, *, actor, field, caption=""):
    """One checked file (a photo or a PDF) attached to ``obj``: ``core.attachments``."""
    return attachments.attach(
        obj,
        [upload],
        actor=actor,
        field=field,
        accept=attachments.PHOTOS_OR_DOCUMENTS,
        caption=caption,
    )[0]
