"""The bridge's real parts for the agent's tests: a fresh database on the
PostgreSQL server libpq's PG* variables name (scripts/agent-test runs this
under pg_virtualenv), librdkafka's mock cluster through `biometric-bridge
kafka-mock` over TCP, and `biometric-bridge serve --role processor`."""

import json
import os
import queue
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import psycopg
import pytest
from confluent_kafka import Producer

EXAMPLE = Path(__file__).resolve().parents[1]
REPOSITORY = EXAMPLE.parents[1]
TOPICS = ("biometric-events:4", "biometric-events.dlq:1", "neuros-mode-switches:4", "provider-notifications:1")


def bridge_binary() -> str:
    explicit = os.environ.get("AUREN_BRIDGE")
    if explicit:
        return explicit
    path = subprocess.check_output(["swift", "build", "--show-bin-path"], cwd=REPOSITORY, text=True).strip()
    return os.path.join(path, "biometric-bridge")


class Lines:
    """A child's stdout, line by line, readable with a timeout."""

    def __init__(self, process: subprocess.Popen):
        self.process = process
        self.lines: queue.Queue[str] = queue.Queue()
        self.seen: list[str] = []
        threading.Thread(target=self._pump, daemon=True).start()

    def _pump(self):
        for line in self.process.stdout:
            self.lines.put(line.rstrip("\n"))

    def wait_for(self, text: str, timeout: float = 120) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                line = self.lines.get(timeout=0.2)
            except queue.Empty:
                if self.process.poll() is not None and self.lines.empty():
                    break
                continue
            self.seen.append(line)
            if text in line:
                return line
        raise AssertionError(f"no line with {text!r} within {timeout}s; output so far: {self.seen[-20:]}")


@pytest.fixture(scope="session")
def bridge() -> str:
    return bridge_binary()


@pytest.fixture
def database() -> str:
    """A fresh, empty database; its libpq connection string."""
    name = f"agent_test_{uuid.uuid4().hex[:10]}"
    with psycopg.connect("", dbname=os.environ.get("PGDATABASE", "postgres"), autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    yield f"dbname={name}"
    with psycopg.connect("", dbname=os.environ.get("PGDATABASE", "postgres"), autocommit=True) as connection:
        connection.execute(f'DROP DATABASE "{name}" WITH (FORCE)')


@pytest.fixture
def kafka(bridge) -> str:
    """The mock cluster's bootstrap servers, with the bridge's topics."""
    arguments = [bridge, "kafka-mock", "--brokers", "1"]
    for topic in TOPICS:
        arguments += ["--topic", topic]
    process = subprocess.Popen(arguments, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    line = process.stdout.readline().strip()
    assert line.startswith("bootstrap.servers="), f"kafka-mock printed {line!r}"
    yield line.removeprefix("bootstrap.servers=")
    process.terminate()
    process.wait(timeout=30)


@pytest.fixture
def processor(bridge, kafka, database, tmp_path):
    """Starts `serve --role processor` on demand; stops it with SIGTERM (must exit 0)."""
    started = []

    def start() -> subprocess.Popen:
        environment = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
        environment.update({
            "KAFKA_BOOTSTRAP_SERVERS": kafka,
            "PGDATABASE": database.removeprefix("dbname="),
            "BRIDGE_CONFIG": str(REPOSITORY / "config/biometric_thresholds.yaml"),
            "BRIDGE_MIGRATIONS_DIR": str(REPOSITORY / "config/sql"),
            "BRIDGE_INSTANCE_ID": f"agent-test-{uuid.uuid4().hex[:8]}",
        })
        log = open(tmp_path / "processor.log", "w")
        process = subprocess.Popen([bridge, "serve", "--role", "processor", "--insecure-development-key", "--http-port", "0"],
                                   env=environment, stdout=log, stderr=subprocess.STDOUT)
        started.append(process)
        return process

    yield start
    for process in started:
        if process.poll() is None:
            process.terminate()
            assert process.wait(timeout=60) == 0, (tmp_path / "processor.log").read_text()[-3000:]


@pytest.fixture
def agent(kafka, database):
    """Starts `python -m auren_agent run …`; every one still running at the end is killed."""
    started = []

    def start(*arguments: str) -> Lines:
        process = subprocess.Popen(
            [sys.executable, "-m", "auren_agent", "--bootstrap-servers", kafka, "--database-url", database, "run", "--session-timeout", "6", *arguments],
            cwd=EXAMPLE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        started.append(process)
        return Lines(process)

    yield start
    for process in started:
        if process.poll() is None:
            process.kill()
            process.wait()


def produce_envelopes(bootstrap_servers: str, envelopes: list[dict]) -> None:
    """Each envelope as the ingress writes it: key = user, value = the body, headers."""
    producer = Producer({"bootstrap.servers": bootstrap_servers, "partitioner": "murmur2_random", "enable.idempotence": True})
    for envelope in envelopes:
        producer.produce("biometric-events", key=envelope["user_id"], value=json.dumps(envelope["body"]).encode(),
                         headers=[("provider", envelope["provider"].encode()), ("received-at", envelope["received_at"].encode())])
    assert producer.flush(30) == 0
