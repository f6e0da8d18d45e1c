"""The agent's LangGraph graph: one thread per user, a node per mode."""

from typing import TypedDict

from langgraph.graph import END, START, StateGraph

from .actions import AgentActions
from .stance import MODES, choose_stance

# Enough to recognise any switch Kafka can deliver again: a redelivery only
# repeats what came after the last committed offset.
APPLIED_LIMIT = 256


class AgentState(TypedDict, total=False):
    # The input of each step: the switch to apply.
    switch: dict
    user_id: str
    mode: str
    stance: str
    last_switch_id: str
    # The ids of the last APPLIED_LIMIT switches applied, oldest first.
    applied: list[str]


def thread(user_id: str) -> dict:
    """The graph configuration of one user's thread."""
    return {"configurable": {"thread_id": user_id}}


def build(actions: AgentActions) -> StateGraph:
    def route(state: AgentState) -> str:
        switch = state["switch"]
        if switch["switch_id"] in state.get("applied", []):
            return END  # applied before a crash: changes nothing
        return switch["new_mode"]

    def apply_in(mode: str):
        def apply(state: AgentState) -> AgentState:
            switch = state["switch"]
            stance = choose_stance(mode, switch)
            actions.record(switch, stance.name)
            applied = (state.get("applied", []) + [switch["switch_id"]])[-APPLIED_LIMIT:]
            return {"user_id": switch["user_id"], "mode": mode, "stance": stance.name, "last_switch_id": switch["switch_id"], "applied": applied}

        return apply

    graph = StateGraph(AgentState)
    for mode in MODES:
        graph.add_node(mode, apply_in(mode))
        graph.add_edge(mode, END)
    graph.add_conditional_edges(START, route, [*MODES, END])
    return graph
