"""The words a person reads for a state machine's actions and states.

A refusal of a state change (``errors.InvalidTransition``) and the pages' messages name the
current state by its label and the actions allowed now by theirs, in the user's language; the
API keeps the codes in its structured field (``allowed``). A machine may give its own labels
(``StateMachine(labels=...)``); the shared vocabulary below covers every action of every machine.
"""

from django.utils.translation import pgettext, pgettext_lazy

ACTION_LABELS = {
    "accept": pgettext_lazy("state action", "Accept"),
    "acknowledge": pgettext_lazy("state action", "Acknowledge"),
    "apply": pgettext_lazy("state action", "Apply"),
    "appoint": pgettext_lazy("state action", "Set an appointment"),
    "approve": pgettext_lazy("state action", "Approve"),
    "archive": pgettext_lazy("state action", "Archive"),
    "arrive": pgettext_lazy("state action", "Arrive on site"),
    "assign": pgettext_lazy("state action", "Dispatch"),
    "attach": pgettext_lazy("state action", "Attach files"),
    "ballot": pgettext_lazy("state action", "Cast a ballot"),
    "cancel": pgettext_lazy("state action", "Cancel"),
    "check-in": pgettext_lazy("state action", "Check in"),
    "close": pgettext_lazy("state action", "Close"),
    "collect": pgettext_lazy("state action", "Collect"),
    "complete": pgettext_lazy("state action", "Complete"),
    "confirm": pgettext_lazy("state action", "Confirm"),
    "decline": pgettext_lazy("state action", "Decline"),
    "delete": pgettext_lazy("state action", "Delete"),
    "deliver": pgettext_lazy("state action", "Deliver"),
    "disburse": pgettext_lazy("state action", "Disburse"),
    "dismiss": pgettext_lazy("state action", "Dismiss"),
    "edit": pgettext_lazy("state action", "Edit"),
    "escalate": pgettext_lazy("state action", "Escalate"),
    "fail": pgettext_lazy("state action", "Mark as failed"),
    "mark_overdue": pgettext_lazy("state action", "Mark as overdue"),
    "note": pgettext_lazy("state action", "Add a note"),
    "open": pgettext_lazy("state action", "Open"),
    "pay": pgettext_lazy("state action", "Pay"),
    "post": pgettext_lazy("state action", "Post"),
    "preview": pgettext_lazy("state action", "Preview"),
    "publish": pgettext_lazy("state action", "Publish"),
    "publish_notice": pgettext_lazy("state action", "Publish the notice"),
    "rate": pgettext_lazy("state action", "Rate"),
    "record": pgettext_lazy("state action", "Record"),
    "rectify": pgettext_lazy("state action", "Rectify"),
    "regenerate": pgettext_lazy("state action", "Regenerate"),
    "reject": pgettext_lazy("state action", "Reject"),
    "remind": pgettext_lazy("state action", "Send reminders"),
    "reopen": pgettext_lazy("state action", "Reopen"),
    "reply": pgettext_lazy("state action", "Reply"),
    "resend": pgettext_lazy("state action", "Send again"),
    "resolve": pgettext_lazy("state action", "Resolve"),
    "respond": pgettext_lazy("state action", "Write a response"),
    "resume": pgettext_lazy("state action", "Resume"),
    "return-visit": pgettext_lazy("state action", "Return visit"),
    "revise": pgettext_lazy("state action", "Revise"),
    "schedule": pgettext_lazy("state action", "Schedule"),
    "start": pgettext_lazy("state action", "Start"),
    "start_vote": pgettext_lazy("state action", "Start the vote"),
    "start_works": pgettext_lazy("state action", "Start the works"),
    "transfer": pgettext_lazy("state action", "Transfer"),
    "triage": pgettext_lazy("state action", "Change the priority"),
    "unschedule": pgettext_lazy("state action", "Unschedule"),
    "update": pgettext_lazy("state action", "Edit"),
    "verify": pgettext_lazy("state action", "Verify"),
    "wait": pgettext_lazy("state action", "Wait for the resident"),
    "work": pgettext_lazy("state action", "Record material or labour"),
}


def action_label(action, labels=None) -> str:
    """The words for ``action``: the machine's own, else the shared vocabulary, else the code."""
    label = (labels or {}).get(action) or ACTION_LABELS.get(action)
    return str(label) if label else str(action)


def state_label(state, choices=None) -> str:
    """The words for ``state``: a choices member's label, else ``choices`` (value -> label),
    else the value itself."""
    label = getattr(state, "label", None)
    if label is None and choices:
        label = choices.get(str(state))
    return str(label) if label is not None else str(state)


def join(labels) -> str:
    """Labels as one list in the user's language (、 in Chinese)."""
    return pgettext("list separator", ", ").join(labels) or "—"
