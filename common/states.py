"""A model's status written once: which action moves it from which states to which.

Each model with a status declares one ``StateMachine``; its services refuse an action the table does
not allow (``require``) and take the next status from it (``target``); views, serializers and
templates ask the same table which actions to offer (``allows``), so a button is shown exactly when
the service would accept it (as far as the status decides; who may act is the service's own check).
"""

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Transition:
    action: str
    sources: frozenset[str]
    target: str


@dataclass(frozen=True)
class StateMachine:
    name: str
    states: frozenset[str]
    transitions: Mapping[str, Transition] = field(default_factory=dict)

    @classmethod
    def build(cls, name: str, states: Iterable[str], table: Iterable[tuple[str, Iterable[str], str]]) -> "StateMachine":
        """``table``: (action, [from states], to state) rows."""
        states = frozenset(states)
        transitions: dict[str, Transition] = {}
        for action, sources, target in table:
            sources = frozenset(sources)
            unknown = (sources | {target}) - states
            if unknown or action in transitions:
                raise ValueError(f"{name}: bad transition {action!r} ({sorted(unknown)})")
            transitions[action] = Transition(action, sources, target)
        return cls(name=name, states=states, transitions=transitions)

    def allows(self, status: str, action: str) -> bool:
        transition = self.transitions.get(action)
        return transition is not None and status in transition.sources

    def actions(self, status: str) -> list[str]:
        """The actions offered in ``status``, in the table's order."""
        return [action for action, transition in self.transitions.items() if status in transition.sources]

    def target(self, action: str) -> str:
        return self.transitions[action].target

    def sources(self, action: str) -> list[str]:
        """The states ``action`` leaves from (sorted), for a bulk change: ``filter(status__in=...)``."""
        return sorted(self.transitions[action].sources)

    def require(self, status: str, action: str, refuse: Callable[[], Exception]) -> str:
        """The next status for ``action`` from ``status``, or raise what ``refuse()`` makes."""
        if not self.allows(status, action):
            raise refuse()
        return self.target(action)
