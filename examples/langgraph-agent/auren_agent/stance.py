"""How the agent behaves in each cognitive mode.

`choose_stance` is deterministic by default: a table. It is the one place a
language model would be called — give it the switch (mode, reason, snapshot)
and the user's recent history, and let it phrase the guidance — keeping the
returned `Stance.name` one of the four below so downstream code can rely on it.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class Stance:
    name: str
    guidance: str


STANCES = {
    "reflex": Stance("steady", "Short, calm prompts; offer a breathing exercise; hold back demanding tasks."),
    "guardian": Stance("protective", "Lower the load: fewer notifications, suggest rest, protect sleep."),
    "hypothesis": Stance("curious", "Ask gentle questions to understand what changed before advising."),
    "pattern": Stance("routine", "The usual coaching cadence and goals."),
}

MODES = tuple(STANCES)


def choose_stance(mode: str, switch: dict) -> Stance:
    """The stance for `mode`. Replace the table lookup with a model call here."""
    return STANCES[mode]
