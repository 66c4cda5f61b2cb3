"""One state machine per stateful model: a table of allowed transitions next to the model."""

from django.core.exceptions import FieldDoesNotExist

from .errors import InvalidTransition


class StateMachine:
    """``transitions = {action: (from_states, to_state)}``; ``to_state`` None keeps the state.

    Assigned on a model (``machine = StateMachine(...)``), the machine learns the model, so a
    refusal names the state by the label of the model's ``field`` choices; ``labels`` are the
    machine's own words for actions where the shared ones of ``core.verbs`` do not fit."""

    def __init__(
        self,
        transitions: dict[str, tuple[tuple[str, ...], str | None]],
        *,
        labels: dict | None = None,
        field: str = "status",
    ):
        self.transitions = transitions
        self.labels = labels or {}
        self.field = field
        self.model = None

    def __set_name__(self, owner, name):
        if self.model is None:
            self.model = owner

    def state_choices(self) -> dict:
        """value -> label of the states: the model field's choices, else the members named in
        the table (choices members carry their label)."""
        choices = {}
        for sources, target in self.transitions.values():
            for state in (*sources, target):
                if state is not None and hasattr(state, "label"):
                    choices[str(state)] = state.label
        if self.model is not None:
            try:
                field = self.model._meta.get_field(self.field)
            except FieldDoesNotExist:  # a model without that field keeps the table's labels
                field = None
            if field is not None and field.choices:
                choices.update({str(k): v for k, v in field.flatchoices})
        return choices

    def allowed_actions(self, state) -> list[str]:
        return [action for action, (sources, _) in self.transitions.items() if state in sources]

    def check(self, action: str, state) -> str | None:
        sources, target = self.transitions[action]
        if state not in sources:
            raise InvalidTransition(action, state, self.allowed_actions(state), machine=self)
        return target if target is not None else state
