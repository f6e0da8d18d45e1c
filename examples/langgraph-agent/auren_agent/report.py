"""Per user: the bridge's switches next to the agent's actions."""

import json
import urllib.request

import psycopg
from confluent_kafka import Consumer, TopicPartition
from langgraph.checkpoint.postgres import PostgresSaver

from . import graph as agent_graph
from .actions import AgentActions


def read_topic(bootstrap_servers: str, topic: str) -> list:
    """Every message of `topic` up to its current end, in partition order."""
    consumer = Consumer({"bootstrap.servers": bootstrap_servers, "group.id": "auren-agent-report", "enable.auto.commit": False})
    try:
        metadata = consumer.list_topics(topic, timeout=10)
        partitions = sorted(metadata.topics[topic].partitions)
        ends = {p: consumer.get_watermark_offsets(TopicPartition(topic, p), timeout=10)[1] for p in partitions}
        consumer.assign([TopicPartition(topic, p, 0) for p in partitions])
        messages, done = [], {p for p, end in ends.items() if end == 0}
        while len(done) < len(partitions):
            message = consumer.poll(1.0)
            if message is None or message.error():
                continue
            messages.append(message)
            if message.offset() + 1 >= ends[message.partition()]:
                done.add(message.partition())
        return messages
    finally:
        consumer.close()


def bridge_mode(bridge_url: str, api_key: str, user: str) -> str:
    request = urllib.request.Request(f"{bridge_url.rstrip('/')}/v1/users/{user}/mode", headers={"Authorization": f"Bearer {api_key}"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.load(response)["mode"]


def report(bootstrap_servers: str, database_url: str, topic: str, bridge_url: str | None, api_key: str | None) -> int:
    """Prints the table; returns 1 when a switch has no action, an action no
    switch, or a user's graph is not in the mode of their last switch."""
    switches: dict[str, list[dict]] = {}
    for message in read_topic(bootstrap_servers, topic):
        switch = json.loads(message.value())
        switches.setdefault(switch["user_id"], []).append(switch)
    with PostgresSaver.from_conn_string(database_url) as saver, psycopg.connect(database_url, autocommit=True) as connection:
        actions = AgentActions(connection).by_switch()
        graph = agent_graph.build(AgentActions(connection)).compile(checkpointer=saver)
        problems = 0
        known = {switch["switch_id"] for user in switches.values() for switch in user}
        for user in sorted(switches):
            state = graph.get_state(agent_graph.thread(user)).values
            last = switches[user][-1]["new_mode"]
            line = f"{user}: graph in {state.get('mode', '—')} ({state.get('stance', 'no stance')})"
            if bridge_url and api_key:
                line += f", bridge says {bridge_mode(bridge_url, api_key, user)}"
            if state.get("mode") != last:
                line += f"  ✗ the last switch was to {last}"
                problems += 1
            print(line)
            for switch in switches[user]:
                action = actions.get(switch["switch_id"])
                acted = f"→ {action[1]}" if action else "✗ no action"
                problems += action is None
                print(f"  {switch['event_time']}  {switch['previous_mode']:>10} → {switch['new_mode']:<10} {switch['reason_code']:<22} "
                      f"{switch['confidence']:<8} {switch['switch_id'][:8]}  {acted}")
        extra = set(actions) - known
        problems += len(extra)
        total = sum(len(user) for user in switches.values())
        print(f"{total} switches for {len(switches)} users, {len(actions)} actions; "
              f"{sum(1 for s in known if s not in actions)} switches without an action, {len(extra)} actions without a switch")
        return 1 if problems else 0
