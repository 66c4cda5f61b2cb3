"""One state machine per stateful model: a table of allowed transitions next to the model."""

from .errors import InvalidTransition


class StateMachine:
    """``transitions = {action: (from_states, to_state)}``; ``to_state`` None keeps the state."""

    def __init__(self, transitions: dict[str, tuple[tuple[str, ...], str | None]]):
        self.transitions = transitions

    def allowed_actions(self, state) -> list[str]:
        return [action for action, (sources, _) in self.transitions.items() if state in sources]

    def check(self, action: str, state) -> str | None:
        sources, target = self.transitions[action]
        if state not in sources:
            raise InvalidTransition(action, state, self.allowed_actions(state))
        return target if target is not None else state
