"""Domain errors raised by services; the API and pages translate them (see api/errors.py)."""

from django.utils.translation import gettext_lazy as _

from . import verbs


class DomainError(Exception):
    """A business rule refused the operation; nothing was changed."""

    code = "invalid"
    status = 400

    def __init__(self, message, *, code=None, fields=None, **extra):
        super().__init__(str(message))
        self.message = message
        if code:
            self.code = code
        self.fields = fields or {}
        self.extra = extra


class InvalidTransition(DomainError):
    """The object is not in a state that allows this action (HTTP 409)."""

    code = "invalid_state"
    status = 409

    def __init__(self, action, state, allowed, message=None, *, machine=None):
        """``allowed`` stays codes (the API's ``allowed``); the message names the state and the
        actions by their labels in the user's language, the machine's (``machine``) when given."""
        allowed = sorted(allowed)
        labels = machine.labels if machine is not None else None
        choices = machine.state_choices() if machine is not None else None
        super().__init__(
            message
            or _(
                "“%(action)s” is not allowed while the status is “%(state)s”. Allowed now: %(allowed)s."
            )
            % {
                "action": verbs.action_label(action, labels),
                "state": verbs.state_label(state, choices),
                "allowed": verbs.join([verbs.action_label(a, labels) for a in allowed]),
            },
            allowed=allowed,
            status_value=str(state),
        )
        self.allowed = allowed


class Forbidden(DomainError):
    code = "forbidden"
    status = 403


class Conflict(DomainError):
    code = "conflict"
    status = 409


def refuse(field, message, code=None):
    """Refuse with ``message`` on ``field``: the one way services name the field at fault."""
    raise DomainError(message, fields={field: [message]}, code=code)


def full_clean(obj, exclude=None):
    """Validate ``obj`` (fields and constraints) or raise DomainError naming every bad field."""
    from django.core.exceptions import ValidationError

    try:
        obj.full_clean(exclude=exclude, validate_constraints=True)
    except ValidationError as exc:
        fields = (
            exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        )
        first = next(iter(fields.values()))[0]
        raise DomainError(first, fields=fields) from exc
