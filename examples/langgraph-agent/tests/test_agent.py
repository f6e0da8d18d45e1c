"""The agent against the bridge's real processor: every switch on
`neuros-mode-switches` follows the published schema and takes effect exactly
once in the agent, across SIGKILLs at the two points where a crash could
lose or double an effect."""

import json
import os
import signal
import subprocess
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import jsonschema
import psycopg
from langgraph.checkpoint.postgres import PostgresSaver

from auren_agent import graph as agent_graph
from auren_agent.actions import AgentActions
from auren_agent.report import read_topic
from conftest import REPOSITORY, produce_envelopes

SCHEMA = json.loads((REPOSITORY / "schemas/mode-switch.schema.json").read_text())
USERS = 12
EVENTS = 40


def workload() -> list[dict]:
    """Canonical envelopes that keep switching each user: a racing heart
    (reflex), calm (pattern), a poor recovery (guardian), recovered."""
    start = datetime(2026, 11, 20, 6, 0, tzinfo=timezone.utc)
    envelopes = []
    for step in range(EVENTS):
        for index in range(USERS):
            user = f"agent-user-{index}"
            time_text = (start + timedelta(minutes=10 * step + index)).strftime("%Y-%m-%dT%H:%M:%SZ")
            readings = [{"metric": "heart_rate", "value": 112 if (step + index) % 4 == 0 else 62, "timestamp": time_text}]
            if (step + index) % 4 == 2:
                readings.append({"metric": "recovery_score", "value": 30, "timestamp": time_text})
            if (step + index) % 4 == 3:
                readings.append({"metric": "recovery_score", "value": 85, "timestamp": time_text})
            body = {"event_id": f"{user}-{step}", "user_id": user, "device_type": "watch", "timestamp": time_text, "readings": readings}
            envelopes.append({"provider": "canonical", "user_id": user, "received_at": time_text, "body": body})
    return envelopes


def replayed(bridge: str, envelopes: list[dict], tmp_path: Path) -> list[dict]:
    """What `biometric-bridge replay` decides on the same envelopes."""
    path = tmp_path / "envelopes.ndjson"
    path.write_text("".join(json.dumps(envelope) + "\n" for envelope in envelopes))
    output = subprocess.run([bridge, "replay", "--input", str(path)], check=True, capture_output=True, text=True).stdout
    return [json.loads(line) for line in output.splitlines()]


def switches_on_topic(kafka: str, at_least: int, timeout: float = 120) -> list:
    deadline = time.monotonic() + timeout
    while True:
        messages = read_topic(kafka, "neuros-mode-switches")
        if len(messages) >= at_least or time.monotonic() > deadline:
            return messages
        time.sleep(0.5)


def action_count(database: str) -> int:
    with psycopg.connect(database) as connection:
        return connection.execute("SELECT count(*) FROM agent_actions").fetchone()[0]


def test_each_switch_takes_effect_once_across_kills(bridge, kafka, database, processor, agent, tmp_path):
    envelopes = workload()
    expected = replayed(bridge, envelopes, tmp_path)
    assert len(expected) > 150, "the workload must switch often"
    first_half = len(envelopes) * 3 // 5
    produce_envelopes(kafka, envelopes[:first_half])
    processor()
    assert len(switches_on_topic(kafka, at_least=80)) >= 80

    # Killed just before the graph step of its 40th switch: 39 applied, none committed.
    crashed = agent("--hold", "before-step:40")
    crashed.wait_for("holding before-step of switch 40")
    crashed.process.send_signal(signal.SIGKILL)
    crashed.process.wait()
    assert action_count(database) == 39

    produce_envelopes(kafka, envelopes[first_half:])
    # Killed after the step of its 70th switch was checkpointed, before the commit: redelivered later.
    crashed = agent("--hold", "before-commit:70")
    crashed.wait_for("holding before-commit of switch 70")
    crashed.process.send_signal(signal.SIGKILL)
    crashed.process.wait()
    assert action_count(database) >= 39

    messages = switches_on_topic(kafka, at_least=len(expected))
    finishing = agent("--idle-exit", "5")
    finishing.wait_for("stopped:", timeout=300)
    assert finishing.process.wait(timeout=30) == 0

    # The contract: every message validates, with its schema-version header.
    validator = jsonschema.Draft202012Validator(SCHEMA, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)
    published = []
    for message in messages:
        switch = json.loads(message.value())
        validator.validate(switch)
        assert dict(message.headers())["schema-version"] == b"1"
        published.append(switch)
    published_ids = [switch["switch_id"] for switch in published]
    assert len(published_ids) == len(set(published_ids)), "no replay of the processor happened, so no id repeats"
    assert set(published_ids) == {switch["switch_id"] for switch in expected}, "the processor decides what replay decides"

    # Exactly once: one action per switch, none other; each graph in the mode of the user's last switch.
    with PostgresSaver.from_conn_string(database) as saver, psycopg.connect(database, autocommit=True) as connection:
        actions = AgentActions(connection).by_switch()
        assert set(actions) == set(published_ids)
        assert len(actions) == len(published_ids)
        graph = agent_graph.build(AgentActions(connection)).compile(checkpointer=saver)
        last_by_user = {}
        for switch in published:  # partition order = each user's order
            last_by_user[switch["user_id"]] = switch
        for user, last in last_by_user.items():
            state = graph.get_state(agent_graph.thread(user)).values
            assert state["mode"] == last["new_mode"], user
            assert state["last_switch_id"] == last["switch_id"], user
            assert all(actions[s["switch_id"]][0] == user for s in published if s["user_id"] == user)


def test_a_repeated_switch_changes_nothing(database):
    switch = {"switch_id": "0" * 32, "user_id": "ada", "previous_mode": "pattern", "new_mode": "reflex", "reason_code": "hrv_drop",
              "reason": "Heart rate variability fell sharply below the personal baseline.", "confidence": 0.9,
              "event_time": "2026-11-20T08:00:00.000Z", "config_version": "a5ea508096a7",
              "snapshot": {"hrv": 26, "heart_rate": 118, "stress_level": 1, "recovery_score": None, "provider": "apple_health"}}
    with PostgresSaver.from_conn_string(database) as saver, psycopg.connect(database, autocommit=True) as connection:
        saver.setup()
        actions = AgentActions(connection)
        actions.setup()
        graph = agent_graph.build(actions).compile(checkpointer=saver)
        first = graph.invoke({"switch": switch}, agent_graph.thread("ada"), durability="sync")
        again = graph.invoke({"switch": switch}, agent_graph.thread("ada"), durability="sync")
        assert first["mode"] == again["mode"] == "reflex"
        assert first["stance"] == again["stance"] == "steady"
        assert again["applied"] == [switch["switch_id"]]
        assert actions.by_switch() == {switch["switch_id"]: ("ada", "steady")}
        back = dict(switch, switch_id="1" * 32, previous_mode="reflex", new_mode="pattern", reason_code="returned_to_baseline")
        assert graph.invoke({"switch": back}, agent_graph.thread("ada"), durability="sync")["stance"] == "routine"
        assert len(actions.by_switch()) == 2


def test_the_bound_on_remembered_switches(database):
    with PostgresSaver.from_conn_string(database) as saver, psycopg.connect(database, autocommit=True) as connection:
        saver.setup()
        actions = AgentActions(connection)
        actions.setup()
        graph = agent_graph.build(actions).compile(checkpointer=saver)
        modes = ["reflex", "pattern"]
        for number in range(agent_graph.APPLIED_LIMIT + 5):
            switch = {"switch_id": f"{number:032x}", "user_id": "ben", "previous_mode": modes[(number + 1) % 2], "new_mode": modes[number % 2]}
            state = graph.invoke({"switch": switch}, agent_graph.thread("ben"), durability="sync")
        assert len(state["applied"]) == agent_graph.APPLIED_LIMIT
        assert state["applied"][-1] == f"{agent_graph.APPLIED_LIMIT + 4:032x}"
