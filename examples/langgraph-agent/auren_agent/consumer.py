"""The loop: switches from Kafka into the graph, offsets committed after.

Order per batch: each switch → `graph.invoke` (its step checkpointed by
PostgresSaver before the call returns, `durability="sync"`) → after the
batch, commit the next offset of each partition. A crash before the commit
redelivers switches the graph may already have applied; the graph skips
those by id. Committing first would lose them instead.
"""

import json
import logging
import signal
import sys
import time
from dataclasses import dataclass

import psycopg
from confluent_kafka import Consumer, KafkaError, TopicPartition
from langgraph.checkpoint.postgres import PostgresSaver

from . import graph as agent_graph
from .actions import AgentActions

log = logging.getLogger("auren_agent")


@dataclass
class Settings:
    bootstrap_servers: str
    database_url: str
    topic: str = "neuros-mode-switches"
    group: str = "auren-agent"
    batch: int = 100
    # How long the group waits for a silent member (a killed agent) before
    # giving its partitions to the others.
    session_timeout: float = 45
    # Exit 0 once caught up with the topic and this many seconds passed without
    # a switch (tests, the demo); None runs until SIGTERM.
    idle_exit: float | None = None
    # "before-step:N" or "before-commit:N": stop dead at the Nth switch, for crash tests.
    hold: str | None = None


class Hold:
    """Freezes the process at a chosen point so a test can SIGKILL it there."""

    def __init__(self, spec: str | None):
        self.point, self.at = (None, 0)
        if spec:
            point, _, count = spec.partition(":")
            if point not in ("before-step", "before-commit") or not count.isdigit() or int(count) < 1:
                raise ValueError(f"--hold wants before-step:N or before-commit:N, got {spec!r}")
            self.point, self.at = point, int(count)

    def reached(self, point: str, count: int) -> None:
        if point == self.point and count == self.at:
            print(f"holding {point} of switch {count}", flush=True)
            while True:
                time.sleep(3600)


def caught_up(consumer: Consumer) -> bool:
    """Partitions are assigned and each is read to its end (a group still
    rebalancing after a killed member has none yet)."""
    assignment = consumer.assignment()
    if not assignment:
        return False
    for position, committed in zip(consumer.position(assignment), consumer.committed(assignment, timeout=10)):
        offset = position.offset if position.offset >= 0 else max(committed.offset, 0)
        if offset < consumer.get_watermark_offsets(position, timeout=10, cached=False)[1]:
            return False
    return True


def run(settings: Settings) -> int:
    hold = Hold(settings.hold)
    stopping = []
    signal.signal(signal.SIGTERM, lambda *_: stopping.append(True))
    consumer = Consumer({
        "bootstrap.servers": settings.bootstrap_servers,
        "group.id": settings.group,
        "enable.auto.commit": False,
        "auto.offset.reset": "earliest",
        "session.timeout.ms": int(settings.session_timeout * 1000),
    })
    consumer.subscribe([settings.topic])
    seen = 0
    idle_since = time.monotonic()
    with PostgresSaver.from_conn_string(settings.database_url) as saver, psycopg.connect(settings.database_url, autocommit=True) as connection:
        saver.setup()
        actions = AgentActions(connection)
        actions.setup()
        graph = agent_graph.build(actions).compile(checkpointer=saver)
        print(f"consuming {settings.topic} as group {settings.group}", flush=True)
        try:
            while not stopping:
                messages = consumer.consume(num_messages=settings.batch, timeout=0.5)
                if not messages:
                    if settings.idle_exit is not None and time.monotonic() - idle_since > settings.idle_exit and caught_up(consumer):
                        break
                    continue
                idle_since = time.monotonic()
                ends: dict[tuple[str, int], int] = {}
                for message in messages:
                    if message.error():
                        if message.error().code() != KafkaError._PARTITION_EOF:
                            log.warning("consumer error: %s", message.error())
                        continue
                    seen += 1
                    ends[(message.topic(), message.partition())] = message.offset() + 1
                    try:
                        switch = json.loads(message.value())
                        user = switch["user_id"]
                    except (ValueError, KeyError, TypeError) as error:
                        # Nothing the graph could do with it; the bridge's contract makes this a bug upstream.
                        log.error("skipping an unreadable switch at %s/%d@%d: %s", message.topic(), message.partition(), message.offset(), error)
                        continue
                    hold.reached("before-step", seen)
                    graph.invoke({"switch": switch}, agent_graph.thread(user), durability="sync")
                    hold.reached("before-commit", seen)
                consumer.commit(offsets=[TopicPartition(topic, partition, offset) for (topic, partition), offset in ends.items()], asynchronous=False)
        finally:
            consumer.close()
    print(f"stopped: {seen} switches read (those applied before are skipped by the graph)", flush=True)
    return 0


def main(settings: Settings) -> int:
    logging.basicConfig(level=logging.INFO, stream=sys.stderr, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    return run(settings)
